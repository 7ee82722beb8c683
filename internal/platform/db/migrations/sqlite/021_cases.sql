-- Cases (事件/案件): anything a worker takes up in the field or a resident reports,
-- followed through the case flow until it is closed (issue 11, decision 27). The
-- case's state, deadlines and timeline are its workflow instance's
-- (workflow_instances, subject_kind 'case'); these tables hold what the case is.

-- The catalogue: two levels, a class ('01') and its subclasses ('0101'), each with
-- the time limits of its steps in working time ('1/2d': a yellow card after one
-- working day, a red one after two; '4/8h' in working hours). A subclass without
-- limits of its own takes its class's. Retired entries stay for
-- the cases that name them and are not offered for new ones.
CREATE TABLE case_categories (
    code          TEXT PRIMARY KEY,
    parent_code   TEXT REFERENCES case_categories (code),
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    source        TEXT NOT NULL,
    position      INTEGER NOT NULL,
    accept_limit  TEXT NOT NULL DEFAULT '',
    handle_limit  TEXT NOT NULL DEFAULT '',
    retired       INTEGER NOT NULL DEFAULT 0
);

-- Handling units (处置单位): a window of a community's service hall, a street office,
-- a district department. Each sits in an org unit, whose users act for it.
CREATE TABLE case_handlers (
    id       TEXT PRIMARY KEY,
    org_code TEXT NOT NULL REFERENCES org_units (code),
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('window', 'street', 'department')),
    retired  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_handlers_org ON case_handlers (org_code);

-- Routing (回来再分家): in a district, which handler a category's cases go to. The
-- dispatcher sees it as the suggestion and may choose another.
CREATE TABLE case_routes (
    district_code TEXT NOT NULL REFERENCES org_units (code),
    category_code TEXT NOT NULL REFERENCES case_categories (code),
    handler_id    TEXT NOT NULL REFERENCES case_handlers (id),
    PRIMARY KEY (district_code, category_code)
);

-- Case numbers run per community per year and are never reused:
-- 450403001001-2026-000123.
CREATE TABLE case_counters (
    org_code TEXT NOT NULL,
    year     INTEGER NOT NULL,
    last     BIGINT NOT NULL,
    PRIMARY KEY (org_code, year)
);

