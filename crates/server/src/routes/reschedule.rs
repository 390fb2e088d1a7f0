//! Moving a booking to another session of the same activity in one step: by its holder
//! (code and phone, throttled like a lookup, since a move is a lookup too) or by staff from
//! a session's roster (within their reach, audited). The storage side is
//! `storage/reschedule.rs`, the rule `labday_domain::booking::reschedule`.

use crate::auth::SignedIn;
use crate::client::ClientAddr;
use crate::error::{AppError, OrNotFound, Refusal};
use crate::extract::{authorise, AppJson, SessionId};
use crate::routes::bookings::{counted_lookup, settle_change};
use crate::routes::{FieldErrors, TooManyMisses};
use crate::state::AppState;
use crate::storage::reschedule::Mover;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::booking::{BookingLookup, MoveBooking, RescheduleRequest, Rules};
use labday_domain::{ApiError, BookingCode, BookingView, ErrorCode};

fn rules(state: &AppState) -> Rules {
    Rules {
        daily_limit: state.daily_limit,
        no_show: state.no_show,
    }
}

/// Moves the holder's booking to another session of the same activity, before the
/// cancellation deadline: the old place is released only when the new one is confirmed, or
/// waitlisted if `accept_waiting`. The code stays the same. The same request again answers
/// the same booking, unchanged.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/reschedule",
    request_body = RescheduleRequest,
    responses(
        (status = 200, body = BookingView, description = "The booking in its new session (or unchanged, when it is already there)"),
        (status = 404, body = ApiError, description = "No such code, the phone does not match (the same answer), or no such session"),
        (status = 409, body = ApiError, description = "`cancel_deadline_passed`, `already_cancelled`, `other_activity`, `session_full` (no place free and no waiting place accepted), or the booking rules of the new session: `window_closed`, `session_cancelled`, `party_too_large`, `daily_limit`, `duplicate_booking`"),
        (status = 403, body = ApiError, description = "Paused after repeated no-shows"),
        FieldErrors,
        TooManyMisses
    )
)]
pub async fn reschedule_booking(
    State(state): State<AppState>,
    client: ClientAddr,
    AppJson(request): AppJson<RescheduleRequest>,
) -> Result<Json<BookingView>, Refusal> {
    let now = Utc::now();
    // A session that does not exist is told apart before the code is counted, so a holder
    // who picked a vanished session spends no lookup attempt on it.
    state
        .storage
        .session(request.session_id, now)
        .await?
        .or_not_found("session")?;
    let lookup = BookingLookup {
        code: request.code.clone(),
        phone: request.phone.clone(),
    };
    let (code, phone, attempt) = counted_lookup(&state, &client, &lookup).await?;
    let moved = state
        .storage
        .reschedule(
            Mover::Holder(&phone),
            &code,
            request.session_id,
            request.accept_waiting,
            rules(&state),
            now,
        )
        .await;
    let view = settle_change(attempt, moved).await?;
    // The session it left is not in the view.
    state.catalogue_cache.places_changed_anywhere();
    tracing::debug!(session = view.session.id, "booking rescheduled");
    Ok(Json(view))
}

/// Staff move a holder from the session whose roster they have open to another session of
/// the same activity, by the same rules as the holder's own move (deadline, places, the
/// waiting list only if accepted). Both sessions must be within the staff member's reach.
#[utoipa::path(
    post,
    path = "/api/v1/staff/bookings/move",
    request_body = MoveBooking,
    responses(
        (status = 200, body = BookingView, description = "The booking in its new session"),
        (status = 404, body = ApiError, description = "No such booking or session"),
        (status = 409, body = ApiError, description = "`wrong_session` (the code is on another session of the roster's organisation, whose id `elsewhere` gives; another organisation's code is 404, as an unknown one), `cancel_deadline_passed`, `already_cancelled`, `other_activity`, `session_full`, or the new session's booking rules"),
        FieldErrors
    )
)]
pub async fn move_booking(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppJson(request): AppJson<MoveBooking>,
) -> Result<Json<BookingView>, AppError> {
    let SessionId(from) = authorise(&state, &signed_in, SessionId(request.from_session_id)).await?;
    let SessionId(to) = authorise(&state, &signed_in, SessionId(request.to_session_id)).await?;
    let code = BookingCode::parse(&request.code).map_err(|c| {
        AppError(ApiError::new(ErrorCode::Invalid, "Check the booking code").with_field("code", c))
    })?;
    let mover = Mover::Staff {
        staff_id: signed_in.staff.id,
        from_session: from,
    };
    let view = state
        .storage
        .reschedule(
            mover,
            &code,
            to,
            request.accept_waiting,
            rules(&state),
            Utc::now(),
        )
        .await?;
    state.catalogue_cache.places_changed_anywhere();
    Ok(Json(view))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/bookings/reschedule", post(reschedule_booking))
}

pub fn staff_router() -> Router<AppState> {
    Router::new().route("/staff/bookings/move", post(move_booking))
}
