-- ID numbers and phones are sealed (decision 6): each identifier becomes a sealed
-- value (SM4-GCM) and a blind index (HMAC-SM3) that finds it. The columns that held
-- the plain values are renamed to the indexes that replace them, so their unique
-- and search indexes stay where they are: residents.id_number's uniqueness is now
-- id_number_bidx's, the tail index is over id_tail_bidx, the phone index over
-- phone_bidx. Until the program has sealed a row, its *_bidx columns still hold the
-- plain values and id_number_sealed is NULL; keys.Unlock seals such rows, all in one
-- transaction, the first time it opens the database with a key.
ALTER TABLE residents RENAME COLUMN id_number TO id_number_bidx;
ALTER TABLE residents RENAME COLUMN id_tail TO id_tail_bidx;
ALTER TABLE residents RENAME COLUMN phone TO phone_bidx;
ALTER TABLE residents ADD COLUMN id_number_sealed BLOB;
ALTER TABLE residents ADD COLUMN phone_sealed BLOB;

ALTER TABLE workers RENAME COLUMN id_number TO id_number_bidx;
ALTER TABLE workers RENAME COLUMN phone TO phone_bidx;
ALTER TABLE workers ADD COLUMN id_number_sealed BLOB;
ALTER TABLE workers ADD COLUMN phone_sealed BLOB;
