-- calstack schema v4: indexes for reading the mirror over a time window (the stacked views).
-- `MirrorStore::events_between` reads three ranges per selected calendar instead of scanning
-- its rows: single events and exceptions by end (then start), recurring masters, and
-- exceptions by original start. The old start index is replaced.

DROP INDEX mirror_events_time_idx;
CREATE INDEX mirror_events_end_idx
    ON mirror_events (client_id, calendar_id, generation, end_utc, start_utc);
CREATE INDEX mirror_events_master_idx
    ON mirror_events (client_id, calendar_id, generation, is_master, start_utc);
CREATE INDEX mirror_events_original_idx
    ON mirror_events (client_id, calendar_id, generation, original_start_utc);
