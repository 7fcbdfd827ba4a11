-- Every read of a resident's whole phone number: who, when, which request and why. Rows are only ever added;
-- admins read them (GET /api/v1/contact-access-log) to answer "who called this resident, and on what grounds".
CREATE TABLE contact_access_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid        NOT NULL REFERENCES requests (id),
    viewed_by   text        NOT NULL,
    viewer_name text,
    roles       text[]      NOT NULL,
    reason      text        NOT NULL,
    note        text,
    at          timestamptz NOT NULL
);
CREATE INDEX contact_access_log_request ON contact_access_log (request_id, at);
CREATE INDEX contact_access_log_viewer ON contact_access_log (viewed_by, at);
