-- calstack schema v1 (SQLite).
-- Ids are hyphenated lowercase UUID text. Timestamps are UTC RFC 3339 text with exactly six
-- fractional digits and a trailing `Z` (e.g. 2026-03-04T05:06:07.123456Z), so text order is
-- time order. Scope lists are JSON arrays of strings. Secrets are sealed text from calstack-core.

CREATE TABLE clients (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    -- email with ASCII letters lowercased: one client per email, ignoring case
    email_key   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CONSTRAINT clients_email_key_unique UNIQUE (email_key)
);
CREATE INDEX clients_name_idx ON clients (name, id);

CREATE TABLE oauth_credentials (
    id                TEXT PRIMARY KEY NOT NULL,
    client_id         TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    google_client_id  TEXT NOT NULL,
    client_secret     TEXT NOT NULL,
    scopes            TEXT NOT NULL,
    granted_scopes    TEXT NOT NULL,
    redirect_uri      TEXT NOT NULL,
    account_email     TEXT,
    access_token      TEXT,
    refresh_token     TEXT,
    expires_at        TEXT,
    is_valid          INTEGER NOT NULL,
    last_error        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    -- refresh lease: who may refresh this credential's token, and until when
    lease_holder      TEXT,
    lease_until       TEXT
);
CREATE INDEX oauth_credentials_client_idx ON oauth_credentials (client_id, created_at, id);
CREATE INDEX oauth_credentials_created_idx ON oauth_credentials (created_at, id);
CREATE INDEX oauth_credentials_expires_idx ON oauth_credentials (expires_at);

CREATE TABLE pending_authorizations (
    state          TEXT PRIMARY KEY NOT NULL,
    credential_id  TEXT NOT NULL REFERENCES oauth_credentials (id) ON DELETE CASCADE,
    pkce_verifier  TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX pending_authorizations_credential_idx ON pending_authorizations (credential_id);
CREATE INDEX pending_authorizations_expires_idx ON pending_authorizations (expires_at);
