-- County-level copies of the two roll-ups, for the questions asked of the whole county or of one subdistrict:
-- the same additive columns, with the node (kpi_daily_county) and the place (kpi_mix_county) cut at the
-- subdistrict (the second level of the path). At 10 M requests a county-month sums 31 × 10 rows of totals
-- instead of 31 × 600, and 31 × 10 × 15 × 7 breakdown rows instead of 31 × 50 × 15 × 7. A finer `under` reads
-- kpi_daily and kpi_mix as before.
--
-- Kept in the same transaction by the same triggers on request_facts (kpi_daily_apply and kpi_mix_apply add a
-- fact's contribution to both levels), rebuilt by the same rebuild functions (from the finer roll-up of the
-- same days, under the same lock), so each row is exactly the sum of the finer rows below it.
CREATE TABLE kpi_daily_county (LIKE kpi_daily INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (day, node));
CREATE TABLE kpi_mix_county (LIKE kpi_mix INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (day, place, category, channel));

-- Filled once from the finer roll-ups; the triggers keep them from here on.
INSERT INTO kpi_mix_county (day, place, path, category, channel, requests, resolved)
SELECT day, coalesce(p[cardinality(p)], ''), p, category, channel, sum(requests), sum(resolved)
FROM (SELECT day, path[1:2] AS p, category, channel, requests, resolved FROM kpi_mix) m
GROUP BY day, p, category, channel
ORDER BY 1, 2, 4, 5;

INSERT INTO kpi_daily_county (day, node, path, requests, duplicates, own, accepted, resolved, closed, rated, satisfied,
                              reopened, accept_on_time, accept_ended, arrive_on_time, arrive_ended, plan_on_time,
                              plan_ended, resolve_on_time, resolve_ended, handling_seconds, handling_buckets, whistles, councils,
                              plan_kept, plan_due_ended)
SELECT s.day, coalesce(s.path[cardinality(s.path)], ''), s.path, s.requests, s.duplicates, s.own, s.accepted, s.resolved,
       s.closed, s.rated, s.satisfied, s.reopened, s.accept_on_time, s.accept_ended, s.arrive_on_time, s.arrive_ended,
       s.plan_on_time, s.plan_ended, s.resolve_on_time, s.resolve_ended, s.handling_seconds,
       (SELECT array_agg(b.n ORDER BY b.i) FROM (
            SELECT u.i, sum(u.n)::bigint AS n FROM kpi_daily k CROSS JOIN LATERAL unnest(k.handling_buckets) WITH ORDINALITY AS u(n, i)
            WHERE k.day = s.day AND k.path[1:2] = s.path GROUP BY u.i) b),
       s.whistles, s.councils, s.plan_kept, s.plan_due_ended
FROM (SELECT day, path[1:2] AS path, sum(requests) AS requests, sum(duplicates) AS duplicates, sum(own) AS own,
             sum(accepted) AS accepted, sum(resolved) AS resolved, sum(closed) AS closed, sum(rated) AS rated,
             sum(satisfied) AS satisfied, sum(reopened) AS reopened, sum(accept_on_time) AS accept_on_time,
             sum(accept_ended) AS accept_ended, sum(arrive_on_time) AS arrive_on_time, sum(arrive_ended) AS arrive_ended,
             sum(plan_on_time) AS plan_on_time, sum(plan_ended) AS plan_ended, sum(resolve_on_time) AS resolve_on_time,
             sum(resolve_ended) AS resolve_ended, sum(handling_seconds) AS handling_seconds, sum(whistles) AS whistles,
             sum(councils) AS councils, sum(plan_kept) AS plan_kept, sum(plan_due_ended) AS plan_due_ended
      FROM kpi_daily GROUP BY day, path[1:2]) s
ORDER BY 1, 2;
