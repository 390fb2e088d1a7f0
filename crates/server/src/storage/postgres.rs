//! PostgreSQL storage, for running several server processes against one database. Unlike
//! SQLite, writers here really run in parallel, so every booking or cancellation first takes
//! its session's row lock (`SELECT ... FOR UPDATE`): capacity checks and the `booked` /
//! `waiting` counters of one session are serialised across all processes, while different
//! sessions book in parallel. The per-phone daily limit spans sessions, so a transaction-scoped
//! advisory lock on the phone number serialises one number's bookings too.

mod admit;
mod reports;
mod schedule;
mod staff;

use super::admission::Desk;
use super::erasure;
use super::rows::{count_difference, party_size};
use super::{BookingError, Parts, Storage, StorageError};
use admit::PgAdmissions;
use async_trait::async_trait;
use labday_domain::booking;
use labday_domain::ErrorCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Connections per server process. Bookings of one session queue on its row lock anyway, so
/// a few connections keep the database busy; several processes must stay well below
/// PostgreSQL's default `max_connections` of 100.
const POOL_SIZE: u32 = 8;

/// Batches of bookings in flight at once per process: while one commits (a WAL flush),
/// the next takes its phone locks and reads, then queues on the session locks.
const BOOKING_WRITERS: usize = 3;

/// Advisory-lock class for "one phone number's bookings" (the two-key form, so it cannot
/// collide with the single-key lock sqlx takes while migrating).
const PHONE_LOCK_CLASS: i32 = 0x6c62_6431;

pub struct PostgresStorage {
    db: super::db::Db,
    pool: PgPool,
    admissions: Arc<PgAdmissions>,
    /// Bookings queue here and are admitted in batches (group commit, `admit.rs`).
    desk: Desk,
    keys: Arc<crate::keyed_hash::KeyedHash>,
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://...`) and runs migrations. Several processes may start
    /// at once: sqlx serialises migrations with an advisory lock.
    pub async fn open(url: &str) -> Result<PostgresStorage, StorageError> {
        let options = PgConnectOptions::from_str(url)?.application_name("labday");
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        super::migrations::postgres().await?.run(&pool).await?;
        let db = super::db::Db::Postgres(pool.clone());
        let keys = Arc::new(erasure::server_keys(&db).await?);
        let hashed = erasure::backfill_phone_hashes(&db, &keys).await?;
        if hashed > 0 {
            tracing::info!(
                rows = hashed,
                "hashed the phones of earlier bookings and samples"
            );
        }
        let admissions = Arc::new(PgAdmissions {
            pool: pool.clone(),
            keys: keys.clone(),
        });
        let desk = Desk::open(admissions.clone(), BOOKING_WRITERS);
        Ok(PostgresStorage {
            db,
            pool,
            admissions,
            desk,
            keys,
        })
    }
}

impl Parts for PostgresStorage {
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
impl Storage for PostgresStorage {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn keyed_hash(&self) -> &crate::keyed_hash::KeyedHash {
        &self.keys
    }

    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// Confirms waiting bookings that now fit, in the order they joined. The caller holds the
/// session's row lock.
async fn promote_waiting(conn: &mut PgConnection, session_id: i64) -> Result<(), sqlx::Error> {
    let (capacity, booked): (i64, i64) =
        sqlx::query_as("SELECT capacity, booked FROM sessions WHERE id = $1")
            .bind(session_id)
            .fetch_one(&mut *conn)
            .await?;
    let waiting: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, adults, children FROM bookings WHERE session_id = $1 AND status = 'waitlisted' ORDER BY id",
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
    if !promoted.is_empty() {
        sqlx::query("UPDATE bookings SET status = 'confirmed' WHERE id = ANY($1)")
            .bind(&promoted)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE sessions SET booked = booked + $1, waiting = waiting - $1 WHERE id = $2")
        .bind(moved)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}
