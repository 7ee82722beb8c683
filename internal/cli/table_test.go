package cli

import (
	"bytes"
	"testing"
)

func TestWriteTable_AlignsChineseByDisplayWidth(t *testing.T) {
	var b bytes.Buffer
	if err := writeTable(&b, [][]string{{"单位", "户数"}, {"万秀区", "40951"}, {"Total", "7"}}); err != nil {
		t.Fatal(err)
	}
	want := "单位     户数\n万秀区  40951\nTotal       7\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
