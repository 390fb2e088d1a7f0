//! Vegetable samples for pesticide quick tests: registration by citizens, receipt and test
//! results by staff, lookups by code and the phone's last four digits, and the public board.
//! Both databases run the same statements (see `samples_sql`); the one difference is that
//! PostgreSQL locks the session or sample row a change depends on, where SQLite's single
//! writer already serialises every change.

use super::{BookingError, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use labday_domain::sample::{
    Judgement, Reading, SampleCode, SampleTally, SampleView, ValidRegistration,
};

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
}

/// Whose samples the board counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardScope {
    Session(i64),
    Activity(i64),
}

#[async_trait]
pub trait Samples: Send + Sync {
    /// Registers every sample of a quick-test registration, or none: the session must be a
    /// quick-test session, not cancelled, open for registration (from its booking window's
    /// opening until it ends), and the phone may hold at most
    /// [`labday_domain::sample::MAX_SAMPLES_PER_PHONE`] samples on it. A retry with the same
    /// Idempotency-Key returns the first registration's samples.
    async fn register_samples(
        &self,
        registration: ValidRegistration,
        ctx: RegistrationContext,
    ) -> Result<Vec<SampleView>, BookingError>;
    /// The holder's view (no history of corrections, no tester, no holder), or `None` when
    /// the code is unknown or the last four digits do not match: the caller cannot tell which.
    async fn find_sample(
        &self,
        code: &SampleCode,
        phone_last4: &str,
    ) -> Result<Option<SampleView>, StorageError>;
    /// The organisation running the session a sample was registered on.
    async fn sample_organisation(&self, code: &SampleCode) -> Result<Option<i64>, StorageError>;
    /// One sample as staff see it: holder, testers and every test including corrected ones.
    async fn staff_sample(&self, code: &SampleCode) -> Result<Option<SampleView>, StorageError>;
    /// Every sample registered on a session, in registration order, as staff see them.
    async fn session_samples(&self, session_id: i64) -> Result<Vec<SampleView>, StorageError>;
    /// Marks a sample handed in at `session_id`'s test point (again: no change). Refused with
    /// `not_found` or `wrong_session`.
    async fn receive_sample(
        &self,
        staff_id: i64,
        session_id: i64,
        code: &SampleCode,
        now: NaiveDateTime,
    ) -> Result<SampleView, BookingError>;
    /// Records a test of a received sample (`not_received` otherwise); a correction keeps the
    /// test it corrects, marked superseded. Refused with `invalid` when `corrects` is not a
    /// current test of this sample.
    async fn record_test(
        &self,
        staff_id: i64,
        code: &SampleCode,
        test: NewTest,
        now: NaiveDateTime,
    ) -> Result<SampleView, BookingError>;
    /// What the board needs of each sample in scope; `None` when the session or activity does
    /// not exist.
    async fn sample_tallies(
        &self,
        scope: BoardScope,
    ) -> Result<Option<Vec<SampleTally>>, StorageError>;
    /// Per activity, the tallies of every sample of one organisation (or of all), for the
    /// organiser's figures.
    async fn activity_sample_tallies(
        &self,
        organisation: Option<i64>,
    ) -> Result<Vec<(i64, SampleTally)>, StorageError>;
    /// Erases name and phone of samples whose session ended before `cutoff` (venue time).
    async fn erase_sample_holders(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError>;
}
