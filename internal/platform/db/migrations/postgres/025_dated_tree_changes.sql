-- Dated changes of the tree (issue 13, item 6; decision 34): a community created on a
-- day, a grid moved into another community on a day under a new code, a community
-- left with no grids dissolved on a day. Nothing is deleted: a unit that ends stays,
-- with the first day it no longer exists, so that the register as of an earlier day
-- still finds it.

-- dissolved_on is the first day the unit no longer exists (NULL while it does), as
-- ended_on is for an assignment. successor_code names the grid that carries a moved
-- grid's households on under its new code.
ALTER TABLE org_units ADD COLUMN dissolved_on TEXT;
ALTER TABLE org_units ADD COLUMN successor_code TEXT COLLATE "C" REFERENCES org_units (code);

-- A household's grid is dated like a resident's: grid_since is the day it came to its
-- current grid ('' for the day it was established), and each grid it was in before
-- is a closed period here. The statistics as of a day count a household under the
-- grid it was in that day.
ALTER TABLE households ADD COLUMN grid_since TEXT NOT NULL DEFAULT '';
CREATE TABLE household_grid_periods (
    household_id TEXT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    org_code     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (household_id, starts_on),
    CHECK (ends_on > starts_on)
);
CREATE INDEX household_grid_periods_org ON household_grid_periods (org_code, starts_on, ends_on);
DROP INDEX households_dated;
CREATE INDEX households_dated ON households (org_code, established_on, dissolved_on, grid_since);

-- A worker's unit is dated the same way: org_since is the day they came to their
-- current community ('' for their hiring day), and each unit they served before is a
-- closed period here.
ALTER TABLE workers ADD COLUMN org_since TEXT NOT NULL DEFAULT '';
CREATE TABLE worker_org_periods (
    worker_id TEXT NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    starts_on TEXT NOT NULL,
    ends_on   TEXT NOT NULL,
    org_code  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (worker_id, starts_on),
    CHECK (ends_on > starts_on)
);
CREATE INDEX worker_org_periods_org ON worker_org_periods (org_code);

-- A consolidation plan's proposed community, once applied, with the community that
-- carries it: applying it again is refused.
CREATE TABLE plan_applications (
    plan_id        TEXT NOT NULL,
    community_no   INTEGER NOT NULL,
    community_code TEXT COLLATE "C" NOT NULL REFERENCES org_units (code),
    applied_on     TEXT NOT NULL,
    applied_at     BIGINT NOT NULL,
    applied_by     TEXT NOT NULL,
    PRIMARY KEY (plan_id, community_no)
);

-- The statistics read the two period tables: a write to them moves the generation
-- of its district (decision 12).
CREATE TRIGGER household_grid_periods_generation_insert AFTER INSERT ON household_grid_periods REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER household_grid_periods_generation_delete AFTER DELETE ON household_grid_periods REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER worker_org_periods_generation_insert AFTER INSERT ON worker_org_periods REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER worker_org_periods_generation_delete AFTER DELETE ON worker_org_periods REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
