//! The server's one error type. Every failure becomes the domain's `ApiError` body with the
//! status its code documents; storage failures are logged here and reach the caller only
//! as a generic `internal` error.

use crate::storage::{BookingError, StorageError};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use labday_domain::{ApiError, ErrorCode};

#[derive(Debug)]
pub struct AppError(pub ApiError);

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError(ApiError::new(code, message))
    }

    pub fn not_found(what: &str) -> Self {
        AppError::new(ErrorCode::NotFound, format!("{what} not found"))
    }
}

/// Something asked for by id or code: `None` answers `404 not_found`.
pub trait OrNotFound<T> {
    /// The value, or a 404 naming `what` (`"session"`, `"photo"`...).
    fn or_not_found(self, what: &str) -> Result<T, AppError>;
}

impl<T> OrNotFound<T> for Option<T> {
    fn or_not_found(self, what: &str) -> Result<T, AppError> {
        self.ok_or_else(|| AppError::not_found(what))
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError(e)
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        if e.busy() {
            // Retryable, with Retry-After: the app and the API's clients try again.
            tracing::warn!(error = %e, "database busy");
            return AppError::new(
                ErrorCode::Unavailable,
                refusal_message(ErrorCode::Unavailable),
            );
        }
        AppError::internal(format_args!("storage failure: {e}"))
    }
}

impl AppError {
    /// A 500 that says nothing internal; `detail` goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal failure");
        AppError::new(
            ErrorCode::Internal,
            "Something went wrong on our side; please try again",
        )
    }
}

impl From<BookingError> for AppError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::Refused(code) => AppError::new(code, refusal_message(code)),
            BookingError::Elsewhere(session) => AppError(ApiError::elsewhere(
                refusal_message(ErrorCode::WrongSession),
                session,
            )),
            BookingError::Field(field, code) => AppError(
                ApiError::new(ErrorCode::Invalid, "Some fields need attention")
                    .with_field(field, code),
            ),
            BookingError::Storage(e) => e.into(),
        }
    }
}

/// English fallback text; the front end shows its own text for each code.
pub fn refusal_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::NotFound => "No booking matches that code and phone number",
        ErrorCode::WindowClosed => "Booking for this session is not open",
        ErrorCode::DuplicateBooking => "This phone number already has a booking for this session",
        ErrorCode::DailyLimit => "This phone number has reached the daily limit of people",
        ErrorCode::PartyTooLarge => "The party is larger than this session allows per booking",
        ErrorCode::CancelDeadlinePassed => "The cancellation deadline has passed",
        ErrorCode::AlreadyCancelled => "This booking is already cancelled",
        ErrorCode::SessionCancelled => "This session was cancelled by the organiser",
        ErrorCode::NoShowBlocked => "Bookings are paused for this number after repeated no-shows",
        ErrorCode::IdempotencyMismatch => "This Idempotency-Key was used for a different request",
        ErrorCode::TooManyRequests => "Too many attempts; please wait a moment",
        ErrorCode::SessionFull => "No place is left on this session, reserved or free",
        ErrorCode::OtherActivity => "A booking can move only to another session of the same activity",
        ErrorCode::NotQuickTest => "Samples can be registered only on a quick-test session",
        ErrorCode::SampleLimit => "This phone number has registered the most samples allowed here",
        ErrorCode::NotReceived => "The sample must be received before a result is entered",
        ErrorCode::Unavailable => "Too many requests are waiting; please try again in a moment",
        ErrorCode::CapacityBelowBooked => {
            "Capacity cannot go below the people already booked on this session and the places still reserved for walk-ins"
        }
        ErrorCode::WrongSession => "This code is for another session",
        ErrorCode::NotConfirmed => "This booking is not confirmed (waiting, cancelled or a no-show)",
        ErrorCode::AlreadyCheckedIn => "This booking's party is already checked in",
        ErrorCode::SessionNotOver => "No-shows can be marked only after the session has ended",
        ErrorCode::SessionOver => {
            "This session has begun or is over: its times stay as they are (and once over it cannot be cancelled); nor can a session move to times already over"
        }
        ErrorCode::StillBooked => {
            "This booking still holds or waits for a place: its details can be erased once it is cancelled or the day of its session is over"
        }
        ErrorCode::StillTesting => {
            "The lab may still test this sample or correct its result until its session is over and its re-tests are done: its details can be erased then"
        }
        ErrorCode::Withdrawn => {
            "This sample's holder details were erased before it was handed in (withdrawn): register it again"
        }
        ErrorCode::BeforeSessionDay => {
            "Check-in, walk-ins and sample receipt open on the session's day, not before"
        }
        ErrorCode::EditedMeanwhile => {
            "Someone saved this meanwhile: nothing changed; read it again and redo the change"
        }
        ErrorCode::UsernameTaken => "This username is taken",
        ErrorCode::AccountDisabled => "This account is disabled",
        ErrorCode::PasswordChangeRequired => "Choose a new password first",
        ErrorCode::OwnAccount => "This cannot be done to your own account",
        ErrorCode::BadRequest => "The request is not valid",
        ErrorCode::PayloadTooLarge => "The request body is larger than this API reads",
        ErrorCode::Invalid => "Some fields need attention",
        ErrorCode::MethodNotAllowed => "This method is not allowed here",
        ErrorCode::Unauthorized => "Sign in first",
        ErrorCode::Forbidden => "This is outside what your account may do",
        ErrorCode::Internal | ErrorCode::Network => "The request could not be completed",
    }
}

