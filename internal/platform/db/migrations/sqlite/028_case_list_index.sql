-- The case list counts a place's cases and picks a page of their IDs, newest
-- first, from this index alone; only the page's fifty rows are then read with
-- their instances. Without the ID in it, each of a community's thousand cases
-- was read from the table to be sorted (docs/benchmarks.md, "Cases").
DROP INDEX cases_org;
CREATE INDEX cases_org ON cases (org_code, reported_at, id);
