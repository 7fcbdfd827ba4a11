-- The breakdowns' roll-up: requests and own resolved requests per (day of submission in China time, place,
-- category, channel), where the place is the request's path cut to its first three levels (district,
-- subdistrict, community). Keyed by grid it could hold more rows than a day has requests (600 grids × 15
-- categories × 7 channels = 63,000 keys against ~9,000 requests a day at 10 M over three years); keyed by
-- community a county-month has at most 30 × 50 × 15 × 7 = 157,500 narrow rows against ~280,000 wide request
-- rows. An "under" below a community is answered from the facts, whose cohort is then small.
-- Category and channel are '' when unknown (a key column cannot be null).
CREATE TABLE kpi_mix (
    day       date   NOT NULL,
    place     text   NOT NULL,
    path      text[] NOT NULL,
    category  text   NOT NULL,
    channel   text   NOT NULL,
    requests  bigint NOT NULL,
    resolved  bigint NOT NULL,
    PRIMARY KEY (day, place, category, channel)
);

-- One fact row's contribution (none before its submission is known); the trigger and the rebuild share it.
CREATE FUNCTION kpi_mix_contribution(r request_facts)
RETURNS TABLE (day date, place text, path text[], category text, channel text, requests int, resolved int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
           coalesce(p.path[array_length(p.path, 1)], ''), p.path,
           coalesce(r.category, ''), coalesce(r.channel, ''),
           1, (r.duplicate_of IS NULL AND r.resolved_at IS NOT NULL)::int
    FROM (SELECT coalesce(r.location_path[1:3], '{}') AS path) p
    WHERE r.submitted_at IS NOT NULL
$$;

CREATE FUNCTION kpi_mix_apply(r request_facts, sign int) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO kpi_mix AS k (day, place, path, category, channel, requests, resolved)
    SELECT c.day, c.place, c.path, c.category, c.channel, sign * c.requests, sign * c.resolved FROM kpi_mix_contribution(r) c
    ON CONFLICT (day, place, category, channel) DO UPDATE SET
        path = excluded.path, requests = k.requests + excluded.requests, resolved = k.resolved + excluded.resolved
$$;

-- Same lock as kpi_daily's trigger: a rebuild holds it exclusively while it recomputes a day.
CREATE FUNCTION request_facts_to_kpi_mix() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_key text;
    new_key text;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.submitted_at, OLD.location_path[1:3], OLD.category, OLD.channel,
            OLD.duplicate_of IS NULL AND OLD.resolved_at IS NOT NULL)
        IS NOT DISTINCT FROM (NEW.submitted_at, NEW.location_path[1:3], NEW.category, NEW.channel,
            NEW.duplicate_of IS NULL AND NEW.resolved_at IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(x'6b70695f7275'::bigint);
    IF TG_OP = 'UPDATE' THEN
        -- Rows are touched in key order, so two requests moving between the same two rows cannot deadlock.
        old_key := concat_ws('|', (OLD.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, OLD.location_path[1:3], OLD.category, OLD.channel);
        new_key := concat_ws('|', (NEW.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, NEW.location_path[1:3], NEW.category, NEW.channel);
        IF new_key < old_key THEN
            PERFORM kpi_mix_apply(NEW, 1);
            PERFORM kpi_mix_apply(OLD, -1);
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN PERFORM kpi_mix_apply(OLD, -1); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM kpi_mix_apply(NEW, 1); END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER request_facts_kpi_mix AFTER INSERT OR UPDATE OR DELETE ON request_facts
    FOR EACH ROW EXECUTE FUNCTION request_facts_to_kpi_mix();

-- Recomputes the days [from_day, to_day] from request_facts under the rebuild lock (see kpi_daily_rebuild).
CREATE FUNCTION kpi_mix_rebuild(from_day date, to_day date) RETURNS bigint
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
    GROUP BY k.day, k.place, k.category, k.channel;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;

SELECT kpi_mix_rebuild(d.lo, d.hi)
FROM (SELECT min(submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS lo, max(submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS hi
      FROM request_facts) d
WHERE d.lo IS NOT NULL;