impl From<JsonRejection> for AppError {
    fn from(e: JsonRejection) -> Self {
        AppError::new(
            ErrorCode::BadRequest,
            format!("Request body is not valid: {}", e.body_text()),
        )
    }
}

impl From<QueryRejection> for AppError {
    fn from(e: QueryRejection) -> Self {
        AppError::new(
            ErrorCode::BadRequest,
            format!("Query is not valid: {}", e.body_text()),
        )
    }
}

impl From<PathRejection> for AppError {
    /// A path whose id is not one (`/activities/abc`) names nothing: 404, without the
    /// server's type names (`i64`) that axum's own text gives.
    fn from(e: PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        let PathRejection::FailedToDeserializePathParams(failed) = e else {
            return AppError::internal(format_args!("path parameters: {}", e.body_text()));
        };
        let which = match failed.into_kind() {
            ErrorKind::ParseErrorAtKey { key, .. } | ErrorKind::InvalidUtf8InPathParam { key } => {
                format!("the path's `{key}` is not valid")
            }
            ErrorKind::UnsupportedType { name } => {
                return AppError::internal(format_args!("path parameters of type {name}"))
            }
            _ => "the path is not valid".to_owned(),
        };
        AppError::new(ErrorCode::NotFound, format!("No such resource: {which}"))
    }
}

/// Seconds a caller answered `unavailable` is asked to wait: long enough for a queue to
/// drain or a database to come back, short enough that a citizen still waits for it.
pub const RETRY_AFTER_SECS: u64 = 5;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = (self.0.code == ErrorCode::Unavailable)
            .then(|| [(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS))]);
        (status, retry_after, Json(self.0)).into_response()
    }
}

/// An [`AppError`] that may say when to try again (`Retry-After`, in seconds): what handlers
/// behind a throttle or rate limit return. Every error converts into it.
#[derive(Debug)]
pub struct Refusal {
    pub error: AppError,
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn retry_after(error: AppError, seconds: u64) -> Refusal {
        Refusal {
            error,
            retry_after: Some(seconds),
        }
    }
}

impl<E> From<E> for Refusal
where
    AppError: From<E>,
{
    fn from(e: E) -> Self {
        Refusal {
            error: e.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_answers_unavailable_and_a_broken_one_internal() {
        let busy = AppError::from(StorageError::from(sqlx::Error::PoolTimedOut));
        assert_eq!(busy.0.code, ErrorCode::Unavailable);
        assert_eq!(busy.0.code.http_status(), 503);
        for broken in [
            StorageError::from(sqlx::Error::RowNotFound),
            StorageError::new("a row of an unknown shape"),
        ] {
            assert!(!broken.busy());
            assert_eq!(AppError::from(broken).0.code, ErrorCode::Internal);
        }
    }
}
