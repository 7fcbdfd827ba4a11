-- 未诉先办: a hot spot a community accepted becomes a proactive work order (docs/dispatch.md, Proactive orders).
-- The order is an ordinary work order whose request_id is the hot spot's id (unique, so a redelivered decision can
-- never open a second one); this table says why it exists: the place, the topic and the requests that justify it.
CREATE TABLE proactive_orders (
    hot_spot_id    uuid        PRIMARY KEY,
    work_order_id  uuid        NOT NULL UNIQUE REFERENCES work_orders (id),
    category       text        NOT NULL,
    place_code     text        NOT NULL,
    place_level    text        NOT NULL,
    topic          text[]      NOT NULL,
    request_ids    uuid[]      NOT NULL,
    decided_by     text        NOT NULL,
    decision_note  text,
    decided_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL
);

-- Proactive orders run against their own level, chosen by the order's urgency 'proactive' (so an escalation or a
-- transfer, which restart clocks from the order's urgency, keep it). Nobody is waiting at the door: the hot spot's
-- own rhythm (at least 3 calls within 30 days, so the next call is due in about 10 days) sets the promise: taken
-- within a working day, on site within 2, fixed (or a plan with its own date formed) within 5 working days, about a
-- calendar week, before the next resident would have had to call.
ALTER TABLE sla_policies DROP CONSTRAINT sla_policies_urgency_check;
ALTER TABLE sla_policies ADD CONSTRAINT sla_policies_urgency_check CHECK (urgency IN ('*', 'normal', 'urgent', 'critical', 'proactive'));
INSERT INTO sla_policies (category, urgency, accept_seconds, arrive_seconds, resolve_seconds, plan_seconds, working_time, warn_percent)
VALUES ('*', 'proactive', 86400, 172800, 432000, 432000, true, 80)
ON CONFLICT DO NOTHING;
