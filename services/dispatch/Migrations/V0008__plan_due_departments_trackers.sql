-- A formed plan states when it will be done: that date is a clock of its own ('plan_due'), so a
-- plan_formed order can no longer stall unseen.
ALTER TABLE work_order_deadlines DROP CONSTRAINT work_order_deadlines_clock_check;
ALTER TABLE work_order_deadlines ADD CONSTRAINT work_order_deadlines_clock_check
    CHECK (clock IN ('accept', 'arrive', 'resolve', 'plan', 'plan_due', 'suspension'));
ALTER TABLE work_orders ADD COLUMN plan_due_at timestamptz;

-- Departments are a registry, not a fixed list: a county imports the ones it has (market
-- regulation, education, ...). The eight every county has are seeded, their contacts left to the
-- import, so a whistle reaches them from the first day.
ALTER TABLE departments DROP CONSTRAINT departments_code_check;
ALTER TABLE departments ADD CONSTRAINT departments_code_check CHECK (code ~ '^[a-z][a-z0-9_]{1,63}$');
ALTER TABLE departments ALTER COLUMN contact_name DROP NOT NULL, ALTER COLUMN phone DROP NOT NULL;
INSERT INTO departments (code, name) VALUES
    ('police',          '公安局'),
    ('fire',            '消防救援大队'),
    ('city_management', '城市管理局'),
    ('housing',         '住房和城乡建设局'),
    ('civil_affairs',   '民政局'),
    ('water',           '水务局'),
    ('power',           '供电局'),
    ('emergency',       '应急管理局')
ON CONFLICT (code) DO NOTHING;

-- The cadre named to track a joint meeting's case sees the order wherever it goes.
CREATE INDEX councils_tracked_by ON councils (tracked_by) WHERE kind = 'joint_meeting';
