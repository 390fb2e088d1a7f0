//! The offline channel: staff book a walk-in (someone without a smartphone) at a session's
//! door, checked in at once, and register a walk-in's vegetables at the quick-test bench,
//! received at once; both from the session's day on, as the door checks visitors in. Only
//! staff reaching the session's organisation may (401, then 404, then 403); each is
//! audited. Both change what the public pages show (places left, the sample board), so the
//! router clears the catalogue cache after a success (`routes.rs`).

use crate::error::AppError;
use crate::extract::{AppJson, Authorised, SessionId};
use crate::keyed_hash::KeyedHash;
use crate::routes::bookings::keyed_record;
use crate::routes::FieldErrors;
use crate::state::AppState;
use crate::venue_clock;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::sample::SampleView;
use labday_domain::walk_in::{WalkIn, WalkInResult, WalkInSamples};
use labday_domain::ApiError;

/// Books a walk-in into the session's reserved places first, then its free ones; checked
/// in at once, so only from the session's day on. Name and phone are optional.
#[utoipa::path(
    post,
    path = "/api/v1/staff/sessions/{id}/walk-ins",
    params(
        ("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 100, description = "The same request again with the same key answers the walk-in it booked (the places left as they are now) and books nothing; another request under it is `idempotency_mismatch` (409)")
    ),
    request_body = WalkIn,
    responses(
        (status = 201, body = WalkInResult, description = "Booked and checked in; the roster line and the places left"),
        (status = 409, body = ApiError, description = "`session_full` (no place left, reserved or free), `session_cancelled`, `before_session_day` (the session's day has not come on its venue's clock: walk-ins are checked in at once, and the door checks visitors in from that day on), `window_closed` (the session is over), `duplicate_booking` (the phone already holds a booking here: check it in instead), or `idempotency_mismatch`"),
        FieldErrors
    )
)]
pub async fn book_walk_in(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
    headers: HeaderMap,
    AppJson(walk_in): AppJson<WalkIn>,
) -> Result<(StatusCode, Json<WalkInResult>), AppError> {
    let SessionId(id) = session.item;
    let valid = walk_in.validate()?;
    let staff = session.signed_in.staff.id;
    let keys = state.storage.keyed_hash();
    let idempotency = keyed_record(keys, &headers, &walk_in, KeyedHash::walk_in_key)?;
    let done = state
        .storage
        .book_walk_in(
            staff,
            id,
            &valid,
            (&crate::codes::fresh(), idempotency),
            venue_clock::at_session(&state, id).await?,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(session.disclose(done))))
}

/// Registers a walk-in's vegetables at the quick-test bench, received at once (so only from
/// the session's day on): no phone needed. The answer holds each sample's code, to write on
/// its bag.
#[utoipa::path(
    post,
    path = "/api/v1/staff/sessions/{id}/walk-in-samples",
    params(
        ("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 100, description = "The same request again with the same key answers the samples it registered and registers nothing; another request under it is `idempotency_mismatch` (409)")
    ),
    request_body = WalkInSamples,
    responses(
        (status = 201, body = [SampleView], description = "The samples, received, as staff see them"),
        (status = 409, body = ApiError, description = "`not_quick_test`, `session_cancelled`, `before_session_day` (the session's day has not come on its venue's clock: the samples are received at once, and samples are received from that day on), `window_closed` (not open: before its booking window opened, or the session is over), `sample_limit` (a phone given reached its sample limit), or `idempotency_mismatch`"),
        (status = 422, body = ApiError, description = "Invalid fields, named `samples.<row>.<field>` for a vegetable's row")
    )
)]
pub async fn register_walk_in_samples(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
    headers: HeaderMap,
    AppJson(request): AppJson<WalkInSamples>,
) -> Result<(StatusCode, Json<Vec<SampleView>>), AppError> {
    let SessionId(id) = session.item;
    let now = Utc::now();
    let valid = request.validate(venue_clock::at_session(&state, id).await?.date())?;
    let keys = state.storage.keyed_hash();
    let idempotency = keyed_record(keys, &headers, &request, KeyedHash::walk_in_key)?;
    let codes: Vec<_> = valid.items.iter().map(|_| crate::codes::fresh()).collect();
    let staff = session.signed_in.staff.id;
    let samples = state
        .storage
        .register_walk_in_samples(staff, id, &valid, (&codes, idempotency), now)
        .await?;
    Ok((StatusCode::CREATED, Json(session.disclose(samples))))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/sessions/{id}/walk-ins", post(book_walk_in))
        .route(
            "/staff/sessions/{id}/walk-in-samples",
            post(register_walk_in_samples),
        )
}
