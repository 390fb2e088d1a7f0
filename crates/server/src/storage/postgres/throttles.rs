//! Throttle counts on PostgreSQL: the upsert's row lock serialises one key's attempts
//! across every server process.

use super::PostgresStorage;

crate::storage::throttles::throttles_storage!(
    PostgresStorage,
    pool: pool,
    sql: crate::storage::samples_sql::numbered
);
