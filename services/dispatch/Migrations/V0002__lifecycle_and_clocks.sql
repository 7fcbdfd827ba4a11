-- The work-order lifecycle: states, tiers and the nodes whose staff may see an order.
-- scope_path is the path of the node that answers for the order (the location's grid, or a
-- transferred assignee's node): a staff member sees the order when their scope node is on it,
-- so a grid's workers see their grid, a community's cadres everything under the community.
ALTER TABLE work_orders
    ADD COLUMN tier             text    NOT NULL DEFAULT 'compound' CHECK (tier IN ('compound', 'community', 'subdistrict', 'county')),
    ADD COLUMN scope_path       text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN round            int     NOT NULL DEFAULT 1,
    ADD COLUMN reopen_count     int     NOT NULL DEFAULT 0,
    ADD COLUMN complex          boolean NOT NULL DEFAULT false,
    ADD COLUMN suspended_from   text,
    ADD COLUMN suspended_until  timestamptz;
ALTER TABLE work_orders ADD CONSTRAINT work_orders_status CHECK (status IN
    ('assigned', 'accepted', 'on_site', 'resolved', 'plan_formed', 'returned', 'suspended', 'closed'));
CREATE INDEX work_orders_scope ON work_orders USING gin (scope_path);

-- Orders created before this migration: their location path is the best scope there is.
UPDATE work_orders o SET scope_path = g.path FROM grid_nodes g WHERE g.code = o.location_code;

-- Service-level policy per category; '*' is the default every category without a row gets.
CREATE TABLE sla_policies (
    category        text PRIMARY KEY,
    accept_seconds  int  NOT NULL CHECK (accept_seconds > 0),
    arrive_seconds  int  NOT NULL CHECK (arrive_seconds > 0),
    resolve_seconds int  NOT NULL CHECK (resolve_seconds > 0),
    plan_seconds    int  NOT NULL CHECK (plan_seconds > 0),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- One community's published promise: accept in 1 minute, on site in 30, simple fix in 1 hour,
-- a plan for a complex one in half a working day.
INSERT INTO sla_policies (category, accept_seconds, arrive_seconds, resolve_seconds, plan_seconds)
VALUES ('*', 60, 1800, 3600, 14400);

-- Each clock of an order at a tier in a round (a reopen or transfer starts a new round) is one
-- row, so it can fire at most once; the scheduler claims due rows with FOR UPDATE SKIP LOCKED.
-- 'suspension' rows end a suspension when its limit is reached.
CREATE TABLE work_order_deadlines (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id  uuid        NOT NULL REFERENCES work_orders (id),
    clock          text        NOT NULL CHECK (clock IN ('accept', 'arrive', 'resolve', 'plan', 'suspension')),
    tier           text        NOT NULL,
    round          int         NOT NULL,
    due_at         timestamptz NOT NULL,
    state          text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'paused', 'met', 'missed', 'cancelled')),
    paused_at      timestamptz,
    settled_at     timestamptz,
    UNIQUE (work_order_id, clock, tier, round)
);
CREATE INDEX work_order_deadlines_due ON work_order_deadlines (due_at) WHERE state = 'pending';

-- Whistle and report (吹哨报到): a community or subdistrict calls departments in on an order;
-- each must report in by report_due_at, then record what it did. A department sees an order
-- only through a row here.
CREATE TABLE whistles (
    id             uuid        PRIMARY KEY,
    work_order_id  uuid        NOT NULL REFERENCES work_orders (id),
    blown_by       text        NOT NULL,
    tier           text        NOT NULL,
    reason         text        NOT NULL,
    blown_at       timestamptz NOT NULL
);
CREATE TABLE whistle_departments (
    whistle_id     uuid        NOT NULL REFERENCES whistles (id),
    work_order_id  uuid        NOT NULL REFERENCES work_orders (id),
    department     text        NOT NULL,
    report_due_at  timestamptz NOT NULL,
    reported_at    timestamptz,
    reported_by    text,
    late           boolean,
    missed_at      timestamptz,
    acted_at       timestamptz,
    action         text,
    PRIMARY KEY (whistle_id, department)
);
CREATE INDEX whistle_departments_order ON whistle_departments (work_order_id, department);
CREATE INDEX whistle_departments_due ON whistle_departments (report_due_at) WHERE reported_at IS NULL AND missed_at IS NULL;

-- Who acted, readable in the timeline next to their stable id.
ALTER TABLE work_order_history ADD COLUMN actor_name text;
