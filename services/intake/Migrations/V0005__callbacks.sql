-- The phone callback (电话回访) after resolution. Resolution and satisfaction are kept apart: a
-- request can be resolved and the resident still dissatisfied, and reports count both.
CREATE TABLE request_callbacks (
    id            uuid        PRIMARY KEY,
    request_id    uuid        NOT NULL REFERENCES requests (id),
    reached       boolean     NOT NULL,
    satisfaction  text        CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    comment       text,
    -- What the callback led to: closed, reopened, or pending (resident not reached).
    outcome       text        NOT NULL CHECK (outcome IN ('closed', 'reopened', 'pending')),
    recorded_by   text        NOT NULL,
    at            timestamptz NOT NULL,
    CHECK (reached = (satisfaction IS NOT NULL))
);
CREATE INDEX request_callbacks_by_request ON request_callbacks (request_id, at);

-- The latest satisfaction, for lists and reports; the history is in request_callbacks.
ALTER TABLE requests ADD COLUMN satisfaction text, ADD COLUMN closed_at timestamptz;
