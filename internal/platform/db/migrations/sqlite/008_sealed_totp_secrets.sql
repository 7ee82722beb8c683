-- TOTP secrets are sealed (decision 6, amended): a copy of the database must not
-- yield users' second factor. Each secret moves to a sealed column (SM4-GCM, purpose
-- totp_secret), NULL when the user has none. The columns that held them in the clear
-- are renamed *_clear, so that nothing reads them as secrets any more: a migration
-- runs before the key is known, so keys.Unlock seals what they hold and empties
-- them, on the first start with a key, in one transaction. Nothing writes them again.
ALTER TABLE users RENAME COLUMN totp_secret TO totp_secret_clear;
ALTER TABLE users RENAME COLUMN totp_pending_secret TO totp_pending_clear;
ALTER TABLE users ADD COLUMN totp_secret_sealed BLOB;
ALTER TABLE users ADD COLUMN totp_pending_sealed BLOB;
