-- Everything one request costs intake's database, as plain SQL: the POST's transaction (ticket, request row, first
-- timeline entry, RequestSubmitted in the outbox with its NOTIFY), the relay marking that row published, and the
-- timeline entry and status update from dispatch's WorkOrderAssigned (inbox row, request locked, entry, status).
-- The request id is derived from a sequence (pgbench cannot quote a returned uuid into a later statement).
\set b random(0, :buildings - 1)
SELECT nextval('pgbench_seq') AS seq \gset
BEGIN;
SELECT nextval('ticket_seq');
WITH place AS (SELECT code, path FROM grid_copy WHERE level = 'building' ORDER BY code OFFSET :b LIMIT 1),
r AS (
    INSERT INTO requests (id, ticket_no, channel, category, urgency, description, reporter_name, reporter_phone,
                          location_code, location_path, address, latitude, longitude, attachments,
                          external_system, external_id, status, submitted_at, updated_at, classified_by, classification,
                          building_code, original_id)
    SELECT md5('pgb' || :seq::text)::uuid, 'PGB-' || :seq::text, 'hotline', 'drainage', 'normal',
           '3号楼下水道堵塞，污水外溢到楼道，编号' || :seq::text || md5(random()::text), '张三', '13812345678',
           place.code, place.path, NULL, NULL, NULL, '{}', NULL, NULL, 'submitted', now(), now(), 'reporter', NULL, place.code, NULL
    FROM place
    RETURNING id, ticket_no, location_code),
t AS (
    INSERT INTO request_timeline (request_id, event, at, actor, detail, dedupe_key)
    SELECT id, 'submitted', now(), 'bench', '{"channel":"hotline"}', 'submitted' FROM r)
INSERT INTO outbox_messages (message_id, message_type, body, trace_parent)
SELECT gen_random_uuid(), 'GovPlatform.Contracts.RequestSubmitted',
       jsonb_build_object('requestId', r.id, 'ticketNo', r.ticket_no, 'channel', 'hotline', 'category', 'drainage', 'urgency', 'normal',
                          'locationCode', r.location_code, 'locationPath', jsonb_build_array('MT'),
                          'latitude', NULL, 'longitude', NULL, 'submittedAt', now()), NULL
FROM r;
SELECT pg_notify('outbox', '');
COMMIT;
BEGIN;
UPDATE outbox_messages SET published_at = now(), attempts = attempts + 1
WHERE id IN (SELECT id FROM outbox_messages WHERE published_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
COMMIT;
BEGIN;
INSERT INTO inbox_messages (message_id, consumer) VALUES (gen_random_uuid(), 'WorkOrderAssignedTimeline') ON CONFLICT DO NOTHING;
SELECT 1 FROM requests WHERE id = md5('pgb' || :seq::text)::uuid FOR UPDATE;
INSERT INTO request_timeline (request_id, event, at, actor, detail, dedupe_key)
VALUES (md5('pgb' || :seq::text)::uuid, 'assigned', now(), 'dispatch', '{"assigneeKind":"grid_worker","gridCode":"MT-01-01-C01-G1"}', 'assigned:' || :seq::text)
ON CONFLICT (request_id, dedupe_key) DO NOTHING;
UPDATE requests r SET status = latest.event, updated_at = now()
FROM (SELECT event FROM request_timeline WHERE request_id = md5('pgb' || :seq::text)::uuid AND event NOT IN ('callback', 'classified')
      ORDER BY at DESC LIMIT 1) latest
WHERE r.id = md5('pgb' || :seq::text)::uuid;
COMMIT;
