//! The default storage: one SQLite file in WAL mode. Reads use a small pool; every write
//! goes through a single connection, so booking transactions are serialised and capacity
//! checks cannot race. Bookings are admitted in batches on that connection (group commit,
//! `admit.rs`). One server process per file.

mod admit;
mod lock;
mod photos;
mod samples;
mod throttles;

use super::admission::{admit_each, Desk, Request};
use super::rows::{
    count, count_difference, party_size, BookingRow, SessionRow, BOOKING_SELECT, SESSION_SELECT,
};
use super::{BookingContext, BookingError, Bookings, Parts, Storage, StorageError};
use admit::SqliteAdmissions;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use labday_domain::booking::{self, BookingCode, BookingStatus, ValidBooking};
use labday_domain::{BookingView, ErrorCode, Phone};
pub use lock::{lock_path, DatabaseLock, LockError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

mod erasure {
    crate::storage::erasure_sql::erasure_setup!(sqlx::SqlitePool, sql: crate::storage::samples_sql::as_is);
}

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
        let keys = Arc::new(erasure::server_keys(&write).await?);
        let hashed = erasure::backfill_phone_hashes(&write, &keys).await?;
        if hashed > 0 {
            tracing::info!(
                rows = hashed,
                "hashed the phones of earlier bookings and samples"
            );
        }
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let admissions = Arc::new(SqliteAdmissions {
            write: write.clone(),
            keys: keys.clone(),
        });
        let desk = Desk::open(admissions.clone(), 1);
        Ok(SqliteStorage {
            db: super::db::Db::Sqlite {
                read: read.clone(),
                write: write.clone(),
            },
            read,
            write,
            admissions,
            desk,
            keys,
        })
    }

    /// After an erasure: copies the WAL back into the file and empties it, so the erased
    /// rows' earlier page images do not stay in the WAL until it is overwritten.
    async fn forget_erased(&self) -> Result<(), StorageError> {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.write)
            .await?;
        if busy != 0 {
            return Err(StorageError::new(
                "the WAL could not be emptied (readers busy); the next retention run tries again",
            ));
        }
        Ok(())
    }
}

impl Parts for SqliteStorage {
    fn db(&self) -> &super::db::Db {
        &self.db
    }

    fn keys(&self) -> &crate::keyed_hash::KeyedHash {
        &self.keys
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

async fn session_row(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The holder's view of a booking, read on the given connection.
async fn booking_view(
    conn: &mut SqliteConnection,
    where_clause: &str,
    code: &str,
    phone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<BookingView>, sqlx::Error> {
    let sql = format!("{BOOKING_SELECT} WHERE {where_clause}");
    let mut query = sqlx::query_as::<_, BookingRow>(&sql).bind(code);
    if let Some(phone) = phone {
        query = query.bind(phone);
    }
    let Some(b) = query.fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let Some(s) = session_row(conn, b.session_id).await? else {
        return Ok(None);
    };
    let waitlist_position = if b.status() == BookingStatus::Waitlisted {
        let ahead: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bookings WHERE session_id = ? AND status = 'waitlisted' AND id < ?",
        )
        .bind(b.session_id)
        .bind(b.id)
        .fetch_one(&mut *conn)
        .await?;
        Some(count(ahead)?.saturating_add(1))
    } else {
        None
    };
    Ok(Some(b.view(&s, waitlist_position, now)))
}

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}

#[async_trait]
impl Bookings for SqliteStorage {
    async fn book(
        &self,
        booking: ValidBooking,
        ctx: BookingContext,
    ) -> Result<BookingView, BookingError> {
        self.desk.book(booking, ctx).await
    }

    async fn book_batch(
        &self,
        requests: Vec<(ValidBooking, BookingContext)>,
    ) -> Vec<Result<BookingView, BookingError>> {
        let requests: Vec<Request> = requests
            .into_iter()
            .map(|(booking, ctx)| Request { booking, ctx })
            .collect();
        admit_each(self.admissions.as_ref(), &requests).await
    }

    async fn find_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingView>, StorageError> {
        let mut conn = self.read.acquire().await?;
        Ok(booking_view(
            &mut conn,
            "b.code = ? AND b.phone = ?",
            code.as_str(),
            Some(phone.as_str()),
            now,
        )
        .await?)
    }

    async fn cancel_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<BookingView, BookingError> {
        let mut tx = self.write.begin().await?;
        let row: Option<(i64, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT id, session_id, status, adults, children FROM bookings WHERE code = ? AND phone = ?",
        )
        .bind(code.as_str())
        .bind(phone.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let (id, session_id, status, adults, children) =
            row.ok_or_else(|| refused(ErrorCode::NotFound))?;
        let people = i64::from(party_size(adults, children)?);
        let status = BookingStatus::parse(&status).unwrap_or(BookingStatus::Cancelled);
        match status {
            BookingStatus::Cancelled => return Err(refused(ErrorCode::AlreadyCancelled)),
            BookingStatus::CheckedIn | BookingStatus::NoShow => {
                return Err(refused(ErrorCode::CancelDeadlinePassed))
            }
            BookingStatus::Confirmed | BookingStatus::Waitlisted => {}
        }
        let session = session_row(&mut tx, session_id)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        let local_now = session.local_now(now);
        if !booking::can_cancel(local_now, session.cancel_deadline) {
            return Err(refused(ErrorCode::CancelDeadlinePassed));
        }
        sqlx::query("UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ?")
            .bind(local_now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if status == BookingStatus::Confirmed {
            sqlx::query("UPDATE sessions SET booked = booked - ? WHERE id = ?")
                .bind(people)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
            promote_waiting(&mut tx, session_id).await?;
        } else {
            sqlx::query("UPDATE sessions SET waiting = waiting - ? WHERE id = ?")
                .bind(people)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
        }
        let view = booking_view(&mut tx, "b.code = ?", code.as_str(), None, now).await?;
        tx.commit().await?;
        view.ok_or_else(|| BookingError::Storage(StorageError::new("booking vanished")))
    }

    async fn forget_phone_hashes(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError> {
        erasure::forget_phone_hashes(&self.write, cutoff).await
    }

    async fn erase_personal_data(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError> {
        let done = sqlx::query(
            "UPDATE bookings SET name = NULL, phone = NULL, request_digest = NULL, \
             idempotency_key = NULL, erased_at = CURRENT_TIMESTAMP \
             WHERE erased_at IS NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)",
        )
        .bind(cutoff)
        .execute(&self.write)
        .await?;
        // Every run, not only when this one erased something: a run whose checkpoint found
        // readers busy leaves erased page images in the WAL for the next run to clear.
        if let Err(e) = self.forget_erased().await {
            tracing::warn!(error = %e, "after erasure");
        }
        Ok(done.rows_affected())
    }
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
