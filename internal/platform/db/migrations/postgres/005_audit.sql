-- The audit trail (安全审计): one row per write, sign-in, sign-out, refused or failed
-- attempt, reveal and export, appended in the transaction of the action it records.
-- Rows are chained: each row's hash is SM3 over the previous row's hash and its own
-- fields (internal/audit), so a changed, removed or inserted row breaks the chain
-- and `shequ audit verify` names it.
--
-- audit_head holds the last seq and hash. Appending takes its one row with an
-- UPDATE … RETURNING, a row lock held to the end of the transaction, so concurrent
-- appends queue instead of forking the chain. audit_anchor holds the last record
-- purged under the retention period (0 and the zero hash until the first purge),
-- where verification starts.

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_id   TEXT NOT NULL,
    user_name TEXT COLLATE "C" NOT NULL,
    role      TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    action    TEXT COLLATE "C" NOT NULL,
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

-- Nobody but the owner may change or remove audit rows. PUBLIC holds none of these
-- privileges by default; revoking them states the rule in the schema itself. The
-- application runs as a role that is not the owner and holds only SELECT and
-- INSERT on these tables (docs/security.md, "Audit trail"), so neither a bug nor
-- an injected statement can rewrite the trail; the owner runs migrations and
-- purges.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_anchor FROM PUBLIC;
