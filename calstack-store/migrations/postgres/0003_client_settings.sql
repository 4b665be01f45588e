-- calstack schema: client settings (PostgreSQL). One row per client holding its settings as a
-- JSON object in TEXT (today `working_hours`: a time zone and intervals per weekday); gone with
-- the client.

CREATE TABLE client_settings (
    client_id  UUID PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    settings   TEXT NOT NULL
);