-- org_code is the lowest unit the case happened in (a grid, or a community when
-- no grid is known): scope is read from it. Coordinates are in millionths of a
-- degree (GCJ-02 as a phone's map gives them), recorded only when the user gives
-- them. handler_id is the handling unit it was last dispatched to; merged_into
-- names the case a duplicate was merged into.
CREATE TABLE cases (
    id            TEXT PRIMARY KEY,
    no            TEXT NOT NULL UNIQUE,
    org_code      TEXT NOT NULL REFERENCES org_units (code),
    category_code TEXT NOT NULL REFERENCES case_categories (code),
    description   TEXT NOT NULL,
    address       TEXT NOT NULL,
    lat_e6        BIGINT,
    lng_e6        BIGINT,
    channel       TEXT NOT NULL,
    reported_by   TEXT NOT NULL,
    reported_at   BIGINT NOT NULL,
    handler_id    TEXT REFERENCES case_handlers (id),
    merged_into   TEXT REFERENCES cases (id),
    rating        TEXT NOT NULL DEFAULT '',
    rating_note   TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);
CREATE INDEX cases_org ON cases (org_code, reported_at);
CREATE INDEX cases_category ON cases (category_code, reported_at);

-- Who reported a case and how to reach them; a merge keeps the reporters of both.
-- The phone is sealed like residents' (decision 6).
CREATE TABLE case_reporters (
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    phone_sealed BLOB,
    user_id      TEXT NOT NULL DEFAULT '',
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- An offline phone may send the same report many times: the first that commits
-- records the Idempotency-Key the phone chose, under its user, with a hash of the
-- body and the ID of what it created, which a retry is given again (platform/idem).
CREATE TABLE idempotency_keys (
    user_id     TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    created     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The default catalogue: the event classes of GB/T 30428.2 and the grid platforms'
-- classes, with limits from cn-standards.md §5.4–5.6 where a source gives one and the
-- issue's defaults (立案 1/2 working days, 处置 5/10) elsewhere. National per-category
-- limits were not retrieved (UNCONFIRMED there): every limit is data a city changes.
INSERT INTO case_categories (code, parent_code, name_zh, name_en, source, position, accept_limit, handle_limit) VALUES
    ('01', NULL, '市容环境', 'City appearance', 'GB/T 30428.2 事件大类 (codes as a city system numbers them; cn-standards §5.2)', 1, '1/2d', '5/10d'),
    ('0101', '01', '私搭乱建', 'Unauthorised structures', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 2, '', '7/20d'),
    ('0102', '01', '暴露垃圾', 'Exposed rubbish', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 3, '', '4/8h'),
    ('0103', '01', '积存渣土', 'Piled construction waste', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 4, '', '4/16h'),
    ('0104', '01', '道路不洁', 'Dirty road', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 5, '', '2/4h'),
    ('0105', '01', '乱张贴', 'Fly-posting', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 6, '', '1/2d'),
    ('02', NULL, '宣传广告', 'Advertising', 'GB/T 30428.2 事件大类 (codes as a city system numbers them; cn-standards §5.2)', 7, '1/2d', '5/10d'),
    ('0201', '02', '违规户外广告', 'Unauthorised outdoor advertising', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 8, '', ''),
    ('0202', '02', '非法小广告', 'Illegal small adverts', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 9, '', '1/2d'),
    ('03', NULL, '施工管理', 'Construction', 'GB/T 30428.2 事件大类 (codes as a city system numbers them; cn-standards §5.2)', 10, '1/2d', '5/10d'),
    ('0301', '03', '施工扰民', 'Construction noise', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 11, '', '1/2d'),
    ('0302', '03', '施工占道', 'Construction blocking the road', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 12, '', '1/2d'),
    ('04', NULL, '突发事件', 'Emergencies', 'GB/T 30428.2 事件大类 (codes as a city system numbers them; cn-standards §5.2)', 13, '2/4h', '1/2d'),
    ('0401', '04', '道路积水', 'Flooded road', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 14, '', '4/8h'),
    ('0402', '04', '井盖缺失', 'Missing manhole cover', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 15, '', '4/8h'),
    ('05', NULL, '街面秩序', 'Street order', 'GB/T 30428.2 事件大类 (codes as a city system numbers them; cn-standards §5.2)', 16, '1/2d', '5/10d'),
    ('0501', '05', '占道经营', 'Trading on the pavement', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 17, '', '1/2d'),
    ('0502', '05', '无照经营游商', 'Unlicensed street vendors', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 18, '', '1/2d'),
    ('0503', '05', '机动车乱停放', 'Illegal parking', 'GB/T 30428.2 事件小类 (cn-standards §5.2; limits from a city 立案/结案标准, §5.4)', 19, '', '4/8h'),
    ('11', NULL, '矛盾纠纷', 'Disputes', '综治网格事件 (grid platforms; cn-standards §5.5)', 20, '1/2d', '5/10d'),
    ('1101', '11', '邻里纠纷', 'Neighbours'' dispute', '综治网格事件 (grid platforms; cn-standards §5.5)', 21, '', ''),
    ('1102', '11', '家庭纠纷', 'Family dispute', '综治网格事件 (grid platforms; cn-standards §5.5)', 22, '', ''),
    ('1103', '11', '物业纠纷', 'Property-management dispute', '综治网格事件 (grid platforms; cn-standards §5.5)', 23, '', ''),
    ('1104', '11', '劳资纠纷', 'Wage dispute', '综治网格事件 (grid platforms; cn-standards §5.5)', 24, '', ''),
    ('12', NULL, '安全隐患', 'Safety hazards', '综治网格事件 (grid platforms; cn-standards §5.5)', 25, '4/8h', '2/5d'),
    ('1201', '12', '消防通道堵塞', 'Blocked fire exit', '综治网格事件 (grid platforms; cn-standards §5.5)', 26, '', '1/2d'),
    ('1202', '12', '电动车违规充电', 'Unsafe e-bike charging', '综治网格事件 (grid platforms; cn-standards §5.5)', 27, '', '1/2d'),
    ('1203', '12', '危旧房屋', 'Dangerous building', '综治网格事件 (grid platforms; cn-standards §5.5)', 28, '', ''),
    ('13', NULL, '治安', 'Public order', '综治网格事件 (grid platforms; cn-standards §5.5)', 29, '4/8h', '2/5d'),
    ('1301', '13', '可疑人员', 'Suspicious person', '综治网格事件 (grid platforms; cn-standards §5.5)', 30, '', ''),
    ('1302', '13', '盗窃', 'Theft', '综治网格事件 (grid platforms; cn-standards §5.5)', 31, '', ''),
    ('14', NULL, '民生服务', 'Everyday services', '综治网格事件 (grid platforms; cn-standards §5.5)', 32, '1/2d', '5/10d'),
    ('1401', '14', '路灯损坏', 'Broken street lamp', '综治网格事件 (grid platforms; cn-standards §5.5)', 33, '', '2/5d'),
    ('1402', '14', '供水供电', 'Water and power supply', '综治网格事件 (grid platforms; cn-standards §5.5)', 34, '', '1/2d'),
    ('1403', '14', '助老助残', 'Help for the elderly and disabled', '综治网格事件 (grid platforms; cn-standards §5.5)', 35, '', ''),
    ('15', NULL, '政策咨询', 'Policy questions', '12345 热线 (cn-standards §5.6)', 36, '1/2d', '3/5d'),
    ('1501', '15', '低保救助', 'Minimum living allowance and relief', '12345 热线 (cn-standards §5.6)', 37, '', ''),
    ('1502', '15', '社保医保', 'Social and medical insurance', '12345 热线 (cn-standards §5.6)', 38, '', ''),
    ('1503', '15', '户籍证照', 'Household registration and permits', '12345 热线 (cn-standards §5.6)', 39, '', ''),
    ('99', NULL, '其他', 'Other', 'shequ', 40, '1/2d', '5/10d'),
    ('9901', '99', '其他', 'Other', 'shequ', 41, '', '');

-- The catalogue is held in memory by every process; a change bumps its version row.
INSERT INTO change_versions (topic, version) VALUES ('case_catalogue', 0);
