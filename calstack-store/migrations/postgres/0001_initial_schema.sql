-- calstack schema v1 (PostgreSQL).
-- Timestamps are TIMESTAMPTZ (microsecond precision). Scope lists are JSON arrays of strings
-- in TEXT. Secrets are sealed text from calstack-core. Names and emails use the "C" collation
-- so ordering and uniqueness are byte-wise, the same on every backend.

CREATE TABLE clients (
    id          UUID PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    email       TEXT NOT NULL,
    -- email with ASCII letters lowercased: one client per email, ignoring case
    email_key   TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT clients_email_key_unique UNIQUE (email_key)
);
CREATE INDEX clients_name_idx ON clients (name, id);

CREATE TABLE oauth_credentials (
    id                UUID PRIMARY KEY,
    client_id         UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    google_client_id  TEXT NOT NULL,
    client_secret     TEXT NOT NULL,
    scopes            TEXT NOT NULL,
    granted_scopes    TEXT NOT NULL,
    redirect_uri      TEXT NOT NULL,
    account_email     TEXT,
    access_token      TEXT,
    refresh_token     TEXT,
    expires_at        TIMESTAMPTZ,
    is_valid          BOOLEAN NOT NULL,
    last_error        TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    version           BIGINT NOT NULL,
    -- refresh lease: who may refresh this credential's token, and until when
    lease_holder      TEXT,
    lease_until       TIMESTAMPTZ
);
CREATE INDEX oauth_credentials_client_idx ON oauth_credentials (client_id, created_at, id);
CREATE INDEX oauth_credentials_created_idx ON oauth_credentials (created_at, id);
CREATE INDEX oauth_credentials_expires_idx ON oauth_credentials (expires_at);

CREATE TABLE pending_authorizations (
    state          TEXT COLLATE "C" PRIMARY KEY,
    credential_id  UUID NOT NULL REFERENCES oauth_credentials (id) ON DELETE CASCADE,
    pkce_verifier  TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_authorizations_credential_idx ON pending_authorizations (credential_id);
CREATE INDEX pending_authorizations_expires_idx ON pending_authorizations (expires_at);
