-- calstack schema: client settings (MySQL 8 / MariaDB 10.6+). One row per client holding its
-- settings as a JSON object in TEXT (today `working_hours`: a time zone and intervals per
-- weekday); gone with the client.

CREATE TABLE client_settings (
    client_id  CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    settings   TEXT NOT NULL,
    PRIMARY KEY (client_id),
    CONSTRAINT client_settings_client_fk FOREIGN KEY (client_id)
        REFERENCES clients (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
