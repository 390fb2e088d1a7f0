//! Group commit for bookings. When booking opens, a thousand requests for one session arrive
//! at once, and each used to be a write transaction of its own, queued on the session's
//! lock: the last caller waited for a thousand commits. Here the requests wait in a queue
//! instead, and a writer takes everything waiting as one batch: it reads what the batch's
//! decisions depend on (sessions, the bookings of earlier requests with the same
//! idempotency keys, found by the codes those keys draw, the phones' bookings) in a few
//! statements, decides each request in arrival order exactly as if they had come one after
//! another ([`decide`]), writes the new bookings and counters and commits once, then answers
//! every caller with its own outcome: the holder's view of its booking, made from what the
//! batch read and wrote (nothing is read back but the bookings an idempotent retry answers
//! with; a new waiting booking's place comes from its session row's queue length, which
//! the database keeps).
//!
//! Capacity stays safe for the same reason as before: a batch is one transaction under the
//! same lock a single booking took (SQLite's one writer connection; PostgreSQL's session row
//! locks), and within the batch the decisions see each other's effects. When a batch fails
//! as a whole (a storage error, a unique index another process won), every request in it is
//! tried again on its own, so one bad request cannot fail its neighbours.

use super::db::InTx;
use super::outbox::{self, FactsRow};
use super::rows::{count, BookingRow, Holding, SessionRow};
use super::{BookingContext, BookingError, StorageError};
use async_trait::async_trait;
use chrono::{NaiveDate, NaiveDateTime, Timelike};
use labday_domain::booking::{self, BookingStatus, ValidBooking};
use labday_domain::message::BookingEvent;
use labday_domain::{BookingView, ErrorCode};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Most requests admitted in one transaction. Enough to take a whole opening wave in a
/// handful of commits; small enough that one batch's statements stay short.
pub(super) const MOST_PER_BATCH: usize = 256;

/// Requests that may wait for a writer. A caller that finds the queue full is answered
/// `unavailable` (503) at once rather than held: when the database is locked or PostgreSQL
/// restarts, the queue fills, and waiting callers would only pile up until they time out.
/// At a batch of 256 per commit this is a few seconds of work for a healthy database.
const QUEUE_LENGTH: usize = 8192;

/// One booking request and its context.
pub struct Request {
    pub booking: ValidBooking,
    pub ctx: BookingContext,
}

/// One caller's answer.
pub type Answer = Result<BookingView, BookingError>;

/// What a database does with a batch.
#[async_trait]
pub(crate) trait BatchWriter: Send + Sync + 'static {
    /// Admits `batch` in one transaction: one answer per request, in order. `Err` means the
    /// transaction failed as a whole and nothing of it was kept.
    async fn admit(&self, batch: &[Request]) -> Result<Vec<Answer>, StorageError>;

    /// One request on its own, after its batch failed as a whole.
    async fn admit_alone(&self, request: &Request) -> Answer {
        match self.admit(std::slice::from_ref(request)).await {
            Ok(mut answers) => answers
                .pop()
                .unwrap_or_else(|| Err(StorageError::new("no answer for a booking").into())),
            Err(e) => Err(e.into()),
        }
    }
}

/// Admits a batch, and when it fails as a whole, each of its requests on its own.
pub(super) async fn admit_each(writer: &dyn BatchWriter, batch: &[Request]) -> Vec<Answer> {
    match writer.admit(batch).await {
        Ok(answers) if answers.len() == batch.len() => answers,
        Ok(_) => vec_of_errors(batch.len(), "a batch lost answers"),
        Err(e) if batch.len() == 1 => {
            vec![with_fresh_codes(writer, &batch[0], Err(e.into())).await]
        }
        Err(e) => {
            tracing::warn!(error = %e, size = batch.len(), "booking batch failed; admitting one by one");
            let mut answers = Vec::with_capacity(batch.len());
            for request in batch {
                let alone = writer.admit_alone(request).await;
                answers.push(with_fresh_codes(writer, request, alone).await);
            }
            answers
        }
    }
}

