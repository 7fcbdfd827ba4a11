-- Double-entry: at commit, every entry's postings sum to zero and there are at least two.
-- Deferred so an entry's postings can be written one by one inside its transaction.
CREATE OR REPLACE FUNCTION ledger_entry_is_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
    legs  int;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, legs FROM ledger_postings WHERE entry_id = NEW.entry_id;
    IF total <> 0 OR legs < 2 THEN
        RAISE EXCEPTION 'ledger entry % is not balanced (% postings summing to %)', NEW.entry_id, legs, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings;
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_is_balanced();
