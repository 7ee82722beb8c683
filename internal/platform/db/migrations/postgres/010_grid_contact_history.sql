-- A contact role (居民小组长, 居民代表, 楼栋长) belongs to a grid and to a resident
-- living in it. When the resident's grid changes, by a move or by their household
-- moving, the role ends: grid_contacts keeps the roles held now, and each ended one
-- goes here with the day it ended, for as long as the resident's record is kept.
CREATE TABLE grid_contact_history (
    id          TEXT PRIMARY KEY,
    org_code    TEXT COLLATE "C" NOT NULL REFERENCES org_units (code),
    resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    ended_at    BIGINT NOT NULL
);
CREATE INDEX grid_contact_history_resident ON grid_contact_history (resident_id, ended_at);

-- Roles left behind before this migration, by residents who live in another grid
-- now, end on the last date the register gives for it: the resident's last move out
-- of that grid, or else their household's last change (a household moved to another
-- grid records no move of its residents).
INSERT INTO grid_contact_history (id, org_code, resident_id, role, ended_at)
SELECT c.id, c.org_code, c.resident_id, c.role,
       COALESCE((SELECT MAX(m.moved_at) FROM resident_moves m WHERE m.resident_id = c.resident_id AND m.from_org_code = c.org_code),
                h.updated_at)
FROM grid_contacts c JOIN residents r ON r.id = c.resident_id JOIN households h ON h.id = r.household_id
WHERE r.org_code <> c.org_code;

DELETE FROM grid_contacts WHERE id IN (SELECT id FROM grid_contact_history);
