-- Either event may come first (the assignment names the company, the submission the path): the pair is
-- written once both are on the row, and its time only ever moves earlier. An update that leaves the company, the
-- path and the assignment time alone, or a row without both a company and an assignment, does not call it (the
-- triggers' WHEN). A pair already known at an earlier or
-- equal time is left alone without taking its row's lock: almost every assignment of a company that already serves
-- the compound, and two transactions that each apply many events would otherwise lock those rows in any order.
CREATE OR REPLACE FUNCTION request_facts_to_company_compounds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO company_compounds AS c (company, compound, first_assigned_at)
    SELECT n.company, n.compound, n.first_assigned_at FROM company_compounds_of(NEW) n
    WHERE NOT EXISTS (SELECT 1 FROM company_compounds o
                      WHERE o.company = n.company AND o.compound = n.compound AND o.first_assigned_at <= n.first_assigned_at)
    ORDER BY n.company, n.compound
    ON CONFLICT (company, compound) DO UPDATE SET first_assigned_at = least(c.first_assigned_at, excluded.first_assigned_at)
        WHERE excluded.first_assigned_at < c.first_assigned_at;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS request_facts_company_compounds ON request_facts;
CREATE TRIGGER request_facts_company_compounds AFTER INSERT ON request_facts
    FOR EACH ROW WHEN (NEW.property_company IS NOT NULL AND NEW.assigned_at IS NOT NULL) EXECUTE FUNCTION request_facts_to_company_compounds();
DROP TRIGGER IF EXISTS request_facts_company_compounds_update ON request_facts;
CREATE TRIGGER request_facts_company_compounds_update AFTER UPDATE ON request_facts
    FOR EACH ROW
    WHEN (NEW.property_company IS NOT NULL AND NEW.assigned_at IS NOT NULL
          AND (OLD.property_company, OLD.location_path, OLD.assigned_at) IS DISTINCT FROM (NEW.property_company, NEW.location_path, NEW.assigned_at))
    EXECUTE FUNCTION request_facts_to_company_compounds();
