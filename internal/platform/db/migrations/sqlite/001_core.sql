-- The platform core: the city's tree, its register of people, its workers, and the
-- users who may see parts of it. Every place-bound row carries org_code, the code of
-- the lowest unit it belongs to, so a data scope is one range on an index.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE org_units (
    code             TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    level            TEXT NOT NULL,
    parent_code      TEXT REFERENCES org_units (code),
    founded_year     INTEGER,
    office_area_m2   INTEGER,
    authorized_posts INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent_code);
CREATE INDEX org_units_level ON org_units (level, code);

CREATE TABLE buildings (
    id       TEXT PRIMARY KEY,
    org_code TEXT NOT NULL REFERENCES org_units (code),
    name     TEXT NOT NULL,
    UNIQUE (org_code, name)
);

CREATE TABLE households (
    id           TEXT PRIMARY KEY,
    household_no TEXT NOT NULL UNIQUE,
    org_code     TEXT NOT NULL REFERENCES org_units (code),
    building_id  TEXT REFERENCES buildings (id),
    address      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX households_org ON households (org_code, address);

CREATE TABLE residents (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    id_number       TEXT NOT NULL UNIQUE,
    id_tail         TEXT NOT NULL,
    sex             TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    household_id    TEXT NOT NULL REFERENCES households (id),
    org_code        TEXT NOT NULL REFERENCES org_units (code),
    relation        TEXT NOT NULL,
    population_type TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX residents_household ON residents (household_id);
CREATE INDEX residents_org ON residents (org_code, population_type);
CREATE INDEX residents_tail ON residents (id_tail, org_code);
CREATE INDEX residents_name ON residents (name, org_code);
CREATE INDEX residents_phone ON residents (phone);

CREATE TABLE resident_tags (
    resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    org_code    TEXT NOT NULL,
    PRIMARY KEY (resident_id, tag)
);
CREATE INDEX resident_tags_tag ON resident_tags (tag, org_code);

CREATE TABLE resident_moves (
    id                TEXT PRIMARY KEY,
    resident_id       TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    from_household_id TEXT NOT NULL REFERENCES households (id),
    to_household_id   TEXT NOT NULL REFERENCES households (id),
    from_org_code     TEXT NOT NULL,
    to_org_code       TEXT NOT NULL,
    moved_at          BIGINT NOT NULL,
    moved_by          TEXT NOT NULL
);
CREATE INDEX resident_moves_resident ON resident_moves (resident_id, moved_at);

CREATE TABLE grid_contacts (
    id          TEXT PRIMARY KEY,
    org_code    TEXT NOT NULL REFERENCES org_units (code),
    resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    UNIQUE (org_code, resident_id, role)
);

CREATE TABLE workers (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    id_number    TEXT NOT NULL UNIQUE,
    sex          TEXT NOT NULL,
    birth_date   TEXT NOT NULL,
    org_code     TEXT NOT NULL REFERENCES org_units (code),
    position     TEXT NOT NULL,
    education    TEXT NOT NULL,
    hired_on     TEXT NOT NULL,
    certificates TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX workers_org ON workers (org_code);

CREATE TABLE worker_grids (
    worker_id TEXT NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    grid_code TEXT NOT NULL REFERENCES org_units (code),
    PRIMARY KEY (worker_id, grid_code)
);
CREATE INDEX worker_grids_grid ON worker_grids (grid_code);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    org_code      TEXT NOT NULL REFERENCES org_units (code),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
