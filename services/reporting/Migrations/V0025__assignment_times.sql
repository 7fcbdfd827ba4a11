-- The times behind the assignment columns of request_facts, so each is set by the newest event by its own timestamp
-- rather than by whichever was applied last: `last_assigned_at` (the newest WorkOrderAssigned, for assignee_kind;
-- assigned_at keeps the first), `grid_at` (the newest assignment naming a grid, for grid_code) and `company_at` (the
-- newest assignment or transfer naming a property company, for property_company). An old assignment delivered again
-- after a newer one then changes nothing, which lets WorkOrderAssigned go without an inbox row
-- (Projections/WorkOrderProjections.cs), and two assignments arriving out of order leave the newer one standing.
--
-- Null on the rows already there (filling them would rewrite every fact): the next assignment or transfer wins, as
-- it did before, and sets the time from then on. None of the three is read by kpi_contribution, so the roll-up
-- triggers do not list them.
ALTER TABLE request_facts
    ADD COLUMN last_assigned_at timestamptz,
    ADD COLUMN grid_at timestamptz,
    ADD COLUMN company_at timestamptz;
