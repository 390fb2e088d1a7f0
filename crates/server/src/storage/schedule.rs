//! What staff change in the catalogue: activities, and sessions one by one or as a series.
//! Capacity never drops below the people already booked, raising it promotes the waiting
//! list, and cancelling a session cancels its bookings; each change is written to the audit
//! log in the same transaction. Written once for both databases: a session change first
//! takes the session's row lock (`Dialect::for_update`), the same lock bookings and
//! cancellations take on PostgreSQL, so a capacity check and the counters it guards cannot
//! race with a booking on any server process; on SQLite the one writer serialises them.
//! Sessions lie within their activity's days: an edit of the days takes the activity's row
//! lock and checks its sessions, and sessions are added or moved under the activity's share
//! lock and checked against its days, so neither can slip past the other.
//!
//! A scope is an `Option<i64>`: an organisation and everything under it, or everything when
//! `None`. Scoped statements start with `organisations::reach!` and keep the rows whose
//! organisation is `IN (SELECT id FROM reach)`, binding the scope twice.

use super::audit::commit_audited;
use super::columns::Name;
use super::db::{Statement, Tx};
use super::organisations::{parents_first, reach};
use super::outbox::{self, Holders};
use super::staff::changed;
use super::waiting::{promote_waiting, session_places};
use super::{BookingError, Parts, StorageError};
use async_trait::async_trait;
use chrono::{NaiveDate, NaiveDateTime};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::message::{BookingEvent, Lang};
use labday_domain::organisation::OrgKind;
use labday_domain::schedule::{
    first_already_scheduled, may_change_format, may_move, over_keeps_its_times, ActivityDays,
    ActivityDraft, OrganisationChoice, Scheduled, ScheduledActivity, ScheduledSession,
    SessionDraft, SessionsOutside, ValidActivity, ValidSession,
};
use labday_domain::session::Places;
use labday_domain::staff::AuditAction;
use labday_domain::text::looks_same;
use labday_domain::{ApiError, ErrorCode, SessionFormat, SessionStatus};
use std::collections::HashMap;

/// What became of an activity edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityUpdated {
    /// Saved; its revision now.
    Updated(u32),
    /// `If-Match` named revisions the activity no longer has: someone saved it meanwhile,
    /// and nothing changed.
    EditedMeanwhile,
    /// There is no such activity.
    NotFound,
    /// Its new days would leave out sessions of it that are not cancelled; nothing changed.
    SessionsOutside(SessionsOutside),
    /// Its organisation holds another activity of its new Chinese title starting on its new
    /// first day, this id: nothing changed.
    AlreadyScheduled(i64),
    /// It would go to another organisation, but holds bookings or samples: their holders
    /// left their details with its organisation, whose own staff alone see them in full,
    /// and a handover would show them to the new one's (an organiser's own bureau, say).
    HoldsBookings,
}

/// The organisation's activity other than `except` with `draft`'s first day and a Chinese
/// title that reads the same (`text::looks_same`: a zero-width space inside makes no other
/// title), read under the organisation's row lock (`Dialect::for_update`; SQLite's one
/// writer serialises): two sends of one form, or an edit and a new one, take turns on it,
/// so the second sees the first's.
async fn same_activity(
    tx: &mut Tx,
    draft: &ActivityDraft,
    except: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    let locked = format!("{ORGANISATION_ROW}{}", tx.dialect().for_update());
    let _: Option<i64> = tx
        .query(&locked)
        .bind(draft.organisation_id)
        .scalar_optional()
        .await?;
    let same_day: Vec<(i64, String)> = tx
        .query(SAME_DAY_ACTIVITIES)
        .bind(draft.organisation_id)
        .bind(draft.starts_on)
        .bind(except.unwrap_or(0))
        .fetch_all()
        .await?;
    Ok(same_day
        .into_iter()
        .find(|(_, title)| looks_same(title, &draft.title.zh))
        .map(|(id, _)| id))
}

/// What became of a new activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityCreated {
    /// Its id.
    Created(i64),
    /// The organisation holds an activity of the same Chinese title starting on the same day
    /// already, this id (the same form sent twice): nothing was created.
    AlreadyScheduled(i64),
}

/// What became of sessions added to an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionsCreated {
    /// Their ids, in order.
    Created(Vec<i64>),
    /// There is no such activity.
    NoActivity,
    /// The activity's days, as they are as the sessions go in, leave out one of them: none
    /// was created.
    OutsideActivity(ActivityDays),
    /// The activity holds one of them already (`schedule::first_already_scheduled`), which
    /// starts then: none was created.
    AlreadyScheduled(NaiveDateTime),
}

