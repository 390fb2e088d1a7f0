//! What staff change in the catalogue: activities, and sessions one by one or as a series.
//! Capacity never drops below the people already booked, raising it promotes the waiting
//! list, and cancelling a session cancels its bookings; each change is written to the audit
//! log in the same transaction.

use super::{BookingError, StorageError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::schedule::{OrganisationChoice, ScheduledActivity, ValidActivity, ValidSession};

/// What became of a session edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionUpdated {
    /// People moved from the waiting list to confirmed because capacity went up.
    pub promoted_people: u32,
}

#[async_trait]
pub trait Schedule: Send + Sync {
    async fn organisation_exists(&self, id: i64) -> Result<bool, StorageError>;
    /// Organisations to schedule for: one, or all when `None`.
    async fn organisations(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<OrganisationChoice>, StorageError>;
    /// The console's list: activities of one organisation (or all) with every session,
    /// past and cancelled ones included, and the people booked and waiting on each.
    async fn scheduled_activities(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<ScheduledActivity>, StorageError>;
    /// The organisation running an activity, or `None` if there is no such activity.
    async fn activity_organisation(&self, activity_id: i64) -> Result<Option<i64>, StorageError>;
    async fn create_activity(
        &self,
        staff_id: i64,
        activity: &ValidActivity,
        now: NaiveDateTime,
    ) -> Result<i64, StorageError>;
    /// `false` when there is no such activity.
    async fn update_activity(
        &self,
        staff_id: i64,
        id: i64,
        activity: &ValidActivity,
        now: NaiveDateTime,
    ) -> Result<bool, StorageError>;
    /// Adds sessions to an activity in one transaction: all of them or none.
    async fn create_sessions(
        &self,
        staff_id: i64,
        activity_id: i64,
        sessions: &[ValidSession],
        now: NaiveDateTime,
    ) -> Result<Vec<i64>, StorageError>;
    /// Replaces a session's details. Refused with `capacity_below_booked` when the new
    /// capacity is below the people booked, `session_cancelled` for a cancelled session.
    async fn update_session(
        &self,
        staff_id: i64,
        id: i64,
        session: &ValidSession,
        now: NaiveDateTime,
    ) -> Result<SessionUpdated, BookingError>;
    /// Cancels a session and every confirmed or waiting booking on it; returns how many
    /// bookings were cancelled.
    async fn cancel_session(
        &self,
        staff_id: i64,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<u32, BookingError>;
}
