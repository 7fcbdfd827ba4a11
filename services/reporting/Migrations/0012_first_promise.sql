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

CREATE OR REPLACE FUNCTION kpi_contribution(r request_facts)
RETURNS TABLE (day date, node text, path text[], requests int, duplicates int, own int, accepted int, resolved int,
               closed int, rated int, satisfied int, reopened int, accept_on_time int, accept_ended int,
               arrive_on_time int, arrive_ended int, plan_on_time int, plan_ended int, resolve_on_time int,
               resolve_ended int, handling_seconds numeric, bucket int, whistles int, councils int, plan_kept int,
               plan_due_ended int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
           coalesce(p.path[array_length(p.path, 1)], ''), p.path,
           1, (NOT o.own)::int, o.own::int,
           (o.own AND r.accepted_at IS NOT NULL)::int,
           (o.own AND r.resolved_at IS NOT NULL)::int,
           (o.own AND r.closed_at IS NOT NULL)::int,
           (o.own AND r.satisfaction IS NOT NULL)::int,
           (o.own AND coalesce(r.satisfaction IN ('satisfied', 'basically_satisfied'), false))::int,
           (o.own AND r.reopen_count > 0)::int,
           (o.own AND r.accept_on_time IS TRUE)::int,
           (o.own AND (r.accept_on_time IS NOT NULL OR 'accept' = ANY(r.missed_clocks)))::int,
           (o.own AND r.arrive_on_time IS TRUE)::int,
           (o.own AND (r.arrive_on_time IS NOT NULL OR 'arrive' = ANY(r.missed_clocks)))::int,
           (o.own AND r.plan_on_time IS TRUE)::int,
           (o.own AND (r.plan_on_time IS NOT NULL OR ('plan' = ANY(r.missed_clocks) AND r.judged_complex)))::int,
           (o.own AND r.resolve_on_time IS TRUE AND NOT o.planned)::int,
           (o.own AND ((r.resolve_on_time IS NOT NULL AND NOT o.planned) OR 'resolve' = ANY(r.missed_clocks)))::int,
           CASE WHEN o.own AND r.resolved_at IS NOT NULL THEN extract(epoch FROM r.resolved_at - r.submitted_at) ELSE 0 END,
           CASE WHEN o.own AND r.resolved_at IS NOT NULL
                THEN kpi_handling_bucket(extract(epoch FROM r.resolved_at - r.submitted_at)::float8 / 60) END,
           r.whistle_count, r.council_count,
           (o.own AND o.planned AND r.resolve_on_time IS TRUE AND NOT 'plan_due' = ANY(r.missed_clocks))::int,
           (o.own AND (o.planned OR 'plan_due' = ANY(r.missed_clocks)))::int
    FROM (SELECT r.duplicate_of IS NULL AS own, coalesce(r.resolved_at >= r.plan_at, false) AS planned) o,
         (SELECT CASE WHEN array_position(r.location_path, r.grid_code) IS NOT NULL
                      THEN r.location_path[1:array_position(r.location_path, r.grid_code)]
                      ELSE coalesce(r.location_path, '{}') END AS path) p
    WHERE r.submitted_at IS NOT NULL
$$;

-- Whether the problem was judged complex now decides whether a missed plan clock counts.
CREATE OR REPLACE FUNCTION request_facts_to_kpi_daily() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.submitted_at, OLD.location_path, OLD.grid_code, OLD.duplicate_of IS NULL, OLD.accepted_at,
            OLD.resolved_at, OLD.closed_at, OLD.satisfaction, OLD.reopen_count > 0, OLD.accept_on_time, OLD.arrive_on_time,
            OLD.plan_at, OLD.plan_on_time, OLD.resolve_on_time, OLD.missed_clocks, OLD.whistle_count, OLD.council_count, OLD.judged_complex)
        IS NOT DISTINCT FROM (NEW.submitted_at, NEW.location_path, NEW.grid_code, NEW.duplicate_of IS NULL, NEW.accepted_at,
            NEW.resolved_at, NEW.closed_at, NEW.satisfaction, NEW.reopen_count > 0, NEW.accept_on_time, NEW.arrive_on_time,
            NEW.plan_at, NEW.plan_on_time, NEW.resolve_on_time, NEW.missed_clocks, NEW.whistle_count, NEW.council_count, NEW.judged_complex) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(x'6b70695f7275'::bigint);
    -- Rows are touched in key order, so two requests moving between the same two days cannot deadlock.
    IF TG_OP = 'UPDATE' AND OLD.submitted_at IS NOT NULL AND NEW.submitted_at IS NOT NULL
       AND NEW.submitted_at < OLD.submitted_at THEN
        PERFORM kpi_daily_apply(NEW, 1);
        PERFORM kpi_daily_apply(OLD, -1);
    ELSE
        IF TG_OP <> 'INSERT' THEN PERFORM kpi_daily_apply(OLD, -1); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM kpi_daily_apply(NEW, 1); END IF;
    END IF;
    RETURN NULL;
END
$$;

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

-- Every day projected so far, under the new rules.
SELECT kpi_daily_rebuild(d.lo, d.hi)
FROM (SELECT min(submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS lo, max(submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS hi
      FROM request_facts) d
WHERE d.lo IS NOT NULL;
