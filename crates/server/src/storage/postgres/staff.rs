//! Staff storage on PostgreSQL: the booking row is locked while it is checked in.

use super::PostgresStorage;
use crate::storage::rows::{count, party_size};
use crate::storage::staff::{CheckedIn, NewStaff, Staff, StaffCredentials};
use crate::storage::staff_sql::*;
use crate::storage::{BookingError, StorageError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use labday_domain::booking::BookingStatus;
use labday_domain::staff::{check_in, AuditAction, RosterEntry, StaffView};

#[async_trait]
impl Staff for PostgresStorage {
    async fn add_staff(
        &self,
        s: NewStaff,
        now: NaiveDateTime,
    ) -> Result<Option<i64>, StorageError> {
        let sql = format!("{} RETURNING id", numbered(INSERT_STAFF));
        let done = sqlx::query_scalar::<_, i64>(&sql)
            .bind(&s.username)
            .bind(&s.display_name)
            .bind(&s.password_hash)
            .bind(s.role.as_str())
            .bind(s.organisation_id)
            .bind(now)
            .fetch_one(&self.pool)
            .await;
        match done {
            Ok(id) => Ok(Some(id)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn staff_credentials(
        &self,
        username: &str,
    ) -> Result<Option<StaffCredentials>, StorageError> {
        let row: Option<StaffRow> = sqlx::query_as(&numbered(STAFF_BY_USERNAME))
            .bind(username)
            .fetch_optional(&self.pool)
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
        sqlx::query(&numbered(OPEN_SESSION))
            .bind(token_digest)
            .bind(staff_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn staff_by_session(
        &self,
        token_digest: &str,
        now: NaiveDateTime,
    ) -> Result<Option<StaffView>, StorageError> {
        let row: Option<StaffRow> = sqlx::query_as(&numbered(STAFF_BY_SESSION))
            .bind(token_digest)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(staff_view))
    }

    async fn close_staff_session(&self, token_digest: &str) -> Result<(), StorageError> {
        sqlx::query(&numbered(CLOSE_SESSION))
            .bind(token_digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_organisation(&self, session_id: i64) -> Result<Option<i64>, StorageError> {
        Ok(sqlx::query_scalar(&numbered(SESSION_ORGANISATION))
            .bind(session_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn roster(&self, session_id: i64) -> Result<Vec<RosterEntry>, StorageError> {
        let rows: Vec<RosterRow> = sqlx::query_as(&numbered(ROSTER))
            .bind(session_id)
            .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        let row: Option<CheckInRow> =
            sqlx::query_as(&format!("{} FOR UPDATE", numbered(BOOKING_FOR_CHECK_IN)))
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
        sqlx::query(&numbered(RECORD_CHECK_IN))
            .bind(i64::from(n))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&numbered(AUDIT))
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
        let mut tx = self.pool.begin().await?;
        let ends: Option<NaiveDateTime> =
            sqlx::query_scalar(&format!("{} FOR UPDATE", numbered(SESSION_ENDS_AT)))
                .bind(session_id)
                .fetch_optional(&mut *tx)
                .await?;
        let ends = ends.ok_or(BookingError::Refused(labday_domain::ErrorCode::NotFound))?;
        if now < ends {
            return Err(BookingError::Refused(
                labday_domain::ErrorCode::SessionNotOver,
            ));
        }
        let marked = sqlx::query(&numbered(MARK_NO_SHOWS))
            .bind(session_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(&numbered(AUDIT))
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
        sqlx::query(&numbered(AUDIT))
            .bind(staff_id)
            .bind(action.as_str())
            .bind(subject)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
