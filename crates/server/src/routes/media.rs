//! Media coverage for the written summary: staff record where an activity was reported
//! (link, outlet, date) and list it back. Photos are not handled here.

use crate::auth::{self, SignedIn};
use crate::error::AppError;
use crate::extract::{authorise, ActivityId, AppJson, AppQuery};
use crate::routes::{FieldErrors, NoSuchActivity};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use labday_domain::media::{MediaDraft, MediaItem};
use labday_domain::ApiError;
use serde::Deserialize;

/// Which media items or photos.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// One activity only.
    pub activity_id: Option<i64>,
    /// One organisation only (organisers; lab staff always get their own).
    pub organisation_id: Option<i64>,
}

impl CoverageQuery {
    /// The organisations to list for: 404 for an unknown activity, 403 for another
    /// organisation's activity or for lab staff asking for another organisation.
    pub async fn scope(
        &self,
        state: &AppState,
        signed_in: &SignedIn,
    ) -> Result<Option<i64>, AppError> {
        if let Some(activity) = self.activity_id {
            authorise(state, signed_in, ActivityId(activity)).await?;
        }
        signed_in.scope(self.organisation_id)
    }
}

/// Records where an activity was reported.
#[utoipa::path(
    post,
    path = "/api/v1/staff/media",
    request_body = MediaDraft,
    responses((status = 201, body = MediaItem), NoSuchActivity, FieldErrors)
)]
pub async fn add_media(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppJson(draft): AppJson<MediaDraft>,
) -> Result<(StatusCode, Json<MediaItem>), AppError> {
    authorise(&state, &signed_in, ActivityId(draft.activity_id)).await?;
    let valid = draft.validate(auth::now_local().date())?;
    let item = state
        .storage
        .add_media(signed_in.staff.id, &valid, auth::now_local())
        .await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Media items, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/staff/media",
    params(CoverageQuery),
    responses((status = 200, body = [MediaItem]), (status = 404, body = ApiError))
)]
pub async fn list_media(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<CoverageQuery>,
) -> Result<Json<Vec<MediaItem>>, AppError> {
    let scope = query.scope(&state, &signed_in).await?;
    Ok(Json(state.storage.media(scope, query.activity_id).await?))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/media", get(list_media).post(add_media))
}
