//! PostgreSQL's side of group commit (see `storage::admission`). A batch takes the same
//! locks a single booking takes, for all its phones and sessions at once and always in the
//! same order (phones by hash, then sessions by id), so batches in several server processes
//! queue behind each other instead of deadlocking: first the phones' advisory locks and the
//! reads that depend on phones, then the sessions' row locks, the decisions, one insert and
//! one counter update, and one commit — one WAL flush for the whole batch. The holders'
//! views and the confirmations are made from what the batch read and wrote; only a
//! booking made before the batch, which an idempotent retry answers with, is read, after
//! commit and outside the locks.

use super::super::admission::{
    decide, distinct, Answer, BatchWriter, CodeDraws, Held, KeyedBooking, Known, Request, Views,
};
use super::super::columns::Name;
use super::super::db::InTx;
use super::super::rows::{BookingRow, SessionRow, BOOKING_SELECT, SESSION_SELECT};
use super::super::StorageError;
use super::PHONE_LOCK_CLASS;
use crate::keyed_hash::KeyedHash;
use async_trait::async_trait;
use chrono::{NaiveDate, NaiveDateTime};
use labday_domain::booking::BookingStatus;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use std::sync::Arc;

/// The writer behind PostgreSQL's booking desk.
pub(super) struct PgAdmissions {
    pub(super) pool: PgPool,
    /// Phones are read and written by their keyed hash too.
    pub(super) keys: Arc<KeyedHash>,
}

#[async_trait]
impl BatchWriter for PgAdmissions {
    async fn admit(&self, batch: &[Request]) -> Result<Vec<Answer>, StorageError> {
        Ok(self.admit_retrying(batch).await?)
    }

    /// Another process may commit the same Idempotency-Key, sent with another phone (so
    /// under another phone lock), between this batch's read of the keys and its insert: both
    /// drew the same code, so the code's unique index refuses this one, and a second try
    /// finds the earlier booking by that code and answers with it (or with the mismatch).
    async fn admit_alone(&self, request: &Request) -> Answer {
        let alone = std::slice::from_ref(request);
        let mut answers = match self.admit_retrying(alone).await {
            Err(e) if unique_violation(&e) => self.admit_retrying(alone).await,
            other => other,
        }
        .map_err(StorageError::from)?;
        answers
            .pop()
            .unwrap_or_else(|| Err(StorageError::new("no answer for a booking").into()))
    }
}

/// Whether the database refused a row because a unique index already holds its key.
fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Whether PostgreSQL rolled the transaction back to break a deadlock (40P01) or for a
/// serialization failure (40001): nothing of it was written, and the same transaction
/// tried again may well go through (PostgreSQL's documentation advises exactly that).
fn rolled_back_to_retry(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")))
}

/// How many times a batch is tried when PostgreSQL rolls it back to break a deadlock.
const TRIES: usize = 3;

