//! Vegetable samples, the citizen's side: registering samples for a quick-test session,
//! looking a result up by sample code and the phone's last four digits, and the public
//! board of a session or activity (counts only). A wrong code/phone pair answers exactly
//! like a missing code, and repeated misses are throttled per code and per client, so codes
//! cannot be probed. Phones travel only in request bodies and never reach the logs.

use crate::catalogue_cache::{CatalogueRead, Shows};
use crate::client::ClientAddr;
use crate::error::{AppError, Refusal};
use crate::extract::{AppJson, AppPath, WithinBookingRate};
use crate::routes::bookings::{counted_holder, idempotency_record, settle_change};
use crate::routes::{FieldErrors, TooManyMisses};
use crate::state::AppState;
use crate::storage::samples::{BoardScope, RegistrationContext};
use crate::throttle;
use crate::venue_clock;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::sample::{
    self, SampleBoard, SampleErasure, SampleLookup, SampleRegistration, SampleView,
};
use labday_domain::{ApiError, ErrorCode};

fn not_found() -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        "No sample matches that code and phone number",
    )
}

/// Registers one to five vegetables for a quick test; each gets its own code for its label.
#[utoipa::path(
    post,
    path = "/api/v1/samples",
    request_body = SampleRegistration,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 100, description = "Retries with the same key return the first registration")),
    responses(
        (status = 201, body = [SampleView], description = "Registered, in the order sent"),
        (status = 404, body = ApiError, description = "No such session"),
        (status = 409, body = ApiError, description = "Not a quick-test session, cancelled, not open, or this phone's sample limit reached"),
        (status = 422, body = ApiError, description = "Invalid fields, named `samples.<row>.<field>` for a vegetable's row"),
        (status = 429, body = ApiError, description = "Too many registrations from this client address this minute (`--booking-rate-per-minute`)",
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    )
)]
pub async fn register_samples(
    State(state): State<AppState>,
    _: WithinBookingRate,
    headers: HeaderMap,
    AppJson(request): AppJson<SampleRegistration>,
) -> Result<(StatusCode, Json<Vec<SampleView>>), Refusal> {
    let now = Utc::now();
    let today = venue_clock::at_session_or_china(&state, request.session_id).await?;
    let valid = request.validate(today.date())?;
    crate::phone_codes::require(&state, &valid.phone, request.phone_token.as_deref()).await?;
    let ctx = RegistrationContext {
        now,
        codes: valid.items.iter().map(|_| crate::codes::fresh()).collect(),
        // The phone's token is left out of the request's digest: a retry after the token
        // expired comes with a new one, and is still the same request.
        idempotency: idempotency_record(
            state.storage.keyed_hash(),
            &headers,
            &SampleRegistration {
                phone_token: None,
                ..request.clone()
            },
        )?,
    };
    let samples = state.storage.register_samples(valid, ctx).await?;
    tracing::info!(
        session = request.session_id,
        samples = samples.len(),
        "samples registered"
    );
    Ok((StatusCode::CREATED, Json(samples)))
}

/// A sample's progress and result, for whoever holds its code and phone.
#[utoipa::path(
    post,
    path = "/api/v1/samples/lookup",
    request_body = SampleLookup,
    responses(
        (status = 200, body = SampleView),
        (status = 404, body = ApiError, description = "No such code, or the digits do not match: the same answer"),
        FieldErrors,
        TooManyMisses
    )
)]
pub async fn lookup_sample(
    State(state): State<AppState>,
    client: ClientAddr,
    AppJson(lookup): AppJson<SampleLookup>,
) -> Result<Json<SampleView>, Refusal> {
    let (code, last4) = lookup.validate()?;
    let attempt = state
        .throttle
        .lookup(throttle::SAMPLE_CODE, code.as_str(), &client)
        .await?;
    let found = state.storage.find_sample(&code, &last4, Utc::now()).await?;
    let view = attempt.settle(found).await.ok_or_else(not_found)?;
    Ok(Json(view))
}

/// Erases a sample's name and number now, at its holder's request, with what they typed
/// (where it was bought, a vegetable's own name), its phone's keyed hash and its messages'
/// copies: before it is handed in (withdrawing it: the bench then refuses it, `withdrawn`),
/// or once its session is over and no re-test is due (`still_testing` before: the lab may
/// re-test it or correct its result and tell the holder). It asks for the whole phone
/// number, not the four digits a lookup takes. Afterwards no lookup finds the sample (404);
/// its tests and the boards' counts stay. Throttled like a lookup.
#[utoipa::path(
    post,
    path = "/api/v1/samples/erase",
    request_body = SampleErasure,
    responses(
        (status = 204, description = "Erased"),
        (status = 404, body = ApiError, description = "No such code, or the phone does not match (also once erased): the same answer"),
        (status = 409, body = ApiError, description = "`still_testing`: the lab holds the sample, and its session is not over or a re-test is due"),
        FieldErrors,
        TooManyMisses
    )
)]
pub async fn erase_sample(
    State(state): State<AppState>,
    client: ClientAddr,
    AppJson(request): AppJson<SampleErasure>,
) -> Result<StatusCode, Refusal> {
    let rule = throttle::SAMPLE_CODE;
    let (code, phone, attempt) =
        counted_holder(&state, &client, rule, &request.code, &request.phone).await?;
    let erased = state.storage.erase_sample(&code, &phone, Utc::now()).await;
    settle_change(attempt, erased)
        .await
        .map_err(|mut refused| {
            if refused.error.0.code == ErrorCode::NotFound {
                refused.error = not_found();
            }
            refused
        })?;
    tracing::debug!("sample erased by its holder");
    Ok(StatusCode::NO_CONTENT)
}

async fn board(read: CatalogueRead, scope: BoardScope) -> Result<Response, AppError> {
    let key = match scope {
        BoardScope::Session(id) => format!("board/session/{id}"),
        BoardScope::Activity(id) => format!("board/activity/{id}"),
    };
    // Kept like the list: what a booking changes is not known to touch a board, so any does.
    read.respond((&key, Shows::AnyPlaces), "session or activity", async {
        let tallies = read.state.storage.sample_tallies(scope).await?;
        Ok(tallies.map(|t| sample::board(&t)))
    })
    .await
}

/// A session's public board: samples registered, received and tested, and the judgements,
/// overall and by vegetable. No personal data.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}/samples/board",
    responses((status = 200, body = SampleBoard))
)]
pub async fn session_board(
    read: CatalogueRead,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    board(read, BoardScope::Session(id)).await
}

/// An activity's public board, over all its sessions.
#[utoipa::path(
    get,
    path = "/api/v1/activities/{id}/samples/board",
    responses((status = 200, body = SampleBoard))
)]
pub async fn activity_board(
    read: CatalogueRead,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    board(read, BoardScope::Activity(id)).await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/samples/lookup", post(lookup_sample))
        .route("/samples/erase", post(erase_sample))
        .route("/sessions/{id}/samples/board", get(session_board))
        .route("/activities/{id}/samples/board", get(activity_board))
}

/// Registering samples: a success changes the public boards (`routes.rs` clears the cache).
pub fn registration_router() -> Router<AppState> {
    Router::new().route("/samples", post(register_samples))
}
