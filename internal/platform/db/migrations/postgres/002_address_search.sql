-- Address search: a trigram index over household addresses, so that LIKE '%fragment%'
-- with three or more characters is found without scanning every household. pg_trgm is
-- a trusted extension: the database owner may create it. fastupdate is off: with it
-- on, new entries wait in a pending list that every search reads through until a
-- vacuum, which after a city's import made a search 100 times slower (40 ms, not 0.4).
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX households_address_trgm ON households USING gin (address public.gin_trgm_ops) WITH (fastupdate = off);
