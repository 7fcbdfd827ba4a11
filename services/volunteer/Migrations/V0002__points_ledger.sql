-- The points ledger: append-only, double-entry. Points are money to the people who earn them,
-- so the database itself refuses what would make the books wrong, whatever code writes to it.

-- One account per volunteer, plus system accounts that points come from and go to:
--   system:issued     every award and bonus is drawn from here (goes negative as points are issued)
--   system:held       points reserved by a supermarket redemption not yet picked up or cancelled
--   system:spent      points of goods handed over in the points supermarket
--   system:expired    points that lapsed unspent
--   system:corrections the other side of an admin's correction
CREATE TABLE point_accounts (
    id            text   PRIMARY KEY,
    kind          text   NOT NULL CHECK (kind IN ('volunteer', 'system')),
    volunteer_id  uuid   UNIQUE REFERENCES volunteers (id),
    -- Cached for volunteer accounts only, updated in the same transaction as the postings and
    -- checked against their sum by the invariant tests. System accounts are touched by almost
    -- every entry: caching their balance would make all awards queue on one row, so their
    -- balance is the sum of their postings when asked.
    balance       bigint NOT NULL DEFAULT 0,
    CONSTRAINT volunteer_balance_never_negative CHECK (kind <> 'volunteer' OR balance >= 0),
    CONSTRAINT volunteer_account_names_its_volunteer CHECK ((kind = 'volunteer') = (volunteer_id IS NOT NULL))
);

INSERT INTO point_accounts (id, kind) VALUES
    ('system:issued', 'system'), ('system:held', 'system'), ('system:spent', 'system'),
    ('system:expired', 'system'), ('system:corrections', 'system');

-- One row per business event (award, redemption, pick-up, refund, expiry, correction).
-- source_key makes each one happen once: an activity check-out, a mediation case and a
-- redemption step each have exactly one key.
CREATE TABLE ledger_entries (
    id            uuid        PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('award', 'redemption', 'pickup', 'refund', 'expiry', 'correction')),
    source_key    text        NOT NULL UNIQUE,
    volunteer_id  uuid        NOT NULL REFERENCES volunteers (id),
    points        bigint      NOT NULL CHECK (points > 0),
    reason        text        NOT NULL,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    -- Only awards may lapse; expiry runs look at these.
    expires_at    timestamptz CHECK (expires_at IS NULL OR kind = 'award')
);

CREATE INDEX ledger_entries_by_volunteer ON ledger_entries (volunteer_id, created_at);
CREATE INDEX ledger_entries_expiring ON ledger_entries (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE ledger_postings (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id  uuid   NOT NULL REFERENCES ledger_entries (id),
    account   text   NOT NULL REFERENCES point_accounts (id),
    amount    bigint NOT NULL CHECK (amount <> 0)
);

CREATE INDEX ledger_postings_by_account ON ledger_postings (account);
CREATE INDEX ledger_postings_by_entry ON ledger_postings (entry_id);

-- Append-only and double-entry are enforced by triggers: Repeatable/R__ledger_is_append_only.sql and
-- Repeatable/R__ledger_entry_is_balanced.sql.

-- Points rules per activity type: points per hour of verified service, a flat bonus per
-- service (for mediation: per closed case), and an optional lifetime after which unspent points lapse.
CREATE TABLE points_rules (
    activity_type    text PRIMARY KEY,
    points_per_hour  int  NOT NULL CHECK (points_per_hour >= 0),
    bonus            int  NOT NULL DEFAULT 0 CHECK (bonus >= 0),
    expiry_days      int  CHECK (expiry_days IS NULL OR expiry_days > 0)
);

INSERT INTO points_rules (activity_type, points_per_hour, bonus, expiry_days) VALUES
    ('publicity', 10, 0, NULL),
    ('cleanup', 10, 0, NULL),
    ('screening', 15, 0, NULL),
    ('mediation', 15, 20, NULL),
    ('patrol', 12, 0, NULL),
    ('haircut', 15, 0, NULL),
    ('neighbour_help', 10, 0, NULL);
