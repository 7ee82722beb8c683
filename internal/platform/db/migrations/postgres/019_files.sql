-- Files users upload (decision 24): a case's photos, the hall's materials. A file
-- belongs to an owner record (owner_kind, owner_id: a case, an application) and
-- carries the org_code of the owner's unit, so a data scope reads it as it reads
-- its owner. name is the name it was uploaded under, cleaned, for display only;
-- sha256 (hex) is of the stored bytes. Images have their width and height, upright.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    owner_kind   TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    org_code     TEXT COLLATE "C" NOT NULL REFERENCES org_units (code),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX files_owner ON files (owner_kind, owner_id, created_at);
CREATE INDEX files_org ON files (org_code);

-- The bytes, beside their row in the same database, so that one backup holds
-- both and one transaction writes both. A table of their own keeps them out of
-- every read of the rows: a list of a case's photos reads no photo. JPEG and PNG
-- are compressed already, so TOAST stores them out of line without trying to
-- compress them again (STORAGE EXTERNAL).
CREATE TABLE file_blobs (
    file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    variant TEXT NOT NULL CHECK (variant IN ('original', 'thumb')),
    bytes   BYTEA NOT NULL,
    PRIMARY KEY (file_id, variant)
);
ALTER TABLE file_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
