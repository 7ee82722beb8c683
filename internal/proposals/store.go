package proposals

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/db"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
)

// sealedAs is the purpose a proposal's payload and snapshot are sealed for: either
// may carry an ID number or a phone, which never reach the database in clear
// (decision 6).
const sealedAs crypt.Purpose = "proposal"

const columns = `id, org_code, kind, COALESCE(resident_id, ''), subject, payload_sealed, snapshot_sealed, note, state, reason,
	result_id, proposed_by, proposer_name, proposed_at, decided_by, decider_name, decided_at, seen_at`

// scan reads a row of columns, opening the sealed payload and snapshot.
func scan(keys crypt.Keyring, row interface{ Scan(...any) error }) (Proposal, error) {
	var p Proposal
	var payload, snapshot []byte
	var proposed int64
	var decided, seen sql.NullInt64
	if err := row.Scan(&p.ID, &p.OrgCode, &p.Kind, &p.ResidentID, &p.Subject, &payload, &snapshot, &p.Note, &p.State, &p.Reason,
		&p.ResultID, &p.ProposedBy, &p.ProposerName, &proposed, &p.DecidedBy, &p.DeciderName, &decided, &seen); err != nil {
		return p, err
	}
	p.ProposedAt = time.UnixMilli(proposed).UTC()
	if decided.Valid {
		t := time.UnixMilli(decided.Int64).UTC()
		p.DecidedAt = &t
	}
	p.Seen = seen.Valid
	plain, err := keys.Open(sealedAs, payload)
	if err != nil {
		return p, err
	}
	p.Payload = json.RawMessage(plain)
	if snapshot != nil {
		plain, err := keys.Open(sealedAs, snapshot)
		if err != nil {
			return p, err
		}
		var r registry.Resident
		if err := json.Unmarshal([]byte(plain), &r); err != nil {
			return p, err
		}
		p.Snapshot = &r
	}
	return p, nil
}

