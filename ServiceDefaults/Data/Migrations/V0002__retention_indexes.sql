-- Retention (MessageRetention) deletes published outbox rows and inbox rows older than a cutoff, a batch at a
-- time, oldest first: each batch is an index range scan from the oldest row, not a scan of the table.
-- The relay's UPDATE of published_at was already not HOT (the pending index's predicate names the column),
-- so this index adds one index entry per published row and nothing else to the hot path.
CREATE INDEX outbox_messages_published ON outbox_messages (published_at) WHERE published_at IS NOT NULL;

-- One more entry per handled message, on a column that only grows: inserts land on the index's right edge.
CREATE INDEX inbox_messages_received ON inbox_messages (received_at);
