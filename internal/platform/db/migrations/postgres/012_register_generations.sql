-- A generation per district (the first six digits of an org code: the county, or the
-- city's own row) that moves with every write to the tables the statistics count:
-- org_units, households, residents and workers. internal/stats keeps computed figures
-- while the generations under their unit are unchanged (decision 12). Triggers, not
-- store code, bump it, so that no write path can forget to: the services, imports
-- from the command line while a server runs, the demo load, an erasure, a hand-made
-- fix in psql. The bump is in the writer's transaction, so a reader sees figures and
-- generation of one snapshot.
--
-- Two steps, so that a district's row is locked only while its writer commits, never
-- while a request or an import runs, and an import of a city costs one statement's
-- look at its rows, not a function call per row: after each statement,
-- register_generation_note adds the districts it wrote to a transaction-local setting
-- and, the first time, queues a row in register_generation_commits; that row's
-- deferred trigger bumps the districts, in code order (two committing writers never
-- wait for each other in a circle), when the transaction commits.
CREATE TABLE register_generations (
    district TEXT COLLATE "C" PRIMARY KEY,
    n        BIGINT NOT NULL
);

CREATE TABLE register_generation_commits (
    pending TEXT NOT NULL
);

-- The trigger's argument names the column that places a row: org_code, or an org
-- unit's own code.
CREATE FUNCTION register_generation_note() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pending TEXT := COALESCE(current_setting('shequ.register_pending', true), '');
    added   TEXT := '';
    k       TEXT;
BEGIN
    FOR k IN EXECUTE format(CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT DISTINCT substr(%1$I, 1, 6) FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT DISTINCT substr(%1$I, 1, 6) FROM old_rows'
        ELSE 'SELECT substr(%1$I, 1, 6) FROM new_rows UNION SELECT substr(%1$I, 1, 6) FROM old_rows' END, TG_ARGV[0])
    LOOP
        IF position(',' || k || ',' IN pending || added) = 0 THEN
            added := added || ',' || k || ',';
        END IF;
    END LOOP;
    IF added = '' THEN
        RETURN NULL;
    END IF;
    IF pending = '' THEN
        INSERT INTO register_generation_commits (pending) VALUES ('');
    END IF;
    PERFORM set_config('shequ.register_pending', pending || added, true);
    RETURN NULL;
END;
$$;

-- Clearing the setting after the bump keeps it right under SET CONSTRAINTS ALL
-- IMMEDIATE too: a later statement then queues a row of its own.
CREATE FUNCTION register_generation_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO register_generations AS g (district, n)
        SELECT DISTINCT k, 1 FROM unnest(string_to_array(current_setting('shequ.register_pending', true), ',')) AS k
        WHERE k <> '' ORDER BY k
        ON CONFLICT ON CONSTRAINT register_generations_pkey DO UPDATE SET n = g.n + 1;
    PERFORM set_config('shequ.register_pending', '', true);
    DELETE FROM register_generation_commits WHERE ctid = NEW.ctid;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER register_generation_commit AFTER INSERT ON register_generation_commits
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION register_generation_commit();

CREATE TRIGGER org_units_generation_insert AFTER INSERT ON org_units REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('code');
CREATE TRIGGER org_units_generation_update AFTER UPDATE ON org_units REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('code');
CREATE TRIGGER org_units_generation_delete AFTER DELETE ON org_units REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('code');

CREATE TRIGGER households_generation_insert AFTER INSERT ON households REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER households_generation_update AFTER UPDATE ON households REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER households_generation_delete AFTER DELETE ON households REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');

CREATE TRIGGER residents_generation_insert AFTER INSERT ON residents REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER residents_generation_update AFTER UPDATE ON residents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER residents_generation_delete AFTER DELETE ON residents REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');

CREATE TRIGGER workers_generation_insert AFTER INSERT ON workers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER workers_generation_update AFTER UPDATE ON workers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
CREATE TRIGGER workers_generation_delete AFTER DELETE ON workers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_generation_note('org_code');
