//! Staff accounts, sign-in sessions, and the work done at the door: roster, check-in,
//! no-shows. Every change staff make is written to the audit log in the same transaction.

use super::{BookingError, StorageError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::staff::{AuditAction, Role, RosterEntry, StaffView};

/// A staff account to create (the password is already hashed).
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
}

/// What the sign-in check needs: the account and its password hash.
#[derive(Debug, Clone)]
pub struct StaffCredentials {
    pub staff: StaffView,
    pub password_hash: String,
}

/// The outcome of a check-in at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIn {
    pub entry: RosterEntry,
    /// People let in by this check-in.
    pub people: u32,
}

#[async_trait]
pub trait Staff: Send + Sync {
    /// Creates an account; `Ok(None)` when the username is taken.
    async fn add_staff(
        &self,
        staff: NewStaff,
        now: NaiveDateTime,
    ) -> Result<Option<i64>, StorageError>;
    async fn staff_credentials(
        &self,
        username: &str,
    ) -> Result<Option<StaffCredentials>, StorageError>;
    async fn open_staff_session(
        &self,
        staff_id: i64,
        token_digest: &str,
        expires_at: NaiveDateTime,
    ) -> Result<(), StorageError>;
    /// The staff member holding an unexpired session with this token digest.
    async fn staff_by_session(
        &self,
        token_digest: &str,
        now: NaiveDateTime,
    ) -> Result<Option<StaffView>, StorageError>;
    async fn close_staff_session(&self, token_digest: &str) -> Result<(), StorageError>;
    /// The organisation running a session, or `None` if there is no such session.
    async fn session_organisation(&self, session_id: i64) -> Result<Option<i64>, StorageError>;
    /// Everyone booked on a session, confirmed first, with full phone numbers.
    async fn roster(&self, session_id: i64) -> Result<Vec<RosterEntry>, StorageError>;
    /// Checks `people` of a booking in (all that remain when `None`) at `session_id`'s door.
    async fn check_in(
        &self,
        staff_id: i64,
        session_id: i64,
        code: &str,
        people: Option<u32>,
        now: NaiveDateTime,
    ) -> Result<CheckedIn, BookingError>;
    /// After the session: every confirmed booking nobody checked in for becomes a no-show.
    async fn mark_no_shows(
        &self,
        staff_id: i64,
        session_id: i64,
        now: NaiveDateTime,
    ) -> Result<u32, BookingError>;
    /// Appends to the audit log.
    async fn audit(
        &self,
        staff_id: i64,
        action: AuditAction,
        subject: &str,
        now: NaiveDateTime,
    ) -> Result<(), StorageError>;
}
