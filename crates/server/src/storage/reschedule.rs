//! Moving a booking to another session of the same activity in one transaction: the old
//! place is given up only in the transaction that takes the new one, so a refused move
//! changes nothing and a holder never ends with neither. The rule is the domain's
//! (`labday_domain::booking::reschedule`, which asks `cancel` of the old session and
//! `decide` of the new); this file reads the facts and writes the answer.
//!
//! Locks, on PostgreSQL, in the order group commit takes them (`postgres/admit.rs`): the
//! phone's advisory lock (its daily limit spans sessions), then both sessions' rows by id,
//! then the booking's own row, as a cancellation (session, then booking) and a check-in
//! (the booking alone) take theirs. Two moves in opposite directions, two moves of one
//! booking, or a move beside a batch of bookings, a cancellation or a check-in therefore
//! queue behind each other and never deadlock. A booking found in another session once its
//! sessions are locked (a concurrent move won) is given up and read afresh: its new session
//! is locked before anything in it is counted. Read under its lock, a booking checked in
//! meanwhile is refused, never moved with its check-in lost. SQLite's one writer serialises
//! everything anyway.

use super::admission::{phone_facts, Held};
use super::audit::audit;
use super::bookings::{booking_view, session_in, LOCK_SESSION};
use super::columns::Name;
use super::db::{Conn, Tx};
use super::outbox::{self, Holders};
use super::rows::count;
use super::waiting::promote_waiting;
use super::{BookingError, Parts, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use labday_domain::booking::{
    self, BookingCode, BookingStatus, Holding, Party, Release, Rescheduled, Snapshot, Target,
    PARTY_HARD_LIMIT,
};
use labday_domain::message::BookingEvent;
use labday_domain::staff::AuditAction;
use labday_domain::{BookingView, ErrorCode, Phone};

/// Who asks for the move, and how the booking is found.
#[derive(Debug, Clone, Copy)]
pub enum Mover<'a> {
    /// The holder: the booking with this code and phone (anything else is `not_found`,
    /// exactly as a lookup).
    Holder(&'a Phone),
    /// A staff member moving a holder from the session whose roster they have open
    /// (another session's code is `wrong_session` within the organisation, `not_found`
    /// beyond it); the move is audited.
    Staff { staff_id: i64, from_session: i64 },
}

/// `(id, session_id, status, adults, children, phone)` of the booking being moved.
type Moving = (i64, i64, Name<BookingStatus>, i64, i64, Option<String>);

const BY_CODE: &str =
    "SELECT id, session_id, status, adults, children, phone FROM bookings WHERE code = ?";
/// Reads of a booking that a concurrent move keeps moving before the move gives up (each
/// concurrent move that wins commits, so this is a bound on a storm, not a wait).
pub(super) const MOVE_TRIES: usize = 8;
/// The phone's other bookings, by its keyed hash, as group commit reads them: cancelled
/// ones too, which `Held::of` leaves out, so that only the phone's index can serve the read.
const PHONE_HELD: &str = "SELECT session_id, session_day, adults + children, status \
    FROM bookings WHERE phone_hash = ? AND id <> ?";
const RELEASE_PLACES: &str = "UPDATE sessions SET booked = booked - ? WHERE id = ?";
const LEAVE_QUEUE: &str = "UPDATE sessions SET waiting = waiting - ? WHERE id = ?";
const TAKE_PLACES: &str = "UPDATE sessions SET booked = booked + ? WHERE id = ?";
const JOIN_QUEUE: &str = "UPDATE sessions SET waiting = waiting + ? WHERE id = ?";
const MOVE: &str = "UPDATE bookings SET session_id = ?, session_day = ?, status = ? WHERE id = ?";

#[async_trait]
pub trait Reschedule: Parts {
    /// Moves the booking `code` to session `to` (same activity, before the old session's
    /// cancellation deadline), confirmed, or waitlisted when `accept_waiting`; the old
    /// session's waiting list moves up into the places it frees. Asking again for the
    /// session the booking is already in answers it unchanged, so a repeated request ends
    /// in the same state with the same answer.
    async fn reschedule(
        &self,
        mover: Mover<'_>,
        code: &BookingCode,
        to: i64,
        accept_waiting: bool,
        rules: booking::Rules,
        now: DateTime<Utc>,
    ) -> Result<BookingView, BookingError> {
        let mut tries = 0;
        let (mut tx, phone, (id, from, Name(status), adults, children, _)) = loop {
            let mut tx = self.db().begin().await?;
            let first = moving(&mut tx, mover, code, false).await?;
            let phone = first.5.clone();
            if let (Some(lock), Some(phone)) = (tx.dialect().phone_lock(), &phone) {
                tx.query(lock)
                    .bind(super::postgres::PHONE_LOCK_CLASS)
                    .bind(phone.as_str())
                    .execute()
                    .await?;
            }
            let mut ids = [first.1, to];
            ids.sort_unstable();
            let lock = format!("{LOCK_SESSION}{}", tx.dialect().for_update());
            for id in ids {
                tx.query(&lock).bind(id).execute().await?;
            }
            // Read again under the locks, the booking's own row locked too: a concurrent
            // move, cancellation or check-in may have won.
            let now_held = moving(&mut tx, mover, code, true).await?;
            if now_held.1 == first.1 {
                break (tx, phone, now_held);
            }
            tries += 1;
            if tries == MOVE_TRIES {
                return Err(StorageError::new("a booking moved by others on every try").into());
            }
            // Moved meanwhile to a session not locked here: roll back and start again.
            drop(tx);
        };
        let target = session_in(&mut Conn::Tx(&mut tx), to)
            .await?
            .ok_or(refused(ErrorCode::NotFound))?;
        let current = session_in(&mut Conn::Tx(&mut tx), from)
            .await?
            .ok_or_else(|| StorageError::new("a booking without its session"))?;
        let party = Party::parse(count(adults)?, count(children)?, PARTY_HARD_LIMIT)
            .map_err(|_| StorageError::new("a stored party no request could make"))?;
        let held = match &phone {
            Some(phone) => others_held(&mut tx, &self.keys().phone(phone), id).await?,
            None => Vec::new(),
        };
        let day = target.starts_at.date();
        let local_now = target.local_now(now);
        let decision = booking::reschedule(
            &Holding {
                session_id: from,
                activity_id: current.activity_id,
                status,
                party,
                cancel_deadline: current.cancel_deadline,
            },
            &Target {
                session_id: to,
                activity_id: target.activity_id,
                snapshot: Snapshot {
                    session: &target.facts(),
                    phone: &phone_facts(&held, to, day),
                    rules,
                    now: local_now,
                },
            },
            accept_waiting,
        )
        .map_err(refused)?;
        if let Rescheduled::Moved { release, status } = decision {
            let people = i64::from(party.people());
            let (counter, freed) = match release {
                Release::Places(p) => (RELEASE_PLACES, i64::from(p)),
                Release::Queue(p) => (LEAVE_QUEUE, i64::from(p)),
            };
            tx.query(counter).bind(freed).bind(from).execute().await?;
            move_booking(&mut tx, id, to, day, status).await?;
            let counter = match status {
                BookingStatus::Waitlisted => JOIN_QUEUE,
                _ => TAKE_PLACES,
            };
            tx.query(counter).bind(people).bind(to).execute().await?;
            if matches!(release, Release::Places(_)) {
                promote_waiting(&mut tx, from).await?;
            }
            enqueue_rescheduled(&mut tx, code, status, now).await?;
            if let Mover::Staff { staff_id, .. } = mover {
                let subject = format!("booking {}: session {from} → {to}", code.display());
                audit(&mut tx, staff_id, AuditAction::MoveBooking, &subject).await?;
            }
        }
        let view = booking_view(&mut Conn::Tx(&mut tx), code, None, now).await?;
        tx.commit().await?;
        view.ok_or_else(|| StorageError::new("booking vanished").into())
    }
}

impl<S: Parts> Reschedule for S {}

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}

