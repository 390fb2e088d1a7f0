//! What the organiser reads back: tallies for the figures, the audit log, and the media
//! coverage collected for the written summary.

use super::StorageError;
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::figures::Tallies;
use labday_domain::media::{MediaItem, ValidMedia};
use labday_domain::staff::AuditEntry;

#[async_trait]
pub trait Reports: Send + Sync {
    /// Per-session and per-day tallies of one organisation's activities, or of all.
    async fn tallies(&self, organisation: Option<i64>) -> Result<Tallies, StorageError>;
    /// The newest `limit` audit log entries, newest first.
    async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>, StorageError>;
}

#[async_trait]
pub trait MediaCoverage: Send + Sync {
    /// Records a media item (and an audit entry) in one transaction.
    async fn add_media(
        &self,
        staff_id: i64,
        item: &ValidMedia,
        now: NaiveDateTime,
    ) -> Result<MediaItem, StorageError>;
    /// Media items, newest publication first, of one organisation and/or activity, or all.
    async fn media(
        &self,
        organisation: Option<i64>,
        activity: Option<i64>,
    ) -> Result<Vec<MediaItem>, StorageError>;
}
