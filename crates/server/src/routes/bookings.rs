//! Booking, finding, cancelling and erasing. Phones travel only in request bodies, never in URLs,
//! and never appear in logs.

use crate::client::ClientAddr;
use crate::error::{AppError, OrNotFound, Refusal};
use crate::extract::{AppJson, WithinBookingRate};
use crate::keyed_hash::KeyedHash;
use crate::routes::{FieldErrors, TooManyMisses};
use crate::state::AppState;
use crate::storage::{BookingContext, BookingError};
use crate::throttle::{self, Attempt};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::booking::{BookingCode, BookingErased, BookingLookup};
use labday_domain::{
    ApiError, BookingReceipt, BookingRequest, BookingView, ErrorCode, FieldCode, Phone,
};

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
                .with_field("idempotency_key", FieldCode::Invalid),
            )
        })?;
    Ok(Some(key.to_owned()))
}

/// The idempotency record of a request: the client's key and the request body, each as a
/// keyed hash. Equal bodies give equal digests, so a retry is told from a different request
/// without the record holding the name or the phone.
pub(crate) fn idempotency_record<T: serde::Serialize>(
    keys: &KeyedHash,
    headers: &HeaderMap,
    request: &T,
) -> Result<Option<(String, String)>, AppError> {
    keyed_record(keys, headers, request, KeyedHash::idempotency_key)
}

/// [`idempotency_record`] with the key kept as `stored` keeps it (a walk-in's under a
/// purpose of its own: `KeyedHash::walk_in_key`).
pub(crate) fn keyed_record<T: serde::Serialize>(
    keys: &KeyedHash,
    headers: &HeaderMap,
    request: &T,
    stored: fn(&KeyedHash, &str) -> String,
) -> Result<Option<(String, String)>, AppError> {
    let Some(key) = idempotency_key(headers)? else {
        return Ok(None);
    };
    // The parsed request re-serialised, not the bytes sent: field order and spacing are the
    // client's, and must not make a retry look different.
    let canonical = serde_json::to_vec(request).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a request for its digest");
        AppError::new(ErrorCode::Internal, "Something went wrong")
    })?;
    Ok(Some((stored(keys, &key), keys.request_digest(&canonical))))
}

/// What a booking answers: the holder's whole view, or with `Prefer: return=minimal` (RFC
/// 7240) the receipt alone, which is all the app reads of it. A receipt is about a tenth
/// of the view's size, and serialising and compressing it is that much less of a booking's
/// cost (README, "The booking answer").
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum BookingAnswer {
    View(Box<BookingView>),
    Receipt(BookingReceipt),
}

/// Whether the request asks for the brief answer: a `Prefer` preference `return=minimal`
/// (its parameters, if any, after `;`, are not read).
fn prefers_minimal(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.split(';').next())
        .any(|p| {
            let p: String = p.chars().filter(|c| !c.is_whitespace()).collect();
            p.eq_ignore_ascii_case("return=minimal")
        })
}

