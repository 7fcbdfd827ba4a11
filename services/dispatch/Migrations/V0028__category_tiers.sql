-- The service catalogue's default tier per category, as intake announces it (CategoryChanged): the tier a new work
-- order of the category starts at (docs/dispatch.md, Tiers). Intake owns the catalogue; this is dispatch's copy,
-- kept only from the events, so a category intake never announced starts at the compound tier as before.
CREATE TABLE category_tiers (
    category      text        PRIMARY KEY,
    default_tier  text        NOT NULL CHECK (default_tier IN ('compound', 'community', 'subdistrict', 'county')),
    -- When intake changed it: an older announcement arriving late never overwrites a newer one.
    changed_at    timestamptz NOT NULL
);
