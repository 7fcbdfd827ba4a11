-- The plan_due clock: a formed plan promises the work done by a date of its own, and dispatch judges the
-- resolution of a planned order against that date (WorkOrderResolved.OnTime), not against the 1-hour fix clock it
-- cancelled. So a request whose first resolution came at or after its plan (a "planned resolution") is:
--   * out of the 1-hour fix clock's on-time rate (resolve_on_time / resolve_ended), unless it missed that clock
--     (a DeadlineMissed for 'resolve' before the plan) — then it stays a miss there, as before;
--   * in the plan-kept rate: kept (plan_kept) when that resolution was on time and no plan_due clock was missed;
--     ended (plan_due_ended) when it was resolved after its plan or its plan_due clock was missed.
-- The rule itself is in Repeatable/R__kpi_contribution.sql. Clock names are matched exactly (= ANY), so 'plan_due' in missed_clocks never counts as the 'plan' clock.
ALTER TABLE kpi_daily
    ADD COLUMN plan_kept      bigint NOT NULL DEFAULT 0,
    ADD COLUMN plan_due_ended bigint NOT NULL DEFAULT 0;
