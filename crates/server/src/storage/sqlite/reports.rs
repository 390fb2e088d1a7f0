//! Figures, audit log and media coverage on SQLite: reads from the read pool, the one write
//! through the write connection.

use super::SqliteStorage;
use crate::storage::console_sql::*;
use crate::storage::reports::{MediaCoverage, Reports};
use crate::storage::staff_sql::AUDIT;
use crate::storage::StorageError;
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::figures::Tallies;
use labday_domain::media::{MediaItem, ValidMedia};
use labday_domain::staff::{AuditAction, AuditEntry};

#[async_trait]
impl Reports for SqliteStorage {
    async fn tallies(&self, organisation: Option<i64>) -> Result<Tallies, StorageError> {
        let activities: Vec<ActivityNameRow> = sqlx::query_as(TALLY_ACTIVITIES)
            .bind(organisation)
            .bind(organisation)
            .fetch_all(&self.read)
            .await?;
        let sessions: Vec<SessionTallyRow> = sqlx::query_as(TALLY_SESSIONS)
            .bind(organisation)
            .bind(organisation)
            .fetch_all(&self.read)
            .await?;
        let days: Vec<DayTallyRow> = sqlx::query_as(TALLY_DAYS)
            .bind(organisation)
            .bind(organisation)
            .fetch_all(&self.read)
            .await?;
        Ok(Tallies {
            activities: activities.into_iter().map(activity_name).collect(),
            sessions: sessions
                .into_iter()
                .map(session_tally)
                .collect::<Result<_, _>>()?,
            days: days
                .into_iter()
                .filter_map(|d| day_tally(d).transpose())
                .collect::<Result<_, _>>()?,
            samples: Vec::new(),
        })
    }

    async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>, StorageError> {
        let rows: Vec<AuditRow> = sqlx::query_as(AUDIT_ENTRIES)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
        rows.into_iter().map(audit_entry).collect()
    }
}

#[async_trait]
impl MediaCoverage for SqliteStorage {
    async fn add_media(
        &self,
        staff_id: i64,
        item: &ValidMedia,
        now: NaiveDateTime,
    ) -> Result<MediaItem, StorageError> {
        let m = item.get();
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(INSERT_MEDIA)
            .bind(m.activity_id)
            .bind(&m.link)
            .bind(&m.outlet)
            .bind(&m.headline)
            .bind(m.published_on)
            .bind(staff_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(AUDIT)
            .bind(staff_id)
            .bind(AuditAction::AddMedia.as_str())
            .bind(format!("media {id}: activity {}", m.activity_id))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let row: MediaRow = sqlx::query_as(&media_by_id())
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(media_item(row))
    }

    async fn media(
        &self,
        organisation: Option<i64>,
        activity: Option<i64>,
    ) -> Result<Vec<MediaItem>, StorageError> {
        let rows: Vec<MediaRow> = sqlx::query_as(&media_filtered())
            .bind(organisation)
            .bind(organisation)
            .bind(activity)
            .bind(activity)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(media_item).collect())
    }
}
