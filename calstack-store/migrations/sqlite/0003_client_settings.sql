-- calstack schema: client settings (SQLite). One row per client holding its settings as a JSON
-- object (today `working_hours`: a time zone and intervals per weekday); gone with the client.

CREATE TABLE client_settings (
    client_id  TEXT PRIMARY KEY NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    settings   TEXT NOT NULL
);
