-- Order, dispatch, take, show (点单-派单-接单-晒单): a community's service menu, the orders placed
-- from it, and every step of each order with who and when.
CREATE TABLE service_menu_items (
    id             uuid        PRIMARY KEY,
    community_code text        NOT NULL REFERENCES grid_nodes (code),
    title          text        NOT NULL,
    description    text        NOT NULL,
    points         int         CHECK (points > 0),
    published_by   text        NOT NULL,
    published_at   timestamptz NOT NULL
);
CREATE INDEX service_menu_items_community ON service_menu_items (community_code, published_at);

CREATE TABLE service_orders (
    id              uuid        PRIMARY KEY,
    menu_item_id    uuid        NOT NULL REFERENCES service_menu_items (id),
    community_code  text        NOT NULL REFERENCES grid_nodes (code),
    scope_path      text[]      NOT NULL,
    state           text        NOT NULL CHECK (state IN ('placed', 'dispatched', 'taken', 'completed')),
    -- The orderer's name and contact are personal data: never on the public list.
    orderer_kind    text        NOT NULL CHECK (orderer_kind IN ('resident', 'member_unit')),
    orderer_name    text        NOT NULL,
    orderer_contact text        NOT NULL,
    note            text,
    taker_kind      text        CHECK (taker_kind IN ('member_unit', 'party_member')),
    taker_id        uuid,
    taker_name      text,
    result          text,
    placed_at       timestamptz NOT NULL,
    dispatched_at   timestamptz,
    taken_at        timestamptz,
    completed_at    timestamptz,
    CHECK (state = 'placed' OR taker_name IS NOT NULL),
    CHECK (state <> 'completed' OR (result IS NOT NULL AND completed_at IS NOT NULL))
);
CREATE INDEX service_orders_community ON service_orders (community_code, state, placed_at DESC);
CREATE INDEX service_orders_shown ON service_orders (community_code, completed_at DESC) WHERE state = 'completed';

CREATE TABLE service_order_history (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   uuid        NOT NULL REFERENCES service_orders (id),
    at         timestamptz NOT NULL,
    action     text        NOT NULL,
    actor      text        NOT NULL,
    actor_name text        NOT NULL,
    detail     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX service_order_history_order ON service_order_history (order_id, id);
