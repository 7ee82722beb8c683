-- The register as workers keep it (issue 10): dates that hold, life events, the
-- national code tables, where people live and belong, addresses with structure.
--
-- Dates are TEXT 'YYYY-MM-DD', as birth_date and hired_on already are: a calendar
-- date in the city's own zone, compared as text on both databases.

-- A household exists from established_on until dissolved_on (a merge dissolves one);
-- rows from before this migration were established on the day they were created.
ALTER TABLE households ADD COLUMN established_on TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN dissolved_on TEXT;
UPDATE households SET established_on = to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD');
-- The dwelling, in the order a worker walks to it (cn-standards §8.2): 小区或街路巷,
-- 门牌号, then the building (buildings), 单元, 楼层, 房号. address keeps the full text,
-- rendered from these when they are given, for search and for files that hold only it.
ALTER TABLE households ADD COLUMN street TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN door_no TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN unit_no TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN floor_no TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN room_no TEXT NOT NULL DEFAULT '';
CREATE INDEX households_dated ON households (org_code, established_on, dissolved_on);

-- A building's 层数, 单元数 and 建筑面积 (in dm², hundredths of a square metre).
ALTER TABLE buildings ADD COLUMN floors INTEGER;
ALTER TABLE buildings ADD COLUMN units INTEGER;
ALTER TABLE buildings ADD COLUMN floor_area_dm2 INTEGER;

-- Relation to the head (与户主关系) becomes the GB/T 4761-2008 two-digit code; the
-- seven words it held map onto the codes of their groups.
UPDATE residents SET relation = CASE relation
    WHEN 'head' THEN '02' WHEN 'spouse' THEN '10' WHEN 'child' THEN '20' WHEN 'grandchild' THEN '40'
    WHEN 'parent' THEN '50' WHEN 'sibling' THEN '70' ELSE '80' END;

-- Registration (登记) and deregistration (注销) with their dates and reasons: a
-- deregistered resident stays in the table, out of current lists and counts.
ALTER TABLE residents ADD COLUMN registered_on TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN registered_reason TEXT NOT NULL DEFAULT '9';
ALTER TABLE residents ADD COLUMN deregistered_on TEXT;
ALTER TABLE residents ADD COLUMN deregistered_reason TEXT;
UPDATE residents SET registered_on = to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD');

-- 民族 GB/T 3304, 婚姻状况 GB/T 2261.2, 文化程度 GB/T 4658, 政治面貌 GB/T 4762: codes,
-- '' when not known.
ALTER TABLE residents ADD COLUMN ethnicity TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN marital_status TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN education TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN political_status TEXT NOT NULL DEFAULT '';
-- 党员 was a care tag; it is a 政治面貌.
UPDATE residents SET political_status = '01' WHERE id IN (SELECT resident_id FROM resident_tags WHERE tag = 'party_member');
DELETE FROM resident_tags WHERE tag = 'party_member';

-- 户籍地 (a GB/T 2260 code and the detail), 现住址 (another household's dwelling, or
-- NULL for the resident's own) and 人户状态 (1 人户一致, 2 人在户不在, 3 户在人不在).
ALTER TABLE residents ADD COLUMN hukou_region TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN hukou_address TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN lives_in_household_id TEXT REFERENCES households (id);
ALTER TABLE residents ADD COLUMN residence_status TEXT NOT NULL DEFAULT '1';
-- A floating resident's 流入原因 (a local dictionary), 居住证 number, the day they
-- registered and the day the permit expires.
ALTER TABLE residents ADD COLUMN inflow_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN permit_no TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN permit_registered_on TEXT;
ALTER TABLE residents ADD COLUMN permit_expires_on TEXT;
UPDATE residents SET residence_status = '2' WHERE population_type = 'floating';
CREATE INDEX residents_permit_expiry ON residents (org_code, permit_expires_on);

-- The local dictionaries an administrator keeps (流入原因 first): a code and a name
-- per entry, in the order they are shown.
CREATE TABLE dictionary_entries (
    dictionary TEXT NOT NULL,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (dictionary, code)
);
INSERT INTO dictionary_entries (dictionary, code, name, position) VALUES
    ('inflow_reason', '01', '务工', 1), ('inflow_reason', '02', '经商', 2), ('inflow_reason', '03', '就学', 3),
    ('inflow_reason', '04', '投靠亲友', 4), ('inflow_reason', '05', '随迁家属', 5), ('inflow_reason', '99', '其他', 99);

-- A move between households carries the day it took effect and why.
ALTER TABLE resident_moves ADD COLUMN moved_on TEXT NOT NULL DEFAULT '';
ALTER TABLE resident_moves ADD COLUMN reason TEXT NOT NULL DEFAULT '';
UPDATE resident_moves SET moved_on = to_char(to_timestamp(moved_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD');

-- The register as it stood on any day: each resident's periods in a household,
-- grid and population type, from starts_on until the day ends_on (NULL while it
-- lasts). A registered resident has exactly one open period; a deregistered one
-- none. The statistics as of a day count the periods that cover it.
CREATE TABLE resident_periods (
    resident_id     TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    starts_on       TEXT NOT NULL,
    ends_on         TEXT,
    household_id    TEXT NOT NULL REFERENCES households (id),
    org_code        TEXT COLLATE "C" NOT NULL,
    population_type TEXT NOT NULL,
    PRIMARY KEY (resident_id, starts_on)
);
CREATE INDEX resident_periods_org ON resident_periods (org_code, population_type, starts_on, ends_on);
CREATE INDEX resident_periods_household ON resident_periods (household_id, starts_on);
INSERT INTO resident_periods (resident_id, starts_on, ends_on, household_id, org_code, population_type)
    SELECT id, registered_on, NULL, household_id, org_code, population_type FROM residents;

-- The life events of a resident besides moves: each registration and
-- deregistration with its day, reason and who recorded it, for the history.
CREATE TABLE resident_events (
    id          TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    happened_on TEXT NOT NULL,
    reason      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX resident_events_resident ON resident_events (resident_id, happened_on);

-- A unit of the tree exists from established_on; before the city existed, every
-- figure is zero. Communities were established in their founding year; the rest
-- from the day they were created.
ALTER TABLE org_units ADD COLUMN established_on TEXT NOT NULL DEFAULT '';
UPDATE org_units SET established_on = CASE WHEN founded_year IS NOT NULL
    THEN lpad(founded_year::text, 4, '0') || '-01-01' ELSE to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') END;

-- The statistics count resident_periods now: a write to them moves the generation
-- of its district as a write to residents does (migration 012, decision 12).
CREATE TRIGGER resident_periods_generation_insert AFTER INSERT ON resident_periods REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER resident_periods_generation_update AFTER UPDATE ON resident_periods REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER resident_periods_generation_delete AFTER DELETE ON resident_periods REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
