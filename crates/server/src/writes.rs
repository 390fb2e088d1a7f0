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
//!   the client (applied in `startup.rs`, around every path: the API, its unknown-endpoint
//!   and wrong-method answers, and the app's pages).
//! - [`audit`]: the audit-log lines a handler writes itself (sign-ins, new accounts, roster
//!   exports). Every other [`AuditAction`] is written by storage in the same transaction as
//!   the change it records.

use crate::error::{refusal_message, AppError};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::BodyExt;
use labday_domain::staff::{AuditAction, StaffView};
use labday_domain::ErrorCode;
use std::sync::Arc;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Whether a request may change something (anything but GET, HEAD and OPTIONS).
fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Browsers send `Origin` on cross-site writes; refuse any that is not this server, and any
/// write a browser says came from another site (`Sec-Fetch-Site`). The
/// scheme counts too: a request that reached labday over https (as a trusted proxy says,
/// `auth::is_https`) takes only an https origin, so a page served over plain http on the
/// same host, which anyone on the network path can write, cannot act for a signed-in
/// organiser. A request over http takes either scheme of this host (an https page of this
/// host is this site; behind a proxy that is not trusted, every request looks like http).
fn check_origin(headers: &HeaderMap) -> Result<(), AppError> {
    let refused = || {
        AppError::new(
            ErrorCode::Forbidden,
            "Staff actions must come from labday itself",
        )
    };
    // A browser that names the site a request comes from: another one (a sibling host of
    // the same site included) is refused whatever `Origin` says, or without one.
    let fetched_from = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetched_from, Some("cross-site" | "same-site")) {
        return Err(refused());
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (scheme, bare) = origin.split_once("://").unwrap_or_default();
    let scheme_fits = scheme == "https" || (scheme == "http" && !crate::auth::is_https(headers));
    if !host.is_empty() && bare == host && scheme_fits {
        Ok(())
    } else {
        Err(refused())
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

/// The most that [`whole_body`] holds at once, for all requests together: 64 MiB, counted
/// as the bytes arrive. A legitimate write is a few hundred bytes, so only a crowd of large
/// bodies reaches it; beyond it a write is answered 503 with `Retry-After` rather than held,
/// so no number of connections can make the server hold more.
const WHOLE_BODIES_HELD: usize = 64 * 1024 * 1024;

/// Room for bodies held whole, counted in bytes (a semaphore's permits): one for each
/// served application ([`BodyRoom::shared`]).
pub struct BodyRoom(Semaphore);

impl BodyRoom {
    const fn new(bytes: usize) -> Self {
        BodyRoom(Semaphore::const_new(bytes))
    }

    /// The room of one application, [`WHOLE_BODIES_HELD`], for [`whole_body`].
    pub fn shared() -> Arc<BodyRoom> {
        Arc::new(BodyRoom::new(WHOLE_BODIES_HELD))
    }

    /// Room for `length` more bytes until the permit is dropped, if there is that much left.
    fn take(&self, length: usize) -> Option<SemaphorePermit<'_>> {
        let bytes = u32::try_from(length).ok()?;
        self.0.try_acquire_many(bytes).ok()
    }
}

/// A write's body, read within the room.
enum Read<'r> {
    /// All of it, no more than the JSON limit, with the room it takes.
    Whole(Bytes, Option<SemaphorePermit<'r>>),
    /// More than the JSON limit (a photo): what was read, and the rest as it comes.
    Larger(Body),
}

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
enum Unread {
    /// The room was full.
    Busy,
    /// The client stopped sending, or sent less than it declared.
    Cut,
}

/// Reads `body` frame by frame while it fits in `room`, up to `limit` bytes. The bytes are
/// copied into one buffer as they come, and the room taken is that buffer's size (at most
/// twice what has come): a frame as it arrives can hold on to much more memory than its
/// length (a body in one-byte chunks held fifty times its size), so none is kept.
async fn read_within(room: &BodyRoom, body: Body, limit: usize) -> Result<Read<'_>, Unread> {
    let mut body = body;
    let mut read: Vec<u8> = Vec::new();
    let mut held: Option<SemaphorePermit<'_>> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| Unread::Cut)?.into_data() else {
            continue; // trailers: nothing a JSON route reads
        };
        let needed = read.len() + data.len();
        if needed > limit {
            let read = [Bytes::from(read), data].map(Ok::<_, axum::Error>);
            let rest = body.into_data_stream();
            return Ok(Read::Larger(Body::from_stream(
                futures_util::stream::iter(read).chain(rest),
            )));
        }
        if needed > read.capacity() {
            let size = needed.max(2 * read.capacity()).min(limit);
            let Some(more) = room.take(size - read.capacity()) else {
                drop((read, held));
                return Err(drain(body, limit - needed).await);
            };
            match held.as_mut() {
                Some(held) => held.merge(more),
                None => held = Some(more),
            }
            read.reserve_exact(size - read.len());
        }
        read.extend_from_slice(&data);
    }
    Ok(Read::Whole(Bytes::from(read), held))
}

/// Reads the rest of a body that found no room, keeping none of it, up to `limit` more
/// bytes: a refusal answered while the body is still coming would reset the connection
/// (see [`whole_body`]) and never reach the client.
async fn drain(mut body: Body, limit: usize) -> Unread {
    let mut length = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Unread::Cut;
        };
        length += frame.data_ref().map_or(0, Bytes::len);
        if length > limit {
            break;
        }
    }
    Unread::Busy
}

