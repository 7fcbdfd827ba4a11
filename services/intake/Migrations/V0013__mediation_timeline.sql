-- A mediation case about a request (opened for a resident's application, closed with its outcome) is an entry on
-- the request's timeline, so the resident's status page shows it. It is not a status: the status update skips it.
ALTER TABLE request_timeline DROP CONSTRAINT request_timeline_event_check;
ALTER TABLE request_timeline ADD CONSTRAINT request_timeline_event_check
    CHECK (event IN ('submitted', 'classified', 'linked', 'unlinked', 'assigned', 'accepted', 'on_site', 'escalated', 'whistled',
                     'mediation', 'resolved', 'plan_formed', 'callback', 'reopened', 'closed'));
