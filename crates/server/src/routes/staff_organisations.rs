//! Organisations as a hierarchy, in the console: organisers create organisations under a
//! bureau within their reach and edit those within it; any staff member reads one within
//! theirs. The list is `GET /staff/organisations` (`staff_catalogue.rs`). Where a kind may
//! sit is `OrgKind::may_sit_under`, checked by storage under the parent's row lock; a parent
//! never changes, so no cycle can be made. Names and cities show on the public pages, so a
//! change clears the catalogue cache (`routes.rs`).

use crate::error::AppError;
use crate::extract::{AppJson, Authorised, OrganisationId, Organiser};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use labday_domain::organisation::{OrganisationDetails, OrganisationDraft};
use labday_domain::{ApiError, ErrorCode, FieldCode};

fn invalid_parent(code: FieldCode, message: &str) -> AppError {
    AppError(ApiError::new(ErrorCode::Invalid, message).with_field("parent_id", code))
}

async fn details(state: &AppState, id: i64) -> Result<OrganisationDetails, AppError> {
    state
        .storage
        .organisation(id)
        .await?
        .ok_or_else(|| AppError::not_found("organisation"))
}

/// Creates an organisation under a bureau within the organiser's reach.
#[utoipa::path(
    post,
    path = "/api/v1/staff/organisations",
    request_body = OrganisationDraft,
    responses(
        (status = 201, body = OrganisationDetails),
        (status = 422, body = ApiError, description = "Field errors: `parent_id` missing (`organisation_required`) or unknown (`organisation_unknown`), `kind` not allowed under the parent (`kind_not_allowed`)")
    )
)]
pub async fn create_organisation(
    State(state): State<AppState>,
    Organiser(signed_in): Organiser,
    AppJson(draft): AppJson<OrganisationDraft>,
) -> Result<(StatusCode, Json<OrganisationDetails>), AppError> {
    let Some(parent) = draft.parent_id else {
        return Err(invalid_parent(
            FieldCode::OrganisationRequired,
            "Choose the bureau it sits under",
        ));
    };
    let valid = draft.validate()?;
    if state.storage.organisation_itself(parent).await?.is_none() {
        return Err(invalid_parent(
            FieldCode::OrganisationUnknown,
            "No such organisation",
        ));
    }
    signed_in.require(parent)?;
    let id = state
        .storage
        .create_organisation(Some(signed_in.staff.id), &valid)
        .await??;
    Ok((StatusCode::CREATED, Json(details(&state, id).await?)))
}

/// One organisation within the staff member's reach.
#[utoipa::path(get, path = "/api/v1/staff/organisations/{id}", responses((status = 200, body = OrganisationDetails)))]
pub async fn show_organisation(
    State(state): State<AppState>,
    org: Authorised<OrganisationId>,
) -> Result<Json<OrganisationDetails>, AppError> {
    let OrganisationId(id) = org.item;
    Ok(Json(details(&state, id).await?))
}

/// Edits an organisation within the organiser's reach: everything but its parent (an
/// organisation does not move: `parent_id` is its own parent or left out).
#[utoipa::path(
    put,
    path = "/api/v1/staff/organisations/{id}",
    request_body = OrganisationDraft,
    responses(
        (status = 200, body = OrganisationDetails),
        (status = 422, body = ApiError, description = "Field errors; a `parent_id` other than its own parent is `parent_changed` (an organisation never moves); a kind that may not sit under the parent or above a child is `kind_not_allowed`, one that does not fit one of its staff accounts (lab staff of a bureau, an organiser of a lab or institute) `kind_has_staff`")
    )
)]
pub async fn update_organisation(
    State(state): State<AppState>,
    org: Authorised<OrganisationId>,
    AppJson(draft): AppJson<OrganisationDraft>,
) -> Result<Json<OrganisationDetails>, AppError> {
    org.signed_in.require_organiser()?;
    let OrganisationId(id) = org.item;
    // A parent never changes (nothing moves it), so the one read here stays true.
    let stored = details(&state, id).await?;
    if draft
        .parent_id
        .is_some_and(|parent| Some(parent) != stored.draft.parent_id)
    {
        return Err(invalid_parent(
            FieldCode::ParentChanged,
            "An organisation does not move: its parent stays",
        ));
    }
    let valid = draft.validate()?;
    state
        .storage
        .update_organisation(org.signed_in.staff.id, id, &valid)
        .await??;
    Ok(Json(details(&state, id).await?))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/organisations", post(create_organisation))
        .route(
            "/staff/organisations/{id}",
            get(show_organisation).put(update_organisation),
        )
}
