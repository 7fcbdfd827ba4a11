-- One row per request, built only from events (RequestSubmitted, WorkOrderAssigned, ...), so the
-- whole table can be rebuilt by replaying them. Events may arrive in any order: each consumer
-- upserts only the columns it knows and never moves a status backwards.
CREATE TABLE request_facts (
    request_id     uuid        PRIMARY KEY,
    ticket_no      text,
    channel        text,
    category       text,
    location_code  text,
    location_path  text[],
    grid_code      text,
    status         text        NOT NULL,
    submitted_at   timestamptz,
    assigned_at    timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_facts_grid_status ON request_facts (grid_code, status);
