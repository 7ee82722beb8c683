package server

import (
	"context"

	"shequ/internal/fieldwork"
	"shequ/internal/platform/auth"
	"shequ/internal/proposals"
)

// fieldworkHooks are what the proposals domain adds to grid work's pages, wired
// here so that neither domain depends on the other: the worker's day lists the
// proposals that came back rejected and unseen, and the community's view counts,
// per grid, the proposals waiting for review.
func fieldworkHooks(ps *proposals.Service) fieldwork.Hooks {
	return fieldwork.Hooks{
		Sections: []fieldwork.DaySection{func(ctx context.Context, p auth.Principal) (fieldwork.Section, error) {
			sec := fieldwork.Section{ID: "proposals-returned", Title: "proposal.day.returned", Items: []fieldwork.SectionItem{}, More: "/proposals"}
			n, err := ps.ReturnedTo(ctx, p)
			if err != nil || n == 0 {
				return sec, err
			}
			prs, _, err := ps.Mine(ctx, p, proposals.Rejected, min(n, 8), 0)
			if err != nil {
				return sec, err
			}
			for _, pr := range prs {
				sec.Items = append(sec.Items, fieldwork.SectionItem{Label: pr.Subject, Meta: pr.Reason, URL: "/proposals/" + pr.ID})
			}
			sec.Total = n
			return sec, nil
		}},
		Waiting: ps.WaitingByGrid,
	}
}
