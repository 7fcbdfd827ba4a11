-- Where grids are: a centre and, when surveyed, a boundary ring (lat, lon, lat, lon...) with its
-- bounding box, so a reported latitude/longitude finds its grid by an index lookup and a
-- point-in-polygon test over the few boxes that contain it.
ALTER TABLE grid_copy
    ADD COLUMN centre_lat double precision,
    ADD COLUMN centre_lon double precision,
    ADD COLUMN boundary   double precision[],
    ADD COLUMN min_lat    double precision,
    ADD COLUMN max_lat    double precision,
    ADD COLUMN min_lon    double precision,
    ADD COLUMN max_lon    double precision;
CREATE INDEX grid_copy_centre ON grid_copy (centre_lat, centre_lon) WHERE level = 'grid' AND centre_lat IS NOT NULL;
CREATE INDEX grid_copy_bounds ON grid_copy (min_lat, max_lat) WHERE level = 'grid' AND boundary IS NOT NULL;
