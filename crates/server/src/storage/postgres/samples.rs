//! Vegetable samples on PostgreSQL: a registration locks its session's row (so one phone's
//! per-session limit holds across processes), and receipt or a test locks the sample's row.

use super::PostgresStorage;

crate::storage::samples_sql::samples_storage!(
    PostgresStorage,
    sqlx::PgConnection,
    read: pool,
    write: pool,
    sql: numbered,
    lock: " FOR UPDATE OF s"
);
