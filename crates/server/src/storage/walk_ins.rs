//! Walk-ins booked by staff at the door: a booking marked `walk_in`, checked in at once,
//! into the session's reserved places first and then its free ones (the rule is
//! `walk_in::admit_walk_in`), from the session's day on, as the door checks visitors in
//! (`staff::from_session_day`). Written once for both databases: the session's row lock
//! (`Dialect::for_update`) is the one online bookings take on PostgreSQL, so a walk-in and a
//! batch of online bookings are decided one after the other and never both take the last
//! place; SQLite's one writer serialises them anyway.

use super::audit::commit_audited;
use super::rows::count;
use super::waiting::session_places;
use super::{BookingError, Parts};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::booking::BookingCode;
use labday_domain::message::{BookingEvent, DeliveryStatus};
use labday_domain::staff::{from_session_day, AuditAction, RosterEntry};
use labday_domain::walk_in::{admit_walk_in, ValidWalkIn, WalkInResult};
use labday_domain::{BookingStatus, ErrorCode, SessionStatus};

/// `(status, starts_at, ends_at)` of the session a walk-in joins; its row lock is appended.
const SESSION_FOR_WALK_IN: &str = "SELECT status, starts_at, ends_at FROM sessions WHERE id = ?";
const INSERT_WALK_IN: &str = "INSERT INTO bookings (session_id, code, name, phone, phone_hash, \
    adults, children, status, session_day, booked_at, consent_at, checked_in, walk_in, \
    idempotency_key, request_digest) \
    VALUES (?, ?, ?, ?, ?, ?, ?, 'checked_in', ?, ?, ?, ?, ?, ?, ?)";
/// The walk-in an Idempotency-Key booked before: `(session, code, name, phone, adults,
/// children, request digest)`.
const WALK_IN_BY_KEY: &str = "SELECT session_id, code, name, phone, adults, children, \
    request_digest FROM bookings WHERE idempotency_key = ? AND walk_in = ?";
type EarlierWalkIn = (
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<String>,
);
const COUNT_WALK_IN: &str =
    "UPDATE sessions SET booked = booked + ?, walk_ins = walk_ins + ? WHERE id = ?";

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}

#[async_trait]
pub trait WalkIns: Parts {
    /// Books a walk-in on a session at `now` (its venue's clock), checked in at once, and
    /// audits it. Refused with `not_found`, `session_cancelled`, `before_session_day` (the
    /// session's day, as it is under the row lock, has not come), `window_closed` (the
    /// session is over),
    /// `session_full` (no free place, reserved or not) or `duplicate_booking` (the phone
    /// already holds a booking for this session: check that one in instead). With an
    /// `idempotency` record (the key's and the request's keyed hashes), the same request
    /// again answers the walk-in it booked, with the places left now, and books nothing;
    /// another request under that key is `idempotency_mismatch`.
    async fn book_walk_in(
        &self,
        staff_id: i64,
        session_id: i64,
        walk_in: &ValidWalkIn,
        (code, idempotency): (&BookingCode, Option<(String, String)>),
        now: NaiveDateTime,
    ) -> Result<WalkInResult, BookingError> {
        let mut tx = self.db().begin().await?;
        let sql = format!("{SESSION_FOR_WALK_IN}{}", tx.dialect().for_update());
        let (status, starts_at, ends_at): (
            super::columns::Name<SessionStatus>,
            NaiveDateTime,
            NaiveDateTime,
        ) = tx
            .query(&sql)
            .bind(session_id)
            .fetch_optional()
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        // Under the session's lock, before the rules: a retry after the session ended, or
        // after its last place went to this very walk-in, still gets its answer.
        if let Some((key, digest)) = &idempotency {
            let earlier: Option<EarlierWalkIn> = tx
                .query(WALK_IN_BY_KEY)
                .bind(key)
                .bind(true)
                .fetch_optional()
                .await?;
            if let Some((at, code, name, phone, adults, children, sent)) = earlier {
                if at != session_id || sent.as_deref() != Some(digest.as_str()) {
                    return Err(refused(ErrorCode::IdempotencyMismatch));
                }
                let after = session_places(&mut tx, session_id).await?;
                let entry = walk_in_entry(
                    &code,
                    (name.as_deref(), phone.as_deref()),
                    (count(adults)?, count(children)?),
                );
                return Ok(WalkInResult {
                    entry,
                    walk_in_places_left: after.walk_in_free(),
                    online_places_left: after.online_free(),
                });
            }
        }
        if status.0 == SessionStatus::Cancelled {
            return Err(refused(ErrorCode::SessionCancelled));
        }
        from_session_day(now, starts_at).map_err(refused)?;
        if now >= ends_at {
            return Err(refused(ErrorCode::WindowClosed));
        }
        let places = session_places(&mut tx, session_id).await?;
        let party = walk_in.party;
        admit_walk_in(&places, party).map_err(refused)?;
        let name = walk_in.holder.name.as_ref().map(|n| n.as_str());
        let phone = walk_in.holder.phone.as_ref().map(|p| p.as_str());
        let people = i64::from(party.people());
        let inserted = tx
            .query(INSERT_WALK_IN)
            .bind(session_id)
            .bind(code.as_str())
            .bind(name)
            .bind(phone)
            .bind(phone.map(|p| self.keys().phone(p)))
            .bind(i64::from(party.adults()))
            .bind(i64::from(party.children()))
            .bind(starts_at.date())
            .bind(now)
            .bind(now)
            .bind(people)
            .bind(true)
            .bind(idempotency.as_ref().map(|(key, _)| key.as_str()))
            .bind(idempotency.as_ref().map(|(_, digest)| digest.as_str()))
            .execute()
            .await;
        BookingError::unless_phone_held(inserted)?;
        tx.query(COUNT_WALK_IN)
            .bind(people)
            .bind(people)
            .bind(session_id)
            .execute()
            .await?;
        if phone.is_some() {
            let code = [code.as_str()];
            super::outbox::booking_event(
                &mut tx.inside(),
                BookingEvent::WalkedIn,
                super::outbox::Holders::Codes(&code),
                chrono::Utc::now(),
            )
            .await?;
        }
        let after = session_places(&mut tx, session_id).await?;
        let subject = format!(
            "session {session_id}: walk-in {}, party of {people}",
            code.as_str()
        );
        commit_audited(tx, staff_id, AuditAction::BookWalkIn, &subject).await?;
        Ok(WalkInResult {
            entry: walk_in_entry(
                code.as_str(),
                (name, phone),
                (party.adults(), party.children()),
            ),
            walk_in_places_left: after.walk_in_free(),
            online_places_left: after.online_free(),
        })
    }
}

/// A walk-in's line on the roster: checked in, its text message (with a phone) on its way.
fn walk_in_entry(
    code: &str,
    (name, phone): (Option<&str>, Option<&str>),
    (adults, children): (u32, u32),
) -> RosterEntry {
    RosterEntry {
        code: code.to_owned(),
        name: name.unwrap_or_default().to_owned(),
        phone: phone.unwrap_or_default().to_owned(),
        adults,
        children,
        checked_in: adults + children,
        status: BookingStatus::CheckedIn,
        walk_in: true,
        message: phone.map(|_| DeliveryStatus::Pending),
        masked: false,
    }
}

impl<S: Parts> WalkIns for S {}
