-- Recomputes the days [from_day, to_day] from request_facts under the rebuild lock (see kpi_daily_rebuild).
-- Rows written in key order for the reason kpi_daily_rebuild gives.
CREATE OR REPLACE FUNCTION kpi_mix_rebuild(from_day date, to_day date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(x'6b70695f7275'::bigint);
    DELETE FROM kpi_mix WHERE day BETWEEN from_day AND to_day;
    INSERT INTO kpi_mix (day, place, path, category, channel, requests, resolved)
    SELECT k.day, k.place, max(k.path), k.category, k.channel, sum(k.requests), sum(k.resolved)
    FROM request_facts f CROSS JOIN LATERAL kpi_mix_contribution(f) k
    WHERE f.submitted_at >= from_day - 1 AND f.submitted_at < to_day + 2 AND k.day BETWEEN from_day AND to_day
    GROUP BY k.day, k.place, k.category, k.channel
    ORDER BY k.day, k.place, k.category, k.channel;
    GET DIAGNOSTICS written = ROW_COUNT;
    -- The subdistricts' rows are the sums of the rows just written (V0023__county_rollups.sql).
    DELETE FROM kpi_mix_county WHERE day BETWEEN from_day AND to_day;
    INSERT INTO kpi_mix_county (day, place, path, category, channel, requests, resolved)
    SELECT day, coalesce(p[cardinality(p)], ''), p, category, channel, sum(requests), sum(resolved)
    FROM (SELECT day, path[1:2] AS p, category, channel, requests, resolved FROM kpi_mix WHERE day BETWEEN from_day AND to_day) m
    GROUP BY day, p, category, channel
    ORDER BY 1, 2, 4, 5;
    RETURN written;
END
$$;
