//! What erasure needs from both databases, written once: the server secret behind the keyed
//! hashes (made on first start, then read by every process), and the start-up backfill that
//! gives rows from before keyed hashes their phone's hash. The erase statements themselves
//! sit beside the rest of each aggregate's SQL.

use crate::keyed_hash::{KeyedHash, ServerSecret};

/// The one secret's row in `server_secrets`.
pub(super) const SECRET_NAME: &str = "keyed-hash";

/// Insert-if-absent, then read: processes starting at once all end up with the first
/// process's secret (on PostgreSQL the losers' inserts wait for the winner's commit).
pub(super) const INSERT_SECRET: &str = "INSERT INTO server_secrets (name, secret, created_at) \
    VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING";
pub(super) const SELECT_SECRET: &str = "SELECT secret FROM server_secrets WHERE name = ?";

/// Rows per backfill step: short transactions, so a large database does not hold the
/// writer for long.
pub(super) const BACKFILL_STEP: i64 = 500;
pub(super) const BOOKINGS_WITHOUT_HASH: &str = "SELECT id, phone FROM bookings \
    WHERE phone IS NOT NULL AND phone_hash IS NULL ORDER BY id LIMIT ?";
pub(super) const SET_BOOKING_HASH: &str = "UPDATE bookings SET phone_hash = ? WHERE id = ?";
pub(super) const SAMPLES_WITHOUT_HASH: &str = "SELECT id, phone FROM samples \
    WHERE phone IS NOT NULL AND phone_hash IS NULL ORDER BY id LIMIT ?";
pub(super) const SET_SAMPLE_HASH: &str = "UPDATE samples SET phone_hash = ? WHERE id = ?";

/// A phone's keyed hash is kept only while a rule can still read it: once a session ended
/// longer ago than the no-show window, its bookings' and samples' hashes go too.
pub(super) const FORGET_BOOKING_HASHES: &str = "UPDATE bookings SET phone_hash = NULL \
    WHERE phone_hash IS NOT NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)";
pub(super) const FORGET_SAMPLE_HASHES: &str = "UPDATE samples SET phone_hash = NULL \
    WHERE phone_hash IS NOT NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)";

/// The stored secret, or why it cannot be used.
pub(super) fn parse_secret(stored: Option<String>) -> Result<KeyedHash, super::StorageError> {
    let stored = stored.ok_or_else(|| super::StorageError::new("the server secret is missing"))?;
    let secret = ServerSecret::from_hex(&stored)
        .ok_or_else(|| super::StorageError::new("the stored server secret is damaged"))?;
    Ok(KeyedHash::new(&secret))
}

/// Defines, for a backend's pool type and placeholder style, `server_keys` (the keyed
/// hashes under the database's secret, creating it on first start) and
/// `backfill_phone_hashes` (hashes for rows written before there were any).
macro_rules! erasure_setup {
    ($pool:ty, sql: $sql:expr) => {
        use crate::keyed_hash::{KeyedHash, ServerSecret};
        use crate::storage::erasure_sql::*;
        use crate::storage::StorageError;

        pub(super) async fn server_keys(pool: &$pool) -> Result<KeyedHash, StorageError> {
            sqlx::query(&$sql(INSERT_SECRET))
                .bind(SECRET_NAME)
                .bind(ServerSecret::generate().to_hex())
                .bind(chrono::Utc::now().naive_utc())
                .execute(pool)
                .await?;
            let stored: Option<String> = sqlx::query_scalar(&$sql(SELECT_SECRET))
                .bind(SECRET_NAME)
                .fetch_optional(pool)
                .await?;
            parse_secret(stored)
        }
        /// Hashes every stored phone that has no hash yet; how many rows it gave one.
        pub(super) async fn backfill_phone_hashes(
            pool: &$pool,
            keys: &KeyedHash,
        ) -> Result<u64, StorageError> {
            let mut done = 0;
            for (select, update) in [
                (BOOKINGS_WITHOUT_HASH, SET_BOOKING_HASH),
                (SAMPLES_WITHOUT_HASH, SET_SAMPLE_HASH),
            ] {
                loop {
                    let mut tx = pool.begin().await?;
                    let rows: Vec<(i64, String)> = sqlx::query_as(&$sql(select))
                        .bind(BACKFILL_STEP)
                        .fetch_all(&mut *tx)
                        .await?;
                    if rows.is_empty() {
                        break;
                    }
                    for (id, phone) in &rows {
                        sqlx::query(&$sql(update))
                            .bind(keys.phone(phone))
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    done += rows.len() as u64;
                }
            }
            Ok(done)
        }
    };
}
pub(super) use erasure_setup;
