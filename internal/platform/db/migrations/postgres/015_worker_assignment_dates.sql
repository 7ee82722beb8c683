-- A worker's assignment to a grid (网格分工) holds from the day it took effect,
-- assigned_on, until the day it ended, ended_on: the first day the worker no longer
-- serves the grid, NULL while they still do. Ending an assignment keeps its row, and
-- assigning the worker to the grid again adds one, so that the register can say who
-- served a grid on any day. Dates are TEXT YYYY-MM-DD, like every date the schema
-- keeps. An assignment ended on the day it began never held, and is not kept.
ALTER TABLE worker_grids ADD COLUMN assigned_on TEXT COLLATE "C";
ALTER TABLE worker_grids ADD COLUMN ended_on TEXT COLLATE "C";

-- The assignments kept before had no date: each is taken to hold since the worker
-- was hired.
UPDATE worker_grids wg SET assigned_on = w.hired_on FROM workers w WHERE w.id = wg.worker_id;

ALTER TABLE worker_grids ALTER COLUMN assigned_on SET NOT NULL;
ALTER TABLE worker_grids DROP CONSTRAINT worker_grids_pkey;
ALTER TABLE worker_grids ADD PRIMARY KEY (worker_id, grid_code, assigned_on);
ALTER TABLE worker_grids ADD CONSTRAINT worker_grids_dates CHECK (ended_on IS NULL OR ended_on > assigned_on);

-- A worker serves a grid at most once at a time.
CREATE UNIQUE INDEX worker_grids_current ON worker_grids (worker_id, grid_code) WHERE ended_on IS NULL;
DROP INDEX worker_grids_grid;
CREATE INDEX worker_grids_grid ON worker_grids (grid_code, assigned_on);
