-- Everything one request costs reporting's database, as plain SQL: the RequestSubmitted and WorkOrderAssigned
-- projections, each an inbox row and an upsert of the request's facts in a transaction of its own.
\set b random(0, :buildings - 1)
SELECT nextval('pgbench_seq') AS seq \gset
SELECT code, path FROM grid_copy WHERE level = 'building' ORDER BY code OFFSET :b LIMIT 1 \gset loc_
BEGIN;
INSERT INTO inbox_messages (message_id, consumer) VALUES (md5('pgb-s' || :seq::text)::uuid, 'RequestSubmittedProjection') ON CONFLICT DO NOTHING;
INSERT INTO request_facts AS f (request_id, ticket_no, channel, category, category_at, urgency, location_code, location_path,
                                grid_code, status, status_rank, status_at, submitted_at)
VALUES (md5('pgb' || :seq::text)::uuid, 'PGB-' || :seq::text, 'hotline', 'drainage', now(), 'normal', :loc_code, :loc_path,
        (SELECT code FROM grid_copy WHERE code = ANY(:loc_path) AND level = 'grid' LIMIT 1), 'submitted', 1, now(), now())
ON CONFLICT (request_id) DO UPDATE
    SET ticket_no = excluded.ticket_no, status = excluded.status, status_rank = excluded.status_rank, status_at = excluded.status_at,
        submitted_at = excluded.submitted_at, updated_at = now();
COMMIT;
BEGIN;
INSERT INTO inbox_messages (message_id, consumer) VALUES (md5('pgb-a' || :seq::text)::uuid, 'WorkOrderAssignedProjection') ON CONFLICT DO NOTHING;
INSERT INTO request_facts AS f (request_id, work_order_id, grid_code, assignee_kind, property_company, assigned_at, status, status_rank, status_at)
VALUES (md5('pgb' || :seq::text)::uuid, md5('pgb-wo' || :seq::text)::uuid, NULL, 'grid_worker', NULL, now(), 'assigned', 2, now())
ON CONFLICT (request_id) DO UPDATE
    SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id), assignee_kind = excluded.assignee_kind,
        assigned_at = least(f.assigned_at, excluded.assigned_at),
        status = CASE WHEN (f.status_at IS NULL OR (excluded.status_at, excluded.status_rank) > (f.status_at, f.status_rank)) THEN excluded.status ELSE f.status END,
        status_rank = CASE WHEN (f.status_at IS NULL OR (excluded.status_at, excluded.status_rank) > (f.status_at, f.status_rank)) THEN excluded.status_rank ELSE f.status_rank END,
        status_at = CASE WHEN (f.status_at IS NULL OR (excluded.status_at, excluded.status_rank) > (f.status_at, f.status_rank)) THEN excluded.status_at ELSE f.status_at END,
        updated_at = now();
COMMIT;
