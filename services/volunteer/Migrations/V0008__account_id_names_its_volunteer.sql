-- A volunteer's account is opened by its first credit with INSERT ... ON CONFLICT (id) DO UPDATE.
-- The conflict clause covers only the primary key, so when two first credits raced, the loser
-- could hit the separate UNIQUE (volunteer_id) index instead and fail with a unique violation (a
-- 500 seen once under load). The account id is 'volunteer:' || volunteer_id, so the primary key
-- already makes volunteer_id unique once a check ties the two together; the extra index goes.
ALTER TABLE point_accounts
    ADD CONSTRAINT volunteer_account_id_is_its_volunteer
    CHECK (kind <> 'volunteer' OR id = 'volunteer:' || volunteer_id::text);
ALTER TABLE point_accounts DROP CONSTRAINT point_accounts_volunteer_id_key;
