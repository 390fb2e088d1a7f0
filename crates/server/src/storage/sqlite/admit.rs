//! SQLite's side of group commit (see `storage::admission`): a batch of bookings in one
//! transaction on the one writer connection, in a fixed number of statements whatever the
//! batch's size. Lists travel as one JSON parameter (`json_each`), so every statement's
//! text is the same for every batch and stays prepared.

use super::super::admission::{decide, distinct, Answer, BatchWriter, Held, Known, Request, Views};
use super::super::rows::{to_u32, BookingRow, SessionRow, BOOKING_SELECT, SESSION_SELECT};
use super::super::{BookingError, StorageError};

use async_trait::async_trait;
use chrono::NaiveDate;
use labday_domain::booking::BookingStatus;
use serde_json::json;
use sqlx::{SqliteConnection, SqlitePool};

/// The writer behind SQLite's booking desk.
pub(super) struct SqliteAdmissions {
    pub(super) write: SqlitePool,
}

fn json_list<T: serde::Serialize>(values: &[T]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl BatchWriter for SqliteAdmissions {
    async fn admit(&self, batch: &[Request]) -> Result<Vec<Answer>, StorageError> {
        let mut tx = self.write.begin().await?;
        let mut known = read_known(&mut tx, batch).await?;
        let plan = decide(&mut known, batch);
        if !plan.inserts.is_empty() {
            let rows: Vec<_> = plan
                .inserts
                .iter()
                .map(|b| {
                    json!({
                        "session_id": b.session_id, "code": b.code, "name": b.name,
                        "phone": b.phone, "adults": b.adults, "children": b.children,
                        "status": b.status.as_str(),
                        // The text sqlx writes for NaiveDate / NaiveDateTime.
                        "day": b.session_day.format("%F").to_string(),
                        "stamp": b.stamp.format("%F %T%.f").to_string(),
                        "key": b.idempotency_key, "digest": b.request_digest,
                    })
                })
                .collect();
            sqlx::query(
                "INSERT INTO bookings (session_id, code, name, phone, adults, children, status, session_day, booked_at, consent_at, idempotency_key, request_digest) \
                 SELECT j.value ->> 'session_id', j.value ->> 'code', j.value ->> 'name', j.value ->> 'phone', \
                   j.value ->> 'adults', j.value ->> 'children', j.value ->> 'status', j.value ->> 'day', \
                   j.value ->> 'stamp', j.value ->> 'stamp', j.value ->> 'key', j.value ->> 'digest' \
                 FROM json_each(?) AS j ORDER BY j.key",
            )
            .bind(json_list(&rows))
            .execute(&mut *tx)
            .await?;
        }
        for (session, (booked, waiting)) in &plan.counters {
            sqlx::query(
                "UPDATE sessions SET booked = booked + ?, waiting = waiting + ? WHERE id = ?",
            )
            .bind(booked)
            .bind(waiting)
            .bind(session)
            .execute(&mut *tx)
            .await?;
        }
        let codes: Vec<&str> = plan
            .outcomes
            .iter()
            .filter_map(|o| o.as_deref().ok())
            .collect();
        let views = read_views(&mut tx, &codes).await?;
        tx.commit().await?;
        Ok(plan
            .outcomes
            .into_iter()
            .zip(batch)
            .map(|(outcome, request)| match outcome {
                Err(code) => Err(BookingError::Refused(code)),
                Ok(code) => views.view(&code, request.ctx.now),
            })
            .collect())
    }
}

/// The sessions, earlier idempotency keys and phones' bookings a batch depends on.
async fn read_known(conn: &mut SqliteConnection, batch: &[Request]) -> Result<Known, sqlx::Error> {
    let mut known = Known::default();
    let keys = distinct(batch, |r| {
        r.ctx.idempotency.as_ref().map(|(k, _)| k.clone())
    });
    if !keys.is_empty() {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT idempotency_key, code, request_digest FROM bookings \
             WHERE idempotency_key IN (SELECT value FROM json_each(?))",
        )
        .bind(json_list(&keys))
        .fetch_all(&mut *conn)
        .await?;
        known.keys = rows
            .into_iter()
            .map(|(key, code, digest)| (key, (code, digest)))
            .collect();
    }
    let ids = distinct(batch, |r| Some(r.booking.session_id));
    let sessions: Vec<SessionRow> = sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.id IN (SELECT value FROM json_each(?))"
    ))
    .bind(json_list(&ids))
    .fetch_all(&mut *conn)
    .await?;
    known.sessions = sessions.into_iter().map(|s| (s.id, s)).collect();
    let phones = distinct(batch, |r| Some(r.booking.phone.as_str().to_owned()));
    let held: Vec<(String, i64, NaiveDate, i64, String)> = sqlx::query_as(
        "SELECT phone, session_id, session_day, adults + children, status FROM bookings \
         WHERE phone IN (SELECT value FROM json_each(?)) \
         AND status IN ('confirmed', 'waitlisted', 'checked_in', 'no_show')",
    )
    .bind(json_list(&phones))
    .fetch_all(&mut *conn)
    .await?;
    for (phone, session, day, people, status) in held {
        if let Some(h) = Held::of(session, day, people, &status) {
            known.phones.entry(phone).or_default().push(h);
        }
    }
    Ok(known)
}

async fn read_views(conn: &mut SqliteConnection, codes: &[&str]) -> Result<Views, sqlx::Error> {
    let mut views = Views::default();
    if codes.is_empty() {
        return Ok(views);
    }
    let codes = json_list(codes);
    let bookings: Vec<BookingRow> = sqlx::query_as(&format!(
        "{BOOKING_SELECT} WHERE b.code IN (SELECT value FROM json_each(?))"
    ))
    .bind(&codes)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = {
        let mut ids: Vec<i64> = bookings.iter().map(|b| b.session_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let sessions: Vec<SessionRow> = sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.id IN (SELECT value FROM json_each(?))"
    ))
    .bind(json_list(&ids))
    .fetch_all(&mut *conn)
    .await?;
    if bookings
        .iter()
        .any(|b| b.status() == BookingStatus::Waitlisted)
    {
        let positions: Vec<(String, i64)> = sqlx::query_as(
            "SELECT b.code, 1 + (SELECT COUNT(*) FROM bookings w WHERE w.session_id = b.session_id \
               AND w.status = 'waitlisted' AND w.id < b.id) \
             FROM bookings b WHERE b.code IN (SELECT value FROM json_each(?)) AND b.status = 'waitlisted'",
        )
        .bind(&codes)
        .fetch_all(&mut *conn)
        .await?;
        views.positions = positions
            .into_iter()
            .map(|(code, p)| (code, to_u32(p)))
            .collect();
    }
    views.bookings = bookings.into_iter().map(|b| (b.code.clone(), b)).collect();
    views.sessions = sessions.into_iter().map(|s| (s.id, s)).collect();
    Ok(views)
}
