//! What erasure needs from the database, written once for both: the server secret behind
//! the keyed hashes (made on first start, then read by every process), the start-up
//! backfill that gives rows from before keyed hashes their phone's hash, forgetting those
//! hashes once no rule reads them, and clearing what an erasure leaves behind in the files.
//! The erase statements themselves sit beside the rest of each aggregate's SQL.

use super::db::{Db, Statement};
use super::StorageError;
use crate::keyed_hash::{KeyedHash, ServerSecret};
use chrono::NaiveDateTime;

/// The one secret's row in `server_secrets`.
const SECRET_NAME: &str = "keyed-hash";

/// Insert-if-absent, then read: processes starting at once all end up with the first
/// process's secret (on PostgreSQL the losers' inserts wait for the winner's commit).
const INSERT_SECRET: &str = "INSERT INTO server_secrets (name, secret, created_at) \
    VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING";
const SELECT_SECRET: &str = "SELECT secret FROM server_secrets WHERE name = ?";

/// Rows per backfill step: short transactions, so a large database does not hold the
/// writer for long.
const BACKFILL_STEP: i64 = 500;
const BOOKINGS_WITHOUT_HASH: &str = "SELECT id, phone FROM bookings \
    WHERE phone IS NOT NULL AND phone_hash IS NULL ORDER BY id LIMIT ?";
const SET_BOOKING_HASH: &str = "UPDATE bookings SET phone_hash = ? WHERE id = ?";
const SAMPLES_WITHOUT_HASH: &str = "SELECT id, phone FROM samples \
    WHERE phone IS NOT NULL AND phone_hash IS NULL ORDER BY id LIMIT ?";
const SET_SAMPLE_HASH: &str = "UPDATE samples SET phone_hash = ? WHERE id = ?";

/// A phone's keyed hash is kept only while a rule can still read it: once a session ended
/// longer ago than the no-show window, its bookings' and samples' hashes go too.
const FORGET_BOOKING_HASHES: &str = "UPDATE bookings SET phone_hash = NULL \
    WHERE phone_hash IS NOT NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)";
const FORGET_SAMPLE_HASHES: &str = "UPDATE samples SET phone_hash = NULL \
    WHERE phone_hash IS NOT NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)";

/// The keyed hashes under the database's secret, creating the secret on first start.
pub(super) async fn server_keys(db: &Db) -> Result<KeyedHash, StorageError> {
    db.write(INSERT_SECRET)
        .bind(SECRET_NAME)
        .bind(ServerSecret::generate().to_hex())
        .bind(chrono::Utc::now().naive_utc())
        .execute()
        .await?;
    let stored: Option<String> = db
        .write(SELECT_SECRET)
        .bind(SECRET_NAME)
        .scalar_optional()
        .await?;
    let stored = stored.ok_or_else(|| StorageError::new("the server secret is missing"))?;
    let secret = ServerSecret::from_hex(&stored)
        .ok_or_else(|| StorageError::new("the stored server secret is damaged"))?;
    Ok(KeyedHash::new(&secret))
}

/// Hashes every stored phone that has no hash yet; how many rows it gave one.
pub(super) async fn backfill_phone_hashes(db: &Db, keys: &KeyedHash) -> Result<u64, StorageError> {
    let mut done = 0;
    for (select, update) in [
        (BOOKINGS_WITHOUT_HASH, SET_BOOKING_HASH),
        (SAMPLES_WITHOUT_HASH, SET_SAMPLE_HASH),
    ] {
        loop {
            let mut tx = db.begin().await?;
            let rows: Vec<(i64, String)> = tx.query(select).bind(BACKFILL_STEP).fetch_all().await?;
            if rows.is_empty() {
                break;
            }
            for (id, phone) in &rows {
                tx.query(update)
                    .bind(keys.phone(phone))
                    .bind(*id)
                    .execute()
                    .await?;
            }
            tx.commit().await?;
            done += rows.len() as u64;
        }
    }
    Ok(done)
}

/// Clears the phone hashes of sessions that ended before `cutoff`; how many rows.
pub(super) async fn forget_phone_hashes(
    db: &Db,
    cutoff: NaiveDateTime,
) -> Result<u64, StorageError> {
    let mut done = 0;
    for statement in [FORGET_BOOKING_HASHES, FORGET_SAMPLE_HASHES] {
        done += db.write(statement).bind(cutoff).execute().await?;
    }
    Ok(done)
}

/// Runs an erase statement and, when it erased anything, clears what that left behind
/// ([`forget_erased`]); how many rows it erased.
pub(super) async fn erase(db: &Db, statement: Statement<'_>) -> Result<u64, StorageError> {
    let erased = statement.execute().await?;
    if erased > 0 {
        forget_erased(db).await?;
    }
    Ok(erased)
}

/// How long emptying SQLite's WAL waits for readers still on older pages. The writer waits
/// with it, and every booking behind the writer: a reader held open (a backup, a long
/// export) would otherwise hold every write for the full lock timeout (10 s) each run.
const WAL_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// After an erasure, clears the erased rows' earlier images where the server can.
///
/// The backends differ here because their files do: SQLite copies the WAL back into the
/// file and empties it, so the erased rows' earlier page images do not stay in the WAL
/// until it is overwritten (the file itself zeroes freed content: `secure_delete`); with a
/// reader busy for longer than [`WAL_WAIT`], the next run tries again. PostgreSQL has
/// nothing to do: its (auto)vacuum reclaims the old row versions, and the server cannot
/// force their bytes out of the files any sooner.
pub(super) async fn forget_erased(db: &Db) -> Result<(), StorageError> {
    match db.empty_sqlite_wal(WAL_WAIT).await? {
        Some(false) => Err(StorageError::new(
            "the WAL could not be emptied (readers busy); the next retention run tries again",
        )),
        Some(true) | None => Ok(()),
    }
}