impl PgAdmissions {
    /// [`Self::admit_batch`], tried again when PostgreSQL rolled it back to break a deadlock
    /// with another writer (a staff change or a move of the same sessions): no booking is
    /// ever answered before its commit, so trying again books nothing twice.
    async fn admit_retrying(&self, batch: &[Request]) -> Result<Vec<Answer>, sqlx::Error> {
        let mut tries = 1;
        loop {
            match self.admit_batch(batch).await {
                Err(e) if rolled_back_to_retry(&e) && tries < TRIES => {
                    tracing::warn!(
                        tries,
                        "a booking batch was rolled back by a deadlock; trying again"
                    );
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    async fn admit_batch(&self, batch: &[Request]) -> Result<Vec<Answer>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // Every read below has an index made for it, and a sequential scan of `bookings`
        // is never the right plan for them; but a table nothing has analysed gives the
        // planner no statistics, and by its default guess a batch of 50 phones matches a
        // quarter of the table (`phone_hash` is not unique), so it scanned the whole table
        // (docs/postgres-at-scale.md). For this transaction only.
        sqlx::query("SET LOCAL enable_seqscan = off")
            .execute(&mut *tx)
            .await?;
        let phones = distinct(batch, |r| Some(r.booking.phone.as_str().to_owned()));
        sqlx::query(
            "SELECT pg_advisory_xact_lock($1, h) FROM \
             (SELECT DISTINCT hashtext(p) AS h FROM unnest($2::text[]) AS p ORDER BY h) AS phones",
        )
        .bind(PHONE_LOCK_CLASS)
        .bind(&phones)
        .execute(&mut *tx)
        .await?;
        let mut known = Known::default();
        let mut draws = CodeDraws::new(&self.keys, batch);
        while let Some((codes, earlier)) = draws.round() {
            let rows: Vec<KeyedBooking> = sqlx::query_as(super::KEYED_BOOKINGS)
                .bind(&codes)
                .bind(&earlier)
                .fetch_all(&mut *tx)
                .await?;
            draws.found(&mut known, rows);
        }
        // Read by the phones' keyed hashes, which outlive erasure (no-shows count for months).
        let by_hash: HashMap<String, &String> =
            phones.iter().map(|p| (self.keys.phone(p), p)).collect();
        let hashes: Vec<&String> = by_hash.keys().collect();
        let held: Vec<(String, i64, NaiveDate, i64, Name<BookingStatus>)> =
            sqlx::query_as(super::PHONES_HELD)
                .bind(&hashes)
                .fetch_all(&mut *tx)
                .await?;
        for (hash, session, day, people, status) in held {
            if let (Some(phone), Some(h)) = (
                by_hash.get(&hash),
                Held::of(session, day, people, status.0)?,
            ) {
                known.phones.entry((*phone).clone()).or_default().push(h);
            }
        }

        // From here to commit, these sessions' other bookings wait; their rows' queue lengths
        // (kept by triggers) hold until then too.
        let ids = distinct(batch, |r| Some(r.booking.session_id));
        let sessions: Vec<SessionRow> = sqlx::query_as(&format!(
            "{SESSION_SELECT} WHERE s.id = ANY($1) ORDER BY s.id FOR UPDATE OF s"
        ))
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        known.sessions = sessions.into_iter().map(|s| (s.id, s)).collect();
        let plan = decide(&mut known, batch);
        let mut ids = HashMap::new();
        if !plan.inserts.is_empty() {
            let rows = &plan.inserts;
            let column = |f: &dyn Fn(&super::super::admission::NewBooking) -> String| {
                rows.iter().map(f).collect::<Vec<String>>()
            };
            let session_ids: Vec<i64> = rows.iter().map(|b| b.session_id).collect();
            let adults: Vec<i64> = rows.iter().map(|b| i64::from(b.adults)).collect();
            let children: Vec<i64> = rows.iter().map(|b| i64::from(b.children)).collect();
            let days: Vec<NaiveDate> = rows.iter().map(|b| b.session_day).collect();
            let stamps: Vec<NaiveDateTime> = rows.iter().map(|b| b.stamp).collect();
            let keys: Vec<Option<String>> =
                rows.iter().map(|b| b.idempotency_key.clone()).collect();
            let digests: Vec<Option<String>> =
                rows.iter().map(|b| b.request_digest.clone()).collect();
            let written: Vec<(i64, String)> = sqlx::query_as(
                "INSERT INTO bookings (session_id, code, name, phone, adults, children, status, session_day, booked_at, consent_at, code_key, request_digest, phone_hash, lang) \
                 SELECT session_id, code, name, phone, adults, children, status, session_day, stamp, stamp, key, digest, phone_hash, lang \
                 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], \
                   $7::text[], $8::date[], $9::timestamp[], $10::text[], $11::text[], $12::text[], $13::text[]) WITH ORDINALITY \
                   AS t(session_id, code, name, phone, adults, children, status, session_day, stamp, key, digest, phone_hash, lang, n) \
                 ORDER BY n RETURNING id, code",
            )
            .bind(&session_ids)
            .bind(column(&|b| b.code.clone()))
            .bind(column(&|b| b.name.clone()))
            .bind(column(&|b| b.phone.clone()))
            .bind(&adults)
            .bind(&children)
            .bind(column(&|b| b.status.as_str().to_owned()))
            .bind(&days)
            .bind(&stamps)
            .bind(&keys)
            .bind(&digests)
            .bind(column(&|b| self.keys.phone(&b.phone)))
            .bind(column(&|b| b.lang.as_str().to_owned()))
            .fetch_all(&mut *tx)
            .await?;
            ids.extend(written.into_iter().map(|(id, code)| (code, id)));
        }
        if !plan.counters.is_empty() {
            let ids: Vec<i64> = plan.counters.keys().copied().collect();
            let booked: Vec<i64> = plan.counters.values().map(|c| c.0).collect();
            let waiting: Vec<i64> = plan.counters.values().map(|c| c.1).collect();
            sqlx::query(
                "UPDATE sessions SET booked = sessions.booked + d.booked, waiting = sessions.waiting + d.waiting \
                 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(id, booked, waiting) \
                 WHERE sessions.id = d.id",
            )
            .bind(&ids)
            .bind(&booked)
            .bind(&waiting)
            .execute(&mut *tx)
            .await?;
        }
        plan.tell_confirmed(&mut InTx::Postgres(&mut tx), &known, &ids)
            .await?;
        tx.commit().await?;

        let codes = plan.earlier();
        let earlier = if codes.is_empty() {
            Views::default()
        } else {
            read_views(&mut *self.pool.acquire().await?, &codes).await?
        };
        Ok(plan.answers(&known, &earlier, batch))
    }
}

/// The views of bookings made before the batch that its idempotent retries answer with,
/// read after commit, outside the locks.
async fn read_views(conn: &mut PgConnection, codes: &[&str]) -> Result<Views, sqlx::Error> {
    let bookings: Vec<BookingRow> =
        sqlx::query_as(&format!("{BOOKING_SELECT} WHERE b.code = ANY($1)"))
            .bind(codes)
            .fetch_all(&mut *conn)
            .await?;
    let (ids, waiting) = Views::wanted(&bookings);
    let sessions = sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.id = ANY($1)"))
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
    let positions = if waiting {
        let queues: Vec<i64> = bookings
            .iter()
            .filter(|b| b.status() == BookingStatus::Waitlisted)
            .map(|b| b.session_id)
            .collect();
        sqlx::query_as(QUEUE_PLACES)
            .bind(codes)
            .bind(&queues)
            .fetch_all(&mut *conn)
            .await?
    } else {
        Vec::new()
    };
    Views::new(bookings, sessions, positions)
}

/// `(code, place in the queue)` of the waiting bookings among `$1`, whose sessions are `$2`:
/// each session's queue is read once, in order, by `bookings_session`, however many of them
/// wait in it. Only bookings made before the batch, that an idempotent retry answers with,
/// are placed this way; a new booking's place comes from its session's `queue_length`.
const QUEUE_PLACES: &str = "SELECT q.code, q.place FROM (\
    SELECT w.code, row_number() OVER (PARTITION BY w.session_id ORDER BY w.id) AS place \
    FROM bookings w WHERE w.session_id = ANY($2) AND w.status = 'waitlisted') AS q \
    WHERE q.code = ANY($1)";
