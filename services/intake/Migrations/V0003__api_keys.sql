-- API keys of other city systems (a 12345 hotline platform, city management). Only a SHA-256 of
-- each key is kept; the key itself is shown once, when it is issued. Revoking keeps the row, so
-- the ledger can still say which system filed a request. Names repeat on purpose: rotating a
-- key means issuing a second one under the same name before revoking the first, and requests
-- filed under either count as that system's for the one-filing-per-external-id rule.
CREATE TABLE api_keys (
    id                     uuid        PRIMARY KEY,
    name                   text        NOT NULL,
    key_prefix             text        NOT NULL,
    key_hash               bytea       NOT NULL UNIQUE,
    rate_limit_per_minute  int         NOT NULL CHECK (rate_limit_per_minute > 0),
    created_by             text        NOT NULL,
    created_at             timestamptz NOT NULL,
    revoked_at             timestamptz
);
