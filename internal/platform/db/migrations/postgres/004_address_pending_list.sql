-- The address index takes new entries into a small pending list again, and bulk
-- loads empty it when they finish (gin_clean_pending_list). Inserting entries into
-- the GIN tree one by one (fastupdate = off, migration 002) made an import of a
-- city's 142,176 households take 13 s in the index alone, against 3 s through a
-- pending list of 256 kB; the 100-fold slower searches that made 002 turn it off
-- came from a city's whole load waiting in the default 4 MB list until a vacuum,
-- which the clean-up at the end of each load now prevents. A 256 kB list holds at
-- most a few thousand single-row changes and is read through in well under 1 ms.
ALTER INDEX households_address_trgm SET (fastupdate = on, gin_pending_list_limit = 256);
