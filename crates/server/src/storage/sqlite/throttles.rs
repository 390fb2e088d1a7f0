//! Throttle counts on SQLite: through the one write connection, which also serialises them.

use super::SqliteStorage;

crate::storage::throttles::throttles_storage!(
    SqliteStorage,
    pool: write,
    sql: crate::storage::samples_sql::as_is
);
