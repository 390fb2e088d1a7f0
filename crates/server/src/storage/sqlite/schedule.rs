//! Scheduling on SQLite: every change goes through the single write connection, so a
//! capacity check and the counters it guards cannot race with a booking.

use super::{promote_waiting, refused, SqliteStorage};
use crate::storage::console_sql::*;
use crate::storage::schedule::{Schedule, SessionUpdated};
use crate::storage::staff_sql::AUDIT;
use crate::storage::{rows::count_difference, BookingError, StorageError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::schedule::{OrganisationChoice, ScheduledActivity, ValidActivity, ValidSession};
use labday_domain::staff::AuditAction;
use labday_domain::ErrorCode;
use sqlx::SqliteConnection;

async fn audit(
    conn: &mut SqliteConnection,
    staff_id: i64,
    action: AuditAction,
    subject: &str,
    now: NaiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(AUDIT)
        .bind(staff_id)
        .bind(action.as_str())
        .bind(subject)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait]
impl Schedule for SqliteStorage {
    async fn organisation_exists(&self, id: i64) -> Result<bool, StorageError> {
        let n: i64 = sqlx::query_scalar(ORGANISATION_EXISTS)
            .bind(id)
            .fetch_one(&self.read)
            .await?;
        Ok(n > 0)
    }

    async fn organisations(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<OrganisationChoice>, StorageError> {
        let rows: Vec<OrganisationChoiceRow> = sqlx::query_as(ORGANISATION_CHOICES)
            .bind(organisation)
            .bind(organisation)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(organisation_choice).collect())
    }

    async fn scheduled_activities(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<ScheduledActivity>, StorageError> {
        let activities: Vec<ScheduledActivityRow> = sqlx::query_as(SCHEDULED_ACTIVITIES)
            .bind(organisation)
            .bind(organisation)
            .fetch_all(&self.read)
            .await?;
        let sessions: Vec<ScheduledSessionRow> = sqlx::query_as(SCHEDULED_SESSIONS)
            .bind(organisation)
            .bind(organisation)
            .fetch_all(&self.read)
            .await?;
        Ok(scheduled_activities(activities, sessions))
    }

    async fn activity_organisation(&self, activity_id: i64) -> Result<Option<i64>, StorageError> {
        Ok(sqlx::query_scalar(ACTIVITY_ORGANISATION)
            .bind(activity_id)
            .fetch_optional(&self.read)
            .await?)
    }

    async fn create_activity(
        &self,
        staff_id: i64,
        activity: &ValidActivity,
        now: NaiveDateTime,
    ) -> Result<i64, StorageError> {
        let mut tx = self.write.begin().await?;
        let id: i64 = bind_activity!(sqlx::query_scalar(INSERT_ACTIVITY), activity.get())
            .fetch_one(&mut *tx)
            .await?;
        audit(
            &mut tx,
            staff_id,
            AuditAction::CreateActivity,
            &format!("activity {id}"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn update_activity(
        &self,
        staff_id: i64,
        id: i64,
        activity: &ValidActivity,
        now: NaiveDateTime,
    ) -> Result<bool, StorageError> {
        let mut tx = self.write.begin().await?;
        let changed = bind_activity!(sqlx::query(UPDATE_ACTIVITY), activity.get())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        audit(
            &mut tx,
            staff_id,
            AuditAction::UpdateActivity,
            &format!("activity {id}"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn create_sessions(
        &self,
        staff_id: i64,
        activity_id: i64,
        sessions: &[ValidSession],
        now: NaiveDateTime,
    ) -> Result<Vec<i64>, StorageError> {
        let mut tx = self.write.begin().await?;
        let mut ids = Vec::with_capacity(sessions.len());
        for s in sessions {
            let id: i64 = bind_session!(sqlx::query_scalar(INSERT_SESSION), s.get())
                .bind(activity_id)
                .fetch_one(&mut *tx)
                .await?;
            ids.push(id);
        }
        let subject = match (ids.as_slice(), sessions) {
            ([id], [s]) => session_subject(*id, s.get()),
            _ => format!("activity {activity_id}: {} sessions", ids.len()),
        };
        audit(
            &mut tx,
            staff_id,
            AuditAction::CreateSessions,
            &subject,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn update_session(
        &self,
        staff_id: i64,
        id: i64,
        session: &ValidSession,
        now: NaiveDateTime,
    ) -> Result<SessionUpdated, BookingError> {
        let s = session.get();
        let mut tx = self.write.begin().await?;
        let (_, booked, status): (i64, i64, String) = sqlx::query_as(SESSION_FOR_CHANGE)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        if status == "cancelled" {
            return Err(refused(ErrorCode::SessionCancelled));
        }
        if i64::from(s.capacity) < booked {
            return Err(refused(ErrorCode::CapacityBelowBooked));
        }
        bind_session!(sqlx::query(UPDATE_SESSION), s)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(MOVE_BOOKING_DAY)
            .bind(s.starts_at.date())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        promote_waiting(&mut tx, id).await?;
        let (_, booked_after, _): (i64, i64, String) = sqlx::query_as(SESSION_FOR_CHANGE)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        audit(
            &mut tx,
            staff_id,
            AuditAction::UpdateSession,
            &session_subject(id, s),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(SessionUpdated {
            promoted_people: count_difference(booked_after, booked)?,
        })
    }

    async fn cancel_session(
        &self,
        staff_id: i64,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<u32, BookingError> {
        let mut tx = self.write.begin().await?;
        let (_, _, status): (i64, i64, String) = sqlx::query_as(SESSION_FOR_CHANGE)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        if status == "cancelled" {
            return Err(refused(ErrorCode::SessionCancelled));
        }
        let cancelled = sqlx::query(CANCEL_SESSION_BOOKINGS)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(CANCEL_SESSION)
            .bind(id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            staff_id,
            AuditAction::CancelSession,
            &format!("session {id}: {cancelled} bookings cancelled"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(u32::try_from(cancelled).unwrap_or(u32::MAX))
    }
}
