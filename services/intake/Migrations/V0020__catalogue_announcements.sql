-- What intake last announced of each category (CategoryChanged): the updated_at of the version it put in the
-- outbox, NULL when it never did. The catalogue these migrations ship (V0001, V0007) was never announced, so
-- dispatch started every order of a community or subdistrict category in the grid; at every start intake now
-- announces each category whose current version it has not (Reference/CatalogueAnnouncement.cs), and the desk
-- records its own announcement in the transaction of its edit. A later migration that changes a category sets
-- updated_at = now() so the next start announces it.
ALTER TABLE categories ADD COLUMN announced_at timestamptz;