/// Books a session: confirmed when the whole party fits, waitlisted otherwise.
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    request_body = BookingRequest,
    params(
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 100, description = "Retries with the same key return the first result"),
        ("Prefer" = Option<String>, Header, description = "`return=minimal`: answer with the booking's receipt (code, status, waiting-list place, session) instead of the holder's whole view")
    ),
    responses(
        (status = 201, body = BookingAnswer, description = "Booked (status confirmed or waitlisted): the holder's view, or with `Prefer: return=minimal` the receipt, marked `Preference-Applied: return=minimal`",
            headers(("Preference-Applied" = String, description = "`return=minimal` when the answer is the receipt"))),
        (status = 404, body = ApiError, description = "No such session"),
        (status = 409, body = ApiError, description = "Window closed, duplicate, daily limit, party too large"),
        (status = 403, body = ApiError, description = "Paused after repeated no-shows"),
        (status = 422, body = ApiError, description = "Invalid fields"),
        (status = 429, body = ApiError, description = "Too many bookings from this client address this minute (`--booking-rate-per-minute`)",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, body = ApiError, description = "Too many bookings waiting, or no answer within the request deadline (`unavailable`, with `Retry-After`); retry with the same Idempotency-Key")
    )
)]
pub async fn create_booking(
    State(state): State<AppState>,
    _: WithinBookingRate,
    headers: HeaderMap,
    AppJson(request): AppJson<BookingRequest>,
) -> Result<Response, Refusal> {
    let now = Utc::now();
    let limit = state
        .catalogue_cache
        .per_booking_limit_or_load(request.session_id, async {
            let session = state.storage.session(request.session_id, now).await?;
            Ok(session.map(|s| s.per_booking_limit))
        })
        .await?
        .or_not_found("session")?;
    let valid = request.validate(limit)?;
    crate::phone_codes::require(&state, &valid.phone, request.phone_token.as_deref()).await?;
    let ctx = BookingContext {
        now,
        daily_limit: state.daily_limit,
        no_show: state.no_show,
        code: crate::codes::fresh(),
        // The phone's token is left out of the request's digest: a retry after the token
        // expired comes with a new one, and is still the same request.
        idempotency: idempotency_record(
            state.storage.keyed_hash(),
            &headers,
            &BookingRequest {
                phone_token: None,
                ..request.clone()
            },
        )?,
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
    let cache = &state.catalogue_cache;
    cache.places_changed(view.session.id, view.session.activity_id);
    // Debug, not info: under a rush a line per booking on stderr cost a third of the
    // booking rate (BENCHMARKS.md); the bookings table is the record.
    tracing::debug!(session = view.session.id, status = ?view.status, "booking made");
    if prefers_minimal(&headers) {
        let applied = [(
            "preference-applied",
            HeaderValue::from_static("return=minimal"),
        )];
        let receipt = BookingAnswer::Receipt(BookingReceipt::from(&view));
        return Ok((StatusCode::CREATED, applied, Json(receipt)).into_response());
    }
    Ok((
        StatusCode::CREATED,
        Json(BookingAnswer::View(Box::new(view))),
    )
        .into_response())
}

/// A lookup's code and phone, once they read as such and the attempt is counted against
/// the code and the client (`throttle.rs`): lookups and cancellations alike.
pub(crate) async fn counted_lookup<'a>(
    state: &'a AppState,
    client: &ClientAddr,
    lookup: &BookingLookup,
) -> Result<(BookingCode, Phone, Attempt<'a>), Refusal> {
    let (code, phone) = (&lookup.code, &lookup.phone);
    counted_holder(state, client, throttle::BOOKING_CODE, code, phone).await
}

/// A holder's code and whole phone number, once they read as such and the attempt is
/// counted against the code (under `rule`) and the client: a booking's lookups and changes,
/// and a sample's erasure.
pub(crate) async fn counted_holder<'a>(
    state: &'a AppState,
    client: &ClientAddr,
    rule: throttle::CodeRules,
    code: &str,
    phone: &str,
) -> Result<(BookingCode, Phone, Attempt<'a>), Refusal> {
    let (code, phone) = parse_holder(code, phone)?;
    let attempt = state.throttle.lookup(rule, code.as_str(), client).await?;
    Ok((code, phone, attempt))
}

