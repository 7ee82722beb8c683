package sheet

import (
	"errors"
	"testing"
)

func TestElementCounter_CountsStartTagsByLocalNameAcrossWrites(t *testing.T) {
	const xml = `<?xml version="1.0"?><x:sst><x:si><x:t>a</x:t></x:si><si/><si>` +
		`<t>b</t></si><sim/><rowsi/><!-- --></x:sst>`
	for _, split := range []int{1, 2, 3, 7, len(xml)} {
		c := &elementCounter{local: []byte("si"), max: 10}
		for i := 0; i < len(xml); i += split {
			if _, err := c.Write([]byte(xml[i:min(i+split, len(xml))])); err != nil {
				t.Fatal(err)
			}
		}
		if c.n != 3 {
			t.Errorf("written %d bytes at a time: counted %d, want 3", split, c.n)
		}
	}
	c := &elementCounter{local: []byte("si"), max: 2}
	if _, err := c.Write([]byte(xml)); !errors.Is(err, errTooManyElements) {
		t.Errorf("three past a max of two: %v", err)
	}
}
