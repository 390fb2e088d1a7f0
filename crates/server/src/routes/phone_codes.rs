//! Verified phones, the citizen's side (`--verify-phones`): ask for a code, exchange it for
//! a token, and find every booking and sample of the verified phone. With verification off
//! each answers 404, as for any endpoint that is not there. Phones travel in bodies only.

use crate::client::ClientAddr;
use crate::error::{AppError, Refusal};
use crate::extract::AppJson;
use crate::routes::FieldErrors;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use labday_domain::booking::BookingCode;
use labday_domain::phone_code::{
    CodeCheck, CodeRequest, CodeSent, PhoneFind, PhoneHoldings, PhoneToken,
};
use labday_domain::{ApiError, ErrorCode};

/// Most bookings, and most samples, one search lists (newest first).
const MOST_LISTED: i64 = 50;

fn switched_on(state: &AppState) -> Result<(), AppError> {
    if state.phone_codes.on() {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::NotFound,
            "Phones are not verified on this server (--verify-phones is off)",
        ))
    }
}

/// Texts a 6-digit code to a phone: good for five minutes and five tries; another only
/// after 60 s; a phone gets at most 5 an hour and 10 a day, a client address a set number.
#[utoipa::path(
    post,
    path = "/api/v1/phone-codes",
    request_body = CodeRequest,
    responses(
        (status = 202, body = CodeSent, description = "The code is on its way (through the outbox)"),
        (status = 404, body = ApiError, description = "Verification is off"),
        FieldErrors,
        (status = 429, body = ApiError, description = "A code went less than 60 s ago (`fields.phone_code` = `phone_code_too_soon`) or a limit per phone or client is reached (`phone_code_limit`)",
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    )
)]
pub async fn request_code(
    State(state): State<AppState>,
    client: ClientAddr,
    AppJson(request): AppJson<CodeRequest>,
) -> Result<(StatusCode, Json<CodeSent>), Refusal> {
    switched_on(&state)?;
    let phone = request.validate()?;
    let sent = state
        .phone_codes
        .send(state.storage.as_ref(), &phone, request.lang, &client)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// Exchanges the code sent to a phone for a token that verifies the phone for ten minutes
/// (send it as `phone_token` with a booking, a sample registration or a search). A code
/// allows five tries; the sixth is refused even when right.
#[utoipa::path(
    post,
    path = "/api/v1/phone-codes/check",
    request_body = CodeCheck,
    responses(
        (status = 200, body = PhoneToken),
        (status = 404, body = ApiError, description = "Verification is off"),
        (status = 422, body = ApiError, description = "`fields.phone_code`: `phone_code_wrong` (tries left in `message`), `phone_code_expired` (expired, used, or out of tries: ask for a new one), `phone_code_invalid`")
    )
)]
pub async fn check_code(
    State(state): State<AppState>,
    AppJson(check): AppJson<CodeCheck>,
) -> Result<Json<PhoneToken>, AppError> {
    switched_on(&state)?;
    let (phone, code) = check.validate()?;
    let token = state
        .phone_codes
        .check(state.storage.as_ref(), &phone, &code)
        .await?;
    Ok(Json(token))
}

/// Every booking and sample of a verified phone, newest first (at most 50 of each), as
/// their own lookups show them; erased ones are gone.
#[utoipa::path(
    post,
    path = "/api/v1/phone-codes/holdings",
    request_body = PhoneFind,
    responses(
        (status = 200, body = PhoneHoldings),
        (status = 404, body = ApiError, description = "Verification is off"),
        (status = 422, body = ApiError, description = "No token good for this phone (`fields.phone_code` = `phone_code_required`)")
    )
)]
pub async fn holdings(
    State(state): State<AppState>,
    AppJson(find): AppJson<PhoneFind>,
) -> Result<Json<PhoneHoldings>, AppError> {
    switched_on(&state)?;
    let phone = CodeRequest {
        phone: find.phone.clone(),
        lang: Default::default(),
    }
    .validate()?;
    crate::phone_codes::require(&state, &phone, Some(&find.phone_token)).await?;
    let (booking_codes, sample_codes) = state.storage.holdings_of(&phone, MOST_LISTED).await?;
    let now = Utc::now();
    let mut bookings = Vec::with_capacity(booking_codes.len());
    for code in booking_codes
        .iter()
        .filter_map(|c| BookingCode::parse(c).ok())
    {
        bookings.extend(state.storage.find_booking(&code, &phone, now).await?);
    }
    let mut samples = Vec::with_capacity(sample_codes.len());
    for code in sample_codes
        .iter()
        .filter_map(|c| BookingCode::parse(c).ok())
    {
        samples.extend(state.storage.find_sample(&code, phone.last4(), now).await?);
    }
    Ok(Json(PhoneHoldings {
        phone_masked: phone.masked(),
        bookings,
        samples,
    }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/phone-codes", post(request_code))
        .route("/phone-codes/check", post(check_code))
        .route("/phone-codes/holdings", post(holdings))
}
