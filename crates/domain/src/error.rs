//! The one error shape every API call returns on failure: `{"code","message","fields"}`.
//! `code` is stable and machine-readable so the front end can show the message in the
//! reader's language; `message` is a plain English fallback; `fields` maps form fields to
//! per-field codes so errors can sit beside the input that caused them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stable error codes. Each documents the HTTP status the server answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400 — the request body or query could not be read at all.
    BadRequest,
    /// 422 — one or more fields are invalid; see `fields`.
    Invalid,
    /// 404 — no such activity, session or booking (also for a wrong code/phone pair).
    NotFound,
    /// 409 — the booking window is not open (not yet, or already closed).
    WindowClosed,
    /// 409 — this phone already holds a booking in this session.
    DuplicateBooking,
    /// 409 — this phone would exceed the per-day people limit.
    DailyLimit,
    /// 409 — party larger than the session allows per booking.
    PartyTooLarge,
    /// 409 — too late to cancel.
    CancelDeadlinePassed,
    /// 409 — the booking is already cancelled.
    AlreadyCancelled,
    /// 409 — the session was cancelled by the organiser.
    SessionCancelled,
    /// 403 — bookings blocked for this phone after repeated no-shows.
    NoShowBlocked,
    /// 409 — the same Idempotency-Key was reused with a different request.
    IdempotencyMismatch,
    /// 401 — staff endpoint without a valid staff session (or wrong sign-in).
    Unauthorized,
    /// 403 — signed in, but this is another organisation's.
    Forbidden,
    /// 409 — the booking belongs to another session.
    WrongSession,
    /// 409 — the booking is on the waiting list, not confirmed.
    NotConfirmed,
    /// 409 — everyone in the party has already checked in.
    AlreadyCheckedIn,
    /// 409 — no-shows can be marked only after the session has ended.
    SessionNotOver,
    /// 409 — that username is taken.
    UsernameTaken,
    /// 409 — a session's capacity cannot go below the people already booked on it.
    CapacityBelowBooked,
    /// 409 — samples can be registered only on a quick-test session.
    NotQuickTest,
    /// 409 — this phone has registered as many samples on this session as allowed.
    SampleLimit,
    /// 409 — a sample must be received before a result is entered.
    NotReceived,
    /// 429 — too many requests; try again later.
    TooManyRequests,
    /// 503 — the server is too busy or its database does not answer; try again after the
    /// `Retry-After` seconds. A booking answered this way may still have been made:
    /// retry with the same `Idempotency-Key`.
    Unavailable,
    /// 500 — something went wrong on the server; details are in its log, not here.
    Internal,
    /// Client side only: the server could not be reached.
    Network,
}

impl ErrorCode {
    /// The HTTP status the server uses for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Invalid => 422,
            ErrorCode::NotFound => 404,
            ErrorCode::NoShowBlocked | ErrorCode::Forbidden => 403,
            ErrorCode::Unauthorized => 401,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal | ErrorCode::Network => 500,
            ErrorCode::WindowClosed
            | ErrorCode::DuplicateBooking
            | ErrorCode::DailyLimit
            | ErrorCode::PartyTooLarge
            | ErrorCode::CancelDeadlinePassed
            | ErrorCode::AlreadyCancelled
            | ErrorCode::SessionCancelled
            | ErrorCode::IdempotencyMismatch
            | ErrorCode::WrongSession
            | ErrorCode::NotConfirmed
            | ErrorCode::AlreadyCheckedIn
            | ErrorCode::SessionNotOver
            | ErrorCode::UsernameTaken
            | ErrorCode::CapacityBelowBooked
            | ErrorCode::NotQuickTest
            | ErrorCode::SampleLimit
            | ErrorCode::NotReceived => 409,
        }
    }
}

/// The error body of every failed API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Adds a per-field error code (e.g. `phone` → `phone_invalid`).
    pub fn with_field(mut self, field: &str, code: &str) -> Self {
        self.fields.insert(field.to_owned(), code.to_owned());
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
