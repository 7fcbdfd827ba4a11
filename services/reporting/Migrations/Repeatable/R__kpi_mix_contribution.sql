-- One fact row's contribution (none before its submission is known); the trigger and the rebuild share it.
CREATE OR REPLACE FUNCTION kpi_mix_contribution(r request_facts)
RETURNS TABLE (day date, place text, path text[], category text, channel text, requests int, resolved int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
           coalesce(p.path[array_length(p.path, 1)], ''), p.path,
           coalesce(r.category, ''), coalesce(r.channel, ''),
           1, (r.duplicate_of IS NULL AND r.resolved_at IS NOT NULL)::int
    FROM (SELECT coalesce(r.location_path[1:3], '{}') AS path) p
    WHERE r.submitted_at IS NOT NULL
$$;
