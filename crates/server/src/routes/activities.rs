//! The public catalogue: activities and their sessions. Nothing personal, no join links.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::{ActivityDetail, ActivityFilter, ActivitySummary, ApiError, SessionView};

/// Upcoming activities, soonest first, optionally filtered.
#[utoipa::path(
    get,
    path = "/api/v1/activities",
    params(ActivityFilter),
    responses(
        (status = 200, body = [ActivitySummary]),
        (status = 400, body = ApiError)
    )
)]
pub async fn list_activities(
    State(state): State<AppState>,
    filter: Result<Query<ActivityFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ActivitySummary>>, AppError> {
    let Query(filter) = filter?;
    let all = state.storage.list_activities(Utc::now()).await?;
    Ok(Json(
        all.into_iter().filter(|a| filter.matches(a)).collect(),
    ))
}

/// One activity with its upcoming sessions.
#[utoipa::path(
    get,
    path = "/api/v1/activities/{id}",
    params(("id" = i64, Path)),
    responses((status = 200, body = ActivityDetail), (status = 404, body = ApiError))
)]
pub async fn show_activity(
    State(state): State<AppState>,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<ActivityDetail>, AppError> {
    let Path(id) = id?;
    let activity = state.storage.activity(id, Utc::now()).await?;
    activity
        .map(Json)
        .ok_or_else(|| AppError::not_found("activity"))
}

/// One session: times, places left, booking window.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    params(("id" = i64, Path)),
    responses((status = 200, body = SessionView), (status = 404, body = ApiError))
)]
pub async fn show_session(
    State(state): State<AppState>,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<SessionView>, AppError> {
    let Path(id) = id?;
    let session = state.storage.session(id, Utc::now()).await?;
    session
        .map(Json)
        .ok_or_else(|| AppError::not_found("session"))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list_activities))
        .route("/activities/{id}", get(show_activity))
        .route("/sessions/{id}", get(show_session))
}
