//! Staff storage on SQLite: writes go through the single write connection.

use super::SqliteStorage;
use crate::storage::rows::{count, party_size};
use crate::storage::staff::{CheckedIn, NewStaff, Staff, StaffCredentials};
use crate::storage::staff_sql::*;
use crate::storage::{BookingError, StorageError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::booking::BookingStatus;
use labday_domain::staff::{check_in, AuditAction, RosterEntry, StaffView};

#[async_trait]
impl Staff for SqliteStorage {
    async fn add_staff(
        &self,
        s: NewStaff,
        now: NaiveDateTime,
    ) -> Result<Option<i64>, StorageError> {
        let done = sqlx::query(INSERT_STAFF)
            .bind(&s.username)
            .bind(&s.display_name)
            .bind(&s.password_hash)
            .bind(s.role.as_str())
            .bind(s.organisation_id)
            .bind(now)
            .execute(&self.write)
            .await;
        match done {
            Ok(r) => Ok(Some(r.last_insert_rowid())),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn staff_credentials(
        &self,
        username: &str,
    ) -> Result<Option<StaffCredentials>, StorageError> {
        let row: Option<StaffRow> = sqlx::query_as(STAFF_BY_USERNAME)
            .bind(username)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| StaffCredentials {
            staff: staff_view(&r),
            password_hash: r.5,
        }))
    }

    async fn open_staff_session(
        &self,
        staff_id: i64,
        token_digest: &str,
        expires_at: NaiveDateTime,
    ) -> Result<(), StorageError> {
        sqlx::query(OPEN_SESSION)
            .bind(token_digest)
            .bind(staff_id)
            .bind(expires_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn staff_by_session(
        &self,
        token_digest: &str,
        now: NaiveDateTime,
    ) -> Result<Option<StaffView>, StorageError> {
        let row: Option<StaffRow> = sqlx::query_as(STAFF_BY_SESSION)
            .bind(token_digest)
            .bind(now)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(staff_view))
    }

    async fn close_staff_session(&self, token_digest: &str) -> Result<(), StorageError> {
        sqlx::query(CLOSE_SESSION)
            .bind(token_digest)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn session_organisation(&self, session_id: i64) -> Result<Option<i64>, StorageError> {
        Ok(sqlx::query_scalar(SESSION_ORGANISATION)
            .bind(session_id)
            .fetch_optional(&self.read)
            .await?)
    }

    async fn roster(&self, session_id: i64) -> Result<Vec<RosterEntry>, StorageError> {
        let rows: Vec<RosterRow> = sqlx::query_as(ROSTER)
            .bind(session_id)
            .fetch_all(&self.read)
            .await?;
        Ok(rows
            .into_iter()
            .map(roster_entry)
            .collect::<Result<_, _>>()?)
    }

    async fn check_in(
        &self,
        staff_id: i64,
        session_id: i64,
        code: &str,
        people: Option<u32>,
        now: NaiveDateTime,
    ) -> Result<CheckedIn, BookingError> {
        let mut tx = self.write.begin().await?;
        let row: Option<CheckInRow> = sqlx::query_as(BOOKING_FOR_CHECK_IN)
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
        let (id, booking_session, code, name, phone, adults, children, already, status) =
            row.ok_or(BookingError::Refused(labday_domain::ErrorCode::NotFound))?;
        let status = BookingStatus::parse(&status).unwrap_or(BookingStatus::Cancelled);
        let party = party_size(adults, children)?;
        let already = count(already)?;
        let n = check_in(
            status,
            booking_session == session_id,
            party,
            already,
            people,
        )
        .map_err(BookingError::Refused)?;
        sqlx::query(RECORD_CHECK_IN)
            .bind(i64::from(n))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(AUDIT)
            .bind(staff_id)
            .bind(AuditAction::CheckIn.as_str())
            .bind(format!("booking {code}: {n}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let entry = roster_entry((
            code,
            name,
            phone,
            adults,
            children,
            i64::from(already.saturating_add(n)),
            "checked_in".into(),
        ))?;
        Ok(CheckedIn { entry, people: n })
    }

    async fn mark_no_shows(
        &self,
        staff_id: i64,
        session_id: i64,
        now: NaiveDateTime,
    ) -> Result<u32, BookingError> {
        let mut tx = self.write.begin().await?;
        let ends: Option<NaiveDateTime> = sqlx::query_scalar(SESSION_ENDS_AT)
            .bind(session_id)
            .fetch_optional(&mut *tx)
            .await?;
        let ends = ends.ok_or(BookingError::Refused(labday_domain::ErrorCode::NotFound))?;
        if now < ends {
            return Err(BookingError::Refused(
                labday_domain::ErrorCode::SessionNotOver,
            ));
        }
        let marked = sqlx::query(MARK_NO_SHOWS)
            .bind(session_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(AUDIT)
            .bind(staff_id)
            .bind(AuditAction::MarkNoShows.as_str())
            .bind(format!("session {session_id}: {marked}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(u32::try_from(marked).unwrap_or(u32::MAX))
    }

    async fn audit(
        &self,
        staff_id: i64,
        action: AuditAction,
        subject: &str,
        now: NaiveDateTime,
    ) -> Result<(), StorageError> {
        sqlx::query(AUDIT)
            .bind(staff_id)
            .bind(action.as_str())
            .bind(subject)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
