//! The console's scheduling API: create and edit activities, add or edit sessions one by one
//! or as a generated series (previewed first), and cancel sessions. Lab staff may schedule
//! only for their own organisation (403); organisers for every one. Rules are checked in
//! labday-domain and reported per field (422); capacity below what is booked is a 409.
//! Every change clears this process's catalogue cache, so the public pages show it at once
//! (`writes::clears_catalogue`, applied to this router in `routes.rs`).

use crate::auth::{self, SignedIn};
use crate::error::{refusal_message, AppError, OrNotFound};
use crate::extract::{ActivityId, AppJson, Authorised, IfMatch, Revised, SessionId};
use crate::state::AppState;
use crate::storage::schedule::{ActivityCreated, ActivityUpdated, SessionUpdated, SessionsCreated};
use crate::venue_clock;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::schedule::{
    missing_organisation, ActivityDays, ActivityDraft, CancelledSession, CreatedActivity,
    GeneratedSessions, SessionChanged, SessionDraft, SessionSeries, ValidActivity,
};
use labday_domain::{ApiError, ErrorCode, FieldCode, SessionView};

/// 422 unless the organisation exists (an unknown one is the caller's mistake, not a 404).
async fn known_organisation(state: &AppState, id: i64) -> Result<(), AppError> {
    match venue_clock::at_organisation(state, id).await? {
        Some(_) => Ok(()),
        None => Err(AppError(
            ApiError::new(ErrorCode::Invalid, "No such organisation")
                .with_field("organisation_id", missing_organisation(id)),
        )),
    }
}

/// The days of activity `id`, its sessions' bounds (404 without the activity).
async fn activity_days(state: &AppState, id: i64) -> Result<ActivityDays, AppError> {
    state
        .storage
        .activity_days(id)
        .await?
        .or_not_found("activity")
}

/// Storage's refusal of a session or series outside its activity's days, as they were while
/// it went in: answered as `held`, the domain's check of those days, answers it (beside
/// `starts_at` / `ends_at`, or the series' `from` / `to`), or beside `field` should that
/// check pass (storage checks every session as the domain does, so it does not).
fn outside_activity(held: Result<(), ApiError>, field: &str) -> AppError {
    let fallback = || {
        ApiError::new(ErrorCode::Invalid, "Outside the activity's days")
            .with_field(field, FieldCode::OutsideActivity)
    };
    AppError(held.err().unwrap_or_else(fallback))
}

/// The refusal of an activity its organisation holds already (sent twice, or an edit onto
/// another's title and first day).
fn activity_exists() -> AppError {
    AppError(
        ApiError::new(
            ErrorCode::Invalid,
            "The organisation already holds an activity of this title starting that day",
        )
        .with_field("title", FieldCode::ActivityExists),
    )
}

/// The refusal of sessions the activity holds already (sent twice), named on `field`.
fn already_scheduled(field: &str) -> AppError {
    AppError(
        ApiError::new(
            ErrorCode::Invalid,
            "The activity already holds a session of this title and place starting then",
        )
        .with_field(field, FieldCode::AlreadyScheduled),
    )
}

async fn session_view(state: &AppState, id: i64) -> Result<SessionView, AppError> {
    state
        .storage
        .session(id, Utc::now())
        .await?
        .or_not_found("session")
}

