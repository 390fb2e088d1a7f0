//! Vegetable samples, the lab's side: a session's samples with holders and full history,
//! one sample by its code (a scanned label), receiving it at the test point, and entering
//! test results. The judgement follows from the reading and the configured thresholds;
//! a correction keeps the test it corrects. Lab staff act only on their organisation's
//! samples: another organisation's sample code answers 404, exactly as a code nobody has
//! (a code is its holder's secret), and every route needs a staff session (401).

use crate::error::{AppError, OrNotFound};
use crate::extract::{AppJson, Authorised, SessionId};
use crate::state::AppState;
use crate::storage::samples::NewTest;
use crate::storage::BookingError;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use labday_domain::sample::{judge, SampleCode, SampleView, TestEntry};
use labday_domain::{ApiError, ErrorCode, FieldCode};
use serde::Deserialize;

/// Where a sample is handed in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    pub session_id: i64,
}

fn sample_error(e: BookingError) -> AppError {
    match e {
        BookingError::Refused(ErrorCode::NotFound) => AppError::not_found("sample"),
        BookingError::Elsewhere(session) => AppError(ApiError::elsewhere(
            "This sample was registered for another session",
            session,
        )),
        BookingError::Refused(ErrorCode::Invalid) => AppError(
            ApiError::new(
                ErrorCode::Invalid,
                "Only a current test of this sample can be corrected",
            )
            .with_field("corrects", FieldCode::CorrectionInvalid),
        ),
        other => other.into(),
    }
}

/// Every sample registered on a session, with holders' names and phones (in full for the
/// staff of the organisation running the session, masked for those reaching it from
/// above), testers and corrected tests (staff only).
#[utoipa::path(
    get,
    path = "/api/v1/staff/sessions/{id}/samples",
    responses((status = 200, body = [SampleView]))
)]
pub async fn session_samples(
    State(state): State<AppState>,
    session: Authorised<SessionId>,
) -> Result<Json<Vec<SampleView>>, AppError> {
    let SessionId(id) = session.item;
    let samples = state.storage.session_samples(id).await?;
    Ok(Json(session.disclose(samples)))
}

/// One sample by its code, as staff see it.
#[utoipa::path(
    get,
    path = "/api/v1/staff/samples/{code}",
    responses((status = 200, body = SampleView))
)]
pub async fn show_sample(
    State(state): State<AppState>,
    sample: Authorised<SampleCode>,
) -> Result<Json<SampleView>, AppError> {
    state
        .storage
        .staff_sample(&sample.item)
        .await?
        .map(|view| Json(sample.disclose(view)))
        .or_not_found("sample")
}

/// The sample was handed in at this session's test point (a second receipt changes
/// nothing), from the session's day on, as the door checks visitors in; never once the
/// session is cancelled.
#[utoipa::path(
    post,
    path = "/api/v1/staff/samples/{code}/receive",
    request_body = Receipt,
    responses(
        (status = 200, body = SampleView),
        (status = 409, body = ApiError, description = "`wrong_session`: registered for another session of the organisation, whose id `elsewhere` gives; `session_cancelled`: its session was cancelled before it was handed in (one received before stays received, and is tested); `before_session_day`: the session's day (as it is when the receipt is recorded) has not come on its venue's clock; `withdrawn`: its holder's details were erased before hand-in")
    )
)]
pub async fn receive_sample(
    State(state): State<AppState>,
    sample: Authorised<SampleCode>,
    AppJson(receipt): AppJson<Receipt>,
) -> Result<Json<SampleView>, AppError> {
    let view = state
        .storage
        .receive_sample(
            sample.signed_in.staff.id,
            receipt.session_id,
            &sample.item,
            chrono::Utc::now(),
        )
        .await
        .map_err(sample_error)?;
    Ok(Json(sample.disclose(view)))
}

/// Records a test of a received sample, or corrects an earlier one (`corrects`).
#[utoipa::path(
    post,
    path = "/api/v1/staff/samples/{code}/tests",
    request_body = TestEntry,
    responses(
        (status = 200, body = SampleView, description = "The sample with its new test and judgement"),
        (status = 409, body = ApiError, description = "Not received yet"),
        (status = 412, body = ApiError, description = "`edited_meanwhile`: `tests_seen` is not the number of current tests (another desk entered one since); nothing recorded"),
        (status = 422, body = ApiError, description = "Invalid reading; `corrects` is not a current test (`correction_invalid`), or a new test for a sample whose result is final (`corrects`: `result_final`: correct a test instead); a test by another method, or a strip for another pesticide, than the sample's other tests (`method`: `retest_differs`)")
    )
)]
pub async fn record_test(
    State(state): State<AppState>,
    sample: Authorised<SampleCode>,
    AppJson(entry): AppJson<TestEntry>,
) -> Result<Json<SampleView>, AppError> {
    let reading = entry.validate()?;
    let test = NewTest {
        judgement: judge(&reading, state.enzyme_thresholds),
        reading,
        corrects: entry.corrects,
        tests_seen: entry.tests_seen,
    };
    let view = state
        .storage
        .record_test(
            sample.signed_in.staff.id,
            &sample.item,
            test,
            chrono::Utc::now(),
        )
        .await
        .map_err(sample_error)?;
    Ok(Json(sample.disclose(view)))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/sessions/{id}/samples", get(session_samples))
        .route("/staff/samples/{code}", get(show_sample))
}

/// The sample desk's writes: each changes the public boards (`routes.rs` clears the cache).
pub fn desk_router() -> Router<AppState> {
    Router::new()
        .route("/staff/samples/{code}/receive", post(receive_sample))
        .route("/staff/samples/{code}/tests", post(record_test))
}
