-- 未诉先办: what became of an accepted hot spot's proactive work order (from dispatch's WorkOrderAssigned and
-- WorkOrderResolved, whose request id is the hot spot's id). After the order is resolved the hot spot keeps
-- gathering later requests of its topic at its place for one window (Intake:HotSpots:Window), so the calls that
-- still came after the fix are counted against it, like for like with the calls before it (docs/metrics.md).
ALTER TABLE hot_spots
    ADD COLUMN order_id          uuid,
    ADD COLUMN order_opened_at   timestamptz,
    ADD COLUMN order_resolved_at timestamptz;

-- The detector's look-up of the accepted hot spots still gathering requests in a community and category.
CREATE INDEX hot_spots_accepted ON hot_spots (community_code, category) WHERE status = 'accepted';