/// What became of a session edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionUpdated {
    Updated {
        /// People moved from the waiting list to confirmed because capacity went up.
        promoted_people: u32,
        /// The session's revision now.
        revision: u32,
    },
    /// Its activity's days, as they are as it moves, leave it out: nothing changed.
    OutsideActivity(ActivityDays),
    /// A change its state forbids (`schedule::may_change_format`): nothing changed.
    Refused(ApiError),
}

const ACTIVITY_ORGANISATION: &str = "SELECT organisation_id FROM activities WHERE id = ?";
/// The organisation a new activity goes to, locked (`Dialect::for_update`) so that two
/// sends of one form take turns and the second sees the first's activity.
const ORGANISATION_ROW: &str = "SELECT id FROM organisations WHERE id = ?";
/// An organisation's other activities (not this id) starting on a day, with their Chinese
/// titles, read under that lock.
const SAME_DAY_ACTIVITIES: &str = "SELECT id, title_zh FROM activities \
    WHERE organisation_id = ? AND starts_on = ? AND id <> ?";
const ACTIVITY_DAYS: &str = "SELECT starts_on, ends_on FROM activities WHERE id = ?";
const ACTIVITY_REVISION: &str = "SELECT revision FROM activities WHERE id = ?";
/// An activity's sessions, to lock their rows (`Dialect::for_update`, appended): by id, as a
/// booking's move and a batch of bookings lock sessions, so that none waits on another in a
/// circle.
const ACTIVITY_SESSIONS: &str = "SELECT id FROM sessions WHERE activity_id = ? ORDER BY id";
/// Whether any session of an activity holds a booking or a sample (of any status).
const ACTIVITY_HOLDS_BOOKINGS: &str = "SELECT EXISTS (SELECT 1 FROM bookings b \
    JOIN sessions s ON s.id = b.session_id WHERE s.activity_id = ?) \
    OR EXISTS (SELECT 1 FROM samples m JOIN sessions s ON s.id = m.session_id \
    WHERE s.activity_id = ?)";
/// When an activity's sessions that are not cancelled start and end, read for a change of
/// its days under the activity's row lock.
const LIVE_SESSION_TIMES: &str = "SELECT starts_at, ends_at FROM sessions \
    WHERE activity_id = ? AND status <> 'cancelled'";
/// What an activity's sessions that are not cancelled are told apart by when new ones come
/// (`schedule::first_already_scheduled`), read under the activity's row lock.
const HELD_SESSIONS: &str = "SELECT starts_at, title_zh, place_zh, address_zh FROM sessions \
    WHERE activity_id = ? AND status <> 'cancelled'";
/// The activity of a session.
const SESSION_ACTIVITY: &str = "SELECT activity_id FROM sessions WHERE id = ?";
pub(super) const INSERT_ACTIVITY: &str =
    "INSERT INTO activities (organisation_id, kind, title_zh, \
    title_en, description_zh, description_en, safety_zh, safety_en, starts_on, ends_on) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
const UPDATE_ACTIVITY: &str = "UPDATE activities SET organisation_id = ?, kind = ?, \
    title_zh = ?, title_en = ?, description_zh = ?, description_en = ?, safety_zh = ?, \
    safety_en = ?, starts_on = ?, ends_on = ?, revision = revision + 1 WHERE id = ?";
pub(super) const INSERT_SESSION: &str =
    "INSERT INTO sessions (format, title_zh, title_en, place_zh, \
    place_en, address_zh, address_en, join_link, starts_at, ends_at, capacity, reserved_places, \
    per_booking_limit, booking_opens_at, booking_closes_at, cancel_deadline, activity_id) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
const UPDATE_SESSION: &str = "UPDATE sessions SET format = ?, title_zh = ?, title_en = ?, \
    place_zh = ?, place_en = ?, address_zh = ?, address_en = ?, join_link = ?, starts_at = ?, \
    ends_at = ?, capacity = ?, reserved_places = ?, per_booking_limit = ?, booking_opens_at = ?, booking_closes_at = ?, cancel_deadline = ?, \
    revision = revision + 1 WHERE id = ?";
