-- Employer units of party members: government bodies, enterprises, institutions (机关、企业、事业单位).
CREATE TABLE units (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    kind        text        NOT NULL CHECK (kind IN ('government', 'enterprise', 'institution', 'other')),
    created_at  timestamptz NOT NULL
);

-- Double reporting (双报到): a party member reports to their employer unit and to the community
-- they live in, once; a later report to another unit replaces it (the member changed jobs).
CREATE TABLE party_member_reports (
    volunteer_id    uuid        PRIMARY KEY REFERENCES volunteers (id),
    unit_id         uuid        NOT NULL REFERENCES units (id),
    community_code  text        NOT NULL,
    reported_at     timestamptz NOT NULL
);

CREATE INDEX party_member_reports_by_unit ON party_member_reports (unit_id);

-- Service teams (red service team, mediation team, night patrol team) in a community, with a leader.
CREATE TABLE teams (
    id              uuid        PRIMARY KEY,
    name            text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('red_service', 'mediation', 'night_patrol', 'other')),
    community_code  text        NOT NULL,
    leader_id       uuid        NOT NULL REFERENCES volunteers (id),
    created_at      timestamptz NOT NULL,
    UNIQUE (community_code, name)
);

CREATE TABLE team_members (
    team_id       uuid        NOT NULL REFERENCES teams (id),
    volunteer_id  uuid        NOT NULL REFERENCES volunteers (id),
    joined_at     timestamptz NOT NULL,
    PRIMARY KEY (team_id, volunteer_id)
);

CREATE INDEX team_members_by_volunteer ON team_members (volunteer_id);
