//! The outbox: messages to citizens written in the same transaction as the change they tell
//! of, and read back by the dispatcher (`crate::messages`) to be delivered. Written once for
//! both databases; only the claim differs (PostgreSQL's `SKIP LOCKED`, through the
//! dialect).
//!
//! What a message says is composed by `labday_domain::message`; this module reads the facts
//! it needs inside the transaction and writes the row. A change that should tell someone
//! calls [`booking_event`] (or [`enqueue`] with a message of its own) before committing.

use super::columns::Name;
use super::db::{Dialect, InTx, Listed, Tx};
use super::rows::SessionRow;
use super::{Parts, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use labday_domain::activity::Localised;
use labday_domain::message::{
    booking_message, sample_message, sample_session_cancelled_message,
    sample_session_changed_message, BookingEvent, BookingFacts, Composed, Lang, MessageKind,
    ReminderRule, SampleFacts, SampleSessionChange, SampleSessionFacts, Stale,
};
use labday_domain::sample::{outcome, Judgement, Outcome, Variety};
use labday_domain::{BookingStatus, SessionFormat};

/// One message on its way into the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Unique: a second message with the same key is not written.
    pub key: String,
    pub booking_id: Option<i64>,
    pub sample_id: Option<i64>,
    pub phone: String,
    pub message: Composed,
    /// When to send it first (UTC).
    pub send_at: NaiveDateTime,
    /// Not delivered by then (UTC), it is no longer worth sending.
    pub expires_at: NaiveDateTime,
}

const INSERT_MANY: &str = "INSERT INTO outbox (message_key, booking_id, sample_id, kind, phone, \
    lang, params, text, status, attempts, created_at, next_attempt_at, expires_at) ";

/// Writes one message inside the caller's transaction; false when a message with its key
/// was already there. For any change that must tell a citizen (a reschedule, say): build
/// the [`Outgoing`] and call this before committing.
pub async fn enqueue(tx: &mut Tx, message: &Outgoing) -> Result<bool, sqlx::Error> {
    write(&mut tx.inside(), message).await
}

async fn write(tx: &mut InTx<'_>, m: &Outgoing) -> Result<bool, sqlx::Error> {
    Ok(write_many(tx, std::slice::from_ref(m)).await? > 0)
}

/// `INSERT_MANY`'s rows as SQLite reads them: one flat JSON list of [`FIELDS`] scalars a
/// message, in [`FIELDS`]' order. Not a list of objects: `json_each` renders an object's text
/// anew each time its row names `value`, and each `->> 'field'` parses it again (the same
/// reason as the bookings' insert in `sqlite/admit.rs`; measured in BENCHMARKS.md).
const MANY_SQLITE: &str = "SELECT \
      max(CASE WHEN key % 11 = 0 THEN value END), max(CASE WHEN key % 11 = 1 THEN value END), \
      max(CASE WHEN key % 11 = 2 THEN value END), max(CASE WHEN key % 11 = 3 THEN value END), \
      max(CASE WHEN key % 11 = 4 THEN value END), max(CASE WHEN key % 11 = 5 THEN value END), \
      max(CASE WHEN key % 11 = 6 THEN value END), max(CASE WHEN key % 11 = 7 THEN value END), \
      'pending', 0, \
      max(CASE WHEN key % 11 = 8 THEN value END), max(CASE WHEN key % 11 = 9 THEN value END), \
      max(CASE WHEN key % 11 = 10 THEN value END) \
    FROM json_each(?) WHERE true GROUP BY key / 11 ORDER BY key / 11";
/// `INSERT_MANY`'s rows as PostgreSQL reads them: one JSON object a message, named by
/// [`FIELDS`].
const MANY_POSTGRES: &str = "SELECT key, booking_id, sample_id, kind, phone, lang, params, \
    text, 'pending', 0, created_at, send_at, expires_at \
    FROM json_to_recordset(?::json) AS m(key text, booking_id bigint, sample_id bigint, \
    kind text, phone text, lang text, params text, text text, created_at timestamp, \
    send_at timestamp, expires_at timestamp)";

/// What a message's row is written from, in `INSERT_MANY`'s order (its status and attempts
/// left out: every new message is pending, never tried).
const FIELDS: [&str; 11] = [
    "key",
    "booking_id",
    "sample_id",
    "kind",
    "phone",
    "lang",
    "params",
    "text",
    "created_at",
    "send_at",
    "expires_at",
];

/// Writes messages inside the caller's transaction in one statement, however many (they
/// travel as one JSON list, so the statement's text never changes and stays prepared); how
/// many were written: one whose key is there already is not.
async fn write_many(tx: &mut InTx<'_>, messages: &[Outgoing]) -> Result<u64, sqlx::Error> {
    use serde_json::{json, Value};
    if messages.is_empty() {
        return Ok(0);
    }
    // As each driver binds a NaiveDateTime: SQLite keeps (and compares) sqlx's text, and
    // PostgreSQL keeps microseconds.
    let format = match tx.dialect() {
        Dialect::Sqlite => "%F %T%.f",
        Dialect::Postgres => "%F %T%.6f",
    };
    let time = |t: NaiveDateTime| t.format(format).to_string();
    let created_at = time(Utc::now().naive_utc());
    let rows = messages.iter().map(|m| -> [Value; FIELDS.len()] {
        [
            json!(m.key),
            json!(m.booking_id),
            json!(m.sample_id),
            json!(m.message.kind.as_str()),
            json!(m.phone),
            json!(m.message.lang.as_str()),
            json!(serde_json::to_string(&m.message.params).unwrap_or_else(|_| "[]".into())),
            json!(m.message.text),
            json!(created_at),
            json!(time(m.send_at)),
            json!(time(m.expires_at)),
        ]
    });
    let (list, rows): (Vec<Value>, _) = match tx.dialect() {
        Dialect::Sqlite => (rows.flatten().collect(), MANY_SQLITE),
        Dialect::Postgres => (
            rows.map(|row| Value::Object(FIELDS.map(String::from).into_iter().zip(row).collect()))
                .collect(),
            MANY_POSTGRES,
        ),
    };
    let sql = format!("{INSERT_MANY}{rows} ON CONFLICT (message_key) DO NOTHING");
    tx.query(&sql)
        .bind(Value::Array(list).to_string())
        .execute()
        .await
}

