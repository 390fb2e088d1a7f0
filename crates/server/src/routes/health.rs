//! Health: is the server up, and does its database answer? A load balancer polls it to
//! take an instance out of rotation (503) while its database is gone.
//!
//! The database is asked at most once a second, whatever the number of callers: the
//! answer is shared, so polling cannot load the database, and the endpoint stays the
//! near no-op that the benchmark uses as its baseline.

use crate::error::AppError;
use crate::state::AppState;
use crate::storage::Storage;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use labday_domain::{ApiError, ErrorCode};
use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one answer from the database is reused.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// How long the database has to answer before it counts as down.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` (a database that does not answer is a 503 instead).
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    version: &'static str,
}

/// The last answer from the database, shared by all callers.
#[derive(Default)]
pub struct Probe {
    last: Mutex<Option<(Instant, bool)>>,
    /// One question at a time: callers arriving meanwhile wait for its answer.
    asking: tokio::sync::Mutex<()>,
}

impl Probe {
    fn fresh(&self) -> Option<bool> {
        let last = self.last.lock().ok()?;
        let (at, answered) = (*last)?;
        (at.elapsed() < FRESH_FOR).then_some(answered)
    }

    /// Whether the database answers, asked at most once per [`FRESH_FOR`].
    pub async fn database_answers(&self, storage: &dyn Storage) -> bool {
        if let Some(answered) = self.fresh() {
            return answered;
        }
        let _asking = self.asking.lock().await;
        if let Some(answered) = self.fresh() {
            return answered;
        }
        let answered = match tokio::time::timeout(ANSWER_WITHIN, storage.ping()).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health: the database does not answer");
                false
            }
            Err(_) => {
                tracing::warn!("health: the database did not answer in time");
                false
            }
        };
        if let Ok(mut last) = self.last.lock() {
            *last = Some((Instant::now(), answered));
        }
        answered
    }
}

/// Is the server up, and does its database answer?
#[utoipa::path(
    get,
    path = "/api/v1/health",
    responses(
        (status = 200, body = Health, description = "Up, and the database answers"),
        (status = 503, body = ApiError, description = "The database does not answer (code `unavailable`, with `Retry-After`)")
    )
)]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    if !state.health.database_answers(state.storage.as_ref()).await {
        return Err(AppError::new(
            ErrorCode::Unavailable,
            "The database does not answer",
        ));
    }
    Ok(Json(Health {
        status: "ok",
        database: state.storage.backend(),
        version: env!("CARGO_PKG_VERSION"),
    }))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}
