//! Throttle counts in the database (`throttles`, migration 0008), so every server process on
//! one PostgreSQL database counts against the same limits: ten instances must not mean ten
//! times the guesses. One statement counts an attempt and answers whether it is allowed, so
//! parallel attempts cannot all slip under a limit. Keys arrive hashed (`throttle.rs`), and
//! a staff account's counts also name the account, hashed too (migration 0018), so they can
//! be forgotten together.
//! Written once for both databases: every statement runs on the writer (SQLite's one write
//! connection serialises them; on PostgreSQL the upsert's row lock serialises one key's
//! attempts across every server process).

use super::db::Db;
use super::{Parts, StorageError};
use async_trait::async_trait;

/// An attempt as counted: how many the key has in its window (this one included, but never
/// more than one past the limit) and when that window ends (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub attempts: i64,
    pub window_ends_ms: i64,
}

/// Binds: key, new window end, account, now, limit, now. Both SQLite (3.35+) and
/// PostgreSQL read `throttles.*` in `SET` as the row before this update. A key's account
/// never changes (it is part of what the key hashes), so only a new row sets it.
const COUNT_ATTEMPT: &str = "INSERT INTO throttles (key_digest, attempts, window_ends, \
    account_digest) VALUES (?, 1, ?, ?) ON CONFLICT (key_digest) DO UPDATE SET \
    attempts = CASE WHEN throttles.window_ends <= ? THEN 1 \
        WHEN throttles.attempts > ? THEN throttles.attempts \
        ELSE throttles.attempts + 1 END, \
    window_ends = CASE WHEN throttles.window_ends <= ? THEN excluded.window_ends \
        ELSE throttles.window_ends END \
    RETURNING attempts, window_ends";
const RELEASE_ATTEMPT: &str =
    "UPDATE throttles SET attempts = attempts - 1 WHERE key_digest = ? AND attempts > 0";
const FORGET_ATTEMPTS: &str = "DELETE FROM throttles WHERE key_digest = ?";
const FORGET_ACCOUNT: &str = "DELETE FROM throttles WHERE account_digest = ?";
const SWEEP_ATTEMPTS: &str = "DELETE FROM throttles WHERE window_ends <= ?";

#[async_trait]
pub trait Throttles: Parts {
    /// Counts one attempt on `key_digest` (a count of the staff account `account_digest`,
    /// if one is given): a key whose window has passed starts a new one ending at
    /// `now_ms + window_ms`; a key already past `limit` stays at `limit + 1`, so refused
    /// attempts do not pile up.
    async fn count_attempt(
        &self,
        key_digest: &str,
        account_digest: Option<&str>,
        limit: u32,
        window_ms: i64,
        now_ms: i64,
    ) -> Result<Counted, StorageError> {
        let (attempts, window_ends_ms): (i64, i64) = self
            .db()
            .write(COUNT_ATTEMPT)
            .bind(key_digest)
            .bind(now_ms.saturating_add(window_ms))
            .bind(account_digest)
            .bind(now_ms)
            .bind(i64::from(limit))
            .bind(now_ms)
            .fetch_one()
            .await?;
        Ok(Counted {
            attempts,
            window_ends_ms,
        })
    }

    /// Takes back one counted attempt (it passed its check).
    async fn release_attempt(&self, key_digest: &str) -> Result<(), StorageError> {
        on_key(self.db(), RELEASE_ATTEMPT, key_digest).await
    }

    /// Forgets a key's attempts altogether.
    async fn forget_attempts(&self, key_digest: &str) -> Result<(), StorageError> {
        on_key(self.db(), FORGET_ATTEMPTS, key_digest).await
    }

    /// Forgets every count of the staff account `account_digest`, whatever its key.
    async fn forget_account_attempts(&self, account_digest: &str) -> Result<(), StorageError> {
        on_key(self.db(), FORGET_ACCOUNT, account_digest).await
    }

    /// Deletes keys whose window ended by `now_ms`; how many.
    async fn sweep_attempts(&self, now_ms: i64) -> Result<u64, StorageError> {
        Ok(self
            .db()
            .write(SWEEP_ATTEMPTS)
            .bind(now_ms)
            .execute()
            .await?)
    }
}

impl<S: Parts> Throttles for S {}

/// Runs `sql` on the rows of one digest, its one value: a key's, or an account's.
async fn on_key(db: &Db, sql: &'static str, digest: &str) -> Result<(), StorageError> {
    db.write(sql).bind(digest).execute().await?;
    Ok(())
}
