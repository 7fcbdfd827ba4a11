-- The transaction POST /api/v1/requests commits, as plain SQL for pgbench: the ticket sequence,
-- the request row, its first timeline entry, and the RequestSubmitted outbox row with its NOTIFY.
-- (pgbench cannot quote a returned uuid into the next statement, hence the CTEs.)
\set n random(1, 1000000000)
BEGIN;
SELECT nextval('ticket_seq');
WITH r AS (
    INSERT INTO requests (id, ticket_no, channel, category, urgency, description, reporter_name, reporter_phone,
                          location_code, location_path, address, latitude, longitude, attachments,
                          external_system, external_id, status, submitted_at, updated_at, classified_by, classification,
                          building_code, original_id)
    VALUES (gen_random_uuid(), 'PGB-' || :n || '-' || :client_id || '-' || md5(random()::text), 'hotline', 'drainage', 'normal',
            '3号楼下水道堵塞，污水外溢到楼道，编号' || :n, '张三', '13812345678',
            'BENCH-01-01-C01-G1-B01', ARRAY['BENCH', 'BENCH-01', 'BENCH-01-01', 'BENCH-01-01-C01', 'BENCH-01-01-C01-G1', 'BENCH-01-01-C01-G1-B01'],
            NULL, NULL, NULL, '{}', NULL, NULL, 'submitted', now(), now(), 'reporter', NULL, 'BENCH-01-01-C01-G1-B01', NULL)
    RETURNING id, ticket_no),
t AS (
    INSERT INTO request_timeline (request_id, event, at, actor, detail, dedupe_key)
    SELECT id, 'submitted', now(), 'bench', '{"channel":"hotline"}', 'submitted' FROM r)
INSERT INTO outbox_messages (message_id, message_type, body, trace_parent)
SELECT gen_random_uuid(), 'GovPlatform.Contracts.RequestSubmitted',
       jsonb_build_object('requestId', r.id, 'ticketNo', r.ticket_no, 'channel', 'hotline', 'category', 'drainage', 'urgency', 'normal',
                          'locationCode', 'BENCH-01-01-C01-G1-B01', 'locationPath', jsonb_build_array('BENCH'),
                          'latitude', NULL, 'longitude', NULL, 'submittedAt', now()), NULL
FROM r;
SELECT pg_notify('outbox', '');
COMMIT;
