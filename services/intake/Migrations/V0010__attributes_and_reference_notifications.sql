-- Answers to a category's extra questions (Open311 "attributes"), keyed by the question's code:
-- a string, a number, or a list of value keys for a multi-value question.
ALTER TABLE requests ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}';

-- The NOTIFY on catalogue and grid-copy changes: Repeatable/R__notify_reference_changed.sql.