/// Which bookings an event is about.
#[derive(Debug, Clone, Copy)]
pub enum Holders<'a> {
    /// These bookings, by id.
    Ids(&'a [i64]),
    /// These bookings, by code.
    Codes(&'a [&'a str]),
    /// Every booking of this session that holds or waits for a place; with a language, only
    /// those whose holder reads it.
    LiveIn(i64, Option<Lang>),
}

/// `condition` on bookings, and `column = ?` (to bind the language) when only the holders
/// reading `lang` are meant (`Holders::LiveIn`).
fn reading(condition: &str, column: &str, lang: Option<Lang>) -> String {
    match lang {
        Some(_) => format!("{condition} AND {column} = ?"),
        None => condition.to_owned(),
    }
}

/// The facts of a booking's message, with who and when.
const BOOKING_FACTS: &str = "SELECT b.id, b.code, b.phone, b.lang, s.starts_at, \
    s.format, s.place_zh, s.place_en, s.address_zh AS held_at_zh, s.address_en AS held_at_en, \
    a.title_zh, a.title_en, o.utc_offset_minutes \
    FROM bookings b JOIN sessions s ON s.id = b.session_id \
    JOIN activities a ON a.id = s.activity_id JOIN organisations o ON o.id = a.organisation_id \
    WHERE b.phone IS NOT NULL AND ";

/// The kinds of message that give a holder the session's time and place, as a reminder
/// does.
const TOLD_KINDS: &str =
    "'booking_confirmed', 'waitlist_promoted', 'rescheduled', 'session_changed'";

/// `(booking id, session start (venue), venue offset, latest start reminded of (UTC),
/// latest time told (UTC), messages telling it on their way)` of a booking the reminder job
/// looks at.
type Candidate = (
    i64,
    NaiveDateTime,
    i64,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    i64,
);

/// The messages of an erased holder still waiting to go, and not being sent at this moment
/// (a live lease): gone as if never written, as a withdrawn reminder is, so nothing counts
/// them as failed. Followed by `now` and which messages.
const DROP_WAITING: &str = "DELETE FROM outbox WHERE status = 'pending' \
    AND (lease_until IS NULL OR lease_until <= ?) AND ";
/// What erasing a message leaves: no phone, no text, no provider error (which may echo the
/// number in a form the scrub of digit runs misses). One being sent at this moment stays its
/// sender's to record (the provider may have taken it), but expires at once, so a failed
/// try is never tried again. Followed by which messages.
const ERASE_MESSAGE: &str = "UPDATE outbox SET phone = NULL, text = '', params = '[]', \
    last_error = NULL, \
    expires_at = CASE WHEN status = 'pending' THEN created_at ELSE expires_at END \
    WHERE (phone IS NOT NULL OR text <> '') AND ";
/// Which messages [`Outbox::erase_messages`] erases: those of erased bookings and samples.
const OF_ERASED_HOLDERS: &str =
    "(booking_id IN (SELECT id FROM bookings WHERE erased_at IS NOT NULL) \
     OR sample_id IN (SELECT id FROM samples WHERE erased_at IS NOT NULL))";

/// The one booking or sample whose holder erased it.
#[derive(Debug, Clone, Copy)]
pub(super) enum ErasedHolder {
    Booking(i64),
    Sample(i64),
}

/// Erases the messages of one booking or sample its holder erased, in the erasure's
/// transaction, at `now` (UTC, the leases' clock): those waiting go ([`DROP_WAITING`]), the
/// rest lose phone and text ([`ERASE_MESSAGE`]).
pub(super) async fn erase_holder_messages(
    tx: &mut InTx<'_>,
    of: ErasedHolder,
    now: NaiveDateTime,
) -> Result<u64, sqlx::Error> {
    let (column, id) = match of {
        ErasedHolder::Booking(id) => ("booking_id", id),
        ErasedHolder::Sample(id) => ("sample_id", id),
    };
    let sql = format!("{DROP_WAITING}{column} = ?");
    let dropped = tx.query(&sql).bind(now).bind(id).execute().await?;
    let sql = format!("{ERASE_MESSAGE}{column} = ?");
    Ok(dropped + tx.query(&sql).bind(id).execute().await?)
}

/// Ids or codes per statement: well below both databases' limit on bound values.
const PER_STATEMENT: usize = 500;

from_row! {
    /// What a booking's message says and where it goes: read by `BOOKING_FACTS`, or made by
    /// the change that has just written the booking ([`tell_written`]).
    pub(super) struct FactsRow {
        id: i64,
        code: String,
        phone: String,
        lang: Lang,
        starts_at: NaiveDateTime,
        format: SessionFormat,
        place: Localised,
        held_at: Localised,
        title: Localised,
        utc_offset_minutes: i64,
    }
}

