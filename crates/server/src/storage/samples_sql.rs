//! The sample statements, row shapes and views, written once for both databases with `?`
//! placeholders (numbered for PostgreSQL), and [`samples_storage!`], which implements the
//! `Samples` trait for a backend from them.

use chrono::{NaiveDate, NaiveDateTime};
use labday_domain::activity::Localised;
use labday_domain::sample::{
    Judgement, Method, Reading, SampleHolder, SampleStatus, SampleTally, SampleTest, SampleView,
    StripReading, VarietyName,
};
use labday_domain::{BookingCode, Phone};

pub(super) const SAMPLE_SELECT: &str = "SELECT m.id, m.session_id, m.code, m.variety, \
    m.variety_other, m.bought_at, m.bought_on, m.name, m.phone, m.registered_at, m.received_at, \
    s.title_zh, s.title_en, s.place_zh, s.place_en, s.starts_at, \
    a.title_zh AS activity_title_zh, a.title_en AS activity_title_en, \
    o.name_zh AS org_name_zh, o.name_en AS org_name_en \
    FROM samples m JOIN sessions s ON s.id = m.session_id \
    JOIN activities a ON a.id = s.activity_id JOIN organisations o ON o.id = a.organisation_id";

pub(super) const TEST_SELECT: &str = "SELECT t.id, t.sample_id, t.method, t.inhibition_tenths, \
    t.pesticide, t.strip, t.judgement, t.tested_at, t.corrects, t.superseded_by, \
    st.display_name AS tester FROM sample_tests t JOIN staff st ON st.id = t.tested_by";

/// What registration checks of a session: `(format, status, booking_opens_at, ends_at,
/// utc_offset_minutes)`. The backend appends its row lock.
pub(super) const SESSION_FOR_REGISTRATION: &str =
    "SELECT s.format, s.status, s.booking_opens_at, s.ends_at, o.utc_offset_minutes \
    FROM sessions s JOIN activities a ON a.id = s.activity_id \
    JOIN organisations o ON o.id = a.organisation_id WHERE s.id = ?";
pub(super) type SessionForRegistration = (String, String, NaiveDateTime, NaiveDateTime, i64);

pub(super) const SAMPLES_BY_IDEMPOTENCY_KEY: &str =
    "SELECT id, request_digest FROM samples WHERE idempotency_key = ? ORDER BY id";
/// By the phone's keyed hash, like the booking rules.
pub(super) const SAMPLES_OF_PHONE: &str =
    "SELECT COUNT(*) FROM samples WHERE session_id = ? AND phone_hash = ?";
pub(super) const INSERT_SAMPLE: &str = "INSERT INTO samples (session_id, code, variety, \
    variety_other, bought_at, bought_on, name, phone, phone_hash, registered_at, consent_at, \
    idempotency_key, request_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

pub(super) const SAMPLE_ORGANISATION: &str = "SELECT a.organisation_id FROM samples m \
    JOIN sessions s ON s.id = m.session_id JOIN activities a ON a.id = s.activity_id \
    WHERE m.code = ?";
/// `(id, session_id, received_at)` of a sample about to change; the backend appends its lock
/// (on the row aliased `s`, as in [`SESSION_FOR_REGISTRATION`]).
pub(super) const SAMPLE_FOR_CHANGE: &str =
    "SELECT s.id, s.session_id, s.received_at FROM samples s WHERE s.code = ?";
pub(super) type SampleForChange = (i64, i64, Option<NaiveDateTime>);
pub(super) const RECEIVE_SAMPLE: &str = "UPDATE samples SET received_at = ? WHERE id = ?";
pub(super) const TEST_TO_CORRECT: &str =
    "SELECT COUNT(*) FROM sample_tests WHERE id = ? AND sample_id = ? AND superseded_by IS NULL";
pub(super) const INSERT_TEST: &str = "INSERT INTO sample_tests (sample_id, method, \
    inhibition_tenths, pesticide, strip, judgement, tested_by, tested_at, corrects) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
pub(super) const SUPERSEDE_TEST: &str = "UPDATE sample_tests SET superseded_by = ? WHERE id = ?";

