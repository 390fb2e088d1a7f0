//! Every request has a deadline. When the database is locked or PostgreSQL restarts, a
//! request would otherwise hold its connection, its memory and the citizen's patience for
//! as long as the database takes; past the deadline it is answered `unavailable` (503,
//! with `Retry-After`) and dropped, so the server sheds load instead of piling it up.
//!
//! The deadline covers reading the request and producing the response's head: a large
//! body that is still streaming to a slow phone (the app's WebAssembly) is not cut off.
//! A dropped request may have done its work already (a booking taken off the queue is
//! still admitted); the app's retries carry the same `Idempotency-Key` for that reason.

use crate::error::AppError;
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use labday_domain::ErrorCode;
use std::time::Duration;

async fn within_deadline(
    State(deadline): State<Duration>,
    request: Request<Body>,
    next: Next,
) -> Response {
    // Cloned, not copied out: a `Uri` shares its bytes, so the common case allocates nothing.
    let method = request.method().clone();
    let uri = request.uri().clone();
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let path = uri.path();
            tracing::warn!(%method, %path, deadline_ms = deadline.as_millis(), "request passed its deadline");
            AppError::new(
                ErrorCode::Unavailable,
                "The server could not answer in time; please try again in a moment",
            )
            .into_response()
        }
    }
}

/// Answers every request of `router` within `deadline`, or with 503.
pub fn apply(router: Router, deadline: Duration) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        deadline,
        within_deadline,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tower::ServiceExt;

    fn app() -> Router {
        let router = Router::new()
            .route("/quick", get(|| async { "done" }))
            .route(
                "/stuck",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "too late"
                }),
            );
        apply(router, Duration::from_millis(50))
    }

    async fn call(path: &str) -> Response {
        let request = Request::get(path).body(Body::empty()).unwrap();
        app().oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn a_request_past_its_deadline_gets_503_with_retry_after_and_an_error_body() {
        let started = std::time::Instant::now();
        let response = call("/stuck").await;
        assert!(started.elapsed() < Duration::from_secs(5), "not held");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers()["retry-after"],
            crate::error::RETRY_AFTER_SECS.to_string()
        );
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let error: labday_domain::ApiError = serde_json::from_slice(&body).unwrap();
        assert_eq!(error.code, ErrorCode::Unavailable);
    }

    #[tokio::test]
    async fn a_quick_request_is_answered_as_usual() {
        let response = call("/quick").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("retry-after").is_none());
    }
}
