package keys_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ/internal/keys"
	"shequ/internal/org/orgtest"
	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/crypt"
	"shequ/internal/platform/crypt/crypttest"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/platform/pii"
	"shequ/internal/platform/scope"
	"shequ/internal/registry"
	"shequ/internal/staff"
)

func now() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

var city = auth.Principal{UserID: "city", Role: auth.RoleCity, OrgCode: orgtest.City}

func idNumber(birth, seq string) string {
	s := "450403" + birth + seq
	return s + string(pii.CheckDigit(s))
}

// sqliteFile returns the path of a fresh migrated SQLite database, closed.
func sqliteFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "city.db")
	d := open(t, path)
	d.Close()
	return path
}

// open opens and migrates the database at path, without a key.
func open(t *testing.T, path string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

func unlock(t *testing.T, path string, src keys.Source) (string, error) {
	t.Helper()
	var notice bytes.Buffer
	err := keys.Unlock(context.Background(), open(t, path), path, src, &notice)
	return notice.String(), err
}

func wantKey(t *testing.T, err error, key string) *apperr.Error {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Key != key {
		t.Fatalf("err = %v, want %s", err, key)
	}
	return ae
}

// password is the password of the users the tests add, kept as given.
const password = "Lychee-Orbit-73"

// addUser adds a city user who signs in with password.
func addUser(t *testing.T, d *db.DB, name string) string {
	t.Helper()
	ctx := context.Background()
	s := auth.NewService(d, now)
	if _, err := s.AddUser(ctx, name, auth.RoleCity, orgtest.City); err != nil {
		t.Fatal(err)
	}
	p, err := s.Principal(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write().ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2`,
		auth.HashPassword(password), p.UserID); err != nil {
		t.Fatal(err)
	}
	return p.UserID
}

// enrolTOTP enrols an authenticator for the user at now() and returns its secret.
func enrolTOTP(t *testing.T, d *db.DB, userID string) string {
	t.Helper()
	s := auth.NewService(d, now)
	e, err := s.BeginTOTP(context.Background(), userID, false)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.TOTPCode(e.Secret, now())
	if _, err := s.ConfirmTOTP(context.Background(), userID, code); err != nil {
		t.Fatal(err)
	}
	return e.Secret
}

// signInWithTOTP signs the user in with password and the code secret gives a minute
// after now(), after the step of any code used before.
func signInWithTOTP(t *testing.T, d *db.DB, name, secret string) {
	t.Helper()
	ctx := context.Background()
	later := func() time.Time { return now().Add(time.Minute) }
	s := auth.NewService(d, later)
	in, err := s.Login(ctx, name, password)
	if err != nil || in.Pending == "" {
		t.Fatalf("%s's password: %+v %v, want a pending sign-in", name, in, err)
	}
	code, _ := auth.TOTPCode(secret, later())
	if out, err := s.LoginTOTP(ctx, in.Pending, code); err != nil || out.Session == "" {
		t.Errorf("%s's code from the original secret: %+v %v", name, out, err)
	}
}

func keyFile(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shequ.key")
	k := crypt.NewMasterKey()
	if err := crypt.WriteKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	return path, k
}

func TestUnlock_SQLiteWithoutAKeyMakesOneBesideTheDatabaseAndSaysSo(t *testing.T) {
	path := sqliteFile(t)
	notice, err := unlock(t, path, keys.Source{})
	if err != nil {
		t.Fatal(err)
	}
	file := keys.DefaultFile(path)
	if !strings.Contains(notice, "created key file "+file) || !strings.Contains(notice, "back it up") {
		t.Errorf("notice %q", notice)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", st, err)
	}
	if notice, err := unlock(t, path, keys.Source{}); err != nil || notice != "" {
		t.Errorf("second start: %q, %v; want the same key, silently", notice, err)
	}
}

func TestUnlock_RefusesAConfiguredKeyFileThatIsMissing(t *testing.T) {
	path := sqliteFile(t)
	missing := filepath.Join(t.TempDir(), "nowhere.key")
	_, err := unlock(t, path, keys.Source{File: missing})
	if ae := wantKey(t, err, "keys.file_missing"); ae.Args["file"] != missing {
		t.Errorf("args %v", ae.Args)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("a configured key file that was missing has been created")
	}
}

func TestUnlock_RefusesAKeyThatIsNotTheDatabases(t *testing.T) {
	path := sqliteFile(t)
	file, _ := keyFile(t)
	if _, err := unlock(t, path, keys.Source{File: file}); err != nil {
		t.Fatal(err)
	}
	other, _ := keyFile(t)
	ae := wantKey(t, func() error { _, err := unlock(t, path, keys.Source{File: other}); return err }(), "keys.wrong_key")
	if ae.Args["source"] != other || ae.Args["want"] == ae.Args["fingerprint"] {
		t.Errorf("args %v", ae.Args)
	}
	_, err := unlock(t, path, keys.Source{Key: crypt.EncodeKey(crypt.NewMasterKey())})
	if ae := wantKey(t, err, "keys.wrong_key"); ae.Args["source"] != "SHEQU_KEY" {
		t.Errorf("args %v", ae.Args)
	}
	// Nor does a default key file beside it change that: the configured key is asked for.
	if _, err := unlock(t, path, keys.Source{}); err == nil {
		t.Error("started with a new default key file")
	}
}

func TestUnlock_NeverMakesANewKeyForDataSealedWithAnother(t *testing.T) {
	path := sqliteFile(t)
	if _, err := unlock(t, path, keys.Source{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keys.DefaultFile(path)); err != nil {
		t.Fatal(err)
	}
	_, err := unlock(t, path, keys.Source{})
	if ae := wantKey(t, err, "keys.lost"); ae.Args["file"] != keys.DefaultFile(path) {
		t.Errorf("args %v", ae.Args)
	}
	if _, err := os.Stat(keys.DefaultFile(path)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a new key file was made for a database sealed with another")
	}
}

func TestUnlock_RefusesMalformedKeysAndTwoAtOnce(t *testing.T) {
	path := sqliteFile(t)
	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(bad, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file, k := keyFile(t)
	for _, tc := range []struct {
		src  keys.Source
		want string
	}{
		{keys.Source{File: bad}, "keys.malformed"},
		{keys.Source{Key: "c2hvcnQ="}, "keys.malformed"},
		{keys.Source{File: file, Key: crypt.EncodeKey(k)}, "keys.two_sources"},
	} {
		_, err := unlock(t, path, tc.src)
		wantKey(t, err, tc.want)
	}
}

func TestUnlock_PostgreSQLNeedsAKey(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("SHEQU_TEST_POSTGRES is not set")
	}
	d := dbtest.OpenBare(t, db.Postgres)
	err := keys.Unlock(context.Background(), d, "postgres://unused", keys.Source{}, &bytes.Buffer{})
	wantKey(t, err, "keys.required")
	file, _ := keyFile(t)
	if err := keys.Unlock(context.Background(), d, "postgres://unused", keys.Source{File: file}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
}

// TestBind_SealsTheRowsOfADatabaseWrittenBeforeEncryption: a register kept before
// migration 007 holds its identifiers in the clear; the first start with a key
// seals them all, and everything finds them as before.
func TestBind_SealsTheRowsOfADatabaseWrittenBeforeEncryption(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := dbtest.OpenBare(t, dialect)
			orgtest.Build(t, d)
			head, other := idNumber("19650312", "001"), idNumber("19700101", "123")
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := d.Write().ExecContext(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			// As a database migrated from before encryption holds them: the plain
			// values in the index columns, nothing sealed.
			exec(`INSERT INTO households (id, household_no, org_code, address, created_at, updated_at) VALUES ('h1', 'H001', $1, '东兴路12号', 0, 0)`, orgtest.Grid)
			for i, r := range []struct{ id, phone string }{{head, "13812345678"}, {other, ""}} {
				exec(`INSERT INTO residents (id, name, id_number_bidx, id_tail_bidx, sex, birth_date, household_id, org_code, relation,
					population_type, phone_bidx, created_at, updated_at) VALUES ($1, '李建国', $2, $3, 'M', '1965-03-12', 'h1', $4, 'head', 'registered', $5, 0, 0)`,
					[]string{"r1", "r2"}[i], r.id, r.id[14:], orgtest.Grid, r.phone)
			}
			exec(`INSERT INTO workers (id, name, id_number_bidx, sex, birth_date, org_code, position, education, hired_on, phone_bidx, created_at, updated_at)
				VALUES ('w1', '陈静', $1, 'F', '1980-01-01', $2, 'member', 'bachelor', '2005-03-01', '13900001111', 0, 0)`, idNumber("19800101", "002"), orgtest.Community)
			// And a user with a second factor and a new one being enrolled, as
			// migration 008 leaves them: the secrets in the *_clear columns.
			secret, pending := auth.NewTOTPSecret(), auth.NewTOTPSecret()
			enrolledAt := now().Add(-time.Hour)
			exec(`INSERT INTO users (id, name, role, org_code, password_hash, created_at, password_changed_at, totp_secret_clear,
				totp_pending_clear, totp_enabled_at, totp_last_step) VALUES ('u1', 'zhou', 'city', $1, $2, 0, $3, $4, $5, $3, $6)`,
				orgtest.City, auth.HashPassword(password), enrolledAt.UnixMilli(), secret, pending, enrolledAt.Unix()/30)

			var notice bytes.Buffer
			k := crypttest.New(t)
			if err := keys.Bind(ctx, d, k, &notice); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(notice.String(), "2 residents and 1 workers") || !strings.Contains(notice.String(), "TOTP secrets of 1 users") {
				t.Errorf("notice %q", notice.String())
			}
			assertNoPlainIdentifiers(t, d, head, other, "13812345678", "13900001111", secret, pending)
			signInWithTOTP(t, d, "zhou", secret)
			if e, err := auth.NewService(d, now).BeginTOTP(ctx, "u1", false); err != nil || e.Secret != pending {
				t.Errorf("the enrolment under way: %q %v, want it kept", e.Secret, err)
			}
			s := registry.NewService(d, now, time.UTC)
			for _, q := range []string{head, head[14:], head[11:], "13812345678"} {
				rs, err := s.Search(ctx, city, q, 10)
				if err != nil || len(rs) != 1 || rs[0].IDNumber != head || rs[0].Phone != "13812345678" {
					t.Errorf("search %q: %+v, %v", q, rs, err)
				}
			}
			ws, err := staff.NewService(d, now).Workers(ctx, city, orgtest.City, staff.Filter{})
			if err != nil || len(ws) != 1 || ws[0].Phone != "13900001111" {
				t.Errorf("workers %+v, %v", ws, err)
			}
			notice.Reset()
			if err := keys.Bind(ctx, d, k, &notice); err != nil || notice.Len() != 0 {
				t.Errorf("second start: %q, %v", notice.String(), err)
			}
		})
	}
}

// assertNoPlainIdentifiers fails if any of the values — ID numbers, phones, TOTP
// secrets — is found, whole or as its last four characters, in any column of
// residents, workers or users.
func assertNoPlainIdentifiers(t *testing.T, d *db.DB, values ...string) {
	t.Helper()
	for _, table := range []string{"residents", "workers", "users"} {
		dbtest.EachCell(t, d, table, func(column string, value []byte) {
			for _, plain := range values {
				if bytes.Contains(value, []byte(plain)) || (column == "id_tail_bidx" && string(value) == plain[len(plain)-4:]) {
					t.Errorf("%s.%s holds %s in the clear", table, column, plain)
				}
			}
		})
	}
}

func TestRotate_ReSealsEveryIdentifierUnderTheNewKeyInOneGo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgtest.Build(t, d)
		old := d.Keys()
		s := registry.NewService(d, now, time.UTC)
		if _, err := s.CreateHousehold(ctx, city, registry.HouseholdInput{No: "H001", GridCode: orgtest.Grid, Address: "东兴路12号"}); err != nil {
			t.Fatal(err)
		}
		head := idNumber("19650312", "001")
		r, err := s.CreateResident(ctx, city, registry.ResidentInput{Name: "李建国", IDNumber: head, HouseholdNo: "H001",
			Relation: "head", PopulationType: "registered", Phone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := staff.NewService(d, now).Create(ctx, city, staff.WorkerInput{Name: "陈静", IDNumber: idNumber("19800101", "002"),
			CommunityCode: orgtest.Community, Position: "member", Education: "bachelor", HiredOn: "2005-03-01", Phone: "13900001111"}); err != nil {
			t.Fatal(err)
		}

		zhou := addUser(t, d, "zhou")
		secret := enrolTOTP(t, d, zhou)
		wu := addUser(t, d, "wu")
		pending, err := auth.NewService(d, now).BeginTOTP(ctx, wu, false)
		if err != nil {
			t.Fatal(err)
		}
		addUser(t, d, "qian") // no second factor: nothing to re-seal

		if _, err := keys.Rotate(ctx, d, old); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("rotating to the same key: %v", err)
		}
		next := crypttest.New(t)
		n, err := keys.Rotate(ctx, d, next)
		if err != nil {
			t.Fatal(err)
		}
		if n.Residents != 1 || n.Workers != 1 || n.Users != 2 || d.Keys().Fingerprint() != next.Fingerprint() {
			t.Errorf("rotated %+v", n)
		}
		var sealedSecret []byte
		if err := d.Read().QueryRowContext(ctx, `SELECT totp_secret_sealed FROM users WHERE id = $1`, zhou).Scan(&sealedSecret); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Open(crypt.TOTPSecret, sealedSecret); err == nil {
			t.Error("the old key still opens the TOTP secret")
		}
		assertNoPlainIdentifiers(t, d, secret, pending.Secret)
		signInWithTOTP(t, d, "zhou", secret)
		if e, err := auth.NewService(d, now).BeginTOTP(ctx, wu, false); err != nil || e.Secret != pending.Secret {
			t.Errorf("the enrolment under way after rotation: %q %v", e.Secret, err)
		}
		var sealed []byte
		if err := d.Read().QueryRowContext(ctx, `SELECT id_number_sealed FROM residents WHERE id = $1`, r.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Open(crypt.IDNumber, sealed); err == nil {
			t.Error("the old key still opens the ID number")
		}
		for _, q := range []string{head, head[14:], head[12:], "13812345678"} {
			rs, err := s.Search(ctx, city, q, 10)
			if err != nil || len(rs) != 1 || rs[0].IDNumber != head {
				t.Errorf("search %q after rotation: %+v, %v", q, rs, err)
			}
		}
		got, err := registry.GetResident(ctx, d.Read(), d.Keys(), scope.Everything(), r.ID)
		if err != nil || got.Phone != "13812345678" {
			t.Errorf("resident after rotation: %+v, %v", got, err)
		}
		if err := keys.Bind(ctx, d, old, &bytes.Buffer{}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("the old key is still accepted: %v", err)
		}
		if err := keys.Bind(ctx, d, next, &bytes.Buffer{}); err != nil {
			t.Errorf("the new key is refused: %v", err)
		}
	})
}

func TestBind_RefusesSealedDataWithoutAFingerprint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgtest.Build(t, d)
		if _, err := staff.NewService(d, now).Create(ctx, city, staff.WorkerInput{Name: "陈静", IDNumber: idNumber("19800101", "002"),
			CommunityCode: orgtest.Community, Position: "member", Education: "bachelor", HiredOn: "2005-03-01"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `DELETE FROM settings WHERE key = 'crypt.fingerprint'`); err != nil {
			t.Fatal(err)
		}
		wantKey(t, keys.Bind(ctx, d, crypttest.New(t), &bytes.Buffer{}), "keys.no_fingerprint")
	})
}

// TestBind_SealsTheTOTPSecretsOfADatabaseSealedBeforeMigration008: a database
// whose identifiers were sealed before TOTP secrets were has a fingerprint, and
// migration 008 found its secrets in the clear; the first start with its key seals
// them, and a wrong key seals nothing.
func TestBind_SealsTheTOTPSecretsOfADatabaseSealedBeforeMigration008(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgtest.Build(t, d)
		zhou := addUser(t, d, "zhou")
		secret := enrolTOTP(t, d, zhou)
		if _, err := d.Write().ExecContext(ctx, `UPDATE users SET totp_secret_clear = $1, totp_secret_sealed = NULL WHERE id = $2`,
			secret, zhou); err != nil {
			t.Fatal(err)
		}

		if err := keys.Bind(ctx, d, crypttest.New(t), &bytes.Buffer{}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("another key: %v", err)
		}
		var clear string
		if err := d.Read().QueryRowContext(ctx, `SELECT totp_secret_clear FROM users WHERE id = $1`, zhou).Scan(&clear); err != nil || clear != secret {
			t.Errorf("after a wrong key the clear secret is %q %v: want it left for the right one", clear, err)
		}

		var notice bytes.Buffer
		if err := keys.Bind(ctx, d, d.Keys(), &notice); err != nil {
			t.Fatal(err)
		}
		if notice.String() != "sealed the TOTP secrets of 1 users written before encryption\n" {
			t.Errorf("notice %q", notice.String())
		}
		assertNoPlainIdentifiers(t, d, secret)
		signInWithTOTP(t, d, "zhou", secret)
		notice.Reset()
		if err := keys.Bind(ctx, d, d.Keys(), &notice); err != nil || notice.Len() != 0 {
			t.Errorf("second start: %q, %v", notice.String(), err)
		}
	})
}

func TestBind_RefusesSealedTOTPSecretsWithoutAFingerprint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgtest.Build(t, d)
		enrolTOTP(t, d, addUser(t, d, "zhou"))
		if _, err := d.Write().ExecContext(ctx, `DELETE FROM settings WHERE key = 'crypt.fingerprint'`); err != nil {
			t.Fatal(err)
		}
		wantKey(t, keys.Bind(ctx, d, crypttest.New(t), &bytes.Buffer{}), "keys.no_fingerprint")
	})
}

// TestRotate_RefusesWhileAnotherProcessHasTheDatabaseOpen: a server started under
// the old key would go on sealing with it after a rotation, so a rotation waits for
// no one — it refuses while another holder of the key has the database open, and
// runs once that one is gone; a process starting during a rotation waits for it to
// end, and then finds its key is no longer the database's.
func TestRotate_RefusesWhileAnotherProcessHasTheDatabaseOpen(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			dsn := filepath.Join(t.TempDir(), "city.db")
			if dialect == db.Postgres {
				var drop func()
				dsn, drop = dbtest.NewSchema(t, dbtest.PostgresURL())
				t.Cleanup(drop)
			}
			old := crypttest.New(t)
			bound := func() *db.DB { // a process that opened the database with the old key
				d := open(t, dsn)
				if err := keys.Bind(ctx, d, old, &bytes.Buffer{}); err != nil {
					t.Fatal(err)
				}
				return d
			}
			server, rotator := bound(), bound()
			next := crypttest.New(t)
			if _, err := keys.Rotate(ctx, rotator, next); !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("rotating while a server runs: %v, want keys.in_use", err)
			}
			wantKey(t, func() error { _, err := keys.Rotate(ctx, rotator, next); return err }(), "keys.in_use")
			if rotator.Keys().Fingerprint() != old.Fingerprint() {
				t.Fatal("a refused rotation changed the database's key")
			}

			server.Close()
			if _, err := keys.Rotate(ctx, rotator, next); err != nil {
				t.Fatalf("rotating once the server stopped: %v", err)
			}
			starting := open(t, dsn)
			waiting, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			if err := keys.Bind(waiting, starting, old, &bytes.Buffer{}); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("starting during a rotation: %v, want it still waiting", err)
			}
			rotator.Close()
			wantKey(t, keys.Bind(ctx, starting, old, &bytes.Buffer{}), "keys.wrong_key")
			if err := keys.Bind(ctx, starting, next, &bytes.Buffer{}); err != nil {
				t.Errorf("starting with the new key: %v", err)
			}
		})
	}
}
