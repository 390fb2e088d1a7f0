//! The staff console's queries (scheduling, figures, media, audit), written once with `?`
//! placeholders; PostgreSQL gets them numbered by `staff_sql::numbered`. Optional filters
//! are `(CAST(? AS BIGINT) IS NULL OR column = ?)`, bound twice, so one text serves both
//! "everything" and "one organisation" and PostgreSQL can still infer the parameter type.

use super::rows::count;
use chrono::{NaiveDate, NaiveDateTime};
use labday_domain::activity::ActivityKind;
use labday_domain::activity::Localised;
use labday_domain::figures::{ActivityName, DayTally, SessionTally};
use labday_domain::media::MediaItem;
use labday_domain::schedule::{
    ActivityDraft, OrganisationChoice, ScheduledActivity, ScheduledSession, SessionDraft,
};
use labday_domain::staff::{AuditAction, AuditEntry};
use labday_domain::{SessionFormat, SessionStatus};

pub(super) const ORGANISATION_EXISTS: &str = "SELECT COUNT(*) FROM organisations WHERE id = ?";
pub(super) const ACTIVITY_ORGANISATION: &str =
    "SELECT organisation_id FROM activities WHERE id = ?";
pub(super) const INSERT_ACTIVITY: &str = "INSERT INTO activities (organisation_id, kind, title_zh, title_en, description_zh, description_en, safety_zh, safety_en, starts_on, ends_on) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
pub(super) const UPDATE_ACTIVITY: &str = "UPDATE activities SET organisation_id = ?, kind = ?, title_zh = ?, title_en = ?, description_zh = ?, description_en = ?, safety_zh = ?, safety_en = ?, starts_on = ?, ends_on = ? \
    WHERE id = ?";
pub(super) const INSERT_SESSION: &str = "INSERT INTO sessions (format, title_zh, title_en, place_zh, place_en, join_link, starts_at, ends_at, capacity, per_booking_limit, booking_opens_at, booking_closes_at, cancel_deadline, activity_id) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
pub(super) const UPDATE_SESSION: &str = "UPDATE sessions SET format = ?, title_zh = ?, title_en = ?, place_zh = ?, place_en = ?, join_link = ?, starts_at = ?, ends_at = ?, capacity = ?, per_booking_limit = ?, booking_opens_at = ?, booking_closes_at = ?, cancel_deadline = ? \
    WHERE id = ?";
/// `(capacity, booked, status)` of a session about to change.
pub(super) const SESSION_FOR_CHANGE: &str =
    "SELECT capacity, booked, status FROM sessions WHERE id = ?";
/// Bookings follow their session to its new day (the per-phone daily limit counts days).
pub(super) const MOVE_BOOKING_DAY: &str =
    "UPDATE bookings SET session_day = ? WHERE session_id = ?";
pub(super) const CANCEL_SESSION_BOOKINGS: &str =
    "UPDATE bookings SET status = 'cancelled', cancelled_at = ? \
    WHERE session_id = ? AND status IN ('confirmed', 'waitlisted')";
/// What stays booked in a cancelled session: people already checked in or marked absent.
pub(super) const CANCEL_SESSION: &str = "UPDATE sessions SET status = 'cancelled', waiting = 0, \
    booked = (SELECT CAST(COALESCE(SUM(adults + children), 0) AS BIGINT) FROM bookings WHERE session_id = ? AND status IN ('checked_in', 'no_show')) \
    WHERE id = ?";

pub(super) const TALLY_ACTIVITIES: &str =
    "SELECT a.id, a.organisation_id, a.title_zh, a.title_en, o.name_zh, o.name_en \
    FROM activities a JOIN organisations o ON o.id = a.organisation_id \
    WHERE (CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?) ORDER BY a.starts_on, a.id";
pub(super) const TALLY_SESSIONS: &str = "SELECT s.activity_id, s.format, s.status, s.capacity, \
    CAST(COALESCE(SUM(CASE WHEN b.status IN ('confirmed', 'checked_in', 'no_show') THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(b.checked_in), 0) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN b.status = 'no_show' THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN b.status = 'waitlisted' THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT) \
    FROM sessions s JOIN activities a ON a.id = s.activity_id LEFT JOIN bookings b ON b.session_id = s.id \
    WHERE (CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?) \
    GROUP BY s.id, s.activity_id, s.format, s.status, s.capacity";
/// Both databases print a timestamp as `YYYY-MM-DD HH:MM:SS`; its first ten characters are
/// the day.
pub(super) const TALLY_DAYS: &str = "SELECT s.activity_id, SUBSTR(CAST(b.booked_at AS TEXT), 1, 10) AS day, COUNT(*), CAST(SUM(b.adults + b.children) AS BIGINT) \
    FROM bookings b JOIN sessions s ON s.id = b.session_id JOIN activities a ON a.id = s.activity_id \
    WHERE (CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?) \
    GROUP BY s.activity_id, SUBSTR(CAST(b.booked_at AS TEXT), 1, 10)";

