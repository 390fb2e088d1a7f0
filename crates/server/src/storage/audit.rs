//! The audit log's one writer: what a staff member did, inside the transaction that did it,
//! so the entry and the change commit or roll back together.

use super::db::{Db, Statement, Tx};
use chrono::NaiveDateTime;
use labday_domain::staff::AuditAction;

const AUDIT: &str = "INSERT INTO audit_log (staff_id, action, subject, at) VALUES (?, ?, ?, ?)";

/// The entry's values, bound onto [`AUDIT`].
fn entry<'q>(
    statement: Statement<'q>,
    staff_id: i64,
    action: AuditAction,
    subject: &'q str,
    now: NaiveDateTime,
) -> Statement<'q> {
    statement
        .bind(staff_id)
        .bind(action.as_str())
        .bind(subject)
        .bind(now)
}

/// Notes `action` on `subject` by `staff_id` at `now`, in `tx`.
pub(super) async fn audit(
    tx: &mut Tx,
    staff_id: i64,
    action: AuditAction,
    subject: &str,
    now: NaiveDateTime,
) -> Result<(), sqlx::Error> {
    entry(tx.query(AUDIT), staff_id, action, subject, now)
        .execute()
        .await?;
    Ok(())
}

/// Commits a change staff made together with its audit entry.
pub(super) async fn commit_audited(
    mut tx: Tx,
    staff_id: i64,
    action: AuditAction,
    subject: &str,
    now: NaiveDateTime,
) -> Result<(), sqlx::Error> {
    audit(&mut tx, staff_id, action, subject, now).await?;
    tx.commit().await
}

/// An entry on its own, for what changes nothing in the database (a sign-in, an export).
pub(super) async fn audit_alone(
    db: &Db,
    staff_id: i64,
    action: AuditAction,
    subject: &str,
    now: NaiveDateTime,
) -> Result<(), sqlx::Error> {
    entry(db.write(AUDIT), staff_id, action, subject, now)
        .execute()
        .await?;
    Ok(())
}
