-- The plan_due clock: a formed plan promises the work done by a date of its own, and dispatch judges the
-- resolution of a planned order against that date (WorkOrderResolved.OnTime), not against the 1-hour fix clock it
-- cancelled. So a request whose first resolution came at or after its plan (a "planned resolution") is:
--   * out of the 1-hour fix clock's on-time rate (resolve_on_time / resolve_ended), unless it missed that clock
--     (a DeadlineMissed for 'resolve' before the plan) — then it stays a miss there, as before;
--   * in the plan-kept rate: kept (plan_kept) when that resolution was on time and no plan_due clock was missed;
--     ended (plan_due_ended) when it was resolved after its plan or its plan_due clock was missed.
-- Clock names are matched exactly (= ANY), so 'plan_due' in missed_clocks never counts as the 'plan' clock.
ALTER TABLE kpi_daily
    ADD COLUMN plan_kept      bigint NOT NULL DEFAULT 0,
    ADD COLUMN plan_due_ended bigint NOT NULL DEFAULT 0;

-- The return type changes, so the function is dropped and created again; its callers are plpgsql and resolve it
-- at call time.
DROP FUNCTION kpi_contribution(request_facts);

CREATE FUNCTION kpi_contribution(r request_facts)
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
           (o.own AND (r.plan_on_time IS NOT NULL OR 'plan' = ANY(r.missed_clocks)))::int,
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

CREATE OR REPLACE FUNCTION kpi_daily_apply(r request_facts, sign int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM kpi_contribution(r);
    IF NOT FOUND THEN RETURN; END IF;
    INSERT INTO kpi_daily AS k (day, node, path, requests, duplicates, own, accepted, resolved, closed, rated, satisfied,
                                reopened, accept_on_time, accept_ended, arrive_on_time, arrive_ended, plan_on_time,
                                plan_ended, resolve_on_time, resolve_ended, handling_seconds, handling_buckets, whistles, councils,
                                plan_kept, plan_due_ended)
    VALUES (c.day, c.node, c.path, sign * c.requests, sign * c.duplicates, sign * c.own, sign * c.accepted,
            sign * c.resolved, sign * c.closed, sign * c.rated, sign * c.satisfied, sign * c.reopened,
            sign * c.accept_on_time, sign * c.accept_ended, sign * c.arrive_on_time, sign * c.arrive_ended,
            sign * c.plan_on_time, sign * c.plan_ended, sign * c.resolve_on_time, sign * c.resolve_ended,
            sign * c.handling_seconds, array_fill(0::bigint, ARRAY[50]), sign * c.whistles, sign * c.councils,
            sign * c.plan_kept, sign * c.plan_due_ended)
    ON CONFLICT (day, node) DO UPDATE SET
        path = excluded.path,
        requests = k.requests + excluded.requests, duplicates = k.duplicates + excluded.duplicates,
        own = k.own + excluded.own, accepted = k.accepted + excluded.accepted, resolved = k.resolved + excluded.resolved,
        closed = k.closed + excluded.closed, rated = k.rated + excluded.rated, satisfied = k.satisfied + excluded.satisfied,
        reopened = k.reopened + excluded.reopened,
        accept_on_time = k.accept_on_time + excluded.accept_on_time, accept_ended = k.accept_ended + excluded.accept_ended,
        arrive_on_time = k.arrive_on_time + excluded.arrive_on_time, arrive_ended = k.arrive_ended + excluded.arrive_ended,
        plan_on_time = k.plan_on_time + excluded.plan_on_time, plan_ended = k.plan_ended + excluded.plan_ended,
        resolve_on_time = k.resolve_on_time + excluded.resolve_on_time, resolve_ended = k.resolve_ended + excluded.resolve_ended,
        handling_seconds = k.handling_seconds + excluded.handling_seconds,
        whistles = k.whistles + excluded.whistles, councils = k.councils + excluded.councils,
        plan_kept = k.plan_kept + excluded.plan_kept, plan_due_ended = k.plan_due_ended + excluded.plan_due_ended;
    IF c.bucket IS NOT NULL THEN
        UPDATE kpi_daily SET handling_buckets[c.bucket] = handling_buckets[c.bucket] + sign
        WHERE day = c.day AND node = c.node;
    END IF;
END
$$;

-- A plan's time now decides whether a resolution is planned: the trigger recomputes when it moves.
CREATE OR REPLACE FUNCTION request_facts_to_kpi_daily() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.submitted_at, OLD.location_path, OLD.grid_code, OLD.duplicate_of IS NULL, OLD.accepted_at,
            OLD.resolved_at, OLD.closed_at, OLD.satisfaction, OLD.reopen_count > 0, OLD.accept_on_time, OLD.arrive_on_time,
            OLD.plan_at, OLD.plan_on_time, OLD.resolve_on_time, OLD.missed_clocks, OLD.whistle_count, OLD.council_count)
        IS NOT DISTINCT FROM (NEW.submitted_at, NEW.location_path, NEW.grid_code, NEW.duplicate_of IS NULL, NEW.accepted_at,
            NEW.resolved_at, NEW.closed_at, NEW.satisfaction, NEW.reopen_count > 0, NEW.accept_on_time, NEW.arrive_on_time,
            NEW.plan_at, NEW.plan_on_time, NEW.resolve_on_time, NEW.missed_clocks, NEW.whistle_count, NEW.council_count) THEN
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

