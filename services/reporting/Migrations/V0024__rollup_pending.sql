-- Roll-up changes wait here until their transaction commits, then are applied together in one global key order
-- (Repeatable/R__request_facts_to_rollups.sql writes them, R__rollups_apply.sql applies them). Before this, each
-- fact change upserted up to four roll-up rows at once, as a subtraction and an addition each, in the order the
-- events came: two transactions of several events each took the same day's rows in opposite orders and
-- deadlocked, and every change held its rows' locks for the rest of its transaction.
--
-- One row per contribution taken out (sign -1) or put in (sign 1), tagged with the transaction's id. They live
-- only inside their transaction (the commit-time apply deletes them; a rolled-back transaction's rows are never
-- seen), so the tables are unlogged: no WAL for them, and a crash that empties them loses nothing.
CREATE UNLOGGED TABLE kpi_daily_pending (
    xid             xid8    NOT NULL,
    sign            int     NOT NULL,
    -- kpi_contribution's columns, in its order.
    day             date    NOT NULL,
    node            text    NOT NULL,
    path            text[]  NOT NULL,
    requests        int     NOT NULL,
    duplicates      int     NOT NULL,
    own             int     NOT NULL,
    accepted        int     NOT NULL,
    resolved        int     NOT NULL,
    closed          int     NOT NULL,
    rated           int     NOT NULL,
    satisfied       int     NOT NULL,
    reopened        int     NOT NULL,
    accept_on_time  int     NOT NULL,
    accept_ended    int     NOT NULL,
    arrive_on_time  int     NOT NULL,
    arrive_ended    int     NOT NULL,
    plan_on_time    int     NOT NULL,
    plan_ended      int     NOT NULL,
    resolve_on_time int     NOT NULL,
    resolve_ended   int     NOT NULL,
    handling_seconds numeric NOT NULL,
    bucket          int,
    whistles        int     NOT NULL,
    councils        int     NOT NULL,
    plan_kept       int     NOT NULL,
    plan_due_ended  int     NOT NULL
);
CREATE INDEX kpi_daily_pending_xid ON kpi_daily_pending (xid);

CREATE UNLOGGED TABLE kpi_mix_pending (
    xid       xid8    NOT NULL,
    sign      int     NOT NULL,
    -- kpi_mix_contribution's columns, in its order.
    day       date    NOT NULL,
    place     text    NOT NULL,
    path      text[]  NOT NULL,
    category  text    NOT NULL,
    channel   text    NOT NULL,
    requests  int     NOT NULL,
    resolved  int     NOT NULL
);
CREATE INDEX kpi_mix_pending_xid ON kpi_mix_pending (xid);

-- One row per transaction with changes waiting: its insert queues the commit-time apply (a deferred constraint
-- trigger fires once per row inserted, so once per transaction, however many facts it changed).
CREATE UNLOGGED TABLE rollup_pending (xid xid8 PRIMARY KEY);
