-- Information collected in the field and reviewed at the office (信息采集, decision
-- 36). A grid worker proposes a change to the register; the community approves it
-- (the register changes through the registry's own service, in the same
-- transaction as the proposal's outcome) or rejects it with a reason the worker
-- sees. Proposals are kept, whatever their outcome.
--
-- org_code is the grid (or community) the proposal is about, which places it in
-- scopes. payload_sealed is the change as data (its kind's JSON) and
-- snapshot_sealed the record as the worker saw it; both are sealed like a
-- resident's identifiers (decision 6), since either may carry an ID number or a
-- phone. subject is what the lists show: a name and a household number, never an
-- identifier. state is waiting, approved, rejected or applied (applied directly,
-- for a trusted worker); seen_at is when the worker saw a rejection.
CREATE TABLE proposals (
    id              TEXT PRIMARY KEY,
    org_code        TEXT NOT NULL REFERENCES org_units (code),
    kind            TEXT NOT NULL,
    resident_id     TEXT,
    subject         TEXT NOT NULL,
    payload_sealed  BLOB NOT NULL,
    snapshot_sealed BLOB,
    note            TEXT NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    result_id       TEXT NOT NULL DEFAULT '',
    proposed_by     TEXT NOT NULL,
    proposer_name   TEXT NOT NULL,
    proposed_at     BIGINT NOT NULL,
    decided_by      TEXT NOT NULL DEFAULT '',
    decider_name    TEXT NOT NULL DEFAULT '',
    decided_at      BIGINT,
    seen_at         BIGINT
);
-- The review queue: a community's waiting proposals, oldest first.
CREATE INDEX proposals_queue ON proposals (state, org_code, proposed_at);
-- A worker's own proposals, newest first, and the rejections they have not seen.
CREATE INDEX proposals_mine ON proposals (proposed_by, proposed_at);

-- Which kinds of a trusted worker's proposals a community lets apply directly.
CREATE TABLE proposal_trust (
    community_code TEXT NOT NULL REFERENCES org_units (code),
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    granted_by     TEXT NOT NULL,
    granted_at     BIGINT NOT NULL,
    PRIMARY KEY (community_code, user_id, kind)
);
