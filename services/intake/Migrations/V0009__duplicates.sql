-- Duplicates: a new request about the same problem as an open one (same category, same building
-- or near by, recent, similar text) is linked to it instead of creating new work; its reporter
-- follows the original's progress. building_code is the building on the request's path, so
-- "same building" is one indexed comparison.
ALTER TABLE requests
    ADD COLUMN building_code text,
    ADD COLUMN original_id   uuid REFERENCES requests (id);
UPDATE requests r SET building_code =
    (SELECT g.code FROM grid_copy g WHERE g.code = ANY (r.location_path) AND g.level = 'building' LIMIT 1);
CREATE INDEX requests_duplicate_by_building ON requests (category, building_code, submitted_at DESC) WHERE original_id IS NULL;
CREATE INDEX requests_duplicate_by_place    ON requests (category, latitude, longitude) WHERE original_id IS NULL AND latitude IS NOT NULL;
CREATE INDEX requests_original ON requests (original_id) WHERE original_id IS NOT NULL;

ALTER TABLE request_timeline DROP CONSTRAINT request_timeline_event_check;
ALTER TABLE request_timeline ADD CONSTRAINT request_timeline_event_check
    CHECK (event IN ('submitted', 'classified', 'linked', 'unlinked', 'assigned', 'accepted', 'on_site', 'escalated', 'whistled',
                     'resolved', 'plan_formed', 'callback', 'reopened', 'closed'));
