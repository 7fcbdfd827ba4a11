-- hot_spot_checks gains one row per request considered; HotSpotCheckRetention deletes the rows older than the
-- detection window plus a margin, a batch at a time, oldest first: each batch is a range scan from the left edge of
-- this index, not a scan of the table. Rows are inserted with now(), so entries land on the right edge.
CREATE INDEX hot_spot_checks_checked_at ON hot_spot_checks (checked_at);
