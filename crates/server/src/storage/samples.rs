//! Vegetable samples for pesticide quick tests: registration by citizens, receipt and test
//! results by staff, lookups by code and the phone's last four digits, and the public board.
//! Written once for both databases; the one difference is that PostgreSQL locks the session
//! or sample row a change depends on (`Dialect::for_update`), where SQLite's single writer
//! already serialises every change.

mod sql;
mod view;

use super::audit::audit;
use super::bookings::LOCK_SESSION;
use super::columns::Name;
use super::db::{Conn, Db, Tx, Value};
use super::organisations::REACH;
use super::{BookingError, Parts, StorageError};
use crate::keyed_hash::KeyedHash;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use labday_domain::phone::Phone;
use labday_domain::sample::{
    self, outcome, repeats, within_sample_limit, Judgement, Method, Outcome, Reading, SampleCode,
    SampleTally, SampleView, ValidRegistration, ValidSampleItem,
};
use labday_domain::staff::{from_session_day, AuditAction};
use labday_domain::time::venue_local;
use labday_domain::walk_in::ValidWalkInSamples;
use labday_domain::{ErrorCode, FieldCode, SessionFormat, SessionStatus};
use sql::*;
use view::*;

/// What one registration attempt needs besides the citizen's fields.
#[derive(Debug, Clone)]
pub struct RegistrationContext {
    pub now: DateTime<Utc>,
    /// A fresh random code for each sample of the registration, in order.
    pub codes: Vec<SampleCode>,
    /// The client's Idempotency-Key, if it sent one, and a digest of the request body.
    pub idempotency: Option<(String, String)>,
}

/// A test result to record: the reading, its judgement under the current thresholds, and
/// the earlier test it corrects, if any.
#[derive(Debug, Clone)]
pub struct NewTest {
    pub reading: Reading,
    pub judgement: Judgement,
    pub corrects: Option<i64>,
    /// How many current tests the sender saw (`TestEntry::tests_seen`).
    pub tests_seen: Option<u32>,
}

/// `(id, method, pesticide, judgement)` of a sample's current test (`CURRENT_TESTS`).
pub(super) type CurrentTest = (i64, Name<Method>, Option<String>, Name<Judgement>);
pub(super) use sql::CURRENT_TESTS;

/// Whose samples the board counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardScope {
    Session(i64),
    Activity(i64),
}

fn refused(code: ErrorCode) -> BookingError {
    BookingError::Refused(code)
}

/// Views of the samples matching `filter` (a condition on `m`, with one `?` for `bind`).
async fn views_where<B>(
    conn: &mut Conn<'_>,
    filter: &str,
    bind: B,
    viewer: Viewer,
) -> Result<Vec<SampleView>, sqlx::Error>
where
    B: for<'q> Value<'q> + Clone,
{
    let sql = format!("{SAMPLE_SELECT} WHERE {filter} ORDER BY m.id");
    let rows: Vec<SampleRow> = conn.query(&sql).bind(bind.clone()).fetch_all().await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{TEST_SELECT} WHERE t.sample_id IN (SELECT m.id FROM samples m WHERE {filter}) \
         ORDER BY t.id"
    );
    let tests: Vec<TestRow> = conn.query(&sql).bind(bind).fetch_all().await?;
    Ok(rows
        .iter()
        .map(|r| sample_view(r, &tests, viewer))
        .collect())
}

/// Commits the transaction that changed a sample: the sample as staff see it after.
async fn commit_for_staff(mut tx: Tx, id: i64) -> Result<SampleView, BookingError> {
    let view = views_where(&mut Conn::Tx(&mut tx), "m.id = ?", id, Viewer::Staff)
        .await?
        .pop()
        .ok_or_else(|| refused(ErrorCode::NotFound))?;
    tx.commit().await?;
    Ok(view)
}

/// The sample about to change, its row locked until the transaction ends.
async fn sample_for_change(
    tx: &mut Tx,
    code: &SampleCode,
) -> Result<SampleForChange, BookingError> {
    let sql = format!("{SAMPLE_FOR_CHANGE}{}", tx.dialect().for_update());
    let sample: Option<SampleForChange> =
        tx.query(&sql).bind(code.as_str()).fetch_optional().await?;
    sample.ok_or_else(|| refused(ErrorCode::NotFound))
}

