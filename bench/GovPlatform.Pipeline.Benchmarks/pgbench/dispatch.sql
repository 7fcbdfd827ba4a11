-- Everything one request costs dispatch's database, as plain SQL: RequestSubmitted's transaction (inbox row, the
-- location's path and levels, the routing rule, the grid's workers locked, their open load, the work order, its
-- history entry, the service-level policy and four deadlines, WorkOrderAssigned in the outbox with its NOTIFY), then
-- the relay marking that row published.
\set b random(0, :buildings - 1)
SELECT nextval('pgbench_seq') AS seq \gset
BEGIN;
INSERT INTO inbox_messages (message_id, consumer) VALUES (md5('pgb-in' || :seq::text)::uuid, 'RequestSubmittedConsumer') ON CONFLICT DO NOTHING;
SELECT code, path FROM grid_nodes WHERE level = 'building' ORDER BY code OFFSET :b LIMIT 1 \gset loc_
SELECT code, level, name FROM grid_nodes WHERE code = ANY(:loc_path);
SELECT category, target, notify_community FROM routing_rules WHERE category IN ('drainage', '*') ORDER BY category = '*' LIMIT 1;
SELECT parent_code AS grid FROM grid_nodes WHERE code = :loc_code \gset
SELECT w.id, w.name, w.role, w.on_duty, w.last_heartbeat_at FROM workers w
WHERE w.node_code = :grid AND w.role IN ('grid_worker', 'grid_leader') ORDER BY w.id FOR UPDATE OF w;
SELECT assignee_id, count(*) FROM work_orders
WHERE assignee_id IN (SELECT id FROM workers WHERE node_code = :grid) AND status NOT IN ('resolved', 'closed') GROUP BY assignee_id;
INSERT INTO work_orders (id, request_id, ticket_no, category, location_code, grid_code, community_code,
                         assignee_kind, assignee_id, assignee_name, status, tier, scope_path, created_at, updated_at, case_details)
SELECT md5('pgb-wo' || :seq::text)::uuid, md5('pgb' || :seq::text)::uuid, 'PGB-' || :seq::text, 'drainage', :loc_code, :grid, NULL,
       'grid_worker', (SELECT id FROM workers WHERE node_code = :grid ORDER BY id LIMIT 1), '网格员', 'assigned', 'compound',
       :loc_path, now(), now(), NULL
ON CONFLICT (request_id) DO NOTHING;
INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail)
VALUES (md5('pgb-wo' || :seq::text)::uuid, now(), 'assigned', 'dispatch', '调度系统',
        '{"rule":"grid worker with the least open work","routingRule":{"category":"*","target":"grid"},"candidates":[{"name":"网格员","role":"grid_worker","openLoad": 3,"loadFrom":"redis","eligible": true}]}');
SELECT category, accept_seconds, arrive_seconds, resolve_seconds, plan_seconds FROM sla_policies
WHERE category IN ('drainage', '*') ORDER BY category = '*' LIMIT 1;
INSERT INTO work_order_deadlines (work_order_id, clock, tier, round, due_at)
SELECT md5('pgb-wo' || :seq::text)::uuid, c.clock, 'compound', 1, c.due_at
FROM unnest(ARRAY['accept', 'arrive', 'resolve', 'plan'],
            ARRAY[now() + interval '1 minute', now() + interval '30 minutes', now() + interval '1 hour', now() + interval '4 hours']) AS c(clock, due_at)
ON CONFLICT (work_order_id, clock, tier, round) DO NOTHING;
INSERT INTO outbox_messages (message_id, message_type, body, trace_parent)
VALUES (gen_random_uuid(), 'GovPlatform.Contracts.WorkOrderAssigned',
        jsonb_build_object('workOrderId', md5('pgb-wo' || :seq::text)::uuid, 'requestId', md5('pgb' || :seq::text)::uuid, 'gridCode', :grid::text,
                           'assigneeKind', 'grid_worker', 'assigneeName', '网格员', 'rule', 'grid worker with the least open work', 'assignedAt', now()), NULL);
SELECT pg_notify('outbox', '');
COMMIT;
BEGIN;
UPDATE outbox_messages SET published_at = now(), attempts = attempts + 1
WHERE id IN (SELECT id FROM outbox_messages WHERE published_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
COMMIT;
