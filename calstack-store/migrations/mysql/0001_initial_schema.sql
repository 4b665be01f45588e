-- calstack schema v1 (MySQL 8 / MariaDB 10.6+).
-- Ids are hyphenated lowercase UUID text. Timestamps are DATETIME(6) holding UTC (microsecond
-- precision). Scope lists are JSON arrays of strings in TEXT. Secrets are sealed text from
-- calstack-core. Indexed text is VARCHAR (MariaDB cannot index TEXT keys) with a binary
-- collation, so ordering and uniqueness are byte-wise, the same on every backend.

CREATE TABLE clients (
    id          CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name        VARCHAR(255) NOT NULL,
    email       VARCHAR(320) NOT NULL,
    -- email with ASCII letters lowercased: one client per email, ignoring case
    email_key   VARCHAR(320) NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT clients_email_key_unique UNIQUE (email_key),
    INDEX clients_name_idx (name, id)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE oauth_credentials (
    id                CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    client_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    google_client_id  VARCHAR(255) NOT NULL,
    client_secret     TEXT NOT NULL,
    scopes            TEXT NOT NULL,
    granted_scopes    TEXT NOT NULL,
    redirect_uri      TEXT NOT NULL,
    account_email     VARCHAR(320) NULL,
    access_token      TEXT NULL,
    refresh_token     TEXT NULL,
    expires_at        DATETIME(6) NULL,
    is_valid          BOOLEAN NOT NULL,
    last_error        TEXT NULL,
    created_at        DATETIME(6) NOT NULL,
    updated_at        DATETIME(6) NOT NULL,
    version           BIGINT NOT NULL,
    -- refresh lease: who may refresh this credential's token, and until when
    lease_holder      VARCHAR(255) NULL,
    lease_until       DATETIME(6) NULL,
    PRIMARY KEY (id),
    INDEX oauth_credentials_client_idx (client_id, created_at, id),
    INDEX oauth_credentials_created_idx (created_at, id),
    INDEX oauth_credentials_expires_idx (expires_at),
    CONSTRAINT oauth_credentials_client_fk FOREIGN KEY (client_id)
        REFERENCES clients (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE pending_authorizations (
    state          VARCHAR(255) NOT NULL,
    credential_id  CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    created_at     DATETIME(6) NOT NULL,
    expires_at     DATETIME(6) NOT NULL,
    PRIMARY KEY (state),
    INDEX pending_authorizations_credential_idx (credential_id),
    INDEX pending_authorizations_expires_idx (expires_at),
    CONSTRAINT pending_authorizations_credential_fk FOREIGN KEY (credential_id)
        REFERENCES oauth_credentials (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
