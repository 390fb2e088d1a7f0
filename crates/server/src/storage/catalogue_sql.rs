//! The catalogue's reads, written once for both databases with `?` placeholders (numbered
//! for PostgreSQL): [`catalogue_reads!`] defines them for a backend's pool, and its
//! `Storage` methods call them.

/// Defines `catalogue_is_empty`, `catalogue_activities`, `catalogue_activity` and
/// `catalogue_session` for a backend: `$pool` is its pool type and `$sql` turns a statement
/// into its placeholders.
macro_rules! catalogue_reads {
    ($pool:ty, sql: $sql:expr) => {
        async fn catalogue_is_empty(pool: &$pool) -> Result<bool, crate::storage::StorageError> {
            let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM activities)")
                .fetch_one(pool)
                .await?;
            Ok(!any)
        }

        /// Activities with a session still to come, each with those sessions.
        async fn catalogue_activities(
            pool: &$pool,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Vec<labday_domain::activity::ActivitySummary>, crate::storage::StorageError> {
            // A day of slack covers every venue offset; the exact cut is made per session.
            let yesterday = (now - chrono::Duration::days(1)).date_naive();
            let activities: Vec<crate::storage::rows::ActivityRow> =
                sqlx::query_as(&$sql(&format!(
                    "{} WHERE a.ends_on >= ? ORDER BY a.starts_on, a.id",
                    crate::storage::rows::ACTIVITY_SELECT
                )))
                .bind(yesterday)
                .fetch_all(pool)
                .await?;
            let sessions: Vec<crate::storage::rows::SessionRow> = sqlx::query_as(&$sql(&format!(
                "{} WHERE a.ends_on >= ? ORDER BY s.starts_at, s.id",
                crate::storage::rows::SESSION_SELECT
            )))
            .bind(yesterday)
            .fetch_all(pool)
            .await?;
            let mut by_activity: std::collections::BTreeMap<i64, Vec<labday_domain::SessionView>> =
                std::collections::BTreeMap::new();
            for row in &sessions {
                if row.ends_at > row.local_now(now) {
                    by_activity
                        .entry(row.activity_id)
                        .or_default()
                        .push(row.view(now));
                }
            }
            Ok(activities
                .iter()
                .filter(|a| by_activity.contains_key(&a.id))
                .map(|a| a.summary(&by_activity[&a.id]))
                .collect())
        }

        /// One activity with its sessions still to come.
        async fn catalogue_activity(
            pool: &$pool,
            id: i64,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Option<labday_domain::activity::ActivityDetail>, crate::storage::StorageError> {
            let Some(a): Option<crate::storage::rows::ActivityRow> = sqlx::query_as(&$sql(
                &format!("{} WHERE a.id = ?", crate::storage::rows::ACTIVITY_SELECT),
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
            else {
                return Ok(None);
            };
            let rows: Vec<crate::storage::rows::SessionRow> = sqlx::query_as(&$sql(&format!(
                "{} WHERE s.activity_id = ? ORDER BY s.starts_at, s.id",
                crate::storage::rows::SESSION_SELECT
            )))
            .bind(id)
            .fetch_all(pool)
            .await?;
            let sessions: Vec<labday_domain::SessionView> = rows
                .iter()
                .filter(|r| r.ends_at > r.local_now(now))
                .map(|r| r.view(now))
                .collect();
            Ok(Some(labday_domain::activity::ActivityDetail {
                summary: a.summary(&sessions),
                description: labday_domain::activity::Localised::new(
                    &a.description_zh,
                    &a.description_en,
                ),
                address: labday_domain::activity::Localised::new(&a.address_zh, &a.address_en),
                safety_notes: labday_domain::activity::Localised::new(&a.safety_zh, &a.safety_en),
                contact: a.contact.clone(),
                sessions,
            }))
        }

        async fn catalogue_session(
            pool: &$pool,
            id: i64,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Option<labday_domain::SessionView>, crate::storage::StorageError> {
            let row: Option<crate::storage::rows::SessionRow> = sqlx::query_as(&$sql(&format!(
                "{} WHERE s.id = ?",
                crate::storage::rows::SESSION_SELECT
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|r| r.view(now)))
        }
    };
}

pub(super) use catalogue_reads;
