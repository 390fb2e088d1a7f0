//! The storage boundary: everything the API needs from a database, as one small trait per
//! aggregate. Handlers only ever see these traits; SQL lives in the implementations.

/// `#[derive(sqlx::FromRow)]` without sqlx's proc macros (see `migrations.rs` for why): the
/// struct, and a `FromRow` that reads each field from the column of the same name, or a
/// `Localised` field from its `_zh` and `_en` columns (through `columns::Field`; see
/// `columns::Column` for how one column is read, SQLite's timestamps faster than sqlx).
macro_rules! from_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($field_vis:vis $field:ident: $ty:ty),* $(,)? }
    ) => {
        $(#[$meta])*
        $vis struct $name { $($field_vis $field: $ty),* }

        impl<'r, R: ::sqlx::Row> ::sqlx::FromRow<'r, R> for $name
        where
            $($ty: $crate::storage::columns::Field<'r, R>,)*
        {
            fn from_row(row: &'r R) -> Result<Self, ::sqlx::Error> {
                use $crate::storage::columns::Field;
                Ok($name {
                    $($field: <$ty as Field<'r, R>>::read(row, stringify!($field))?,)*
                })
            }
        }
    };
}

mod accounts;
mod admission;
mod audit;
mod bookings;
mod catalogue;
mod columns;
pub mod db;
mod erasure;
mod migrations;
pub mod organisations;
pub mod outbox;
pub mod phone_codes;
pub mod photos;
pub mod postgres;
pub mod reports;
pub mod reschedule;
mod rows;
pub mod samples;
pub mod schedule;
pub mod sqlite;
pub mod staff;
mod store;
pub mod throttles;
mod waiting;
pub mod walk_ins;

use async_trait::async_trait;
use labday_domain::ErrorCode;

pub use accounts::AccountChange;
pub use bookings::{BookingContext, Bookings};
pub use catalogue::{Catalogue, NewActivity, NewOrganisation};
pub use store::Store;

/// A storage failure that is not the caller's fault. Its detail goes to the log only.
#[derive(Debug, thiserror::Error)]
#[error("storage: {detail}")]
pub struct StorageError {
    detail: String,
    /// The database could not take the work now (no connection to be had, too many
    /// clients, starting or shutting down): the same request later may well succeed.
    busy: bool,
    /// A unique index refused a row: its key (a random code, say) is taken already.
    taken: bool,
}

impl StorageError {
    pub fn new(detail: impl std::fmt::Display) -> Self {
        StorageError {
            detail: detail.to_string(),
            busy: false,
            taken: false,
        }
    }

    /// Whether a unique index refused the write: the same write with another key (a fresh
    /// random code) may well go through.
    pub fn taken(&self) -> bool {
        self.taken
    }

    /// Whether the database was too busy or unreachable, rather than the work failing:
    /// the caller hears "unavailable, try again" (503), not "internal error" (500).
    pub fn busy(&self) -> bool {
        self.busy
    }
}

/// Whether `e` says the database could not take the work now: no pooled connection within
/// the wait, or PostgreSQL refusing connections (SQLSTATE class 08, class 53 such as
/// 53300 "too many clients", 57P03 "cannot connect now").
fn database_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("53") || c == "57P03"),
        _ => false,
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        StorageError {
            busy: database_busy(&e),
            taken: matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation()),
            detail: e.to_string(),
        }
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
    /// `wrong_session`: the code belongs to this other session of the desk's organisation.
    #[error("refused: belongs to session {0}")]
    Elsewhere(i64),
    /// Refused for what one field holds (`invalid`, with the field named).
    #[error("refused: {0} {1:?}")]
    Field(&'static str, labday_domain::FieldCode),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for BookingError {
    fn from(e: sqlx::Error) -> Self {
        BookingError::Storage(e.into())
    }
}

impl BookingError {
    /// A write's result, with the phone's unique index refusing it read as what it means:
    /// the phone already holds a place on the session (`duplicate_booking`).
    fn unless_phone_held<T>(written: Result<T, sqlx::Error>) -> Result<T, BookingError> {
        match written {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(BookingError::Refused(ErrorCode::DuplicateBooking))
            }
            other => Ok(other?),
        }
    }
}

pub(crate) use store::{Admits, Parts};

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
    + organisations::Organisations
    + accounts::Accounts
    + walk_ins::WalkIns
    + outbox::Outbox
    + reschedule::Reschedule
    + phone_codes::PhoneCodes
{
    fn backend(&self) -> &'static str;
    /// Keyed hashes under this database's server secret (idempotency records, phones).
    fn keyed_hash(&self) -> &crate::keyed_hash::KeyedHash;
    /// Whether the database answers a trivial query now (the health check).
    async fn ping(&self) -> Result<(), StorageError>;
    /// Closes the database connections at shutdown; every later call fails.
    async fn close(&self);
}