/// Creates an activity for an organisation, once: the same title starting on the same day
/// again is refused.
#[utoipa::path(
    post,
    path = "/api/v1/staff/activities",
    request_body = ActivityDraft,
    responses(
        (status = 201, body = CreatedActivity),
        (status = 403, body = ApiError, description = "Lab staff naming another organisation"),
        (status = 422, body = ApiError, description = "Field errors; a last day already over on the organisation's clock is `ends_on`: `already_over`; an activity of the organisation with the same Chinese title starting on the same day (the form sent twice) is `title`: `activity_exists`, and nothing is created")
    )
)]
pub async fn create_activity(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppJson(draft): AppJson<ActivityDraft>,
) -> Result<(StatusCode, Json<CreatedActivity>), AppError> {
    signed_in.require_named(draft.organisation_id)?;
    let now = venue_clock::at_organisation(&state, draft.organisation_id).await?;
    let valid: ValidActivity = draft.validate_new(now.map(|now| now.date()))?;
    let created = state
        .storage
        .create_activity(signed_in.staff.id, &valid)
        .await?;
    match created {
        ActivityCreated::Created(id) => Ok((StatusCode::CREATED, Json(CreatedActivity { id }))),
        ActivityCreated::AlreadyScheduled(_) => Err(activity_exists()),
    }
}

/// Replaces an activity's details (lab staff cannot hand it to another organisation). Its
/// days cannot leave out a session that is not cancelled: move or cancel it first. With
/// `If-Match` (its `revision` as the console lists it, `"3"`), only if nobody saved it since;
/// the answer's `ETag` is the new revision.
#[utoipa::path(
    put,
    path = "/api/v1/staff/activities/{id}",
    request_body = ActivityDraft,
    params(("If-Match" = Option<String>, Header, description = "The revision the change applies to, e.g. `\"3\"`; without it (or with `*`) the change applies whatever the revision")),
    responses(
        (status = 200, body = CreatedActivity, headers(("ETag" = String, description = "The activity's revision after the change"))),
        (status = 412, body = ApiError, description = "`edited_meanwhile`: the activity's revision is not the one `If-Match` names (someone saved it meanwhile); nothing changed"),
        (status = 422, body = ApiError, description = "Field errors; new days that leave out one of the activity's sessions (not cancelled) are `starts_on` (a session starts before the first day) or `ends_on` (one starts after the last, or runs past the midnight after it): `sessions_outside`; a title and first day of another activity of the organisation are `title`: `activity_exists`; another organisation for an activity holding bookings or samples is `organisation_id`: `holds_bookings` (its holders left their details with its organisation, whose staff alone see them in full); and nothing changes")
    )
)]
pub async fn update_activity(
    State(state): State<AppState>,
    activity: Authorised<ActivityId>,
    IfMatch(if_revisions): IfMatch,
    AppJson(draft): AppJson<ActivityDraft>,
) -> Result<(Revised, Json<CreatedActivity>), AppError> {
    let (signed_in, ActivityId(id)) = (activity.signed_in, activity.item);
    signed_in.require_named(draft.organisation_id)?;
    let valid = draft.validate()?;
    known_organisation(&state, draft.organisation_id).await?;
    let staff = signed_in.staff.id;
    let updated = state
        .storage
        .update_activity(staff, id, &valid, if_revisions.as_deref());
    match updated.await? {
        ActivityUpdated::Updated(revision) => {
            Ok((IfMatch::etag(revision), Json(CreatedActivity { id })))
        }
        ActivityUpdated::EditedMeanwhile => {
            let code = ErrorCode::EditedMeanwhile;
            Err(AppError::new(code, refusal_message(code)))
        }
        ActivityUpdated::NotFound => Err(AppError::not_found("activity")),
        ActivityUpdated::SessionsOutside(outside) => Err(ApiError::from(outside).into()),
        ActivityUpdated::AlreadyScheduled(_) => Err(activity_exists()),
        ActivityUpdated::HoldsBookings => Err(AppError(
            ApiError::new(
                ErrorCode::Invalid,
                "An activity with bookings or samples stays with its organisation",
            )
            .with_field("organisation_id", FieldCode::HoldsBookings),
        )),
    }
}

