//! The privacy notice's numbers: the booking and sample forms print what the server is
//! configured to do, so their promise follows the settings.

use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use labday_domain::privacy::PrivacyNotice;

/// How long names, phones and phone hashes are kept.
#[utoipa::path(
    get,
    path = "/api/v1/privacy",
    responses((status = 200, body = PrivacyNotice, description = "The retention settings the privacy notice states"))
)]
pub async fn privacy_notice(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(state.privacy),
    )
}

pub fn router() -> Router<AppState> {
    Router::new().route("/privacy", get(privacy_notice))
}
