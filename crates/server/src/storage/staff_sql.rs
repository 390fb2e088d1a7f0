//! What is left of the staff queries' shared file: the statements now live with their
//! aggregates (`staff.rs`, `schedule.rs`, `reports.rs`). The samples, photos and throttles
//! storage still reach these two names until they are written once for both databases.

pub(super) use super::staff::AUDIT;

/// `?` placeholders numbered for PostgreSQL (`$1`, `$2`, …).
pub(super) fn numbered(sql: &str) -> String {
    super::db::Dialect::Postgres.placeholders(sql).into_owned()
}