pub(super) const AUDIT_ENTRIES: &str =
    "SELECT l.id, l.staff_id, s.username, l.action, l.subject, l.at \
    FROM audit_log l JOIN staff s ON s.id = l.staff_id ORDER BY l.id DESC LIMIT ?";

pub(super) const INSERT_MEDIA: &str = "INSERT INTO media_items (activity_id, link, outlet, headline, published_on, added_by, added_at) \
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
const MEDIA_SELECT: &str = "SELECT m.id, m.activity_id, a.organisation_id, m.link, m.outlet, m.headline, m.published_on, s.username, m.added_at \
    FROM media_items m JOIN activities a ON a.id = m.activity_id JOIN staff s ON s.id = m.added_by";
pub(super) fn media_by_id() -> String {
    format!("{MEDIA_SELECT} WHERE m.id = ?")
}
pub(super) fn media_filtered() -> String {
    format!(
        "{MEDIA_SELECT} WHERE (CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?) \
         AND (CAST(? AS BIGINT) IS NULL OR m.activity_id = ?) ORDER BY m.published_on DESC, m.id DESC"
    )
}

/// Binds an activity's columns, in statement order, onto any sqlx query.
macro_rules! bind_activity {
    ($query:expr, $a:expr) => {{
        let a: &labday_domain::schedule::ActivityDraft = $a;
        $query
            .bind(a.organisation_id)
            .bind(a.kind.as_str())
            .bind(a.title.zh.clone())
            .bind(a.title.en.clone())
            .bind(a.description.zh.clone())
            .bind(a.description.en.clone())
            .bind(a.safety_notes.zh.clone())
            .bind(a.safety_notes.en.clone())
            .bind(a.starts_on)
            .bind(a.ends_on)
    }};
}
pub(super) use bind_activity;

/// Binds a session's columns, in `INSERT_SESSION` / `UPDATE_SESSION` order.
macro_rules! bind_session {
    ($query:expr, $s:expr) => {{
        let s: &labday_domain::schedule::SessionDraft = $s;
        $query
            .bind(s.format.as_str())
            .bind(s.title.zh.clone())
            .bind(s.title.en.clone())
            .bind(s.place.zh.clone())
            .bind(s.place.en.clone())
            .bind(s.join_link.clone())
            .bind(s.starts_at)
            .bind(s.ends_at)
            .bind(i64::from(s.capacity))
            .bind(i64::from(s.per_booking_limit))
            .bind(s.booking_opens_at)
            .bind(s.booking_closes_at)
            .bind(s.cancel_deadline)
    }};
}
pub(super) use bind_session;

/// A short description of a session change for the audit log.
pub(super) fn session_subject(id: i64, s: &SessionDraft) -> String {
    format!(
        "session {id}: {} {}, capacity {}",
        s.format.as_str(),
        s.starts_at.format("%Y-%m-%d %H:%M"),
        s.capacity
    )
}

/// `(id, organisation_id, title_zh, title_en, org_name_zh, org_name_en)`.
pub(super) type ActivityNameRow = (i64, i64, String, String, String, String);

pub(super) fn activity_name(r: ActivityNameRow) -> ActivityName {
    ActivityName {
        id: r.0,
        organisation_id: r.1,
        title: Localised::new(r.2, r.3),
        organisation: Localised::new(r.4, r.5),
    }
}

/// `(activity_id, format, status, capacity, booked, checked_in, no_show, waitlisted)`.
pub(super) type SessionTallyRow = (i64, String, String, i64, i64, i64, i64, i64);

pub(super) fn session_tally(r: SessionTallyRow) -> Result<SessionTally, sqlx::Error> {
    Ok(SessionTally {
        activity_id: r.0,
        format: SessionFormat::parse(&r.1).unwrap_or(SessionFormat::Visit),
        cancelled: r.2 == "cancelled",
        capacity: count(r.3)?,
        booked_people: count(r.4)?,
        checked_in_people: count(r.5)?,
        no_show_people: count(r.6)?,
        waitlisted_people: count(r.7)?,
    })
}

/// `(activity_id, day, bookings, people)`.
pub(super) type DayTallyRow = (i64, String, i64, i64);

pub(super) fn day_tally(r: DayTallyRow) -> Result<Option<DayTally>, sqlx::Error> {
    let Ok(day) = NaiveDate::parse_from_str(&r.1, "%Y-%m-%d") else {
        return Ok(None);
    };
    Ok(Some(DayTally {
        activity_id: r.0,
        day,
        bookings: count(r.2)?,
        people: count(r.3)?,
    }))
}

/// `(id, staff_id, username, action, subject, at)`.
pub(super) type AuditRow = (i64, i64, String, String, String, NaiveDateTime);

/// An action this build does not know is an error, not a line shown wrongly.
pub(super) fn audit_entry(r: AuditRow) -> Result<AuditEntry, super::StorageError> {
    let action = AuditAction::parse(&r.3)
        .ok_or_else(|| super::StorageError::new(format!("unknown audit action `{}`", r.3)))?;
    Ok(AuditEntry {
        id: r.0,
        staff_id: r.1,
        username: r.2,
        action,
        subject: r.4,
        at: r.5,
    })
}

