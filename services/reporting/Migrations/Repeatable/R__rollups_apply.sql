-- Applies at commit what a transaction's fact changes noted in kpi_daily_pending and kpi_mix_pending
-- (R__request_facts_to_rollups.sql): per roll-up row one upsert of the summed change, only where it is not zero,
-- tables always in the same order (kpi_daily, kpi_daily_county, kpi_mix, kpi_mix_county) and each table's rows in
-- key order, so any two transactions take the roll-up rows they share in the same order and cannot deadlock on
-- them. A row's path is the one its newest contribution names (the one put in, else the one taken out). Called by a
-- deferred constraint trigger on rollup_pending, whose row the first change of a transaction
-- inserts.
CREATE OR REPLACE FUNCTION rollups_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    x xid8 := NEW.xid;
BEGIN
    DELETE FROM rollup_pending p WHERE p.xid = x;
    PERFORM set_config('reporting.rollups_pending', '', true);

    INSERT INTO kpi_daily AS k (day, node, path, requests, duplicates, own, accepted, resolved, closed, rated, satisfied,
                                reopened, accept_on_time, accept_ended, arrive_on_time, arrive_ended, plan_on_time,
                                plan_ended, resolve_on_time, resolve_ended, handling_seconds, handling_buckets, whistles,
                                councils, plan_kept, plan_due_ended)
    SELECT * FROM (
        SELECT p.day, p.node, coalesce(max(p.path) FILTER (WHERE p.sign > 0), max(p.path)), sum(p.sign * p.requests) AS requests,
               sum(p.sign * p.duplicates) AS duplicates, sum(p.sign * p.own) AS own, sum(p.sign * p.accepted) AS accepted,
               sum(p.sign * p.resolved) AS resolved, sum(p.sign * p.closed) AS closed, sum(p.sign * p.rated) AS rated,
               sum(p.sign * p.satisfied) AS satisfied, sum(p.sign * p.reopened) AS reopened,
               sum(p.sign * p.accept_on_time) AS accept_on_time, sum(p.sign * p.accept_ended) AS accept_ended,
               sum(p.sign * p.arrive_on_time) AS arrive_on_time, sum(p.sign * p.arrive_ended) AS arrive_ended,
               sum(p.sign * p.plan_on_time) AS plan_on_time, sum(p.sign * p.plan_ended) AS plan_ended,
               sum(p.sign * p.resolve_on_time) AS resolve_on_time, sum(p.sign * p.resolve_ended) AS resolve_ended,
               sum(p.sign * p.handling_seconds) AS handling_seconds,
               kpi_buckets_of(array_agg(p.bucket) FILTER (WHERE p.bucket IS NOT NULL),
                              array_agg(p.sign) FILTER (WHERE p.bucket IS NOT NULL)) AS handling_buckets,
               sum(p.sign * p.whistles) AS whistles, sum(p.sign * p.councils) AS councils,
               sum(p.sign * p.plan_kept) AS plan_kept, sum(p.sign * p.plan_due_ended) AS plan_due_ended
        FROM kpi_daily_pending p WHERE p.xid = x
        GROUP BY p.day, p.node) d
    WHERE (requests, duplicates, own, accepted, resolved, closed, rated, satisfied, reopened, accept_on_time, accept_ended,
           arrive_on_time, arrive_ended, plan_on_time, plan_ended, resolve_on_time, resolve_ended, handling_seconds, whistles,
           councils, plan_kept, plan_due_ended)
          <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
       OR handling_buckets <> array_fill(0::bigint, ARRAY[50])
    ORDER BY day, node
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
        handling_buckets = kpi_buckets_plus(k.handling_buckets, excluded.handling_buckets),
        whistles = k.whistles + excluded.whistles, councils = k.councils + excluded.councils,
        plan_kept = k.plan_kept + excluded.plan_kept, plan_due_ended = k.plan_due_ended + excluded.plan_due_ended;

    -- The same changes summed per subdistrict (the path cut at its second level, V0023__county_rollups.sql).
    INSERT INTO kpi_daily_county AS k (day, node, path, requests, duplicates, own, accepted, resolved, closed, rated,
                                       satisfied, reopened, accept_on_time, accept_ended, arrive_on_time, arrive_ended,
                                       plan_on_time, plan_ended, resolve_on_time, resolve_ended, handling_seconds,
                                       handling_buckets, whistles, councils, plan_kept, plan_due_ended)
    SELECT * FROM (
        SELECT p.day, p.node, coalesce(max(p.cut) FILTER (WHERE p.sign > 0), max(p.cut)), sum(p.sign * p.requests) AS requests,
               sum(p.sign * p.duplicates) AS duplicates, sum(p.sign * p.own) AS own, sum(p.sign * p.accepted) AS accepted,
               sum(p.sign * p.resolved) AS resolved, sum(p.sign * p.closed) AS closed, sum(p.sign * p.rated) AS rated,
               sum(p.sign * p.satisfied) AS satisfied, sum(p.sign * p.reopened) AS reopened,
               sum(p.sign * p.accept_on_time) AS accept_on_time, sum(p.sign * p.accept_ended) AS accept_ended,
               sum(p.sign * p.arrive_on_time) AS arrive_on_time, sum(p.sign * p.arrive_ended) AS arrive_ended,
               sum(p.sign * p.plan_on_time) AS plan_on_time, sum(p.sign * p.plan_ended) AS plan_ended,
               sum(p.sign * p.resolve_on_time) AS resolve_on_time, sum(p.sign * p.resolve_ended) AS resolve_ended,
               sum(p.sign * p.handling_seconds) AS handling_seconds,
               kpi_buckets_of(array_agg(p.bucket) FILTER (WHERE p.bucket IS NOT NULL),
                              array_agg(p.sign) FILTER (WHERE p.bucket IS NOT NULL)) AS handling_buckets,
               sum(p.sign * p.whistles) AS whistles, sum(p.sign * p.councils) AS councils,
               sum(p.sign * p.plan_kept) AS plan_kept, sum(p.sign * p.plan_due_ended) AS plan_due_ended
        FROM (SELECT q.day, coalesce(q.path[least(2, cardinality(q.path))], '') AS node, q.path[1:2] AS cut, q.sign,
                     q.requests, q.duplicates, q.own, q.accepted, q.resolved, q.closed, q.rated, q.satisfied, q.reopened,
                     q.accept_on_time, q.accept_ended, q.arrive_on_time, q.arrive_ended, q.plan_on_time, q.plan_ended,
                     q.resolve_on_time, q.resolve_ended, q.handling_seconds, q.bucket, q.whistles, q.councils, q.plan_kept,
                     q.plan_due_ended
              FROM kpi_daily_pending q WHERE q.xid = x) p
        GROUP BY p.day, p.node) d
    WHERE (requests, duplicates, own, accepted, resolved, closed, rated, satisfied, reopened, accept_on_time, accept_ended,
           arrive_on_time, arrive_ended, plan_on_time, plan_ended, resolve_on_time, resolve_ended, handling_seconds, whistles,
           councils, plan_kept, plan_due_ended)
          <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
       OR handling_buckets <> array_fill(0::bigint, ARRAY[50])
    ORDER BY day, node
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
        handling_buckets = kpi_buckets_plus(k.handling_buckets, excluded.handling_buckets),
        whistles = k.whistles + excluded.whistles, councils = k.councils + excluded.councils,
        plan_kept = k.plan_kept + excluded.plan_kept, plan_due_ended = k.plan_due_ended + excluded.plan_due_ended;

    DELETE FROM kpi_daily_pending p WHERE p.xid = x;

    INSERT INTO kpi_mix AS k (day, place, path, category, channel, requests, resolved)
    SELECT * FROM (
        SELECT p.day, p.place, coalesce(max(p.path) FILTER (WHERE p.sign > 0), max(p.path)), p.category, p.channel,
               sum(p.sign * p.requests) AS requests, sum(p.sign * p.resolved) AS resolved
        FROM kpi_mix_pending p WHERE p.xid = x
        GROUP BY p.day, p.place, p.category, p.channel) d
    WHERE (requests, resolved) <> (0, 0)
    ORDER BY day, place, category, channel
    ON CONFLICT (day, place, category, channel) DO UPDATE SET
        path = excluded.path, requests = k.requests + excluded.requests, resolved = k.resolved + excluded.resolved;

    INSERT INTO kpi_mix_county AS k (day, place, path, category, channel, requests, resolved)
    SELECT * FROM (
        SELECT p.day, p.place, coalesce(max(p.cut) FILTER (WHERE p.sign > 0), max(p.cut)), p.category, p.channel,
               sum(p.sign * p.requests) AS requests, sum(p.sign * p.resolved) AS resolved
        FROM (SELECT q.day, coalesce(q.path[least(2, cardinality(q.path))], '') AS place, q.path[1:2] AS cut, q.category,
                     q.channel, q.sign, q.requests, q.resolved
              FROM kpi_mix_pending q WHERE q.xid = x) p
        GROUP BY p.day, p.place, p.category, p.channel) d
    WHERE (requests, resolved) <> (0, 0)
    ORDER BY day, place, category, channel
    ON CONFLICT (day, place, category, channel) DO UPDATE SET
        path = excluded.path, requests = k.requests + excluded.requests, resolved = k.resolved + excluded.resolved;

    DELETE FROM kpi_mix_pending p WHERE p.xid = x;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS rollup_pending_apply ON rollup_pending;
CREATE CONSTRAINT TRIGGER rollup_pending_apply AFTER INSERT ON rollup_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollups_apply();
