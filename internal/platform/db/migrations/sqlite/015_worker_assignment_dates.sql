-- A worker's assignment to a grid (网格分工) holds from the day it took effect,
-- assigned_on, until the day it ended, ended_on: the first day the worker no longer
-- serves the grid, NULL while they still do. Ending an assignment keeps its row, and
-- assigning the worker to the grid again adds one, so that the register can say who
-- served a grid on any day. Dates are TEXT YYYY-MM-DD, like every date the schema
-- keeps. An assignment ended on the day it began never held, and is not kept.
CREATE TABLE worker_grids_dated (
    worker_id   TEXT NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    grid_code   TEXT NOT NULL REFERENCES org_units (code),
    assigned_on TEXT NOT NULL,
    ended_on    TEXT,
    PRIMARY KEY (worker_id, grid_code, assigned_on),
    CHECK (ended_on IS NULL OR ended_on > assigned_on)
);

-- The assignments kept before had no date: each is taken to hold since the worker
-- was hired.
INSERT INTO worker_grids_dated (worker_id, grid_code, assigned_on)
SELECT wg.worker_id, wg.grid_code, w.hired_on FROM worker_grids wg JOIN workers w ON w.id = wg.worker_id;

DROP TABLE worker_grids;
ALTER TABLE worker_grids_dated RENAME TO worker_grids;

-- A worker serves a grid at most once at a time.
CREATE UNIQUE INDEX worker_grids_current ON worker_grids (worker_id, grid_code) WHERE ended_on IS NULL;
CREATE INDEX worker_grids_grid ON worker_grids (grid_code, assigned_on);
