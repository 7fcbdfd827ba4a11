-- Red property management (红色物业) and the rest of the three coverages (三覆盖), as far as the figures need them:
-- which compounds have an owners' committee and a property service (the party branch is in party_orgs), the grades
-- inspections gave, surveys, rectification notices and what became of them, recommendations, major matters with their
-- consent and vote, and the work orders that reached a building's party-member households and household-group heads.
CREATE TABLE compound_bodies (
    compound_code text        NOT NULL,
    kind          text        NOT NULL,
    scope_path    text[]      NOT NULL,
    registered_at timestamptz NOT NULL,
    PRIMARY KEY (compound_code, kind)
);

CREATE TABLE property_grades (
    inspection_id uuid         PRIMARY KEY,
    compound_code text         NOT NULL,
    scope_path    text[]       NOT NULL,
    company       text         NOT NULL,
    score         numeric(5,2) NOT NULL,
    grade         text         NOT NULL,
    inspected_at  timestamptz  NOT NULL
);
CREATE INDEX property_grades_scope ON property_grades USING gin (scope_path);

CREATE TABLE property_survey_facts (
    survey_id     uuid        PRIMARY KEY,
    scope_path    text[]      NOT NULL,
    respondents   int         NOT NULL,
    satisfied     int         NOT NULL,
    surveyed_at   timestamptz NOT NULL
);

-- A notice's events may arrive in any order, so every column but the key and the place may still be unknown.
CREATE TABLE property_notices (
    notice_id     uuid        PRIMARY KEY,
    scope_path    text[]      NOT NULL,
    opened_at     timestamptz,
    due_at        timestamptz,
    rectified_at  timestamptz,
    flagged_at    timestamptz
);
CREATE INDEX property_notices_scope ON property_notices USING gin (scope_path);

CREATE TABLE property_recommendations (
    inspection_id uuid        PRIMARY KEY,
    scope_path    text[]      NOT NULL,
    recommended_at timestamptz NOT NULL
);

CREATE TABLE property_matters (
    matter_id     uuid        PRIMARY KEY,
    scope_path    text[]      NOT NULL,
    kind          text,
    proposed_at   timestamptz,
    consented     boolean,
    consent_at    timestamptz,
    passed        boolean,
    voted_at      timestamptz
);

CREATE TABLE property_standard_changes (
    county     text        NOT NULL,
    version    int         NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (county, version)
);

CREATE TABLE household_reach (
    work_order_id    uuid        PRIMARY KEY,
    scope_path       text[]      NOT NULL,
    households       int         NOT NULL,
    party_households int         NOT NULL,
    link_heads       int         NOT NULL,
    reached_at       timestamptz NOT NULL
);
CREATE INDEX household_reach_scope ON household_reach USING gin (scope_path);
