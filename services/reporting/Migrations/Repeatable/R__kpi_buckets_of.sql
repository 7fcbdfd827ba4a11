-- The handling histogram's change from a set of contributions: bucket buckets[i] moves by signs[i] (a contribution
-- put in counts 1, one taken out -1). 50 slots, as kpi_daily.handling_buckets.
CREATE OR REPLACE FUNCTION kpi_buckets_of(buckets int[], signs int[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    result bigint[] := array_fill(0::bigint, ARRAY[50]);
BEGIN
    FOR i IN 1 .. coalesce(cardinality(buckets), 0) LOOP
        result[buckets[i]] := result[buckets[i]] + signs[i];
    END LOOP;
    RETURN result;
END
$$;