/// Adds one session to an activity.
#[utoipa::path(
    post,
    path = "/api/v1/staff/activities/{id}/sessions",
    request_body = SessionDraft,
    responses(
        (status = 201, body = SessionView),
        (status = 422, body = ApiError, description = "Field errors, e.g. `ends_at: end_before_start`; a session outside its activity's first and last days (as they are when it is stored) is `starts_at` (or `ends_at`): `outside_activity`; one of the same title and place as one the activity holds (not cancelled), starting at the same time, is `starts_at`: `already_scheduled`")
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    activity: Authorised<ActivityId>,
    AppJson(draft): AppJson<SessionDraft>,
) -> Result<(StatusCode, Json<SessionView>), AppError> {
    let (staff, ActivityId(activity)) = (activity.signed_in.staff.id, activity.item);
    let now = venue_clock::at_activity(&state, activity).await?;
    let valid = draft.validate_new(now)?;
    let created = state
        .storage
        .create_sessions(staff, activity, std::slice::from_ref(&valid))
        .await?;
    let id = match created {
        SessionsCreated::Created(ids) => ids.first().copied().or_not_found("session")?,
        SessionsCreated::NoActivity => return Err(AppError::not_found("activity")),
        SessionsCreated::OutsideActivity(days) => {
            return Err(outside_activity(days.hold_session(&valid), "starts_at"))
        }
        SessionsCreated::AlreadyScheduled(_) => return Err(already_scheduled("starts_at")),
    };
    Ok((StatusCode::CREATED, Json(session_view(&state, id).await?)))
}

/// The sessions a series would create, without creating them (at most 500): those of its
/// slots still to come (a series from today makes the rest of the day).
#[utoipa::path(
    post,
    path = "/api/v1/staff/activities/{id}/sessions/preview",
    request_body = SessionSeries,
    responses(
        (status = 200, body = [SessionDraft]),
        (status = 422, body = ApiError, description = "Malformed series, no sessions, or more than 500; slots that have begun are left out, and a series all of whose slots have begun is `from`: `in_past`; `from` or `to` outside the activity's first and last days: `outside_activity`")
    )
)]
pub async fn preview_series(
    State(state): State<AppState>,
    activity: Authorised<ActivityId>,
    AppJson(series): AppJson<SessionSeries>,
) -> Result<Json<Vec<SessionDraft>>, AppError> {
    let ActivityId(activity) = activity.item;
    let sessions = series.expand(venue_clock::at_activity(&state, activity).await?)?;
    activity_days(&state, activity)
        .await?
        .hold_series(&series)?;
    Ok(Json(sessions.into_iter().map(|s| s.into_inner()).collect()))
}

/// Creates every session of a series in one transaction: all of them or none.
#[utoipa::path(
    post,
    path = "/api/v1/staff/activities/{id}/sessions/generate",
    request_body = SessionSeries,
    responses(
        (status = 201, body = GeneratedSessions),
        (status = 422, body = ApiError, description = "Malformed series, no sessions, or more than 500; slots that have begun are left out, and a series all of whose slots have begun is `from`: `in_past`; `from` or `to` outside the activity's first and last days: `outside_activity`; a session of it that the activity holds already (the same title and place, starting at the same time, not cancelled: the series sent twice) is `from`: `already_scheduled`, and none is created")
    )
)]
pub async fn generate_series(
    State(state): State<AppState>,
    activity: Authorised<ActivityId>,
    AppJson(series): AppJson<SessionSeries>,
) -> Result<(StatusCode, Json<GeneratedSessions>), AppError> {
    let (staff, ActivityId(activity)) = (activity.signed_in.staff.id, activity.item);
    let now = venue_clock::at_activity(&state, activity).await?;
    let sessions = series.expand(now)?;
    let session_ids = match state
        .storage
        .create_sessions(staff, activity, &sessions)
        .await?
    {
        SessionsCreated::Created(ids) => ids,
        SessionsCreated::NoActivity => return Err(AppError::not_found("activity")),
        // A series' sessions start on its dates and end on their own day.
        SessionsCreated::OutsideActivity(days) => {
            return Err(outside_activity(days.hold_series(&series), "from"))
        }
        SessionsCreated::AlreadyScheduled(_) => return Err(already_scheduled("from")),
    };
    tracing::info!(activity, sessions = session_ids.len(), "series created");
    Ok((StatusCode::CREATED, Json(GeneratedSessions { session_ids })))
}

