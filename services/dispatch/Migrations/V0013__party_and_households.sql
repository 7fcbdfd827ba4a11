-- The organisation beside the grid (党建引领): party organisations as a tree of their own
-- (community party committee → compound/grid branch → building party group), and the household
-- register the grid's people work from: households with their people and special-care groups,
-- party-member households (党员中心户) each linked to about ten households (十联户) with a
-- household-group head (联户长), and the visits grid staff make.

CREATE TABLE party_orgs (
    id              uuid        PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('committee', 'branch', 'group')),
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    node_code       text        NOT NULL REFERENCES grid_nodes (code),
    parent_id       uuid        REFERENCES party_orgs (id),
    -- The secretary's name and office phone are what the building's public board shows.
    secretary_name  text        CHECK (length(secretary_name) <= 50),
    secretary_phone text        CHECK (secretary_phone ~ '^[0-9-]{5,20}$'),
    member_count    int         NOT NULL DEFAULT 0 CHECK (member_count BETWEEN 0 AND 100000),
    scope_path      text[]      NOT NULL,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- One organisation of a kind per node: a compound has one branch, a building one group.
    UNIQUE (node_code, kind),
    CONSTRAINT only_committees_are_roots CHECK ((kind = 'committee') = (parent_id IS NULL))
);
CREATE INDEX party_orgs_scope ON party_orgs USING gin (scope_path);

CREATE TABLE households (
    id              uuid        PRIMARY KEY,
    node_code       text        NOT NULL REFERENCES grid_nodes (code),
    scope_path      text[]      NOT NULL,
    address         text        NOT NULL CHECK (length(address) BETWEEN 1 AND 100),
    head_name       text        NOT NULL CHECK (length(head_name) BETWEEN 1 AND 50),
    -- Private: shown to the staff who answer for the household, never on a public board.
    head_phone      text        CHECK (head_phone ~ '^1[3-9][0-9]{9}$'),
    party_household boolean     NOT NULL DEFAULT false,
    party_group_id  uuid        REFERENCES party_orgs (id),
    link_head       boolean     NOT NULL DEFAULT false,
    -- The party-member household or household-group head this household is linked to (十联户).
    linked_to       uuid        REFERENCES households (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (node_code, address),
    CONSTRAINT a_center_is_not_linked CHECK (NOT (linked_to IS NOT NULL AND (party_household OR link_head))),
    CONSTRAINT not_linked_to_itself CHECK (linked_to <> id)
);
CREATE INDEX households_scope ON households USING gin (scope_path);
CREATE INDEX households_linked_to ON households (linked_to) WHERE linked_to IS NOT NULL;

CREATE TABLE household_people (
    id              uuid        PRIMARY KEY,
    household_id    uuid        NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    birth_year      int         CHECK (birth_year BETWEEN 1900 AND 2100),
    -- Special-care groups (重点关爱人群) the grid visits more often.
    care            text[]      NOT NULL DEFAULT '{}'
                    CHECK (care <@ ARRAY['elderly_alone', 'disabled', 'seriously_ill', 'hardship']::text[])
);
CREATE INDEX household_people_household ON household_people (household_id);

CREATE TABLE household_visits (
    id              uuid        PRIMARY KEY,
    household_id    uuid        NOT NULL REFERENCES households (id),
    kind            text        NOT NULL CHECK (kind IN ('routine', 'care', 'festival', 'follow_up')),
    visited_at      timestamptz NOT NULL,
    visitor         text        NOT NULL,
    visitor_name    text        NOT NULL,
    notes           text        NOT NULL CHECK (length(notes) BETWEEN 1 AND 2000),
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX household_visits_household ON household_visits (household_id, visited_at DESC);
