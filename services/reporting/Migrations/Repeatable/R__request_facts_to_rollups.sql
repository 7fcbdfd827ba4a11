-- Keeps kpi_daily, kpi_mix and their subdistrict copies (kpi_daily_county, kpi_mix_county) in step with
-- request_facts, in the transaction that changes the fact. A changed fact's old contribution (sign -1) and new one
-- (sign 1) are noted in kpi_daily_pending and kpi_mix_pending; at commit, rollups_apply (R__rollups_apply.sql)
-- sums what the whole transaction noted into one change per roll-up row and writes the rows that change, in one
-- global order. So a transaction that applies many events cannot deadlock with another on the roll-up rows, an
-- event whose old and new contributions land on the same row writes it once (not a subtraction and an addition),
-- and the rows are locked only from the apply to the commit.
--
-- 0x6b70695f7275 ('kpi_ru'): projections hold it shared while they change facts, a rebuild holds it exclusively,
-- so a rebuild never reads facts that a projection has changed but not yet counted.
-- The update trigger's WHEN lists every column kpi_contribution and kpi_mix_contribution read (a plan's time
-- decides whether a resolution is planned), so a change to anything else (status, updated_at, names) costs no
-- trigger call at all.
DROP TRIGGER IF EXISTS request_facts_kpi_daily ON request_facts;
DROP TRIGGER IF EXISTS request_facts_kpi_mix ON request_facts;
DROP FUNCTION IF EXISTS request_facts_to_kpi_daily();
DROP FUNCTION IF EXISTS request_facts_to_kpi_mix();
DROP FUNCTION IF EXISTS kpi_daily_apply(request_facts, int);
DROP FUNCTION IF EXISTS kpi_mix_apply(request_facts, int);
DROP FUNCTION IF EXISTS kpi_mix_county_apply(request_facts, int);

CREATE OR REPLACE FUNCTION request_facts_to_rollups() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    x xid8 := pg_current_xact_id();
BEGIN
    PERFORM pg_advisory_xact_lock_shared(x'6b70695f7275'::bigint);
    -- OLD is NULL on an insert and NEW on a delete: their contribution functions return no row then.
    IF TG_OP <> 'UPDATE' OR (OLD.submitted_at, OLD.location_path, OLD.grid_code, OLD.duplicate_of IS NULL, OLD.accepted_at,
            OLD.resolved_at, OLD.closed_at, OLD.satisfaction, OLD.reopen_count > 0, OLD.accept_on_time, OLD.arrive_on_time,
            OLD.plan_at, OLD.plan_on_time, OLD.resolve_on_time, OLD.missed_clocks, OLD.whistle_count, OLD.council_count,
            OLD.judged_complex, OLD.rating_excluded)
        IS DISTINCT FROM (NEW.submitted_at, NEW.location_path, NEW.grid_code, NEW.duplicate_of IS NULL, NEW.accepted_at,
            NEW.resolved_at, NEW.closed_at, NEW.satisfaction, NEW.reopen_count > 0, NEW.accept_on_time, NEW.arrive_on_time,
            NEW.plan_at, NEW.plan_on_time, NEW.resolve_on_time, NEW.missed_clocks, NEW.whistle_count, NEW.council_count,
            NEW.judged_complex, NEW.rating_excluded) THEN
        INSERT INTO kpi_daily_pending
        SELECT x, -1, c.* FROM kpi_contribution(OLD) c
        UNION ALL
        SELECT x, 1, c.* FROM kpi_contribution(NEW) c;
    END IF;
    IF TG_OP <> 'UPDATE' OR (OLD.submitted_at, OLD.location_path[1:3], OLD.category, OLD.channel,
            OLD.duplicate_of IS NULL AND OLD.resolved_at IS NOT NULL)
        IS DISTINCT FROM (NEW.submitted_at, NEW.location_path[1:3], NEW.category, NEW.channel,
            NEW.duplicate_of IS NULL AND NEW.resolved_at IS NOT NULL) THEN
        INSERT INTO kpi_mix_pending
        SELECT x, -1, c.* FROM kpi_mix_contribution(OLD) c
        UNION ALL
        SELECT x, 1, c.* FROM kpi_mix_contribution(NEW) c;
    END IF;
    -- Queue the commit-time apply once per transaction. The setting is local to the transaction (and undone with a
    -- rolled-back savepoint, as the row is); the apply clears it, so changes made after an early apply
    -- (SET CONSTRAINTS ALL IMMEDIATE) queue another.
    IF current_setting('reporting.rollups_pending', true) IS DISTINCT FROM x::text THEN
        INSERT INTO rollup_pending (xid) VALUES (x) ON CONFLICT DO NOTHING;
        PERFORM set_config('reporting.rollups_pending', x::text, true);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS request_facts_rollups ON request_facts;
CREATE TRIGGER request_facts_rollups AFTER INSERT OR DELETE ON request_facts
    FOR EACH ROW EXECUTE FUNCTION request_facts_to_rollups();
DROP TRIGGER IF EXISTS request_facts_rollups_update ON request_facts;
CREATE TRIGGER request_facts_rollups_update AFTER UPDATE ON request_facts
    FOR EACH ROW
    WHEN ((OLD.submitted_at, OLD.location_path, OLD.grid_code, OLD.duplicate_of IS NULL, OLD.accepted_at, OLD.resolved_at,
           OLD.closed_at, OLD.satisfaction, OLD.reopen_count > 0, OLD.accept_on_time, OLD.arrive_on_time, OLD.plan_at,
           OLD.plan_on_time, OLD.resolve_on_time, OLD.missed_clocks, OLD.whistle_count, OLD.council_count, OLD.judged_complex,
           OLD.rating_excluded, OLD.category, OLD.channel)
          IS DISTINCT FROM
          (NEW.submitted_at, NEW.location_path, NEW.grid_code, NEW.duplicate_of IS NULL, NEW.accepted_at, NEW.resolved_at,
           NEW.closed_at, NEW.satisfaction, NEW.reopen_count > 0, NEW.accept_on_time, NEW.arrive_on_time, NEW.plan_at,
           NEW.plan_on_time, NEW.resolve_on_time, NEW.missed_clocks, NEW.whistle_count, NEW.council_count, NEW.judged_complex,
           NEW.rating_excluded, NEW.category, NEW.channel))
    EXECUTE FUNCTION request_facts_to_rollups();
