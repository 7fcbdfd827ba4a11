-- The statements PointsBook.AwardAsync sends for one award (Ledger.PostAsync, PointsBook.WhereAsync,
-- Outbox.EnqueueAsync), as pgbench runs them: the raw baseline for "awards per second".
-- Ids come from random numbers (bench_uuid) so the script needs no \gset; simple protocol,
-- since every substituted value is a number.
\set v random(1, 1000)
\set e random(1, 9223372036854775806)
BEGIN;
INSERT INTO ledger_entries (id, kind, source_key, volunteer_id, points, reason, created_by, created_at, expires_at)
VALUES (bench_uuid(:e), 'award', 'pgbench:' || :e, bench_id(:v), 1, 'bench', 'pgbench', now(), NULL)
ON CONFLICT (source_key) DO NOTHING;
INSERT INTO point_accounts (id, kind, volunteer_id, balance)
VALUES ('volunteer:' || bench_id(:v), 'volunteer', bench_id(:v), 1)
ON CONFLICT (id) DO UPDATE SET balance = point_accounts.balance + excluded.balance;
INSERT INTO ledger_postings (entry_id, account, amount)
SELECT bench_uuid(:e), a, n FROM unnest(ARRAY['volunteer:' || bench_id(:v), 'system:issued'], ARRAY[1, -1]::bigint[]) AS p(a, n);
SELECT v.grid_code AS GridCode, r.unit_id AS UnitId
FROM volunteers v LEFT JOIN party_member_reports r ON r.volunteer_id = v.id WHERE v.id = bench_id(:v);
INSERT INTO outbox_messages (message_id, message_type, body, trace_parent)
VALUES (gen_random_uuid(), 'GovPlatform.Contracts.PointsAwarded', '{"bench": true}'::jsonb, NULL);
SELECT pg_notify('outbox', '');
COMMIT;
