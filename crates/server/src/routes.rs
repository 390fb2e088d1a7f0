//! The JSON API under `/api/v1`: one module per resource, merged here, and the OpenAPI
//! document generated from the same handler and type definitions.

pub mod activities;
pub mod bookings;
pub mod health;
pub mod media;
pub mod photos;
pub mod samples;
pub mod staff;
pub mod staff_admin;
pub mod staff_catalogue;
pub mod staff_samples;
pub mod staff_schedule;
pub mod summary;

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "labday API",
        description = "Bookings for testing-lab open days. Errors are always `{\"code\",\"message\",\"fields\"}`."
    ),
    paths(
        health::health,
        activities::list_activities,
        activities::show_activity,
        activities::show_session,
        bookings::create_booking,
        bookings::lookup_booking,
        bookings::cancel_booking,
        staff::sign_in,
        staff::sign_out,
        staff::me,
        staff::roster,
        staff::roster_export,
        staff::check_in,
        staff::mark_no_shows,
        staff_admin::create_account,
        staff_admin::audit_log,
        staff_schedule::create_activity,
        staff_schedule::update_activity,
        staff_schedule::create_session,
        staff_schedule::preview_series,
        staff_schedule::generate_series,
        staff_schedule::update_session,
        staff_schedule::cancel_session,
        summary::summary,
        summary::summary_export,
        media::add_media,
        media::list_media,
        samples::register_samples,
        samples::lookup_sample,
        samples::session_board,
        samples::activity_board,
        staff_samples::session_samples,
        staff_samples::show_sample,
        staff_samples::receive_sample,
        staff_samples::record_test,
        staff_catalogue::list_organisations,
        staff_catalogue::list_scheduled_activities,
        photos::upload_photo,
        photos::list_photos,
        photos::photo_image,
    ),
    components(schemas(labday_domain::ApiError))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(health::router())
        .merge(activities::router())
        .merge(bookings::router())
        .merge(staff::router())
        .merge(staff_admin::router())
        .merge(staff_schedule::router())
        .merge(summary::router())
        .merge(media::router())
        .merge(samples::router())
        .merge(staff_samples::router())
        .merge(staff_catalogue::router())
        .merge(photos::router())
}
