-- Each step a resident cares about owes a message to the request's reporter and to every reporter
-- whose request was linked to it as a duplicate (only mobiles receive texts). A duplicate's own
-- "submitted" owes nothing: its "linked", in the same transaction, says more. NOTIFY wakes the
-- senders when the step commits, unless the writer's own process runs a sender and wakes it after the commit
-- (ProgressWake sets govplatform.progress_wake): a NOTIFY makes the commit take a cluster-wide lock held through
-- its WAL flush, so every filing would wait for the previous one's fsync.
CREATE OR REPLACE FUNCTION owe_resident_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO resident_notifications (timeline_id, request_id, recipient_request_id, step, step_at)
    SELECT NEW.id, NEW.request_id, r.id, NEW.event, NEW.at
    FROM requests r
    WHERE (r.id = NEW.request_id OR r.original_id = NEW.request_id)
      AND r.reporter_phone ~ '^1[3-9][0-9]{9}$'
      AND NOT (NEW.event = 'submitted' AND r.id = NEW.request_id AND r.original_id IS NOT NULL)
    ON CONFLICT (timeline_id, recipient_request_id) DO NOTHING;
    IF current_setting('govplatform.progress_wake', true) IS DISTINCT FROM 'in_process' THEN
        PERFORM pg_notify('resident_notifications', '');
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS request_timeline_owes_notifications ON request_timeline;
CREATE TRIGGER request_timeline_owes_notifications AFTER INSERT ON request_timeline
    FOR EACH ROW WHEN (NEW.event IN ('submitted', 'linked', 'assigned', 'on_site', 'resolved', 'plan_formed', 'closed', 'reopened'))
    EXECUTE FUNCTION owe_resident_notifications();
