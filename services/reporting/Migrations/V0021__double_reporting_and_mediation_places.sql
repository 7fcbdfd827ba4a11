-- Double reporting (双报到) as the seeds count it: units, members, activities, hardships solved, co-building events.
-- Hardships solved (HardshipSolved) and co-building events (ServiceCommitmentFulfilled of kind co_building) land
-- here keyed by what caused them, so a replay adds nothing.
CREATE TABLE double_reporting_events (
    source_key     text        PRIMARY KEY,
    kind           text        NOT NULL CHECK (kind IN ('hardship', 'co_building')),
    unit_id        uuid        NOT NULL,
    community_code text        NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX double_reporting_events_at ON double_reporting_events (at, kind);

-- Service contracts (服务合同) as signed; fulfilment of every kind is summed per contract in contract_fulfilments.
CREATE TABLE service_contracts (
    contract_id    uuid        PRIMARY KEY,
    unit_id        uuid        NOT NULL,
    community_code text        NOT NULL,
    starts_on      date        NOT NULL,
    ends_on        date        NOT NULL,
    commitments    int         NOT NULL,
    committed      bigint      NOT NULL,
    signed_at      timestamptz NOT NULL
);

CREATE TABLE contract_fulfilments (
    entry_id       uuid        PRIMARY KEY,
    contract_id    uuid        NOT NULL,
    kind           text        NOT NULL,
    quantity       int         NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX contract_fulfilments_contract ON contract_fulfilments (contract_id);

-- Which activity a verified service was part of, so activities are counted once however many members served.
ALTER TABLE volunteer_services ADD COLUMN activity_id uuid;

-- Mediation studios and talk-it-over points (调解工作室, 说事点): each place's cases give its own figures.
CREATE TABLE mediation_places (
    place_id       uuid        PRIMARY KEY,
    community_code text        NOT NULL,
    kind           text        NOT NULL,
    name           text        NOT NULL,
    registered_at  timestamptz NOT NULL
);
ALTER TABLE mediation_cases ADD COLUMN place_id uuid;
CREATE INDEX mediation_cases_place ON mediation_cases (place_id) WHERE place_id IS NOT NULL;
