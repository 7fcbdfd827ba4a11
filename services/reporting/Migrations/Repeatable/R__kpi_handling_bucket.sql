-- 50 buckets, 1-based: 1 holds handling under a minute (and clock skew below zero); bucket k >= 2 holds
-- [2^((k-2)/3), 2^((k-1)/3)) minutes, each 26 % wider than the last; 50 holds 2^16 minutes (45 days) and more.
CREATE OR REPLACE FUNCTION kpi_handling_bucket(minutes float8) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN minutes < 1 THEN 1 ELSE least(50, 2 + floor(3 * ln(minutes) / ln(2))::int) END
$$;