/// Middleware for every path: a write's body (POST, PUT, PATCH, DELETE) is read in full
/// before any guard or handler runs, up to [`JSON_BODY_LIMIT`]. Many requests are refused
/// before their body matters (not signed in, another origin, no such account or endpoint);
/// answering one while its body is still arriving makes the server close the connection with
/// unread data, which resets it, and the client gets no answer at all instead of the
/// refusal. A body sent in chunks (no declared length) is read the same way. A declared
/// length above the limit (a photo) and a read's body go on as they came, as does the rest
/// of a chunked body once it passes the limit: the route's own limit answers them. All the
/// bodies held together stay within [`WHOLE_BODIES_HELD`].
pub async fn whole_body(
    State(room): State<Arc<BodyRoom>>,
    request: Request,
    next: Next,
) -> Response {
    if !is_write(request.method()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let read_first = match declared {
        Some(length) => (1..=JSON_BODY_LIMIT).contains(&length),
        None => headers.contains_key(header::TRANSFER_ENCODING),
    };
    if !read_first {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match read_within(&room, body, JSON_BODY_LIMIT).await {
        Ok(Read::Whole(bytes, _room)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Read::Larger(body)) => next.run(Request::from_parts(parts, body)).await,
        Err(Unread::Cut) => AppError::new(
            ErrorCode::BadRequest,
            "Request body is not valid: it ended before it was complete",
        )
        .into_response(),
        Err(Unread::Busy) => {
            tracing::warn!("request bodies held at their limit; a write is answered 503");
            AppError::new(
                ErrorCode::Unavailable,
                refusal_message(ErrorCode::Unavailable),
            )
            .into_response()
        }
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
    state.storage.audit(staff.id, action, subject).await?;
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
        assert!(check_origin(&headers(Some("ftp://labday.example"), "labday.example")).is_err());
        assert!(check_origin(&headers(Some("http://labday.example"), "labday.example")).is_ok());
    }

    #[test]
    fn over_https_a_plain_http_page_of_the_same_host_is_another_origin() {
        let over_https = |origin: &str| {
            let mut h = headers(Some(origin), "labday.example");
            h.insert("x-forwarded-proto", "https".parse().unwrap());
            check_origin(&h)
        };
        assert!(over_https("https://labday.example").is_ok());
        assert!(over_https("http://labday.example").is_err());
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

    /// A body arriving in `chunks` (each a run of one byte value), ending in an error if
    /// `cut`.
    fn body(chunks: &[(u8, usize)], cut: bool) -> Body {
        let mut frames: Vec<Result<Bytes, std::io::Error>> = chunks
            .iter()
            .map(|&(byte, n)| Ok(Bytes::from(vec![byte; n])))
            .collect();
        if cut {
            frames.push(Err(std::io::Error::other("connection reset")));
        }
        Body::from_stream(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn a_body_in_chunks_is_read_whole_and_holds_its_bytes_of_room() {
        let room = BodyRoom::new(1000);
        let Ok(Read::Whole(bytes, held)) =
            read_within(&room, body(&[(1, 100), (2, 200), (3, 1)], false), 500).await
        else {
            panic!("read whole");
        };
        assert_eq!(bytes.len(), 301);
        assert_eq!((bytes[0], bytes[100], bytes[300]), (1, 2, 3));
        let taken = 1000 - room.0.available_permits();
        assert!(
            (301..=602).contains(&taken),
            "the buffer's size is held while the request runs: {taken}"
        );
        drop(held);
        assert_eq!(room.0.available_permits(), 1000, "given back after");
    }

    #[tokio::test]
    async fn a_body_in_one_byte_chunks_takes_no_more_room_than_twice_its_size() {
        let room = BodyRoom::new(1 << 20);
        let chunks = vec![(7u8, 1usize); 10_000];
        let Ok(Read::Whole(bytes, _held)) = read_within(&room, body(&chunks, false), 1 << 20).await
        else {
            panic!("read whole");
        };
        assert_eq!(bytes.len(), 10_000);
        assert!(bytes.iter().all(|&b| b == 7));
        let taken = (1 << 20) - room.0.available_permits();
        assert!((10_000..=20_000).contains(&taken), "{taken}");
    }

    #[tokio::test]
    async fn a_body_that_does_not_fit_in_the_room_is_refused_and_holds_nothing() {
        let room = BodyRoom::new(1000);
        let other = room.take(400).expect("room");
        let refused = read_within(&room, body(&[(1, 500), (2, 500)], false), 5000).await;
        assert_eq!(refused.err(), Some(Unread::Busy));
        assert_eq!(
            room.0.available_permits(),
            600,
            "the refused body gave its room back"
        );
        drop(other);
    }

    #[tokio::test]
    async fn a_body_past_the_limit_goes_on_whole_without_room() {
        let room = BodyRoom::new(1000);
        let Ok(Read::Larger(rest)) =
            read_within(&room, body(&[(1, 300), (2, 300), (3, 300)], false), 500).await
        else {
            panic!("passed on");
        };
        assert_eq!(room.0.available_permits(), 1000);
        let all = rest.collect().await.expect("the whole body").to_bytes();
        assert_eq!(all.len(), 900);
        assert_eq!((all[0], all[300], all[899]), (1, 2, 3));
    }

    #[tokio::test]
    async fn a_body_cut_short_is_told_apart_and_holds_nothing() {
        let room = BodyRoom::new(1000);
        let cut = read_within(&room, body(&[(1, 300)], true), 500).await;
        assert_eq!(cut.err(), Some(Unread::Cut));
        assert_eq!(room.0.available_permits(), 1000);
    }

    #[test]
    fn reads_are_not_writes() {
        assert!(!is_write(&Method::GET) && !is_write(&Method::HEAD));
        assert!(!is_write(&Method::OPTIONS));
        assert!(is_write(&Method::POST) && is_write(&Method::PUT));
        assert!(is_write(&Method::PATCH) && is_write(&Method::DELETE));
    }
}
