//! PostgreSQL storage, for running several server processes against one database. Unlike
//! SQLite, writers here really run in parallel, so every booking or cancellation first takes
//! its session's row lock (`SELECT ... FOR UPDATE`): capacity checks and the `booked` /
//! `waiting` counters of one session are serialised across all processes, while different
//! sessions book in parallel. The per-phone daily limit spans sessions, so a transaction-scoped
//! advisory lock on the phone number serialises one number's bookings too.

mod admit;
mod photos;
mod samples;
mod throttles;

use super::admission::{admit_each, Desk, Request};
use super::rows::{
    count, count_difference, party_size, BookingRow, SessionRow, BOOKING_SELECT, HOLDING,
    SESSION_SELECT,
};
use super::{BookingContext, BookingError, Bookings, Parts, Storage, StorageError};
use crate::keyed_hash::KeyedHash;
use admit::PgAdmissions;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use labday_domain::booking::{self, BookingCode, BookingStatus, ValidBooking};
use labday_domain::session::{window_state, SessionStatus, WindowState};
use labday_domain::{BookingView, ErrorCode, Phone};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

mod erasure {
    crate::storage::erasure_sql::erasure_setup!(sqlx::PgPool, sql: crate::storage::samples_sql::numbered);
}

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

const IDEMPOTENCY_CONSTRAINT: &str = "bookings_idempotency_key";
const ONE_PER_PHONE_CONSTRAINT: &str = "bookings_one_per_phone_per_session";

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
        let keys = Arc::new(erasure::server_keys(&pool).await?);
        let hashed = erasure::backfill_phone_hashes(&pool, &keys).await?;
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
            db: super::db::Db::Postgres(pool.clone()),
            pool,
            admissions,
            desk,
            keys,
        })
    }

    /// Nothing to do after an erasure: PostgreSQL's (auto)vacuum reclaims the old row
    /// versions; the server cannot force their bytes out of the files any sooner.
    async fn forget_erased(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

impl Parts for PostgresStorage {
    fn db(&self) -> &super::db::Db {
        &self.db
    }

    fn keys(&self) -> &crate::keyed_hash::KeyedHash {
        &self.keys
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

/// The session row, locked until the transaction ends: the one place where bookings of a
/// session queue up, whichever server process they arrived at.
async fn lock_session(conn: &mut PgConnection, id: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.id = $1 FOR UPDATE OF s"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

async fn session_row(conn: &mut PgConnection, id: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The holder's view of a booking, read on the given connection.
async fn booking_view(
    conn: &mut PgConnection,
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
            "SELECT COUNT(*) FROM bookings WHERE session_id = $1 AND status = 'waitlisted' AND id < $2",
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

/// The booking an Idempotency-Key already made, if any: its view when the request is the
/// same, a refusal when the key was used for a different request.
async fn earlier_booking(
    conn: &mut PgConnection,
    key: &str,
    digest: &str,
    now: DateTime<Utc>,
) -> Result<Option<BookingView>, BookingError> {
    let earlier: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT code, request_digest FROM bookings WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((code, earlier_digest)) = earlier else {
        return Ok(None);
    };
    if earlier_digest.as_deref() != Some(digest) {
        return Err(refused(ErrorCode::IdempotencyMismatch));
    }
    let view = booking_view(conn, "b.code = $1", &code, None, now).await?;
    view.map(Some).ok_or_else(|| refused(ErrorCode::NotFound))
}

/// The constraint a statement violated, when it failed on a unique index.
fn unique_violation(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            Some(db.constraint().unwrap_or_default().to_owned())
        }
        _ => None,
    }
}

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}

/// How one booking transaction ended.
enum Attempt {
    Done(Box<BookingView>),
    /// Another request with the same Idempotency-Key committed first.
    KeyTaken,
}

/// Books in two steps, so the session's row lock is held as briefly as possible: first,
/// under the phone number's advisory lock, everything that depends on the phone (retry,
/// duplicate, daily limit, no-shows); then, under the session's row lock, only the
/// capacity decision and one statement that inserts the booking and moves the counter.
async fn try_book(
    pool: &PgPool,
    keys: &KeyedHash,
    booking: &ValidBooking,
    ctx: &BookingContext,
) -> Result<Attempt, BookingError> {
    let mut tx = pool.begin().await?;
    let phone = booking.phone.as_str();
    // A retry carries the same phone, so it waits here until its original has committed
    // and then finds it.
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(PHONE_LOCK_CLASS)
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    if let Some((key, digest)) = &ctx.idempotency {
        if let Some(view) = earlier_booking(&mut tx, key, digest, ctx.now).await? {
            return Ok(Attempt::Done(Box::new(view)));
        }
    }
    let session = session_row(&mut tx, booking.session_id)
        .await?
        .ok_or_else(|| refused(ErrorCode::NotFound))?;
    if session.status() == SessionStatus::Cancelled {
        return Err(refused(ErrorCode::SessionCancelled));
    }
    let local_now = session.local_now(ctx.now);
    let stamp = local_now.with_nanosecond(0).unwrap_or(local_now);
    if window_state(
        local_now,
        session.booking_opens_at,
        session.booking_closes_at,
    ) != WindowState::Open
    {
        return Err(refused(ErrorCode::WindowClosed));
    }
    if booking.party.people() > session.per_booking_limit {
        return Err(refused(ErrorCode::PartyTooLarge));
    }
    // Before anything about the phone, as `admission::decide_one` says why.
    if !booking::within_daily_limit(0, booking.party, ctx.daily_limit) {
        return Err(refused(ErrorCode::DailyLimit));
    }
    let day = session.starts_at.date();
    // By the phone's keyed hash: it outlives the phone's erasure, and so do no-shows.
    let phone_hash = keys.phone(phone);
    let (duplicate, that_day, no_shows): (bool, i64, Vec<NaiveDate>) = sqlx::query_as(&format!(
            "SELECT \
               EXISTS (SELECT 1 FROM bookings WHERE session_id = $1 AND phone_hash = $2 AND status IN {HOLDING}), \
               (SELECT COALESCE(SUM(adults + children), 0)::BIGINT FROM bookings \
                  WHERE phone_hash = $2 AND session_day = $3 AND status IN {HOLDING}), \
               ARRAY(SELECT session_day FROM bookings WHERE phone_hash = $2 AND status = 'no_show')"
        ))
        .bind(session.id)
        .bind(&phone_hash)
        .bind(day)
        .fetch_one(&mut *tx)
        .await?;
    if duplicate {
        return Err(refused(ErrorCode::DuplicateBooking));
    }
    if !booking::within_daily_limit(count(that_day)?, booking.party, ctx.daily_limit) {
        return Err(refused(ErrorCode::DailyLimit));
    }
    if ctx
        .no_show
        .blocked_until(&no_shows, local_now.date())
        .is_some()
    {
        return Err(refused(ErrorCode::NoShowBlocked));
    }

    // From here to commit, this session's other bookings wait.
    let (capacity, booked, session_status): (i64, i64, String) =
        sqlx::query_as("SELECT capacity, booked, status FROM sessions WHERE id = $1 FOR UPDATE")
            .bind(session.id)
            .fetch_one(&mut *tx)
            .await?;
    if session_status == "cancelled" {
        return Err(refused(ErrorCode::SessionCancelled));
    }
    let status = booking::admit(count(capacity)?, count(booked)?, booking.party);
    let counter = if status == BookingStatus::Confirmed {
        "booked"
    } else {
        "waiting"
    };
    let (key, digest) = ctx.idempotency.clone().unzip();
    let inserted = sqlx::query(&format!(
            "WITH booking AS ( \
               INSERT INTO bookings (session_id, code, name, phone, adults, children, status, session_day, booked_at, consent_at, idempotency_key, request_digest, phone_hash) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12) RETURNING adults + children AS people) \
             UPDATE sessions SET {counter} = {counter} + (SELECT people FROM booking) WHERE id = $1"
        ))
        .bind(session.id)
        .bind(ctx.code.as_str())
        .bind(booking.name.as_str())
        .bind(phone)
        .bind(i64::from(booking.party.adults()))
        .bind(i64::from(booking.party.children()))
        .bind(status.as_str())
        .bind(day)
        .bind(stamp)
        .bind(key)
        .bind(digest)
        .bind(&phone_hash)
        .execute(&mut *tx)
        .await;
    if let Err(e) = inserted {
        return match unique_violation(&e).as_deref() {
            // The same key, sent with another phone, committed first.
            Some(IDEMPOTENCY_CONSTRAINT) => Ok(Attempt::KeyTaken),
            Some(ONE_PER_PHONE_CONSTRAINT) => Err(refused(ErrorCode::DuplicateBooking)),
            _ => Err(e.into()),
        };
    }
    tx.commit().await?;
    let mut conn = pool.acquire().await?;
    let view = booking_view(&mut conn, "b.code = $1", ctx.code.as_str(), None, ctx.now).await?;
    view.map(|v| Attempt::Done(Box::new(v)))
        .ok_or_else(|| BookingError::Storage(StorageError::new("booking vanished")))
}

/// One booking in a transaction of its own: a lone request, or one whose batch failed.
async fn book_alone(
    pool: &PgPool,
    keys: &KeyedHash,
    booking: &ValidBooking,
    ctx: &BookingContext,
) -> Result<BookingView, BookingError> {
    match try_book(pool, keys, booking, ctx).await? {
        Attempt::Done(view) => Ok(*view),
        Attempt::KeyTaken => {
            let (key, digest) = ctx.idempotency.as_ref().ok_or_else(|| {
                BookingError::Storage(StorageError::new("key conflict without a key"))
            })?;
            let mut conn = pool.acquire().await?;
            earlier_booking(&mut conn, key, digest, ctx.now)
                .await?
                .ok_or_else(|| BookingError::Storage(StorageError::new("earlier booking vanished")))
        }
    }
}

#[async_trait]
impl Bookings for PostgresStorage {
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
        let mut conn = self.pool.acquire().await?;
        Ok(booking_view(
            &mut conn,
            "b.code = $1 AND b.phone = $2",
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
        let mut tx = self.pool.begin().await?;
        let session_id: i64 =
            sqlx::query_scalar("SELECT session_id FROM bookings WHERE code = $1 AND phone = $2")
                .bind(code.as_str())
                .bind(phone.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| refused(ErrorCode::NotFound))?;
        let session = lock_session(&mut tx, session_id)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        // Read again under the session lock: a concurrent cancel may have won.
        let (id, status, adults, children): (i64, String, i64, i64) = sqlx::query_as(
            "SELECT id, status, adults, children FROM bookings WHERE code = $1 AND phone = $2",
        )
        .bind(code.as_str())
        .bind(phone.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| refused(ErrorCode::NotFound))?;
        let people = i64::from(party_size(adults, children)?);
        let status = BookingStatus::parse(&status).unwrap_or(BookingStatus::Cancelled);
        match status {
            BookingStatus::Cancelled => return Err(refused(ErrorCode::AlreadyCancelled)),
            BookingStatus::CheckedIn | BookingStatus::NoShow => {
                return Err(refused(ErrorCode::CancelDeadlinePassed))
            }
            BookingStatus::Confirmed | BookingStatus::Waitlisted => {}
        }
        let local_now = session.local_now(now);
        if !booking::can_cancel(local_now, session.cancel_deadline) {
            return Err(refused(ErrorCode::CancelDeadlinePassed));
        }
        sqlx::query("UPDATE bookings SET status = 'cancelled', cancelled_at = $1 WHERE id = $2")
            .bind(local_now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if status == BookingStatus::Confirmed {
            sqlx::query("UPDATE sessions SET booked = booked - $1 WHERE id = $2")
                .bind(people)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
            promote_waiting(&mut tx, session_id).await?;
        } else {
            sqlx::query("UPDATE sessions SET waiting = waiting - $1 WHERE id = $2")
                .bind(people)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
        }
        let view = booking_view(&mut tx, "b.code = $1", code.as_str(), None, now).await?;
        tx.commit().await?;
        view.ok_or_else(|| BookingError::Storage(StorageError::new("booking vanished")))
    }

    async fn forget_phone_hashes(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError> {
        erasure::forget_phone_hashes(&self.pool, cutoff).await
    }

    async fn erase_personal_data(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError> {
        let done = sqlx::query(
            "UPDATE bookings SET name = NULL, phone = NULL, request_digest = NULL, \
             idempotency_key = NULL, erased_at = LOCALTIMESTAMP(0) \
             WHERE erased_at IS NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < $1)",
        )
        .bind(cutoff)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
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
