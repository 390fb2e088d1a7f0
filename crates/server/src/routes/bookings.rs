//! Booking, finding and cancelling. Phones travel only in request bodies, never in URLs,
//! and never appear in logs.

use crate::error::AppError;
use crate::state::AppState;
use crate::storage::{BookingContext, BookingError};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::booking::{BookingCode, BookingLookup, CODE_LEN};
use labday_domain::{ApiError, BookingRequest, BookingView, ErrorCode, Phone};
use rand::RngCore;

/// A fresh random code for a booking or a sample.
pub(crate) fn fresh_code() -> BookingCode {
    let mut bytes = [0u8; CODE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    BookingCode::from_random(bytes)
}

/// Longest Idempotency-Key accepted.
const IDEMPOTENCY_KEY_MAX: usize = 100;

/// The client's `Idempotency-Key`, if it sent a usable one.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= IDEMPOTENCY_KEY_MAX)
        .ok_or_else(|| {
            AppError(
                ApiError::new(
                    ErrorCode::BadRequest,
                    "Idempotency-Key must be 1–100 visible characters",
                )
                .with_field("idempotency_key", "invalid"),
            )
        })?;
    Ok(Some(key.to_owned()))
}

fn idempotency(
    headers: &HeaderMap,
    request: &BookingRequest,
) -> Result<Option<(String, String)>, AppError> {
    // The request itself is the digest: equal requests are the same booking.
    Ok(idempotency_key(headers)?
        .map(|key| (key, serde_json::to_string(request).unwrap_or_default())))
}

/// Books a session: confirmed when the whole party fits, waitlisted otherwise.
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    request_body = BookingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first result")),
    responses(
        (status = 201, body = BookingView, description = "Booked (status confirmed or waitlisted)"),
        (status = 404, body = ApiError, description = "No such session"),
        (status = 409, body = ApiError, description = "Window closed, duplicate, daily limit, party too large"),
        (status = 403, body = ApiError, description = "Paused after repeated no-shows"),
        (status = 422, body = ApiError, description = "Invalid fields"),
        (status = 503, body = ApiError, description = "Too many bookings waiting, or no answer within the request deadline (`unavailable`, with `Retry-After`); retry with the same Idempotency-Key")
    )
)]
pub async fn create_booking(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<BookingRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<BookingView>), AppError> {
    let Json(request) = body?;
    let now = Utc::now();
    let limit = state
        .catalogue_cache
        .per_booking_limit_or_load(request.session_id, async {
            let session = state.storage.session(request.session_id, now).await?;
            Ok(session.map(|s| s.per_booking_limit))
        })
        .await?
        .ok_or_else(|| AppError::not_found("session"))?;
    let valid = request.validate(limit)?;
    let ctx = BookingContext {
        now,
        daily_limit: state.daily_limit,
        no_show: state.no_show,
        code: fresh_code(),
        idempotency: idempotency(&headers, &request)?,
    };
    let view = match state.storage.book(valid, ctx).await {
        Ok(view) => view,
        Err(e) => {
            if matches!(e, BookingError::Refused(ErrorCode::PartyTooLarge)) {
                // The limit changed since it was remembered.
                state.catalogue_cache.forget_limit(request.session_id);
            }
            return Err(e.into());
        }
    };
    state.catalogue_cache.places_changed();
    // Debug, not info: under a rush a line per booking on stderr cost a third of the
    // booking rate (BENCHMARKS.md); the bookings table is the record.
    tracing::debug!(session = view.session.id, status = ?view.status, "booking made");
    Ok((StatusCode::CREATED, Json(view)))
}

fn parse_lookup(lookup: &BookingLookup) -> Result<(BookingCode, Phone), AppError> {
    let code = BookingCode::parse(&lookup.code);
    let phone = Phone::parse(&lookup.phone);
    match (code, phone) {
        (Ok(code), Ok(phone)) => Ok((code, phone)),
        (code, phone) => {
            let mut err = ApiError::new(
                ErrorCode::Invalid,
                "Check the booking code and phone number",
            );
            if let Err(c) = code {
                err = err.with_field("code", c);
            }
            if let Err(c) = phone {
                err = err.with_field("phone", c);
            }
            Err(AppError(err))
        }
    }
}

/// Finds a booking by its code and the phone number it was made with.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/lookup",
    request_body = BookingLookup,
    responses((status = 200, body = BookingView), (status = 404, body = ApiError), (status = 422, body = ApiError))
)]
pub async fn lookup_booking(
    State(state): State<AppState>,
    body: Result<Json<BookingLookup>, JsonRejection>,
) -> Result<Json<BookingView>, AppError> {
    let Json(lookup) = body?;
    let (code, phone) = parse_lookup(&lookup)?;
    let view = state
        .storage
        .find_booking(&code, &phone, Utc::now())
        .await?;
    view.map(Json).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            "No booking matches that code and phone number",
        )
    })
}

/// Cancels a booking before its deadline; its places go to the waiting list at once.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/cancel",
    request_body = BookingLookup,
    responses(
        (status = 200, body = BookingView),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "Deadline passed or already cancelled")
    )
)]
pub async fn cancel_booking(
    State(state): State<AppState>,
    body: Result<Json<BookingLookup>, JsonRejection>,
) -> Result<Json<BookingView>, AppError> {
    let Json(lookup) = body?;
    let (code, phone) = parse_lookup(&lookup)?;
    let view = state
        .storage
        .cancel_booking(&code, &phone, Utc::now())
        .await?;
    state.catalogue_cache.places_changed();
    tracing::debug!(session = view.session.id, "booking cancelled");
    Ok(Json(view))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bookings", post(create_booking))
        .route("/bookings/lookup", post(lookup_booking))
        .route("/bookings/cancel", post(cancel_booking))
}
