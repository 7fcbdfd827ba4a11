-- The transaction that wrote each ledger entry, so the leaderboard projector can read the ledger
-- exactly once in commit-safe order: every entry of a transaction older than the oldest one still
-- running is visible for good (see Recognition/Leaderboards.cs). Existing rows get this
-- migration's transaction, which is as good as any for history.
ALTER TABLE ledger_entries ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX ledger_entries_by_tx ON ledger_entries (tx_id) WHERE kind IN ('award', 'correction');

-- Red and black lists (红黑榜): proposed by an organiser or admin with a reason, published only
-- once another admin approves.
CREATE TABLE honour_board (
    id            uuid        PRIMARY KEY,
    list          text        NOT NULL CHECK (list IN ('red', 'black')),
    subject_kind  text        NOT NULL CHECK (subject_kind IN ('volunteer', 'team', 'unit')),
    subject_id    uuid        NOT NULL,
    reason        text        NOT NULL,
    proposed_by   text        NOT NULL,
    proposed_at   timestamptz NOT NULL,
    status        text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'rejected')),
    reviewed_by   text,
    reviewed_at   timestamptz,
    review_note   text,
    CONSTRAINT reviewer_is_not_proposer CHECK (reviewed_by IS NULL OR reviewed_by <> proposed_by)
);

CREATE INDEX honour_board_published ON honour_board (list, reviewed_at DESC) WHERE status = 'approved';
