-- Which party-member households (党员中心户) and household-group heads (联户长) a work order on their building reached:
-- one row per order, so a redelivered assignment informs nobody twice.
CREATE TABLE work_order_household_reach (
    work_order_id  uuid        PRIMARY KEY REFERENCES work_orders (id),
    building_code  text        NOT NULL,
    household_ids  uuid[]      NOT NULL,
    reached_at     timestamptz NOT NULL
);
