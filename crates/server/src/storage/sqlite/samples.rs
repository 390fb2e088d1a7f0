//! Vegetable samples on SQLite: every change goes through the single write connection.

use super::SqliteStorage;

crate::storage::samples_sql::samples_storage!(
    SqliteStorage,
    sqlx::SqliteConnection,
    read: read,
    write: write,
    sql: as_is,
    lock: ""
);
