-- A read-only copy of dispatch's grid tree, kept current from GridNodesChanged events, so a
-- service can validate locations and roll figures up the tree without reading dispatch's database.
CREATE TABLE grid_copy (
    code        text        PRIMARY KEY,
    parent_code text,
    level       text        NOT NULL,
    name        text        NOT NULL,
    path        text[]      NOT NULL,
    changed_at  timestamptz NOT NULL
);
CREATE INDEX grid_copy_path ON grid_copy USING gin (path);
