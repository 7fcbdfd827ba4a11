-- Every request's timeline: what happened to it and when, from submission to the last callback,
-- built from intake's own actions and dispatch's events. The request's status is the latest
-- entry's (by the time it happened, not the order messages arrived in).
CREATE TABLE request_timeline (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid        NOT NULL REFERENCES requests (id),
    event       text        NOT NULL CHECK (event IN ('submitted', 'assigned', 'accepted', 'on_site', 'escalated', 'whistled',
                                                      'resolved', 'plan_formed', 'callback', 'reopened', 'closed')),
    at          timestamptz NOT NULL,
    actor       text,
    detail      jsonb       NOT NULL DEFAULT '{}',
    -- What makes an entry the same entry when two sources report it (intake and dispatch both
    -- report a reopening) or a source reports it twice under different message ids.
    dedupe_key  text        NOT NULL,
    UNIQUE (request_id, dedupe_key)
);
CREATE INDEX request_timeline_by_request ON request_timeline (request_id, at);

INSERT INTO request_timeline (request_id, event, at, actor, dedupe_key)
SELECT id, 'submitted', submitted_at, channel, 'submitted' FROM requests;

-- How often a dissatisfied resident has reopened the request; the limit is a setting.
ALTER TABLE requests ADD COLUMN reopen_count int NOT NULL DEFAULT 0;
