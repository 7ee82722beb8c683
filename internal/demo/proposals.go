package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/proposals"
	"shequ/internal/registry"
)

// GridLogin is the demo's grid worker's login, whose proposals the demo's
// proposals are: the cli gives it its password at every start.
const GridLogin = "demo-grid"

// proposalStory is what happens to a demo proposal about the head of the demo
// grid's household in slot i: its kind, how long ago it was made, and its end.
type proposalStory struct {
	kind proposals.Kind
	ago  time.Duration
	end  string // proposals.Waiting, Approved, Rejected or Applied
}

// proposalStories are the demo's proposals, one a household, in every state; the
// one applied directly comes last, once its worker is trusted with its kind. None
// that is approved changes a figure of the report: a phone or a tag changes no
// count, and the newborn and the move out wait.
var proposalStories = []proposalStory{
	{proposals.Newborn, 5 * 24 * time.Hour, proposals.Waiting},
	{proposals.Phone, 2 * 24 * time.Hour, proposals.Waiting},
	{proposals.TagAdd, 26 * time.Hour, proposals.Waiting},
	{proposals.MoveOut, 8 * 24 * time.Hour, proposals.Waiting},
	{proposals.Phone, 10 * 24 * time.Hour, proposals.Rejected},
	{proposals.TagAdd, 12 * 24 * time.Hour, proposals.Approved},
	{proposals.Phone, 3 * 24 * time.Hour, proposals.Applied},
}

// LoadProposals gives the demo's first grid a handful of field proposals (信息采集)
// in every state — waiting for the community's review, returned with a reason,
// approved, applied directly for a trusted worker — made by the demo's grid
// login (GridLogin, created here when it does not exist yet) and reviewed by the
// community's office, through the proposals service itself, each at a time
// before now. They depend on now, and are otherwise the same at every load. It
// returns how many it made.
func LoadProposals(ctx context.Context, d *db.DB, now time.Time, zone *time.Location) (int, error) {
	_, _, community, grid, err := FirstCodes(ctx, d.Read())
	if err != nil {
		return 0, err
	}
	worker, err := gridLogin(ctx, d, grid, now)
	if err != nil {
		return 0, err
	}
	office := auth.Principal{UserID: "demo-office", Name: "社区值班员", Role: auth.RoleCommunity, OrgCode: community}
	clock := now
	at := func() time.Time { return clock }
	svc := proposals.NewService(d, registry.NewService(d, at, zone), at, zone)
	heads, err := demoHeads(ctx, d, grid, len(proposalStories))
	if err != nil {
		return 0, err
	}
	for i, st := range proposalStories {
		clock = now.Add(-st.ago)
		if st.end == proposals.Applied {
			// The community trusts its worker with phones from here on.
			if err := svc.SetTrust(ctx, office, worker.UserID, st.kind, true); err != nil {
				return 0, err
			}
		}
		pr, err := svc.Submit(ctx, worker, demoProposal(st.kind, heads[i], i, clock.In(zone)), nil, nil)
		if err != nil {
			return 0, fmt.Errorf("demo proposal %d (%s): %w", i, st.kind, err)
		}
		clock = clock.Add(3 * time.Hour)
		switch st.end {
		case proposals.Approved:
			_, err = svc.Approve(ctx, office, pr.ID)
		case proposals.Rejected:
			_, err = svc.Reject(ctx, office, pr.ID, "号码打不通，请与居民本人核实后再报")
		}
		if err != nil {
			return 0, err
		}
	}
	return len(proposalStories), nil
}

// gridLogin returns the demo's grid login, bound to grid, creating it if need be.
func gridLogin(ctx context.Context, d *db.DB, grid string, now time.Time) (auth.Principal, error) {
	s := auth.NewService(d, func() time.Time { return now })
	if _, err := s.AddUser(ctx, GridLogin, auth.RoleGrid, grid); err != nil && !apperr.Is(err, apperr.Conflict) {
		return auth.Principal{}, err
	}
	return s.Principal(ctx, GridLogin)
}

// demoHeads returns the heads of the first n households of grid, in number order.
func demoHeads(ctx context.Context, d *db.DB, grid string, n int) ([]registry.Resident, error) {
	rows, err := d.Read().QueryContext(ctx, `SELECT household_no FROM households WHERE org_code = $1 AND dissolved_on IS NULL
		ORDER BY household_no LIMIT $2`, grid, n)
	if err != nil {
		return nil, err
	}
	var nos []string
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			rows.Close()
			return nil, err
		}
		nos = append(nos, no)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []registry.Resident
	for _, no := range nos {
		h, err := registry.GetHouseholdByNo(ctx, d.Read(), scope.Everything(), no)
		if err != nil {
			return nil, err
		}
		members, err := registry.HouseholdMembers(ctx, d.Read(), d.Keys(), scope.Everything(), h.ID)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(members, func(r registry.Resident) bool { return r.IsHead() && r.Current() }); i >= 0 {
			out = append(out, members[i])
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("demo proposals: grid %s has %d households with a head, want %d", grid, len(out), n)
	}
	return out, nil
}

// demoProposal is the proposal of kind about head, the i-th of the stories, made
// on day.
func demoProposal(kind proposals.Kind, head registry.Resident, i int, day time.Time) proposals.Input {
	in := proposals.Input{Kind: kind, ResidentID: head.ID}
	var payload any
	switch kind {
	case proposals.Newborn:
		born := day.AddDate(0, 0, -20)
		first := head.GridCode[:6] + born.Format("20060102") + fmt.Sprintf("%03d", 100+i)
		in.ResidentID = ""
		in.Note = "出生医学证明已看过，父母申报户口"
		payload = registry.ResidentInput{Name: string([]rune(head.Name)[:1]) + "小宝",
			IDNumber: first + string(pii.CheckDigit(first)), HouseholdNo: head.HouseholdNo, Relation: "grandchild"}
	case proposals.Phone:
		in.Note = "居民本人来电告知新号码"
		payload = proposals.Change{Phone: fmt.Sprintf("1390774%04d", 1000+i)}
	case proposals.TagAdd:
		in.Note = "入户走访时看过相关证件"
		tag := registry.Tags[0]
		for _, t := range registry.Tags {
			if !slices.Contains(head.Tags, t) {
				tag = t
				break
			}
		}
		payload = proposals.Change{Tag: tag}
	case proposals.MoveOut:
		in.Note = "邻居告知已搬往外地，待本人确认"
		payload = proposals.Change{On: day.AddDate(0, 0, -3).Format(time.DateOnly)}
	}
	b, _ := json.Marshal(payload)
	in.Payload = b
	return in
}
