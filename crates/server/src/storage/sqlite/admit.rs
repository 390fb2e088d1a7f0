//! SQLite's side of group commit (see `storage::admission`): a batch of bookings in one
//! transaction on the one writer connection, in a fixed number of statements whatever the
//! batch's size. Lists travel as one JSON parameter (`json_each`), so every statement's
//! text is the same for every batch and stays prepared.

use super::super::admission::{
    decide, distinct, Answer, BatchWriter, CodeDraws, Held, KeyedBooking, Known, Request, Views,
    QUEUE_PLACES,
};
use super::super::columns::Name;
use super::super::db::InTx;
use super::super::rows::{BookingRow, SessionRow, BOOKING_SELECT, SESSION_SELECT};
use super::super::StorageError;

use crate::keyed_hash::KeyedHash;
use async_trait::async_trait;
use chrono::NaiveDate;
use labday_domain::booking::BookingStatus;
use serde_json::{json, Value};
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::sync::Arc;

/// The writer behind SQLite's booking desk.
pub(super) struct SqliteAdmissions {
    pub(super) write: SqlitePool,
    /// Phones are read and written by their keyed hash too.
    pub(super) keys: Arc<KeyedHash>,
}

/// Values per booking in `INSERT_BOOKINGS`'s list.
const BOOKING_FIELDS: usize = 13;

/// The batch's new bookings, from one flat JSON list of `BOOKING_FIELDS` scalars each, in
/// arrival order (so ids, and waiting-list places, follow it), returning each one's
/// `(id, code)`. A list of scalars, not of objects: `json_each` makes an object row's text
/// anew every time it is named, and each `->> 'field'` parses it again, which was about
/// 15 % of a booking's instructions.
const INSERT_BOOKINGS: &str = "INSERT INTO bookings (session_id, code, name, phone, phone_hash, \
    adults, children, status, session_day, booked_at, consent_at, code_key, request_digest, \
    lang) \
    SELECT \
      max(CASE WHEN key % 13 = 0 THEN value END), max(CASE WHEN key % 13 = 1 THEN value END), \
      max(CASE WHEN key % 13 = 2 THEN value END), max(CASE WHEN key % 13 = 3 THEN value END), \
      max(CASE WHEN key % 13 = 4 THEN value END), max(CASE WHEN key % 13 = 5 THEN value END), \
      max(CASE WHEN key % 13 = 6 THEN value END), max(CASE WHEN key % 13 = 7 THEN value END), \
      max(CASE WHEN key % 13 = 8 THEN value END), max(CASE WHEN key % 13 = 9 THEN value END), \
      max(CASE WHEN key % 13 = 9 THEN value END), max(CASE WHEN key % 13 = 10 THEN value END), \
      max(CASE WHEN key % 13 = 11 THEN value END), max(CASE WHEN key % 13 = 12 THEN value END) \
    FROM json_each(?) GROUP BY key / 13 ORDER BY key / 13 RETURNING id, code";

/// The bookings a batch's idempotency keys may have made ([`CodeDraws`]): those holding the
/// codes the keys draw this round, and those made before codes were drawn, by their key (the
/// column also keeps walk-ins' keys, under a purpose no citizen's key hashes to).
const KEYED_BOOKINGS: &str = "SELECT code_key, code, request_digest FROM bookings \
    WHERE code IN (SELECT value FROM json_each(?)) \
    UNION ALL SELECT idempotency_key, code, request_digest FROM bookings \
    WHERE idempotency_key IN (SELECT value FROM json_each(?))";

/// Every session's counters in one statement, from a JSON list of `[session, booked,
/// waiting]` moves.
const UPDATE_COUNTERS: &str = "UPDATE sessions SET booked = booked + m.value->>1, \
    waiting = waiting + m.value->>2 FROM json_each(?) AS m WHERE sessions.id = m.value->>0";

