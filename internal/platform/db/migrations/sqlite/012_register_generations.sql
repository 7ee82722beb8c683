-- A generation per district (the first six digits of an org code: the county, or the
-- city's own row) that moves with every write to the tables the statistics count:
-- org_units, households, residents and workers. internal/stats keeps computed figures
-- while the generations under their unit are unchanged (decision 12). Triggers, not
-- store code, bump it, so that no write path can forget to: the services, imports
-- from the command line while a server runs, the demo load, an erasure, a hand-made
-- fix in the database shell. The bump is in the writer's transaction, so a reader sees
-- figures and generation of the same moment.
CREATE TABLE register_generations (
    district TEXT PRIMARY KEY,
    n        BIGINT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER org_units_generation_insert AFTER INSERT ON org_units BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(NEW.code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER org_units_generation_update AFTER UPDATE ON org_units BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.code, 1, 6), 1), (substr(NEW.code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER org_units_generation_delete AFTER DELETE ON org_units BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER households_generation_insert AFTER INSERT ON households BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(NEW.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER households_generation_update AFTER UPDATE ON households BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.org_code, 1, 6), 1), (substr(NEW.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER households_generation_delete AFTER DELETE ON households BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER residents_generation_insert AFTER INSERT ON residents BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(NEW.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER residents_generation_update AFTER UPDATE ON residents BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.org_code, 1, 6), 1), (substr(NEW.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER residents_generation_delete AFTER DELETE ON residents BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER workers_generation_insert AFTER INSERT ON workers BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(NEW.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER workers_generation_update AFTER UPDATE ON workers BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.org_code, 1, 6), 1), (substr(NEW.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER workers_generation_delete AFTER DELETE ON workers BEGIN
    INSERT INTO register_generations (district, n) VALUES (substr(OLD.org_code, 1, 6), 1)
        ON CONFLICT (district) DO UPDATE SET n = n + 1;
END;
