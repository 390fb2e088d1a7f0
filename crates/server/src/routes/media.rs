//! Media coverage for the written summary: staff record where an activity was reported
//! (link, outlet, date), list it back, and correct or delete an item within their reach.
//! Photos are not handled here.

use crate::auth::{self, SignedIn};
use crate::error::{AppError, OrNotFound};
use crate::extract::{authorise, ActivityId, AppJson, AppQuery, Authorised, MediaId, Owned};
use crate::routes::{FieldErrors, NoSuchActivity};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
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

/// Corrects a media item: link, outlet, headline, date, or the activity it covers (which
/// must be within reach too).
#[utoipa::path(
    put,
    path = "/api/v1/staff/media/{id}",
    params(("id" = i64, Path)),
    request_body = MediaDraft,
    responses((status = 200, body = MediaItem), NoSuchActivity, FieldErrors)
)]
pub async fn update_media(
    State(state): State<AppState>,
    media: Authorised<MediaId>,
    AppJson(draft): AppJson<MediaDraft>,
) -> Result<Json<MediaItem>, AppError> {
    let signed_in = media.signed_in;
    authorise(&state, &signed_in, ActivityId(draft.activity_id)).await?;
    let valid = draft.validate(auth::now_local().date())?;
    let item = state
        .storage
        .update_media(signed_in.staff.id, media.item.0, &valid)
        .await?
        .or_not_found(MediaId::WHAT)?;
    Ok(Json(item))
}

/// Deletes a media item.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/media/{id}",
    params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_media(
    State(state): State<AppState>,
    media: Authorised<MediaId>,
) -> Result<StatusCode, AppError> {
    let staff = media.signed_in.staff.id;
    let deleted = state.storage.delete_media(staff, media.item.0).await?;
    deleted
        .then_some(StatusCode::NO_CONTENT)
        .or_not_found(MediaId::WHAT)
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
    Router::new()
        .route("/staff/media", get(list_media).post(add_media))
        .route("/staff/media/{id}", put(update_media).delete(delete_media))
}
