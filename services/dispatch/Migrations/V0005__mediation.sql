-- Dispute mediation (矛盾纠纷调解): a case per dispute, mediated by a named studio or talk-it-over
-- point, its sessions, and one outcome. scope_path is the community's tree path, copied so access
-- checks are one array test like work orders' (the community itself never moves in the tree).
CREATE TABLE mediation_cases (
    id                    uuid        PRIMARY KEY,
    community_code        text        NOT NULL REFERENCES grid_nodes (code),
    scope_path            text[]      NOT NULL,
    kind                  text        NOT NULL CHECK (kind IN ('neighbour', 'property', 'family', 'other')),
    summary               text        NOT NULL,
    request_id            uuid,
    work_order_id         uuid        REFERENCES work_orders (id),
    mediator_kind         text        NOT NULL CHECK (mediator_kind IN ('studio', 'talk_point')),
    mediator_name         text        NOT NULL,
    mediator_volunteer_ids uuid[]     NOT NULL DEFAULT '{}',
    state                 text        NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at             timestamptz NOT NULL,
    opened_by             text        NOT NULL,
    closed_at             timestamptz,
    closed_by             text,
    outcome               text        CHECK (outcome IN ('agreement', 'failed', 'referred')),
    agreement_signed_at   timestamptz,
    referred_to           text,
    closing_note          text,
    -- An agreement counts only once signed; a referral says where to.
    CHECK (state = 'open' OR (closed_at IS NOT NULL AND outcome IS NOT NULL)),
    CHECK (outcome IS DISTINCT FROM 'agreement' OR agreement_signed_at IS NOT NULL),
    CHECK (outcome IS DISTINCT FROM 'referred' OR referred_to IS NOT NULL)
);
CREATE INDEX mediation_cases_community ON mediation_cases (community_code, state, opened_at DESC);

-- Parties' names are personal data: the API masks them for everyone but the county.
CREATE TABLE mediation_parties (
    case_id  uuid    NOT NULL REFERENCES mediation_cases (id),
    position int     NOT NULL,
    name     text    NOT NULL,
    role     text    NOT NULL,
    PRIMARY KEY (case_id, position)
);

CREATE TABLE mediation_sessions (
    id          uuid        PRIMARY KEY,
    case_id     uuid        NOT NULL REFERENCES mediation_cases (id),
    held_at     timestamptz NOT NULL,
    place       text        NOT NULL,
    attendees   text[]      NOT NULL,
    notes       text        NOT NULL,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX mediation_sessions_case ON mediation_sessions (case_id, held_at);
