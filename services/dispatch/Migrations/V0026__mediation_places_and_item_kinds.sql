-- Mediation studios (调解工作室) and talk-it-over points (说事点) as registered places: a named place in a
-- community with its host and opening hours. A case may be held at one; each place then has its own figures.
-- scope_path is the community's tree path, copied like mediation_cases' for one-array access checks.
CREATE TABLE mediation_places (
    id             uuid        PRIMARY KEY,
    community_code text        NOT NULL REFERENCES grid_nodes (code),
    scope_path     text[]      NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('studio', 'talk_point')),
    name           text        NOT NULL,
    -- The host is a named person (a respected resident, a retired cadre): personal data, masked outside the county.
    host_name      text        NOT NULL,
    opening_hours  text        NOT NULL,
    registered_by  text        NOT NULL,
    registered_at  timestamptz NOT NULL,
    UNIQUE (community_code, name)
);

ALTER TABLE mediation_cases ADD COLUMN place_id uuid REFERENCES mediation_places (id);
CREATE INDEX mediation_cases_place ON mediation_cases (place_id, opened_at) WHERE place_id IS NOT NULL;

-- What a menu item offers: a service, a small wish (微心愿) or help with a hardship (困难帮扶); wishes and
-- hardships solved by member units and reported party members are double reporting's figures.
ALTER TABLE service_menu_items ADD COLUMN kind text NOT NULL DEFAULT 'service' CHECK (kind IN ('service', 'wish', 'hardship'));

-- A volunteer who is not a party member may take an order too; the taker id is then their volunteer id.
ALTER TABLE service_orders DROP CONSTRAINT service_orders_taker_kind_check;
ALTER TABLE service_orders ADD CONSTRAINT service_orders_taker_kind_check CHECK (taker_kind IN ('member_unit', 'party_member', 'volunteer'));
