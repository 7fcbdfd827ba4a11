-- Three-party councils (三方联动议事) and joint meetings (联席会议) held on a work order.
-- A joint meeting names the cadre who tracks the case to the end (tracked_by).
CREATE TABLE councils (
    id            uuid        PRIMARY KEY,
    work_order_id uuid        NOT NULL REFERENCES work_orders (id),
    kind          text        NOT NULL CHECK (kind IN ('three_party', 'joint_meeting')),
    scheduled_at  timestamptz NOT NULL,
    place         text        NOT NULL,
    tracked_by    text        CHECK (kind <> 'joint_meeting' OR tracked_by IS NOT NULL),
    convened_by   text        NOT NULL,
    created_at    timestamptz NOT NULL,
    held_at       timestamptz,
    attendees     text[],
    decision      text,
    recorded_by   text
);
CREATE INDEX councils_order ON councils (work_order_id);
