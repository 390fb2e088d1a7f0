//! labday's vocabulary: the types that cross the wire between the WebAssembly front end and
//! the server, and the booking rules both sides apply. The server is the authority and
//! re-checks everything; the front end runs the same code so a citizen sees the same error
//! before sending. Nothing here does I/O, so it builds for wasm32 and native alike.

#[macro_use]
mod wire;

pub mod activity;
pub mod booking;
pub mod calendar;
pub mod entry;
pub mod error;
pub mod figures;
pub mod media;
pub mod message;
pub mod offline_check_in;
pub mod organisation;
pub mod phone;
pub mod phone_code;
pub mod photo;
pub mod privacy;
pub mod report;
pub mod sample;
pub mod schedule;
pub mod session;
pub mod staff;
pub mod text;
pub mod time;
pub mod walk_in;

pub use activity::{
    ActivityDetail, ActivityFilter, ActivityKind, ActivitySummary, Category, Localised,
    Organisation,
};
pub use booking::{
    BookingCode, BookingLookup, BookingReceipt, BookingRequest, BookingStatus, BookingView,
    HolderName, Party,
};
pub use error::{ApiError, ErrorCode, FieldCode};
pub use phone::Phone;
pub use session::{Availability, SessionFormat, SessionStatus, SessionView, WindowState};
