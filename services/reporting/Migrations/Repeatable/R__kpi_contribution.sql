-- One fact row's contribution to the roll-up (no row before its submission is known). The trigger and
-- the rebuild both use this, so the two can never count differently.
-- A request resolved at or after its plan is judged against the plan (plan_kept, plan_due_ended), not the
-- 1-hour fix clock. A rating whose appeal was upheld (rating_excluded) is neither rated nor satisfied.
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
           (o.own AND r.satisfaction IS NOT NULL AND NOT r.rating_excluded)::int,
           (o.own AND NOT r.rating_excluded AND coalesce(r.satisfaction IN ('satisfied', 'basically_satisfied'), false))::int,
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
