//! The staff console's API: sign-in, the roster of a session, check-in at the door,
//! no-shows after the session, and the roster as CSV. Every route needs a staff session
//! (401 without one) and lab staff may act only for their own organisation (403).

use crate::auth::{self, AnySignedIn, SignedIn};
use crate::client::ClientAddr;
use crate::csv::{self, Cell, Csv};
use crate::error::{AppError, Refusal};
use crate::extract::{authorise_disclosing, AppJson, Authorised, SessionId};
use crate::state::AppState;
use crate::storage::staff::CheckInError;
use crate::storage::BookingError;
use crate::venue_clock;
use crate::writes::audit;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use labday_domain::staff::{
    parse_username, AuditAction, CheckIn, CheckInResult, Disclose, NoShows, RosterEntry, SignIn,
    StaffView,
};
use labday_domain::{ApiError, ErrorCode};

/// Signs a staff member in and sets the session cookie. The attempt is counted against the
/// account from the client's address, the address and the account over all addresses before
/// the password is checked (`Throttle::password`), so a burst of parallel guesses gets no
/// more checks than one guess after another, and one address guessing does not keep the
/// holder out elsewhere.
#[utoipa::path(
    post,
    path = "/api/v1/staff/sign-in",
    request_body = SignIn,
    responses(
        (status = 200, body = StaffView, description = "Signed in; the session cookie is set"),
        (status = 401, body = ApiError, description = "Wrong username or password (also when the password was changed or reset, or the account disabled, while it was being checked)"),
        (status = 403, body = ApiError, description = "`account_disabled`: the password was right, but the account is disabled"),
        (status = 429, body = ApiError, description = "Too many failed attempts for this account from this address, from this address over all accounts, or for this account over all addresses; `Retry-After` says when to try again (an organiser's password reset, or enabling the account, forgets the account's)",
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    AppJson(sign_in): AppJson<SignIn>,
) -> Result<Response, Refusal> {
    let username = parse_username(&sign_in.username).unwrap_or_default();
    let attempt = state
        .throttle
        .password(
            &username,
            &client,
            "Too many failed sign-ins; wait a while before trying again",
        )
        .await?;
    let found = state.storage.staff_credentials(&username).await?;
    let disabled = found.as_ref().is_some_and(|c| c.disabled);
    let (staff, hash) = found.map(|c| (c.staff, c.password_hash)).unzip();
    let verified = state.passwords.verify(sign_in.password, hash.clone()).await;
    let Some(staff) = staff.filter(|_| verified) else {
        attempt.failed();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        return Err(AppError::new(ErrorCode::Unauthorized, "Wrong username or password").into());
    };
    attempt.succeeded().await;
    state.throttle.signed_in(&username, &client).await;
    if disabled {
        return Err(AppError::new(ErrorCode::AccountDisabled, "This account is disabled").into());
    }
    state
        .storage
        .purge_expired_sessions(auth::now_local())
        .await?;
    let (token, digest) = auth::new_token();
    let checked = (staff.id, hash.as_deref().unwrap_or_default());
    let opened = state
        .storage
        .open_staff_session(checked, &digest, auth::session_expiry())
        .await?;
    if !opened {
        // The password changed, or the account was disabled, while it was being checked.
        return Err(AppError::new(ErrorCode::Unauthorized, "Wrong username or password").into());
    }
    audit(&state, &staff, AuditAction::SignIn, &staff.username).await?;
    let cookie = auth::session_cookie(&token, auth::is_https(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Json(staff)).into_response())
}

/// Ends the staff session (also while a reset password waits to be changed).
#[utoipa::path(post, path = "/api/v1/staff/sign-out", responses((status = 204)))]
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnySignedIn(signed_in): AnySignedIn,
) -> Result<Response, AppError> {
    state
        .storage
        .close_staff_session(&signed_in.token_digest)
        .await?;
    let cookie = auth::clear_cookie(auth::is_https(&headers));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Who is signed in, and whether they must change their password before anything else.
#[utoipa::path(get, path = "/api/v1/staff/me", responses((status = 200, body = StaffView)))]
pub async fn me(AnySignedIn(signed_in): AnySignedIn) -> Json<StaffView> {
    Json(signed_in.staff)
}

/// Everyone booked on a session (staff only): names and phone numbers in full for the staff
/// of the organisation running the session, masked (`masked`) for those reaching it from
/// above.
#[utoipa::path(
    get,
    path = "/api/v1/staff/sessions/{id}/roster",
    responses((status = 200, body = [RosterEntry], description = "Names and phones in full for the staff of the organisation running the session (its lab's staff, or a bureau's organisers when the bureau runs it); masked (`张**`, `138****8000`, `masked`: true) for organisers of a bureau above it and an organiser of no bureau; `message` is the holder's latest text, never `pending` while the server has no SMS provider"))
)]
pub async fn roster(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
) -> Result<Json<Vec<RosterEntry>>, AppError> {
    let SessionId(id) = session.item;
    let mut entries = session.disclose(state.storage.roster(id).await?);
    if !state.sms.delivers() {
        // No provider: a text waiting in the outbox goes to no one, as the citizen was
        // told, so none is shown as "not sent yet".
        for entry in &mut entries {
            entry.message = entry
                .message
                .filter(|m| *m != labday_domain::message::DeliveryStatus::Pending);
        }
    }
    Ok(Json(entries))
}

