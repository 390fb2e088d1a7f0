//! The one place the front end talks HTTP: requests to `/api/v1`, answered with the domain
//! type or the server's `ApiError` (a `network` error when the server is unreachable). The
//! typed calls live in `crate::api` (the citizen app's, and the staff calls it shares) and
//! `crate::staff::api` (the console's own); both are written on these few functions.
//!
//! The exchange itself (sending, reading the answer, decoding an error) is one function for
//! every call; only turning the answer's text into its type is compiled per type, which
//! keeps the WebAssembly small.

use labday_domain::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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

fn unreachable_server(_: JsValue) -> ApiError {
    ApiError::new(ErrorCode::Network, "The server could not be reached")
}

/// What a request carries.
enum Body {
    Nothing,
    Json(String),
    File(web_sys::File),
}

/// How long a request may go unanswered before it counts as the network failing: a Wi-Fi
/// or mobile network that no longer reaches the server can hold a request for minutes, with
/// nothing to say meanwhile. A form waits longer than the server holds a request under load
/// before answering 503 (`--request-timeout-secs`, 30 by default): a slow answer is the
/// server's to give, in its own words. A door waits less: a check-in given up is kept on the
/// device and sent again (the server counts it once), and the queue must not stand still.
/// An upload, whose sending on a slow network is its own time, has none.
#[derive(Clone, Copy)]
enum Within {
    Answer,
    Door,
    Upload,
}

impl Within {
    fn millis(self) -> Option<u32> {
        match self {
            Within::Answer => Some(60_000),
            Within::Door => Some(10_000),
            Within::Upload => None,
        }
    }
}

/// The browser's `fetch` of `method` at `url` (straight on `web_sys`: a wrapper such as
/// gloo-net parses the address again and formats JavaScript errors, which every bundle
/// would carry for nothing).
async fn fetch(
    method: &str,
    url: &str,
    body: Body,
    extra: &[(&str, Option<&str>)],
    within: Within,
) -> Result<web_sys::Response, ApiError> {
    let headers = web_sys::Headers::new().map_err(encoding)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let content_type = match &body {
        Body::Nothing => None,
        Body::Json(json) => {
            init.set_body(&JsValue::from_str(json));
            Some("application/json")
        }
        Body::File(file) => {
            init.set_body(file);
            Some("application/octet-stream")
        }
    };
    for &(name, value) in [("Content-Type", content_type)].iter().chain(extra) {
        if let Some(value) = value {
            headers.set(name, value).map_err(encoding)?;
        }
    }
    init.set_headers(&headers);
    // A controller and a timer rather than `AbortSignal.timeout`, which older in-app
    // browsers and WebViews lack (calling it there would fail every request); without a
    // controller either, the request goes without a limit.
    let limit = match body {
        Body::File(_) => Within::Upload,
        _ => within,
    };
    let controller = limit
        .millis()
        .and_then(|ms| Some((ms, web_sys::AbortController::new().ok()?)));
    if let Some((ms, controller)) = controller {
        init.set_signal(Some(&controller.signal()));
        leptos::prelude::set_timeout(
            move || controller.abort(),
            std::time::Duration::from_millis(ms.into()),
        );
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(encoding)?;
    let window = web_sys::window().ok_or_else(unexpected)?;
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(unreachable_server)?;
    response.dyn_into().map_err(|_| unexpected())
}

/// The whole text of `response`.
async fn text(response: &web_sys::Response) -> Option<String> {
    let promise = response.text().ok()?;
    JsFuture::from(promise).await.ok()?.as_string()
}

/// Sends a request and answers the text of a successful answer, or the error it carries.
async fn exchange(
    method: &str,
    path: &str,
    body: Body,
    idempotency_key: Option<&str>,
) -> Result<String, ApiError> {
    exchange_with(method, path, body, &[("Idempotency-Key", idempotency_key)]).await
}

/// As [`exchange`], with the `extra` headers that have a value (`Idempotency-Key`,
/// `Prefer`, `If-Match`).
async fn exchange_with(
    method: &str,
    path: &str,
    body: Body,
    extra: &[(&str, Option<&str>)],
) -> Result<String, ApiError> {
    exchange_within(method, path, body, extra, Within::Answer).await
}

/// As [`exchange_with`], given up after `within`.
async fn exchange_within(
    method: &str,
    path: &str,
    body: Body,
    extra: &[(&str, Option<&str>)],
    within: Within,
) -> Result<String, ApiError> {
    let response = fetch(method, &url(path), body, extra, within).await?;
    if response.ok() {
        // An answer cut off on its way (the connection, or the limit) is the network's
        // failure: the write it answers may have been made, and a retry with the same key
        // is what tells.
        return text(&response)
            .await
            .ok_or_else(|| ApiError::new(ErrorCode::Network, "The answer was cut off on its way"));
    }
    let text = text(&response).await.unwrap_or_default();
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
pub(crate) fn decode<T: DeserializeOwned>(text: Result<String, ApiError>) -> Result<T, ApiError> {
    parse(&text?)
}

/// An answer's text already in hand as a `T`: a caller that also keeps the text reads it
/// without copying it.
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    crate::json::from_str(text).map_err(|_| unexpected())
}

fn json<B: Serialize + ?Sized>(body: &B) -> Result<Body, ApiError> {
    crate::json::to_string(body)
        .map(Body::Json)
        .map_err(encoding)
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(exchange("GET", path, Body::Nothing, None).await)
}

/// POST of `body` as JSON; `idempotency_key` makes a retry safe where the API takes one.
pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<T, ApiError> {
    let body = json(body)?;
    decode(exchange("POST", path, body, idempotency_key).await)
}

/// As [`post`], asking for the brief answer (`Prefer: return=minimal`, RFC 7240): for a
/// write whose full result the app reads elsewhere.
pub(crate) async fn post_brief<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<T, ApiError> {
    let body = json(body)?;
    let extra = [
        ("Idempotency-Key", idempotency_key),
        ("Prefer", Some("return=minimal")),
    ];
    decode(exchange_with("POST", path, body, &extra).await)
}

/// As [`post`], given up sooner: a check-in at the door, which the desk keeps on the
/// device and sends again when the network does not answer in time.
pub(crate) async fn post_at_door<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = json(body)?;
    decode(exchange_within("POST", path, body, &[], Within::Door).await)
}

