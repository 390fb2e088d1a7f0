//! Photos on PostgreSQL.

use super::PostgresStorage;

crate::storage::photos::photos_storage!(
    PostgresStorage,
    read: pool,
    write: pool,
    sql: crate::storage::samples_sql::numbered
);
