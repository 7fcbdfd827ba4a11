-- Order, dispatch, take, show (点单-派单-接单-晒单): one row per service order, whatever order its four
-- events arrive in. Each event sets its own time (the earliest if it comes twice) and the community; who
-- took the order follows the newest of dispatch, take and completion by its own time (taker_at).
-- No orderer's name or contact reaches reporting (the events carry none); the taker is an opaque id.
CREATE TABLE service_orders (
    order_id       uuid        PRIMARY KEY,
    menu_item_id   uuid,
    community_code text        NOT NULL,
    orderer_kind   text,
    placed_at      timestamptz,
    dispatched_at  timestamptz,
    taken_at       timestamptz,
    completed_at   timestamptz,
    taker_kind     text,
    taker_id       uuid,
    taker_at       timestamptz,
    points         int
);
CREATE INDEX service_orders_placed ON service_orders (placed_at);

-- CommunityNotified: a community told of a new work order at once by its category's routing rule
-- (safety hazards). Keyed by work order and community, so a replay lands on the same row.
CREATE TABLE community_notifications (
    work_order_id  uuid        NOT NULL,
    request_id     uuid        NOT NULL,
    community_code text        NOT NULL,
    category       text        NOT NULL,
    at             timestamptz NOT NULL,
    PRIMARY KEY (work_order_id, community_code)
);
CREATE INDEX community_notifications_at ON community_notifications (at);
