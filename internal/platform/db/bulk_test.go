package db

import "testing"

func TestInsertSQL_NumbersPlaceholdersAcrossRows(t *testing.T) {
	got := insertSQL("t", []string{"a", "b"}, 2)
	if want := "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"; got != want {
		t.Fatalf("got %s", got)
	}
}

func TestMaxBatchRows_IsThePowerOfTwoThatFits(t *testing.T) {
	for _, c := range []struct{ cols, params, want int }{{13, 128, 8}, {3, 128, 32}, {200, 128, 1}, {13, 4096, 256}} {
		if got := maxBatchRows(c.cols, c.params); got != c.want {
			t.Errorf("maxBatchRows(%d, %d) = %d, want %d", c.cols, c.params, got, c.want)
		}
	}
}