/// `(id, activity_id, organisation_id, link, outlet, headline, published_on, added_by, added_at)`.
pub(super) type MediaRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    NaiveDate,
    String,
    NaiveDateTime,
);

pub(super) fn media_item(r: MediaRow) -> MediaItem {
    MediaItem {
        id: r.0,
        activity_id: r.1,
        organisation_id: r.2,
        link: r.3,
        outlet: r.4,
        headline: r.5,
        published_on: r.6,
        added_by: r.7,
        added_at: r.8,
    }
}

/// Organisations staff may schedule for: all, or one.
pub(super) const ORGANISATION_CHOICES: &str = "SELECT id, name_zh, name_en FROM organisations \
    WHERE (CAST(? AS BIGINT) IS NULL OR id = ?) ORDER BY id";
/// The console's activity list: every activity of the scope, current and future first.
pub(super) const SCHEDULED_ACTIVITIES: &str = "SELECT a.id, a.organisation_id, a.kind, a.title_zh, a.title_en, \
    a.description_zh, a.description_en, a.safety_zh, a.safety_en, a.starts_on, a.ends_on, o.name_zh, o.name_en \
    FROM activities a JOIN organisations o ON o.id = a.organisation_id \
    WHERE (CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?) ORDER BY a.ends_on DESC, a.id DESC";
/// Every session of the scope's activities, past and cancelled ones included.
pub(super) const SCHEDULED_SESSIONS: &str =
    "SELECT s.id, s.activity_id, s.format, s.title_zh, s.title_en, \
    s.place_zh, s.place_en, s.join_link, s.starts_at, s.ends_at, s.capacity, s.per_booking_limit, \
    s.booking_opens_at, s.booking_closes_at, s.cancel_deadline, s.status, s.booked, s.waiting \
    FROM sessions s JOIN activities a ON a.id = s.activity_id \
    WHERE (CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?) ORDER BY s.starts_at, s.id";

/// `(id, name_zh, name_en)`.
pub(super) type OrganisationChoiceRow = (i64, String, String);

pub(super) fn organisation_choice(r: OrganisationChoiceRow) -> OrganisationChoice {
    OrganisationChoice {
        id: r.0,
        name: Localised::new(r.1, r.2),
    }
}

/// `(id, organisation_id, kind, title_zh, title_en, description_zh, description_en,
/// safety_zh, safety_en, starts_on, ends_on, org_name_zh, org_name_en)`.
pub(super) type ScheduledActivityRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    NaiveDate,
    String,
    String,
);

from_row! {
    pub(super) struct ScheduledSessionRow {
        id: i64,
        activity_id: i64,
        format: String,
        title_zh: String,
        title_en: String,
        place_zh: String,
        place_en: String,
        join_link: Option<String>,
        starts_at: NaiveDateTime,
        ends_at: NaiveDateTime,
        capacity: u32,
        per_booking_limit: u32,
        booking_opens_at: NaiveDateTime,
        booking_closes_at: NaiveDateTime,
        cancel_deadline: NaiveDateTime,
        status: String,
        booked: u32,
        waiting: u32,
    }
}

/// Puts each session under its activity (sessions arrive in time order).
pub(super) fn scheduled_activities(
    activities: Vec<ScheduledActivityRow>,
    sessions: Vec<ScheduledSessionRow>,
) -> Vec<ScheduledActivity> {
    let mut list: Vec<ScheduledActivity> = activities
        .into_iter()
        .map(|r| ScheduledActivity {
            id: r.0,
            organisation: Localised::new(r.11, r.12),
            draft: ActivityDraft {
                organisation_id: r.1,
                kind: ActivityKind::parse(&r.2).unwrap_or(ActivityKind::LabOpenDay),
                title: Localised::new(r.3, r.4),
                description: Localised::new(r.5, r.6),
                safety_notes: Localised::new(r.7, r.8),
                starts_on: r.9,
                ends_on: r.10,
            },
            sessions: Vec::new(),
        })
        .collect();
    let index: std::collections::HashMap<i64, usize> =
        list.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    for s in sessions {
        let Some(&i) = index.get(&s.activity_id) else {
            continue;
        };
        list[i].sessions.push(ScheduledSession {
            id: s.id,
            status: if s.status == "cancelled" {
                SessionStatus::Cancelled
            } else {
                SessionStatus::Scheduled
            },
            booked: s.booked,
            waiting: s.waiting,
            draft: SessionDraft {
                format: SessionFormat::parse(&s.format).unwrap_or(SessionFormat::Visit),
                title: Localised::new(s.title_zh, s.title_en),
                place: Localised::new(s.place_zh, s.place_en),
                join_link: s.join_link,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                capacity: s.capacity,
                per_booking_limit: s.per_booking_limit,
                booking_opens_at: s.booking_opens_at,
                booking_closes_at: s.booking_closes_at,
                cancel_deadline: s.cancel_deadline,
            },
        });
    }
    list
}
