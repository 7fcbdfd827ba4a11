-- Points rules are changed by admins through the API (PUT /api/v1/points/rules/{type}); every
-- change is kept with who made it and what it replaced, since a rule decides what people earn.
CREATE TABLE points_rule_changes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_type    text        NOT NULL REFERENCES points_rules (activity_type),
    points_per_hour  int         NOT NULL,
    bonus            int         NOT NULL,
    expiry_days      int,
    -- The rule it replaced; null when the change created the activity type.
    previous         jsonb,
    changed_by       text        NOT NULL,
    changed_at       timestamptz NOT NULL
);

CREATE INDEX points_rule_changes_by_type ON points_rule_changes (activity_type, id);

-- Access checks ask "is this person signed up to one of this organiser's activities?" per request.
CREATE INDEX signups_by_volunteer ON signups (volunteer_id);
