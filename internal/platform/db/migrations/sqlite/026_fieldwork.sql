-- Grid work (issue 12): what a grid's contacts answer for and since when, the
-- patrols a worker makes of their grid, and their visits to households.

-- A grid contact (楼栋长, 居民小组长, 居民代表) answers for a building or a residents'
-- group (answers_for, free text: "3栋", "第二居民小组") from started_on, a date
-- YYYY-MM-DD; roles kept before this have no known start (''). Ending a role keeps
-- moving it to grid_contact_history with the instant it ended, as before.
ALTER TABLE grid_contacts ADD COLUMN answers_for TEXT NOT NULL DEFAULT '';
ALTER TABLE grid_contacts ADD COLUMN started_on TEXT NOT NULL DEFAULT '';
ALTER TABLE grid_contact_history ADD COLUMN answers_for TEXT NOT NULL DEFAULT '';
ALTER TABLE grid_contact_history ADD COLUMN started_on TEXT NOT NULL DEFAULT '';
CREATE INDEX grid_contact_history_grid ON grid_contact_history (org_code, ended_at);

-- A patrol (巡查) of a grid by a worker: from started_at until ended_at (NULL while
-- it goes on), with the worker's notes on the route. gps_consent records that the
-- worker ticked the box that lets the phone give points; without it none is kept.
CREATE TABLE patrols (
    id          TEXT PRIMARY KEY,
    org_code    TEXT NOT NULL REFERENCES org_units (code),
    user_id     TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    route_notes TEXT NOT NULL DEFAULT '',
    gps_consent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX patrols_grid ON patrols (org_code, started_at);
CREATE INDEX patrols_user ON patrols (user_id, started_at);

-- The points a phone gave during a patrol, in micro-degrees. A point outside the
-- area the worker serves is kept and flagged (outside = 1): it is never used to
-- move or place anything.
CREATE TABLE patrol_points (
    patrol_id   TEXT NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    lat_e6      BIGINT NOT NULL,
    lng_e6      BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    outside     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (patrol_id, seq)
);

-- What a patrol found; each finding reported as a case carries the case's ID.
CREATE TABLE patrol_findings (
    id          TEXT PRIMARY KEY,
    patrol_id   TEXT NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    case_id     TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX patrol_findings_patrol ON patrol_findings (patrol_id, created_at);

-- A visit (走访) to a household, or to one of its members (resident_id): the day,
-- who was met, why (a code of the visit_purpose dictionary), notes, and the day to
-- go back (follow_up_on, NULL for none; follow_up_done once it is done).
CREATE TABLE visits (
    id             TEXT PRIMARY KEY,
    org_code       TEXT NOT NULL REFERENCES org_units (code),
    household_id   TEXT NOT NULL REFERENCES households (id),
    resident_id    TEXT,
    visited_on     TEXT NOT NULL,
    met            TEXT NOT NULL DEFAULT '',
    purpose        TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    follow_up_on   TEXT,
    follow_up_done INTEGER NOT NULL DEFAULT 0,
    user_id        TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, visited_on);
CREATE INDEX visits_grid ON visits (org_code, visited_on);
CREATE INDEX visits_follow_up ON visits (user_id, follow_up_on) WHERE follow_up_on IS NOT NULL AND follow_up_done = 0;
CREATE INDEX visits_grid_follow_up ON visits (org_code, follow_up_on) WHERE follow_up_on IS NOT NULL AND follow_up_done = 0;

-- A need found on a visit; one reported as a case carries the case's ID.
CREATE TABLE visit_needs (
    id          TEXT PRIMARY KEY,
    visit_id    TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    case_id     TEXT
);
CREATE INDEX visit_needs_visit ON visit_needs (visit_id);

-- The purposes of a visit: a local dictionary like 流入原因, kept in the browser by
-- the city and the districts (decision 22).
INSERT INTO dictionary_entries (dictionary, code, name, name_en, position) VALUES
    ('visit_purpose', '01', '日常走访', 'Routine visit', 1),
    ('visit_purpose', '02', '关爱探访', 'Care visit', 2),
    ('visit_purpose', '03', '低保核查', 'Minimum-living-allowance check', 3),
    ('visit_purpose', '04', '诉求回访', 'Complaint follow-up', 4),
    ('visit_purpose', '05', '信息采集', 'Information collection', 5),
    ('visit_purpose', '06', '政策宣传', 'Explaining a policy', 6),
    ('visit_purpose', '99', '其他', 'Other', 99);
