package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"text/template/parse"
)

// MissingTemplateKeys returns, sorted, the keys that the *.html templates under fsys
// pass as a literal to the template function t — {{t "nav.home"}}, (t "pager.page"
// "page" 2), {{"nav.home" | t}} — and that b does not define. A package's test calls
// it on its own templates:
//
//	b, _ := i18n.Load(mypkg.Locales)
//	missing, err := i18n.MissingTemplateKeys(b, mypkg.Templates)
//
// Keys built at run time ({{t (print "level." .Level)}}) cannot be seen here; test
// those against the list of values they are built from.
func MissingTemplateKeys(b *Bundle, fsys fs.FS) ([]string, error) {
	var missing []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".html" {
			return err
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		keys, err := templateKeys(name, string(text))
		if err != nil {
			return err
		}
		for _, k := range keys {
			if !b.Has(k) {
				missing = append(missing, k)
			}
		}
		return nil
	})
	slices.Sort(missing)
	return slices.Compact(missing), err
}

// templateKeys parses one template file without knowing its functions and collects
// the literal keys handed to t.
func templateKeys(name, text string) ([]string, error) {
	tree := parse.New(name)
	tree.Mode = parse.SkipFuncCheck
	trees := make(map[string]*parse.Tree)
	if _, err := tree.Parse(text, "", "", trees); err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	var keys []string
	for _, t := range trees {
		keys = collectKeys(t.Root, keys)
	}
	return keys, nil
}

func collectKeys(n parse.Node, keys []string) []string {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return keys
		}
		for _, c := range n.Nodes {
			keys = collectKeys(c, keys)
		}
	case *parse.ActionNode:
		keys = collectKeys(n.Pipe, keys)
	case *parse.IfNode:
		keys = collectBranch(&n.BranchNode, keys)
	case *parse.RangeNode:
		keys = collectBranch(&n.BranchNode, keys)
	case *parse.WithNode:
		keys = collectBranch(&n.BranchNode, keys)
	case *parse.TemplateNode:
		keys = collectKeys(n.Pipe, keys)
	case *parse.PipeNode:
		if n == nil {
			return keys
		}
		for i, cmd := range n.Cmds {
			// {{"key" | t}}: a lone string piped into a bare t.
			if i+1 < len(n.Cmds) && len(cmd.Args) == 1 && isT(n.Cmds[i+1].Args[0]) && len(n.Cmds[i+1].Args) == 1 {
				if s, ok := cmd.Args[0].(*parse.StringNode); ok {
					keys = append(keys, s.Text)
				}
			}
			keys = collectKeys(cmd, keys)
		}
	case *parse.CommandNode:
		if len(n.Args) > 1 && isT(n.Args[0]) {
			if s, ok := n.Args[1].(*parse.StringNode); ok {
				keys = append(keys, s.Text)
			}
		}
		for _, a := range n.Args {
			keys = collectKeys(a, keys)
		}
	case *parse.ChainNode:
		keys = collectKeys(n.Node, keys)
	}
	return keys
}

func collectBranch(n *parse.BranchNode, keys []string) []string {
	keys = collectKeys(n.Pipe, keys)
	keys = collectKeys(n.List, keys)
	return collectKeys(n.ElseList, keys)
}

func isT(n parse.Node) bool {
	id, ok := n.(*parse.IdentifierNode)
	return ok && id.Ident == "t"
}
