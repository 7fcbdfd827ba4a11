-- Deadlines and supervision as 12345 runs them, as far as the figures need them: warnings sent, supervised
-- orders and the overdue ledger, arbitrations of disputed returns, and appeals of dissatisfied ratings.
-- request_id ties each to the request's place in the tree (request_facts.location_path).
CREATE TABLE deadline_warnings (
    deadline_id   bigint      PRIMARY KEY,
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    clock         text        NOT NULL,
    tier          text        NOT NULL,
    due_at        timestamptz NOT NULL,
    warned_at     timestamptz NOT NULL
);
CREATE INDEX deadline_warnings_at ON deadline_warnings (warned_at);

CREATE TABLE supervision_cases (
    id            uuid        PRIMARY KEY,
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    flagged_at    timestamptz,
    due_at        timestamptz,
    overdue_at    timestamptz,
    done_at       timestamptz,
    done_on_time  boolean
);
CREATE INDEX supervision_cases_flagged ON supervision_cases (flagged_at);

CREATE TABLE arbitration_cases (
    id            uuid        PRIMARY KEY,
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    arbiter_tier  text,
    requested_at  timestamptz,
    decided_at    timestamptz
);
CREATE INDEX arbitration_cases_requested ON arbitration_cases (requested_at);

CREATE TABLE rating_appeal_cases (
    id            uuid        PRIMARY KEY,
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    filed_at      timestamptz,
    decided_at    timestamptz,
    upheld        boolean
);
CREATE INDEX rating_appeal_cases_filed ON rating_appeal_cases (filed_at);

-- An upheld appeal leaves the rating in place and takes it out of the satisfaction rate.
ALTER TABLE request_facts ADD COLUMN rating_excluded boolean NOT NULL DEFAULT false;
