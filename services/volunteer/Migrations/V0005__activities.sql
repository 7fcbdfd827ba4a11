-- Activities communities publish (publicity, clean-up, screening, mediation, patrol, haircuts,
-- neighbour-help day), one time window each: a second shift is a second activity.
CREATE TABLE activities (
    id             uuid        PRIMARY KEY,
    title          text        NOT NULL,
    activity_type  text        NOT NULL REFERENCES points_rules (activity_type),
    grid_code      text        NOT NULL,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL CHECK (ends_at > starts_at),
    capacity       int         NOT NULL CHECK (capacity > 0),
    -- Where check-in must happen, when the organiser asks for it.
    latitude       double precision,
    longitude      double precision,
    radius_m       int CHECK (radius_m IS NULL OR radius_m > 0),
    organiser      text        NOT NULL,
    status         text        NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'cancelled')),
    created_at     timestamptz NOT NULL,
    CONSTRAINT location_is_complete CHECK ((latitude IS NULL) = (longitude IS NULL) AND (radius_m IS NULL OR latitude IS NOT NULL))
);

CREATE INDEX activities_by_grid ON activities (grid_code, starts_at);

-- Sign-ups: confirmed up to capacity, then a waiting list in order of signing up.
CREATE TABLE signups (
    activity_id   uuid        NOT NULL REFERENCES activities (id),
    volunteer_id  uuid        NOT NULL REFERENCES volunteers (id),
    status        text        NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    signed_up_at  timestamptz NOT NULL,
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (activity_id, volunteer_id)
);

CREATE INDEX signups_waiting ON signups (activity_id, seq) WHERE status = 'waitlisted';

-- One attendance per person per activity: check-in, check-out, then the organiser's verdict.
CREATE TABLE attendances (
    id             uuid        PRIMARY KEY,
    activity_id    uuid        NOT NULL REFERENCES activities (id),
    volunteer_id   uuid        NOT NULL REFERENCES volunteers (id),
    checked_in_at  timestamptz NOT NULL,
    checked_out_at timestamptz,
    hours          numeric(5, 2),
    status         text        NOT NULL CHECK (status IN ('checked_in', 'checked_out', 'verified', 'rejected')),
    verified_by    text,
    verdict_reason text,
    UNIQUE (activity_id, volunteer_id)
);

CREATE INDEX attendances_by_volunteer ON attendances (volunteer_id, checked_in_at);

-- Each QR token counts once per person: scanning the same code again is a replay.
CREATE TABLE used_qr_tokens (
    nonce         text        NOT NULL,
    volunteer_id  uuid        NOT NULL,
    used_at       timestamptz NOT NULL,
    PRIMARY KEY (nonce, volunteer_id)
);

-- Every refused check-in or check-out, with why: the anti-fraud trail organisers review.
CREATE TABLE check_rejections (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id   uuid,
    volunteer_id  uuid,
    action        text        NOT NULL CHECK (action IN ('check_in', 'check_out')),
    reason        text        NOT NULL,
    detail        text        NOT NULL,
    at            timestamptz NOT NULL
);

CREATE INDEX check_rejections_by_activity ON check_rejections (activity_id, at);
