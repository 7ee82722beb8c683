package transfer_test

import (
	"context"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/sheet"
	"strconv"
	"testing"

	"shequ/internal/platform/i18n"
	"shequ/internal/transfer"
)

// bundle loads the messages and value labels an import reads and writes.
func bundle(tb testing.TB) *i18n.Bundle {
	b, err := i18n.Load(transfer.Locales)
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Fatal(err)
	}
	return b
}

func atoi(tb testing.TB, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("not a number: %q", s)
	}
	return n
}

func importFileT(t *testing.T, svc *transfer.Service, k transfer.Kind, path string) *transfer.Result {
	t.Helper()
	r, err := sheet.Open(path, sheet.CSV, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := svc.Import(context.Background(), auth.System(), k, r, transfer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("%s: %d problems, first %+v", k, res.ProblemCount, res.Problems[0])
	}
	return res
}
