-- A version per kind of data that each process holds in memory (auth: sessions,
-- API tokens and the users behind them; org: the tree). A change bumps its row in
-- its own transaction; every process reads the row at most once a second and after
-- each of its own commits, and lets go of what it holds when the number moved
-- (decision 11). It works alike on SQLite, where the command line is another
-- process writing the same file, and on PostgreSQL, without LISTEN/NOTIFY.
CREATE TABLE change_versions (
    topic   TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO change_versions (topic, version) VALUES ('auth', 0), ('org', 0);
