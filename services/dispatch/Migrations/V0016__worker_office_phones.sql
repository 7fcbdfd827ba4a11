-- The office phone a community publishes for a grid worker or building leader (社区公示的办公电话), shown to residents
-- beside the name on the building's public page. Never the worker's own mobile (workers.phone), which stays staff-only.
ALTER TABLE workers ADD COLUMN office_phone text CHECK (office_phone ~ '^[0-9-]{5,20}$');