/// Board tallies of the samples matching `filter` (conditions on `m`, `s` and `a`, one `?`
/// per bind, after those of `with`, a `WITH` clause or nothing), on the readers.
async fn tallies_where(
    db: &Db,
    with: &str,
    filter: &str,
    binds: &[Option<i64>],
) -> Result<Vec<(i64, SampleTally)>, sqlx::Error> {
    let samples_sql = format!("{with}{TALLY_SAMPLES} AND {filter} ORDER BY m.id");
    let tests_sql = format!("{with}{TALLY_TESTS} AND {filter} ORDER BY t.id");
    let mut samples = db.read(&samples_sql);
    let mut tests = db.read(&tests_sql);
    for bind in binds {
        samples = samples.bind(*bind);
        tests = tests.bind(*bind);
    }
    Ok(tallies(
        samples.fetch_all().await?,
        &tests.fetch_all().await?,
    ))
}

/// Locks a session about to take samples and checks it takes them now: a quick-test
/// session, not cancelled, from its booking window's opening until it ends; a walk-in's
/// samples, received at once, only from the session's day on, as every receipt
/// (`staff::from_session_day`: `before_session_day`). Its row stays locked until commit, so
/// one phone's registrations on it are counted one after another, whichever server process
/// they reach. Returns the venue's local time now.
async fn open_for_samples(
    tx: &mut Tx,
    session_id: i64,
    now: DateTime<Utc>,
    walk_in: bool,
) -> Result<NaiveDateTime, BookingError> {
    let sql = format!(
        "{SESSION_FOR_REGISTRATION}{}",
        tx.dialect().for_update_of("s")
    );
    let session: Option<SessionForRegistration> =
        tx.query(&sql).bind(session_id).fetch_optional().await?;
    let (format, status, opens_at, starts_at, ends_at, offset) =
        session.ok_or_else(|| refused(ErrorCode::NotFound))?;
    if format.0 != SessionFormat::QuickTest {
        return Err(refused(ErrorCode::NotQuickTest));
    }
    if status.0 == SessionStatus::Cancelled {
        return Err(refused(ErrorCode::SessionCancelled));
    }
    let local_now = venue_local(now, offset as i32);
    if walk_in {
        from_session_day(local_now, starts_at).map_err(refused)?;
    }
    if local_now < opens_at || local_now >= ends_at {
        return Err(refused(ErrorCode::WindowClosed));
    }
    Ok(local_now)
}

/// The samples of one registration, a citizen's or a walk-in's.
struct NewSamples<'a> {
    session_id: i64,
    items: &'a [ValidSampleItem],
    /// A fresh code for each item, in order.
    codes: &'a [SampleCode],
    name: Option<&'a str>,
    phone: Option<&'a str>,
    /// Venue-local time of the registration (a walk-in's samples are received then too).
    at: NaiveDateTime,
    /// The Idempotency-Key and request digest, if the client sent a key.
    idempotency: (Option<String>, Option<String>),
    walk_in: bool,
    /// The language the result message is written in.
    lang: labday_domain::message::Lang,
}

