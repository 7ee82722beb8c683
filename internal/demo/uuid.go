package demo

import (
	"encoding/hex"
	"math/rand/v2"
)

// idGen makes UUIDv7-shaped row IDs without reading a clock, so two loads give the
// same IDs. The 48-bit time field starts at the demo's fixed instant, the 12-bit
// rand_a field is a counter (RFC 9562, method 1) that carries into the time field,
// and rand_b comes from a seeded generator. IDs therefore ascend in creation order,
// as real v7 IDs do, which also keeps inserts at the right edge of each key's B-tree.
type idGen struct {
	rng *rand.Rand
	ms  int64
	seq uint16
}

func newIDGen(seed uint64, ms int64) *idGen {
	return &idGen{rng: rand.New(rand.NewPCG(seed, 0x7e7e7e7e)), ms: ms}
}

func (g *idGen) next() string {
	if g.seq == 1<<12 {
		g.ms++
		g.seq = 0
	}
	var b [16]byte
	ms := uint64(g.ms)
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | byte(g.seq>>8)
	b[7] = byte(g.seq)
	g.seq++
	r := g.rng.Uint64()
	for i := range 8 {
		b[8+i] = byte(r >> (56 - 8*i))
	}
	b[8] = 0x80 | b[8]&0x3f

	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}
