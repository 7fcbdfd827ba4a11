-- 未诉先办: the hot spots intake finds (several residents' requests about one topic at one place), as far as the
-- figures need them: when and where each was found, how many requests it gathered, and what the community decided.
CREATE TABLE hot_spots (
    id            uuid        PRIMARY KEY,
    category      text,
    place_code    text,
    place_level   text,
    place_path    text[],
    detected_at   timestamptz,
    request_count int         NOT NULL DEFAULT 0,
    decision      text,
    decided_at    timestamptz
);
CREATE INDEX hot_spots_detected ON hot_spots (detected_at);
CREATE INDEX hot_spots_path ON hot_spots USING gin (place_path);
