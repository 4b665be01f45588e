-- calstack schema v2 (PostgreSQL): the local mirror of every client's calendars.
-- Event bodies and channel tokens are sealed text from calstack-core; times, status and ids
-- stay in clear columns for queries. Ids use the "C" collation (byte-wise order, as on every
-- backend).

-- Per client: the calendar-list sync state.
CREATE TABLE mirror_lists (
    client_id      UUID PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    credential_id  UUID NOT NULL REFERENCES oauth_credentials (id) ON DELETE CASCADE,
    sync_token     TEXT,
    last_synced    TIMESTAMPTZ
);
CREATE INDEX mirror_lists_credential_idx ON mirror_lists (credential_id);

-- Per mirrored calendar: metadata, events sync state, sync lease and push channel.
CREATE TABLE mirror_calendars (
    client_id            UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    calendar_id          TEXT COLLATE "C" NOT NULL,
    credential_id        UUID NOT NULL REFERENCES oauth_credentials (id) ON DELETE CASCADE,
    summary              TEXT,
    time_zone            TEXT,
    access_role          TEXT,
    color_id             TEXT,
    background_color     TEXT,
    foreground_color     TEXT,
    is_primary           BOOLEAN NOT NULL,
    selected             BOOLEAN NOT NULL,
    sync_token           TEXT,
    -- which generation of mirror_events rows is current (a full resync writes the next one)
    generation           BIGINT NOT NULL,
    last_synced          TIMESTAMPTZ,
    next_sync_due        TIMESTAMPTZ NOT NULL,
    failures             INTEGER NOT NULL,
    last_error           TEXT,
    -- set while the credential needs consent again: never claimed
    parked_reason        TEXT,
    channel_id           TEXT COLLATE "C",
    channel_resource_id  TEXT,
    channel_expires_at   TIMESTAMPTZ,
    channel_token        TEXT,
    lease_holder         TEXT,
    lease_until          TIMESTAMPTZ,
    PRIMARY KEY (client_id, calendar_id)
);
CREATE INDEX mirror_calendars_due_idx ON mirror_calendars (next_sync_due);
CREATE INDEX mirror_calendars_credential_idx ON mirror_calendars (credential_id);
CREATE UNIQUE INDEX mirror_calendars_channel_idx ON mirror_calendars (channel_id);

-- Mirrored events, as Google lists them with singleEvents=false (masters and exceptions).
CREATE TABLE mirror_events (
    client_id           UUID NOT NULL,
    calendar_id         TEXT COLLATE "C" NOT NULL,
    generation          BIGINT NOT NULL,
    event_id            TEXT COLLATE "C" NOT NULL,
    credential_id       UUID NOT NULL,
    ical_uid            TEXT,
    status              TEXT,
    start_utc           TIMESTAMPTZ,
    end_utc             TIMESTAMPTZ,
    start_date          DATE,
    end_date            DATE,
    time_zone           TEXT,
    transparency        TEXT,
    response_status     TEXT,
    recurring_event_id  TEXT COLLATE "C",
    original_start_utc  TIMESTAMPTZ,
    updated             TIMESTAMPTZ,
    etag                TEXT,
    is_master           BOOLEAN NOT NULL,
    -- masters: an upper bound of the last occurrence's end; NULL = open-ended
    series_end_utc      TIMESTAMPTZ,
    body                TEXT NOT NULL,
    PRIMARY KEY (client_id, calendar_id, generation, event_id),
    FOREIGN KEY (client_id, calendar_id)
        REFERENCES mirror_calendars (client_id, calendar_id) ON DELETE CASCADE
);
CREATE INDEX mirror_events_time_idx
    ON mirror_events (client_id, calendar_id, generation, start_utc);
CREATE INDEX mirror_events_series_idx
    ON mirror_events (client_id, calendar_id, generation, recurring_event_id);
