-- The working-day calendar's years that administrators add (decision 23): the
-- years up to the binary's release ship inside it as files, so these tables hold
-- only what was added since, such as next year's arrangement once the State
-- Council publishes it. A year added here replaces a shipped year of the same
-- number. source names the notice (文号 and date); added_by is the user's id and
-- added_by_name their name as it was, added_at Unix milliseconds UTC.
CREATE TABLE calendar_years (
    year          INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    added_by      TEXT NOT NULL,
    added_by_name TEXT NOT NULL,
    added_at      BIGINT NOT NULL
);

-- The days a year's notice names: holiday (放假) or workday (调休上班); every
-- other day follows the weekday rule. A notice for a year may name the last days
-- of December before it, so a day belongs to one year's notice, not to the
-- calendar year of its date; no day is named by two.
CREATE TABLE calendar_days (
    day  TEXT COLLATE "C" PRIMARY KEY,
    year INTEGER NOT NULL REFERENCES calendar_years (year) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days (year, day);

-- Every process holds the calendar in memory and builds it again when this
-- version moves (decision 11).
INSERT INTO change_versions (topic, version) VALUES ('calendar', 0);