CREATE OR REPLACE FUNCTION kpi_daily_rebuild(from_day date, to_day date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(x'6b70695f7275'::bigint);
    DELETE FROM kpi_daily WHERE day BETWEEN from_day AND to_day;
    WITH c AS (
        SELECT k.* FROM request_facts f CROSS JOIN LATERAL kpi_contribution(f) k
        -- A day in China time starts at 16:00 UTC of the day before; a day's margin each side, then exact.
        WHERE f.submitted_at >= from_day - 1 AND f.submitted_at < to_day + 2
          AND k.day BETWEEN from_day AND to_day),
    b AS (SELECT day, node, bucket, count(*) AS n FROM c WHERE bucket IS NOT NULL GROUP BY 1, 2, 3),
    -- Dense 50-slot arrays built in one hashed pass, not a lookup per row.
    h AS (SELECT d.day, d.node, array_agg(coalesce(b.n, 0) ORDER BY i) AS buckets
          FROM (SELECT DISTINCT day, node FROM b) d CROSS JOIN generate_series(1, 50) i
          LEFT JOIN b ON b.day = d.day AND b.node = d.node AND b.bucket = i
          GROUP BY d.day, d.node)
    INSERT INTO kpi_daily (day, node, path, requests, duplicates, own, accepted, resolved, closed, rated, satisfied,
                           reopened, accept_on_time, accept_ended, arrive_on_time, arrive_ended, plan_on_time,
                           plan_ended, resolve_on_time, resolve_ended, handling_seconds, handling_buckets, whistles, councils,
                           plan_kept, plan_due_ended)
    SELECT s.day, s.node, max(s.path), sum(s.requests), sum(s.duplicates), sum(s.own), sum(s.accepted), sum(s.resolved),
           sum(s.closed), sum(s.rated), sum(s.satisfied), sum(s.reopened), sum(s.accept_on_time), sum(s.accept_ended),
           sum(s.arrive_on_time), sum(s.arrive_ended), sum(s.plan_on_time), sum(s.plan_ended), sum(s.resolve_on_time),
           sum(s.resolve_ended), sum(s.handling_seconds),
           coalesce(min(h.buckets), array_fill(0::bigint, ARRAY[50])),
           sum(s.whistles), sum(s.councils), sum(s.plan_kept), sum(s.plan_due_ended)
    FROM c s LEFT JOIN h ON h.day = s.day AND h.node = s.node GROUP BY s.day, s.node;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;

-- Every day projected so far, under the new rule.
SELECT kpi_daily_rebuild(d.lo, d.hi)
FROM (SELECT min(submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS lo, max(submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS hi
      FROM request_facts) d
WHERE d.lo IS NOT NULL;
