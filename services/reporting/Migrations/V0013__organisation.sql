-- The organisation beside the grid, as far as the figures need it: which nodes have a party
-- organisation (for the party-branch share of the "three coverages", 三覆盖) and the visits grid
-- staff made to households (all, to special-care households, to party-member households).
CREATE TABLE party_orgs (
    id            uuid        PRIMARY KEY,
    kind          text        NOT NULL,
    node_code     text        NOT NULL,
    scope_path    text[]      NOT NULL,
    registered_at timestamptz NOT NULL
);
CREATE INDEX party_orgs_scope ON party_orgs USING gin (scope_path);

CREATE TABLE household_visits (
    visit_id        uuid        PRIMARY KEY,
    household_id    uuid        NOT NULL,
    node_code       text        NOT NULL,
    scope_path      text[]      NOT NULL,
    kind            text        NOT NULL,
    care_groups     text[]      NOT NULL,
    party_household boolean     NOT NULL,
    visited_at      timestamptz NOT NULL
);
CREATE INDEX household_visits_scope ON household_visits USING gin (scope_path);
CREATE INDEX household_visits_at ON household_visits (visited_at);
