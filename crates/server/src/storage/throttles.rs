//! Throttle counts in the database (`throttles`, migration 0008), so every server process on
//! one PostgreSQL database counts against the same limits: ten instances must not mean ten
//! times the guesses. One statement counts an attempt and answers whether it is allowed, so
//! parallel attempts cannot all slip under a limit. Keys arrive hashed (`throttle.rs`).

use super::StorageError;
use async_trait::async_trait;

/// An attempt as counted: how many the key has in its window (this one included, but never
/// more than one past the limit) and when that window ends (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub attempts: i64,
    pub window_ends_ms: i64,
}

#[async_trait]
pub trait Throttles: Send + Sync {
    /// Counts one attempt on `key_digest`: a key whose window has passed starts a new one
    /// ending at `now_ms + window_ms`; a key already past `limit` stays at `limit + 1`, so
    /// refused attempts do not pile up.
    async fn count_attempt(
        &self,
        key_digest: &str,
        limit: u32,
        window_ms: i64,
        now_ms: i64,
    ) -> Result<Counted, StorageError>;
    /// Takes back one counted attempt (it passed its check).
    async fn release_attempt(&self, key_digest: &str) -> Result<(), StorageError>;
    /// Forgets a key's attempts altogether.
    async fn forget_attempts(&self, key_digest: &str) -> Result<(), StorageError>;
    /// Deletes keys whose window ended by `now_ms`; how many.
    async fn sweep_attempts(&self, now_ms: i64) -> Result<u64, StorageError>;
}

/// Binds: key, new window end, now, limit, now. Both SQLite (3.35+) and PostgreSQL read
/// `throttles.*` in `SET` as the row before this update.
pub(super) const COUNT_ATTEMPT: &str = "INSERT INTO throttles (key_digest, attempts, window_ends) \
    VALUES (?, 1, ?) ON CONFLICT (key_digest) DO UPDATE SET \
    attempts = CASE WHEN throttles.window_ends <= ? THEN 1 \
        WHEN throttles.attempts > ? THEN throttles.attempts \
        ELSE throttles.attempts + 1 END, \
    window_ends = CASE WHEN throttles.window_ends <= ? THEN excluded.window_ends \
        ELSE throttles.window_ends END \
    RETURNING attempts, window_ends";
pub(super) const RELEASE_ATTEMPT: &str =
    "UPDATE throttles SET attempts = attempts - 1 WHERE key_digest = ? AND attempts > 0";
pub(super) const FORGET_ATTEMPTS: &str = "DELETE FROM throttles WHERE key_digest = ?";
pub(super) const SWEEP_ATTEMPTS: &str = "DELETE FROM throttles WHERE window_ends <= ?";

/// Implements `Throttles` for a backend: `$pool` names the pool its writes go through and
/// `$sql` turns a statement into its placeholders (`samples_sql::as_is` or `numbered`).
macro_rules! throttles_storage {
    ($storage:ty, pool: $pool:ident, sql: $sql:expr) => {
        use crate::storage::throttles::*;

        #[async_trait::async_trait]
        impl crate::storage::throttles::Throttles for $storage {
            async fn count_attempt(
                &self,
                key_digest: &str,
                limit: u32,
                window_ms: i64,
                now_ms: i64,
            ) -> Result<Counted, crate::storage::StorageError> {
                let (attempts, window_ends_ms): (i64, i64) = sqlx::query_as(&$sql(COUNT_ATTEMPT))
                    .bind(key_digest)
                    .bind(now_ms.saturating_add(window_ms))
                    .bind(now_ms)
                    .bind(i64::from(limit))
                    .bind(now_ms)
                    .fetch_one(&self.$pool)
                    .await?;
                Ok(Counted {
                    attempts,
                    window_ends_ms,
                })
            }

            async fn release_attempt(
                &self,
                key_digest: &str,
            ) -> Result<(), crate::storage::StorageError> {
                sqlx::query(&$sql(RELEASE_ATTEMPT))
                    .bind(key_digest)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn forget_attempts(
                &self,
                key_digest: &str,
            ) -> Result<(), crate::storage::StorageError> {
                sqlx::query(&$sql(FORGET_ATTEMPTS))
                    .bind(key_digest)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn sweep_attempts(
                &self,
                now_ms: i64,
            ) -> Result<u64, crate::storage::StorageError> {
                Ok(sqlx::query(&$sql(SWEEP_ATTEMPTS))
                    .bind(now_ms)
                    .execute(&self.$pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}

pub(super) use throttles_storage;
