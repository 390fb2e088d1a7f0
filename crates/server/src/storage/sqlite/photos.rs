//! Photos on SQLite: the write through the write connection, reads from the read pool.

use super::SqliteStorage;

crate::storage::photos::photos_storage!(
    SqliteStorage,
    read: read,
    write: write,
    sql: crate::storage::samples_sql::as_is
);
