package registry

import (
	"context"
	"time"

	"shequ/internal/platform/db"
)

// SyncPeriod brings a resident's periods (resident_periods) in line with their row
// as of the day on: the open period ends on that day if the resident has since left
// the register or changed household, grid or population type, and a new one opens
// from that day while they are registered. A period that would end the day it began
// is dropped: the register is kept by the day, and a change on the day a period
// began replaces it. Every write that changes one of those fields calls it in its
// transaction, with the day the change took effect.
func SyncPeriod(ctx context.Context, q db.Querier, residentID, on string) error {
	changed := `resident_id = $1 AND ends_on IS NULL AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = $1
		AND r.deregistered_on IS NULL AND r.household_id = resident_periods.household_id AND r.org_code = resident_periods.org_code
		AND r.population_type = resident_periods.population_type)`
	if _, err := q.ExecContext(ctx, `DELETE FROM resident_periods WHERE `+changed+` AND starts_on >= $2`, residentID, on); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE resident_periods SET ends_on = $2 WHERE `+changed, residentID, on); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO resident_periods (resident_id, starts_on, ends_on, household_id, org_code, population_type)
		SELECT id, $2, NULL, household_id, org_code, population_type FROM residents
		WHERE id = $1 AND deregistered_on IS NULL
		AND NOT EXISTS (SELECT 1 FROM resident_periods p WHERE p.resident_id = $1 AND p.ends_on IS NULL)`, residentID, on)
	return err
}

// SyncHouseholdPeriods calls SyncPeriod for every resident of a household, for a
// change that moves them all (the household moving to another grid).
func SyncHouseholdPeriods(ctx context.Context, q db.Querier, householdID, on string) error {
	rows, err := q.QueryContext(ctx, `SELECT id FROM residents WHERE household_id = $1 AND deregistered_on IS NULL`, householdID)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := SyncPeriod(ctx, q, id, on); err != nil {
			return err
		}
	}
	return nil
}

// PeriodStart returns the day the resident's open period began, "" if they are not
// registered: a change cannot be dated before it.
func PeriodStart(ctx context.Context, q db.Querier, residentID string) (string, error) {
	var on string
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(starts_on), '') FROM resident_periods WHERE resident_id = $1 AND ends_on IS NULL`,
		residentID).Scan(&on)
	return on, err
}

// SetDeregistered takes a resident off the register on a day for a reason.
func SetDeregistered(ctx context.Context, q db.Querier, residentID, on, reason string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE residents SET deregistered_on = $1, deregistered_reason = $2, updated_at = $3 WHERE id = $4`,
		on, reason, now.UnixMilli(), residentID); err != nil {
		return err
	}
	return SyncPeriod(ctx, q, residentID, on)
}

// SetRegistered puts a deregistered resident back on the register, into a
// household with a relation, on a day for a reason.
func SetRegistered(ctx context.Context, q db.Querier, residentID string, to Household, relation, on, reason string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE residents SET deregistered_on = NULL, deregistered_reason = NULL, registered_on = $1,
		registered_reason = $2, household_id = $3, org_code = $4, relation = $5, updated_at = $6 WHERE id = $7`,
		on, reason, to.ID, to.GridCode, relation, now.UnixMilli(), residentID); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE resident_tags SET org_code = $1 WHERE resident_id = $2`, to.GridCode, residentID); err != nil {
		return err
	}
	return SyncPeriod(ctx, q, residentID, on)
}

// InsertEvent records a registration or deregistration in a resident's history.
func InsertEvent(ctx context.Context, q db.Querier, residentID string, e Event, by string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO resident_events (id, resident_id, kind, happened_on, reason, note, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, db.NewID(), residentID, e.Kind, e.On, e.Reason, e.Note, by, e.RecordedAt.UnixMilli())
	return err
}

// Events returns a resident's registrations and deregistrations, oldest first.
// The caller has checked the resident is in scope.
func Events(ctx context.Context, q db.Querier, residentID string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.kind, e.happened_on, e.reason, e.note, COALESCE(u.name, e.recorded_by), e.recorded_at
		FROM resident_events e LEFT JOIN users u ON u.id = e.recorded_by WHERE e.resident_id = $1 ORDER BY e.happened_on, e.recorded_at`, residentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Kind, &e.On, &e.Reason, &e.Note, &e.RecordedBy, &at); err != nil {
			return nil, err
		}
		e.RecordedAt = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// DissolveHousehold marks a household dissolved on a day (merged into another).
func DissolveHousehold(ctx context.Context, q db.Querier, householdID, on string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE households SET dissolved_on = $1, updated_at = $2 WHERE id = $3`, on, now.UnixMilli(), householdID)
	return err
}
