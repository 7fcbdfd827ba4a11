-- The grid tree dispatch owns: district > subdistrict > community > compound > grid > building
-- > unit > household group. path holds the codes from the top down to the node itself, so
-- "everything under X" and "which grid covers Y" are index lookups, not recursive queries.
CREATE TABLE grid_nodes (
    code        text        PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,63}$'),
    parent_code text        REFERENCES grid_nodes (code),
    level       text        NOT NULL CHECK (level IN ('district', 'subdistrict', 'community', 'compound', 'grid', 'building', 'unit', 'household_group')),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    path        text[]      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grid_nodes_parent ON grid_nodes (parent_code);
CREATE INDEX grid_nodes_path ON grid_nodes USING gin (path);

-- People who receive work: grid leaders and workers, building leaders, community cadres.
CREATE TABLE workers (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    phone       text        NOT NULL UNIQUE,
    role        text        NOT NULL CHECK (role IN ('grid_worker', 'grid_leader', 'building_leader', 'community_cadre')),
    node_code   text        NOT NULL REFERENCES grid_nodes (code),
    on_duty     boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workers_node ON workers (node_code, role);

-- One work order per request: the unique request_id is the last line of defence against a
-- request being assigned twice, whatever the broker redelivers.
CREATE TABLE work_orders (
    id              uuid        PRIMARY KEY,
    request_id      uuid        NOT NULL UNIQUE,
    ticket_no       text        NOT NULL,
    category        text        NOT NULL,
    location_code   text        NOT NULL,
    grid_code       text,
    community_code  text,
    assignee_kind   text        NOT NULL,
    assignee_id     uuid        REFERENCES workers (id),
    assignee_name   text        NOT NULL,
    status          text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_orders_open_by_assignee ON work_orders (assignee_id) WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE work_order_history (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id  uuid        NOT NULL REFERENCES work_orders (id),
    at             timestamptz NOT NULL DEFAULT now(),
    action         text        NOT NULL,
    actor          text        NOT NULL,
    detail         jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX work_order_history_order ON work_order_history (work_order_id, id);
