-- Adds (sign 1) or takes out (sign -1) one fact row's contribution, to its node's row and to its subdistrict's.
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
    -- The same contribution to its subdistrict's row (V0023__county_rollups.sql).
    INSERT INTO kpi_daily_county AS k (day, node, path, requests, duplicates, own, accepted, resolved, closed, rated, satisfied,
                                reopened, accept_on_time, accept_ended, arrive_on_time, arrive_ended, plan_on_time,
                                plan_ended, resolve_on_time, resolve_ended, handling_seconds, handling_buckets, whistles, councils,
                                plan_kept, plan_due_ended)
    VALUES (c.day, coalesce(c.path[least(2, cardinality(c.path))], ''), c.path[1:2], sign * c.requests, sign * c.duplicates, sign * c.own, sign * c.accepted,
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
        UPDATE kpi_daily_county SET handling_buckets[c.bucket] = handling_buckets[c.bucket] + sign
        WHERE day = c.day AND node = coalesce(c.path[least(2, cardinality(c.path))], '');
    END IF;
END
$$;
