-- Read models for every event reporting consumes. Each table is keyed by the event's natural key
-- (request, work order, whistle + department, case, entry...), so replaying the same events, even
-- under new message ids, lands on the same rows: the inbox stops redelivery, the keys stop replays.
-- No table holds residents' names or phones; people on the staff side appear only as opaque ids.

-- The lifecycle of a request, one row each. Events arrive in any order: status follows the newest
-- event by (time, rank), "first" columns keep the earliest value and "last" columns the latest.
ALTER TABLE request_facts
    ALTER COLUMN status SET DEFAULT 'unknown',
    ADD COLUMN urgency            text,
    ADD COLUMN category_at        timestamptz,
    ADD COLUMN status_rank        int         NOT NULL DEFAULT 0,
    ADD COLUMN status_at          timestamptz,
    ADD COLUMN work_order_id      uuid,
    ADD COLUMN assignee_kind      text,
    -- The assignee's name only when it is a body (a property company), never a person.
    ADD COLUMN property_company   text,
    ADD COLUMN accepted_at        timestamptz,
    ADD COLUMN accept_on_time     boolean,
    ADD COLUMN arrived_at         timestamptz,
    ADD COLUMN arrive_on_time     boolean,
    ADD COLUMN plan_at            timestamptz,
    ADD COLUMN plan_on_time       boolean,
    ADD COLUMN resolved_at        timestamptz,
    ADD COLUMN resolve_on_time    boolean,
    ADD COLUMN last_resolved_at   timestamptz,
    ADD COLUMN closed_at          timestamptz,
    ADD COLUMN callback_at        timestamptz,
    ADD COLUMN callback_reached   boolean,
    ADD COLUMN satisfaction       text,
    ADD COLUMN satisfaction_at    timestamptz,
    ADD COLUMN reopen_count       int         NOT NULL DEFAULT 0,
    ADD COLUMN duplicate_of       uuid,
    ADD COLUMN duplicate_at       timestamptz;

CREATE INDEX request_facts_submitted ON request_facts (submitted_at);
CREATE INDEX request_facts_path ON request_facts USING gin (location_path);
CREATE INDEX request_facts_work_order ON request_facts (work_order_id);

-- Returns, transfers, suspensions and resumptions: counted, never needed in order.
CREATE TABLE work_order_events (
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    kind          text        NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (work_order_id, kind, at)
);

CREATE TABLE deadline_misses (
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    clock         text        NOT NULL,
    tier          text        NOT NULL,
    due_at        timestamptz NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (work_order_id, clock, tier)
);

CREATE TABLE escalations (
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    from_tier     text        NOT NULL,
    to_tier       text        NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (work_order_id, to_tier, at)
);
CREATE INDEX escalations_request ON escalations (request_id);

CREATE TABLE councils (
    council_id     uuid        PRIMARY KEY,
    work_order_id  uuid        NOT NULL,
    request_id     uuid        NOT NULL,
    kind           text        NOT NULL,
    attendee_count int         NOT NULL,
    at             timestamptz NOT NULL
);

CREATE TABLE whistles (
    whistle_id    uuid        PRIMARY KEY,
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    tier          text        NOT NULL,
    report_due_at timestamptz NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX whistles_request ON whistles (request_id);

-- One row per whistled department; a report may arrive before the whistle itself.
CREATE TABLE whistle_departments (
    whistle_id    uuid        NOT NULL,
    department    text        NOT NULL,
    reported_at   timestamptz,
    late          boolean,
    acted_at      timestamptz,
    missed_at     timestamptz,
    PRIMARY KEY (whistle_id, department)
);

CREATE TABLE mediation_cases (
    case_id        uuid        PRIMARY KEY,
    request_id     uuid,
    community_code text        NOT NULL,
    kind           text,
    opened_at      timestamptz,
    outcome        text,
    sessions       int,
    closed_at      timestamptz
);

CREATE TABLE volunteer_services (
    service_id    uuid          PRIMARY KEY,
    volunteer_id  uuid          NOT NULL,
    activity_type text          NOT NULL,
    grid_code     text          NOT NULL,
    unit_id       uuid,
    hours         numeric(8,2)  NOT NULL,
    at            timestamptz   NOT NULL
);
CREATE INDEX volunteer_services_at ON volunteer_services (at);

-- Every movement of points, keyed by what caused it (award:<entry>, redeem:<redemption>, ...).
CREATE TABLE points_movements (
    movement_key  text        PRIMARY KEY,
    kind          text        NOT NULL,
    volunteer_id  uuid        NOT NULL,
    points        bigint      NOT NULL,
    grid_code     text,
    unit_id       uuid,
    at            timestamptz NOT NULL
);
CREATE INDEX points_movements_at ON points_movements (at);

CREATE TABLE party_member_reports (
    volunteer_id   uuid        NOT NULL,
    unit_id        uuid        NOT NULL,
    community_code text        NOT NULL,
    at             timestamptz NOT NULL,
    PRIMARY KEY (volunteer_id, unit_id)
);

CREATE TABLE categories (
    code         text        PRIMARY KEY,
    parent_code  text,
    name_zh      text        NOT NULL,
    name_en      text        NOT NULL,
    default_tier text        NOT NULL,
    active       boolean     NOT NULL,
    changed_at   timestamptz NOT NULL
);