fn json_list<T: serde::Serialize>(values: &[T]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl BatchWriter for SqliteAdmissions {
    async fn admit(&self, batch: &[Request]) -> Result<Vec<Answer>, StorageError> {
        let mut tx = self.write.begin().await?;
        let mut known = read_known(&mut tx, &self.keys, batch).await?;
        let plan = decide(&mut known, batch);
        let mut ids = HashMap::new();
        if !plan.inserts.is_empty() {
            // One flat list, BOOKING_FIELDS values per booking in the INSERT's column order.
            let mut fields: Vec<Value> = Vec::with_capacity(plan.inserts.len() * BOOKING_FIELDS);
            for b in &plan.inserts {
                fields.extend([
                    json!(b.session_id),
                    json!(b.code),
                    json!(b.name),
                    json!(b.phone),
                    json!(self.keys.phone(&b.phone)),
                    json!(b.adults),
                    json!(b.children),
                    json!(b.status.as_str()),
                    // The text sqlx writes for NaiveDate / NaiveDateTime.
                    json!(b.session_day.format("%F").to_string()),
                    json!(b.stamp.format("%F %T%.f").to_string()),
                    json!(b.idempotency_key),
                    json!(b.request_digest),
                    json!(b.lang.as_str()),
                ]);
            }
            let written: Vec<(i64, String)> = sqlx::query_as(INSERT_BOOKINGS)
                .bind(json_list(&fields))
                .fetch_all(&mut *tx)
                .await?;
            ids.extend(written.into_iter().map(|(id, code)| (code, id)));
        }
        if !plan.counters.is_empty() {
            let moves: Vec<[i64; 3]> = plan
                .counters
                .iter()
                .map(|(session, (booked, waiting))| [*session, *booked, *waiting])
                .collect();
            sqlx::query(UPDATE_COUNTERS)
                .bind(json_list(&moves))
                .execute(&mut *tx)
                .await?;
        }
        plan.tell_confirmed(&mut InTx::Sqlite(&mut tx), &known, &ids)
            .await?;
        let earlier = read_views(&mut tx, &plan.earlier()).await?;
        tx.commit().await?;
        Ok(plan.answers(&known, &earlier, batch))
    }
}

/// The sessions, earlier idempotency keys and phones' bookings a batch depends on.
async fn read_known(
    conn: &mut SqliteConnection,
    hasher: &KeyedHash,
    batch: &[Request],
) -> Result<Known, sqlx::Error> {
    let mut known = Known::default();
    let mut draws = CodeDraws::new(hasher, batch);
    while let Some((codes, earlier)) = draws.round() {
        let rows: Vec<KeyedBooking> = sqlx::query_as(KEYED_BOOKINGS)
            .bind(json_list(&codes))
            .bind(json_list(&earlier))
            .fetch_all(&mut *conn)
            .await?;
        draws.found(&mut known, rows);
    }
    let ids = distinct(batch, |r| Some(r.booking.session_id));
    let sessions: Vec<SessionRow> = sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.id IN (SELECT value FROM json_each(?))"
    ))
    .bind(json_list(&ids))
    .fetch_all(&mut *conn)
    .await?;
    known.sessions = sessions.into_iter().map(|s| (s.id, s)).collect();
    // Read by the phones' keyed hashes, which outlive erasure (no-shows count for months);
    // cancelled bookings too, which `Held::of` leaves out (as PostgreSQL's `PHONES_HELD`).
    let phones: HashMap<String, String> =
        distinct(batch, |r| Some(r.booking.phone.as_str().to_owned()))
            .into_iter()
            .map(|phone| (hasher.phone(&phone), phone))
            .collect();
    let hashes: Vec<&String> = phones.keys().collect();
    let held: Vec<(String, i64, NaiveDate, i64, Name<BookingStatus>)> = sqlx::query_as(
        "SELECT phone_hash, session_id, session_day, adults + children, status FROM bookings \
         WHERE phone_hash IN (SELECT value FROM json_each(?))",
    )
    .bind(json_list(&hashes))
    .fetch_all(&mut *conn)
    .await?;
    for (hash, session, day, people, status) in held {
        if let (Some(phone), Some(h)) =
            (phones.get(&hash), Held::of(session, day, people, status.0)?)
        {
            known.phones.entry(phone.clone()).or_default().push(h);
        }
    }
    Ok(known)
}

/// The views of bookings made before the batch that its idempotent retries answer with.
async fn read_views(conn: &mut SqliteConnection, codes: &[&str]) -> Result<Views, sqlx::Error> {
    if codes.is_empty() {
        return Ok(Views::default());
    }
    let codes = json_list(codes);
    let bookings: Vec<BookingRow> = sqlx::query_as(&format!(
        "{BOOKING_SELECT} WHERE b.code IN (SELECT value FROM json_each(?))"
    ))
    .bind(&codes)
    .fetch_all(&mut *conn)
    .await?;
    let (ids, waiting) = Views::wanted(&bookings);
    let sessions = sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.id IN (SELECT value FROM json_each(?))"
    ))
    .bind(json_list(&ids))
    .fetch_all(&mut *conn)
    .await?;
    let positions = if waiting {
        sqlx::query_as(&format!(
            "{QUEUE_PLACES} AND b.code IN (SELECT value FROM json_each(?))"
        ))
        .bind(&codes)
        .fetch_all(&mut *conn)
        .await?
    } else {
        Vec::new()
    };
    Views::new(bookings, sessions, positions)
}
