-- Intake's outcomes (RequestClosed, RequestReopened) travel on their own queues and can overtake
-- the request's RequestSubmitted, e.g. while dispatch works through a backlog. Such an outcome is
-- kept here, not dropped, and applied once the request's work order exists.
CREATE TABLE pending_request_outcomes (
    id          bigserial   PRIMARY KEY,
    request_id  uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('closed', 'reopened')),
    at          timestamptz NOT NULL,
    body        jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_request_outcomes_request ON pending_request_outcomes (request_id);