/// Where a session is held, as a message names it, and whether that is a street address:
/// its own address when it is held away from its organiser (a quick-test desk at a
/// market), else its place.
fn held_where(place: &Localised, held_at: &Localised) -> (Localised, bool) {
    match held_at.zh.is_empty() {
        true => (place.clone(), false),
        false => (held_at.clone(), true),
    }
}

impl FactsRow {
    /// The facts of booking `id`, just written to `session`, as `BOOKING_FACTS` would read
    /// them back.
    pub(super) fn written(
        id: i64,
        code: &str,
        phone: &str,
        lang: Lang,
        session: &SessionRow,
    ) -> FactsRow {
        FactsRow {
            id,
            code: code.to_owned(),
            phone: phone.to_owned(),
            lang,
            starts_at: session.starts_at,
            format: session.format,
            place: session.place.clone(),
            held_at: session.held_at.clone(),
            title: session.activity_title.clone(),
            utc_offset_minutes: session.utc_offset_minutes,
        }
    }

    /// The session's start as an instant (UTC, naive like every outbox time).
    fn starts_utc(&self) -> NaiveDateTime {
        self.starts_at - Duration::minutes(self.utc_offset_minutes)
    }

    fn facts(&self) -> BookingFacts {
        // An online session is joined by its link, whatever place it names (one taken online
        // may keep its room's): messages say so, and where the link is. One held away from
        // its organiser's gives that address, which is where to go, in place of its place
        // (both would not fit): in English when it has one, else in Chinese, even in an
        // English text (it leaves the GSM alphabet and may take two segments, but a room's
        // English name would send the reader to the wrong building, or town).
        let (place, place_is_address) = match self.format {
            SessionFormat::CloudClassroom => (
                Localised::new(
                    "线上（链接见预约页面）",
                    "online (the link is on your booking page)",
                ),
                false,
            ),
            _ => held_where(&self.place, &self.held_at),
        };
        BookingFacts {
            activity_title: self.title.clone(),
            starts_at: self.starts_at,
            place,
            place_is_address,
            code: self.code.clone(),
        }
    }

    fn outgoing(&self, event: BookingEvent, key: String, send_at: NaiveDateTime) -> Outgoing {
        Outgoing {
            key,
            booking_id: Some(self.id),
            sample_id: None,
            phone: self.phone.clone(),
            message: booking_message(event, self.lang, &self.facts()),
            send_at,
            expires_at: self.starts_utc(),
        }
    }
}

async fn facts_of(tx: &mut InTx<'_>, holders: Holders<'_>) -> Result<Vec<FactsRow>, sqlx::Error> {
    match holders {
        Holders::LiveIn(session, lang) => {
            let live = "b.session_id = ? AND b.status IN ('confirmed', 'waitlisted')";
            let sql = format!(
                "{BOOKING_FACTS}{} ORDER BY b.id",
                reading(live, "b.lang", lang)
            );
            let query = tx.query(&sql).bind(session);
            match lang {
                Some(lang) => query.bind(lang.as_str()).fetch_all().await,
                None => query.fetch_all().await,
            }
        }
        Holders::Ids(ids) => facts_where_in(tx, "b.id", ids, "").await,
        Holders::Codes(codes) => {
            let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
            facts_where_in(tx, "b.code", &codes, "").await
        }
    }
}

/// The facts of the bookings whose `column` is one of `values` (and what `tail` adds), in
/// one statement whatever their number.
async fn facts_where_in<T: Listed>(
    tx: &mut InTx<'_>,
    column: &str,
    values: &[T],
    tail: &str,
) -> Result<Vec<FactsRow>, sqlx::Error> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let list = tx.dialect().json_list(values);
    let sql = format!("{BOOKING_FACTS}{column} IN ({}){tail}", list.subquery);
    tx.query(&sql).bind(list.json).fetch_all().await
}

/// Writes `event`'s message to each of `holders` that left a phone, inside the change's
/// transaction; how many were written. A session's change is told again each time it
/// changes; every other event once per booking. What the event makes untrue of the messages
/// still waiting about the booking (`BookingEvent::makes_stale`: a reminder after a move,
/// say) is withdrawn ([`withdraw_stale`]) or written again ([`rewrite_waiting`]) first.
pub async fn booking_event(
    tx: &mut InTx<'_>,
    event: BookingEvent,
    holders: Holders<'_>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let now = now.naive_utc();
    let rows = facts_of(tx, holders).await?;
    if let Some(stale) = event.makes_stale() {
        withdraw_stale(tx, holders, stale, now).await?;
        rewrite_waiting(tx, &rows, stale).await?;
    }
    let mut outgoing = messages(event, &rows, now);
    if matches!(event, BookingEvent::Moved | BookingEvent::MovedToWaiting) {
        for message in &mut outgoing {
            space_move_texts(tx, message).await?;
        }
    }
    write_many(tx, &outgoing).await
}

/// Texts about one booking's moves go at most one per [`MOVE_TEXT_GAP`]: a move's text is
/// sent no sooner than that after the last one went out (or is going out now, or was last
/// tried), and a move made meanwhile replaces it while it waits (the earlier waiting one is
/// withdrawn), so the holder hears of where the booking is now, once. Moving a booking back
/// and forth (which needs only its code and phone, without verified phones anyone's)
/// cannot text its phone without end. A text the gap would hold past its session's start
/// goes at once: the holder must hear of the move before the session.
pub const MOVE_TEXT_GAP: chrono::Duration = chrono::Duration::minutes(10);