// insert stores a new proposal.
func insert(ctx context.Context, tx *sql.Tx, keys crypt.Keyring, p Proposal) error {
	payload, err := keys.Seal(sealedAs, string(p.Payload))
	if err != nil {
		return err
	}
	var snapshot []byte
	if p.Snapshot != nil {
		b, err := json.Marshal(p.Snapshot)
		if err != nil {
			return err
		}
		if snapshot, err = keys.Seal(sealedAs, string(b)); err != nil {
			return err
		}
	}
	var decided any
	if p.DecidedAt != nil {
		decided = p.DecidedAt.UnixMilli()
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO proposals (id, org_code, kind, resident_id, subject, payload_sealed, snapshot_sealed, note,
		state, reason, result_id, proposed_by, proposer_name, proposed_at, decided_by, decider_name, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		p.ID, p.OrgCode, string(p.Kind), nullable(p.ResidentID), p.Subject, payload, snapshot, p.Note, p.State, p.Reason, p.ResultID,
		p.ProposedBy, p.ProposerName, p.ProposedAt.UnixMilli(), p.DecidedBy, p.DeciderName, decided)
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func errNotFound() error { return apperr.New(apperr.NotFound, "proposal.not_found", "id") }

// get returns a proposal in sc by id; one outside sc is not found, and recorded as
// such (audit.NotFound).
func get(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, id string) (Proposal, error) {
	w, args := sc.Where("org_code", 2)
	p, err := scan(keys, q.QueryRowContext(ctx, `SELECT `+columns+` FROM proposals WHERE id = $1 AND `+w, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return p, audit.NotFound(ctx, q, "proposals", "proposal", id, errNotFound())
	}
	return p, err
}

// decide moves a waiting proposal to state, with who and when; a proposal no
// longer waiting (decided by someone else a moment before) is a conflict.
func decide(ctx context.Context, tx *sql.Tx, id, state, reason, resultID, by, name string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE proposals SET state = $1, reason = $2, result_id = $3, decided_by = $4, decider_name = $5,
		decided_at = $6 WHERE id = $7 AND state = $8`, state, reason, resultID, by, name, at.UnixMilli(), id, Waiting)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return err
		}
		return apperr.New(apperr.Conflict, "proposal.decided", "id")
	}
	return nil
}

// Filter chooses proposals for a list.
type Filter struct {
	By    string // proposed by this user; "" for anyone
	Unit  string // under this unit; "" for the whole scope
	State string // "" for every state
	// Oldest lists the oldest first (a review queue), otherwise the newest.
	Oldest bool
	Limit  int
	Offset int
}

// list returns the proposals in sc that f chooses, and how many there are.
func list(ctx context.Context, q db.Querier, keys crypt.Keyring, sc scope.Scope, f Filter) ([]Proposal, int, error) {
	w, args := sc.Where("org_code", 1)
	if f.Unit != "" {
		uw, uargs := scope.Of(f.Unit).Where("org_code", len(args)+1)
		w += " AND " + uw
		args = append(args, uargs...)
	}
	if f.By != "" {
		args = append(args, f.By)
		w += " AND proposed_by = $" + strconv.Itoa(len(args))
	}
	if f.State != "" {
		args = append(args, f.State)
		w += " AND state = $" + strconv.Itoa(len(args))
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM proposals WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := " ORDER BY proposed_at DESC, id DESC"
	if f.Oldest {
		order = " ORDER BY proposed_at, id"
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM proposals WHERE `+w+order+
		` LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Proposal{}
	for rows.Next() {
		p, err := scan(keys, rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// waiting counts the waiting proposals under unit in sc, and gives the time the
// oldest was made (zero when none waits).
func waiting(ctx context.Context, q db.Querier, sc scope.Scope, unit string) (int, time.Time, error) {
	w, args := sc.Where("org_code", 2)
	uw, uargs := scope.Of(unit).Where("org_code", 2+len(args))
	var n int
	var oldest sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT COUNT(*), MIN(proposed_at) FROM proposals WHERE state = $1 AND `+w+` AND `+uw,
		append(append([]any{Waiting}, args...), uargs...)...).Scan(&n, &oldest)
	if err != nil || !oldest.Valid {
		return n, time.Time{}, err
	}
	return n, time.UnixMilli(oldest.Int64).UTC(), nil
}

// waitingByGrid counts the proposals waiting for review under community in sc,
// by the grid they are about.
func waitingByGrid(ctx context.Context, q db.Querier, sc scope.Scope, community string) (map[string]int, error) {
	w, args := sc.Where("org_code", 2)
	uw, uargs := scope.Of(community).Where("org_code", 2+len(args))
	rows, err := q.QueryContext(ctx, `SELECT org_code, COUNT(*) FROM proposals WHERE state = $1 AND `+w+` AND `+uw+` GROUP BY org_code`,
		append(append([]any{Waiting}, args...), uargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		out[code] = n
	}
	return out, rows.Err()
}

// returned counts the rejections of user's proposals that user has not seen.
func returned(ctx context.Context, q db.Querier, user string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM proposals WHERE proposed_by = $1 AND state = $2 AND seen_at IS NULL`,
		user, Rejected).Scan(&n)
	return n, err
}

// markSeen notes that user has seen the rejections of their proposals.
func markSeen(ctx context.Context, tx *sql.Tx, user string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE proposals SET seen_at = $1 WHERE proposed_by = $2 AND state = $3 AND seen_at IS NULL`,
		at.UnixMilli(), user, Rejected)
	return err
}

// Trust is a kind of a worker's proposals that their community lets apply
// directly.
type Trust struct {
	UserID    string    `json:"user_id"`
	UserName  string    `json:"user_name"`
	Kind      Kind      `json:"kind"`
	GrantedBy string    `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
}

// trusted reports whether community lets user's proposals of kind apply directly.
func trusted(ctx context.Context, q db.Querier, community, user string, kind Kind) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM proposal_trust WHERE community_code = $1 AND user_id = $2 AND kind = $3`,
		community, user, string(kind)).Scan(&n)
	return n > 0, err
}

// trusts lists a community's settings.
func trusts(ctx context.Context, q db.Querier, community string) ([]Trust, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.user_id, u.name, t.kind, t.granted_by, t.granted_at FROM proposal_trust t
		JOIN users u ON u.id = t.user_id WHERE t.community_code = $1 ORDER BY u.name, t.kind`, community)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Trust{}
	for rows.Next() {
		var t Trust
		var at int64
		if err := rows.Scan(&t.UserID, &t.UserName, &t.Kind, &t.GrantedBy, &at); err != nil {
			return nil, err
		}
		t.GrantedAt = time.UnixMilli(at).UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// Worker is a grid worker's account, to be trusted or not.
type Worker struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	OrgCode string `json:"org_code"`
}

// workers lists the enabled grid workers' accounts under community.
func workers(ctx context.Context, q db.Querier, community string) ([]Worker, error) {
	w, args := scope.Of(community).Where("org_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT id, name, org_code FROM users WHERE role = $1 AND disabled = 0 AND `+w+` ORDER BY org_code, name`,
		append([]any{"grid"}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Worker{}
	for rows.Next() {
		var u Worker
		if err := rows.Scan(&u.ID, &u.Name, &u.OrgCode); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// setTrust grants (on) or withdraws a kind to a worker in a community.
func setTrust(ctx context.Context, tx *sql.Tx, community, user string, kind Kind, on bool, by string, at time.Time) error {
	if !on {
		_, err := tx.ExecContext(ctx, `DELETE FROM proposal_trust WHERE community_code = $1 AND user_id = $2 AND kind = $3`,
			community, user, string(kind))
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO proposal_trust (community_code, user_id, kind, granted_by, granted_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_code, user_id, kind) DO NOTHING`, community, user, string(kind), by, at.UnixMilli())
	return err
}
