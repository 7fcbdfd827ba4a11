-- Whether a worker's place on the roster has been published (WorkerRostered). Imports publish it in their own
-- transaction; workers imported before the event existed are published once at start-up, stamped with the time they
-- were created (on duty by the roster since then), so reporting's grid coverage counts workers who never change duty.
ALTER TABLE workers ADD COLUMN roster_published boolean NOT NULL DEFAULT false;
CREATE INDEX workers_roster_unpublished ON workers (id) WHERE NOT roster_published;
