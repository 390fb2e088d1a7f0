//! The audit log's one writer: what a staff member did, inside the transaction that did it,
//! so the entry and the change commit or roll back together.

use super::db::{Db, Statement, Tx};
use chrono::{NaiveDateTime, Utc};
use labday_domain::staff::AuditAction;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};

const AUDIT: &str = "INSERT INTO audit_log (staff_id, action, subject, at) VALUES (?, ?, ?, ?)";

/// Where an entry is written: in the transaction of the change it notes (`&mut Tx`), or on
/// its own (`&Db`), for what changes nothing in the database (a sign-in, an export).
pub(super) trait Journal<'a> {
    fn statement(self, sql: &'static str) -> Statement<'a>;
}

impl<'a> Journal<'a> for &'a mut Tx {
    fn statement(self, sql: &'static str) -> Statement<'a> {
        self.query(sql)
    }
}

impl<'a> Journal<'a> for &'a Db {
    fn statement(self, sql: &'static str) -> Statement<'a> {
        self.write(sql)
    }
}

/// The log's one clock, China Standard Time. Staff rules about a session read its venue's
/// clock (`crate::venue_clock`), and the changes they make pass that time along; the log
/// stamps every entry on its own clock instead, so that entries made one after the other
/// read in that order whichever venue they concern.
fn log_clock() -> NaiveDateTime {
    venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES)
}

/// Notes `action` on `subject` by `staff_id`, in `journal`, at the log's clock
/// ([`log_clock`]).
pub(super) async fn audit<'a>(
    journal: impl Journal<'a>,
    staff_id: i64,
    action: AuditAction,
    subject: &'a str,
) -> Result<(), sqlx::Error> {
    journal
        .statement(AUDIT)
        .bind(staff_id)
        .bind(action.as_str())
        .bind(subject)
        .bind(log_clock())
        .execute()
        .await?;
    Ok(())
}

/// Deletes the row `sql` names by its one value, `id`, and notes it: `false`, with nothing
/// deleted or noted, when there was no such row.
pub(super) async fn delete_audited(
    db: &Db,
    sql: &'static str,
    id: i64,
    entry: (i64, AuditAction, &str),
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    if tx.query(sql).bind(id).execute().await? == 0 {
        return Ok(false);
    }
    let (staff_id, action, subject) = entry;
    commit_audited(tx, staff_id, action, subject).await?;
    Ok(true)
}

/// Commits a change staff made together with its audit entry.
pub(super) async fn commit_audited(
    mut tx: Tx,
    staff_id: i64,
    action: AuditAction,
    subject: &str,
) -> Result<(), sqlx::Error> {
    audit(&mut tx, staff_id, action, subject).await?;
    tx.commit().await
}
