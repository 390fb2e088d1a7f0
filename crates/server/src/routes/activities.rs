//! The public catalogue: activities and their sessions. Nothing personal, no join links.
//! Responses go through the catalogue cache (a second fresh, with an ETag).

use crate::catalogue_cache::{CatalogueRead, Shows};
use crate::error::AppError;
use crate::extract::{AppPath, AppQuery};
use crate::routes::NotModified;
use crate::state::AppState;
use axum::extract::RawQuery;
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
        NotModified,
        (status = 400, body = ApiError)
    )
)]
pub async fn list_activities(
    read: CatalogueRead,
    RawQuery(raw): RawQuery,
    AppQuery(filter): AppQuery<ActivityFilter>,
) -> Result<Response, AppError> {
    let key = format!("activities?{}", raw.unwrap_or_default());
    read.respond((&key, Shows::AnyPlaces), "activity", async {
        let all = read
            .state
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
    responses((status = 200, body = ActivityDetail), NotModified)
)]
pub async fn show_activity(
    read: CatalogueRead,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let storage = &read.state.storage;
    let key = format!("activity/{id}");
    read.respond((&key, Shows::Activity(id)), "activity", async {
        Ok(storage.activity(id, Utc::now()).await?)
    })
    .await
}

/// One session: times, places left, booking window.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    responses((status = 200, body = SessionView), NotModified)
)]
pub async fn show_session(
    read: CatalogueRead,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let storage = &read.state.storage;
    let key = format!("session/{id}");
    read.respond((&key, Shows::Session(id)), "session", async {
        Ok(storage.session(id, Utc::now()).await?)
    })
    .await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list_activities))
        .route("/activities/{id}", get(show_activity))
        .route("/sessions/{id}", get(show_session))
}
