-- The requests the hot-spot detector has considered. Detection runs after filing, from the request's own
-- RequestSubmitted (HotSpots/HotSpotDetectionConsumer.cs), so it must remember which requests it has looked at:
-- a request that joined nothing leaves no trace in hot_spot_requests, and looking at it again later (the same
-- event published again, under another message id) could make a hot spot of it that its filing did not. The
-- consumer claims the request's row here first and does nothing when it was already there.
-- One narrow row per request; no foreign key, so removing a request never has to remove its row first.
CREATE TABLE hot_spot_checks (
    request_id uuid        PRIMARY KEY,
    checked_at timestamptz NOT NULL
);