fn parse_holder(code: &str, phone: &str) -> Result<(BookingCode, Phone), AppError> {
    let code = BookingCode::parse(code);
    let phone = Phone::parse(phone);
    match (code, phone) {
        (Ok(code), Ok(phone)) => Ok((code, phone)),
        (code, phone) => {
            let mut err = ApiError::new(ErrorCode::Invalid, "Check the code and phone number");
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

/// Settles a holder's change to a booking (a cancellation, a move) against its counted
/// attempt: no booking for the pair is a miss; any other answer, a refusal too (the
/// deadline passed, already cancelled, no place), means code and phone matched.
pub(crate) async fn settle_change<T>(
    attempt: Attempt<'_>,
    changed: Result<T, BookingError>,
) -> Result<T, Refusal> {
    match changed {
        Ok(view) => {
            attempt.succeeded().await;
            Ok(view)
        }
        Err(e @ BookingError::Refused(ErrorCode::NotFound)) => {
            attempt.failed();
            Err(e.into())
        }
        Err(e @ BookingError::Refused(_)) => {
            attempt.succeeded().await;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Finds a booking by its code and the phone number it was made with. A wrong phone reads
/// exactly like a missing code, and misses are throttled per code and per client.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/lookup",
    request_body = BookingLookup,
    responses(
        (status = 200, body = BookingView),
        (status = 404, body = ApiError, description = "No such code, or the phone does not match: the same answer"),
        FieldErrors,
        TooManyMisses
    )
)]
pub async fn lookup_booking(
    State(state): State<AppState>,
    client: ClientAddr,
    AppJson(lookup): AppJson<BookingLookup>,
) -> Result<Json<BookingView>, Refusal> {
    let (code, phone, attempt) = counted_lookup(&state, &client, &lookup).await?;
    let found = state
        .storage
        .find_booking(&code, &phone, Utc::now())
        .await?;
    let view = attempt.settle(found).await.ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            "No booking matches that code and phone number",
        )
    })?;
    Ok(Json(view))
}

/// Cancels a booking before its deadline; its places go to the waiting list at once.
/// Throttled like a lookup: a cancellation is a lookup too.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/cancel",
    request_body = BookingLookup,
    responses(
        (status = 200, body = BookingView),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "Deadline passed or already cancelled"),
        (status = 422, body = ApiError, description = "Not a booking code or not a phone number"),
        TooManyMisses
    )
)]
pub async fn cancel_booking(
    State(state): State<AppState>,
    client: ClientAddr,
    AppJson(lookup): AppJson<BookingLookup>,
) -> Result<Json<BookingView>, Refusal> {
    let (code, phone, attempt) = counted_lookup(&state, &client, &lookup).await?;
    let cancelled = state
        .storage
        .cancel_booking(&code, &phone, Utc::now())
        .await;
    let view = settle_change(attempt, cancelled).await?;
    let cache = &state.catalogue_cache;
    cache.places_changed(view.session.id, view.session.activity_id);
    tracing::debug!(session = view.session.id, "booking cancelled");
    Ok(Json(view))
}

/// Erases a booking's name and number now, at its holder's request, with its messages'
/// copies: once it is cancelled, a no-show, or the day of its session is over; before that
/// the lab still needs them at the door and the day's limit still counts the phone
/// (`still_booked`). The phone's keyed hash stays only on a booking nobody came for, for the
/// no-show pause, as after the retention run. Afterwards nothing finds the booking by its
/// code and phone (404). Throttled like a lookup.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/erase",
    request_body = BookingLookup,
    responses(
        (status = 200, body = BookingErased),
        (status = 404, body = ApiError, description = "No such code, or the phone does not match (also once erased)"),
        (status = 409, body = ApiError, description = "`still_booked`: the booking holds or waits for a place, and its session's day is not over"),
        FieldErrors,
        TooManyMisses
    )
)]
pub async fn erase_booking(
    State(state): State<AppState>,
    client: ClientAddr,
    AppJson(lookup): AppJson<BookingLookup>,
) -> Result<Json<BookingErased>, Refusal> {
    let (code, phone, attempt) = counted_lookup(&state, &client, &lookup).await?;
    let erased = state.storage.erase_booking(&code, &phone, Utc::now()).await;
    settle_change(attempt, erased).await?;
    tracing::debug!("booking erased by its holder");
    Ok(Json(BookingErased { code }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bookings", post(create_booking))
        .route("/bookings/lookup", post(lookup_booking))
        .route("/bookings/cancel", post(cancel_booking))
        .route("/bookings/erase", post(erase_booking))
}
