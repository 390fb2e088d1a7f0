//! What the organiser reads back: tallies for the figures, the audit log, and the media
//! coverage collected for the written summary. Written once for both databases.
//!
//! A scope is an `Option<i64>`: an organisation and everything under it, or everything when
//! `None` (`organisations::reach!`, bound twice). The other optional filters (one activity,
//! or all) are bound with `Statement::bind_filter`.

use super::audit::{commit_audited, delete_audited};
use super::columns::Name;
use super::db::{Statement, Tx};
use super::organisations::{reach, REACH};
use super::rows::count;
use super::{Parts, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use labday_domain::activity::Localised;
use labday_domain::figures::{ActivityName, DayTally, SessionTally, Tallies};
use labday_domain::media::{MediaItem, ValidMedia};
use labday_domain::staff::{AuditAction, AuditEntry};
use labday_domain::{SessionFormat, SessionStatus};

const TALLY_ACTIVITIES: &str = concat!(
    reach!(),
    "SELECT a.id, a.organisation_id, a.starts_on, a.title_zh, a.title_en, o.name_zh, o.name_en \
    FROM activities a JOIN organisations o ON o.id = a.organisation_id \
    WHERE a.organisation_id IN (SELECT id FROM reach) ORDER BY a.starts_on, a.id"
);
const TALLY_SESSIONS: &str = concat!(reach!(), "SELECT s.activity_id, s.format, s.status, s.capacity, \
    CAST(COALESCE(SUM(CASE WHEN b.status IN ('confirmed', 'checked_in', 'no_show') THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(b.checked_in), 0) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN b.status = 'no_show' THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN b.status = 'waitlisted' THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT), \
    s.walk_ins, \
    (SELECT COUNT(*) FROM outbox m WHERE m.status = 'sent' AND (m.booking_id IN (SELECT id FROM bookings WHERE session_id = s.id) \
      OR m.sample_id IN (SELECT id FROM samples WHERE session_id = s.id))), \
    (SELECT COUNT(*) FROM outbox m WHERE m.status = 'failed' AND (m.booking_id IN (SELECT id FROM bookings WHERE session_id = s.id) \
      OR m.sample_id IN (SELECT id FROM samples WHERE session_id = s.id))), \
    CAST(COALESCE(SUM(CASE WHEN b.status = 'checked_in' THEN b.adults + b.children - b.checked_in ELSE 0 END), 0) AS BIGINT), \
    s.ends_at, o.utc_offset_minutes \
    FROM sessions s JOIN activities a ON a.id = s.activity_id \
    JOIN organisations o ON o.id = a.organisation_id LEFT JOIN bookings b ON b.session_id = s.id \
    WHERE a.organisation_id IN (SELECT id FROM reach) \
    GROUP BY s.id, s.activity_id, s.format, s.status, s.capacity, s.walk_ins, s.ends_at, o.utc_offset_minutes");
/// Both databases print a timestamp as `YYYY-MM-DD HH:MM:SS`; its first ten characters are
/// the day.
const TALLY_DAYS: &str = concat!(reach!(), "SELECT s.activity_id, SUBSTR(CAST(b.booked_at AS TEXT), 1, 10) AS day, COUNT(*), CAST(SUM(b.adults + b.children) AS BIGINT) \
    FROM bookings b JOIN sessions s ON s.id = b.session_id JOIN activities a ON a.id = s.activity_id \
    WHERE a.organisation_id IN (SELECT id FROM reach) \
    GROUP BY s.activity_id, SUBSTR(CAST(b.booked_at AS TEXT), 1, 10)");
/// Entries by the staff accounts of a scope, or by every account (those of no organisation
/// too) when the scope is `None`. An account of no organisation reaches everything, so what
/// it did may name any organisation's bookings: a scoped reader does not see it.
const AUDIT_ENTRIES: &str = concat!(
    reach!(),
    "SELECT l.id, l.staff_id, s.username, l.action, l.subject, l.at \
    FROM audit_log l JOIN staff s ON s.id = l.staff_id \
    WHERE CAST(? AS BIGINT) IS NULL OR s.organisation_id IN (SELECT id FROM reach) \
    ORDER BY l.id DESC LIMIT ?"
);
const INSERT_MEDIA: &str = "INSERT INTO media_items (activity_id, link, outlet, headline, \
    published_on, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
const UPDATE_MEDIA: &str = "UPDATE media_items SET activity_id = ?, link = ?, outlet = ?, \
    headline = ?, published_on = ? WHERE id = ?";
const DELETE_MEDIA: &str = "DELETE FROM media_items WHERE id = ?";
const MEDIA_ORGANISATION: &str = "SELECT a.organisation_id FROM media_items m \
    JOIN activities a ON a.id = m.activity_id WHERE m.id = ?";
const MEDIA_SELECT: &str = "SELECT m.id, m.activity_id, a.organisation_id, m.link, m.outlet, \
    m.headline, m.published_on, s.username, m.added_at \
    FROM media_items m JOIN activities a ON a.id = m.activity_id JOIN staff s ON s.id = m.added_by";

/// `(id, organisation_id, starts_on, title_zh, title_en, org_name_zh, org_name_en)`.
type ActivityNameRow = (i64, i64, NaiveDate, String, String, String, String);

fn activity_name(r: ActivityNameRow) -> ActivityName {
    ActivityName {
        id: r.0,
        organisation_id: r.1,
        starts_on: r.2,
        title: Localised::new(r.3, r.4),
        organisation: Localised::new(r.5, r.6),
    }
}

/// `(activity_id, format, status, capacity, booked, checked_in, no_show, waitlisted,
/// walk_ins, messages sent, messages failed)`.
type SessionTallyRow = (
    i64,
    Name<SessionFormat>,
    Name<SessionStatus>,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    NaiveDateTime,
    i64,
);

/// A session's tally at `now`: once it has ended, the people missing from a party that was
/// let in only in part (two of four came) did not come either, and count as no-shows (their
/// booking is not marked one: its holder came).
fn session_tally(r: SessionTallyRow, now: DateTime<Utc>) -> Result<SessionTally, sqlx::Error> {
    let ended = r.12 <= now.naive_utc() + Duration::minutes(r.13);
    let missing = if ended { count(r.11)? } else { 0 };
    Ok(SessionTally {
        activity_id: r.0,
        format: r.1 .0,
        cancelled: r.2 .0 == SessionStatus::Cancelled,
        ended,
        capacity: count(r.3)?,
        booked_people: count(r.4)?,
        checked_in_people: count(r.5)?,
        no_show_people: count(r.6)?.saturating_add(missing),
        waitlisted_people: count(r.7)?,
        walk_in_people: count(r.8)?,
        messages_sent: count(r.9)?,
        messages_failed: count(r.10)?,
    })
}

/// `(activity_id, day, bookings, people)`.
type DayTallyRow = (i64, String, i64, i64);

/// A day that is not `YYYY-MM-DD` fails the figures: it would be a booking time neither
/// database writes.
fn day_tally(r: DayTallyRow) -> Result<DayTally, sqlx::Error> {
    let day = NaiveDate::parse_from_str(&r.1, "%Y-%m-%d")
        .map_err(|e| sqlx::Error::Decode(format!("booking day {:?}: {e}", r.1).into()))?;
    Ok(DayTally {
        activity_id: r.0,
        day,
        bookings: count(r.2)?,
        people: count(r.3)?,
    })
}

/// `(id, staff_id, username, action, subject, at)`.
type AuditRow = (i64, i64, String, Name<AuditAction>, String, NaiveDateTime);

fn audit_entry(r: AuditRow) -> AuditEntry {
    AuditEntry {
        id: r.0,
        staff_id: r.1,
        username: r.2,
        action: r.3 .0,
        subject: r.4,
        at: r.5,
    }
}

/// Binds a media item's columns in `INSERT_MEDIA` / `UPDATE_MEDIA` order.
fn bind_media<'q>(statement: Statement<'q>, m: &'q ValidMedia) -> Statement<'q> {
    let m = m.get();
    statement
        .bind(m.activity_id)
        .bind(&m.link)
        .bind(&m.outlet)
        .bind(&m.headline)
        .bind(m.published_on)
}

/// A media item as written, read back in the transaction that wrote it, and the write noted.
async fn noted_media(
    mut tx: Tx,
    id: i64,
    entry: (i64, AuditAction),
) -> Result<MediaItem, sqlx::Error> {
    let sql = format!("{MEDIA_SELECT} WHERE m.id = ?");
    let row: MediaRow = tx.query(&sql).bind(id).fetch_one().await?;
    let subject = format!("media {id}: activity {}", row.1);
    commit_audited(tx, entry.0, entry.1, &subject).await?;
    Ok(media_item(row))
}

/// `(id, activity_id, organisation_id, link, outlet, headline, published_on, added_by,
/// added_at)`.
type MediaRow = (
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

fn media_item(r: MediaRow) -> MediaItem {
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

#[async_trait]
pub trait Reports: Parts {
    /// Per-session and per-day tallies of one organisation's activities, or of all.
    async fn tallies(&self, organisation: Option<i64>) -> Result<Tallies, StorageError> {
        let db = self.db();
        let scoped = |sql| db.read(sql).bind_filter(organisation);
        let activities: Vec<ActivityNameRow> = scoped(TALLY_ACTIVITIES).fetch_all().await?;
        let sessions: Vec<SessionTallyRow> = scoped(TALLY_SESSIONS).fetch_all().await?;
        let days: Vec<DayTallyRow> = scoped(TALLY_DAYS).fetch_all().await?;
        Ok(Tallies {
            activities: activities.into_iter().map(activity_name).collect(),
            sessions: sessions
                .into_iter()
                .map(|r| session_tally(r, Utc::now()))
                .collect::<Result<_, _>>()?,
            days: days.into_iter().map(day_tally).collect::<Result<_, _>>()?,
            samples: Vec::new(),
        })
    }

    /// The newest `limit` audit log entries by the staff of an organisation and everything
    /// under it (by every account, those of no organisation too, when `None`), newest first.
    async fn audit_entries(
        &self,
        scope: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        let rows: Vec<AuditRow> = self
            .db()
            .read(AUDIT_ENTRIES)
            .bind_filter(scope)
            .bind(scope)
            .bind(i64::from(limit))
            .fetch_all()
            .await?;
        Ok(rows.into_iter().map(audit_entry).collect())
    }
}

impl<S: Parts> Reports for S {}

#[async_trait]
pub trait MediaCoverage: Parts {
    /// Records a media item (and an audit entry) in one transaction.
    async fn add_media(
        &self,
        staff_id: i64,
        item: &ValidMedia,
        now: NaiveDateTime,
    ) -> Result<MediaItem, StorageError> {
        let mut tx = self.db().begin().await?;
        let id: i64 = bind_media(tx.query(INSERT_MEDIA), item)
            .bind(staff_id)
            .bind(now)
            .scalar()
            .await?;
        Ok(noted_media(tx, id, (staff_id, AuditAction::AddMedia)).await?)
    }

    /// The organisation whose activity a media item covers; `None` for no such item.
    async fn media_organisation(&self, id: i64) -> Result<Option<i64>, StorageError> {
        Ok(self
            .db()
            .read(MEDIA_ORGANISATION)
            .bind(id)
            .scalar_optional()
            .await?)
    }

    /// Corrects a media item (and notes it); `None` when there is no such item.
    async fn update_media(
        &self,
        staff_id: i64,
        id: i64,
        item: &ValidMedia,
    ) -> Result<Option<MediaItem>, StorageError> {
        let mut tx = self.db().begin().await?;
        if bind_media(tx.query(UPDATE_MEDIA), item)
            .bind(id)
            .execute()
            .await?
            == 0
        {
            return Ok(None);
        }
        let entry = (staff_id, AuditAction::UpdateMedia);
        Ok(Some(noted_media(tx, id, entry).await?))
    }

    /// Deletes a media item (and notes it); `false` when there is no such item.
    async fn delete_media(&self, staff_id: i64, id: i64) -> Result<bool, StorageError> {
        let subject = format!("media {id}");
        let entry = (staff_id, AuditAction::DeleteMedia, subject.as_str());
        Ok(delete_audited(self.db(), DELETE_MEDIA, id, entry).await?)
    }

    /// Media items, newest publication first, of one organisation (and everything under it)
    /// and/or activity, or all.
    async fn media(
        &self,
        organisation: Option<i64>,
        activity: Option<i64>,
    ) -> Result<Vec<MediaItem>, StorageError> {
        let sql = format!(
            "{REACH}{MEDIA_SELECT} WHERE a.organisation_id IN (SELECT id FROM reach) \
             AND (CAST(? AS BIGINT) IS NULL OR m.activity_id = ?) \
             ORDER BY m.published_on DESC, m.id DESC"
        );
        let rows: Vec<MediaRow> = self
            .db()
            .read(&sql)
            .bind_filter(organisation)
            .bind_filter(activity)
            .fetch_all()
            .await?;
        Ok(rows.into_iter().map(media_item).collect())
    }
}

impl<S: Parts> MediaCoverage for S {}
