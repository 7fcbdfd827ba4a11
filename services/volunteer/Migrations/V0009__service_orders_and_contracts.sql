-- Service orders dispatch completed (ServiceOrderCompleted), as the volunteer service saw them: who was credited with the
-- menu item's points, or why nobody was, and which member unit the order counts for in double reporting (双报到).
-- One row per order, so a redelivered or republished completion finds its row and credits nobody twice.
CREATE TABLE service_order_completions (
    order_id        uuid        PRIMARY KEY,
    menu_item_id    uuid        NOT NULL,
    community_code  text        NOT NULL,
    item_kind       text        NOT NULL CHECK (item_kind IN ('service', 'wish', 'hardship')),
    taker_kind      text        NOT NULL,
    taker_id        uuid,
    -- The unit the order counts for: the taking member unit, or the unit a party member taker reported through.
    unit_id         uuid        REFERENCES units (id),
    points          int,
    credited_volunteer_id uuid  REFERENCES volunteers (id),
    ledger_entry_id uuid,
    -- Why no points went to anyone: no_points, member_unit, no_taker_id, not_a_volunteer.
    uncredited_reason text,
    completed_at    timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    CHECK ((credited_volunteer_id IS NULL) <> (uncredited_reason IS NULL))
);
CREATE INDEX service_order_completions_unit ON service_order_completions (unit_id, community_code) WHERE unit_id IS NOT NULL;

-- Service contracts (服务合同) a member unit signs with a community for a period, with committed projects.
CREATE TABLE service_contracts (
    id              uuid        PRIMARY KEY,
    unit_id         uuid        NOT NULL REFERENCES units (id),
    community_code  text        NOT NULL,
    title           text        NOT NULL,
    starts_on       date        NOT NULL,
    ends_on         date        NOT NULL CHECK (ends_on >= starts_on),
    signed_by       text        NOT NULL,
    signed_at       timestamptz NOT NULL
);
CREATE INDEX service_contracts_unit ON service_contracts (unit_id, starts_on);
CREATE INDEX service_contracts_community ON service_contracts (community_code, starts_on);

CREATE TABLE contract_commitments (
    id           uuid    PRIMARY KEY,
    contract_id  uuid    NOT NULL REFERENCES service_contracts (id),
    position     int     NOT NULL,
    title        text    NOT NULL,
    -- The target in the commitment's own measure (events held, households helped, hours): target counts "measure".
    target       int     NOT NULL CHECK (target > 0),
    measure      text    NOT NULL,
    due_on       date    NOT NULL,
    UNIQUE (contract_id, position)
);

-- Fulfilment entries: each adds a quantity towards one commitment. A linked service order or activity counts once per contract.
CREATE TABLE contract_fulfilments (
    id               uuid        PRIMARY KEY,
    commitment_id    uuid        NOT NULL REFERENCES contract_commitments (id),
    contract_id      uuid        NOT NULL REFERENCES service_contracts (id),
    kind             text        NOT NULL CHECK (kind IN ('co_building', 'service_order', 'other')),
    quantity         int         NOT NULL CHECK (quantity > 0),
    held_on          date        NOT NULL,
    note             text        NOT NULL,
    activity_id      uuid        REFERENCES activities (id),
    service_order_id uuid        REFERENCES service_order_completions (order_id),
    recorded_by      text        NOT NULL,
    recorded_at      timestamptz NOT NULL,
    CHECK (kind = 'service_order' OR service_order_id IS NULL),
    CHECK (kind <> 'service_order' OR service_order_id IS NOT NULL),
    CHECK (kind = 'co_building' OR activity_id IS NULL),
    UNIQUE (contract_id, service_order_id),
    UNIQUE (contract_id, activity_id)
);
CREATE INDEX contract_fulfilments_commitment ON contract_fulfilments (commitment_id, held_on);
CREATE INDEX contract_fulfilments_contract ON contract_fulfilments (contract_id, kind);
