-- Idempotency-Key on POST: the first request's response is kept, so a client's retry gets the
-- same answer instead of filing a second request. Keys belong to the caller (a staff member's
-- subject or an API key), so two systems choosing the same key never collide. The row is
-- written in the same transaction as the request it answers: both exist or neither does.
CREATE TABLE idempotency_keys (
    principal      text        NOT NULL,
    key            text        NOT NULL,
    request_hash   bytea       NOT NULL,
    status_code    int,
    response_body  text,
    location       text,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
