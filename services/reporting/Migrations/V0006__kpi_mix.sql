-- The breakdowns' roll-up: requests and own resolved requests per (day of submission in China time, place,
-- category, channel), where the place is the request's path cut to its first three levels (district,
-- subdistrict, community). Keyed by grid it could hold more rows than a day has requests (600 grids × 15
-- categories × 7 channels = 63,000 keys against ~9,000 requests a day at 10 M over three years); keyed by
-- community a county-month has at most 30 × 50 × 15 × 7 = 157,500 narrow rows against ~280,000 wide request
-- rows. An "under" below a community is answered from the facts, whose cohort is then small.
-- Category and channel are '' when unknown (a key column cannot be null). Kept by a trigger on request_facts
-- (Repeatable/R__request_facts_to_kpi_mix.sql), like kpi_daily.
CREATE TABLE kpi_mix (
    day       date   NOT NULL,
    place     text   NOT NULL,
    path      text[] NOT NULL,
    category  text   NOT NULL,
    channel   text   NOT NULL,
    requests  bigint NOT NULL,
    resolved  bigint NOT NULL,
    PRIMARY KEY (day, place, category, channel)
);
