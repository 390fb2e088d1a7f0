//! What the console lists to work from: the organisations a staff member may schedule for,
//! and their activities with every session — past and cancelled ones too, with the people
//! booked and waiting — which the public catalogue hides. Lab staff see only their own
//! organisation; organisers see all, or one when they ask.

use crate::auth::SignedIn;
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use labday_domain::schedule::{OrganisationChoice, ScheduledActivity};
use labday_domain::ApiError;
use serde::Deserialize;

/// Whose activities or figures.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// One organisation only (organisers; lab staff always get their own).
    pub organisation_id: Option<i64>,
}

/// The organisations this account may schedule for (lab staff: their own).
#[utoipa::path(
    get,
    path = "/api/v1/staff/organisations",
    responses((status = 200, body = [OrganisationChoice]))
)]
pub async fn list_organisations(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<OrganisationChoice>>, AppError> {
    let scope = signed_in.scope(None)?;
    Ok(Json(state.storage.organisations(scope).await?))
}

/// Activities with all their sessions (past and cancelled included) and booked and waiting
/// people per session; current and future activities first. Never cached: staff watch
/// bookings arrive here.
#[utoipa::path(
    get,
    path = "/api/v1/staff/activities",
    params(ScopeQuery),
    responses(
        (status = 200, body = [ScheduledActivity]),
        (status = 403, body = ApiError, description = "Lab staff asking for another organisation")
    )
)]
pub async fn list_scheduled_activities(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<ScopeQuery>,
) -> Result<Response, AppError> {
    let scope = signed_in.scope(query.organisation_id)?;
    let list = state.storage.scheduled_activities(scope).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(list)).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/organisations", get(list_organisations))
        .route("/staff/activities", get(list_scheduled_activities))
}
