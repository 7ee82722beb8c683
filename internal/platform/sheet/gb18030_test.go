package sheet_test

import (
	"errors"
	"io"
	"testing"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/sheet"
)

func TestCSV_ListsEveryRowWithBytesThatAreNotGB18030(t *testing.T) {
	data := gb18030(t, "姓名,住址\n张三,兴业路 1 号\n")
	data = append(data, gb18030(t, "李四,")...)
	data = append(data, 0xFF, 0xFE, '\n') // 0xFF starts no GB18030 character
	data = append(data, gb18030(t, "王五,兴业路 3 号\n")...)
	data = append(data, 0xA1, 0x43) // a pair GB18030 leaves unassigned
	data = append(data, gb18030(t, "赵六,兴业路 4 号\n")...)
	r := open(t, writeFile(t, "a.csv", data), sheet.CSV, sheet.Options{})
	if r.Encoding() != sheet.GB18030 {
		t.Fatalf("Encoding() = %s", r.Encoding())
	}
	type bad struct {
		row    int
		column string
	}
	var bads []bad
	var names []string
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var e *apperr.Error
		if errors.As(err, &e) && e.Key == "sheet.invalid_gb18030" {
			bads = append(bads, bad{e.Args["row"].(int), e.Args["column"].(string)})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, row.Cells[0])
	}
	if len(bads) != 2 || bads[0] != (bad{3, "B"}) || bads[1] != (bad{5, "A"}) {
		t.Errorf("invalid rows = %v, want row 3 column B and row 5 column A", bads)
	}
	if len(names) != 2 || names[0] != "张三" || names[1] != "王五" {
		t.Errorf("rows read = %q", names)
	}
}

func TestCSV_ReadsTheReplacementCharacterWrittenInGB18030(t *testing.T) {
	data := gb18030(t, "姓名,备注\n张三,")
	data = append(data, 0x84, 0x31, 0xA4, 0x37) // U+FFFD, as GB18030 writes it
	data = append(data, '\n')
	rows := readAll(t, open(t, writeFile(t, "a.csv", data), sheet.CSV, sheet.Options{Encoding: sheet.GB18030}))
	if len(rows) != 1 || rows[0].Cells[1] != "\uFFFD" {
		t.Errorf("rows = %q", cells(rows))
	}
}
