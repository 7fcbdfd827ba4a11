-- Either event may come first (the assignment names the company, the submission the path): the pair is
-- written once both are on the row, and its time only ever moves earlier.
CREATE OR REPLACE FUNCTION request_facts_to_company_compounds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.property_company IS NOT DISTINCT FROM OLD.property_company
       AND NEW.location_path IS NOT DISTINCT FROM OLD.location_path AND NEW.assigned_at IS NOT DISTINCT FROM OLD.assigned_at THEN
        RETURN NULL;
    END IF;
    INSERT INTO company_compounds AS c (company, compound, first_assigned_at)
    SELECT * FROM company_compounds_of(NEW)
    ON CONFLICT (company, compound) DO UPDATE SET first_assigned_at = least(c.first_assigned_at, excluded.first_assigned_at)
        WHERE excluded.first_assigned_at < c.first_assigned_at;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS request_facts_company_compounds ON request_facts;
CREATE TRIGGER request_facts_company_compounds AFTER INSERT OR UPDATE ON request_facts
    FOR EACH ROW EXECUTE FUNCTION request_facts_to_company_compounds();