/// What a change to a session compares with: its times, its place and its revision.
/// A session as the console lists it (`ScheduledSessionRow`, as `SCHEDULED_SESSIONS` reads
/// it), for a change to compare with.
const SESSION_AS_WAS: &str = "SELECT id, activity_id, format, title_zh, title_en, place_zh, \
    place_en, address_zh, address_en, join_link, starts_at, ends_at, capacity, per_booking_limit, booking_opens_at, \
    booking_closes_at, cancel_deadline, status, booked, waiting, reserved_places, walk_ins, \
    revision FROM sessions WHERE id = ?";
/// How many samples were ever registered on a session (withdrawn and erased ones too: its
/// boards count them).
const SESSION_SAMPLES: &str = "SELECT COUNT(*) FROM samples WHERE session_id = ?";
/// The status of a session about to change.
const SESSION_FOR_CHANGE: &str = "SELECT status FROM sessions WHERE id = ?";
/// Bookings follow their session to its new day (the per-phone daily limit counts days).
const MOVE_BOOKING_DAY: &str = "UPDATE bookings SET session_day = ? WHERE session_id = ?";
const CANCEL_SESSION_BOOKINGS: &str = "UPDATE bookings SET status = 'cancelled', \
    cancelled_at = ? WHERE session_id = ? AND status IN ('confirmed', 'waitlisted')";
/// What stays booked in a cancelled session: people already checked in or marked absent.
const CANCEL_SESSION: &str = "UPDATE sessions SET status = 'cancelled', waiting = 0, \
    booked = (SELECT CAST(COALESCE(SUM(adults + children), 0) AS BIGINT) FROM bookings \
    WHERE session_id = ? AND status IN ('checked_in', 'no_show')) WHERE id = ?";
/// Organisations staff may schedule for: all, or one and everything under it.
const ORGANISATION_CHOICES: &str = concat!(
    reach!(),
    "SELECT id, name_zh, name_en, kind, parent_id FROM organisations \
    WHERE id IN (SELECT id FROM reach) ORDER BY name_zh, id"
);
/// The console's activity list: every activity of the scope, current and future first.
/// An activity as the console lists it (`ScheduledActivityRow`); a query adds its filter.
macro_rules! scheduled_activity {
    () => {
        "SELECT a.id, a.organisation_id, a.kind, a.title_zh, \
         a.title_en, a.description_zh, a.description_en, a.safety_zh, a.safety_en, a.starts_on, \
         a.ends_on, o.name_zh AS org_name_zh, o.name_en AS org_name_en, a.revision, \
         o.utc_offset_minutes \
         FROM activities a JOIN organisations o ON o.id = a.organisation_id "
    };
}
const SCHEDULED_ACTIVITIES: &str = concat!(
    reach!(),
    scheduled_activity!(),
    "WHERE a.organisation_id IN (SELECT id FROM reach) ORDER BY a.ends_on DESC, a.id DESC"
);
/// One activity as the console lists it, for a change to compare with.
const ACTIVITY_AS_WAS: &str = concat!(scheduled_activity!(), "WHERE a.id = ?");
/// Every session of the scope's activities, past and cancelled ones included.
const SCHEDULED_SESSIONS: &str = concat!(
    reach!(),
    "SELECT s.id, s.activity_id, s.format, s.title_zh, \
    s.title_en, s.place_zh, s.place_en, s.address_zh, s.address_en, s.join_link, s.starts_at, \
    s.ends_at, s.capacity, s.per_booking_limit, s.booking_opens_at, s.booking_closes_at, s.cancel_deadline, s.status, \
    s.booked, s.waiting, s.reserved_places, s.walk_ins, s.revision FROM sessions s JOIN activities a ON a.id = s.activity_id \
    WHERE a.organisation_id IN (SELECT id FROM reach) ORDER BY s.starts_at, s.id"
);

/// Binds an activity's columns, in `INSERT_ACTIVITY` / `UPDATE_ACTIVITY` order.
pub(super) fn bind_activity<'q>(statement: Statement<'q>, a: &'q ActivityDraft) -> Statement<'q> {
    statement
        .bind(a.organisation_id)
        .bind(a.kind.as_str())
        .bind_localised(&a.title)
        .bind_localised(&a.description)
        .bind_localised(&a.safety_notes)
        .bind(a.starts_on)
        .bind(a.ends_on)
}