pub(super) const SESSION_EXISTS: &str = "SELECT COUNT(*) FROM sessions WHERE id = ?";
pub(super) const ACTIVITY_EXISTS: &str = "SELECT COUNT(*) FROM activities WHERE id = ?";
/// `(sample id, activity id, variety, variety_other, received)` of the samples in scope.
pub(super) const TALLY_SAMPLES: &str = "SELECT m.id, s.activity_id, m.variety, m.variety_other, \
    CAST(CASE WHEN m.received_at IS NULL THEN 0 ELSE 1 END AS BIGINT) \
    FROM samples m JOIN sessions s ON s.id = m.session_id JOIN activities a ON a.id = s.activity_id";
/// `(sample id, judgement)` of the current (not corrected) tests in scope, in test order.
pub(super) const TALLY_TESTS: &str = "SELECT t.sample_id, t.judgement FROM sample_tests t \
    JOIN samples m ON m.id = t.sample_id JOIN sessions s ON s.id = m.session_id \
    JOIN activities a ON a.id = s.activity_id WHERE t.superseded_by IS NULL";
pub(super) type TallySampleRow = (i64, i64, String, String, i64);

/// Everything that names the holder, the phone's keyed hash too: it only serves the
/// per-session sample limit, and the session is over.
pub(super) const ERASE_SAMPLE_HOLDERS: &str =
    "UPDATE samples SET name = NULL, phone = NULL, phone_hash = NULL, request_digest = NULL, \
    idempotency_key = NULL, erased_at = ? \
    WHERE erased_at IS NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)";

from_row! {
    pub(super) struct SampleRow {
        pub(super) id: i64,
        pub(super) session_id: i64,
        pub(super) code: String,
        pub(super) variety: String,
        pub(super) variety_other: String,
        pub(super) bought_at: String,
        pub(super) bought_on: NaiveDate,
        pub(super) name: Option<String>,
        pub(super) phone: Option<String>,
        pub(super) registered_at: NaiveDateTime,
        pub(super) received_at: Option<NaiveDateTime>,
        pub(super) title_zh: String,
        pub(super) title_en: String,
        pub(super) place_zh: String,
        pub(super) place_en: String,
        pub(super) starts_at: NaiveDateTime,
        pub(super) activity_title_zh: String,
        pub(super) activity_title_en: String,
        pub(super) org_name_zh: String,
        pub(super) org_name_en: String,
    }
}

from_row! {
    pub(super) struct TestRow {
        pub(super) id: i64,
        pub(super) sample_id: i64,
        pub(super) method: String,
        pub(super) inhibition_tenths: Option<i64>,
        pub(super) pesticide: Option<String>,
        pub(super) strip: Option<String>,
        pub(super) judgement: String,
        pub(super) tested_at: NaiveDateTime,
        pub(super) corrects: Option<i64>,
        pub(super) superseded_by: Option<i64>,
        pub(super) tester: String,
    }
}

/// Who looks at a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Viewer {
    /// The holder, by code and phone digits: current tests only, nobody's names.
    Holder,
    /// Staff: the holder's name and phone, testers, and corrected tests too.
    Staff,
}

fn strip_reading(raw: &str) -> Option<StripReading> {
    match raw {
        "negative" => Some(StripReading::Negative),
        "positive" => Some(StripReading::Positive),
        _ => None,
    }
}

pub(super) fn strip_str(reading: StripReading) -> &'static str {
    match reading {
        StripReading::Negative => "negative",
        StripReading::Positive => "positive",
    }
}

/// How a reading is stored: `(method, inhibition_tenths, pesticide, strip)`.
pub(super) fn reading_columns(
    reading: &Reading,
) -> (
    &'static str,
    Option<i64>,
    Option<String>,
    Option<&'static str>,
) {
    match reading {
        Reading::Enzyme { inhibition_tenths } => (
            Method::EnzymeInhibition.as_str(),
            Some(i64::from(*inhibition_tenths)),
            None,
            None,
        ),
        Reading::Strip { pesticide, reading } => (
            Method::ColloidalGold.as_str(),
            None,
            Some(pesticide.clone()),
            Some(strip_str(*reading)),
        ),
    }
}

fn test_view(t: &TestRow, viewer: Viewer) -> SampleTest {
    let staff = viewer == Viewer::Staff;
    SampleTest {
        id: t.id,
        method: Method::parse(&t.method).unwrap_or(Method::EnzymeInhibition),
        inhibition_pct: t.inhibition_tenths.map(|v| v as f64 / 10.0),
        pesticide: t.pesticide.clone(),
        strip: t.strip.as_deref().and_then(strip_reading),
        judgement: Judgement::parse(&t.judgement).unwrap_or(Judgement::Positive),
        tested_at: t.tested_at,
        tester: staff.then(|| t.tester.clone()),
        corrects: if staff { t.corrects } else { None },
        superseded: t.superseded_by.is_some(),
    }
}

