//! The audit log's one writer: what a staff member did, inside the transaction that did it,
//! so the entry and the change commit or roll back together.

use super::db::Tx;
use chrono::NaiveDateTime;

/// Notes `action` on `subject` by `staff_id` at `now`.
pub(super) async fn audit(
    tx: &mut Tx,
    staff_id: i64,
    action: &str,
    subject: &str,
    now: NaiveDateTime,
) -> Result<(), sqlx::Error> {
    tx.query(super::staff::AUDIT)
        .bind(staff_id)
        .bind(action)
        .bind(subject)
        .bind(now)
        .execute()
        .await?;
    Ok(())
}
