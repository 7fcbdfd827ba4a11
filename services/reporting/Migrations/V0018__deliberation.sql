-- Deliberation figures as the seeds report them (岭上夜话: sessions held, suggestions collected, disputes resolved,
-- practical matters done), per community, rolled up the tree by each row's community path.
CREATE TABLE deliberation_meetings (
    meeting_id        uuid        PRIMARY KEY,
    community_code    text        NOT NULL,
    scope_path        text[]      NOT NULL,
    kind              text        NOT NULL,
    held_at           timestamptz NOT NULL,
    attendees         int         NOT NULL,
    needs             int         NOT NULL,
    suggestions       int         NOT NULL,
    disputes          int         NOT NULL,
    disputes_resolved int         NOT NULL
);
CREATE INDEX deliberation_meetings_scope ON deliberation_meetings USING gin (scope_path);
CREATE INDEX deliberation_meetings_held ON deliberation_meetings (held_at);

-- Each need raised at a meeting and, once intake filed it, the request it became.
CREATE TABLE deliberation_needs (
    need_id        uuid        PRIMARY KEY,
    meeting_id     uuid        NOT NULL,
    community_code text,
    raised_at      timestamptz,
    request_id     uuid,
    filed_at       timestamptz
);

-- A proposal's path; each step's event fills its own columns, so they may arrive in any order.
CREATE TABLE deliberation_proposals (
    proposal_id    uuid        PRIMARY KEY,
    community_code text        NOT NULL,
    scope_path     text[],
    proposed_at    timestamptz,
    discussed_at   timestamptz,
    decided_at     timestamptz,
    outcome        text,
    votes_for      int,
    votes_against  int,
    votes_abstain  int,
    carried_out_at timestamptz
);
CREATE INDEX deliberation_proposals_scope ON deliberation_proposals USING gin (scope_path);

CREATE TABLE deliberation_votes (
    proposal_id  uuid        NOT NULL,
    household_id uuid        NOT NULL,
    choice       text        NOT NULL,
    cast_at      timestamptz NOT NULL,
    PRIMARY KEY (proposal_id, household_id)
);

-- The newest progress of each follow-up task.
CREATE TABLE deliberation_tasks (
    task_id     uuid        PRIMARY KEY,
    proposal_id uuid        NOT NULL,
    progress    int         NOT NULL,
    at          timestamptz NOT NULL
);
