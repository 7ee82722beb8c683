package audit_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shequ/internal/audit"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
)

// witnessKey creates a key pair in a directory of the test's own and returns its
// signer and the public key, as the operator would hold it.
func witnessKey(t *testing.T) (*audit.WitnessSigner, audit.WitnessKeys) {
	t.Helper()
	priv := filepath.Join(t.TempDir(), "witness.key")
	if _, err := audit.GenerateWitnessKey(priv, priv+".pub"); err != nil {
		t.Fatal(err)
	}
	s, err := audit.LoadWitnessSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := audit.LoadWitnessKeys(priv + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return s, keys
}

// witness verifies the chain and returns the signed line of its head.
func witness(t *testing.T, d *db.DB, s *audit.WitnessSigner) string {
	t.Helper()
	line, err := s.Sign(verify(t, d), now())
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// readLines reads witness lines as verify --witness does.
func readLines(t *testing.T, keys audit.WitnessKeys, lines ...string) []audit.Witness {
	t.Helper()
	ws, err := audit.ReadWitnesses(strings.NewReader(strings.Join(lines, "\n")+"\n"), keys)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func verifyWitnessed(t *testing.T, d *db.DB, ws []audit.Witness) audit.Report {
	t.Helper()
	rep, err := audit.VerifyWitnessed(context.Background(), d.Read(), ws, now())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// rewriteFrom changes record seq's reason and recomputes its hash and every later
// one, and the head: a chain rewritten by someone with the database, which the
// chain alone cannot tell from the original.
func rewriteFrom(t *testing.T, d *db.DB, seq int64) {
	t.Helper()
	var rows []audit.Row
	if err := audit.Each(context.Background(), d.Read(), audit.Filter{}, func(r audit.Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var stmts []string
	prev := ""
	for _, r := range rows {
		if r.Seq < seq {
			prev = r.Hash
			continue
		}
		if r.Seq == seq {
			r.Reason = "nothing to see"
		}
		r.PrevHash = prev
		r.Hash = r.Sum()
		prev = r.Hash
		stmts = append(stmts, fmt.Sprintf(`UPDATE audit_log SET reason = '%s', prev_hash = '%s', hash = '%s' WHERE seq = %d`, r.Reason, r.PrevHash, r.Hash, r.Seq))
	}
	stmts = append(stmts, fmt.Sprintf(`UPDATE audit_head SET hash = '%s' WHERE id = 1`, prev))
	asOwner(t, d, stmts...)
}

// TestVerifyWitnessed_CatchesAChainRewrittenAfterTheWitness: every hash from
// record 2 on recomputed, the head moved with them — verify alone passes, and the
// witnessed head shows the rewrite.
func TestVerifyWitnessed_CatchesAChainRewrittenAfterTheWitness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, keys := witnessKey(t)
		appendN(t, d, 3)
		first := witness(t, d, s)
		appendN(t, d, 2)
		ws := readLines(t, keys, first, witness(t, d, s))
		if rep := verifyWitnessed(t, d, ws); rep.Broken != nil || rep.Witnessed != 2 {
			t.Fatalf("before the rewrite: %+v, broken at %+v", rep, rep.Broken)
		}
		rewriteFrom(t, d, 2)
		if rep := verify(t, d); rep.Broken != nil {
			t.Fatalf("the rewrite is not seamless: broken at %+v", rep.Broken)
		}
		wantBreak(t, verifyWitnessed(t, d, ws), audit.Break{Seq: 3, Problem: audit.Rewritten})
	})
}

// A chain cut back below a witnessed head — restored from an old copy, or its
// last records deleted and the head moved back — no longer reaches it.
func TestVerifyWitnessed_CatchesAChainRolledBackBelowTheWitness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, keys := witnessKey(t)
		appendN(t, d, 4)
		ws := readLines(t, keys, witness(t, d, s))
		asOwner(t, d, `DELETE FROM audit_log WHERE seq > 2`,
			fmt.Sprintf(`UPDATE audit_head SET seq = 2, hash = '%s' WHERE id = 1`, hashOf(t, d, 2)))
		wantBreak(t, verifyWitnessed(t, d, ws), audit.Break{Seq: 4, Problem: audit.Rewritten})
	})
}

// A witnessed record that retention purged, by a purge the chain records, is no
// break.
func TestVerifyWitnessed_AcceptsARecordPurgedByRetention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, keys := witnessKey(t)
		for i := 1; i <= 2; i++ {
			if err := audit.RecordAlone(context.Background(), d, audit.Of(city, now().AddDate(-4, 0, i), audit.ActLogin, "user:u-city")); err != nil {
				t.Fatal(err)
			}
		}
		ws := readLines(t, keys, witness(t, d, s))
		if got, err := audit.Purge(context.Background(), d, byCity(), now()); err != nil || got.Through != 2 {
			t.Fatalf("Purge = %+v, %v", got, err)
		}
		if rep := verifyWitnessed(t, d, ws); rep.Broken != nil || rep.Witnessed != 1 {
			t.Errorf("after the purge: %+v, broken at %+v", rep, rep.Broken)
		}
	})
}