/// Binds a session's columns, in `INSERT_SESSION` / `UPDATE_SESSION` order.
pub(super) fn bind_session<'q>(statement: Statement<'q>, s: &'q SessionDraft) -> Statement<'q> {
    statement
        .bind(s.format.as_str())
        .bind_localised(&s.title)
        .bind_localised(&s.place)
        .bind_localised(&s.address)
        .bind(&s.join_link)
        .bind(s.starts_at)
        .bind(s.ends_at)
        .bind(i64::from(s.capacity))
        .bind(i64::from(s.reserved_places))
        .bind(i64::from(s.per_booking_limit))
        .bind(s.booking_opens_at)
        .bind(s.booking_closes_at)
        .bind(s.cancel_deadline)
}

/// A short description of a session change for the audit log.
fn session_subject(id: i64, s: &SessionDraft) -> String {
    format!(
        "session {id}: {} {}, capacity {}",
        s.format.as_str(),
        s.starts_at.format("%Y-%m-%d %H:%M"),
        s.capacity
    )
}

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}

/// Takes the row lock of a session about to change (held until the transaction ends) and
/// returns its places; refused when there is no such session or it is cancelled.
async fn lock_for_change(tx: &mut Tx, id: i64) -> Result<Places, BookingError> {
    let locked = format!("{SESSION_FOR_CHANGE}{}", tx.dialect().for_update());
    let (Name(status),): (Name<SessionStatus>,) = tx
        .query(&locked)
        .bind(id)
        .fetch_optional()
        .await?
        .ok_or_else(|| refused(ErrorCode::NotFound))?;
    if status == SessionStatus::Cancelled {
        return Err(refused(ErrorCode::SessionCancelled));
    }
    Ok(session_places(tx, id).await?)
}

const SESSION_ENDS: &str = "SELECT ends_at FROM sessions WHERE id = ?";
const SESSION_OFFSET: &str = "SELECT o.utc_offset_minutes FROM sessions s \
    JOIN activities a ON a.id = s.activity_id JOIN organisations o ON o.id = a.organisation_id \
    WHERE s.id = ?";

/// Now on the clock of the venue of session `id`.
async fn venue_now(tx: &mut Tx, id: i64) -> Result<NaiveDateTime, sqlx::Error> {
    let offset: i64 = tx.query(SESSION_OFFSET).bind(id).scalar().await?;
    Ok(labday_domain::time::venue_local(
        chrono::Utc::now(),
        i32::try_from(offset).unwrap_or_default(),
    ))
}

/// An [`ACTIVITY_DAYS`] row.
fn days_of_row((starts_on, ends_on): (NaiveDate, NaiveDate)) -> ActivityDays {
    ActivityDays { starts_on, ends_on }
}

/// How [`days_for_sessions`] locks the activity's row on PostgreSQL.
#[derive(Clone, Copy)]
enum DaysLock {
    /// Sessions moved within the days: moves of different sessions go side by side.
    Share,
    /// Sessions added: two sends of the same ones (a double click, a retry) take turns, so
    /// the second sees the first's (`first_already_scheduled`).
    Update,
}

/// The days of the activity that sessions are added to or moved within, locked on
/// PostgreSQL until the transaction ends (`lock`): an edit of the activity's days (which
/// takes the row's update lock, then reads its sessions) waits until these sessions are in
/// and sees them, or these sessions wait until the new days are in and are checked against
/// them. SQLite's one writer serialises them. `None` without the activity.
async fn days_for_sessions(
    tx: &mut Tx,
    activity_id: i64,
    lock: DaysLock,
) -> Result<Option<ActivityDays>, sqlx::Error> {
    let clause = match lock {
        DaysLock::Share => tx.dialect().for_share(),
        DaysLock::Update => tx.dialect().for_update(),
    };
    let locked = format!("{ACTIVITY_DAYS}{clause}");
    let days = tx.query(&locked).bind(activity_id).fetch_optional().await?;
    Ok(days.map(days_of_row))
}

/// `(id, name_zh, name_en, kind, parent_id)`.
type OrganisationChoiceRow = (i64, String, String, Name<OrgKind>, Option<i64>);

from_row! {
    /// An activity's revision ([`ACTIVITY_REVISION`]).
    struct Revision {
        revision: u32,
    }
}

from_row! {
    struct ScheduledActivityRow {
        id: i64,
        organisation_id: i64,
        kind: ActivityKind,
        title: Localised,
        description: Localised,
        safety: Localised,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        org_name: Localised,
        revision: u32,
        utc_offset_minutes: i64,
    }
}