/// How many codes a request is tried with. Codes are 8 characters of 30, so among hundreds
/// of thousands of bookings two can draw the same one (the bench met it three times in about
/// 4 million bookings); the booking's unique index refuses the second, and the same request
/// goes through with a fresh code: a random one, or for a request with an Idempotency-Key
/// its key's next draw, which the next try reads ([`CodeDraws`]).
const CODE_TRIES: usize = 3;

/// `answer`, the request's answer on its own; when a unique index refused its code, the
/// answer with a fresh code instead.
async fn with_fresh_codes(writer: &dyn BatchWriter, request: &Request, answer: Answer) -> Answer {
    let mut answer = answer;
    for _ in 1..CODE_TRIES {
        if !matches!(&answer, Err(BookingError::Storage(e)) if e.taken()) {
            break;
        }
        let again = Request {
            booking: request.booking.clone(),
            ctx: BookingContext {
                code: crate::codes::fresh(),
                ..request.ctx.clone()
            },
        };
        answer = writer.admit_alone(&again).await;
    }
    answer
}

fn vec_of_errors(n: usize, why: &str) -> Vec<Answer> {
    (0..n).map(|_| Err(StorageError::new(why).into())).collect()
}

struct Pending {
    request: Request,
    reply: oneshot::Sender<Answer>,
}

/// The queue in front of a database's booking writers.
pub(crate) struct Desk {
    queue: mpsc::Sender<Pending>,
}

impl Desk {
    /// Starts `writers` tasks that take batches off one queue. SQLite has one writer
    /// connection, so one task; PostgreSQL can overlap a batch's reads with another's
    /// commit. The tasks end when the desk is dropped.
    pub(super) fn open(writer: Arc<dyn BatchWriter>, writers: usize) -> Desk {
        Desk::with_queue(writer, writers, QUEUE_LENGTH)
    }

    /// As [`Desk::open`], with room for `queue_length` waiting requests.
    fn with_queue(writer: Arc<dyn BatchWriter>, writers: usize, queue_length: usize) -> Desk {
        let (queue, receiver) = mpsc::channel(queue_length.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..writers.max(1) {
            let writer = writer.clone();
            let receiver = receiver.clone();
            tokio::spawn(async move {
                while let Some(batch) = next_batch(&receiver).await {
                    // Each batch in a task of its own: a panic (a bug; overflow checks are on
                    // in release builds) fails that batch's callers, not every booking after.
                    let writer = writer.clone();
                    let admitted = tokio::spawn(async move {
                        let (requests, replies): (Vec<Request>, Vec<_>) =
                            batch.into_iter().map(|p| (p.request, p.reply)).unzip();
                        let answers = admit_each(writer.as_ref(), &requests).await;
                        for (reply, answer) in replies.into_iter().zip(answers) {
                            // A caller that went away (client disconnected) needs no answer.
                            let _ = reply.send(answer);
                        }
                    })
                    .await;
                    if admitted.is_err() {
                        tracing::error!("a booking batch panicked; its callers were answered 500");
                    }
                }
            });
        }
        Desk { queue }
    }

    /// Queues one request and waits for its answer; `unavailable` when the queue is full.
    pub(super) async fn book(&self, booking: ValidBooking, ctx: BookingContext) -> Answer {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            request: Request { booking, ctx },
            reply,
        };
        match self.queue.try_send(pending) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("booking queue full; answering unavailable");
                return Err(BookingError::Refused(ErrorCode::Unavailable));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Err(StorageError::new("the booking writer has stopped").into());
            }
        }
        answer.await.unwrap_or_else(|_| {
            Err(StorageError::new("the booking writer dropped a request").into())
        })
    }
}

