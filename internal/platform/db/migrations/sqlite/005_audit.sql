-- The audit trail (安全审计): one row per write, sign-in, sign-out, refused or failed
-- attempt, reveal and export, appended in the transaction of the action it records.
-- Rows are chained: each row's hash is SM3 over the previous row's hash and its own
-- fields (internal/audit), so a changed, removed or inserted row breaks the chain
-- and `shequ audit verify` names it.
--
-- audit_head holds the last seq and hash. Appending takes its one row with an
-- UPDATE … RETURNING, which on PostgreSQL is a row lock held to the end of the
-- transaction, so concurrent appends queue instead of forking the chain; on SQLite
-- the single writer queues them already. audit_anchor holds the last record purged
-- under the retention period (0 and the zero hash until the first purge), where
-- verification starts.

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_id   TEXT NOT NULL,
    user_name TEXT NOT NULL,
    role      TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    reason    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_name, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_anchor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    purged_at BIGINT NOT NULL
);
INSERT INTO audit_anchor (id, seq, hash, at, purged_at) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0, 0);

-- SQLite has no roles to keep the application from changing its own file, so these
-- guards refuse it instead: no audit row is ever updated, and none is deleted
-- unless the anchor has moved past it (a purge). They are the one exception to
-- decision 1's "no triggers": integrity guards in the schema, with no logic a store
-- relies on. Whoever can write the file can drop them; `shequ audit verify` still
-- finds what was done. PostgreSQL uses privileges instead (docs/security.md).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq > (SELECT seq FROM audit_anchor WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: only records behind the anchor may be purged');
END;
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
WHEN NEW.seq < OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'the audit anchor only moves forward');
END;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN
    SELECT RAISE(ABORT, 'the audit anchor cannot be deleted');
END;
