//! Vegetable samples, the citizen's side: registering samples for a quick-test session,
//! looking a result up by sample code and the phone's last four digits, and the public
//! board of a session or activity (counts only). A wrong code/phone pair answers exactly
//! like a missing code, and repeated misses are throttled per code and per client, so codes
//! cannot be probed. Phones travel only in request bodies and never reach the logs.

use crate::error::AppError;
use crate::routes::bookings::{fresh_code, idempotency_record};
use crate::state::AppState;
use crate::storage::samples::{BoardScope, RegistrationContext};
use crate::throttle::Throttle;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::sample::{self, SampleBoard, SampleLookup, SampleRegistration, SampleView};
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::{ApiError, ErrorCode};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Misses allowed on one sample code within [`LOOKUP_WINDOW`]: enough for typos, far too
/// few to try the 10,000 possible last-four digits.
pub const MISSES_PER_CODE: u32 = 5;
/// Misses allowed from one client address within [`LOOKUP_WINDOW`], whatever the codes.
pub const MISSES_PER_CLIENT: u32 = 30;
pub const LOOKUP_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed sample lookups, per code and per client address.
pub struct LookupThrottle {
    by_code: Throttle,
    by_client: Throttle,
}

impl Default for LookupThrottle {
    fn default() -> Self {
        LookupThrottle {
            by_code: Throttle::new(MISSES_PER_CODE, LOOKUP_WINDOW),
            by_client: Throttle::new(MISSES_PER_CLIENT, LOOKUP_WINDOW),
        }
    }
}

impl LookupThrottle {
    fn allowed(&self, code: &str, client: &str) -> bool {
        self.by_code.allowed(code) && self.by_client.allowed(client)
    }

    fn missed(&self, code: &str, client: &str) {
        self.by_code.failed(code);
        self.by_client.failed(client);
    }
}

/// The peer address of the connection, when the server was started with it (tests that
/// drive the router directly have none).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

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
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first registration")),
    responses(
        (status = 201, body = [SampleView], description = "Registered, in the order sent"),
        (status = 404, body = ApiError, description = "No such session"),
        (status = 409, body = ApiError, description = "Not a quick-test session, cancelled, not open, or this phone's sample limit reached"),
        (status = 422, body = ApiError, description = "Invalid fields, named `samples.<row>.<field>` for a vegetable's row")
    )
)]
pub async fn register_samples(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<SampleRegistration>, JsonRejection>,
) -> Result<(StatusCode, Json<Vec<SampleView>>), AppError> {
    let Json(request) = body?;
    let now = Utc::now();
    let today = venue_local(now, SHANGHAI_OFFSET_MINUTES).date();
    let valid = request.validate(today)?;
    let ctx = RegistrationContext {
        now,
        codes: valid.items.iter().map(|_| fresh_code()).collect(),
        idempotency: idempotency_record(state.storage.keyed_hash(), &headers, &request)?,
    };
    let samples = state.storage.register_samples(valid, ctx).await?;
    state.catalogue_cache.clear();
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
        (status = 422, body = ApiError),
        (status = 429, body = ApiError, description = "Too many misses for this code or from this client; wait 15 minutes")
    )
)]
pub async fn lookup_sample(
    State(state): State<AppState>,
    client: ClientAddr,
    body: Result<Json<SampleLookup>, JsonRejection>,
) -> Result<Json<SampleView>, AppError> {
    let Json(lookup) = body?;
    let (code, last4) = lookup.validate()?;
    let client = client.0.map(|ip| ip.to_string()).unwrap_or_default();
    let throttle = &state.sample_lookups;
    if !throttle.allowed(code.as_str(), &client) {
        return Err(AppError::new(
            ErrorCode::TooManyRequests,
            "Too many tries; wait 15 minutes",
        ));
    }
    match state.storage.find_sample(&code, &last4).await? {
        Some(view) => Ok(Json(view)),
        None => {
            throttle.missed(code.as_str(), &client);
            Err(not_found())
        }
    }
}

async fn board(
    state: &AppState,
    headers: &HeaderMap,
    scope: BoardScope,
) -> Result<Response, AppError> {
    let key = match scope {
        BoardScope::Session(id) => format!("board/session/{id}"),
        BoardScope::Activity(id) => format!("board/activity/{id}"),
    };
    let cached = state
        .catalogue_cache
        .get_or_load(&key, async {
            let tallies = state.storage.sample_tallies(scope).await?;
            Ok(tallies.map(|t| sample::board(&t)))
        })
        .await?;
    cached
        .map(|c| c.respond(headers))
        .ok_or_else(|| AppError::not_found("session or activity"))
}

/// A session's public board: samples registered, received and tested, and the judgements,
/// overall and by vegetable. No personal data.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}/samples/board",
    params(("id" = i64, Path)),
    responses((status = 200, body = SampleBoard), (status = 404, body = ApiError))
)]
pub async fn session_board(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, AppError> {
    let Path(id) = id?;
    board(&state, &headers, BoardScope::Session(id)).await
}

/// An activity's public board, over all its sessions.
#[utoipa::path(
    get,
    path = "/api/v1/activities/{id}/samples/board",
    params(("id" = i64, Path)),
    responses((status = 200, body = SampleBoard), (status = 404, body = ApiError))
)]
pub async fn activity_board(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, AppError> {
    let Path(id) = id?;
    board(&state, &headers, BoardScope::Activity(id)).await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/samples", post(register_samples))
        .route("/samples/lookup", post(lookup_sample))
        .route("/sessions/{id}/samples/board", get(session_board))
        .route("/activities/{id}/samples/board", get(activity_board))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_throttled_after_its_misses_whoever_tries() {
        let t = LookupThrottle::default();
        for i in 0..MISSES_PER_CODE {
            assert!(t.allowed("K7QM4XPB", &format!("10.0.0.{i}")));
            t.missed("K7QM4XPB", &format!("10.0.0.{i}"));
        }
        assert!(
            !t.allowed("K7QM4XPB", "10.0.0.99"),
            "a new address does not help"
        );
        assert!(t.allowed("ABCDEFGH", "10.0.0.99"));
    }

    #[test]
    fn a_client_is_throttled_after_its_misses_whatever_the_codes() {
        let t = LookupThrottle::default();
        for i in 0..MISSES_PER_CLIENT {
            t.missed(&format!("CODE{i:04}"), "10.0.0.1");
        }
        assert!(!t.allowed("FRESHONE", "10.0.0.1"));
        assert!(t.allowed("FRESHONE", "10.0.0.2"));
    }
}
