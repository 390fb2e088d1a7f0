//! The one place the front end talks HTTP: requests to `/api/v1`, answered with the domain
//! type or the server's `ApiError` (a `network` error when the server is unreachable). The
//! typed calls live in `crate::api` (the citizen app's, and the staff calls it shares) and
//! `crate::staff::api` (the console's own); both are written on these few functions.
//!
//! The exchange itself (sending, reading the answer, decoding an error) is one function for
//! every call; only turning the answer's text into its type is compiled per type, which
//! keeps the WebAssembly small.

use gloo_net::http::{Request, RequestBuilder};
use labday_domain::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

const BASE: &str = "/api/v1";

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

fn unexpected() -> ApiError {
    ApiError::new(ErrorCode::Internal, "Unexpected answer from the server")
}

fn encoding(_: impl Sized) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, "Could not encode the request")
}

/// What a request carries.
enum Body {
    Nothing,
    Json(String),
    File(web_sys::File),
}

/// Sends `request` and answers the text of a successful answer, or the error it carries.
async fn exchange(
    mut request: RequestBuilder,
    body: Body,
    idempotency_key: Option<&str>,
) -> Result<String, ApiError> {
    if let Some(key) = idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    let request = match body {
        Body::Nothing => request.build(),
        Body::Json(json) => request
            .header("Content-Type", "application/json")
            .body(json),
        Body::File(file) => request
            .header("Content-Type", "application/octet-stream")
            .body(file),
    }
    .map_err(encoding)?;
    let network = |_| ApiError::new(ErrorCode::Network, "The server could not be reached");
    let response = request.send().await.map_err(network)?;
    if response.ok() {
        return response.text().await.map_err(|_| unexpected());
    }
    let text = response.text().await.unwrap_or_default();
    match crate::json::from_str::<ApiError>(&text) {
        Ok(err) => Err(err),
        // A proxy or an outage page rather than labday itself.
        Err(_) if response.status() >= 500 => Err(ApiError::new(
            ErrorCode::Network,
            "The server is unavailable",
        )),
        Err(_) => Err(unexpected()),
    }
}

/// The answer's text as a `T`.
fn decode<T: DeserializeOwned>(text: Result<String, ApiError>) -> Result<T, ApiError> {
    crate::json::from_str(&text?).map_err(|_| unexpected())
}

fn json<B: Serialize + ?Sized>(body: &B) -> Result<Body, ApiError> {
    serde_json::to_string(body)
        .map(Body::Json)
        .map_err(encoding)
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(exchange(Request::get(&url(path)), Body::Nothing, None).await)
}

/// POST of `body` as JSON; `idempotency_key` makes a retry safe where the API takes one.
pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<T, ApiError> {
    let body = json(body)?;
    decode(exchange(Request::post(&url(path)), body, idempotency_key).await)
}

/// POST of an action that takes no fields (the body is `{}`).
pub(crate) async fn post_action<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(exchange(Request::post(&url(path)), Body::Json("{}".into()), None).await)
}

/// POST with no body and no answer body expected (204).
pub(crate) async fn post_empty(path: &str) -> Result<(), ApiError> {
    exchange(Request::post(&url(path)), Body::Nothing, None)
        .await
        .map(drop)
}

/// PUT of `body` as JSON.
pub(crate) async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = json(body)?;
    decode(exchange(Request::put(&url(path)), body, None).await)
}

/// DELETE, with no answer body expected (204).
pub(crate) async fn delete(path: &str) -> Result<(), ApiError> {
    exchange(Request::delete(&url(path)), Body::Nothing, None)
        .await
        .map(drop)
}

/// POST of a file as it is (`application/octet-stream`).
pub(crate) async fn post_file<T: DeserializeOwned>(
    path: &str,
    file: web_sys::File,
) -> Result<T, ApiError> {
    decode(exchange(Request::post(&url(path)), Body::File(file), None).await)
}

/// An address under the API for a plain link or image (`/staff/photos/3`).
pub fn href(path: &str) -> String {
    url(path)
}
