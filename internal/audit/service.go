package audit

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/i18n"
	"shequ/internal/platform/sheet"
)

// Service lets the audit administrator (审计管理员) read and export the trail. Every
// reading is itself recorded, so nobody reads the trail unseen, the administrator
// included.
type Service struct {
	db     *db.DB
	bundle *i18n.Bundle
	now    func() time.Time
}

// NewService returns the audit trail's service. The bundle gives an export's
// headers.
func NewService(d *db.DB, b *i18n.Bundle, now func() time.Time) *Service {
	return &Service{db: d, bundle: b, now: now}
}

// May returns nil if p may read the trail (auth.ReadAudit), and otherwise records
// the refused action — ActView or ActExportTrail — and returns the refusal: a page
// checks before it reads its form.
func (s *Service) May(ctx context.Context, p auth.Principal, action string) error {
	if err := p.Require(auth.ReadAudit); err != nil {
		return Refused(ctx, s.db, Of(p, s.now(), action, "audit"), err)
	}
	return nil
}

// List returns a page of the records f selects, newest first, and whether another
// page follows. It needs auth.ReadAudit, and records the reading.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, limit, offset int) ([]Row, bool, error) {
	e := Of(p, s.now(), ActView, "audit")
	e.Reason = f.describe()
	if err := p.Require(auth.ReadAudit); err != nil {
		return nil, false, Refused(ctx, s.db, e, err)
	}
	if err := RecordAlone(ctx, s.db, e); err != nil {
		return nil, false, err
	}
	rows, err := List(ctx, s.db.Read(), f, limit+1, offset)
	if err != nil {
		return nil, false, err
	}
	if len(rows) > limit {
		return rows[:limit], true, nil
	}
	return rows, false, nil
}

// Export writes the records f selects, oldest first, as a file of format ff in
// lang's headers. It needs auth.ReadAudit, and records the export before the first
// row is written: an export that cannot be recorded does not happen.
func (s *Service) Export(ctx context.Context, p auth.Principal, f Filter, ff sheet.Format, lang string, w io.Writer) error {
	e := Of(p, s.now(), ActExportTrail, "audit")
	e.Reason = "format=" + string(ff) + " " + f.describe()
	if err := p.Require(auth.ReadAudit); err != nil {
		return Refused(ctx, s.db, e, err)
	}
	_, err := WriteExport(ctx, s.db, e, f, ff, s.bundle, lang, w)
	return err
}

// WriteExport records the export as by, then writes the records f selects, oldest
// first, as a file of format ff. The columns are the stored values, the instant
// in China Standard Time to the millisecond, so that anyone holding the file can
// recompute each hash. A CSV is streamed; an XLSX book is written at the end. It
// returns the number of records written.
func WriteExport(ctx context.Context, d *db.DB, by Entry, f Filter, ff sheet.Format, b *i18n.Bundle, lang string, w io.Writer) (int, error) {
	by.Action, by.Outcome = ActExportTrail, OK
	if by.Object == "" {
		by.Object = "audit"
	}
	if err := RecordAlone(ctx, d, by); err != nil {
		return 0, err
	}
	n := 0
	header := make([]string, len(exportColumns))
	for i, c := range exportColumns {
		header[i] = b.T(lang, "audit.column."+c)
	}
	write := func(sw sheet.Writer) error {
		if err := sw.Write(header); err != nil {
			return err
		}
		return Each(ctx, d.Read(), f, func(r Row) error {
			n++
			return sw.Write([]string{strconv.FormatInt(r.Seq, 10), r.At.In(chinaTime()).Format(timeLayout), r.UserID, r.UserName,
				string(r.Role), r.SourceIP, r.Action, r.Object, r.Outcome, r.Reason, r.PrevHash, r.Hash})
		})
	}
	if ff == sheet.CSV {
		c := sheet.NewCSV(w)
		if err := write(c); err != nil {
			return n, err
		}
		return n, c.Close()
	}
	book := sheet.NewBook()
	defer book.Close()
	sw, err := book.Sheet(b.T(lang, "audit.sheet"))
	if err != nil {
		return 0, err
	}
	if err := write(sw); err != nil {
		return n, err
	}
	_, err = book.WriteTo(w)
	return n, err
}

// exportColumns name an export's columns, each with a message audit.column.<name>.
var exportColumns = []string{"seq", "time", "user_id", "user_name", "role", "source_ip", "action", "object", "outcome", "reason", "prev_hash", "hash"}

// timeLayout is how exports write an instant: to the millisecond, which is what the
// hash covers.
const timeLayout = "2006-01-02 15:04:05.000"

// chinaTime is the zone the audit page and exports show times in: China has one
// zone and no summer time, so a fixed offset needs no time-zone database.
func chinaTime() *time.Location { return time.FixedZone("CST", 8*60*60) }

// describe writes a filter into an entry's reason, so the trail says what was read.
func (f Filter) describe() string {
	var parts []string
	if !f.From.IsZero() {
		parts = append(parts, "from="+f.From.In(chinaTime()).Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		parts = append(parts, "to="+f.To.In(chinaTime()).AddDate(0, 0, -1).Format(time.DateOnly))
	}
	for _, kv := range [][2]string{{"user", f.User}, {"action", f.Action}, {"outcome", f.Outcome}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, " ")
}

// ParseFilter reads a filter as a form or the command line gives it: dates as
// YYYY-MM-DD in China Standard Time, to inclusive, and an outcome among OK, Denied
// and Failed.
func ParseFilter(from, to, user, action, outcome string) (Filter, error) {
	f := Filter{User: strings.TrimSpace(user), Action: strings.TrimSpace(action), Outcome: strings.TrimSpace(outcome)}
	for _, d := range []struct {
		field, value string
		into         *time.Time
		days         int
	}{{"from", from, &f.From, 0}, {"to", to, &f.To, 1}} {
		v := strings.TrimSpace(d.value)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, v, chinaTime())
		if err != nil {
			return Filter{}, apperr.Invalidf(d.field, "date")
		}
		*d.into = t.AddDate(0, 0, d.days)
	}
	switch f.Outcome {
	case "", OK, Denied, Failed:
	default:
		return Filter{}, apperr.Invalidf("outcome", "audit.outcome")
	}
	return f, nil
}
