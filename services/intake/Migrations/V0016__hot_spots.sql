-- Hot spots (未诉先办): several distinct requests of one category about one topic at one place
-- (a building, a grid or a community) within a window, found as requests are filed, so the
-- community can act before the next resident has to call. A hot spot keeps the requests that
-- justify it; a cadre accepts it (proactive work) or dismisses it.
CREATE TABLE hot_spots (
    id             uuid        PRIMARY KEY,
    category       text        NOT NULL,
    place_code     text        NOT NULL,
    place_level    text        NOT NULL CHECK (place_level IN ('building', 'grid', 'community')),
    -- Grid-tree codes from the district down to the place, so "everything under a node" is a GIN lookup.
    place_path     text[]      NOT NULL,
    community_code text        NOT NULL,
    -- The ideas and words the requests share, most common first (what the hot spot is about).
    topic          text[]      NOT NULL,
    request_count  int         NOT NULL CHECK (request_count > 0),
    first_at       timestamptz NOT NULL,
    last_at        timestamptz NOT NULL,
    detected_at    timestamptz NOT NULL,
    status         text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'dismissed')),
    decided_at     timestamptz,
    decided_by     text,
    decision_note  text
);
CREATE INDEX hot_spots_place ON hot_spots USING gin (place_path);
CREATE INDEX hot_spots_detected ON hot_spots (detected_at DESC);

CREATE TABLE hot_spot_requests (
    hot_spot_id uuid        NOT NULL REFERENCES hot_spots (id),
    request_id  uuid        NOT NULL REFERENCES requests (id),
    added_at    timestamptz NOT NULL,
    PRIMARY KEY (hot_spot_id, request_id)
);
-- A request belongs to one hot spot at most: it justifies one proposal, not several.
CREATE UNIQUE INDEX hot_spot_requests_request ON hot_spot_requests (request_id);
-- The detector reads a category's recent requests in a community through the existing
-- requests_category_submitted index and location_path's GIN index; no new index on requests.