async fn space_move_texts(tx: &mut InTx<'_>, message: &mut Outgoing) -> Result<(), sqlx::Error> {
    // When the last one went, or its send (or last try) began: not when it was written,
    // since a text held by the gap is written long before it goes.
    const LAST_MOVE_TEXT: &str = "SELECT MAX(COALESCE(sent_at, next_attempt_at)) FROM outbox \
        WHERE booking_id = ? AND kind = 'rescheduled'";
    let Some(booking) = message.booking_id else {
        return Ok(());
    };
    let last: Option<NaiveDateTime> = tx.query(LAST_MOVE_TEXT).bind(booking).scalar().await?;
    if let Some(spaced) = last.map(|last| last + MOVE_TEXT_GAP) {
        if spaced > message.send_at && spaced < message.expires_at {
            message.send_at = spaced;
        }
    }
    Ok(())
}

/// Writes `event`'s message to bookings the caller has just written in this transaction,
/// from the facts it holds instead of reading them back: for a batch of new bookings, which
/// have no reminder to withdraw. How many were written.
pub(super) async fn tell_written(
    tx: &mut InTx<'_>,
    event: BookingEvent,
    rows: &[FactsRow],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    write_many(tx, &messages(event, rows, now.naive_utc())).await
}

/// `event`'s message to each of `rows`: a session's change is told again each time it
/// changes; every other event once per booking.
fn messages(event: BookingEvent, rows: &[FactsRow], now: NaiveDateTime) -> Vec<Outgoing> {
    let kind = event.kind().as_str();
    rows.iter()
        .map(|row| {
            let key = match event {
                BookingEvent::Changed | BookingEvent::Moved | BookingEvent::MovedToWaiting => {
                    format!("{kind}:{}:{}", row.id, now.and_utc().timestamp_micros())
                }
                BookingEvent::Reminder => format!("{kind}:{}:{}", row.id, row.starts_at),
                _ => format!("{kind}:{}", row.id),
            };
            row.outgoing(event, key, now)
        })
        .collect()
}

/// `kinds` as an SQL list: `('reminder', 'session_changed')`.
fn kinds_list(kinds: &[MessageKind]) -> String {
    let quoted: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
    format!("({})", quoted.join(", "))
}

/// The messages still waiting to go, of some kinds (appended) and bookings (after them):
/// `(message, booking, kind, the booking's status)`. One being sent at this moment too: its
/// sender holds its own copy of the text, and should this try fail, the next one reads the
/// rewritten text.
const WAITING_NEWS: &str = "SELECT o.id, o.booking_id, o.kind, b.status FROM outbox o \
    JOIN bookings b ON b.id = o.booking_id WHERE o.status = 'pending' AND o.kind IN ";
const REWRITE: &str = "UPDATE outbox SET text = ?, params = ?, expires_at = ? WHERE id = ?";

/// Writes again, with the facts of `rows` as they are now, each message still waiting to go
/// of the `kinds` `stale` rewrites, in the same words (`BookingEvent::told_by`); how many. A
/// confirmation backing off after a failed try then goes out with the new time, whenever it
/// goes.
async fn rewrite_waiting(
    tx: &mut InTx<'_>,
    rows: &[FactsRow],
    stale: Stale,
) -> Result<u64, sqlx::Error> {
    if rows.is_empty() || stale.rewritten().is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let list = tx.dialect().json_list(&ids);
    let kinds = kinds_list(stale.rewritten());
    let sql = format!(
        "{WAITING_NEWS}{kinds} AND o.booking_id IN ({})",
        list.subquery
    );
    let waiting: Vec<(i64, i64, Name<MessageKind>, Name<BookingStatus>)> =
        tx.query(&sql).bind(list.json).fetch_all().await?;
    let mut rewritten = 0;
    for (id, booking, Name(kind), Name(status)) in waiting {
        let Some(row) = rows.iter().find(|r| r.id == booking) else {
            continue;
        };
        let waiting = status == BookingStatus::Waitlisted;
        let Some(event) = BookingEvent::told_by(kind, waiting) else {
            continue;
        };
        let message = booking_message(event, row.lang, &row.facts());
        let params = serde_json::to_string(&message.params).unwrap_or_else(|_| "[]".into());
        rewritten += tx
            .query(REWRITE)
            .bind(message.text)
            .bind(params)
            .bind(row.starts_utc())
            .bind(id)
            .execute()
            .await?;
    }
    Ok(rewritten)
}

