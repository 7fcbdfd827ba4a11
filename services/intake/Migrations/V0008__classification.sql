-- Requests may arrive without a category: keyword rules suggest one, and when they are unsure
-- the request waits in the triage queue (status 'triage') for a desk operator, undispatched.
ALTER TABLE requests
    ALTER COLUMN category DROP NOT NULL,
    -- 'reporter' when it came with a category, 'rules' when the classifier chose it, else the operator.
    ADD COLUMN classified_by  text,
    -- What the rules suggested (category, confidence, candidates), kept for the operator and for tuning.
    ADD COLUMN classification jsonb;
UPDATE requests SET classified_by = 'reporter';
CREATE INDEX requests_triage ON requests (submitted_at) WHERE status = 'triage';

ALTER TABLE request_timeline DROP CONSTRAINT request_timeline_event_check;
ALTER TABLE request_timeline ADD CONSTRAINT request_timeline_event_check
    CHECK (event IN ('submitted', 'classified', 'assigned', 'accepted', 'on_site', 'escalated', 'whistled',
                     'resolved', 'plan_formed', 'callback', 'reopened', 'closed'));
