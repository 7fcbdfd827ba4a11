-- CouncilScheduled: a three-party council or a joint meeting put on a work order's calendar, before it is held
-- (CouncilHeld). Both land on the council's row, whichever arrives first: the schedule keeps its earliest
-- scheduling time, when it was set for and the order's tier then; the holding keeps how many attended and when.
-- Who tracks a joint meeting (TrackedBy, a staff id) is not kept: reporting holds no staff identities.
ALTER TABLE councils RENAME COLUMN at TO held_at;
ALTER TABLE councils
    ALTER COLUMN attendee_count DROP NOT NULL,
    ALTER COLUMN held_at DROP NOT NULL,
    ADD COLUMN tier          text,
    ADD COLUMN scheduled_at  timestamptz,
    ADD COLUMN scheduled_for timestamptz;
CREATE INDEX councils_request ON councils (request_id);
