//! Photos of activities for the written summary, kept in the database beside everything
//! else (one backup holds them all). Listing never reads the image bytes; serving one does.
//! Written once for both databases: the insert and its audit entry in one transaction on
//! the writer, the reads on the readers.

use super::audit::{audit, commit_audited, delete_audited};
use super::organisations::REACH;
use super::{Parts, StorageError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::photo::{PhotoItem, ValidPhoto};
use labday_domain::staff::AuditAction;

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

const INSERT_PHOTO: &str = "INSERT INTO photos (activity_id, caption, content_type, \
    size_bytes, image, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
const PHOTO_SELECT: &str = "SELECT p.id, p.activity_id, a.organisation_id, p.caption, \
    p.content_type, p.size_bytes, s.username, p.added_at \
    FROM photos p JOIN activities a ON a.id = p.activity_id JOIN staff s ON s.id = p.added_by";
const UPDATE_CAPTION: &str = "UPDATE photos SET caption = ? WHERE id = ?";
const PHOTO_ORGANISATION: &str = "SELECT a.organisation_id FROM photos p \
    JOIN activities a ON a.id = p.activity_id WHERE p.id = ?";
const DELETE_PHOTO: &str = "DELETE FROM photos WHERE id = ?";
const PHOTO_IMAGE: &str = "SELECT a.organisation_id, p.content_type, p.image \
    FROM photos p JOIN activities a ON a.id = p.activity_id WHERE p.id = ?";

/// `(id, activity_id, organisation_id, caption, content_type, size_bytes, added_by, added_at)`.
type PhotoRow = (i64, i64, i64, String, String, i64, String, NaiveDateTime);

fn photo_item(r: PhotoRow) -> Result<PhotoItem, sqlx::Error> {
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

#[async_trait]
pub trait Photos: Parts {
    /// Keeps a photo (and an audit entry) in one transaction.
    async fn add_photo(
        &self,
        staff_id: i64,
        photo: &ValidPhoto,
        now: NaiveDateTime,
    ) -> Result<PhotoItem, StorageError> {
        let mut tx = self.db().begin().await?;
        let id: i64 = tx
            .query(INSERT_PHOTO)
            .bind(photo.activity_id())
            .bind(photo.caption())
            .bind(photo.image_type().mime())
            .bind(photo.bytes().len() as i64)
            .bind(photo.bytes())
            .bind(staff_id)
            .bind(now)
            .scalar()
            .await?;
        let subject = format!(
            "photo {id}: activity {}, {} bytes",
            photo.activity_id(),
            photo.bytes().len()
        );
        audit(&mut tx, staff_id, AuditAction::AddPhoto, &subject).await?;
        let sql = format!("{PHOTO_SELECT} WHERE p.id = ?");
        let row: PhotoRow = tx.query(&sql).bind(id).fetch_one().await?;
        tx.commit().await?;
        Ok(photo_item(row)?)
    }

    /// Photos of one organisation and/or activity, or all, oldest first (the order they
    /// were taken in, usually).
    async fn photos(
        &self,
        organisation: Option<i64>,
        activity: Option<i64>,
    ) -> Result<Vec<PhotoItem>, StorageError> {
        let sql = format!(
            "{REACH}{PHOTO_SELECT} WHERE a.organisation_id IN (SELECT id FROM reach) \
             AND (CAST(? AS BIGINT) IS NULL OR p.activity_id = ?) ORDER BY p.activity_id, p.id"
        );
        let rows: Vec<PhotoRow> = self
            .db()
            .read(&sql)
            .bind_filter(organisation)
            .bind_filter(activity)
            .fetch_all()
            .await?;
        Ok(rows.into_iter().map(photo_item).collect::<Result<_, _>>()?)
    }

    /// The organisation whose activity a photo shows; `None` for no such photo.
    async fn photo_organisation(&self, id: i64) -> Result<Option<i64>, StorageError> {
        Ok(self
            .db()
            .read(PHOTO_ORGANISATION)
            .bind(id)
            .scalar_optional()
            .await?)
    }

    /// Corrects a photo's caption (and notes it); `None` when there is no such photo.
    async fn update_photo(
        &self,
        staff_id: i64,
        id: i64,
        caption: &str,
    ) -> Result<Option<PhotoItem>, StorageError> {
        let mut tx = self.db().begin().await?;
        let touched = tx
            .query(UPDATE_CAPTION)
            .bind(caption)
            .bind(id)
            .execute()
            .await?;
        if touched == 0 {
            return Ok(None);
        }
        let sql = format!("{PHOTO_SELECT} WHERE p.id = ?");
        let row: PhotoRow = tx.query(&sql).bind(id).fetch_one().await?;
        let subject = format!("photo {id}: activity {}", row.1);
        commit_audited(tx, staff_id, AuditAction::UpdatePhoto, &subject).await?;
        Ok(Some(photo_item(row)?))
    }

    /// Deletes a photo, image and all (and notes it); `false` when there is no such photo.
    async fn delete_photo(&self, staff_id: i64, id: i64) -> Result<bool, StorageError> {
        let subject = format!("photo {id}");
        let entry = (staff_id, AuditAction::DeletePhoto, subject.as_str());
        let deleted = delete_audited(self.db(), DELETE_PHOTO, id, entry).await?;
        // Its bytes are overwritten in the database file (`secure_delete`), but their pages
        // stay in SQLite's WAL until a checkpoint empties it: now (a staff action, rare,
        // holding writes at most the short wait for readers), as the retention run does
        // after erasing, or at the next run when readers keep it busy.
        if deleted {
            if let Err(e) = super::erasure::forget_erased(self.db()).await {
                tracing::warn!(error = %e, "after deleting a photo");
            }
        }
        Ok(deleted)
    }

    /// One photo's image, or `None` if there is no such photo.
    async fn photo_image(&self, id: i64) -> Result<Option<PhotoImage>, StorageError> {
        let row: Option<(i64, String, Vec<u8>)> = self
            .db()
            .read(PHOTO_IMAGE)
            .bind(id)
            .fetch_optional()
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

impl<S: Parts> Photos for S {}
