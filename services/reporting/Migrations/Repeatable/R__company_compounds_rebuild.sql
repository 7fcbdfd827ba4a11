-- Recomputed whole (it is small) by the roll-up rebuild, e.g. after the grid tree changed shape.
CREATE OR REPLACE FUNCTION company_compounds_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(x'6b70695f7275'::bigint);
    DELETE FROM company_compounds;
    INSERT INTO company_compounds (company, compound, first_assigned_at)
    SELECT c.company, c.compound, min(c.first_assigned_at)
    FROM request_facts f CROSS JOIN LATERAL company_compounds_of(f) c
    WHERE f.property_company IS NOT NULL
    GROUP BY 1, 2;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
