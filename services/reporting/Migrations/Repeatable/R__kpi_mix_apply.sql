-- Adds (sign 1) or takes out (sign -1) one fact row's contribution to its community's row (kpi_mix); its
-- subdistrict's row (kpi_mix_county) is kpi_mix_county_apply's, called by the trigger in that table's key order.
CREATE OR REPLACE FUNCTION kpi_mix_apply(r request_facts, sign int) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO kpi_mix AS k (day, place, path, category, channel, requests, resolved)
    SELECT c.day, c.place, c.path, c.category, c.channel, sign * c.requests, sign * c.resolved FROM kpi_mix_contribution(r) c
    ON CONFLICT (day, place, category, channel) DO UPDATE SET
        path = excluded.path, requests = k.requests + excluded.requests, resolved = k.resolved + excluded.resolved
$$;