/// Deletes the messages `stale` names not yet delivered of `holders`, inside the change's
/// transaction: the booking was cancelled or moved, or its session cancelled or changed,
/// so they would send the holder to the wrong place or time, or to nothing. A message not
/// being sent at this moment is gone as if never written: nothing counts it as failed, and
/// the reminder job may write the reminder for a new time. One being sent now (its claim's
/// lease still runs) cannot be called back, but it expires at once: should that try fail,
/// it is never tried again (the expiry job records it as expired). How many were withdrawn.
pub async fn withdraw_stale(
    tx: &mut InTx<'_>,
    holders: Holders<'_>,
    stale: Stale,
    now: NaiveDateTime,
) -> Result<u64, sqlx::Error> {
    let kinds = kinds_list(stale.withdrawn());
    let pending = format!(
        "DELETE FROM outbox WHERE kind IN {kinds} AND status = 'pending' \
         AND (lease_until IS NULL OR lease_until <= ?) AND booking_id IN "
    );
    let sending = format!(
        "UPDATE outbox SET expires_at = created_at WHERE kind IN {kinds} \
         AND status = 'pending' AND lease_until > ? AND booking_id IN "
    );
    let mut withdrawn = 0;
    for statement in [pending.as_str(), sending.as_str()] {
        withdrawn += match holders {
            Holders::LiveIn(session, lang) => {
                let live = "SELECT id FROM bookings WHERE session_id = ? \
                     AND status IN ('confirmed', 'waitlisted')";
                let sql = format!("{statement}({})", reading(live, "lang", lang));
                let query = tx.query(&sql).bind(now).bind(session);
                match lang {
                    Some(lang) => query.bind(lang.as_str()).execute().await?,
                    None => query.execute().await?,
                }
            }
            Holders::Ids(ids) => withdraw_where_in(tx, statement, "", ids, now).await?,
            Holders::Codes(codes) => {
                let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
                let by_code = "SELECT id FROM bookings WHERE code IN ";
                withdraw_where_in(tx, statement, by_code, &codes, now).await?
            }
        };
    }
    Ok(withdrawn)
}

async fn withdraw_where_in<T: Listed>(
    tx: &mut InTx<'_>,
    delete: &str,
    select: &str,
    values: &[T],
    now: NaiveDateTime,
) -> Result<u64, sqlx::Error> {
    if values.is_empty() {
        return Ok(0);
    }
    let list = tx.dialect().json_list(values);
    let sql = if select.is_empty() {
        format!("{delete}({})", list.subquery)
    } else {
        format!("{delete}({select}({}))", list.subquery)
    };
    tx.query(&sql).bind(now).bind(list.json).execute().await
}

/// Result messages are worth sending for a week.
const SAMPLE_MESSAGE_DAYS: i64 = 7;

/// `(code, variety, phone, lang)` of a sample. Not the name typed for `other`: a result
/// message names the vegetable only in words of the list (`SampleFacts`).
type SampleHolderRow = (String, String, Option<String>, super::columns::Name<Lang>);

