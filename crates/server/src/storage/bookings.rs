//! Bookings: the one aggregate where concurrency matters. Admission (`admission.rs`, with
//! each database's locking in `sqlite/admit.rs` and `postgres/admit.rs`) takes new
//! bookings in batches; everything else a holder does is written here once. The rules are
//! the domain's (`labday_domain::booking::{decide, cancel}`): this file reads the facts
//! they need and writes what they answer.

use super::admission::{admit_each, Request};
use super::columns::Name;
use super::db::{Conn, Tx};
use super::erasure;
use super::rows::{count, party_size, BookingRow, SessionRow, BOOKING_SELECT, SESSION_SELECT};
use super::{Admits, BookingError, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use labday_domain::booking::{
    self, BookingCode, BookingStatus, NoShowPolicy, Release, ValidBooking,
};
use labday_domain::{BookingView, ErrorCode, Phone};

/// Rules and context of one booking attempt that come from configuration and the request.
#[derive(Debug, Clone)]
pub struct BookingContext {
    pub now: DateTime<Utc>,
    pub daily_limit: u32,
    pub no_show: NoShowPolicy,
    /// A fresh random code, used if this attempt creates a booking.
    pub code: BookingCode,
    /// The client's Idempotency-Key, if it sent one, and a digest of the request body.
    pub idempotency: Option<(String, String)>,
}

impl BookingContext {
    pub fn rules(&self) -> labday_domain::booking::Rules {
        labday_domain::booking::Rules {
            daily_limit: self.daily_limit,
            no_show: self.no_show,
        }
    }
}

/// Bookings: the one aggregate where concurrency matters.
#[async_trait]
pub trait Bookings: Send + Sync {
    /// Books atomically: window, duplicate, daily-limit and no-show checks, then confirmed
    /// or waitlisted; confirmed people never exceed capacity. Concurrent calls are admitted
    /// together in batches (group commit), each with its own answer.
    async fn book(
        &self,
        booking: ValidBooking,
        ctx: BookingContext,
    ) -> Result<BookingView, BookingError>;
    /// Books `requests` in one transaction, in order, each decided as if it came after the
    /// one before (places, duplicate phones, daily limits, idempotency keys): one answer
    /// each. This is what `book` does with the requests waiting at the same moment.
    async fn book_batch(
        &self,
        requests: Vec<(ValidBooking, BookingContext)>,
    ) -> Vec<Result<BookingView, BookingError>>;
    /// The holder's view, or `None` when code and phone do not match a booking.
    async fn find_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingView>, StorageError>;
    /// Cancels before the deadline, releasing places and promoting the waiting list.
    async fn cancel_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<BookingView, BookingError>;
    /// Erases one booking's name, phone and idempotency record at its holder's request, and
    /// its messages' copies of them, once the domain allows it (`booking::erase`: the
    /// booking is cancelled, a no-show, or its session's day is over); the phone's keyed
    /// hash stays only where the no-show pause will read it.
    async fn erase_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<(), BookingError>;
    /// Erases name, phone and idempotency record of bookings whose session ended before
    /// `cutoff` (venue time), and the phone's keyed hash of every one but those nobody came
    /// for (kept for the no-show pause until [`Bookings::forget_phone_hashes`]); and the
    /// hash of a booking erased earlier that has since been checked in or cancelled.
    async fn erase_personal_data(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError>;
    /// Clears the phones' keyed hashes of bookings and samples whose session ended before
    /// `cutoff`: past the no-show window no rule reads them.
    async fn forget_phone_hashes(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError>;
}

const WAITING_AHEAD: &str =
    "SELECT COUNT(*) FROM bookings WHERE session_id = ? AND status = 'waitlisted' AND id < ?";
const HOLDER_BOOKING: &str =
    "SELECT id, session_id, status, adults, children FROM bookings WHERE code = ? AND phone = ?";
/// Taken first by every change to a session's places: on PostgreSQL the row stays locked
/// until the transaction ends, so changes to one session queue here (SQLite's one writer
/// already serialises them).
/// A session's row, to take its lock (`Dialect::for_update` appended): the one statement
/// cancellations, moves and sample registrations queue on.
pub(super) const LOCK_SESSION: &str = "SELECT id FROM sessions WHERE id = ?";
const CANCEL: &str = "UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ?";
const RELEASE_PLACES: &str = "UPDATE sessions SET booked = booked - ? WHERE id = ?";
const LEAVE_QUEUE: &str = "UPDATE sessions SET waiting = waiting - ? WHERE id = ?";
/// [`ERASE_HOLDERS`] for one booking its holder erases; the first value says whether the
/// phone's keyed hash stays (1) or goes (0), as `booking::erase` decided.
const ERASE_HOLDER: &str = "UPDATE bookings SET name = NULL, phone = NULL, \
    phone_hash = CASE WHEN ? = 1 AND (status = 'no_show' OR session_id NOT IN \
    (SELECT id FROM sessions WHERE format = 'cloud_classroom')) THEN phone_hash ELSE NULL END, \
    request_digest = NULL, idempotency_key = NULL, code_key = NULL, \
    erased_at = ? WHERE id = ?";
/// Everything that names the holder. The phone's keyed hash stays only on a booking nobody
/// came for (a no-show, or a confirmed booking staff have yet to mark as one: the session is
/// over), as `booking::erase` keeps it: the no-show pause is the one rule that reads an
/// erased booking (its session's day is over, so no daily limit or duplicate check can meet
/// it again), and it counts no-shows alone. An online seat's confirmed booking keeps nothing:
/// no door tells who came, and no-shows are not marked there.
const ERASE_HOLDERS: &str = "UPDATE bookings SET name = NULL, phone = NULL, \
    phone_hash = CASE WHEN status = 'no_show' OR (status = 'confirmed' AND session_id NOT IN \
    (SELECT id FROM sessions WHERE format = 'cloud_classroom')) THEN phone_hash ELSE NULL END, \
    request_digest = NULL, idempotency_key = NULL, code_key = NULL, \
    erased_at = ? \
    WHERE erased_at IS NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)";
/// A booking erased while nobody had come may since have been checked in (a desk's offline
/// check-in arriving late) or cancelled with its session: its hash no longer stands for a
/// missed visit, so it goes at the next retention run. So does the key's hash a server of
/// the version before migration 0025, which knew nothing of `code_key`, left there when it
/// erased a booking. One pass over the erased bookings for both.
const FORGET_ERASED_HASHES: &str = "UPDATE bookings SET \
    phone_hash = CASE WHEN status = 'no_show' OR (status = 'confirmed' AND session_id NOT IN \
    (SELECT id FROM sessions WHERE format = 'cloud_classroom')) THEN phone_hash ELSE NULL END, \
    code_key = NULL \
    WHERE erased_at IS NOT NULL AND (code_key IS NOT NULL OR (phone_hash IS NOT NULL \
    AND (status NOT IN ('no_show', 'confirmed') OR (status = 'confirmed' AND session_id IN \
    (SELECT id FROM sessions WHERE format = 'cloud_classroom')))))";

#[async_trait]
impl<S: Admits> Bookings for S {
    async fn book(
        &self,
        booking: ValidBooking,
        ctx: BookingContext,
    ) -> Result<BookingView, BookingError> {
        self.desk().book(booking, ctx).await
    }

    async fn book_batch(
        &self,
        requests: Vec<(ValidBooking, BookingContext)>,
    ) -> Vec<Result<BookingView, BookingError>> {
        let requests: Vec<Request> = requests
            .into_iter()
            .map(|(booking, ctx)| Request { booking, ctx })
            .collect();
        admit_each(self.admissions(), &requests).await
    }

    async fn find_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingView>, StorageError> {
        Ok(booking_view(&mut Conn::Read(self.db()), code, Some(phone), now).await?)
    }

    async fn cancel_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<BookingView, BookingError> {
        let lock = format!("{LOCK_SESSION}{}", self.db().dialect().for_update());
        let mut tries = 0;
        let (mut tx, session_id, (id, _, status, adults, children)) = loop {
            let mut tx = self.db().begin().await?;
            let (_, session_id, ..) = holder_booking(&mut tx, code, phone)
                .await?
                .ok_or(not_found())?;
            tx.query(&lock).bind(session_id).execute().await?;
            // Read again under the session's lock: a concurrent cancel may have won, or a
            // move put the booking in another session meanwhile (then start again, as a
            // move does, rather than wait for a second lock holding the first): the places
            // released are those of the session it is in.
            let held = holder_booking(&mut tx, code, phone)
                .await?
                .ok_or(not_found())?;
            if held.1 == session_id {
                break (tx, session_id, held);
            }
            tries += 1;
            if tries == super::reschedule::MOVE_TRIES {
                return Err(StorageError::new("a booking moved by others on every try").into());
            }
            drop(tx);
        };
        let session = session_in(&mut Conn::Tx(&mut tx), session_id)
            .await?
            .ok_or(not_found())?;
        let people = party_size(adults, children)?;
        let local_now = session.local_now(now);
        let release = booking::cancel(status.0, people, local_now, session.cancel_deadline)
            .map_err(BookingError::Refused)?;
        tx.query(CANCEL).bind(local_now).bind(id).execute().await?;
        // What is still waiting to be texted about it (its reminder, a confirmation) goes
        // with it.
        let ids = [id];
        let holder = super::outbox::Holders::Ids(&ids);
        let stale = labday_domain::message::Stale::Everything;
        super::outbox::withdraw_stale(&mut tx.inside(), holder, stale, now.naive_utc()).await?;
        let (counter, people) = match release {
            Release::Places(people) => (RELEASE_PLACES, people),
            Release::Queue(people) => (LEAVE_QUEUE, people),
        };
        tx.query(counter)
            .bind(i64::from(people))
            .bind(session_id)
            .execute()
            .await?;
        // Freed places go to the waiting list.
        if matches!(release, Release::Places(_)) {
            super::waiting::promote_waiting(&mut tx, session_id).await?;
        }
        let view = booking_view(&mut Conn::Tx(&mut tx), code, None, now).await?;
        tx.commit().await?;
        view.ok_or_else(|| BookingError::Storage(StorageError::new("booking vanished")))
    }

    async fn erase_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<(), BookingError> {
        let mut tx = self.db().begin().await?;
        let (_, mut session_id, ..) = holder_booking(&mut tx, code, phone)
            .await?
            .ok_or(not_found())?;
        // The session first (its share lock, as a check-in takes it), then the booking under
        // its update lock: a check-in or a move at the same moment is seen or waits. A
        // booking moved in between is read with its new session, once: locked, it stays.
        let sql = format!("{HOLDER_BOOKING}{}", tx.dialect().for_update());
        let (session, id, status) = loop {
            let session = session_shared(&mut tx, session_id)
                .await?
                .ok_or(not_found())?;
            let (id, now_in, status, ..): HolderBooking = tx
                .query(&sql)
                .bind(code.as_str())
                .bind(phone.as_str())
                .fetch_optional()
                .await?
                .ok_or(not_found())?;
            if now_in == session_id {
                break (session, id, status);
            }
            session_id = now_in;
        };
        let erasure = booking::erase(status.0, session.local_now(now), session.ends_at)
            .map_err(BookingError::Refused)?;
        tx.query(ERASE_HOLDER)
            .bind(i64::from(erasure.keeps_phone_hash()))
            .bind(now.naive_utc())
            .bind(id)
            .execute()
            .await?;
        let erased = super::outbox::ErasedHolder::Booking(id);
        super::outbox::erase_holder_messages(&mut tx.inside(), erased, now.naive_utc()).await?;
        // The erased row's earlier bytes leave SQLite's WAL at the next retention run
        // (`forget_erased`): emptying it here would hold every write while a reader is busy.
        tx.commit().await?;
        Ok(())
    }

    async fn forget_phone_hashes(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError> {
        erasure::forget_phone_hashes(self.db(), cutoff).await
    }

    async fn erase_personal_data(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError> {
        let erased_at = Utc::now().naive_utc();
        let done = self
            .db()
            .write(ERASE_HOLDERS)
            .bind(erased_at)
            .bind(cutoff)
            .execute()
            .await?;
        self.db().write(FORGET_ERASED_HASHES).execute().await?;
        // Every run, not only when this one erased something: a run whose checkpoint found
        // readers busy leaves erased page images in the WAL for the next run to clear.
        if let Err(e) = erasure::forget_erased(self.db()).await {
            tracing::warn!(error = %e, "after erasure");
        }
        Ok(done)
    }
}

/// `(id, session_id, status, adults, children)` of the holder's booking.
type HolderBooking = (i64, i64, Name<BookingStatus>, i64, i64);

async fn holder_booking(
    tx: &mut Tx,
    code: &BookingCode,
    phone: &Phone,
) -> Result<Option<HolderBooking>, sqlx::Error> {
    tx.query(HOLDER_BOOKING)
        .bind(code.as_str())
        .bind(phone.as_str())
        .fetch_optional()
        .await
}

fn not_found() -> BookingError {
    BookingError::Refused(ErrorCode::NotFound)
}

pub(super) async fn session_in(
    run: &mut Conn<'_>,
    id: i64,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!("{SESSION_SELECT} WHERE s.id = ?");
    run.query(&sql).bind(id).fetch_optional().await
}

/// [`session_in`] for a change that depends on the session's times without changing them:
/// the session's row is share-locked on PostgreSQL until the transaction ends, so a change
/// of the session (which takes its update lock first) either waits for this transaction or
/// commits first and is what this reads. SQLite's one writer serialises them.
pub(super) async fn session_shared(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!(
        "{SESSION_SELECT} WHERE s.id = ?{}",
        tx.dialect().for_share_of("s")
    );
    tx.query(&sql).bind(id).fetch_optional().await
}

/// The holder's view of a booking: by code and phone, or by code alone (after a change
/// the holder made, in its transaction).
pub(super) async fn booking_view(
    run: &mut Conn<'_>,
    code: &BookingCode,
    phone: Option<&Phone>,
    now: DateTime<Utc>,
) -> Result<Option<BookingView>, sqlx::Error> {
    let b: Option<BookingRow> = match phone {
        Some(phone) => {
            let sql = format!("{BOOKING_SELECT} WHERE b.code = ? AND b.phone = ?");
            run.query(&sql)
                .bind(code.as_str())
                .bind(phone.as_str())
                .fetch_optional()
                .await?
        }
        None => {
            let sql = format!("{BOOKING_SELECT} WHERE b.code = ?");
            run.query(&sql).bind(code.as_str()).fetch_optional().await?
        }
    };
    let Some(b) = b else {
        return Ok(None);
    };
    let Some(s) = session_in(run, b.session_id).await? else {
        return Ok(None);
    };
    let waitlist_position = if b.status() == BookingStatus::Waitlisted {
        let ahead: i64 = run
            .query(WAITING_AHEAD)
            .bind(b.session_id)
            .bind(b.id)
            .scalar()
            .await?;
        Some(count(ahead)?.saturating_add(1))
    } else {
        None
    };
    Ok(Some(b.holding().view(&s, waitlist_position, now)))
}