/// Whether the server answers at all (`GET /health`), within a door's limit: a desk that
/// went offline because it could not reach the server, with nothing queued to send, learns
/// it is back.
pub(crate) async fn reaches_server() -> bool {
    exchange_within("GET", "/health", Body::Nothing, &[], Within::Door)
        .await
        .is_ok()
}

/// POST of an action that takes no fields (the body is `{}`).
pub(crate) async fn post_action<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(exchange("POST", path, Body::Json("{}".into()), None).await)
}

/// POST of `body` as JSON, answered with the text of the answer (kept as it came).
pub(crate) async fn post_text<B: Serialize + ?Sized>(
    path: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<String, ApiError> {
    exchange("POST", path, json(body)?, idempotency_key).await
}

/// POST with no body and no answer body expected (204).
pub(crate) async fn post_empty(path: &str) -> Result<(), ApiError> {
    exchange("POST", path, Body::Nothing, None).await.map(drop)
}

/// PUT of `body` as JSON.
pub(crate) async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = json(body)?;
    decode(exchange("PUT", path, body, None).await)
}

/// PUT of `body` as JSON if what `path` names is still at `revision` (`If-Match`): refused
/// with `edited_meanwhile` when someone saved it meanwhile.
pub(crate) async fn put_if_at<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
    revision: u32,
) -> Result<T, ApiError> {
    let body = json(body)?;
    let tag = format!("\"{revision}\"");
    decode(exchange_with("PUT", path, body, &[("If-Match", Some(&tag))]).await)
}

/// DELETE, with no answer body expected (204).
pub(crate) async fn delete(path: &str) -> Result<(), ApiError> {
    exchange("DELETE", path, Body::Nothing, None)
        .await
        .map(drop)
}

/// POST of a file as it is (`application/octet-stream`).
pub(crate) async fn post_file<T: DeserializeOwned>(
    path: &str,
    file: web_sys::File,
) -> Result<T, ApiError> {
    decode(exchange("POST", path, Body::File(file), None).await)
}

/// An address under the API for a plain link or image (`/staff/photos/3`).
pub fn href(path: &str) -> String {
    url(path)
}