/// Everything waiting now (at least one request), up to a batch's worth; `None` when the
/// desk is gone. Nothing waits for a batch to fill: a lone request is admitted at once, and
/// requests arriving while a batch commits form the next one.
async fn next_batch(receiver: &Mutex<mpsc::Receiver<Pending>>) -> Option<Vec<Pending>> {
    let mut receiver = receiver.lock().await;
    let first = receiver.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MOST_PER_BATCH {
        match receiver.try_recv() {
            Ok(p) => batch.push(p),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// One of a phone number's bookings that a decision depends on.
#[derive(Debug, Clone)]
pub(super) struct Held {
    pub session_id: i64,
    pub day: NaiveDate,
    pub people: u32,
    /// A no-show (counts towards the pause) rather than a booking holding places.
    pub no_show: bool,
}

impl Held {
    /// From a bookings row's status; `None` for a cancelled booking (it matters to no rule), an error
    /// for a party size no booking can have.
    pub(super) fn of(
        session_id: i64,
        day: NaiveDate,
        people: i64,
        status: BookingStatus,
    ) -> Result<Option<Held>, sqlx::Error> {
        let no_show = match status {
            BookingStatus::Confirmed | BookingStatus::Waitlisted | BookingStatus::CheckedIn => {
                false
            }
            BookingStatus::NoShow => true,
            BookingStatus::Cancelled => return Ok(None),
        };
        Ok(Some(Held {
            session_id,
            day,
            people: count(people)?,
            no_show,
        }))
    }
}

/// What the database holds that a batch's decisions depend on, read at the start of its
/// transaction and updated as each decision is made.
#[derive(Default)]
pub(super) struct Known {
    pub sessions: HashMap<i64, SessionRow>,
    /// Idempotency key → (booking code, request digest).
    pub keys: HashMap<String, (String, Option<String>)>,
    /// Idempotency key with no booking yet → the code its booking takes ([`CodeDraws`]).
    pub drawn: HashMap<String, String>,
    /// Idempotency keys whose every draw another booking holds: refused as used.
    pub spent: HashSet<String>,
    /// Phone → its bookings that hold places, and its no-shows.
    pub phones: HashMap<String, Vec<Held>>,
}

/// A booking row found by a code a key drew, or by a key from before codes were drawn:
/// `(its key's hash, if it still has one; code; request digest)`.
pub(super) type KeyedBooking = (Option<String>, String, Option<String>);

/// How many codes a key draws. With a million bookings in the table a draw is held by
/// another booking about once in 660,000 (10^6 of 30^8 codes), so second draws happen;
/// three held in a row, about once in 10^17. A key also draws on when its own booking was
/// erased (which clears the key but keeps the code), so a key sent again after three
/// erasures is refused as used (`idempotency_mismatch`), rather than booked with a code its
/// retry could not find.
const DRAWS: u8 = 3;

/// The search for the batch's idempotency keys' bookings, by the codes those keys draw
/// ([`KeyedHash::booking_code`](crate::keyed_hash::KeyedHash::booking_code)). A key's
/// booking holds the first of its codes that no other booking held when it was made, and
/// bookings are never deleted (erasure keeps the row and its code), so reading the draws in
/// order finds it: a draw held by a booking of this key is its booking; a draw nobody holds
/// means the key has none (and the new booking takes that draw); a draw held by another
/// booking (or by an erased one, whose key is gone) sends the key on to its next. Keys of
/// bookings made before codes were drawn are looked up as keys, in the first round. Each
/// database reads the rows of each round's codes and hands them to [`CodeDraws::found`];
/// one round almost always settles every key.
pub(super) struct CodeDraws<'a> {
    hasher: &'a crate::keyed_hash::KeyedHash,
    draw: u8,
    /// Keys not yet settled, each with the code it draws this round.
    open: HashMap<String, String>,
}

impl<'a> CodeDraws<'a> {
    /// The search for the keys of `batch`.
    pub fn new(hasher: &'a crate::keyed_hash::KeyedHash, batch: &[Request]) -> CodeDraws<'a> {
        let open = distinct(batch, |r| {
            r.ctx.idempotency.as_ref().map(|(k, _)| k.clone())
        })
        .into_iter()
        .map(|key| {
            let code = hasher.booking_code(&key, 0).as_str().to_owned();
            (key, code)
        })
        .collect();
        CodeDraws {
            hasher,
            draw: 0,
            open,
        }
    }

    /// The codes to read this round, and the keys to look up among bookings made before
    /// codes were drawn (first round only); `None` once every key is settled.
    pub fn round(&self) -> Option<(Vec<&str>, Vec<&str>)> {
        if self.open.is_empty() {
            return None;
        }
        let codes = self.open.values().map(String::as_str).collect();
        let earlier = if self.draw == 0 {
            self.open.keys().map(String::as_str).collect()
        } else {
            Vec::new()
        };
        Some((codes, earlier))
    }

    /// Settles what this round's rows tell, and draws again for the keys whose code another
    /// booking holds. A key still open after its last draw is spent.
    pub fn found(&mut self, known: &mut Known, rows: Vec<KeyedBooking>) {
        let mut held = HashSet::new();
        for (key, code, digest) in rows {
            if let Some(key) = key.filter(|k| self.open.contains_key(k)) {
                self.open.remove(&key);
                known.keys.insert(key, (code.clone(), digest));
            }
            held.insert(code);
        }
        let (free, taken): (Vec<_>, Vec<_>) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|(_, code)| !held.contains(code));
        known.drawn.extend(free);
        self.draw += 1;
        if self.draw < DRAWS {
            self.open = taken
                .into_iter()
                .map(|(key, _)| {
                    let code = self
                        .hasher
                        .booking_code(&key, self.draw)
                        .as_str()
                        .to_owned();
                    (key, code)
                })
                .collect();
        } else {
            known.spent.extend(taken.into_iter().map(|(key, _)| key));
        }
    }
}

/// A booking to insert.
#[derive(Debug, Clone)]
pub(super) struct NewBooking {
    pub session_id: i64,
    pub code: String,
    pub name: String,
    pub phone: String,
    pub adults: u32,
    pub children: u32,
    pub status: BookingStatus,
    pub session_day: NaiveDate,
    pub stamp: NaiveDateTime,
    pub idempotency_key: Option<String>,
    pub request_digest: Option<String>,
    /// The language its messages are written in.
    pub lang: labday_domain::message::Lang,
}

/// What a batch does: for each request the code of the booking to answer with (new or
/// earlier) or a refusal; the rows to insert, in order; and each session's counter moves
/// (people added to `booked`, to `waiting`).
#[derive(Debug, Default)]
pub(super) struct Plan {
    pub outcomes: Vec<Result<String, ErrorCode>>,
    pub inserts: Vec<NewBooking>,
    pub counters: BTreeMap<i64, (i64, i64)>,
}

impl Plan {
    /// Writes the confirmation messages of the bookings this batch confirms, inside the
    /// batch's transaction (waiting ones hear when they are promoted), from what the batch
    /// holds: the sessions as read (`known`) and the new bookings' ids, by code, as the
    /// insert returned them.
    pub(super) async fn tell_confirmed(
        &self,
        tx: &mut InTx<'_>,
        known: &Known,
        ids: &HashMap<String, i64>,
    ) -> Result<(), sqlx::Error> {
        let lost =
            |what: &str| sqlx::Error::Protocol(format!("a new booking's {what} is not known"));
        let confirmed = self
            .inserts
            .iter()
            .filter(|b| b.status == BookingStatus::Confirmed)
            .map(|b| {
                let s = known
                    .sessions
                    .get(&b.session_id)
                    .ok_or_else(|| lost("session"))?;
                let id = *ids.get(&b.code).ok_or_else(|| lost("id"))?;
                Ok(FactsRow::written(id, &b.code, &b.phone, b.lang, s))
            })
            .collect::<Result<Vec<FactsRow>, sqlx::Error>>()?;
        if !confirmed.is_empty() {
            outbox::tell_written(tx, BookingEvent::Confirmed, &confirmed, chrono::Utc::now())
                .await?;
        }
        Ok(())
    }

    /// The codes answered that this batch did not write: bookings made earlier with the same
    /// idempotency key, whose views are read from the database ([`Views`]).
    pub(super) fn earlier(&self) -> Vec<&str> {
        let new: HashSet<&str> = self.inserts.iter().map(|b| b.code.as_str()).collect();
        self.outcomes
            .iter()
            .filter_map(|o| o.as_deref().ok())
            .filter(|code| !new.contains(code))
            .collect()
    }

    /// Each request's answer: its refusal, or the holder's view of its booking. A booking
    /// this batch wrote is shown from what it wrote and the session as the batch left it
    /// (`known`, after [`decide`]), with its place after the bookings its queue held before
    /// the batch (the session row's `queue_length`, read before the insert); an earlier one
    /// from `earlier`.
    pub(super) fn answers(self, known: &Known, earlier: &Views, batch: &[Request]) -> Vec<Answer> {
        let mut queues: HashMap<i64, u32> = HashMap::new();
        let mut new: HashMap<&str, (&NewBooking, Option<u32>)> = HashMap::new();
        for b in &self.inserts {
            let place = (b.status == BookingStatus::Waitlisted).then(|| {
                let ahead = queues.entry(b.session_id).or_insert_with(|| {
                    known
                        .sessions
                        .get(&b.session_id)
                        .map_or(0, |s| s.queue_length)
                });
                *ahead = ahead.saturating_add(1);
                *ahead
            });
            new.insert(b.code.as_str(), (b, place));
        }
        self.outcomes
            .iter()
            .zip(batch)
            .map(|(outcome, request)| match outcome {
                Err(code) => Err(BookingError::Refused(*code)),
                Ok(code) => match new.get(code.as_str()) {
                    Some((b, place)) => {
                        let s = known.sessions.get(&b.session_id).ok_or_else(vanished)?;
                        Ok(b.holding().view(s, *place, request.ctx.now))
                    }
                    None => earlier.view(code, request.ctx.now),
                },
            })
            .collect()
    }
}

fn vanished() -> BookingError {
    BookingError::Storage(StorageError::new("booking vanished"))
}

impl NewBooking {
    /// The holder's view's part of it, as written.
    fn holding(&self) -> Holding<'_> {
        Holding {
            code: &self.code,
            name: Some(&self.name),
            phone: Some(&self.phone),
            adults: self.adults,
            children: self.children,
            status: self.status,
            booked_at: self.stamp,
        }
    }
}

/// Decides each request in order, as if each had been its own transaction after the one
/// before: a later request sees an earlier one's places, phone and idempotency key.
pub(super) fn decide(known: &mut Known, requests: &[Request]) -> Plan {
    let mut plan = Plan::default();
    for request in requests {
        let outcome = decide_one(known, request, &mut plan);
        plan.outcomes.push(outcome);
    }
    plan
}

fn decide_one(
    known: &mut Known,
    Request { booking, ctx }: &Request,
    plan: &mut Plan,
) -> Result<String, ErrorCode> {
    if let Some((key, digest)) = &ctx.idempotency {
        if let Some((code, earlier_digest)) = known.keys.get(key) {
            if earlier_digest.as_deref() != Some(digest.as_str()) {
                return Err(ErrorCode::IdempotencyMismatch);
            }
            return Ok(code.clone());
        }
        if known.spent.contains(key) {
            return Err(ErrorCode::IdempotencyMismatch);
        }
    }
    let session = known
        .sessions
        .get_mut(&booking.session_id)
        .ok_or(ErrorCode::NotFound)?;
    let local_now = session.local_now(ctx.now);
    let phone = booking.phone.as_str();
    let day = session.starts_at.date();
    let held = known.phones.entry(phone.to_owned()).or_default();
    let status = booking::decide(
        &booking::Snapshot {
            session: &session.facts(),
            phone: &phone_facts(held, session.id, day),
            rules: ctx.rules(),
            now: local_now,
        },
        booking.party,
    )?;
    let people = booking.party.people();
    let moves = plan.counters.entry(session.id).or_default();
    // `admit` confirmed only if `booked + people <= capacity`, so `booked` cannot saturate;
    // `waiting` has no bound but the database's, which refuses what would pass it.
    if status == BookingStatus::Confirmed {
        session.booked = session.booked.saturating_add(people);
        moves.0 = moves.0.saturating_add(i64::from(people));
    } else {
        session.waiting = session.waiting.saturating_add(people);
        moves.1 = moves.1.saturating_add(i64::from(people));
    }
    held.push(Held {
        session_id: session.id,
        day,
        people,
        no_show: false,
    });
    let (key, digest) = ctx.idempotency.clone().unzip();
    // A key's code is the one it drew, so that its retry finds the booking by its code
    // (a key that drew none is spent, refused above).
    let code = key
        .as_ref()
        .and_then(|k| known.drawn.remove(k))
        .unwrap_or_else(|| ctx.code.as_str().to_owned());
    if let (Some(key), Some(digest)) = (&key, &digest) {
        known
            .keys
            .insert(key.clone(), (code.clone(), Some(digest.clone())));
    }
    plan.inserts.push(NewBooking {
        session_id: session.id,
        code: code.clone(),
        name: booking.name.as_str().to_owned(),
        phone: phone.to_owned(),
        adults: booking.party.adults(),
        children: booking.party.children(),
        status,
        session_day: day,
        stamp: local_now.with_nanosecond(0).unwrap_or(local_now),
        idempotency_key: key,
        request_digest: digest,
        lang: booking.lang,
    });
    Ok(code)
}

/// What the rules need of a phone's bookings, for a booking in `session` on `day`.
pub(super) fn phone_facts(held: &[Held], session: i64, day: NaiveDate) -> booking::PhoneFacts {
    // Summed wide; a total beyond u32 is over any limit, which pinning at u32::MAX keeps.
    let that_day: u64 = held
        .iter()
        .filter(|h| !h.no_show && h.day == day)
        .map(|h| u64::from(h.people))
        .sum();
    booking::PhoneFacts {
        holds_this_session: held.iter().any(|h| !h.no_show && h.session_id == session),
        people_that_day: u32::try_from(that_day).unwrap_or(u32::MAX),
        no_show_days: held.iter().filter(|h| h.no_show).map(|h| h.day).collect(),
    }
}

/// `(code, place in the queue)` of waiting bookings; each database appends which codes.
pub(super) const QUEUE_PLACES: &str = "SELECT b.code, 1 + (SELECT COUNT(*) FROM bookings w \
    WHERE w.session_id = b.session_id AND w.status = 'waitlisted' AND w.id < b.id) \
    FROM bookings b WHERE b.status = 'waitlisted'";

/// The rows behind the holders' views of bookings made before the batch (an idempotent
/// retry answers with one), read in up to three statements.
#[derive(Default)]
pub(super) struct Views {
    pub(super) bookings: HashMap<String, BookingRow>,
    pub(super) sessions: HashMap<i64, SessionRow>,
    pub(super) positions: HashMap<String, u32>,
}

impl Views {
    /// From the bookings, their sessions and the waiting ones' places in the queue; `sessions` and `positions` are read with what [`Views::wanted`] says.
    pub(super) fn new(
        bookings: Vec<BookingRow>,
        sessions: Vec<SessionRow>,
        positions: Vec<(String, i64)>,
    ) -> Result<Views, sqlx::Error> {
        Ok(Views {
            positions: positions
                .into_iter()
                .map(|(code, p)| Ok((code, count(p)?)))
                .collect::<Result<_, sqlx::Error>>()?,
            bookings: bookings.into_iter().map(|b| (b.code.clone(), b)).collect(),
            sessions: sessions.into_iter().map(|s| (s.id, s)).collect(),
        })
    }

    /// What else to read for `bookings`: their sessions' ids, and whether any waits (so
    /// its place in the queue is needed).
    pub(super) fn wanted(bookings: &[BookingRow]) -> (Vec<i64>, bool) {
        let mut ids: Vec<i64> = bookings.iter().map(|b| b.session_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let waiting = bookings
            .iter()
            .any(|b| b.status() == BookingStatus::Waitlisted);
        (ids, waiting)
    }

    pub(super) fn view(&self, code: &str, now: chrono::DateTime<chrono::Utc>) -> Answer {
        let b = self.bookings.get(code).ok_or_else(vanished)?;
        let s = self.sessions.get(&b.session_id).ok_or_else(vanished)?;
        let position = (b.status() == BookingStatus::Waitlisted)
            .then(|| self.positions.get(code).copied().unwrap_or(1));
        Ok(b.holding().view(s, position, now))
    }
}

/// The distinct values of `f` over the batch, for the statements that read what it needs.
pub(super) fn distinct<T: Ord + Clone>(
    requests: &[Request],
    f: impl Fn(&Request) -> Option<T>,
) -> Vec<T> {
    let mut values: Vec<T> = requests.iter().filter_map(f).collect();
    values.sort();
    values.dedup();
    values
}

#[cfg(test)]
mod desk_tests {
    use super::*;
    use labday_domain::booking::{BookingCode, BookingRequest, NoShowPolicy};
    use std::time::Duration;

    /// A writer that tells when it has taken a batch, then holds it until released, as a
    /// database that is locked would; then refuses every request.
    struct Stuck {
        started: mpsc::UnboundedSender<usize>,
        release: tokio::sync::Semaphore,
    }

    #[async_trait]
    impl BatchWriter for Stuck {
        async fn admit(&self, batch: &[Request]) -> Result<Vec<Answer>, StorageError> {
            let _ = self.started.send(batch.len());
            let _held = self.release.acquire().await;
            Ok(batch
                .iter()
                .map(|_| Err(BookingError::Refused(ErrorCode::WindowClosed)))
                .collect())
        }
    }

    fn request(i: u8) -> (ValidBooking, BookingContext) {
        let booking = BookingRequest {
            session_id: 1,
            name: "张三".into(),
            phone: format!("1380013800{}", i % 10),
            adults: 1,
            children: 0,
            consent: true,
            lang: Default::default(),
            phone_token: None,
        }
        .validate(5)
        .expect("a valid booking");
        let ctx = BookingContext {
            now: chrono::Utc::now(),
            daily_limit: 5,
            no_show: NoShowPolicy::default(),
            code: BookingCode::from_random([i; labday_domain::booking::CODE_LEN]),
            idempotency: None,
        };
        (booking, ctx)
    }

    #[test]
    fn each_key_settles_on_its_booking_or_on_the_first_code_nobody_holds() {
        use crate::keyed_hash::{KeyedHash, ServerSecret};
        let hasher = KeyedHash::new(&ServerSecret::generate());
        let keyed = |i: u8, key: &str| {
            let (booking, mut ctx) = request(i);
            ctx.idempotency = Some((key.to_owned(), format!("digest-{key}")));
            Request { booking, ctx }
        };
        let batch = [keyed(0, "a"), keyed(1, "b"), keyed(2, "c"), keyed(3, "a")];
        let code = |key: &str, draw: u8| hasher.booking_code(key, draw).as_str().to_owned();
        let mut draws = CodeDraws::new(&hasher, &batch);
        let (mut codes, mut earlier) = draws.round().expect("three keys to settle");
        codes.sort_unstable();
        earlier.sort_unstable();
        let mut first = vec![code("a", 0), code("b", 0), code("c", 0)];
        first.sort_unstable();
        assert_eq!(codes, first, "one code a key, the same key once");
        assert_eq!(earlier, ["a", "b", "c"]);
        let mut known = Known::default();
        // a's first code is another key's booking, b's is b's own, c's is free.
        draws.found(
            &mut known,
            vec![
                (Some("z".into()), code("a", 0), None),
                (Some("b".into()), code("b", 0), Some("digest-b".into())),
            ],
        );
        assert_eq!(
            known.keys.get("b"),
            Some(&(code("b", 0), Some("digest-b".to_owned())))
        );
        assert_eq!(known.drawn.get("c"), Some(&code("c", 0)));
        let (codes, earlier) = draws.round().expect("a draws again");
        assert_eq!((codes, earlier), (vec![code("a", 1).as_str()], vec![]));
        draws.found(&mut known, Vec::new());
        assert_eq!(known.drawn.get("a"), Some(&code("a", 1)));
        assert!(draws.round().is_none(), "every key settled");

        // A key from before codes were drawn is found by the key, whatever its code.
        let mut draws = CodeDraws::new(&hasher, &batch[..1]);
        let mut known = Known::default();
        draws.found(
            &mut known,
            vec![(Some("a".into()), "RANDOM23".into(), None)],
        );
        assert_eq!(known.keys.get("a"), Some(&("RANDOM23".to_owned(), None)));
        assert!(known.drawn.is_empty() && draws.round().is_none());

        // Three codes held: no draw left, and the key is spent.
        let mut draws = CodeDraws::new(&hasher, &batch[..1]);
        let mut known = Known::default();
        for draw in 0..DRAWS {
            draws.found(&mut known, vec![(None, code("a", draw), None)]);
        }
        assert!(known.drawn.is_empty() && known.keys.is_empty() && draws.round().is_none());
        assert!(known.spent.contains("a"));
        let plan = decide(&mut known, &batch[..1]);
        assert_eq!(plan.outcomes, [Err(ErrorCode::IdempotencyMismatch)]);
        assert!(plan.inserts.is_empty(), "a spent key books nothing");
    }

    /// A writer with a bug: it panics on its first batch, then admits nothing but refusals.
    struct PanicsOnce(std::sync::atomic::AtomicBool);

    #[async_trait]
    impl BatchWriter for PanicsOnce {
        async fn admit(&self, batch: &[Request]) -> Result<Vec<Answer>, StorageError> {
            if !self.0.swap(true, std::sync::atomic::Ordering::SeqCst) {
                panic!("a bug in a batch");
            }
            Ok(batch
                .iter()
                .map(|_| Err(BookingError::Refused(ErrorCode::WindowClosed)))
                .collect())
        }
    }

    #[tokio::test]
    async fn a_panicking_batch_fails_its_callers_and_the_desk_goes_on() {
        let desk = Desk::with_queue(
            Arc::new(PanicsOnce(std::sync::atomic::AtomicBool::new(false))),
            1,
            8,
        );
        let (booking, ctx) = request(0);
        assert!(matches!(
            desk.book(booking, ctx).await,
            Err(BookingError::Storage(_))
        ));
        let (booking, ctx) = request(1);
        assert!(
            matches!(
                tokio::time::timeout(Duration::from_secs(5), desk.book(booking, ctx)).await,
                Ok(Err(BookingError::Refused(ErrorCode::WindowClosed)))
            ),
            "the next booking is still decided"
        );
    }

    #[tokio::test]
    async fn a_full_queue_answers_unavailable_at_once_instead_of_holding_the_caller() {
        let (started, mut taken) = mpsc::unbounded_channel();
        let writer = Arc::new(Stuck {
            started,
            release: tokio::sync::Semaphore::new(0),
        });
        let desk = Arc::new(Desk::with_queue(writer.clone(), 1, 2));

        // The writer takes the first request and is stuck on it.
        let first = tokio::spawn({
            let desk = desk.clone();
            async move { desk.book(request(0).0, request(0).1).await }
        });
        assert_eq!(taken.recv().await, Some(1));
        // Two more wait in the queue, which is then full.
        let waiting: Vec<_> = (1..=2)
            .map(|i| {
                let desk = desk.clone();
                tokio::spawn(async move { desk.book(request(i).0, request(i).1).await })
            })
            .collect();
        tokio::time::timeout(Duration::from_secs(5), async {
            while desk.queue.capacity() > 0 {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the two requests queue up");

        // The next caller is not held: it is answered unavailable at once.
        let (booking, ctx) = request(3);
        let shed = tokio::time::timeout(Duration::from_secs(1), desk.book(booking, ctx))
            .await
            .expect("answered without waiting for the stuck writer");
        assert!(
            matches!(shed, Err(BookingError::Refused(ErrorCode::Unavailable))),
            "{shed:?}"
        );
        assert_eq!(
            ErrorCode::Unavailable.http_status(),
            503,
            "which the API answers as 503"
        );

        // The callers already queued are still answered once the writer moves on.
        writer.release.add_permits(10);
        let first = first.await.expect("task");
        assert!(matches!(
            first,
            Err(BookingError::Refused(ErrorCode::WindowClosed))
        ));
        for w in waiting {
            let answer = w.await.expect("task");
            assert!(
                matches!(answer, Err(BookingError::Refused(ErrorCode::WindowClosed))),
                "{answer:?}"
            );
        }
    }
}
