//! Photos of activities for the written summary, kept in the database beside everything
//! else (one backup holds them all). Listing never reads the image bytes; serving one does.

use super::StorageError;
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::photo::{PhotoItem, ValidPhoto};

/// A stored image, ready to serve.
#[derive(Clone, PartialEq, Eq)]
pub struct PhotoImage {
    /// Who may see it: staff of this organisation, and organisers.
    pub organisation_id: i64,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for PhotoImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoImage")
            .field("organisation_id", &self.organisation_id)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

#[async_trait]
pub trait Photos: Send + Sync {
    /// Keeps a photo (and an audit entry) in one transaction.
    async fn add_photo(
        &self,
        staff_id: i64,
        photo: &ValidPhoto,
        now: NaiveDateTime,
    ) -> Result<PhotoItem, StorageError>;
    /// Photos of one organisation and/or activity, or all, oldest first (the order they
    /// were taken in, usually).
    async fn photos(
        &self,
        organisation: Option<i64>,
        activity: Option<i64>,
    ) -> Result<Vec<PhotoItem>, StorageError>;
    /// One photo's image, or `None` if there is no such photo.
    async fn photo_image(&self, id: i64) -> Result<Option<PhotoImage>, StorageError>;
}

pub(super) const INSERT_PHOTO: &str = "INSERT INTO photos (activity_id, caption, content_type, size_bytes, image, added_by, added_at) \
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
const PHOTO_SELECT: &str = "SELECT p.id, p.activity_id, a.organisation_id, p.caption, p.content_type, p.size_bytes, s.username, p.added_at \
    FROM photos p JOIN activities a ON a.id = p.activity_id JOIN staff s ON s.id = p.added_by";
pub(super) fn photo_by_id() -> String {
    format!("{PHOTO_SELECT} WHERE p.id = ?")
}
pub(super) fn photos_filtered() -> String {
    format!(
        "{PHOTO_SELECT} WHERE (CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?) \
         AND (CAST(? AS BIGINT) IS NULL OR p.activity_id = ?) ORDER BY p.activity_id, p.id"
    )
}
pub(super) const PHOTO_IMAGE: &str = "SELECT a.organisation_id, p.content_type, p.image \
    FROM photos p JOIN activities a ON a.id = p.activity_id WHERE p.id = ?";

/// `(id, activity_id, organisation_id, caption, content_type, size_bytes, added_by, added_at)`.
pub(super) type PhotoRow = (i64, i64, i64, String, String, i64, String, NaiveDateTime);

pub(super) fn photo_item(r: PhotoRow) -> Result<PhotoItem, sqlx::Error> {
    Ok(PhotoItem {
        id: r.0,
        activity_id: r.1,
        organisation_id: r.2,
        caption: r.3,
        content_type: r.4,
        size_bytes: super::rows::count(r.5)?,
        added_by: r.6,
        added_at: r.7,
    })
}

/// A short description of a new photo for the audit log.
pub(super) fn photo_subject(id: i64, photo: &ValidPhoto) -> String {
    format!(
        "photo {id}: activity {}, {} bytes",
        photo.activity_id(),
        photo.bytes().len()
    )
}

/// Implements `Photos` for a backend: `$read` and `$write` name its read and write pools and
/// `$sql` turns a statement into its placeholders (`samples_sql::as_is` or `numbered`).
macro_rules! photos_storage {
    ($storage:ty, read: $read:ident, write: $write:ident, sql: $sql:expr) => {
        use crate::storage::photos::*;

        #[async_trait::async_trait]
        impl crate::storage::photos::Photos for $storage {
            async fn add_photo(
                &self,
                staff_id: i64,
                photo: &labday_domain::photo::ValidPhoto,
                now: chrono::NaiveDateTime,
            ) -> Result<labday_domain::photo::PhotoItem, crate::storage::StorageError> {
                let mut tx = self.$write.begin().await?;
                let id: i64 = sqlx::query_scalar(&$sql(INSERT_PHOTO))
                    .bind(photo.activity_id())
                    .bind(photo.caption())
                    .bind(photo.image_type().mime())
                    .bind(photo.bytes().len() as i64)
                    .bind(photo.bytes())
                    .bind(staff_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(&$sql(crate::storage::staff_sql::AUDIT))
                    .bind(staff_id)
                    .bind(labday_domain::staff::AuditAction::AddPhoto.as_str())
                    .bind(photo_subject(id, photo))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let row: PhotoRow = sqlx::query_as(&$sql(&photo_by_id()))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(photo_item(row)?)
            }

            async fn photos(
                &self,
                organisation: Option<i64>,
                activity: Option<i64>,
            ) -> Result<Vec<labday_domain::photo::PhotoItem>, crate::storage::StorageError> {
                let rows: Vec<PhotoRow> = sqlx::query_as(&$sql(&photos_filtered()))
                    .bind(organisation)
                    .bind(organisation)
                    .bind(activity)
                    .bind(activity)
                    .fetch_all(&self.$read)
                    .await?;
                Ok(rows.into_iter().map(photo_item).collect::<Result<_, _>>()?)
            }

            async fn photo_image(
                &self,
                id: i64,
            ) -> Result<Option<PhotoImage>, crate::storage::StorageError> {
                let row: Option<(i64, String, Vec<u8>)> = sqlx::query_as(&$sql(PHOTO_IMAGE))
                    .bind(id)
                    .fetch_optional(&self.$read)
                    .await?;
                Ok(
                    row.map(|(organisation_id, content_type, bytes)| PhotoImage {
                        organisation_id,
                        content_type,
                        bytes,
                    }),
                )
            }
        }
    };
}

pub(super) use photos_storage;
