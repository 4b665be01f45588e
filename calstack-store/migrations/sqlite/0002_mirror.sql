-- calstack schema v2 (SQLite): the local mirror of every client's calendars.
-- Ids and timestamps as in v1 (hyphenated UUID text; UTC text with six fractional digits and
-- `Z`, so text order is time order). Dates are `YYYY-MM-DD`. Event bodies and channel tokens
-- are sealed text from calstack-core; times, status and ids stay in clear columns for queries.

-- Per client: the calendar-list sync state.
CREATE TABLE mirror_lists (
    client_id      TEXT PRIMARY KEY NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    credential_id  TEXT NOT NULL REFERENCES oauth_credentials (id) ON DELETE CASCADE,
    sync_token     TEXT,
    last_synced    TEXT
);
CREATE INDEX mirror_lists_credential_idx ON mirror_lists (credential_id);

-- Per mirrored calendar: metadata, events sync state, sync lease and push channel.
CREATE TABLE mirror_calendars (
    client_id            TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    calendar_id          TEXT NOT NULL,
    credential_id        TEXT NOT NULL REFERENCES oauth_credentials (id) ON DELETE CASCADE,
    summary              TEXT,
    time_zone            TEXT,
    access_role          TEXT,
    color_id             TEXT,
    background_color     TEXT,
    foreground_color     TEXT,
    is_primary           INTEGER NOT NULL,
    selected             INTEGER NOT NULL,
    sync_token           TEXT,
    -- which generation of mirror_events rows is current (a full resync writes the next one)
    generation           INTEGER NOT NULL,
    last_synced          TEXT,
    next_sync_due        TEXT NOT NULL,
    failures             INTEGER NOT NULL,
    last_error           TEXT,
    -- set while the credential needs consent again: never claimed
    parked_reason        TEXT,
    channel_id           TEXT,
    channel_resource_id  TEXT,
    channel_expires_at   TEXT,
    channel_token        TEXT,
    lease_holder         TEXT,
    lease_until          TEXT,
    PRIMARY KEY (client_id, calendar_id)
);
CREATE INDEX mirror_calendars_due_idx ON mirror_calendars (next_sync_due);
CREATE INDEX mirror_calendars_credential_idx ON mirror_calendars (credential_id);
CREATE UNIQUE INDEX mirror_calendars_channel_idx ON mirror_calendars (channel_id);

-- Mirrored events, as Google lists them with singleEvents=false (masters and exceptions).
CREATE TABLE mirror_events (
    client_id           TEXT NOT NULL,
    calendar_id         TEXT NOT NULL,
    generation          INTEGER NOT NULL,
    event_id            TEXT NOT NULL,
    credential_id       TEXT NOT NULL,
    ical_uid            TEXT,
    status              TEXT,
    start_utc           TEXT,
    end_utc             TEXT,
    start_date          TEXT,
    end_date            TEXT,
    time_zone           TEXT,
    transparency        TEXT,
    response_status     TEXT,
    recurring_event_id  TEXT,
    original_start_utc  TEXT,
    updated             TEXT,
    etag                TEXT,
    is_master           INTEGER NOT NULL,
    -- masters: an upper bound of the last occurrence's end; NULL = open-ended
    series_end_utc      TEXT,
    body                TEXT NOT NULL,
    PRIMARY KEY (client_id, calendar_id, generation, event_id),
    FOREIGN KEY (client_id, calendar_id)
        REFERENCES mirror_calendars (client_id, calendar_id) ON DELETE CASCADE
);
CREATE INDEX mirror_events_time_idx
    ON mirror_events (client_id, calendar_id, generation, start_utc);
CREATE INDEX mirror_events_series_idx
    ON mirror_events (client_id, calendar_id, generation, recurring_event_id);
