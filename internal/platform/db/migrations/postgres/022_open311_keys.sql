-- The keys of the client apps that use the Open311 GeoReport v2 endpoint (decision 28).
-- A key belongs to a unit: what is posted with it lands in that unit's intake, and
-- what is read with it is that unit's subtree. The key itself is never stored: only
-- its SHA-256 (key_hash), and a short public prefix that finds the row and that the
-- administrator sees in the list. A revoked key keeps its row, for the audit trail.
CREATE TABLE open311_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    org_code   TEXT COLLATE "C" NOT NULL REFERENCES org_units (code),
    prefix     TEXT COLLATE "C" NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at BIGINT
);
