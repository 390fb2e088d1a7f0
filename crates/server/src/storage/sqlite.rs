//! The default storage: one SQLite file in WAL mode. Reads use a small pool; every write
//! goes through a single connection, so booking transactions are serialised and capacity
//! checks cannot race. Bookings are admitted in batches on that connection (group commit,
//! `admit.rs`). One server process per file.

mod admit;
mod lock;
mod reports;
mod schedule;
mod staff;

use super::admission::Desk;
use super::erasure;
use super::rows::{count_difference, party_size};
use super::{BookingError, Parts, Storage, StorageError};
use admit::SqliteAdmissions;
use async_trait::async_trait;
use labday_domain::booking;
use labday_domain::ErrorCode;
pub use lock::{lock_path, DatabaseLock, LockError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub struct SqliteStorage {
    db: super::db::Db,
    read: SqlitePool,
    write: SqlitePool,
    admissions: Arc<SqliteAdmissions>,
    /// Bookings queue here and are admitted in batches on the writer connection.
    desk: Desk,
    keys: Arc<crate::keyed_hash::KeyedHash>,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file and runs migrations.
    pub async fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::new(format!("cannot create {}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Deleted and overwritten content is zeroed, so erased names and phones do not
            // linger in free space of the file.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        super::migrations::sqlite().await?.run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let db = super::db::Db::Sqlite {
            read: read.clone(),
            write: write.clone(),
        };
        let keys = Arc::new(erasure::server_keys(&db).await?);
        let hashed = erasure::backfill_phone_hashes(&db, &keys).await?;
        if hashed > 0 {
            tracing::info!(
                rows = hashed,
                "hashed the phones of earlier bookings and samples"
            );
        }
        let admissions = Arc::new(SqliteAdmissions {
            write: write.clone(),
            keys: keys.clone(),
        });
        let desk = Desk::open(admissions.clone(), 1);
        Ok(SqliteStorage {
            db,
            read,
            write,
            admissions,
            desk,
            keys,
        })
    }
}

impl Parts for SqliteStorage {
    fn db(&self) -> &super::db::Db {
        &self.db
    }

    fn keys(&self) -> &crate::keyed_hash::KeyedHash {
        &self.keys
    }

    fn desk(&self) -> &Desk {
        &self.desk
    }

    fn admissions(&self) -> &dyn super::admission::BatchWriter {
        self.admissions.as_ref()
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn keyed_hash(&self) -> &crate::keyed_hash::KeyedHash {
        &self.keys
    }

    /// On a read connection: the writer is busy with bookings during a rush, which is not
    /// the database failing to answer.
    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}

/// Confirms waiting bookings that now fit, in the order they joined.
async fn promote_waiting(conn: &mut SqliteConnection, session_id: i64) -> Result<(), sqlx::Error> {
    let (capacity, booked): (i64, i64) =
        sqlx::query_as("SELECT capacity, booked FROM sessions WHERE id = ?")
            .bind(session_id)
            .fetch_one(&mut *conn)
            .await?;
    let waiting: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, adults, children FROM bookings WHERE session_id = ? AND status = 'waitlisted' ORDER BY id",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    let queue: Vec<(i64, u32)> = waiting
        .iter()
        .map(|&(id, adults, children)| Ok((id, party_size(adults, children)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let free = count_difference(capacity, booked)?;
    let promoted = booking::promotions(free, &queue);
    let moved: i64 = queue
        .iter()
        .filter(|(id, _)| promoted.contains(id))
        .map(|(_, p)| i64::from(*p))
        .sum();
    for id in promoted {
        sqlx::query("UPDATE bookings SET status = 'confirmed' WHERE id = ?")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE sessions SET booked = booked + ?, waiting = waiting - ? WHERE id = ?")
        .bind(moved)
        .bind(moved)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
