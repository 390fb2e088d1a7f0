//! Photos on PostgreSQL.

use super::PostgresStorage;
use crate::storage::photos::*;
use crate::storage::staff_sql::{numbered, AUDIT};
use crate::storage::StorageError;
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::photo::{PhotoItem, ValidPhoto};

#[async_trait]
impl Photos for PostgresStorage {
    async fn add_photo(
        &self,
        staff_id: i64,
        photo: &ValidPhoto,
        now: NaiveDateTime,
    ) -> Result<PhotoItem, StorageError> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(&numbered(INSERT_PHOTO))
            .bind(photo.activity_id())
            .bind(photo.caption())
            .bind(photo.image_type().mime())
            .bind(photo.bytes().len() as i64)
            .bind(photo.bytes())
            .bind(staff_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(&numbered(AUDIT))
            .bind(staff_id)
            .bind("add_photo")
            .bind(photo_subject(id, photo))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let row: PhotoRow = sqlx::query_as(&numbered(&photo_by_id()))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(photo_item(row))
    }

    async fn photos(
        &self,
        organisation: Option<i64>,
        activity: Option<i64>,
    ) -> Result<Vec<PhotoItem>, StorageError> {
        let rows: Vec<PhotoRow> = sqlx::query_as(&numbered(&photos_filtered()))
            .bind(organisation)
            .bind(organisation)
            .bind(activity)
            .bind(activity)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(photo_item).collect())
    }

    async fn photo_image(&self, id: i64) -> Result<Option<PhotoImage>, StorageError> {
        let row: Option<(i64, String, Vec<u8>)> = sqlx::query_as(&numbered(PHOTO_IMAGE))
            .bind(id)
            .fetch_optional(&self.pool)
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