from_row! {
    struct ScheduledSessionRow {
        id: i64,
        activity_id: i64,
        format: SessionFormat,
        title: Localised,
        place: Localised,
        address: Localised,
        join_link: Option<String>,
        starts_at: NaiveDateTime,
        ends_at: NaiveDateTime,
        capacity: u32,
        per_booking_limit: u32,
        booking_opens_at: NaiveDateTime,
        booking_closes_at: NaiveDateTime,
        cancel_deadline: NaiveDateTime,
        status: SessionStatus,
        booked: u32,
        waiting: u32,
        reserved_places: u32,
        walk_ins: u32,
        revision: u32,
    }
}

impl ScheduledSessionRow {
    /// Its details, as its edit form shows them and a change sends them.
    fn draft(&self) -> SessionDraft {
        SessionDraft {
            format: self.format,
            title: self.title.clone(),
            place: self.place.clone(),
            address: self.address.clone(),
            join_link: self.join_link.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            capacity: self.capacity,
            reserved_places: self.reserved_places,
            per_booking_limit: self.per_booking_limit,
            booking_opens_at: self.booking_opens_at,
            booking_closes_at: self.booking_closes_at,
            cancel_deadline: self.cancel_deadline,
        }
    }
}

impl ScheduledActivityRow {
    /// Its details, as its edit form shows them and a change sends them.
    fn draft(&self) -> ActivityDraft {
        ActivityDraft {
            organisation_id: self.organisation_id,
            kind: self.kind,
            title: self.title.clone(),
            description: self.description.clone(),
            safety_notes: self.safety.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
        }
    }
}

/// Puts each session under its activity (sessions arrive in time order).
fn scheduled_activities(
    activities: Vec<ScheduledActivityRow>,
    sessions: Vec<ScheduledSessionRow>,
) -> Vec<ScheduledActivity> {
    let mut list: Vec<ScheduledActivity> = activities
        .into_iter()
        .map(|r| ScheduledActivity {
            draft: r.draft(),
            id: r.id,
            organisation: r.org_name,
            revision: r.revision,
            utc_offset_minutes: i32::try_from(r.utc_offset_minutes).unwrap_or_default(),

            sessions: Vec::new(),
        })
        .collect();
    let index: HashMap<i64, usize> = list.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    for s in sessions {
        let Some(&i) = index.get(&s.activity_id) else {
            continue;
        };
        list[i].sessions.push(ScheduledSession {
            id: s.id,
            status: s.status,
            booked: s.booked,
            waiting: s.waiting,
            walk_ins: s.walk_ins,
            revision: s.revision,
            draft: s.draft(),
        });
    }
    list
}

