//! SQL homes for every calstack-core storage trait: SQLite (embedded default), PostgreSQL and
//! MySQL/MariaDB, on sqlx with runtime queries and embedded migrations.
