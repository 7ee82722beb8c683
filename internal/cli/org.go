package cli

import (
	"context"
	"fmt"

	"shequ/internal/org"
	"shequ/internal/platform/area"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/scope"
)

// orgCmd adds units to the tree from the command line: how a new city sets up its
// first units before anyone can sign in (a city user needs a city to belong to).
func (e *env) orgCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"want: org add --code CODE --name NAME [--parent CODE] [--founded YEAR] [--area M2] [--posts N]"}
	}
	fs := e.flags("org add")
	dsn := e.dbFlag(fs)
	code := fs.String("code", "", "the unit's code: 6 digits for a city (ending 00) or district, 9 a street, 12 a community, 15 a grid")
	name := fs.String("name", "", "the unit's name")
	parent := fs.String("parent", "", "the code of the unit above (none for a city)")
	founded := fs.Int("founded", 0, "community: year the committee was set up")
	office := fs.String("area", "", "community: office and service floor area in m², at most two decimals (149.50)")
	posts := fs.Int("posts", 0, "community: authorised posts (编制)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	officeArea, err := area.Parse("office_area_m2", *office)
	if err != nil {
		return err
	}
	d, err := e.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := org.NewService(d, e.now).Create(ctx, auth.System(), org.Unit{Code: *code, Name: *name, Level: scope.LevelOf(*code),
		ParentCode: *parent, FoundedYear: *founded, OfficeArea: officeArea, AuthorizedPosts: *posts})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s %s (%s)\n", u.Code, u.Name, u.Level)
	return nil
}
