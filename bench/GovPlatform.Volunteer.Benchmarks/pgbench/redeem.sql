-- The statements Redemptions.ReserveAsync sends for one reservation of the one contended item
-- (no per-person limit), as pgbench runs them: the raw baseline for "redemptions per second".
-- Ids come from random numbers (bench_uuid) so the script needs no \gset; simple protocol,
-- since every substituted value is a number.
\set v random(1, 1000)
\set e random(1, 9223372036854775806)
BEGIN;
INSERT INTO point_accounts (id, kind, volunteer_id) VALUES ('volunteer:' || bench_id(:v), 'volunteer', bench_id(:v))
ON CONFLICT (id) DO UPDATE SET balance = point_accounts.balance
RETURNING balance;
INSERT INTO ledger_entries (id, kind, source_key, volunteer_id, points, reason, created_by, created_at, expires_at)
VALUES (bench_uuid(:e), 'redemption', 'pgbench:' || :e, bench_id(:v), 1, 'bench', 'pgbench', now(), NULL)
ON CONFLICT (source_key) DO NOTHING;
UPDATE point_accounts SET balance = balance + -1 WHERE id = 'volunteer:' || bench_id(:v) AND balance + -1 >= 0 RETURNING balance;
INSERT INTO ledger_postings (entry_id, account, amount)
SELECT bench_uuid(:e), a, n FROM unnest(ARRAY['volunteer:' || bench_id(:v), 'system:held'], ARRAY[-1, 1]::bigint[]) AS p(a, n);
INSERT INTO redemptions (id, volunteer_id, item_code, quantity, points, status, created_at, updated_at)
VALUES (bench_uuid(:e), bench_id(:v), 'BENCH', 1, 1, 'reserved', now(), now());
INSERT INTO outbox_messages (message_id, message_type, body, trace_parent)
VALUES (gen_random_uuid(), 'GovPlatform.Contracts.PointsRedeemed', '{"bench": true}'::jsonb, NULL);
SELECT pg_notify('outbox', '');
UPDATE goods SET stock = stock - 1 WHERE code = 'BENCH' AND active AND stock >= 1 AND price_points = 1 RETURNING stock;
COMMIT;
