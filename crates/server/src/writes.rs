//! What writes go through, each written once and applied where routes are put together
//! (`routes.rs`), so a new route cannot forget it:
//!
//! - [`same_origin`]: every state-changing staff request (anything but GET, HEAD and
//!   OPTIONS under `/staff/`) must come from labday's own origin — a layer on the whole
//!   staff router, checked before the session, the path or the body is looked at.
//! - [`clears_catalogue`]: a successful write to what the public pages show (the schedule,
//!   the sample desk, a sample registration) clears this process's catalogue cache, so the
//!   public pages show it at once. Bookings and cancellations only mark places as changed
//!   (`routes/bookings.rs`): the rest of the cache stays good.
//! - [`whole_body`]: a write's body within the JSON routes' limit is read in full before
//!   anything answers, so a refusal that comes before the body is looked at still reaches
//!   the client (applied in `startup.rs`, around the whole API and its unknown-endpoint and
//!   wrong-method answers).
//! - [`audit`]: the audit-log lines a handler writes itself (sign-ins, new accounts, roster
//!   exports). Every other [`AuditAction`] is written by storage in the same transaction as
//!   the change it records.

use crate::auth;
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use labday_domain::staff::{AuditAction, StaffView};
use labday_domain::ErrorCode;

/// Whether a request may change something (anything but GET, HEAD and OPTIONS).
fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Browsers send `Origin` on cross-site writes; refuse any that is not this server.
fn check_origin(headers: &HeaderMap) -> Result<(), AppError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bare = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    if !host.is_empty() && bare == host {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "Staff actions must come from labday itself",
        ))
    }
}

/// Middleware for the staff router: a write from another origin is refused with 403.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if is_write(request.method()) {
        if let Err(refused) = check_origin(request.headers()) {
            return refused.into_response();
        }
    }
    next.run(request).await
}

/// The most a JSON body may hold: axum's default limit, which every route but the photo
/// upload keeps.
const JSON_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The most that [`whole_body`] holds at once, for all requests together: 64 MiB. Beyond it
/// a body goes on unread, as it would without the layer, so a crowd of large bodies that
/// are never finished (or are refused) costs no more memory than before.
const WHOLE_BODIES_HELD: usize = 64 * 1024 * 1024;

/// Room for bodies held whole, counted in KiB (a semaphore's permits).
struct BodyRoom(tokio::sync::Semaphore);

impl BodyRoom {
    const fn new(bytes: usize) -> Self {
        BodyRoom(tokio::sync::Semaphore::const_new(bytes / 1024))
    }

    /// Room for `length` bytes until the permit is dropped, if there is that much left.
    fn take(&self, length: usize) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let kib = u32::try_from(length.div_ceil(1024)).ok()?;
        self.0.try_acquire_many(kib).ok()
    }
}

static BODY_ROOM: BodyRoom = BodyRoom::new(WHOLE_BODIES_HELD);

/// Middleware for the whole API: a write (POST, PUT, PATCH, DELETE) whose body declares a
/// length within [`JSON_BODY_LIMIT`] is read in full before any guard or handler runs. Many
/// requests are refused before their body matters (not signed in, another origin, no such
/// account or endpoint); answering one while its body is still arriving makes the server
/// close the connection with unread data, which resets it, and the client gets no answer at
/// all instead of the refusal. A body with no declared length or a larger one (a photo, or
/// more than any JSON route reads), a read's body, and any body once [`WHOLE_BODIES_HELD`]
/// are held, go on as they came: the route's own limit answers them.
pub async fn whole_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let Some(length @ 1..=JSON_BODY_LIMIT) = declared.filter(|_| is_write(request.method())) else {
        return next.run(request).await;
    };
    let Some(_room) = BODY_ROOM.take(length) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, length).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => AppError::new(
            ErrorCode::BadRequest,
            "Request body is not valid: it ended before its declared length",
        )
        .into_response(),
    }
}

/// Middleware for routes that change what the public catalogue shows: after a successful
/// write, the catalogue cache is cleared. Only a success clears it, so a refused request
/// (not signed in, another organisation's) cannot empty the cache for everyone.
pub async fn clears_catalogue(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let write = is_write(request.method());
    let response = next.run(request).await;
    if write && response.status().is_success() {
        state.catalogue_cache.clear();
    }
    response
}

/// Appends a line to the audit log, at venue-local now.
pub async fn audit(
    state: &AppState,
    staff: &StaffView,
    action: AuditAction,
    subject: &str,
) -> Result<(), AppError> {
    state
        .storage
        .audit(staff.id, action, subject, auth::now_local())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_this_servers_origin_or_none_passes() {
        assert!(check_origin(&headers(None, "labday.example")).is_ok());
        assert!(check_origin(&headers(Some("https://labday.example"), "labday.example")).is_ok());
        assert!(check_origin(&headers(Some("https://evil.example"), "labday.example")).is_err());
        assert!(check_origin(&headers(Some("null"), "labday.example")).is_err());
    }

    #[test]
    fn bodies_are_held_whole_only_while_there_is_room() {
        let room = BodyRoom::new(3 * 1024 * 1024);
        let first = room.take(2 * 1024 * 1024).expect("room for 2 MiB");
        assert!(
            room.take(1024 * 1024 + 1).is_none(),
            "1 MiB and a byte left over"
        );
        let second = room.take(1024 * 1024).expect("exactly the rest");
        assert!(room.take(1).is_none(), "full");
        drop(first);
        assert!(
            room.take(2 * 1024 * 1024).is_some(),
            "room again once a body is done"
        );
        drop(second);
        assert!(room.take(usize::MAX).is_none(), "never more than there is");
    }

    #[test]
    fn reads_are_not_writes() {
        assert!(!is_write(&Method::GET) && !is_write(&Method::HEAD));
        assert!(!is_write(&Method::OPTIONS));
        assert!(is_write(&Method::POST) && is_write(&Method::PUT));
        assert!(is_write(&Method::PATCH) && is_write(&Method::DELETE));
    }
}