/// After a sample's test or correction: its result message as the tests now stand. A
/// result message still waiting to go is withdrawn (it may say what a correction undid, and
/// would arrive after the newer one); then, when the tests reach a final judgement other
/// than the one the holder was last told (sent, or being sent now), it is told, keyed by the
/// test that settled it: a correction that changes it, and one that changes it back, each
/// tell again. A correction that leaves the result open again withdraws only.
pub async fn sample_result(
    tx: &mut Tx,
    sample_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let now = now.naive_utc();
    tx.query(
        "DELETE FROM outbox WHERE sample_id = ? AND kind = 'sample_result' \
         AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)",
    )
    .bind(sample_id)
    .bind(now)
    .execute()
    .await?;
    let tests: Vec<super::samples::CurrentTest> = tx
        .query(super::samples::CURRENT_TESTS)
        .bind(sample_id)
        .fetch_all()
        .await?;
    let judged: Vec<Judgement> = tests.iter().map(|t| t.3 .0).collect();
    let Some(Outcome::Final(judgement)) = outcome(&judged) else {
        return Ok(false);
    };
    let told: Option<String> = tx
        .query(
            "SELECT params FROM outbox WHERE sample_id = ? AND kind = 'sample_result' \
             AND (status = 'sent' OR (status = 'pending' AND lease_until > ?)) \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(sample_id)
        .bind(now)
        .scalar_optional()
        .await?;
    let told = told
        .and_then(|p| serde_json::from_str::<Vec<String>>(&p).ok())
        .and_then(|p| p.get(2).cloned());
    if told.as_deref() == Some(judgement.as_str()) {
        return Ok(false);
    }
    let settled_by = tests.last().map_or(0, |t| t.0);
    let row: Option<SampleHolderRow> = tx
        .query("SELECT code, variety, phone, lang FROM samples WHERE id = ?")
        .bind(sample_id)
        .fetch_optional()
        .await?;
    let Some((code, variety, Some(phone), lang)) = row else {
        return Ok(false);
    };
    let variety = Variety::find(&variety)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown variety {variety:?}").into()))?;
    let facts = SampleFacts {
        code,
        variety,
        judgement,
    };
    let message = Outgoing {
        key: format!(
            "{}:{sample_id}:{settled_by}",
            MessageKind::SampleResult.as_str(),
        ),
        booking_id: None,
        sample_id: Some(sample_id),
        phone,
        message: sample_message(lang.0, &facts),
        send_at: now,
        expires_at: now + Duration::days(SAMPLE_MESSAGE_DAYS),
    };
    write(&mut tx.inside(), &message).await
}

from_row! {
    /// A sample not handed in to a session being cancelled or changed, with what its
    /// holder's message says (`SAMPLES_AWAITED`).
    struct AwaitedRow {
        id: i64,
        phone: String,
        lang: Lang,
        starts_at: NaiveDateTime,
        ends_at: NaiveDateTime,
        place: Localised,
        held_at: Localised,
        title: Localised,
        utc_offset_minutes: i64,
    }
}

/// The samples of a session not handed in, whose holder left a phone and did not withdraw
/// them (erased), with the session's times, place and address; the condition on the
/// language is appended.
const SAMPLES_AWAITED: &str = "SELECT m.id, m.phone, m.lang, s.starts_at, s.ends_at, \
    s.place_zh, s.place_en, s.address_zh AS held_at_zh, s.address_en AS held_at_en, \
    a.title_zh, a.title_en, o.utc_offset_minutes \
    FROM samples m JOIN sessions s ON s.id = m.session_id \
    JOIN activities a ON a.id = s.activity_id JOIN organisations o ON o.id = a.organisation_id \
    WHERE m.session_id = ? AND m.received_at IS NULL AND m.erased_at IS NULL \
    AND m.phone IS NOT NULL";

/// Each phone's first sample awaited on `session` (registration order), of those who
/// registered in `lang` if given: one message per phone however many samples it holds there,
/// in that sample's language, keyed by it.
async fn awaited_per_phone(
    tx: &mut InTx<'_>,
    session: i64,
    lang: Option<Lang>,
) -> Result<Vec<AwaitedRow>, sqlx::Error> {
    let sql = format!("{} ORDER BY m.id", reading(SAMPLES_AWAITED, "m.lang", lang));
    let query = tx.query(&sql).bind(session);
    let mut rows: Vec<AwaitedRow> = match lang {
        Some(lang) => query.bind(lang.as_str()).fetch_all().await?,
        None => query.fetch_all().await?,
    };
    let mut told = std::collections::HashSet::new();
    rows.retain(|row| told.insert(row.phone.clone()));
    Ok(rows)
}

impl AwaitedRow {
    /// `message` to the sample's phone, under `key`: worth sending until the session would
    /// have ended, since until then the holder might still come to hand the samples in (and
    /// a place may change after the start).
    fn to_phone(&self, key: String, message: Composed, now: NaiveDateTime) -> Outgoing {
        Outgoing {
            key,
            booking_id: None,
            sample_id: Some(self.id),
            phone: self.phone.clone(),
            message,
            send_at: now,
            expires_at: self.ends_at - Duration::minutes(self.utc_offset_minutes),
        }
    }
}

/// Tells each phone holding samples on `session` that were not handed in (nor withdrawn)
/// that the session is cancelled and they will not be tested, inside the cancellation's
/// transaction ([`awaited_per_phone`]); a change still waiting to go gives way. Keyed by the
/// phone's first such sample, so writing it again writes nothing. How many were written.
pub async fn sample_session_cancelled(
    tx: &mut InTx<'_>,
    session: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let now = now.naive_utc();
    let kind = MessageKind::SampleSessionCancelled.as_str();
    let rows = awaited_per_phone(tx, session, None).await?;
    let messages: Vec<Outgoing> = rows
        .iter()
        .map(|row| {
            let facts = SampleSessionFacts {
                activity_title: row.title.clone(),
                starts_at: row.starts_at,
            };
            let message = sample_session_cancelled_message(row.lang, &facts);
            row.to_phone(format!("{kind}:{}", row.id), message, now)
        })
        .collect();
    withdraw_sample_changes(tx, session, None, now).await?;
    write_many(tx, &messages).await
}

/// Tells each phone holding samples on quick-test `session` not handed in (nor withdrawn)
/// of its new time or place, inside the change's transaction ([`awaited_per_phone`]), to
/// those who registered in `lang` when only that language's words changed. Its changes
/// still waiting to go are withdrawn first: the new message says where and when now. How
/// many were written.
pub async fn sample_session_changed(
    tx: &mut InTx<'_>,
    session: i64,
    lang: Option<Lang>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let now = now.naive_utc();
    let kind = MessageKind::SampleSessionChanged.as_str();
    let rows = awaited_per_phone(tx, session, lang).await?;
    let messages: Vec<Outgoing> = rows
        .iter()
        .map(|row| {
            let (place, place_is_address) = held_where(&row.place, &row.held_at);
            let change = SampleSessionChange {
                activity_title: row.title.clone(),
                starts_at: row.starts_at,
                place,
                place_is_address,
            };
            let message = sample_session_changed_message(row.lang, &change);
            let key = format!("{kind}:{}:{}", row.id, now.and_utc().timestamp_micros());
            row.to_phone(key, message, now)
        })
        .collect();
    withdraw_sample_changes(tx, session, lang, now).await?;
    write_many(tx, &messages).await
}

/// Deletes the quick-test change messages of `session` still waiting to go (not being sent
/// at this moment), to those who registered in `lang` if given: a newer change, in the
/// words they read, or the session's cancellation (`None`) tells instead. By the session,
/// not by the samples told: the sample a phone's last message was keyed by may have been
/// handed in since.
async fn withdraw_sample_changes(
    tx: &mut InTx<'_>,
    session: i64,
    lang: Option<Lang>,
    now: NaiveDateTime,
) -> Result<u64, sqlx::Error> {
    let of_session = reading("SELECT id FROM samples WHERE session_id = ?", "lang", lang);
    let sql = format!(
        "DELETE FROM outbox WHERE kind = 'sample_session_changed' AND status = 'pending' \
         AND (lease_until IS NULL OR lease_until <= ?) AND sample_id IN ({of_session})"
    );
    let query = tx.query(&sql).bind(now).bind(session);
    match lang {
        Some(lang) => query.bind(lang.as_str()).execute().await,
        None => query.execute().await,
    }
}

/// A message claimed for delivery.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub key: String,
    pub kind: MessageKind,
    pub phone: Option<String>,
    pub lang: Lang,
    pub params: Vec<String>,
    pub text: String,
    /// Tries so far, this one included.
    pub attempts: u32,
    /// Not delivered by then (UTC), it is no longer worth sending.
    pub expires_at: NaiveDateTime,
    /// The venue's offset from UTC: quiet hours are the venue's.
    pub utc_offset_minutes: i64,
}