// The attack a chain cannot see alone: delete the oldest records, move the anchor,
// and append a purge record that accounts for them, hash and all. The witness saw
// those records too young for any retention period to remove.
func TestVerifyWitnessed_CatchesAPurgeRecordForgedAtTheEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, keys := witnessKey(t)
		appendN(t, d, 3)
		ws := readLines(t, keys, witness(t, d, s))
		appendN(t, d, 1)
		forged := audit.Row{Seq: 5, PrevHash: hashOf(t, d, 4), Entry: audit.Of(city, now(), audit.ActPurge, "audit:1-3")}
		forged.Reason = "retention_days=180 count=3 anchor=" + hashOf(t, d, 3)
		forged.Hash = forged.Sum()
		asOwner(t, d, fmt.Sprintf(`UPDATE audit_anchor SET seq = 3, hash = '%s' WHERE id = 1`, hashOf(t, d, 3)),
			`DELETE FROM audit_log WHERE seq <= 3`,
			fmt.Sprintf(`INSERT INTO audit_log VALUES (5, %d, '%s', '%s', '%s', '', '%s', '%s', 'ok', '%s', '%s', '%s')`,
				forged.At.UnixMilli(), city.UserID, city.Name, city.Role, audit.ActPurge, forged.Object, forged.Reason, forged.PrevHash, forged.Hash),
			fmt.Sprintf(`UPDATE audit_head SET seq = 5, hash = '%s' WHERE id = 1`, forged.Hash))
		if rep := verify(t, d); rep.Broken != nil {
			t.Fatalf("the forgery is not seamless: broken at %+v", rep.Broken)
		}
		wantBreak(t, verifyWitnessed(t, d, ws), audit.Break{Seq: 3, Problem: audit.PurgedEarly})
	})
}

// A witness line is checked against the public keys the operator gives: a line
// changed after signing, one signed by another key, and one that is not a witness
// line at all are refused, each with its line number.
func TestReadWitnesses_RefusesBadSignaturesOtherKeysAndMalformedLines(t *testing.T) {
	d := dbtest.SQLite(t)
	s, keys := witnessKey(t)
	other, _ := witnessKey(t)
	appendN(t, d, 2)
	good := witness(t, d, s)
	seq := strings.Replace(good, "seq=2 ", "seq=1 ", 1)
	i := strings.Index(good, "hash=") + len("hash=")
	flipped := good[:i] + string("10"[good[i]&1]) + good[i+1:]
	for _, tc := range []struct {
		name, line, key string
	}{
		{"another seq", seq, "audit.witness_bad_signature"},
		{"another hash", flipped, "audit.witness_bad_signature"},
		{"another key", witness(t, d, other), "audit.witness_other_key"},
		{"truncated", good[:len(good)-10] + "@@", "audit.witness_malformed"},
		{"no signature", good[:strings.Index(good, " sig=")], "audit.witness_malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.ReadWitnesses(strings.NewReader("# witness\n"+good+"\n"+tc.line+"\n"), keys)
			var ae *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !errors.As(err, &ae) || ae.Key != tc.key || ae.Args["line"] != 3 {
				t.Errorf("ReadWitnesses = %v, want %s on line 3", err, tc.key)
			}
		})
	}
	// A syslog prefix is left out; other lines are skipped.
	ws, err := audit.ReadWitnesses(strings.NewReader("Nov 27 08:00:00 host shequ-witness[42]: "+good+"\nNov 27 08:00:01 host cron[7]: job\n"), keys)
	if err != nil || len(ws) != 1 || ws[0].Seq != 2 || !ws[0].Witnessed.Equal(now()) {
		t.Errorf("from syslog: %+v, %v", ws, err)
	}
}

func TestWitnessKey_IsPrivateToItsOwner(t *testing.T) {
	priv := filepath.Join(t.TempDir(), "witness.key")
	if _, err := audit.GenerateWitnessKey(priv, priv+".pub"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(priv); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if _, err := audit.GenerateWitnessKey(priv, priv+".pub"); err == nil {
		t.Error("a key pair was written over an existing one")
	}
	if err := os.Chmod(priv, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.LoadWitnessSigner(priv); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a key others may read: %v", err)
	}
}

// The signer witnesses only an intact chain.
func TestWitness_RefusesABrokenChain(t *testing.T) {
	d := dbtest.SQLite(t)
	s, _ := witnessKey(t)
	appendN(t, d, 2)
	asOwner(t, d, `UPDATE audit_log SET reason = 'x' WHERE seq = 1`)
	if _, err := s.Sign(verify(t, d), now()); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("Sign of a broken chain = %v", err)
	}
}

// The parser of witness lines never panics, and what it accepts it writes back
// byte for byte: what is signed is exactly what was read.
func FuzzParseWitnessLine(f *testing.F) {
	f.Add("shequ-witness-1 seq=2 hash=" + strings.Repeat("ab", 32) + " at=2026-11-27T07:59:00.000Z witnessed=2026-11-27T08:00:00.000Z key=" +
		strings.Repeat("0f", 32) + " sig=MEUCIQ==")
	f.Add("Nov 27 08:00:00 host shequ-witness[42]: shequ-witness-1 seq=1 sig=")
	f.Add("shequ-witness-1  seq=-1 hash= at=x witnessed= key= sig=@@")
	f.Fuzz(func(t *testing.T, line string) {
		w, body, sig, err := audit.ParseWitnessLine(line)
		if err != nil {
			return
		}
		if w.Seq < 1 || len(sig) == 0 || !strings.Contains(line, body+" sig=") {
			t.Errorf("accepted %q as %+v, body %q", line, w, body)
		}
		again, body2, _, err := audit.ParseWitnessLine(body + " sig=" + base64.StdEncoding.EncodeToString(sig))
		if err != nil || again != w || body2 != body {
			t.Errorf("%q does not read back: %+v, %v", line, again, err)
		}
	})
}
