//! An activity's sessions as a calendar to subscribe to (`webcal`/`.ics`), for portals and
//! phones' calendar apps: public, nothing personal, cacheable. The file itself is the
//! domain's (`labday_domain::calendar::activity_feed`).

use crate::error::{AppError, OrNotFound};
use crate::extract::{AppPath, AppQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use labday_domain::calendar::activity_feed;
use serde::Deserialize;

/// How long a subscriber (or a proxy) may keep the feed: sessions change rarely, and places
/// are not in it.
const MAX_AGE_SECONDS: u32 = 300;

/// The feed's language.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedLanguage {
    /// `en` for English; anything else (or nothing) is Chinese.
    pub lang: Option<String>,
}

/// Every coming session of an activity as an iCalendar feed: one event per session with
/// a stable UID, times in UTC from the organisation's time zone, cancelled sessions marked
/// `STATUS:CANCELLED`.
#[utoipa::path(
    get,
    path = "/api/v1/activities/{id}/calendar.ics",
    params(("id" = i64, Path), FeedLanguage),
    responses(
        (status = 200, content_type = "text/calendar", description = "The activity's sessions (RFC 5545)"),
        (status = 404, body = labday_domain::ApiError, description = "No such activity")
    )
)]
pub async fn activity_calendar(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    AppQuery(query): AppQuery<FeedLanguage>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let detail = state
        .storage
        .activity(id, now)
        .await?
        .or_not_found("activity")?;
    let lang = query.lang.as_deref().unwrap_or("zh-CN");
    let body = activity_feed(&detail, lang, now);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={MAX_AGE_SECONDS}"),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"labday-activity-{id}.ics\""),
            ),
        ],
        body,
    )
        .into_response())
}

pub fn router() -> Router<AppState> {
    Router::new().route("/activities/{id}/calendar.ics", get(activity_calendar))
}