from_row! {
    struct ClaimedRow {
        id: i64,
        message_key: String,
        kind: MessageKind,
        phone: Option<String>,
        lang: Lang,
        params: String,
        text: String,
        attempts: i64,
        expires_at: NaiveDateTime,
    }
}

/// The venue offset of each of some messages, by id: the organisation of the session the
/// booking or sample is in.
const VENUE_OFFSETS: &str = "SELECT m.id, COALESCE(\
    (SELECT o.utc_offset_minutes FROM bookings b JOIN sessions s ON s.id = b.session_id \
     JOIN activities a ON a.id = s.activity_id JOIN organisations o ON o.id = a.organisation_id \
     WHERE b.id = m.booking_id), \
    (SELECT o.utc_offset_minutes FROM samples x JOIN sessions s ON s.id = x.session_id \
     JOIN activities a ON a.id = s.activity_id JOIN organisations o ON o.id = a.organisation_id \
     WHERE x.id = m.sample_id)) FROM outbox m WHERE m.id IN ";

/// How a delivery went, as the outbox keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Try again at this time (UTC).
    Retry(NaiveDateTime),
    Failed,
}

/// The outbox as the dispatcher, the reminder job and erasure see it.
#[async_trait]
pub trait Outbox: Parts {
    /// Claims up to `most` messages that are due and not claimed by a live lease, for
    /// `lease`; each claim counts as a try. Several processes claim different rows.
    async fn claim_messages(
        &self,
        now: NaiveDateTime,
        lease: Duration,
        most: i64,
    ) -> Result<Vec<Claimed>, StorageError> {
        let mut tx = self.db().begin().await?;
        let sql = format!(
            "UPDATE outbox SET lease_until = ?, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? \
              AND expires_at > ? AND (lease_until IS NULL OR lease_until <= ?) \
              ORDER BY next_attempt_at, id LIMIT ?{}) \
             RETURNING id, message_key, kind, phone, lang, params, text, attempts, expires_at",
            tx.dialect().for_update_skip_locked()
        );
        let rows: Vec<ClaimedRow> = tx
            .query(&sql)
            .bind(now + lease)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(most)
            .fetch_all()
            .await?;
        let mut offsets: Vec<(i64, Option<i64>)> = Vec::new();
        if !rows.is_empty() {
            let sql = format!("{VENUE_OFFSETS}({})", vec!["?"; rows.len()].join(", "));
            let mut q = tx.query(&sql);
            for row in &rows {
                q = q.bind(row.id);
            }
            offsets = q.fetch_all().await?;
        }
        tx.commit().await?;
        let offset_of = |id: i64| {
            offsets
                .iter()
                .find(|(m, _)| *m == id)
                .and_then(|(_, o)| *o)
                .unwrap_or(i64::from(labday_domain::time::SHANGHAI_OFFSET_MINUTES))
        };
        rows.into_iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.id,
                    key: r.message_key,
                    kind: r.kind,
                    phone: r.phone,
                    lang: r.lang,
                    params: serde_json::from_str(&r.params)
                        .map_err(|e| StorageError::new(format!("outbox params: {e}")))?,
                    text: r.text,
                    attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
                    expires_at: r.expires_at,
                    utc_offset_minutes: offset_of(r.id),
                })
            })
            .collect()
    }

    /// Records how a claimed message's delivery went; `error` is already scrubbed.
    async fn record_delivery(
        &self,
        id: i64,
        delivery: Delivery,
        error: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<(), StorageError> {
        let statement = match delivery {
            Delivery::Sent => self
                .db()
                .write(
                    "UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, \
                     last_error = NULL WHERE id = ? AND status = 'pending'",
                )
                .bind(now)
                .bind(id),
            Delivery::Retry(at) => self
                .db()
                .write(
                    "UPDATE outbox SET next_attempt_at = ?, lease_until = NULL, last_error = ? \
                     WHERE id = ? AND status = 'pending'",
                )
                .bind(at)
                .bind(error)
                .bind(id),
            Delivery::Failed => self
                .db()
                .write(
                    "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ? \
                     WHERE id = ? AND status = 'pending'",
                )
                .bind(error)
                .bind(id),
        };
        statement.execute().await?;
        Ok(())
    }

    /// Marks failed the messages nobody delivered before they stopped being worth sending
    /// (the session began; a week for results); how many. A message being sent now (its
    /// claim's lease runs) is left to its sender, who records how it went: a provider that
    /// accepted it a moment after the expiry did send it.
    async fn expire_messages(&self, now: NaiveDateTime) -> Result<u64, StorageError> {
        Ok(self
            .db()
            .write(
                "UPDATE outbox SET status = 'failed', last_error = 'expired before delivery' \
                 WHERE status = 'pending' AND expires_at <= ? \
                 AND (lease_until IS NULL OR lease_until <= ?)",
            )
            .bind(now)
            .bind(now)
            .execute()
            .await?)
    }

    /// Writes the reminders that are due now, one per booking and session time (a second
    /// process writing the same reminder keeps the first: the key is unique); how many it
    /// wrote.
    async fn enqueue_reminders(
        &self,
        rule: ReminderRule,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        // Only the sessions whose reminder can be due now, each in its venue's own time: a
        // reminder falls due `hours_before` ahead of the start, moved back out of the quiet
        // hours (which last less than a day), so a session more than `hours_before` + 25 h
        // away has none due yet, and one already begun gets none. Reading every booking of
        // the coming days at each run instead took seconds and hundreds of MB once a rush
        // had filled them (BENCHMARKS.md).
        let reach = Duration::hours(i64::from(rule.hours_before) + 25);
        let offsets: Vec<(i64,)> = self
            .db()
            .read("SELECT DISTINCT utc_offset_minutes FROM organisations")
            .fetch_all()
            .await?;
        // With the latest session start (UTC) a reminder was written for: a booking moved
        // to another session, or whose session staff moved, is reminded of its new time.
        // And when a message gave the time and place last, and whether one is on its way.
        let mut candidates: Vec<Candidate> = Vec::new();
        for (offset,) in offsets {
            let venue_now = now.naive_utc() + Duration::minutes(offset);
            let rows: Vec<Candidate> = self
                .db()
                .read(&format!(
                    "SELECT b.id, s.starts_at, o.utc_offset_minutes, \
                     (SELECT MAX(m.expires_at) FROM outbox m WHERE m.booking_id = b.id \
                       AND m.kind = 'reminder'), \
                     (SELECT MAX(m.sent_at) FROM outbox m WHERE m.booking_id = b.id \
                       AND m.status = 'sent' AND m.kind IN ({TOLD_KINDS})), \
                     (SELECT COUNT(*) FROM outbox m WHERE m.booking_id = b.id \
                       AND m.status = 'pending' AND m.kind IN ({TOLD_KINDS})) \
                     FROM bookings b \
                     JOIN sessions s ON s.id = b.session_id \
                     JOIN activities a ON a.id = s.activity_id \
                     JOIN organisations o ON o.id = a.organisation_id \
                     WHERE o.utc_offset_minutes = ? \
                     AND b.status = 'confirmed' AND b.phone IS NOT NULL \
                     AND s.status = 'scheduled' AND s.starts_at > ? AND s.starts_at <= ?"
                ))
                .bind(offset)
                .bind(venue_now)
                .bind(venue_now + reach)
                .fetch_all()
                .await?;
            candidates.extend(rows);
        }
        // `(booking, session start (venue), when to send (UTC))`.
        let mut due: Vec<(i64, NaiveDateTime, NaiveDateTime)> = Vec::new();
        for (id, starts_at, offset, reminded_for, told_at, telling) in candidates {
            let offset = Duration::minutes(offset);
            // A reminder's expiry is the start of the session it reminds of.
            if reminded_for == Some(starts_at - offset) {
                continue;
            }
            // Told the time and place inside the reminder window (booked the same day,
            // say), or being told now: a reminder would follow it back to back.
            let window_opens = rule.due(starts_at) - offset;
            if telling > 0 || told_at.is_some_and(|t| t >= window_opens) {
                continue;
            }
            let venue_now = now.naive_utc() + offset;
            if let Some(at) = rule.send_at(starts_at, venue_now) {
                due.push((id, starts_at, at - offset));
            }
        }
        if due.is_empty() {
            return Ok(0);
        }
        let mut written = 0;
        let mut tx = self.db().begin().await?;
        // Read again in the transaction that writes: a booking cancelled or moved, or a
        // session cancelled or moved, since the look above gets nothing (its change
        // withdraws only reminders already written). On PostgreSQL the bookings are locked
        // until the reminders are in, and one a change holds now is passed over until the
        // next run, so no change commits between this read and the write unseen.
        let lock = match tx.dialect().for_update_of("b") {
            lock if lock.is_empty() => lock,
            lock => format!("{lock} SKIP LOCKED"),
        };
        let still =
            format!(" AND b.status = 'confirmed' AND s.status = 'scheduled' ORDER BY b.id{lock}");
        for chunk in due.chunks(PER_STATEMENT) {
            let ids: Vec<i64> = chunk.iter().map(|(id, ..)| *id).collect();
            let rows = facts_where_in(&mut tx.inside(), "b.id", &ids, &still).await?;
            let messages: Vec<Outgoing> = rows
                .iter()
                .filter_map(|row| {
                    let &(_, starts_at, send_at) = chunk.iter().find(|(id, ..)| *id == row.id)?;
                    (row.starts_at == starts_at).then(|| {
                        let key = format!("reminder:{}:{}", row.id, row.starts_at);
                        row.outgoing(BookingEvent::Reminder, key, send_at)
                    })
                })
                .collect();
            written += write_many(&mut tx.inside(), &messages).await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Erases the messages of bookings and samples whose holders were erased, at `now`
    /// (UTC): those still waiting to go are dropped (nobody to send them to, and nothing
    /// failed), the others lose phone, text and parameters.
    async fn erase_messages(&self, now: NaiveDateTime) -> Result<u64, StorageError> {
        let sql = format!("{DROP_WAITING}{OF_ERASED_HOLDERS}");
        let dropped = self.db().write(&sql).bind(now).execute().await?;
        let sql = format!("{ERASE_MESSAGE}{OF_ERASED_HOLDERS}");
        let erased = self.db().write(&sql).execute().await?;
        // A dropped row's bytes stay in SQLite's WAL as an erased one's do.
        if dropped + erased > 0 {
            super::erasure::forget_erased(self.db()).await?;
        }
        Ok(dropped + erased)
    }
}

impl<S: Parts> Outbox for S {}
