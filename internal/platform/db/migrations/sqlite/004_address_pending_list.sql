-- PostgreSQL's address index changes how it takes new entries; SQLite's FTS5 index
-- is kept by the register store and has nothing to change.
SELECT 1;