/// Replaces a session's details. Capacity may go down only to the people already booked;
/// raising it confirms waiting bookings that now fit, in the order they joined. Its holders
/// get a message when its start, place, address, format or join link changes. A quick-test session
/// keeps its format once samples are registered on it. With
/// `If-Match` (the session's `revision` as an entity tag, `"3"`, as the console lists it),
/// the change applies only if nobody saved the session since: two people editing one
/// session cannot silently undo each other's change. The answer's `ETag` is the new revision.
#[utoipa::path(
    put,
    path = "/api/v1/staff/sessions/{id}",
    request_body = SessionDraft,
    params(("If-Match" = Option<String>, Header, description = "The revision the change applies to, e.g. `\"3\"`; without it (or with `*`) the change applies whatever the revision")),
    responses(
        (status = 200, body = SessionChanged, headers(("ETag" = String, description = "The session's revision after the change"))),
        (status = 412, body = ApiError, description = "`edited_meanwhile`: the session's revision is not the one `If-Match` names (someone saved it meanwhile); nothing changed"),
        (status = 409, body = ApiError, description = "`capacity_below_booked`, `session_cancelled`, or `session_over` (a session over on its venue's clock keeps its times; its other details may change)"),
        (status = 422, body = ApiError, description = "Field errors; a session moved outside its activity's first and last days (as they are when it is stored) is `starts_at` (or `ends_at`): `outside_activity`; a quick-test session with samples registered on it given another format is `format`: `holds_samples`")
    )
)]
pub async fn update_session(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
    IfMatch(if_revisions): IfMatch,
    AppJson(draft): AppJson<SessionDraft>,
) -> Result<(Revised, Json<SessionChanged>), AppError> {
    let (staff, SessionId(id)) = (session.signed_in.staff.id, session.item);
    let valid = draft.validate()?;
    let updated = state
        .storage
        .update_session(staff, id, &valid, if_revisions.as_deref())
        .await?;
    let (promoted_people, revision) = match updated {
        SessionUpdated::Updated {
            promoted_people,
            revision,
        } => (promoted_people, revision),
        SessionUpdated::OutsideActivity(days) => {
            return Err(outside_activity(days.hold_session(&valid), "starts_at"))
        }
        SessionUpdated::Refused(refusal) => return Err(refusal.into()),
    };
    let changed = SessionChanged {
        session: session_view(&state, id).await?,
        promoted_people,
    };
    Ok((IfMatch::etag(revision), Json(changed)))
}

/// Cancels a session: every confirmed or waiting booking on it is cancelled, and holders
/// see the session as cancelled when they look their booking up.
#[utoipa::path(
    post,
    path = "/api/v1/staff/sessions/{id}/cancel",
    responses(
        (status = 200, body = CancelledSession),
        (status = 409, body = ApiError, description = "`session_cancelled` (already), or `session_over` (over on its venue's clock: its bookings nobody came for are no-shows, not cancellations)")
    )
)]
pub async fn cancel_session(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
) -> Result<Json<CancelledSession>, AppError> {
    let (staff, SessionId(id)) = (session.signed_in.staff.id, session.item);
    let cancelled_bookings = state
        .storage
        .cancel_session(staff, id, auth::now_local())
        .await?;
    tracing::info!(session = id, cancelled_bookings, "session cancelled");
    Ok(Json(CancelledSession { cancelled_bookings }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/activities", post(create_activity))
        .route("/staff/activities/{id}", put(update_activity))
        .route("/staff/activities/{id}/sessions", post(create_session))
        .route(
            "/staff/activities/{id}/sessions/preview",
            post(preview_series),
        )
        .route(
            "/staff/activities/{id}/sessions/generate",
            post(generate_series),
        )
        .route("/staff/sessions/{id}", put(update_session))
        .route("/staff/sessions/{id}/cancel", post(cancel_session))
}