/// A sample as `viewer` sees it, from its row and its tests in order.
pub(super) fn sample_view(row: &SampleRow, tests: &[TestRow], viewer: Viewer) -> SampleView {
    let variety = VarietyName::of(&row.variety, &row.variety_other);
    let phone = row.phone.as_deref().and_then(|p| Phone::parse(p).ok());
    let mut view = SampleView {
        code: BookingCode::parse(&row.code).unwrap_or_else(|_| BookingCode::from_random([0; 8])),
        session_id: row.session_id,
        session_title: Localised::new(&row.title_zh, &row.title_en),
        activity_title: Localised::new(&row.activity_title_zh, &row.activity_title_en),
        organisation: Localised::new(&row.org_name_zh, &row.org_name_en),
        place: Localised::new(&row.place_zh, &row.place_en),
        session_starts_at: row.starts_at,
        enzyme_false_positive: variety.enzyme_false_positive(),
        variety,
        bought_at: row.bought_at.clone(),
        bought_on: row.bought_on,
        phone_masked: phone.as_ref().map(Phone::masked).unwrap_or_default(),
        status: SampleStatus::Registered,
        registered_at: row.registered_at,
        received_at: row.received_at,
        tests: tests
            .iter()
            .filter(|t| t.sample_id == row.id)
            .filter(|t| viewer == Viewer::Staff || t.superseded_by.is_none())
            .map(|t| test_view(t, viewer))
            .collect(),
        judgement: None,
        retests_needed: 0,
        holder: (viewer == Viewer::Staff).then(|| SampleHolder {
            name: row.name.clone().unwrap_or_default(),
            phone: phone.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        }),
    };
    view.settle();
    view
}

/// Whether the phone digits a holder typed belong to this sample's phone.
pub(super) fn phone_matches(row: &SampleRow, last4: &str) -> bool {
    row.phone
        .as_deref()
        .and_then(|p| Phone::parse(p).ok())
        .is_some_and(|p| p.last4() == last4)
}

/// Joins sample rows with their current tests' judgements into board tallies, keyed by
/// activity.
pub(super) fn tallies(
    samples: Vec<TallySampleRow>,
    tests: &[(i64, String)],
) -> Vec<(i64, SampleTally)> {
    samples
        .into_iter()
        .map(|(id, activity, variety, variety_other, received)| {
            let tests = tests
                .iter()
                .filter(|(sample, _)| *sample == id)
                .filter_map(|(_, j)| Judgement::parse(j))
                .collect();
            (
                activity,
                SampleTally {
                    variety,
                    variety_other,
                    received: received != 0,
                    tests,
                },
            )
        })
        .collect()
}

/// SQLite's placeholders are written as they are.
pub(super) fn as_is(statement: &str) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Borrowed(statement)
}

/// PostgreSQL's placeholders are numbered.
pub(super) fn numbered(statement: &str) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Owned(super::staff_sql::numbered(statement))
}

