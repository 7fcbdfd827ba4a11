-- 未诉先办: which requests each hot spot gathered (from HotSpotDetected's ids and each HotSpotGrew), so the calls
-- before a hot spot was accepted and after its proactive order was resolved can be counted in equal windows
-- (docs/metrics.md, Calls prevented). "at" is the growth's time; for the detection's requests it is null and the
-- request's own submission (request_facts) is used.
CREATE TABLE hot_spot_requests (
    hot_spot_id uuid NOT NULL,
    request_id  uuid NOT NULL,
    at          timestamptz,
    PRIMARY KEY (hot_spot_id, request_id)
);
