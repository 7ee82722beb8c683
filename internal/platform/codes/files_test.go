package codes

import (
	"io/fs"
	"strings"
	"testing"
)

func TestFiles_BeginByNamingTheStandardAndTheSource(t *testing.T) {
	names, err := fs.Glob(files, "tables/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(All()) {
		t.Errorf("%d files in tables/, %d tables loaded: every file must be a table", len(names), len(All()))
	}
	for _, tb := range All() {
		data, err := fs.ReadFile(files, "tables/"+tb.ID+".csv")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(data), "\n", 4)
		for i, want := range []string{"# standard: " + tb.Standard, "# title: " + tb.Title, "# source: " + tb.Source} {
			if lines[i] != want {
				t.Errorf("%s line %d is %q, want %q", tb.ID, i+1, lines[i], want)
			}
		}
	}
}

func TestParse_RefusesABrokenFile(t *testing.T) {
	head := "# standard: GB/T 1-2000\n# title: t\n# source: s\n"
	for name, file := range map[string]string{
		"no standard":        "# title: t\n# source: s\ncode,name\n1,a\n",
		"unknown key":        head + "# sauce: s\ncode,name\n1,a\n",
		"named twice":        head + "# source: s\ncode,name\n1,a\n",
		"unknown column":     head + "code,name,colour\n1,a,red\n",
		"no name column":     head + "code\n1\n",
		"no rows":            head + "code,name\n",
		"code twice":         head + "code,name\n1,a\n1,b\n",
		"name twice":         head + "code,name\n1,a\n2,a\n",
		"name is a code":     head + "code,name\n1,a\n2,1\n",
		"empty name":         head + "code,name\n1,\n",
		"bad status":         head + "code,name,status\n1,a,old\n",
		"alias to nowhere":   head + "code,name,status,maps_to\n1,a,,\n2,b,legacy,3\n",
		"alias not legacy":   head + "code,name,status,maps_to\n1,a,,\n2,b,,1\n",
		"alias to two codes": head + "code,name,status,maps_to\n1,a,,\n2,b,,\n1,c,legacy,2\n",
		"ragged row":         head + "code,name\n1,a,x\n",
	} {
		if _, err := parse(spec{id: "t"}, []byte(file)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	short := spec{id: "t", dropZero: true, dropSuffix: "族"}
	if _, err := parse(short, []byte(head+"code,name\n01,a族\n1,b\n")); err == nil {
		t.Error("01 read as 1 beside a code 1: parsed")
	}
	if _, err := parse(short, []byte(head+"code,name\n01,a族\n02,a\n")); err == nil {
		t.Error("a族 read as a beside a name a: parsed")
	}
}