/// The booking being moved, as `mover` may see it; `lock`: its row locked (PostgreSQL)
/// until the transaction ends.
async fn moving(
    tx: &mut Tx,
    mover: Mover<'_>,
    code: &BookingCode,
    lock: bool,
) -> Result<Moving, BookingError> {
    let lock = if lock { tx.dialect().for_update() } else { "" };
    let found: Option<Moving> = match mover {
        Mover::Holder(phone) => {
            let sql = format!("{BY_CODE} AND phone = ?{lock}");
            tx.query(&sql)
                .bind(code.as_str())
                .bind(phone.as_str())
                .fetch_optional()
                .await?
        }
        Mover::Staff { .. } => {
            let sql = format!("{BY_CODE}{lock}");
            tx.query(&sql).bind(code.as_str()).fetch_optional().await?
        }
    };
    let found = found.ok_or(refused(ErrorCode::NotFound))?;
    if let Mover::Staff { from_session, .. } = mover {
        if found.1 != from_session {
            return Err(super::staff::scanned_elsewhere(tx, from_session, found.1).await?);
        }
    }
    Ok(found)
}

async fn others_held(tx: &mut Tx, phone_hash: &str, id: i64) -> Result<Vec<Held>, sqlx::Error> {
    let rows: Vec<(i64, NaiveDate, i64, Name<BookingStatus>)> = tx
        .query(PHONE_HELD)
        .bind(phone_hash)
        .bind(id)
        .fetch_all()
        .await?;
    let mut held = Vec::with_capacity(rows.len());
    for (session, day, people, Name(status)) in rows {
        held.extend(Held::of(session, day, people, status)?);
    }
    Ok(held)
}

/// Puts the booking in its new session. Joining a waiting list, it takes a fresh id: the
/// queue is served in id order, and a move must join at the back, not where the booking
/// was first made.
async fn move_booking(
    tx: &mut Tx,
    id: i64,
    to: i64,
    day: NaiveDate,
    status: BookingStatus,
) -> Result<(), sqlx::Error> {
    let renumber;
    let sql = if status == BookingStatus::Waitlisted {
        renumber = format!(
            "UPDATE bookings SET id = {}, session_id = ?, session_day = ?, status = ? WHERE id = ?",
            tx.dialect().next_booking_id()
        );
        renumber.as_str()
    } else {
        MOVE
    };
    tx.query(sql)
        .bind(to)
        .bind(day)
        .bind(status.as_str())
        .bind(id)
        .execute()
        .await?;
    Ok(())
}

/// Tells the holder of the move, inside its transaction so the message and the move commit
/// together; a booking moved again is told again.
async fn enqueue_rescheduled(
    tx: &mut Tx,
    code: &BookingCode,
    status: BookingStatus,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let event = match status {
        BookingStatus::Waitlisted => BookingEvent::MovedToWaiting,
        _ => BookingEvent::Moved,
    };
    outbox::booking_event(
        &mut tx.inside(),
        event,
        Holders::Codes(&[code.as_str()]),
        now,
    )
    .await?;
    Ok(())
}
