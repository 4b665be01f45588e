-- calstack schema v2 (MySQL 8 / MariaDB 10.6+): the local mirror of every client's calendars.
-- Ids as in v1 (CHAR(36) UUID text); DATETIME(6) holds UTC. Event ids are ASCII (Google's are
-- base32hex plus `_` and a time), so the primary key fits InnoDB's 3072-byte limit. Event
-- bodies and channel tokens are sealed text from calstack-core; times, status and ids stay in
-- clear columns for queries.

-- Per client: the calendar-list sync state.
CREATE TABLE mirror_lists (
    client_id      CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    credential_id  CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sync_token     TEXT NULL,
    last_synced    DATETIME(6) NULL,
    PRIMARY KEY (client_id),
    INDEX mirror_lists_credential_idx (credential_id),
    CONSTRAINT mirror_lists_client_fk FOREIGN KEY (client_id)
        REFERENCES clients (id) ON DELETE CASCADE,
    CONSTRAINT mirror_lists_credential_fk FOREIGN KEY (credential_id)
        REFERENCES oauth_credentials (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- Per mirrored calendar: metadata, events sync state, sync lease and push channel.
CREATE TABLE mirror_calendars (
    client_id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    calendar_id          VARCHAR(255) NOT NULL,
    credential_id        CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    summary              TEXT NULL,
    time_zone            VARCHAR(64) NULL,
    access_role          VARCHAR(32) NULL,
    color_id             VARCHAR(16) NULL,
    background_color     VARCHAR(16) NULL,
    foreground_color     VARCHAR(16) NULL,
    is_primary           BOOLEAN NOT NULL,
    selected             BOOLEAN NOT NULL,
    sync_token           TEXT NULL,
    -- which generation of mirror_events rows is current (a full resync writes the next one)
    generation           BIGINT NOT NULL,
    last_synced          DATETIME(6) NULL,
    next_sync_due        DATETIME(6) NOT NULL,
    failures             INT NOT NULL,
    last_error           TEXT NULL,
    -- set while the credential needs consent again: never claimed
    parked_reason        TEXT NULL,
    channel_id           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    channel_resource_id  VARCHAR(255) NULL,
    channel_expires_at   DATETIME(6) NULL,
    channel_token        TEXT NULL,
    lease_holder         VARCHAR(255) NULL,
    lease_until          DATETIME(6) NULL,
    PRIMARY KEY (client_id, calendar_id),
    INDEX mirror_calendars_due_idx (next_sync_due),
    INDEX mirror_calendars_credential_idx (credential_id),
    CONSTRAINT mirror_calendars_channel_unique UNIQUE (channel_id),
    CONSTRAINT mirror_calendars_client_fk FOREIGN KEY (client_id)
        REFERENCES clients (id) ON DELETE CASCADE,
    CONSTRAINT mirror_calendars_credential_fk FOREIGN KEY (credential_id)
        REFERENCES oauth_credentials (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- Mirrored events, as Google lists them with singleEvents=false (masters and exceptions).
CREATE TABLE mirror_events (
    client_id           CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    calendar_id         VARCHAR(255) NOT NULL,
    generation          BIGINT NOT NULL,
    event_id            VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    credential_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    ical_uid            TEXT NULL,
    status              VARCHAR(16) NULL,
    start_utc           DATETIME(6) NULL,
    end_utc             DATETIME(6) NULL,
    start_date          DATE NULL,
    end_date            DATE NULL,
    time_zone           VARCHAR(64) NULL,
    transparency        VARCHAR(16) NULL,
    response_status     VARCHAR(16) NULL,
    recurring_event_id  VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NULL,
    original_start_utc  DATETIME(6) NULL,
    updated             DATETIME(6) NULL,
    etag                VARCHAR(64) NULL,
    is_master           BOOLEAN NOT NULL,
    -- masters: an upper bound of the last occurrence's end; NULL = open-ended
    series_end_utc      DATETIME(6) NULL,
    body                MEDIUMTEXT NOT NULL,
    PRIMARY KEY (client_id, calendar_id, generation, event_id),
    INDEX mirror_events_time_idx (client_id, calendar_id, generation, start_utc),
    INDEX mirror_events_series_idx (client_id, calendar_id, generation, recurring_event_id),
    CONSTRAINT mirror_events_calendar_fk FOREIGN KEY (client_id, calendar_id)
        REFERENCES mirror_calendars (client_id, calendar_id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
