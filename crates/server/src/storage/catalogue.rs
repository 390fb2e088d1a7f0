//! Organisations, activities and sessions: the public catalogue, written once for both
//! databases.

use super::db::Db;
use super::rows::{
    ActivityRow, Counted, ListedActivityRow, SessionFigures, SessionRow, ACTIVITY_SELECT,
    LISTED_ACTIVITY_SELECT, SESSION_FIGURES_SELECT, SESSION_SELECT,
};
use super::schedule::{bind_activity, bind_session, INSERT_ACTIVITY, INSERT_SESSION};
use super::{Parts, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use labday_domain::activity::{ActivityDetail, ActivitySummary, Localised};
use labday_domain::schedule::SessionDraft;
use labday_domain::SessionView;
use std::collections::BTreeMap;

/// A new organisation (demo data, staff console).
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub name: Localised,
    pub city: Localised,
    pub address: Localised,
    pub contact: String,
    pub utc_offset_minutes: i32,
}

/// A new activity: what the console's form sends.
pub type NewActivity = labday_domain::schedule::ActivityDraft;

const INSERT_ORGANISATION: &str = "INSERT INTO organisations (name_zh, name_en, city_zh, \
    city_en, address_zh, address_en, contact, utc_offset_minutes) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

/// Organisations, activities and sessions: the public catalogue.
#[async_trait]
pub trait Catalogue: Parts {
    async fn add_organisation(&self, org: NewOrganisation) -> Result<i64, StorageError> {
        Ok(self
            .db()
            .write(INSERT_ORGANISATION)
            .bind_localised(&org.name)
            .bind_localised(&org.city)
            .bind_localised(&org.address)
            .bind(&org.contact)
            .bind(i64::from(org.utc_offset_minutes))
            .scalar()
            .await?)
    }

    async fn add_activity(&self, a: NewActivity) -> Result<i64, StorageError> {
        Ok(bind_activity(self.db().write(INSERT_ACTIVITY), &a)
            .scalar()
            .await?)
    }

    /// A session of `activity_id`, as the console's form describes one.
    async fn add_session(
        &self,
        activity_id: i64,
        draft: SessionDraft,
    ) -> Result<i64, StorageError> {
        Ok(bind_session(self.db().write(INSERT_SESSION), &draft)
            .bind(activity_id)
            .scalar()
            .await?)
    }

    async fn is_empty(&self) -> Result<bool, StorageError> {
        let any: bool = self
            .db()
            .read("SELECT EXISTS (SELECT 1 FROM activities)")
            .scalar()
            .await?;
        Ok(!any)
    }

    /// Activities with a session still to come, soonest first, each with those sessions; with
    /// `on`, only those with a session still to come on that (venue-local) day, each counted
    /// by that day's sessions.
    async fn list_activities(
        &self,
        now: DateTime<Utc>,
        on: Option<NaiveDate>,
    ) -> Result<Vec<ActivitySummary>, StorageError> {
        let db = self.db();
        // A day of slack covers every venue offset; the exact cut is made per session. By the
        // sessions' own times, not the activity's dates: staff may move either.
        let since = (now - chrono::Duration::days(1))
            .date_naive()
            .and_time(NaiveTime::MIN);
        let sql = format!(
            "{LISTED_ACTIVITY_SELECT} WHERE a.id IN \
             (SELECT s.activity_id FROM sessions s WHERE s.ends_at >= ?) \
             ORDER BY a.starts_on, a.id"
        );
        let activities: Vec<ListedActivityRow> = db.read(&sql).bind(since).fetch_all().await?;
        // Session times are venue-local, so the day is a plain range of them.
        let on_day = if on.is_some() {
            " AND s.starts_at >= ? AND s.starts_at < ?"
        } else {
            ""
        };
        let sql = format!("{SESSION_FIGURES_SELECT} WHERE s.ends_at >= ?{on_day}");
        let mut sessions = db.read(&sql).bind(since);
        if let Some(day) = on {
            let midnight = day.and_time(NaiveTime::MIN);
            sessions = sessions
                .bind(midnight)
                .bind(midnight + chrono::Duration::days(1));
        }
        let sessions: Vec<SessionFigures> = sessions.fetch_all().await?;
        let mut by_activity: BTreeMap<i64, Vec<&SessionFigures>> = BTreeMap::new();
        for row in sessions.iter().filter(|r| r.to_come(now)) {
            by_activity.entry(row.activity_id).or_default().push(row);
        }
        Ok(activities
            .iter()
            .filter_map(|a| {
                let sessions = by_activity.get(&a.id)?;
                let counted: Vec<Counted> = sessions.iter().map(|r| r.counted(now)).collect();
                Some(a.summary(&counted))
            })
            .collect())
    }

    /// One activity with its sessions still to come.
    async fn activity(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<ActivityDetail>, StorageError> {
        let db = self.db();
        let sql = format!("{ACTIVITY_SELECT} WHERE a.id = ?");
        let Some(a) = db
            .read(&sql)
            .bind(id)
            .fetch_optional::<ActivityRow>()
            .await?
        else {
            return Ok(None);
        };
        let sql = format!("{SESSION_SELECT} WHERE s.activity_id = ? ORDER BY s.starts_at, s.id");
        let rows: Vec<SessionRow> = db.read(&sql).bind(id).fetch_all().await?;
        let sessions: Vec<SessionView> = rows
            .iter()
            .filter(|r| r.ends_at > r.local_now(now))
            .map(|r| r.view(now))
            .collect();
        Ok(Some(ActivityDetail {
            summary: a.summary(&sessions),
            description: a.description.clone(),
            address: a.address.clone(),
            safety_notes: a.safety.clone(),
            contact: a.contact.clone(),
            sessions,
        }))
    }

    async fn session(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionView>, StorageError> {
        Ok(session_row(self.db(), id).await?.map(|r| r.view(now)))
    }
}

impl<S: Parts> Catalogue for S {}

/// One session's row, on the readers.
pub(super) async fn session_row(db: &Db, id: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!("{SESSION_SELECT} WHERE s.id = ?");
    db.read(&sql).bind(id).fetch_optional().await
}
