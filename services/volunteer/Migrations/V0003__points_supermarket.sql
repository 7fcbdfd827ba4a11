-- The points supermarket (积分超市): goods priced in points, with stock and a per-person limit.
CREATE TABLE goods (
    code              text        PRIMARY KEY,
    name              text        NOT NULL,
    price_points      bigint      NOT NULL CHECK (price_points > 0),
    -- Never below zero: the last line of defence against overselling.
    stock             int         NOT NULL CHECK (stock >= 0),
    -- How many one person may hold (reserved or picked up) in all; null means no limit.
    per_person_limit  int         CHECK (per_person_limit IS NULL OR per_person_limit > 0),
    active            boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL
);

-- A redemption reserves stock and points, then is picked up (points spent) or cancelled (refunded).
CREATE TABLE redemptions (
    id            uuid        PRIMARY KEY,
    volunteer_id  uuid        NOT NULL REFERENCES volunteers (id),
    item_code     text        NOT NULL REFERENCES goods (code),
    quantity      int         NOT NULL CHECK (quantity > 0),
    points        bigint      NOT NULL CHECK (points > 0),
    status        text        NOT NULL CHECK (status IN ('reserved', 'picked_up', 'cancelled')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    handled_by    text
);

CREATE INDEX redemptions_held_by_person ON redemptions (volunteer_id, item_code) WHERE status <> 'cancelled';
CREATE INDEX redemptions_by_status ON redemptions (status, created_at);
