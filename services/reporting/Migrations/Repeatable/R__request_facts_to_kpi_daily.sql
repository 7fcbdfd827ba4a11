-- 0x6b70695f7275 ('kpi_ru'): projections hold it shared while they touch the roll-up, a rebuild holds
-- it exclusively, so a rebuild never reads facts that a projection has changed but not yet counted.
-- A plan's time decides whether a resolution is planned, so the trigger recomputes when it moves.
CREATE OR REPLACE FUNCTION request_facts_to_kpi_daily() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.submitted_at, OLD.location_path, OLD.grid_code, OLD.duplicate_of IS NULL, OLD.accepted_at,
            OLD.resolved_at, OLD.closed_at, OLD.satisfaction, OLD.reopen_count > 0, OLD.accept_on_time, OLD.arrive_on_time,
            OLD.plan_at, OLD.plan_on_time, OLD.resolve_on_time, OLD.missed_clocks, OLD.whistle_count, OLD.council_count, OLD.judged_complex, OLD.rating_excluded)
        IS NOT DISTINCT FROM (NEW.submitted_at, NEW.location_path, NEW.grid_code, NEW.duplicate_of IS NULL, NEW.accepted_at,
            NEW.resolved_at, NEW.closed_at, NEW.satisfaction, NEW.reopen_count > 0, NEW.accept_on_time, NEW.arrive_on_time,
            NEW.plan_at, NEW.plan_on_time, NEW.resolve_on_time, NEW.missed_clocks, NEW.whistle_count, NEW.council_count, NEW.judged_complex, NEW.rating_excluded) THEN
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

DROP TRIGGER IF EXISTS request_facts_kpi_daily ON request_facts;
CREATE TRIGGER request_facts_kpi_daily AFTER INSERT OR UPDATE OR DELETE ON request_facts
    FOR EACH ROW EXECUTE FUNCTION request_facts_to_kpi_daily();
