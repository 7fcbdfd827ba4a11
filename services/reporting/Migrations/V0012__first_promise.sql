-- On time against the first promise made to the resident (docs/metrics.md). Dispatch's step events now carry the
-- first deadline of their clock (FirstDueAt: the clock of the tier that first had the order); the projections judge
-- each step's time against it and keep it beside the step (accept_due_at, arrive_due_at, plan_clock_due_at,
-- resolve_due_at; for a planned resolution resolve_due_at is the first plan's date). Before, a step judged against
-- the fresh clock an escalation started counted as on time although the resident's first promise was broken.
-- Also kept: the first plan's promised date (plan_due_at) and whether anyone judged the problem complex on site or
-- formed a plan (judged_complex): the plan clock counts only for those, so an order nobody touched, whose plan clock
-- runs out at the county, is not a late plan.
ALTER TABLE request_facts
    ADD COLUMN accept_due_at     timestamptz,
    ADD COLUMN arrive_due_at     timestamptz,
    ADD COLUMN plan_clock_due_at timestamptz,
    ADD COLUMN plan_due_at       timestamptz,
    ADD COLUMN resolve_due_at    timestamptz,
    ADD COLUMN judged_complex    boolean NOT NULL DEFAULT false;

-- The history projected so far carries no first deadlines. What it has: a missed clock recorded at or before the
-- first step means the first promise was broken (every later tier's or round's deadline falls after the first one),
-- so that step was late whatever the tier it was judged at said. A planned resolution keeps its plan-date judgement.
-- Whether an arrival was judged complex was not kept: a formed plan stands for it.
UPDATE request_facts f SET judged_complex = true WHERE f.plan_at IS NOT NULL;
UPDATE request_facts f SET accept_on_time = false
WHERE f.accept_on_time AND EXISTS (SELECT 1 FROM deadline_misses x WHERE x.request_id = f.request_id AND x.clock = 'accept' AND x.at <= f.accepted_at);
UPDATE request_facts f SET arrive_on_time = false
WHERE f.arrive_on_time AND EXISTS (SELECT 1 FROM deadline_misses x WHERE x.request_id = f.request_id AND x.clock = 'arrive' AND x.at <= f.arrived_at);
UPDATE request_facts f SET plan_on_time = false
WHERE f.plan_on_time AND EXISTS (SELECT 1 FROM deadline_misses x WHERE x.request_id = f.request_id AND x.clock = 'plan' AND x.at <= f.plan_at);
UPDATE request_facts f SET resolve_on_time = false
WHERE f.resolve_on_time AND NOT coalesce(f.resolved_at >= f.plan_at, false)
  AND EXISTS (SELECT 1 FROM deadline_misses x WHERE x.request_id = f.request_id AND x.clock = 'resolve' AND x.at <= f.resolved_at);

-- Per tier, how each tier kept its own clocks (the clocks an escalation or a transfer started for it): every step
-- with the tier whose clock judged it and that judgement. The first promise decides the request figures; this table
-- only answers clocksByTier, so a tier that received a late order by escalation is judged on its own minutes.
CREATE TABLE clock_steps (
    work_order_id uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    clock         text        NOT NULL,
    tier          text        NOT NULL,
    at            timestamptz NOT NULL,
    on_time       boolean     NOT NULL,
    PRIMARY KEY (work_order_id, clock, tier, at)
);
CREATE INDEX clock_steps_request ON clock_steps (request_id);
CREATE INDEX deadline_misses_request ON deadline_misses (request_id);

-- kpi_contribution and request_facts_to_kpi_daily now count plan clocks only for problems judged complex
-- (Repeatable/R__kpi_contribution.sql, R__request_facts_to_kpi_daily.sql). Days projected before this script are
-- recounted by `POST /api/v1/reporting/rollup/rebuild?from=…&to=…` after start (docs/migrations.md).