/// Implements `Samples` for a backend. `$read` and `$write` name its read and write pools,
/// `$sql` turns a statement into the backend's placeholders, and `$lock` is appended to the
/// selects whose rows a change depends on (`FOR UPDATE` on PostgreSQL, nothing on SQLite,
/// whose single writer connection already serialises changes).
macro_rules! samples_storage {
    ($storage:ty, $conn:ty, read: $read:ident, write: $write:ident, sql: $sql:expr, lock: $lock:expr) => {
        use crate::storage::samples::{BoardScope, NewTest, RegistrationContext, Samples};
        use crate::storage::samples_sql::*;
        use crate::storage::{BookingError, StorageError};
        use async_trait::async_trait;
        use chrono::NaiveDateTime;
        use labday_domain::sample::{
            SampleCode, SampleTally, SampleView, ValidRegistration, MAX_SAMPLES_PER_PHONE,
        };
        use labday_domain::time::venue_local;
        use labday_domain::{ErrorCode, SessionFormat};

        fn q(statement: &str) -> std::borrow::Cow<'_, str> {
            $sql(statement)
        }

        fn locked(statement: &str) -> String {
            q(&format!("{statement}{}", $lock)).into_owned()
        }

        fn refused(code: ErrorCode) -> BookingError {
            BookingError::Refused(code)
        }

        /// Views of the samples matching `filter` (a condition on `m`, with one `?`).
        async fn views_where<B>(
            conn: &mut $conn,
            filter: &'static str,
            bind: B,
            viewer: Viewer,
        ) -> Result<Vec<SampleView>, sqlx::Error>
        where
            B: for<'q> sqlx::Encode<'q, <$conn as sqlx::Connection>::Database>
                + sqlx::Type<<$conn as sqlx::Connection>::Database>
                + Clone
                + Send
                + 'static,
        {
            let rows: Vec<SampleRow> = sqlx::query_as(&q(&format!(
                "{SAMPLE_SELECT} WHERE {filter} ORDER BY m.id"
            )))
            .bind(bind.clone())
            .fetch_all(&mut *conn)
            .await?;
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let tests: Vec<TestRow> = sqlx::query_as(&q(&format!(
                "{TEST_SELECT} WHERE t.sample_id IN (SELECT m.id FROM samples m WHERE {filter}) ORDER BY t.id"
            )))
            .bind(bind)
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows.iter().map(|r| sample_view(r, &tests, viewer)).collect())
        }

        async fn staff_view(conn: &mut $conn, id: i64) -> Result<SampleView, BookingError> {
            views_where(conn, "m.id = ?", id, Viewer::Staff)
                .await?
                .pop()
                .ok_or_else(|| refused(ErrorCode::NotFound))
        }

        /// The sample about to change, locked where the backend needs it.
        async fn sample_for_change(
            conn: &mut $conn,
            code: &SampleCode,
        ) -> Result<SampleForChange, BookingError> {
            let sample: Option<SampleForChange> = sqlx::query_as(&locked(SAMPLE_FOR_CHANGE))
                .bind(code.as_str())
                .fetch_optional(&mut *conn)
                .await?;
            sample.ok_or_else(|| refused(ErrorCode::NotFound))
        }

        /// Board tallies of the samples matching `filter` (conditions on `m`, `s` and `a`,
        /// one `?` per bind).
        async fn tallies_where(
            conn: &mut $conn,
            filter: &str,
            binds: &[Option<i64>],
        ) -> Result<Vec<(i64, SampleTally)>, sqlx::Error> {
            let samples_sql = q(&format!("{TALLY_SAMPLES} WHERE {filter} ORDER BY m.id")).into_owned();
            let mut samples = sqlx::query_as::<_, TallySampleRow>(&samples_sql);
            let tests_sql = q(&format!("{TALLY_TESTS} AND {filter} ORDER BY t.id")).into_owned();
            let mut tests = sqlx::query_as::<_, (i64, String)>(&tests_sql);
            for bind in binds {
                samples = samples.bind(*bind);
                tests = tests.bind(*bind);
            }
            let samples = samples.fetch_all(&mut *conn).await?;
            let tests = tests.fetch_all(&mut *conn).await?;
            Ok(tallies(samples, &tests))
        }

        async fn audit(
            conn: &mut $conn,
            staff_id: i64,
            action: labday_domain::staff::AuditAction,
            subject: String,
            now: NaiveDateTime,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(&q(crate::storage::staff_sql::AUDIT))
                .bind(staff_id)
                .bind(action.as_str())
                .bind(subject)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        #[async_trait]
        impl Samples for $storage {
            async fn register_samples(
                &self,
                registration: ValidRegistration,
                ctx: RegistrationContext,
            ) -> Result<Vec<SampleView>, BookingError> {
                let mut tx = self.$write.begin().await?;
                if let Some((key, digest)) = &ctx.idempotency {
                    let earlier: Vec<(i64, Option<String>)> =
                        sqlx::query_as(&q(SAMPLES_BY_IDEMPOTENCY_KEY))
                            .bind(key)
                            .fetch_all(&mut *tx)
                            .await?;
                    if let Some((_, earlier_digest)) = earlier.first() {
                        if earlier_digest.as_deref() != Some(digest.as_str()) {
                            return Err(refused(ErrorCode::IdempotencyMismatch));
                        }
                        return Ok(views_where(
                            &mut tx,
                            "m.idempotency_key = ?",
                            key.clone(),
                            Viewer::Holder,
                        )
                        .await?);
                    }
                }
                let session: Option<SessionForRegistration> =
                    sqlx::query_as(&locked(SESSION_FOR_REGISTRATION))
                        .bind(registration.session_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let (format, status, opens_at, ends_at, offset) =
                    session.ok_or_else(|| refused(ErrorCode::NotFound))?;
                if SessionFormat::parse(&format) != Some(SessionFormat::QuickTest) {
                    return Err(refused(ErrorCode::NotQuickTest));
                }
                if status == "cancelled" {
                    return Err(refused(ErrorCode::SessionCancelled));
                }
                let local_now = venue_local(ctx.now, offset as i32);
                if local_now < opens_at || local_now >= ends_at {
                    return Err(refused(ErrorCode::WindowClosed));
                }
                let phone = registration.phone.as_str();
                let phone_hash = self.keys.phone(phone);
                let held: i64 = sqlx::query_scalar(&q(SAMPLES_OF_PHONE))
                    .bind(registration.session_id)
                    .bind(&phone_hash)
                    .fetch_one(&mut *tx)
                    .await?;
                // Compared wide: neither the stored count nor the request can wrap the sum.
                let held = u64::from($crate::storage::rows::count(held)?);
                let wanted = u64::try_from(registration.items.len()).unwrap_or(u64::MAX);
                if held.saturating_add(wanted) > u64::from(MAX_SAMPLES_PER_PHONE) {
                    return Err(refused(ErrorCode::SampleLimit));
                }
                let (key, digest) = ctx.idempotency.clone().unzip();
                let mut ids = Vec::with_capacity(registration.items.len());
                for (item, code) in registration.items.iter().zip(&ctx.codes) {
                    let id: i64 = sqlx::query_scalar(&q(INSERT_SAMPLE))
                        .bind(registration.session_id)
                        .bind(code.as_str())
                        .bind(&item.variety)
                        .bind(&item.variety_other)
                        .bind(&item.bought_at)
                        .bind(item.bought_on)
                        .bind(registration.name.as_str())
                        .bind(phone)
                        .bind(&phone_hash)
                        .bind(local_now)
                        .bind(local_now)
                        .bind(key.clone())
                        .bind(digest.clone())
                        .fetch_one(&mut *tx)
                        .await?;
                    ids.push(id);
                }
                let mut views = Vec::with_capacity(ids.len());
                for id in ids {
                    views.extend(views_where(&mut tx, "m.id = ?", id, Viewer::Holder).await?);
                }
                tx.commit().await?;
                Ok(views)
            }

            async fn find_sample(
                &self,
                code: &SampleCode,
                phone_last4: &str,
            ) -> Result<Option<SampleView>, StorageError> {
                let mut conn = self.$read.acquire().await?;
                let row: Option<SampleRow> =
                    sqlx::query_as(&q(&format!("{SAMPLE_SELECT} WHERE m.code = ?")))
                        .bind(code.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                match row {
                    Some(row) if phone_matches(&row, phone_last4) => Ok(views_where(
                        &mut conn,
                        "m.id = ?",
                        row.id,
                        Viewer::Holder,
                    )
                    .await?
                    .pop()),
                    _ => Ok(None),
                }
            }

            async fn sample_organisation(
                &self,
                code: &SampleCode,
            ) -> Result<Option<i64>, StorageError> {
                Ok(sqlx::query_scalar(&q(SAMPLE_ORGANISATION))
                    .bind(code.as_str())
                    .fetch_optional(&self.$read)
                    .await?)
            }

            async fn staff_sample(
                &self,
                code: &SampleCode,
            ) -> Result<Option<SampleView>, StorageError> {
                let mut conn = self.$read.acquire().await?;
                Ok(
                    views_where(&mut conn, "m.code = ?", code.as_str().to_owned(), Viewer::Staff)
                        .await?
                        .pop(),
                )
            }

            async fn session_samples(
                &self,
                session_id: i64,
            ) -> Result<Vec<SampleView>, StorageError> {
                let mut conn = self.$read.acquire().await?;
                Ok(views_where(&mut conn, "m.session_id = ?", session_id, Viewer::Staff).await?)
            }

            async fn receive_sample(
                &self,
                staff_id: i64,
                session_id: i64,
                code: &SampleCode,
                now: NaiveDateTime,
            ) -> Result<SampleView, BookingError> {
                let mut tx = self.$write.begin().await?;
                let (id, sample_session, received_at) = sample_for_change(&mut tx, code).await?;
                if sample_session != session_id {
                    return Err(refused(ErrorCode::WrongSession));
                }
                if received_at.is_none() {
                    sqlx::query(&q(RECEIVE_SAMPLE))
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    audit(
                        &mut tx,
                        staff_id,
                        labday_domain::staff::AuditAction::ReceiveSample,
                        format!("sample {}", code.as_str()),
                        now,
                    )
                    .await?;
                }
                let view = staff_view(&mut tx, id).await?;
                tx.commit().await?;
                Ok(view)
            }

            async fn record_test(
                &self,
                staff_id: i64,
                code: &SampleCode,
                test: NewTest,
                now: NaiveDateTime,
            ) -> Result<SampleView, BookingError> {
                let mut tx = self.$write.begin().await?;
                let (id, _, received_at) = sample_for_change(&mut tx, code).await?;
                if received_at.is_none() {
                    return Err(refused(ErrorCode::NotReceived));
                }
                if let Some(earlier) = test.corrects {
                    let current: i64 = sqlx::query_scalar(&q(TEST_TO_CORRECT))
                        .bind(earlier)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if current == 0 {
                        return Err(refused(ErrorCode::Invalid));
                    }
                }
                let (method, tenths, pesticide, strip) = reading_columns(&test.reading);
                let test_id: i64 = sqlx::query_scalar(&q(INSERT_TEST))
                    .bind(id)
                    .bind(method)
                    .bind(tenths)
                    .bind(pesticide)
                    .bind(strip)
                    .bind(test.judgement.as_str())
                    .bind(staff_id)
                    .bind(now)
                    .bind(test.corrects)
                    .fetch_one(&mut *tx)
                    .await?;
                if let Some(earlier) = test.corrects {
                    sqlx::query(&q(SUPERSEDE_TEST))
                        .bind(test_id)
                        .bind(earlier)
                        .execute(&mut *tx)
                        .await?;
                }
                let what = match test.corrects {
                    Some(earlier) => format!(
                        "sample {}: test {test_id} corrects {earlier}: {}",
                        code.as_str(),
                        test.judgement.as_str()
                    ),
                    None => format!(
                        "sample {}: test {test_id}: {}",
                        code.as_str(),
                        test.judgement.as_str()
                    ),
                };
                audit(&mut tx, staff_id, labday_domain::staff::AuditAction::RecordTest, what, now).await?;
                let view = staff_view(&mut tx, id).await?;
                tx.commit().await?;
                Ok(view)
            }

            async fn sample_tallies(
                &self,
                scope: BoardScope,
            ) -> Result<Option<Vec<SampleTally>>, StorageError> {
                let (exists, filter, id) = match scope {
                    BoardScope::Session(id) => (SESSION_EXISTS, "m.session_id = ?", id),
                    BoardScope::Activity(id) => (ACTIVITY_EXISTS, "s.activity_id = ?", id),
                };
                let mut conn = self.$read.acquire().await?;
                let n: i64 = sqlx::query_scalar(&q(exists))
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?;
                if n == 0 {
                    return Ok(None);
                }
                let tallies = tallies_where(&mut conn, filter, &[Some(id)]).await?;
                Ok(Some(tallies.into_iter().map(|(_, t)| t).collect()))
            }

            async fn activity_sample_tallies(
                &self,
                organisation: Option<i64>,
            ) -> Result<Vec<(i64, SampleTally)>, StorageError> {
                let filter = "(CAST(? AS BIGINT) IS NULL OR a.organisation_id = ?)";
                let mut conn = self.$read.acquire().await?;
                Ok(tallies_where(&mut conn, filter, &[organisation, organisation]).await?)
            }

            async fn erase_sample_holders(
                &self,
                cutoff: NaiveDateTime,
            ) -> Result<u64, StorageError> {
                let erased = sqlx::query(&q(ERASE_SAMPLE_HOLDERS))
                    .bind(cutoff)
                    .bind(cutoff)
                    .execute(&self.$write)
                    .await?
                    .rows_affected();
                if erased > 0 {
                    self.forget_erased().await?;
                }
                Ok(erased)
            }
        }
    };
}
pub(super) use samples_storage;
