-- calstack schema v5: a revision per mirrored calendar, changed in the same transaction as
-- every change to its current event rows (writes, full-resync swaps). A reader that keeps
-- opened events in memory compares it, read with the calendar list, to know whether its copy
-- is still current, whichever process wrote. New calendars start at a random value (chosen by
-- calstack), so a calendar deleted and mirrored again does not repeat the old revisions.

ALTER TABLE mirror_calendars ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