#[async_trait]
pub trait Schedule: Parts {
    /// Organisations to schedule for: one and everything under it, or all when `None`;
    /// a parent before its children.
    async fn organisations(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<OrganisationChoice>, StorageError> {
        let rows: Vec<OrganisationChoiceRow> = self
            .db()
            .read(ORGANISATION_CHOICES)
            .bind_filter(organisation)
            .fetch_all()
            .await?;
        Ok(parents_first(
            rows.into_iter()
                .map(|(id, zh, en, Name(kind), parent_id)| OrganisationChoice {
                    id,
                    name: Localised::new(zh, en),
                    kind,
                    parent_id,
                })
                .collect(),
        ))
    }

    /// The console's list: activities of one organisation (or all) with every session,
    /// past and cancelled ones included, and the people booked and waiting on each.
    async fn scheduled_activities(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<ScheduledActivity>, StorageError> {
        let db = self.db();
        let scoped = |sql: &'static str| db.read(sql).bind_filter(organisation);
        let activities = scoped(SCHEDULED_ACTIVITIES).fetch_all().await?;
        let sessions = scoped(SCHEDULED_SESSIONS).fetch_all().await?;
        Ok(scheduled_activities(activities, sessions))
    }

    /// The organisation running an activity, or `None` if there is no such activity.
    async fn activity_organisation(&self, activity_id: i64) -> Result<Option<i64>, StorageError> {
        Ok(self
            .db()
            .read(ACTIVITY_ORGANISATION)
            .bind(activity_id)
            .scalar_optional()
            .await?)
    }

    /// The first and last days of an activity, or `None` if there is no such activity.
    async fn activity_days(&self, activity_id: i64) -> Result<Option<ActivityDays>, StorageError> {
        let days = self
            .db()
            .read(ACTIVITY_DAYS)
            .bind(activity_id)
            .fetch_optional()
            .await?;
        Ok(days.map(days_of_row))
    }

    /// Creates an activity, unless its organisation holds one of the same Chinese title
    /// starting on the same day ([`same_activity`]): of two sends of one form (a double
    /// click, a retry after a lost answer, two tabs), only the first creates it.
    async fn create_activity(
        &self,
        staff_id: i64,
        activity: &ValidActivity,
    ) -> Result<ActivityCreated, StorageError> {
        let draft = activity.get();
        let mut tx = self.db().begin().await?;
        if let Some(id) = same_activity(&mut tx, draft, None).await? {
            return Ok(ActivityCreated::AlreadyScheduled(id));
        }
        let id: i64 = bind_activity(tx.query(INSERT_ACTIVITY), draft)
            .scalar()
            .await?;
        let subject = format!("activity {id}");
        commit_audited(tx, staff_id, AuditAction::CreateActivity, &subject).await?;
        Ok(ActivityCreated::Created(id))
    }

    /// Replaces an activity's details, unless its new days would leave out one of its
    /// sessions that is not cancelled. The activity's row is locked first (`FOR UPDATE` on
    /// PostgreSQL; SQLite's one writer serialises), and session creation and moves read its
    /// days under a share lock, so a session added or moved at the same moment is either
    /// seen here or sees the new days. With `if_revisions`, it is saved only if they hold
    /// the activity's revision (read under that lock).
    async fn update_activity(
        &self,
        staff_id: i64,
        id: i64,
        activity: &ValidActivity,
        if_revisions: Option<&[u32]>,
    ) -> Result<ActivityUpdated, StorageError> {
        let mut tx = self.db().begin().await?;
        // A handover to another organisation locks the activity's sessions' rows first, as
        // a booking, a walk-in and a sample registration take them on PostgreSQL: none of
        // those commits between the look for bookings below and the handover. First, as a
        // change to a session takes its row before its activity's, so the two never wait
        // on each other. (SQLite's one writer serialises them anyway.)
        let running: Option<i64> = tx
            .query(ACTIVITY_ORGANISATION)
            .bind(id)
            .scalar_optional()
            .await?;
        let handover = running.is_some_and(|o| o != activity.get().organisation_id);
        let mut sessions_locked: Vec<i64> = Vec::new();
        if handover {
            let sessions = format!("{ACTIVITY_SESSIONS}{}", tx.dialect().for_update());
            sessions_locked = tx.query(&sessions).bind(id).scalars().await?;
        }
        let locked = format!("{ACTIVITY_REVISION}{}", tx.dialect().for_update());
        let found: Option<Revision> = tx.query(&locked).bind(id).fetch_optional().await?;
        let Some(Revision { revision }) = found else {
            return Ok(ActivityUpdated::NotFound);
        };
        // A session added while the handover waited for the activity (sessions are added
        // under its lock, so none is added now) is not locked: a booking on it could commit
        // after the look for bookings. The handover starts again from the first look.
        if handover {
            let now: Vec<i64> = tx.query(ACTIVITY_SESSIONS).bind(id).scalars().await?;
            if now != sessions_locked {
                return Ok(ActivityUpdated::EditedMeanwhile);
            }
        }
        if if_revisions.is_some_and(|r| !r.contains(&revision)) {
            return Ok(ActivityUpdated::EditedMeanwhile);
        }
        // Saved as it is: nothing to do, and the revision stays (see `update_session`).
        let was: ScheduledActivityRow = tx.query(ACTIVITY_AS_WAS).bind(id).fetch_one().await?;
        if was.draft() == *activity.get() {
            return Ok(ActivityUpdated::Updated(revision));
        }
        let sessions: Vec<(NaiveDateTime, NaiveDateTime)> =
            tx.query(LIVE_SESSION_TIMES).bind(id).fetch_all().await?;
        if let Err(outside) = activity.days().hold_sessions(sessions) {
            return Ok(ActivityUpdated::SessionsOutside(outside));
        }
        if let Some(other) = same_activity(&mut tx, activity.get(), Some(id)).await? {
            return Ok(ActivityUpdated::AlreadyScheduled(other));
        }
        let (from, to) = (was.organisation_id, activity.get().organisation_id);
        if from != to {
            if !handover {
                // Handed over by someone else since the first look: look again.
                return Ok(ActivityUpdated::EditedMeanwhile);
            }
            let held: bool = tx
                .query(ACTIVITY_HOLDS_BOOKINGS)
                .bind(id)
                .bind(id)
                .scalar()
                .await?;
            if held {
                return Ok(ActivityUpdated::HoldsBookings);
            }
        }
        bind_activity(tx.query(UPDATE_ACTIVITY), activity.get())
            .bind(id)
            .execute()
            .await?;
        let subject = match from == to {
            true => format!("activity {id}"),
            false => format!("activity {id}: organisation {from} to {to}"),
        };
        commit_audited(tx, staff_id, AuditAction::UpdateActivity, &subject).await?;
        Ok(ActivityUpdated::Updated(revision + 1))
    }

    /// Adds sessions to an activity in one transaction: all of them or none. Each must lie
    /// within the activity's days as they are while the sessions go in (read under the
    /// activity's update lock, see `days_for_sessions`), whatever a caller checked before,
    /// and none may be one the activity holds already.
    async fn create_sessions(
        &self,
        staff_id: i64,
        activity_id: i64,
        sessions: &[ValidSession],
    ) -> Result<SessionsCreated, StorageError> {
        let mut tx = self.db().begin().await?;
        let days = days_for_sessions(&mut tx, activity_id, DaysLock::Update).await?;
        let Some(days) = days else {
            return Ok(SessionsCreated::NoActivity);
        };
        if sessions.iter().any(|s| days.hold_session(s).is_err()) {
            return Ok(SessionsCreated::OutsideActivity(days));
        }
        let scheduled: Vec<Scheduled> = tx
            .query(HELD_SESSIONS)
            .bind(activity_id)
            .fetch_all()
            .await?;
        if let Some(at) = first_already_scheduled(sessions, &scheduled) {
            return Ok(SessionsCreated::AlreadyScheduled(at));
        }
        let mut ids = Vec::with_capacity(sessions.len());
        for s in sessions {
            let id: i64 = bind_session(tx.query(INSERT_SESSION), s.get())
                .bind(activity_id)
                .scalar()
                .await?;
            ids.push(id);
        }
        let subject = match (ids.as_slice(), sessions) {
            ([id], [s]) => session_subject(*id, s.get()),
            _ => format!("activity {activity_id}: {} sessions", ids.len()),
        };
        commit_audited(tx, staff_id, AuditAction::CreateSessions, &subject).await?;
        Ok(SessionsCreated::Created(ids))
    }

    /// Replaces a session's details. Refused with `capacity_below_booked` when the new
    /// capacity is below the people booked and the reserved places still open (a reservation
    /// cannot take places already booked online), `session_cancelled` for a cancelled
    /// session, `session_over` for new times of a session begun or to times over
    /// (`may_move`); a session over is corrected without telling or promoting anyone;
    /// [`SessionUpdated::OutsideActivity`] when its activity's days, read under the
    /// activity's share lock (see `days_for_sessions`), leave out its new times;
    /// `edited_meanwhile` when `if_revisions` is given and holds not the session's revision
    /// (read under its update lock): someone saved it since the caller read it.
    async fn update_session(
        &self,
        staff_id: i64,
        id: i64,
        session: &ValidSession,
        if_revisions: Option<&[u32]>,
    ) -> Result<SessionUpdated, BookingError> {
        let s = session.get();
        let mut tx = self.db().begin().await?;
        let before = lock_for_change(&mut tx, id).await?;
        let was: ScheduledSessionRow = tx.query(SESSION_AS_WAS).bind(id).fetch_one().await?;
        if if_revisions.is_some_and(|r| !r.contains(&was.revision)) {
            return Err(refused(ErrorCode::EditedMeanwhile));
        }
        let revision = was.revision;
        // Saved as it is (opened and saved unchanged): nothing to do, and the revision stays,
        // so nobody else's open form goes stale for it.
        if was.draft() == *s {
            return Ok(SessionUpdated::Updated {
                promoted_people: 0,
                revision,
            });
        }
        if was.format != s.format {
            let samples: i64 = tx.query(SESSION_SAMPLES).bind(id).scalar().await?;
            let samples = u64::try_from(samples).unwrap_or(0);
            if let Err(refusal) = may_change_format(was.format, s.format, samples) {
                return Ok(SessionUpdated::Refused(refusal));
            }
        }
        // What its holders reading `lang` were told (a message gives the start, not the
        // end): when, and where they come, or that they join online and by which link. The
        // Chinese place and address are where the session is, so a change of them is told
        // to everyone (an English text left as it was would send English readers to the old
        // one); an English one put right is told only to the holders reading English.
        let told = |d: &SessionDraft, lang: Lang| {
            let english = match lang {
                Lang::En => (d.place.en.clone(), d.address.en.clone()),
                Lang::Zh => Default::default(),
            };
            let chinese = (d.place.zh.clone(), d.address.zh.clone());
            (d.starts_at, d.format, chinese, english, d.join_link.clone())
        };
        let was_draft = was.draft();
        let moved_for = [Lang::Zh, Lang::En].map(|l| told(&was_draft, l) != told(s, l));
        let tell = match moved_for {
            [true, true] => Some(None),
            [true, false] => Some(Some(Lang::Zh)),
            [false, true] => Some(Some(Lang::En)),
            [false, false] => None,
        };
        let was = (was.starts_at, was.ends_at);
        let now = venue_now(&mut tx, id).await?;
        if (was.0, was.1) != (s.starts_at, s.ends_at) {
            may_move(now, was.0, s.starts_at).map_err(refused)?;
        }
        // A session over is corrected, not run again: nobody is told, nobody moves up.
        let over = over_keeps_its_times(now, was.1).is_err();
        let activity: i64 = tx.query(SESSION_ACTIVITY).bind(id).scalar().await?;
        let days = days_for_sessions(&mut tx, activity, DaysLock::Share)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        if days.hold_session(session).is_err() {
            return Ok(SessionUpdated::OutsideActivity(days));
        }
        // The people booked stay, and the reserved places still open must be free.
        if before.resized(s.capacity, s.reserved_places).is_none() {
            return Err(refused(ErrorCode::CapacityBelowBooked));
        }
        bind_session(tx.query(UPDATE_SESSION), s)
            .bind(id)
            .execute()
            .await?;
        tx.query(MOVE_BOOKING_DAY)
            .bind(s.starts_at.date())
            .bind(id)
            .execute()
            .await?;
        // Holders hear of a new start or place, or of going online or on site (not of a new
        // capacity); then whoever the new capacity lets in hears of that.
        if let Some(reading) = tell.filter(|_| !over) {
            let now = chrono::Utc::now();
            let holders = Holders::LiveIn(id, reading);
            outbox::booking_event(&mut tx.inside(), BookingEvent::Changed, holders, now).await?;
            // Samples registered on a quick test are brought to it: their holders hear too.
            outbox::sample_session_changed(&mut tx.inside(), id, reading, now).await?;
        }
        if !over {
            promote_waiting(&mut tx, id).await?;
        }
        let after = session_places(&mut tx, id).await?;
        commit_audited(
            tx,
            staff_id,
            AuditAction::UpdateSession,
            &session_subject(id, s),
        )
        .await?;
        Ok(SessionUpdated::Updated {
            promoted_people: after.booked.saturating_sub(before.booked),
            revision: revision + 1,
        })
    }

    /// Cancels a session and every confirmed or waiting booking on it; returns how many
    /// bookings were cancelled. Their holders are told, and so is each phone holding samples
    /// on it not handed in yet (once per phone): those samples will not be received or
    /// tested; samples already received stay and are tested. Refused once the session is
    /// over (`session_over`).
    async fn cancel_session(
        &self,
        staff_id: i64,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<u32, BookingError> {
        let mut tx = self.db().begin().await?;
        lock_for_change(&mut tx, id).await?;
        let ends_at: NaiveDateTime = tx.query(SESSION_ENDS).bind(id).scalar().await?;
        over_keeps_its_times(venue_now(&mut tx, id).await?, ends_at).map_err(refused)?;
        let told_at = chrono::Utc::now();
        outbox::booking_event(
            &mut tx.inside(),
            BookingEvent::Cancelled,
            Holders::LiveIn(id, None),
            told_at,
        )
        .await?;
        outbox::sample_session_cancelled(&mut tx.inside(), id, told_at).await?;
        let cancelled = changed(
            tx.query(CANCEL_SESSION_BOOKINGS)
                .bind(now)
                .bind(id)
                .execute()
                .await?,
        )?;
        tx.query(CANCEL_SESSION).bind(id).bind(id).execute().await?;
        let subject = format!("session {id}: {cancelled} bookings cancelled");
        commit_audited(tx, staff_id, AuditAction::CancelSession, &subject).await?;
        Ok(cancelled)
    }
}

impl<S: Parts> Schedule for S {}