/// Inserts the samples, in order; refused with `sample_limit` when a phone given would hold
/// more than it may on the session (counted by its keyed hash, like the booking rules).
async fn insert_samples(
    tx: &mut Tx,
    keys: &KeyedHash,
    new: NewSamples<'_>,
) -> Result<Vec<i64>, BookingError> {
    let phone_hash = new.phone.map(|p| keys.phone(p));
    if let Some(hash) = &phone_hash {
        let held: i64 = tx
            .query(SAMPLES_OF_PHONE)
            .bind(new.session_id)
            .bind(hash)
            .scalar()
            .await?;
        if !within_sample_limit(super::rows::count(held)?, new.items.len()) {
            return Err(refused(ErrorCode::SampleLimit));
        }
    }
    let received_at = new.walk_in.then_some(new.at);
    let (key, digest) = new.idempotency;
    let mut ids = Vec::with_capacity(new.items.len());
    for (item, code) in new.items.iter().zip(new.codes) {
        let id: i64 = tx
            .query(INSERT_SAMPLE)
            .bind(new.session_id)
            .bind(code.as_str())
            .bind(&item.variety)
            .bind(&item.variety_other)
            .bind(&item.bought_at)
            .bind(item.bought_on)
            .bind(new.name)
            .bind(new.phone)
            .bind(phone_hash.clone())
            .bind(new.at)
            .bind(new.at)
            .bind(key.clone())
            .bind(digest.clone())
            .bind(received_at)
            .bind(new.walk_in)
            .bind(new.lang.as_str())
            .scalar()
            .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// The samples with these ids, in order, as `viewer` sees them.
async fn views_of(
    tx: &mut Tx,
    ids: &[i64],
    viewer: Viewer,
) -> Result<Vec<SampleView>, sqlx::Error> {
    let mut views = Vec::with_capacity(ids.len());
    for &id in ids {
        let mut conn = Conn::Tx(tx);
        views.extend(views_where(&mut conn, "m.id = ?", id, viewer).await?);
    }
    Ok(views)
}

/// The samples an Idempotency-Key registered on this session before, as `viewer` sees
/// them, when `idempotency` (the key's and the request's keyed hashes) is the same request's:
/// `idempotency_mismatch` for another request under the key (or another session's); `None`
/// when the key registered nothing, or none was sent. Looked up under the session's lock,
/// taken first: the same registration sent twice at once queues on it, and the second
/// then finds the first's samples (on PostgreSQL; SQLite writes one transaction at a time).
/// Before the session's rules: a retry after the session ended still gets its answer.
async fn registered_before(
    tx: &mut Tx,
    session_id: i64,
    idempotency: &Option<(String, String)>,
    viewer: Viewer,
) -> Result<Option<Vec<SampleView>>, BookingError> {
    let Some((key, digest)) = idempotency else {
        return Ok(None);
    };
    let lock = format!("{LOCK_SESSION}{}", tx.dialect().for_update());
    tx.query(&lock).bind(session_id).execute().await?;
    let earlier: Option<(i64, Option<String>)> = tx
        .query(SAMPLES_BY_IDEMPOTENCY_KEY)
        .bind(key)
        .fetch_optional()
        .await?;
    let Some((at, earlier_digest)) = earlier else {
        return Ok(None);
    };
    if at != session_id || earlier_digest.as_deref() != Some(digest.as_str()) {
        return Err(refused(ErrorCode::IdempotencyMismatch));
    }
    let mut conn = Conn::Tx(tx);
    let filter = "m.idempotency_key = ?";
    Ok(Some(
        views_where(&mut conn, filter, key.clone(), viewer).await?,
    ))
}

#[async_trait]
pub trait Samples: Parts {
    /// Registers every sample of a quick-test registration, or none: the session must be a
    /// quick-test session, not cancelled, open for registration (from its booking window's
    /// opening until it ends), and the phone may hold at most
    /// [`labday_domain::sample::MAX_SAMPLES_PER_PHONE`] samples on it. A retry with the same
    /// Idempotency-Key returns the first registration's samples.
    async fn register_samples(
        &self,
        registration: ValidRegistration,
        ctx: RegistrationContext,
    ) -> Result<Vec<SampleView>, BookingError> {
        let mut tx = self.db().begin().await?;
        let viewer = Viewer::Holder(ctx.now);
        let session_id = registration.session_id;
        if let Some(earlier) =
            registered_before(&mut tx, session_id, &ctx.idempotency, viewer).await?
        {
            return Ok(earlier);
        }
        let local_now = open_for_samples(&mut tx, registration.session_id, ctx.now, false).await?;
        let phone = registration.phone.as_str();
        let (key, digest) = ctx.idempotency.clone().unzip();
        let ids = insert_samples(
            &mut tx,
            self.keys(),
            NewSamples {
                session_id: registration.session_id,
                items: &registration.items,
                codes: &ctx.codes,
                name: Some(registration.name.as_str()),
                phone: Some(phone),
                at: local_now,
                idempotency: (key, digest),
                walk_in: false,
                lang: registration.lang,
            },
        )
        .await?;
        let views = views_of(&mut tx, &ids, Viewer::Holder(ctx.now)).await?;
        tx.commit().await?;
        Ok(views)
    }

    /// Registers a walk-in's samples, entered by staff at the bench: name and phone optional
    /// (a phone given counts towards its limit on the session), each sample received at
    /// once, the registration audited. Refused as a citizen's registration is, and, being a
    /// receipt, before the session's day (`before_session_day`). With an `idempotency`
    /// record (the key kept under the walk-ins' own purpose, `KeyedHash::walk_in_key`), the
    /// same request again answers the samples it registered and registers nothing.
    async fn register_walk_in_samples(
        &self,
        staff_id: i64,
        session_id: i64,
        samples: &ValidWalkInSamples,
        (codes, idempotency): (&[SampleCode], Option<(String, String)>),
        now: DateTime<Utc>,
    ) -> Result<Vec<SampleView>, BookingError> {
        let mut tx = self.db().begin().await?;
        if let Some(earlier) =
            registered_before(&mut tx, session_id, &idempotency, Viewer::Staff).await?
        {
            return Ok(earlier);
        }
        let local_now = open_for_samples(&mut tx, session_id, now, true).await?;
        let holder = &samples.holder;
        let (key, digest) = idempotency.unzip();
        let ids = insert_samples(
            &mut tx,
            self.keys(),
            NewSamples {
                session_id,
                items: &samples.items,
                codes,
                name: holder.name.as_ref().map(|n| n.as_str()),
                phone: holder.phone.as_ref().map(|p| p.as_str()),
                at: local_now,
                idempotency: (key, digest),
                walk_in: true,
                lang: Default::default(),
            },
        )
        .await?;
        let listed: Vec<&str> = codes.iter().take(ids.len()).map(|c| c.as_str()).collect();
        let subject = format!("session {session_id}: walk-in samples {}", listed.join(" "));
        let action = AuditAction::RegisterWalkInSamples;
        audit(&mut tx, staff_id, action, &subject).await?;
        let views = views_of(&mut tx, &ids, Viewer::Staff).await?;
        tx.commit().await?;
        Ok(views)
    }

    /// The holder's view (no history of corrections, no tester, no holder), or `None` when
    /// the code is unknown or the last four digits do not match: the caller cannot tell which.
    async fn find_sample(
        &self,
        code: &SampleCode,
        phone_last4: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SampleView>, StorageError> {
        let sql = format!("{SAMPLE_SELECT} WHERE m.code = ?");
        let row: Option<SampleRow> = self
            .db()
            .read(&sql)
            .bind(code.as_str())
            .fetch_optional()
            .await?;
        match row {
            Some(row) if phone_matches(&row, phone_last4) => {
                let mut conn = Conn::Read(self.db());
                Ok(
                    views_where(&mut conn, "m.id = ?", row.id, Viewer::Holder(now))
                        .await?
                        .pop(),
                )
            }
            _ => Ok(None),
        }
    }

    /// The organisation running the session a sample was registered on.
    async fn sample_organisation(&self, code: &SampleCode) -> Result<Option<i64>, StorageError> {
        Ok(self
            .db()
            .read(SAMPLE_ORGANISATION)
            .bind(code.as_str())
            .scalar_optional()
            .await?)
    }

    /// One sample as staff see it: holder, testers and every test including corrected ones.
    async fn staff_sample(&self, code: &SampleCode) -> Result<Option<SampleView>, StorageError> {
        let mut conn = Conn::Read(self.db());
        let code = code.as_str().to_owned();
        Ok(views_where(&mut conn, "m.code = ?", code, Viewer::Staff)
            .await?
            .pop())
    }

    /// Every sample registered on a session, in registration order, as staff see them.
    async fn session_samples(&self, session_id: i64) -> Result<Vec<SampleView>, StorageError> {
        let mut conn = Conn::Read(self.db());
        Ok(views_where(&mut conn, "m.session_id = ?", session_id, Viewer::Staff).await?)
    }

    /// Marks a sample handed in at `session_id`'s test point at `now` (again: no change),
    /// recorded on the venue's clock as a walk-in's samples are. Refused with `not_found`
    /// (also for another organisation's sample), `wrong_session` (another session of the
    /// same organisation), `session_cancelled` (its session was cancelled before it was
    /// handed in: a sample received before stays received), `before_session_day` (the
    /// session's day has not come on its venue's clock: judged as the door's check-in is) or
    /// `withdrawn`. The session is read under its share lock, so a cancellation or a move
    /// to a later day at the same moment is seen, or comes after this receipt.
    async fn receive_sample(
        &self,
        staff_id: i64,
        session_id: i64,
        code: &SampleCode,
        now: DateTime<Utc>,
    ) -> Result<SampleView, BookingError> {
        let mut tx = self.db().begin().await?;
        let (id, sample_session, received_at, erased_at) = sample_for_change(&mut tx, code).await?;
        if sample_session != session_id {
            return Err(
                super::staff::scanned_elsewhere(&mut tx, session_id, sample_session).await?,
            );
        }
        let session = super::bookings::session_shared(&mut tx, session_id)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        if received_at.is_none() && session.status == SessionStatus::Cancelled {
            return Err(refused(ErrorCode::SessionCancelled));
        }
        let local_now = session.local_now(now);
        from_session_day(local_now, session.starts_at).map_err(refused)?;
        if received_at.is_none() && erased_at.is_some() {
            return Err(refused(ErrorCode::Withdrawn));
        }
        if received_at.is_none() {
            tx.query(RECEIVE_SAMPLE)
                .bind(local_now)
                .bind(id)
                .execute()
                .await?;
            let subject = format!("sample {}", code.as_str());
            audit(&mut tx, staff_id, AuditAction::ReceiveSample, &subject).await?;
        }
        commit_for_staff(tx, id).await
    }

    /// Records a test of a received sample (`not_received` otherwise), made at `now`, as
    /// its venue's clock reads it; a correction keeps the test it corrects, marked
    /// superseded. Refused with `invalid` when `corrects` is not a current test of this
    /// sample.
    async fn record_test(
        &self,
        staff_id: i64,
        code: &SampleCode,
        test: NewTest,
        now: DateTime<Utc>,
    ) -> Result<SampleView, BookingError> {
        let mut tx = self.db().begin().await?;
        let (id, session_id, received_at, _) = sample_for_change(&mut tx, code).await?;
        if received_at.is_none() {
            return Err(refused(ErrorCode::NotReceived));
        }
        let now = super::bookings::session_shared(&mut tx, session_id)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?
            .local_now(now);
        if let Some(earlier) = test.corrects {
            let current: i64 = tx
                .query(TEST_TO_CORRECT)
                .bind(earlier)
                .bind(id)
                .scalar()
                .await?;
            if current == 0 {
                return Err(refused(ErrorCode::Invalid));
            }
        }
        // Read under the sample's lock (`sample_for_change`): no other test lands meanwhile.
        let current: Vec<CurrentTest> = tx.query(CURRENT_TESTS).bind(id).fetch_all().await?;
        if test
            .tests_seen
            .is_some_and(|seen| usize::try_from(seen).ok() != Some(current.len()))
        {
            return Err(refused(ErrorCode::EditedMeanwhile));
        }
        let others: Vec<&CurrentTest> = current
            .iter()
            .filter(|t| Some(t.0) != test.corrects)
            .collect();
        if test.corrects.is_none() {
            let judged: Vec<Judgement> = current.iter().map(|t| t.3 .0).collect();
            if matches!(outcome(&judged), Some(Outcome::Final(_))) {
                return Err(BookingError::Field("corrects", FieldCode::ResultFinal));
            }
        }
        let kind = test.reading.kind();
        if others
            .iter()
            .any(|t| !repeats((t.1 .0, t.2.as_deref()), kind))
        {
            return Err(BookingError::Field("method", FieldCode::RetestDiffers));
        }
        let (method, tenths, pesticide, strip) = reading_columns(&test.reading);
        let test_id: i64 = tx
            .query(INSERT_TEST)
            .bind(id)
            .bind(method)
            .bind(tenths)
            .bind(pesticide)
            .bind(strip)
            .bind(test.judgement.as_str())
            .bind(staff_id)
            .bind(now)
            .bind(test.corrects)
            .scalar()
            .await?;
        if let Some(earlier) = test.corrects {
            tx.query(SUPERSEDE_TEST)
                .bind(test_id)
                .bind(earlier)
                .execute()
                .await?;
        }
        let code = code.as_str();
        let judgement = test.judgement.as_str();
        let what = match test.corrects {
            Some(earlier) => {
                format!("sample {code}: test {test_id} corrects {earlier}: {judgement}")
            }
            None => format!("sample {code}: test {test_id}: {judgement}"),
        };
        audit(&mut tx, staff_id, AuditAction::RecordTest, &what).await?;
        super::outbox::sample_result(&mut tx, id, chrono::Utc::now()).await?;
        commit_for_staff(tx, id).await
    }

    /// What the board needs of each sample in scope; `None` when the session or activity does
    /// not exist.
    async fn sample_tallies(
        &self,
        scope: BoardScope,
    ) -> Result<Option<Vec<SampleTally>>, StorageError> {
        let (exists, filter, id) = match scope {
            BoardScope::Session(id) => (SESSION_EXISTS, "m.session_id = ?", id),
            BoardScope::Activity(id) => (ACTIVITY_EXISTS, "s.activity_id = ?", id),
        };
        let n: i64 = self.db().read(exists).bind(id).scalar().await?;
        if n == 0 {
            return Ok(None);
        }
        let tallies = tallies_where(self.db(), "", filter, &[Some(id)]).await?;
        Ok(Some(tallies.into_iter().map(|(_, t)| t).collect()))
    }

    /// Per activity, the tallies of every sample of one organisation (or of all), for the
    /// organiser's figures.
    async fn activity_sample_tallies(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<(i64, SampleTally)>, StorageError> {
        let binds = [organisation, organisation];
        Ok(tallies_where(self.db(), REACH, OF_ORGANISATION, &binds).await?)
    }

    /// Erases one sample's name, phone and its keyed hash, the idempotency record of its
    /// registration and what its holder typed (where bought, a vegetable's own name), at its
    /// holder's request by its code and whole phone number, and its messages' copies of
    /// them, once the domain allows it (`sample::may_erase`: before hand-in, or once the lab
    /// is done with it). `not_found` for an unknown code, another phone, or a sample erased
    /// already.
    async fn erase_sample(
        &self,
        code: &SampleCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<(), BookingError> {
        let mut tx = self.db().begin().await?;
        // The sample's row lock first, as receiving it and recording a test take it: a
        // test recorded at the same moment is seen, or waits.
        let sql = format!("{HOLDER_SAMPLE}{}", tx.dialect().for_update());
        let (id, session_id): (i64, i64) = tx
            .query(&sql)
            .bind(code.as_str())
            .bind(phone.as_str())
            .fetch_optional()
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        let mut conn = Conn::Tx(&mut tx);
        let view = views_where(&mut conn, "m.id = ?", id, Viewer::Holder(now)).await?;
        let status = view.first().map(|v| v.status);
        let status = status.ok_or_else(|| refused(ErrorCode::NotFound))?;
        // Read without a lock: a session that is over keeps its times, and one still on
        // cannot move into times already over, so "over" read here stays true.
        let session = super::bookings::session_in(&mut conn, session_id)
            .await?
            .ok_or_else(|| refused(ErrorCode::NotFound))?;
        let local_now = session.local_now(now);
        sample::may_erase(status, local_now, session.ends_at).map_err(refused)?;
        let withdrawn = sample::withdraws(status, local_now, session.ends_at);
        tx.query(FORGET_REGISTRATION_RETRIES)
            .bind(id)
            .execute()
            .await?;
        tx.query(ERASE_SAMPLE_HOLDER)
            .bind(now.naive_utc())
            .bind(withdrawn.then(|| now.naive_utc()))
            .bind(id)
            .execute()
            .await?;
        let erased = super::outbox::ErasedHolder::Sample(id);
        super::outbox::erase_holder_messages(&mut tx.inside(), erased, now.naive_utc()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Erases name and phone of samples whose session ended before `cutoff` (venue time);
    /// `erased_at` is the time of the erasure (UTC, as bookings keep it), not the cutoff.
    async fn erase_sample_holders(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError> {
        let erased_at = Utc::now().naive_utc();
        let erase = self
            .db()
            .write(ERASE_SAMPLE_HOLDERS)
            .bind(erased_at)
            .bind(cutoff);
        super::erasure::erase(self.db(), erase).await
    }
}

impl<S: Parts> Samples for S {}
