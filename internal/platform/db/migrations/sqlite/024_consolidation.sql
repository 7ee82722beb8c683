-- The consolidation planner (issue 13, decision 33): the grids as a graph — which
-- grids border which, their boundaries, their area type — the dated rules a plan
-- is measured by, and the plans made.

-- Which grids border which: one row a pair, the lower code first. source says
-- where the pair came from: an imported list ('import') or boundaries sharing at
-- least the threshold's length ('boundary', with that length in metres).
CREATE TABLE grid_adjacency (
    grid_a   TEXT NOT NULL REFERENCES org_units (code),
    grid_b   TEXT NOT NULL REFERENCES org_units (code),
    source   TEXT NOT NULL CHECK (source IN ('import', 'boundary')),
    shared_m INTEGER,
    PRIMARY KEY (grid_a, grid_b),
    CHECK (grid_a < grid_b)
);
CREATE INDEX grid_adjacency_b ON grid_adjacency (grid_b, grid_a);

-- A grid's boundary: a GeoJSON Polygon or MultiPolygon in WGS 84 longitude and
-- latitude (RFC 7946), as text; its bounding box in millionths of a degree, so a
-- map of a part of the city reads what it draws by the box.
CREATE TABLE grid_boundaries (
    grid_code  TEXT PRIMARY KEY REFERENCES org_units (code),
    geometry   TEXT NOT NULL,
    min_lng_e6 BIGINT NOT NULL,
    min_lat_e6 BIGINT NOT NULL,
    max_lng_e6 BIGINT NOT NULL,
    max_lat_e6 BIGINT NOT NULL,
    area_m2    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A grid's area type: 新建小区 new_estate, 老城区 old_town, 城乡结合部
-- urban_rural_fringe. A grid with no row is old town.
CREATE TABLE grid_area_types (
    grid_code TEXT PRIMARY KEY REFERENCES org_units (code),
    area_type TEXT NOT NULL CHECK (area_type IN ('new_estate', 'old_town', 'urban_rural_fringe'))
);

-- The households a community should have, by area type, from a day on: the row
-- with the latest effective_on not after the plan's date holds. tolerance is the
-- relative deviation still counted as within (0.1: 2,700–3,300 around 3,000).
CREATE TABLE community_size_rules (
    area_type         TEXT NOT NULL CHECK (area_type IN ('new_estate', 'old_town', 'urban_rural_fringe')),
    effective_on      TEXT NOT NULL,
    target_households INTEGER NOT NULL CHECK (target_households > 0),
    tolerance         DOUBLE PRECISION NOT NULL CHECK (tolerance > 0 AND tolerance < 1),
    source            TEXT NOT NULL,
    PRIMARY KEY (area_type, effective_on)
);
-- The report's aim (2013): about 3,000 households, more in new estates, fewer in
-- the sparse fringe.
INSERT INTO community_size_rules VALUES ('old_town', '2000-01-01', 3000, 0.1, '梧州市政协《关于我市城市社区建设的调研报告》(2013)');
INSERT INTO community_size_rules VALUES ('new_estate', '2000-01-01', 4000, 0.15, '梧州市政协《关于我市城市社区建设的调研报告》(2013)');
INSERT INTO community_size_rules VALUES ('urban_rural_fringe', '2000-01-01', 1500, 0.2, '梧州市政协《关于我市城市社区建设的调研报告》(2013)');
-- 《城市居民委员会组织法》as revised on 2025-10-28, in force 2026-01-01, art. 3: a
-- committee is set up for 1,000 to 3,000 households in general. Each range below
-- lies within it.
INSERT INTO community_size_rules VALUES ('old_town', '2026-01-01', 2700, 0.1, '《中华人民共和国城市居民委员会组织法》(2025年修订) 第三条');
INSERT INTO community_size_rules VALUES ('new_estate', '2026-01-01', 2800, 0.07, '《中华人民共和国城市居民委员会组织法》(2025年修订) 第三条');
INSERT INTO community_size_rules VALUES ('urban_rural_fringe', '2026-01-01', 1500, 0.3, '《中华人民共和国城市居民委员会组织法》(2025年修订) 第三条');

-- The staffing rule a plan's posts are counted by: one community worker for so
-- many households, and no fewer than min_workers a community (a committee is five
-- to nine members), from a day on.
CREATE TABLE staffing_rules (
    effective_on          TEXT PRIMARY KEY,
    households_per_worker INTEGER NOT NULL CHECK (households_per_worker > 0),
    min_workers           INTEGER NOT NULL CHECK (min_workers >= 0),
    source                TEXT NOT NULL
);
INSERT INTO staffing_rules VALUES ('2000-01-01', 300, 5, '梧州市 2013: 142,176 户 / 461 个编制 ≈ 308 户一名; 居民委员会由主任、副主任和委员共五至九人组成');

-- A consolidation plan: what it was asked (scope, parameters), the register it was
-- made on (the day counted and the generation of the scope's districts then, so
-- that applying it after the register changed is refused), and its objective.
-- target_households and tolerance are 0 when the plan took them from
-- community_size_rules by area type.
CREATE TABLE consolidation_plans (
    id                  TEXT PRIMARY KEY,
    scope_code          TEXT NOT NULL REFERENCES org_units (code),
    within_level        TEXT NOT NULL CHECK (within_level IN ('district', 'street')),
    target_households   INTEGER NOT NULL,
    tolerance           DOUBLE PRECISION NOT NULL,
    stability           DOUBLE PRECISION NOT NULL,
    seed                BIGINT NOT NULL,
    as_of               TEXT NOT NULL,
    register_generation BIGINT NOT NULL,
    deviation           DOUBLE PRECISION NOT NULL,
    cut_edges           INTEGER NOT NULL,
    moved_households    INTEGER NOT NULL,
    infeasible          TEXT NOT NULL,
    took_ms             BIGINT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL
);
CREATE INDEX consolidation_plans_scope ON consolidation_plans (scope_code, created_at);

-- The communities a plan proposes, in its order: code is today's community kept,
-- '' for a new one.
CREATE TABLE consolidation_plan_communities (
    plan_id       TEXT NOT NULL REFERENCES consolidation_plans (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    code          TEXT NOT NULL,
    district_code TEXT NOT NULL,
    households    INTEGER NOT NULL,
    residents     INTEGER NOT NULL,
    target        INTEGER NOT NULL,
    tolerance     DOUBLE PRECISION NOT NULL,
    contiguous    INTEGER NOT NULL,
    PRIMARY KEY (plan_id, position)
);

-- Each grid of a plan: the community it goes to (position; NULL when it is left
-- out), the community it was in, its area type and what it counted on the day.
CREATE TABLE consolidation_plan_grids (
    plan_id        TEXT NOT NULL REFERENCES consolidation_plans (id) ON DELETE CASCADE,
    grid_code      TEXT NOT NULL,
    position       INTEGER,
    from_community TEXT NOT NULL,
    area_type      TEXT NOT NULL,
    households     INTEGER NOT NULL,
    residents      INTEGER NOT NULL,
    PRIMARY KEY (plan_id, grid_code)
);
