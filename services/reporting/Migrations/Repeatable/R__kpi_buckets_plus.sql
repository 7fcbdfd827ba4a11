-- Slot-by-slot sum of two handling histograms (a roll-up row's and a change to it); slots the change leaves alone
-- are not touched.
CREATE OR REPLACE FUNCTION kpi_buckets_plus(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    result bigint[] := a;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(b), 0) LOOP
        IF b[i] <> 0 THEN result[i] := result[i] + b[i]; END IF;
    END LOOP;
    RETURN result;
END
$$;