/// The roster as CSV (see [`crate::csv`]: a name typed as a formula stays text).
pub fn roster_csv(entries: &[RosterEntry]) -> String {
    let mut csv = Csv::with_header(&[
        "预约码 code",
        "姓名 name",
        "手机 phone",
        "成人 adults",
        "儿童 children",
        "已签到 checked in",
        "状态 status",
        "现场预约 walk-in",
    ]);
    for e in entries {
        csv.row([
            Cell::Text(&e.code),
            Cell::Text(&e.name),
            Cell::Text(&e.phone),
            e.adults.into(),
            e.children.into(),
            e.checked_in.into(),
            Cell::Text(e.status.as_str()),
            Cell::Text(if e.walk_in { "是 yes" } else { "" }),
        ]);
    }
    csv.finish()
}

/// The roster as a CSV download, names and phones shown as in the roster's JSON.
#[utoipa::path(
    get,
    path = "/api/v1/staff/sessions/{id}/roster.csv",
    responses((status = 200, content_type = "text/csv", description = "Names and phones masked as in the roster's JSON, for those reaching the session from above"))
)]
pub async fn roster_export(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
) -> Result<Response, AppError> {
    let SessionId(id) = session.item;
    let csv = roster_csv(&session.disclose(state.storage.roster(id).await?));
    let staff = &session.signed_in.staff;
    audit(
        &state,
        staff,
        AuditAction::ExportRoster,
        &format!("session {id}"),
    )
    .await?;
    Ok(csv::download(csv, &format!("roster-session-{id}.csv")))
}

/// Checks a visitor in by booking code (scanned or typed) at a session's door; a desk that
/// was offline sends its queued check-ins here with `offline_at` when the network returns
/// (a time ahead of the server's clock is the phone's clock running fast: recorded at the
/// server's time, not refused).
#[utoipa::path(
    post,
    path = "/api/v1/staff/check-in",
    request_body = CheckIn,
    responses(
        (status = 200, body = CheckInResult, description = "The roster line, its name and phone shown as in the roster"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "`session_cancelled` (the organiser cancelled the session), `before_session_day` (also for an `offline_at` ahead of the server's clock before the session's day; the session's day, as it is when the check-in is recorded, has not come on its venue's clock), `wrong_session` (a code of another session of the same organisation, whose id `elsewhere` gives; another organisation's code is 404, as an unknown one), `already_cancelled`, `not_confirmed` (waiting list), `already_checked_in` (not for offline check-ins: those answer `already_in`) or `party_too_large` (`people` more than the booking has left to check in)"),
        (status = 422, body = ApiError, description = "`code`: not a booking code (`code_invalid`); `people`: 0 (`people_required`), or given with an offline check-in (`invalid`); `offline_at`: before the session's day (`in_past`)")
    )
)]
pub async fn check_in(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppJson(request): AppJson<CheckIn>,
) -> Result<Json<CheckInResult>, AppError> {
    let (SessionId(session), disclosure) =
        authorise_disclosing(&state, &signed_in, SessionId(request.session_id)).await?;
    let code = labday_domain::BookingCode::parse(&request.code).map_err(|c| {
        AppError(ApiError::new(ErrorCode::Invalid, "Check the booking code").with_field("code", c))
    })?;
    labday_domain::staff::check_in_people(request.people).map_err(AppError)?;
    let done = state
        .storage
        .check_in(
            signed_in.staff.id,
            session,
            code.as_str(),
            request.people,
            request.offline_at,
            chrono::Utc::now(),
        )
        .await
        .map_err(|refused| match refused {
            CheckInError::NoSession => AppError::not_found("session"),
            CheckInError::Offline(e) => AppError(e),
            // Here the party is the booking's: more people than it has left to come in.
            CheckInError::Booking(BookingError::Refused(ErrorCode::PartyTooLarge)) => {
                AppError::new(
                    ErrorCode::PartyTooLarge,
                    "More people than the booking has left to check in",
                )
            }
            CheckInError::Booking(e) => e.into(),
        })?;
    let answer = CheckInResult {
        entry: done.entry,
        people: done.people,
        already_in: done.already_in,
    };
    Ok(Json(answer.disclosed(disclosure)))
}

/// After a session: marks every confirmed booking nobody checked in for as a no-show.
#[utoipa::path(
    post,
    path = "/api/v1/staff/sessions/{id}/no-shows",
    responses((status = 200, body = NoShows), (status = 409, body = ApiError))
)]
pub async fn mark_no_shows(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
) -> Result<Json<NoShows>, AppError> {
    let SessionId(id) = session.item;
    let marked = state
        .storage
        .mark_no_shows(
            session.signed_in.staff.id,
            id,
            venue_clock::at_session(&state, id).await?,
        )
        .await?;
    Ok(Json(NoShows { marked }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/sign-in", post(sign_in))
        .route("/staff/sign-out", post(sign_out))
        .route("/staff/me", get(me))
        .route("/staff/check-in", post(check_in))
        .route("/staff/sessions/{id}/roster", get(roster))
        .route("/staff/sessions/{id}/roster.csv", get(roster_export))
        .route("/staff/sessions/{id}/no-shows", post(mark_no_shows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use labday_domain::BookingStatus;

    #[test]
    fn csv_starts_with_a_bom_and_quotes_awkward_fields() {
        let csv = roster_csv(&[RosterEntry {
            code: "K7QM4XPB".into(),
            name: "王, \"小明\"".into(),
            phone: "13800138000".into(),
            adults: 2,
            children: 1,
            checked_in: 0,
            status: BookingStatus::Confirmed,
            walk_in: false,
            message: None,
            masked: false,
        }]);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("K7QM4XPB,\"王, \"\"小明\"\"\",13800138000,2,1,0,confirmed,\r\n"));
    }
}
