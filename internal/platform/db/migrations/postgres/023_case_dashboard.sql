-- The cases' dashboard (decision 31) reads the instances of a unit that were
-- closed in a period, or were still open at its start: the board's indexes hold
-- only the open ones, and the unique index on the subject does not begin with the
-- place. This one is the unit's range with the closing time beside it, so that a
-- district's five years of history are read from the index alone, and only the
-- instances of the period from the table.
CREATE INDEX workflow_closed ON workflow_instances (flow, org_code, closed_at);
