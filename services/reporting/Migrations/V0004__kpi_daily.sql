-- The daily roll-up of request figures: one row per (day of submission in China time, node), where the
-- node is the request's grid, or the finest place it has when no grid is on its path. Every column is
-- additive, so a period and a subtree are a sum over rows instead of a scan of request_facts.
--
-- It is kept by a trigger on request_facts (Repeatable/R__request_facts_to_kpi_daily.sql): whatever projection changes a fact row, the row's old
-- contribution is taken out and its new one put in, in the same transaction. So a redelivered or
-- replayed event that leaves the fact unchanged changes nothing here either, and a late event moves
-- the counters exactly as it moves the fact.

-- What the roll-up needs from other tables sits on the fact row, so one row holds a request's whole
-- contribution: clocks missed (DeadlineMissed), whistles and councils on the request.
ALTER TABLE request_facts
    ADD COLUMN missed_clocks text[] NOT NULL DEFAULT '{}',
    ADD COLUMN whistle_count int    NOT NULL DEFAULT 0,
    ADD COLUMN council_count int    NOT NULL DEFAULT 0;

UPDATE request_facts f SET missed_clocks = m.clocks
FROM (SELECT request_id, array_agg(DISTINCT clock ORDER BY clock) AS clocks FROM deadline_misses GROUP BY 1) m
WHERE m.request_id = f.request_id;
UPDATE request_facts f SET whistle_count = w.n
FROM (SELECT request_id, count(*) AS n FROM whistles GROUP BY 1) w WHERE w.request_id = f.request_id;
UPDATE request_facts f SET council_count = c.n
FROM (SELECT request_id, count(*) AS n FROM councils GROUP BY 1) c WHERE c.request_id = f.request_id;

CREATE TABLE kpi_daily (
    day             date    NOT NULL,
    node            text    NOT NULL,
    -- The node's path from the root: "under X" is path @> ARRAY[X] for X at the node or above it.
    path            text[]  NOT NULL,
    requests        bigint  NOT NULL,
    duplicates      bigint  NOT NULL,
    own             bigint  NOT NULL,
    accepted        bigint  NOT NULL,
    resolved        bigint  NOT NULL,
    closed          bigint  NOT NULL,
    rated           bigint  NOT NULL,
    satisfied       bigint  NOT NULL,
    reopened        bigint  NOT NULL,
    accept_on_time  bigint  NOT NULL,
    accept_ended    bigint  NOT NULL,
    arrive_on_time  bigint  NOT NULL,
    arrive_ended    bigint  NOT NULL,
    plan_on_time    bigint  NOT NULL,
    plan_ended      bigint  NOT NULL,
    resolve_on_time bigint  NOT NULL,
    resolve_ended   bigint  NOT NULL,
    -- Exact (numeric) so that adding and taking out the same request leaves no rounding behind.
    handling_seconds numeric NOT NULL,
    -- Own resolved requests per handling-time bucket (see kpi_handling_bucket): percentiles are not additive.
    handling_buckets bigint[] NOT NULL,
    whistles        bigint  NOT NULL,
    councils        bigint  NOT NULL,
    PRIMARY KEY (day, node)
);

-- WorkerDutyChanged, kept as history: who was on duty where at any moment of a period is the newest
-- change before it, whatever order the changes arrived in.
CREATE TABLE worker_duty_changes (
    worker_id uuid        NOT NULL,
    at        timestamptz NOT NULL,
    node_code text        NOT NULL,
    role      text        NOT NULL,
    on_duty   boolean     NOT NULL,
    PRIMARY KEY (worker_id, at)
);
CREATE INDEX worker_duty_changes_node ON worker_duty_changes (node_code, at);
