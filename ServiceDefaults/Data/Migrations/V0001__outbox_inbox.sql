-- The transactional outbox: events are written here in the same transaction as the state
-- change they describe, and the relay publishes them to RabbitMQ afterwards.
CREATE TABLE outbox_messages (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    uuid        NOT NULL UNIQUE,
    message_type  text        NOT NULL,
    body          jsonb       NOT NULL,
    trace_parent  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    attempts      int         NOT NULL DEFAULT 0,
    last_error    text
);

-- The relay only ever scans what is still to be published.
CREATE INDEX outbox_messages_pending ON outbox_messages (id) WHERE published_at IS NULL;

-- The inbox: one row per (message, consumer) already handled, written in the consumer's own
-- transaction, so a redelivered message changes nothing the second time.
CREATE TABLE inbox_messages (
    message_id   uuid        NOT NULL,
    consumer     text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, consumer)
);
