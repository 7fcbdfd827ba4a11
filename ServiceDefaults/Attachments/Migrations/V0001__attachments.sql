-- Photos and files uploaded to a service. The row is what the platform knows of a file (who sent it, what it is,
-- whose case it belongs to); the bytes sit in attachment_blobs behind IAttachmentStore, which an S3-compatible
-- object store replaces in production while these rows stay in PostgreSQL.
CREATE TABLE attachments (
    id              uuid        PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('image', 'document')),
    content_type    text        NOT NULL,
    file_name       text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    size_bytes      integer     NOT NULL CHECK (size_bytes > 0),
    -- What the client sent, before re-encoding: the figure a size limit was judged on.
    received_bytes  integer     NOT NULL CHECK (received_bytes > 0),
    width           integer,
    height          integer,
    has_thumbnail   boolean     NOT NULL,
    sha256          bytea       NOT NULL,
    uploaded_by     text        NOT NULL,
    uploaded_at     timestamptz NOT NULL,
    -- Set once, when the upload is attached to a request, a work order step, ...; who may read it follows from it.
    owner_kind      text,
    owner_id        uuid,
    CHECK ((owner_kind IS NULL) = (owner_id IS NULL))
);
CREATE INDEX attachments_owner ON attachments (owner_kind, owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX attachments_unlinked ON attachments (uploaded_by, uploaded_at) WHERE owner_id IS NULL;

-- The Postgres stand-in for an object store: one row per stored object, addressed by key.
CREATE TABLE attachment_blobs (
    key           text        PRIMARY KEY,
    content_type  text        NOT NULL,
    content       bytea       NOT NULL,
    stored_at     timestamptz NOT NULL DEFAULT now()
);
-- Photos are already compressed: TOAST would only spend time trying again.
ALTER TABLE attachment_blobs ALTER COLUMN content SET STORAGE EXTERNAL;
