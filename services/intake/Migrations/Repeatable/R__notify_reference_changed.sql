-- Filing a request reads the catalogue, the grid copy and the live API keys from memory; every
-- instance must hear when any of them changes (a revoked key must stop working everywhere at once). A statement-level trigger NOTIFYs after the change commits (Postgres holds
-- notifications until commit and drops them on rollback), so no instance forgets too early.
CREATE OR REPLACE FUNCTION notify_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('intake_reference', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS grid_copy_changed ON grid_copy;
CREATE TRIGGER grid_copy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grid_copy
    FOR EACH STATEMENT EXECUTE FUNCTION notify_reference_changed();
DROP TRIGGER IF EXISTS categories_changed ON categories;
CREATE TRIGGER categories_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_reference_changed();
DROP TRIGGER IF EXISTS api_keys_changed ON api_keys;
CREATE TRIGGER api_keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_reference_changed();
