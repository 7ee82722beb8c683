-- Address search: a trigram index over household addresses, so that LIKE '%fragment%'
-- with three or more characters is found without scanning every household. pg_trgm is
-- a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX households_address_trgm ON households USING gin (address public.gin_trgm_ops);
