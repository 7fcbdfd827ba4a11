-- Residents and party members who volunteer, each registered in the grid they live in (checked
-- against the copy of dispatch's tree). The points ledger and activities build on this.
CREATE TABLE volunteers (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    phone       text        NOT NULL UNIQUE,
    grid_code   text        NOT NULL,
    party_member boolean    NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
