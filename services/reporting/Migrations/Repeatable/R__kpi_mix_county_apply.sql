-- Adds (sign 1) or takes out (sign -1) one fact row's contribution to its subdistrict's breakdown row
-- (kpi_mix_county, V0023__county_rollups.sql): kpi_mix's contribution with the place cut at the second level.
CREATE OR REPLACE FUNCTION kpi_mix_county_apply(r request_facts, sign int) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO kpi_mix_county AS k (day, place, path, category, channel, requests, resolved)
    SELECT c.day, coalesce(c.path[least(2, cardinality(c.path))], ''), c.path[1:2], c.category, c.channel,
           sign * c.requests, sign * c.resolved
    FROM kpi_mix_contribution(r) c
    ON CONFLICT (day, place, category, channel) DO UPDATE SET
        path = excluded.path, requests = k.requests + excluded.requests, resolved = k.resolved + excluded.resolved
$$;
