-- Deadlines and supervision as 12345 hotlines run them (docs/dispatch.md, Deadlines and supervision).

-- A county's working-day calendar: Monday to Friday work unless a row says 'holiday'; Saturday and Sunday
-- rest unless a row says 'workday' (the make-up days, 调休). A county enters its year when the State
-- Council publishes it, so these are rows, not code.
CREATE TABLE work_calendar_days (
    county_code text NOT NULL,
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name        text NOT NULL,
    PRIMARY KEY (county_code, day)
);

-- A service level per category and urgency ('*' for any); working_time makes its clocks run only on
-- working days (7 working days for a general request), warn_percent is how far into the time a warning goes out.
ALTER TABLE sla_policies
    ADD COLUMN urgency      text    NOT NULL DEFAULT '*' CHECK (urgency IN ('*', 'normal', 'urgent', 'critical')),
    ADD COLUMN working_time boolean NOT NULL DEFAULT false,
    ADD COLUMN warn_percent int     NOT NULL DEFAULT 80 CHECK (warn_percent BETWEEN 1 AND 99);
ALTER TABLE sla_policies DROP CONSTRAINT sla_policies_pkey;
ALTER TABLE sla_policies ADD PRIMARY KEY (category, urgency);

-- The order keeps its request's urgency, so a tier that takes it by escalation runs the same kind of level.
ALTER TABLE work_orders
    ADD COLUMN urgency      text NOT NULL DEFAULT 'normal',
    ADD COLUMN satisfaction text;

-- A deadline warns once (warned_at set in the transaction that enqueues the warning); working-time clocks
-- are moved on by the calendar, not by wall time, when a suspension ends.
ALTER TABLE work_order_deadlines
    ADD COLUMN warn_at      timestamptz,
    ADD COLUMN warned_at    timestamptz,
    ADD COLUMN working_time boolean NOT NULL DEFAULT false;
CREATE INDEX work_order_deadlines_warn ON work_order_deadlines (warn_at) WHERE state = 'pending' AND warned_at IS NULL;

-- Supervision (督办): a leader flags an order; it carries its own date and stays on the board until resolved.
CREATE TABLE supervisions (
    id              uuid        PRIMARY KEY,
    work_order_id   uuid        NOT NULL REFERENCES work_orders (id),
    flagged_by      text        NOT NULL,
    flagged_by_name text        NOT NULL,
    reason          text        NOT NULL,
    due_at          timestamptz NOT NULL,
    flagged_at      timestamptz NOT NULL,
    state           text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'overdue', 'done')),
    overdue_at      timestamptz,
    done_at         timestamptz
);
CREATE UNIQUE INDEX supervisions_one_running ON supervisions (work_order_id) WHERE state IN ('open', 'overdue');
CREATE INDEX supervisions_due ON supervisions (due_at) WHERE state = 'open';
CREATE INDEX supervisions_flagged_by ON supervisions (flagged_by, state);

-- Arbitration (审定) of a returned order whose responsibility is disputed: the level above decides, once.
CREATE TABLE arbitrations (
    id                uuid        PRIMARY KEY,
    work_order_id     uuid        NOT NULL REFERENCES work_orders (id),
    claim             text        NOT NULL,
    requested_by      text        NOT NULL,
    requested_by_name text        NOT NULL,
    requested_at      timestamptz NOT NULL,
    arbiter_tier      text        NOT NULL,
    state             text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'decided')),
    responsible_id    uuid,
    responsible_name  text,
    decision_reason   text,
    decided_by        text,
    decided_by_name   text,
    decided_at        timestamptz
);
-- One arbitration per order: its decision is final, so there is never a second.
CREATE UNIQUE INDEX arbitrations_one_per_order ON arbitrations (work_order_id);

-- A handler's appeal against a dissatisfied rating, with evidence; decided by the level above. Kept for good:
-- an upheld appeal takes the rating out of the satisfaction rate, it never deletes it.
CREATE TABLE rating_appeals (
    id               uuid        PRIMARY KEY,
    work_order_id    uuid        NOT NULL REFERENCES work_orders (id),
    reason           text        NOT NULL,
    evidence         text        NOT NULL,
    attachment_ids   uuid[]      NOT NULL DEFAULT '{}',
    filed_by         text        NOT NULL,
    filed_by_name    text        NOT NULL,
    filed_at         timestamptz NOT NULL,
    decider_tier     text        NOT NULL,
    state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'upheld', 'rejected')),
    decided_by       text,
    decided_by_name  text,
    decision_reason  text,
    decided_at       timestamptz
);
CREATE UNIQUE INDEX rating_appeals_one_per_order ON rating_appeals (work_order_id);
