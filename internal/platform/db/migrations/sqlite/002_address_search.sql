-- Address search: a trigram index over household addresses, so that a fragment of
-- three or more characters ("平塘路3号") is found without scanning every household.
-- Contentless: it keeps only the index; rowid is the household's rowid. The
-- registry store keeps it in step with households (no triggers: see decision 1).
CREATE VIRTUAL TABLE household_address_fts USING fts5 (
    address, content = '', tokenize = 'trigram', contentless_delete = 1
);
