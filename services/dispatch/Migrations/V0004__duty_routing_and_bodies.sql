-- On-duty status: Postgres stays the source of truth (Redis holds a copy for routing). A worker who
-- has never sent a heartbeat is on duty by the roster; once they send them, a lapsed heartbeat
-- takes them off duty.
ALTER TABLE workers ADD COLUMN last_heartbeat_at timestamptz;
CREATE INDEX workers_heartbeat ON workers (last_heartbeat_at) WHERE on_duty AND last_heartbeat_at IS NOT NULL;

-- Where grids are: a centre and, when surveyed, a boundary ring (lat, lon, lat, lon...) with its
-- bounding box, so a point finds its grid by an index lookup and a point-in-polygon test over the
-- few boxes that contain it (the same layout as the grid copies other services keep).
ALTER TABLE grid_nodes
    ADD COLUMN centre_lat double precision,
    ADD COLUMN centre_lon double precision,
    ADD COLUMN boundary   double precision[],
    ADD COLUMN min_lat    double precision,
    ADD COLUMN max_lat    double precision,
    ADD COLUMN min_lon    double precision,
    ADD COLUMN max_lon    double precision;
CREATE INDEX grid_nodes_centre ON grid_nodes (centre_lat, centre_lon) WHERE level = 'grid' AND centre_lat IS NOT NULL;
CREATE INDEX grid_nodes_bounds ON grid_nodes (min_lat, max_lat) WHERE level = 'grid' AND boundary IS NOT NULL;

-- Bodies beyond the grid's own people. A compound has one property company (物业) and one
-- owners' committee (业委会); a company serving several compounds has a row under each.
CREATE TABLE property_companies (
    compound_code text        PRIMARY KEY REFERENCES grid_nodes (code),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contact_name  text        NOT NULL,
    phone         text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE owners_committees (
    compound_code text        PRIMARY KEY REFERENCES grid_nodes (code),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contact_name  text        NOT NULL,
    phone         text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Units that adopt a grid as their responsibility area (包保单位); a grid may have several.
CREATE TABLE responsible_units (
    grid_code     text        NOT NULL REFERENCES grid_nodes (code),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contact_name  text        NOT NULL,
    phone         text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grid_code, name)
);
-- The county's departments a whistle calls in, with the contact who answers for each.
CREATE TABLE departments (
    code          text        PRIMARY KEY CHECK (code IN ('police', 'fire', 'city_management', 'housing', 'civil_affairs', 'water', 'power', 'emergency')),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contact_name  text        NOT NULL,
    phone         text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Per-category routing: where a category goes first ('grid' = the grid's workers as before,
-- 'property_company' = the compound's company) and whether the community is told at once.
-- A category without a row follows '*'.
CREATE TABLE routing_rules (
    category         text        PRIMARY KEY CHECK (category ~ '^([a-z0-9_]{1,64}|\*)$'),
    target           text        NOT NULL CHECK (target IN ('grid', 'property_company')),
    notify_community boolean     NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- Defaults from intake's catalogue: what the property company maintains goes to it; a safety
-- hazard is the community's business from the first minute, whoever fixes it.
INSERT INTO routing_rules (category, target, notify_community) VALUES
    ('*',                 'grid',             false),
    ('property_service',  'property_company', false),
    ('roof_leak',         'property_company', false),
    ('stairwell_clutter', 'property_company', false),
    ('greening',          'property_company', false),
    ('safety_hazard',     'grid',             true),
    ('fire_escape',       'grid',             true),
    ('thrown_objects',    'grid',             true);
