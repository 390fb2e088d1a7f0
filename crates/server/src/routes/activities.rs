//! The public catalogue: activities and their sessions. Nothing personal, no join links.
//! Responses go through the catalogue cache (a second fresh, with an ETag).

use crate::error::AppError;
use crate::extract::{AppPath, AppQuery};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use labday_domain::{ActivityDetail, ActivityFilter, ActivitySummary, ApiError, SessionView};

/// Upcoming activities, soonest first, optionally filtered.
#[utoipa::path(
    get,
    path = "/api/v1/activities",
    params(ActivityFilter),
    responses(
        (status = 200, body = [ActivitySummary]),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, body = ApiError)
    )
)]
pub async fn list_activities(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    AppQuery(filter): AppQuery<ActivityFilter>,
) -> Result<Response, AppError> {
    let key = format!("activities?{}", raw.unwrap_or_default());
    state
        .catalogue_cache
        .respond(&headers, &key, "activity", async {
            let all = state
                .storage
                .list_activities(Utc::now(), filter.date)
                .await?;
            let matching: Vec<ActivitySummary> =
                all.into_iter().filter(|a| filter.matches(a)).collect();
            Ok(Some(matching))
        })
        .await
}

/// One activity with its upcoming sessions.
#[utoipa::path(
    get,
    path = "/api/v1/activities/{id}",
    params(("id" = i64, Path)),
    responses((status = 200, body = ActivityDetail), (status = 304, description = "Unchanged since the ETag sent in If-None-Match"))
)]
pub async fn show_activity(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let key = format!("activity/{id}");
    state
        .catalogue_cache
        .respond(&headers, &key, "activity", async {
            Ok(state.storage.activity(id, Utc::now()).await?)
        })
        .await
}

/// One session: times, places left, booking window.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    params(("id" = i64, Path)),
    responses((status = 200, body = SessionView), (status = 304, description = "Unchanged since the ETag sent in If-None-Match"))
)]
pub async fn show_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let key = format!("session/{id}");
    state
        .catalogue_cache
        .respond(&headers, &key, "session", async {
            Ok(state.storage.session(id, Utc::now()).await?)
        })
        .await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list_activities))
        .route("/activities/{id}", get(show_activity))
        .route("/sessions/{id}", get(show_session))
}
