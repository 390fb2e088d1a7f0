//! Staff accounts run for a season: disabled and enabled again, passwords reset and
//! changed, sign-in sessions ended, and expired sessions purged. Every change an organiser
//! or the holder makes is written to the audit log in the same transaction, with no
//! password or token in it. Written once for both databases.

use super::audit::commit_audited;
use super::organisations::reach;
use super::staff::{changed, staff_columns, StaffRow, STAFF_SELECT};
use super::{Parts, StorageError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::staff::{AuditAction, StaffAccount};

/// What an organiser changes on an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange<'a> {
    /// It signs nobody in, and every session of it ends.
    Disable,
    Enable,
    /// A new password (its hash) the holder must change at the next sign-in; every session
    /// of the account ends.
    ResetPassword(&'a str),
    /// Every session of the account ends (its holder must sign in again).
    EndSessions,
}

impl AccountChange<'_> {
    fn action(self) -> AuditAction {
        match self {
            AccountChange::Disable => AuditAction::DisableStaff,
            AccountChange::Enable => AuditAction::EnableStaff,
            AccountChange::ResetPassword(_) => AuditAction::ResetPassword,
            AccountChange::EndSessions => AuditAction::EndSessions,
        }
    }
}

const STAFF_IN_REACH: &str = concat!(
    reach!(),
    staff_columns!(),
    " FROM staff s \
    WHERE CAST(? AS BIGINT) IS NULL OR s.organisation_id IN (SELECT id FROM reach) \
    ORDER BY s.username"
);
const SET_DISABLED: &str = "UPDATE staff SET disabled_at = ? WHERE id = ?";
const SET_PASSWORD: &str =
    "UPDATE staff SET password_hash = ?, must_change_password = ? WHERE id = ?";
const END_SESSIONS: &str = "DELETE FROM staff_sessions WHERE staff_id = ?";
const END_OTHER_SESSIONS: &str =
    "DELETE FROM staff_sessions WHERE staff_id = ? AND token_digest <> ?";
const PURGE_EXPIRED: &str = "DELETE FROM staff_sessions WHERE expires_at <= ?";

fn subject(id: i64) -> String {
    format!("staff {id}")
}

#[async_trait]
pub trait Accounts: Parts {
    /// The accounts of an organisation and everything under it, by username; every account
    /// (organisers without a bureau too) when `None`.
    async fn staff_accounts(&self, scope: Option<i64>) -> Result<Vec<StaffAccount>, StorageError> {
        let rows: Vec<StaffRow> = self
            .db()
            .read(STAFF_IN_REACH)
            .bind(scope)
            .bind(scope)
            .bind(scope)
            .fetch_all()
            .await?;
        Ok(rows.iter().map(StaffRow::account).collect())
    }

    async fn staff_account(&self, id: i64) -> Result<Option<StaffAccount>, StorageError> {
        let sql = format!("{STAFF_SELECT} WHERE s.id = ?");
        let row: Option<StaffRow> = self.db().read(&sql).bind(id).fetch_optional().await?;
        Ok(row.as_ref().map(StaffRow::account))
    }

    /// Makes an organiser's change to an account, in one transaction with its audit entry:
    /// how many of its sessions ended, or `None` when there is no such account.
    async fn change_account(
        &self,
        by: i64,
        id: i64,
        change: AccountChange<'_>,
        now: NaiveDateTime,
    ) -> Result<Option<u32>, StorageError> {
        let mut tx = self.db().begin().await?;
        let on_account = match change {
            AccountChange::Disable => Some(tx.query(SET_DISABLED).bind(Some(now))),
            AccountChange::Enable => Some(tx.query(SET_DISABLED).bind(None::<NaiveDateTime>)),
            AccountChange::ResetPassword(hash) => {
                Some(tx.query(SET_PASSWORD).bind(hash).bind(true))
            }
            // Nothing on the account itself: the caller found it.
            AccountChange::EndSessions => None,
        };
        if let Some(statement) = on_account {
            if statement.bind(id).execute().await? == 0 {
                return Ok(None);
            }
        }
        let (ended, what) = if change == AccountChange::Enable {
            (0, subject(id))
        } else {
            let ended = changed(tx.query(END_SESSIONS).bind(id).execute().await?)?;
            (ended, format!("{}: {ended} sessions ended", subject(id)))
        };
        commit_audited(tx, by, change.action(), &what).await?;
        Ok(Some(ended))
    }

    /// The holder's own new password: the forced change is done, and every other session of
    /// the account ends (`keep`, the digest of the session that asked, stays). Only while
    /// the account still has the password hash `verified` (the one its current password was
    /// checked against) and the session `keep` still runs: an organiser's reset, or another
    /// change, made while this one was being checked wins, and this one changes nothing
    /// (`false`).
    async fn change_own_password(
        &self,
        id: i64,
        (verified, password_hash): (&str, &str),
        keep: &str,
    ) -> Result<bool, StorageError> {
        const SET_OWN_PASSWORD: &str = "UPDATE staff SET password_hash = ?, \
            must_change_password = ? WHERE id = ? AND password_hash = ? \
            AND EXISTS (SELECT 1 FROM staff_sessions WHERE token_digest = ? AND staff_id = ?)";
        let mut tx = self.db().begin().await?;
        let set = tx
            .query(SET_OWN_PASSWORD)
            .bind(password_hash)
            .bind(false)
            .bind(id)
            .bind(verified)
            .bind(keep)
            .bind(id)
            .execute()
            .await?;
        if set == 0 {
            return Ok(false);
        }
        tx.query(END_OTHER_SESSIONS)
            .bind(id)
            .bind(keep)
            .execute()
            .await?;
        commit_audited(tx, id, AuditAction::ChangePassword, &subject(id)).await?;
        Ok(true)
    }

    /// Deletes sessions that expired by `now`; how many.
    async fn purge_expired_sessions(&self, now: NaiveDateTime) -> Result<u64, StorageError> {
        Ok(self.db().write(PURGE_EXPIRED).bind(now).execute().await?)
    }
}

impl<S: Parts> Accounts for S {}
