//! The storage boundary: everything the API needs from a database, as one small trait per
//! aggregate. Handlers only ever see these traits; SQL lives in the implementations.

/// `#[derive(sqlx::FromRow)]` without sqlx's proc macros (see `migrations.rs` for why): the
/// struct, and a `FromRow` that reads each field from the column of the same name
/// (through `columns::Column`, which reads SQLite's timestamps faster than sqlx).
macro_rules! from_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($field_vis:vis $field:ident: $ty:ty),* $(,)? }
    ) => {
        $(#[$meta])*
        $vis struct $name { $($field_vis $field: $ty),* }

        impl<'r, R: ::sqlx::Row> ::sqlx::FromRow<'r, R> for $name
        where
            &'r str: ::sqlx::ColumnIndex<R>,
            $(<$ty as $crate::storage::columns::Column>::Wire:
                ::sqlx::Decode<'r, R::Database> + ::sqlx::Type<R::Database>,)*
        {
            fn from_row(row: &'r R) -> Result<Self, ::sqlx::Error> {
                use $crate::storage::columns::Column;
                Ok($name {
                    $($field: <$ty as Column>::from_wire(row.try_get(stringify!($field))?)
                        .map_err(|source| ::sqlx::Error::ColumnDecode {
                            index: stringify!($field).to_owned(),
                            source,
                        })?,)*
                })
            }
        }
    };
}

mod admission;
mod catalogue;
mod columns;
pub mod db;
mod erasure_sql;
mod migrations;
pub mod photos;
pub mod postgres;
pub mod reports;
mod rows;
pub mod samples;
mod samples_sql;
pub mod schedule;
pub mod sqlite;
pub mod staff;
mod staff_sql;
pub mod throttles;
mod waiting;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use labday_domain::booking::{BookingCode, NoShowPolicy, ValidBooking};
use labday_domain::{BookingView, ErrorCode, Phone};

pub use catalogue::{Catalogue, NewActivity, NewOrganisation, NewSession};

/// A storage failure that is not the caller's fault. Its detail goes to the log only.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StorageError(String);

impl StorageError {
    pub fn new(detail: impl std::fmt::Display) -> Self {
        StorageError(detail.to_string())
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        StorageError::new(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StorageError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StorageError::new(e)
    }
}

/// Why a booking operation was refused, or that storage failed.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("refused: {0:?}")]
    Refused(ErrorCode),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for BookingError {
    fn from(e: sqlx::Error) -> Self {
        BookingError::Storage(e.into())
    }
}

/// Rules and context of one booking attempt that come from configuration and the request.
#[derive(Debug, Clone)]
pub struct BookingContext {
    pub now: DateTime<Utc>,
    pub daily_limit: u32,
    pub no_show: NoShowPolicy,
    /// A fresh random code, used if this attempt creates a booking.
    pub code: BookingCode,
    /// The client's Idempotency-Key, if it sent one, and a digest of the request body.
    pub idempotency: Option<(String, String)>,
}

/// Bookings: the one aggregate where concurrency matters.
#[async_trait]
pub trait Bookings: Send + Sync {
    /// Books atomically: window, duplicate, daily-limit and no-show checks, then confirmed
    /// or waitlisted; confirmed people never exceed capacity. Concurrent calls are admitted
    /// together in batches (group commit), each with its own answer.
    async fn book(
        &self,
        booking: ValidBooking,
        ctx: BookingContext,
    ) -> Result<BookingView, BookingError>;
    /// Books `requests` in one transaction, in order, each decided as if it came after the
    /// one before (places, duplicate phones, daily limits, idempotency keys): one answer
    /// each. This is what `book` does with the requests waiting at the same moment.
    async fn book_batch(
        &self,
        requests: Vec<(ValidBooking, BookingContext)>,
    ) -> Vec<Result<BookingView, BookingError>>;
    /// The holder's view, or `None` when code and phone do not match a booking.
    async fn find_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingView>, StorageError>;
    /// Cancels before the deadline, releasing places and promoting the waiting list.
    async fn cancel_booking(
        &self,
        code: &BookingCode,
        phone: &Phone,
        now: DateTime<Utc>,
    ) -> Result<BookingView, BookingError>;
    /// Erases name, phone and idempotency record of bookings whose session ended before
    /// `cutoff` (venue time). The phone's keyed hash stays, for the no-show pause.
    async fn erase_personal_data(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError>;
    /// Clears the phones' keyed hashes of bookings and samples whose session ended before
    /// `cutoff`: past the no-show window no rule reads them.
    async fn forget_phone_hashes(&self, cutoff: NaiveDateTime) -> Result<u64, StorageError>;
}

/// What the storage code of every aggregate runs on: the database, and the keyed hash
/// under its server secret. Each aggregate's trait is implemented once, for every `Parts`.
pub trait Parts: Send + Sync {
    fn db(&self) -> &db::Db;
    fn keys(&self) -> &crate::keyed_hash::KeyedHash;
}

/// Everything the server stores.
#[async_trait]
pub trait Storage:
    Catalogue
    + Bookings
    + staff::Staff
    + schedule::Schedule
    + reports::Reports
    + reports::MediaCoverage
    + samples::Samples
    + photos::Photos
    + throttles::Throttles
{
    fn backend(&self) -> &'static str;
    /// Keyed hashes under this database's server secret (idempotency records, phones).
    fn keyed_hash(&self) -> &crate::keyed_hash::KeyedHash;
    /// Whether the database answers a trivial query now (the health check).
    async fn ping(&self) -> Result<(), StorageError>;
    /// Closes the database connections at shutdown; every later call fails.
    async fn close(&self);
}
