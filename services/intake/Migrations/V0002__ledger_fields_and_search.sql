-- The rest of the ledger's fields, and the indexes its search needs.

-- Trigram matching makes "free text anywhere in the description" an index lookup. It works on
-- Chinese without a word-segmentation library: trigrams are taken over characters, not words.
-- pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE requests
    ADD COLUMN attachments     text[]      NOT NULL DEFAULT '{}',
    -- The other city system's own id for the request, and which system that is (for API-key
    -- callers, the key's name), so a request can be found by the id its source knows.
    ADD COLUMN external_system text,
    ADD COLUMN external_id     text,
    ADD COLUMN updated_at      timestamptz;
UPDATE requests SET updated_at = submitted_at;
ALTER TABLE requests ALTER COLUMN updated_at SET NOT NULL;

-- An external system filing the same id twice is a retry, never a second request.
CREATE UNIQUE INDEX requests_external ON requests (external_system, external_id) WHERE external_id IS NOT NULL;

-- Every list is newest first; these serve the common filters without a scan of the ledger.
CREATE INDEX requests_status_submitted   ON requests (status, submitted_at DESC);
CREATE INDEX requests_category_submitted ON requests (category, submitted_at DESC);
CREATE INDEX requests_channel_submitted  ON requests (channel, submitted_at DESC);
CREATE INDEX requests_description_trgm   ON requests USING gin (description gin_trgm_ops);
CREATE INDEX requests_address_trgm       ON requests USING gin (address gin_trgm_ops);
