-- Same lock as kpi_daily's trigger: a rebuild holds it exclusively while it recomputes a day.
-- Each level (the community's rows in kpi_mix, the subdistrict's in kpi_mix_county) is touched in its own key
-- order, so two requests moving between the same two rows of either table cannot deadlock.
CREATE OR REPLACE FUNCTION request_facts_to_kpi_mix() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.submitted_at, OLD.location_path[1:3], OLD.category, OLD.channel,
            OLD.duplicate_of IS NULL AND OLD.resolved_at IS NOT NULL)
        IS NOT DISTINCT FROM (NEW.submitted_at, NEW.location_path[1:3], NEW.category, NEW.channel,
            NEW.duplicate_of IS NULL AND NEW.resolved_at IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(x'6b70695f7275'::bigint);
    IF TG_OP = 'UPDATE' THEN
        IF concat_ws('|', (NEW.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, NEW.location_path[1:3], NEW.category, NEW.channel)
           < concat_ws('|', (OLD.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, OLD.location_path[1:3], OLD.category, OLD.channel) THEN
            PERFORM kpi_mix_apply(NEW, 1);
            PERFORM kpi_mix_apply(OLD, -1);
        ELSE
            PERFORM kpi_mix_apply(OLD, -1);
            PERFORM kpi_mix_apply(NEW, 1);
        END IF;
        IF concat_ws('|', (NEW.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, NEW.location_path[1:2], NEW.category, NEW.channel)
           < concat_ws('|', (OLD.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, OLD.location_path[1:2], OLD.category, OLD.channel) THEN
            PERFORM kpi_mix_county_apply(NEW, 1);
            PERFORM kpi_mix_county_apply(OLD, -1);
        ELSE
            PERFORM kpi_mix_county_apply(OLD, -1);
            PERFORM kpi_mix_county_apply(NEW, 1);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM kpi_mix_apply(NEW, 1);
        PERFORM kpi_mix_county_apply(NEW, 1);
    ELSE
        PERFORM kpi_mix_apply(OLD, -1);
        PERFORM kpi_mix_county_apply(OLD, -1);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS request_facts_kpi_mix ON request_facts;
CREATE TRIGGER request_facts_kpi_mix AFTER INSERT OR UPDATE OR DELETE ON request_facts
    FOR EACH ROW EXECUTE FUNCTION request_facts_to_kpi_mix();
