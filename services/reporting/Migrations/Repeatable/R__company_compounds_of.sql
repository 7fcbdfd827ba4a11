-- The compounds on a fact's path, from the grid copy; shared by the trigger and the rebuild.
CREATE OR REPLACE FUNCTION company_compounds_of(r request_facts)
RETURNS TABLE (company text, compound text, first_assigned_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT r.property_company, g.code, r.assigned_at
    FROM unnest(r.location_path) AS p(code) JOIN grid_copy g ON g.code = p.code AND g.level = 'compound'
    WHERE r.property_company IS NOT NULL AND r.assigned_at IS NOT NULL
$$;
