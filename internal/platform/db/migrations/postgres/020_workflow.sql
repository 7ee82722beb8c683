-- The workflow engine's instances and their timelines (internal/platform/workflow,
-- decision 25). An instance is one thing moving through a flow — a case, an
-- application — and belongs to the domain row it moves (subject_kind, subject_id),
-- one instance per subject and flow. org_code is its place and decides who sees
-- it, with owner_org (the unit that dispatches and verifies) and handler_org (the
-- unit assigned to act, '' until one is). They carry no foreign key: a handling
-- unit may be a department outside the tree, and the domain's own row already
-- references its unit.
--
-- version counts the instance's actions and is its ETag: a transition updates the
-- row only at the version its user saw. Instants are Unix milliseconds (UTC);
-- yellow_at and red_at are the current step's deadlines, NULL when it has none, and
-- deadline_warning is 1 when it has a limit the calendar could not count.
CREATE TABLE workflow_instances (
    id               TEXT PRIMARY KEY,
    flow             TEXT NOT NULL,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    org_code         TEXT COLLATE "C" NOT NULL,
    owner_org        TEXT COLLATE "C" NOT NULL,
    handler_org      TEXT COLLATE "C" NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    starter_id       TEXT NOT NULL,
    version          INTEGER NOT NULL,
    step_started_at  BIGINT NOT NULL,
    yellow_at        BIGINT,
    red_at           BIGINT,
    deadline_warning INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    closed_at        BIGINT
);
CREATE UNIQUE INDEX workflow_instances_subject ON workflow_instances (subject_id, subject_kind, flow);

-- The supervision board: a city keeps a million closed cases and some thousands
-- open, and the board reads only the open ones, so its index holds only those
-- (partial, WHERE closed_at IS NULL) and a case leaves it when it closes. Every
-- list of the board, and the counts of them all, is one range of the scope on it —
-- the flow, then the org_code prefix — filtered and sorted on the deadlines and the
-- start beside them, without reading a row it does not return. One index rather
-- than one per list: a step writes each index it changes, and a list's order
-- cannot come from the index anyway once the scope spans more than one unit.
CREATE INDEX workflow_board ON workflow_instances (flow, org_code, red_at, yellow_at, created_at, id, closed_at) WHERE closed_at IS NULL;
-- What waits for a unit ("my work"): as owner (to accept, dispatch, verify) or as
-- handler, by state, again over the open instances only.
CREATE INDEX workflow_owner_queue ON workflow_instances (owner_org, flow, state) WHERE closed_at IS NULL;
CREATE INDEX workflow_handler_queue ON workflow_instances (handler_org, flow, state) WHERE closed_at IS NULL;

-- The timeline: one row per action, keyed by its instance and seq, the instance's
-- version after it (a photo stored with an action names the two). Each row keeps
-- what the user gave (note, reason, result, the number of photos, the working days
-- of an extension) and the instance's units and category after it, so that a
-- reassignment or a new category never loses the old one.
CREATE TABLE workflow_actions (
    instance_id TEXT NOT NULL REFERENCES workflow_instances (id),
    seq         INTEGER NOT NULL,
    transition  TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    actor_org   TEXT NOT NULL,
    at          BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL DEFAULT '',
    photos      INTEGER NOT NULL DEFAULT 0,
    days        INTEGER NOT NULL DEFAULT 0,
    owner_org   TEXT NOT NULL,
    handler_org TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (instance_id, seq)
);
