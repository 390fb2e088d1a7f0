//! The JSON API under `/api/v1`: one module per resource, merged here, and the OpenAPI
//! document generated from the same handler and type definitions.

pub mod activities;
pub mod bookings;
pub mod calendar;
pub mod health;
pub mod media;
pub mod phone_codes;
pub mod photos;
pub mod privacy;
pub mod reschedule;
pub mod samples;
pub mod staff;
pub mod staff_accounts;
pub mod staff_admin;
pub mod staff_catalogue;
pub mod staff_organisations;
pub mod staff_samples;
pub mod staff_schedule;
pub mod summary;
pub mod walk_ins;

use crate::state::AppState;
use crate::writes;
use axum::middleware;
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
        privacy::privacy_notice,
        activities::list_activities,
        activities::show_activity,
        activities::show_session,
        bookings::create_booking,
        bookings::lookup_booking,
        bookings::cancel_booking,
        bookings::erase_booking,
        phone_codes::request_code,
        phone_codes::check_code,
        phone_codes::holdings,
        reschedule::reschedule_booking,
        reschedule::move_booking,
        calendar::activity_calendar,
        staff::sign_in,
        staff::sign_out,
        staff::me,
        staff::roster,
        staff::roster_export,
        staff::check_in,
        staff::mark_no_shows,
        walk_ins::book_walk_in,
        walk_ins::register_walk_in_samples,
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
        media::update_media,
        media::delete_media,
        samples::register_samples,
        samples::lookup_sample,
        samples::erase_sample,
        samples::session_board,
        samples::activity_board,
        staff_samples::session_samples,
        staff_samples::show_sample,
        staff_samples::receive_sample,
        staff_samples::record_test,
        staff_catalogue::list_organisations,
        staff_organisations::create_organisation,
        staff_organisations::show_organisation,
        staff_organisations::update_organisation,
        staff_accounts::list_accounts,
        staff_accounts::disable_account,
        staff_accounts::enable_account,
        staff_accounts::reset_password,
        staff_accounts::end_sessions,
        staff_accounts::change_own_password,
        staff_catalogue::list_scheduled_activities,
        photos::upload_photo,
        photos::list_photos,
        photos::photo_image,
        photos::update_photo,
        photos::delete_photo,
        summary::quality_report_json,
        summary::quality_report_docx,
    ),
    components(schemas(labday_domain::ApiError, labday_domain::time::VenueDateTime)),
    modifiers(&CommonAnswers)
)]
pub struct ApiDoc;

/// The answers a whole kind of operation gives, documented once so that no operation's list
/// forgets one: the extractors and the staff guard that produce them are shared too.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for (path, item) in doc.paths.paths.iter_mut() {
            let staff = path.starts_with("/api/v1/staff/") && !path.ends_with("/sign-in");
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                declare_path_parameters(path, op);
                let params = op.parameters.as_deref().unwrap_or_default();
                let takes = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
                let (query, path_params) = (takes(ParameterIn::Query), takes(ParameterIn::Path));
                if op.request_body.is_some() || query {
                    answer(op, "400", "The body or the query is not what this operation reads (not JSON, a wrong type, a missing or repeated field)");
                }
                let json_body = op
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                if json_body {
                    answer(op, "413", "The body is larger than the 2 MiB a JSON body may hold (`payload_too_large`)");
                }
                if path_params {
                    answer(op, "404", "No such resource");
                }
                if staff {
                    answer(op, "401", "Not signed in");
                }
                if path.starts_with("/api/v1/staff/") {
                    answer(op, "403", "Not allowed: another organisation's, organiser-only, or not from labday's own origin");
                }
                // Any request can outlast the deadline (`deadline.rs`).
                answer(op, "503", "Not answered within the request deadline, or the database is overloaded (`unavailable`, with `Retry-After`)");
            }
        }
    }
}

/// Declares each `{id}` (an integer) and `{code}` (a booking or sample code) in `path` as a
/// path parameter of `op`, unless the operation declares it itself: the names mean the same
/// on every route, so no route has to repeat them.
fn declare_path_parameters(path: &str, op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::Required;
    use utoipa::PartialSchema;
    for (name, schema) in [("id", i64::schema()), ("code", String::schema())] {
        let declared = op
            .parameters
            .iter()
            .flatten()
            .any(|p| p.name == name && p.parameter_in == ParameterIn::Path);
        if declared || !path.contains(&format!("{{{name}}}")) {
            continue;
        }
        let parameter = ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(schema))
            .build();
        op.parameters
            .get_or_insert_with(Vec::new)
            .insert(0, parameter);
    }
}

/// Adds an `ApiError` answer unless the operation documents that status itself.
fn answer(op: &mut utoipa::openapi::path::Operation, status: &str, description: &str) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build()
                .into()
        });
}

/// `422`: the request reads, but some of its fields break the rules. Operations whose 422
/// needs saying more about name their own.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 422,
    description = "Invalid fields, each named in `fields` with its code"
)]
pub struct FieldErrors(pub labday_domain::ApiError);

/// `404` for an `activity_id` in the body or query that names no activity.
#[derive(utoipa::IntoResponses)]
#[response(status = 404, description = "No such activity")]
pub struct NoSuchActivity(pub labday_domain::ApiError);

/// `304` for a public read the client holds already (`catalogue_cache.rs`).
#[derive(utoipa::IntoResponses)]
#[response(
    status = 304,
    description = "Unchanged since the ETag sent in If-None-Match"
)]
pub struct NotModified;

/// `429` for guessing: misses on one code, or from one client, are counted (`throttle.rs`).
#[derive(utoipa::IntoResponses)]
#[response(
    status = 429,
    description = "Too many misses for this code or from this client",
    headers(("Retry-After" = u64, description = "Seconds to wait"))
)]
pub struct TooManyMisses(pub labday_domain::ApiError);

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Every route. Staff routes (`/staff/...`) share one router, and every write on it is
/// refused from another origin (`writes::same_origin`); routes that change what the public
/// catalogue shows clear its cache after a success (`writes::clears_catalogue`).
pub fn router(state: &AppState) -> Router<AppState> {
    let clears_catalogue =
        || middleware::from_fn_with_state(state.clone(), writes::clears_catalogue);
    let public = Router::new()
        .route("/openapi.json", get(openapi))
        .merge(health::router())
        .merge(privacy::router())
        .merge(activities::router())
        .merge(bookings::router())
        .merge(phone_codes::router())
        .merge(reschedule::router())
        .merge(calendar::router())
        .merge(samples::router())
        .merge(samples::registration_router().route_layer(clears_catalogue()));
    let staff = Router::new()
        .merge(staff::router())
        .merge(reschedule::staff_router())
        .merge(staff_admin::router())
        .merge(staff_schedule::router().route_layer(clears_catalogue()))
        .merge(summary::router())
        .merge(media::router())
        .merge(staff_samples::router())
        .merge(staff_samples::desk_router().route_layer(clears_catalogue()))
        .merge(walk_ins::router().route_layer(clears_catalogue()))
        .merge(staff_catalogue::router())
        .merge(staff_organisations::router().route_layer(clears_catalogue()))
        .merge(staff_accounts::router())
        .merge(photos::router())
        .route_layer(middleware::from_fn(writes::same_origin));
    public.merge(staff)
}
