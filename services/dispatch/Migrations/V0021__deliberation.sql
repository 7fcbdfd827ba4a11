-- Deliberation (居民议事会, 岭上夜话, 议事亭): meetings with who attended and what they raised, and residents'
-- proposals that are discussed, voted on by household, decided and carried out jointly
-- ("居民提、众人议、一同定、联合做"). Kept beside the party organisations and the household register because the
-- same community staff run them and the votes are cast by the register's households.

CREATE TABLE meetings (
    id               uuid        PRIMARY KEY,
    community_code   text        NOT NULL REFERENCES grid_nodes (code),
    scope_path       text[]      NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('residents_council', 'night_talk', 'pavilion', 'other')),
    title            text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    place            text        NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    held_at          timestamptz NOT NULL,
    summary          text        CHECK (length(summary) <= 4000),
    recorded_by      text        NOT NULL,
    recorded_by_name text        NOT NULL,
    recorded_at      timestamptz NOT NULL
);
CREATE INDEX meetings_scope ON meetings USING gin (scope_path);
CREATE INDEX meetings_community ON meetings (community_code, held_at DESC);

CREATE TABLE meeting_attendees (
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    position   int  NOT NULL,
    party      text NOT NULL CHECK (party IN ('cadre', 'police', 'mediator', 'resident', 'party_member', 'other')),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    PRIMARY KEY (meeting_id, position)
);

-- What a meeting raised, kept apart by kind: a need is a problem to fix (filed in intake's ledger as a request of
-- channel 'meeting'), a suggestion is an idea for the community (not a request), a dispute was talked over there.
CREATE TABLE meeting_items (
    id            uuid        PRIMARY KEY,
    meeting_id    uuid        NOT NULL REFERENCES meetings (id),
    position      int         NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('need', 'suggestion', 'dispute')),
    text          text        NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    raised_by     text        CHECK (length(raised_by) <= 50),
    location_code text        REFERENCES grid_nodes (code),
    category      text,
    urgency       text        CHECK (urgency IN ('normal', 'urgent', 'critical')),
    resolved      boolean,
    -- Filled when intake answers MeetingNeedFiled.
    request_id    uuid,
    ticket_no     text,
    filed_status  text,
    UNIQUE (meeting_id, position),
    CONSTRAINT a_need_has_a_place CHECK ((kind = 'need') = (location_code IS NOT NULL)),
    CONSTRAINT only_disputes_are_resolved CHECK ((kind = 'dispute') = (resolved IS NOT NULL))
);
CREATE INDEX meeting_items_meeting ON meeting_items (meeting_id, position);

CREATE TABLE proposals (
    id               uuid        PRIMARY KEY,
    community_code   text        NOT NULL REFERENCES grid_nodes (code),
    scope_path       text[]      NOT NULL,
    title            text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text        NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    proposed_by      text        NOT NULL CHECK (length(proposed_by) BETWEEN 1 AND 50),
    state            text        NOT NULL CHECK (state IN ('proposed', 'discussed', 'adopted', 'rejected', 'carried_out')),
    proposed_at      timestamptz NOT NULL,
    created_by       text        NOT NULL,
    meeting_id       uuid        REFERENCES meetings (id),
    discussion       text        CHECK (length(discussion) <= 4000),
    discussed_at     timestamptz,
    decision         text        CHECK (length(decision) <= 4000),
    votes_for        int,
    votes_against    int,
    votes_abstain    int,
    decided_at       timestamptz,
    decided_by       text,
    carried_out_at   timestamptz
);
CREATE INDEX proposals_scope ON proposals USING gin (scope_path);
CREATE INDEX proposals_community ON proposals (community_code, proposed_at DESC);

-- One vote per household: the primary key is what makes a vote sent twice (or twice at once) count once.
CREATE TABLE proposal_votes (
    proposal_id  uuid        NOT NULL REFERENCES proposals (id),
    household_id uuid        NOT NULL REFERENCES households (id),
    choice       text        NOT NULL CHECK (choice IN ('for', 'against', 'abstain')),
    cast_at      timestamptz NOT NULL,
    recorded_by  text        NOT NULL,
    PRIMARY KEY (proposal_id, household_id)
);

-- The follow-up work of an adopted proposal, done jointly (联合做): who takes each task and how far it is.
CREATE TABLE proposal_tasks (
    id          uuid        PRIMARY KEY,
    proposal_id uuid        NOT NULL REFERENCES proposals (id),
    position    int         NOT NULL,
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    taken_by    text        NOT NULL CHECK (length(taken_by) BETWEEN 1 AND 200),
    progress    int         NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    note        text        CHECK (length(note) <= 2000),
    updated_at  timestamptz NOT NULL,
    done_at     timestamptz,
    UNIQUE (proposal_id, position)
);
