//! Liveness: answers without touching the database so it also serves as the no-op baseline.

use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
    database: &'static str,
    version: &'static str,
}

/// Is the server up, and on which database?
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        database: state.storage.backend(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}
