//! The extractors handlers take, each answering a failure in the API's error shape
//! (`{"code","message","fields"}`), so no handler handles a rejection by hand:
//!
//! - [`AppJson`], [`AppPath`], [`AppQuery`]: axum's, with a body that cannot be read answered
//!   `400 bad_request` (one past the 2 MiB limit `413 payload_too_large`), a query
//!   `400 bad_request`, a path `404 not_found` (`error.rs`).
//! - [`Authorised`]: a signed-in staff member and a session, activity or sample of the path
//!   that they may act on (401, then 404 for none, then 403 for another organisation's),
//!   and how much of its holders' names and phones they are shown.
//! - [`Organiser`]: a signed-in organiser (401, then 403).
//! - [`WithinBookingRate`]: a citizen's write within the per-address rate (429), counted
//!   before the body is read.
//! - [`IfMatch`]: the revisions a change may apply to (`If-Match`), for a change that must
//!   not undo another made meanwhile.
//!
//! Extractors run in the order a handler lists them, so a handler that lists `Authorised`
//! before `AppJson` checks who may act before it reads the body.

use crate::auth::SignedIn;
use crate::client::ClientAddr;
use crate::error::{AppError, OrNotFound, Refusal};
use crate::state::AppState;
use crate::storage::{Storage, StorageError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use labday_domain::sample::SampleCode;
use labday_domain::staff::{Disclose, Disclosure};
use labday_domain::ErrorCode;
use serde::de::DeserializeOwned;
use std::future::Future;

/// A JSON body; unreadable → `400 bad_request`. So is a body whose text holds the NUL
/// character (`\u0000`): no field stores it (PostgreSQL's text cannot), and nobody types it.
/// A body larger than 2 MiB → `413 payload_too_large`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let unreadable = |why: &str| {
            AppError::new(
                ErrorCode::BadRequest,
                format!("Request body is not valid: {why}"),
            )
        };
        if !is_json(req.headers()) {
            return Err(unreadable(
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                unreadable(&e.body_text())
            }
        })?;
        if holds_nul(&bytes) {
            return Err(unreadable("text cannot hold the NUL character"));
        }
        let Json(value) = Json::<T>::from_bytes(&bytes)?;
        Ok(AppJson(value))
    }
}

/// A body past the JSON limit (`writes::JSON_BODY_LIMIT`, axum's default):
/// `413 payload_too_large`.
fn too_large() -> AppError {
    AppError::new(
        ErrorCode::PayloadTooLarge,
        "Request body is larger than the 2 MiB a JSON body may hold",
    )
}

/// `application/json`, or any `application/…+json`, as axum's own `Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether JSON text holds a `\u0000` escape (an escaped backslash before `u0000` is not one).
fn holds_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The `If-Match` of a change (RFC 9110 §13.1.1): the revisions, as entity tags (`"3"`), it
/// may apply to. `None` for no header or `*`: the change applies to whatever is there. A
/// tag that is not a revision matches none, nor does a weak one (`W/"3"`: If-Match compares
/// strongly), so a header of such tags only is refused, as a tag of an older revision is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfMatch(pub Option<Vec<u32>>);

impl IfMatch {
    pub fn of(headers: &HeaderMap) -> IfMatch {
        if headers.get(axum::http::header::IF_MATCH).is_none() {
            return IfMatch(None);
        }
        let mut revisions = Vec::new();
        for tag in crate::headers::list_items(headers, axum::http::header::IF_MATCH, ',') {
            if tag == "*" {
                return IfMatch(None);
            }
            // As `etag` writes it: `"02"` is no tag of revision 2.
            let revision = tag
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .and_then(|t| t.parse::<u32>().ok().filter(|r| r.to_string() == t));
            revisions.extend(revision);
        }
        IfMatch(Some(revisions))
    }

    /// The `ETag` header naming `revision`, for the answer to a change.
    pub fn etag(revision: u32) -> Revised {
        [(axum::http::header::ETAG, format!("\"{revision}\""))]
    }
}

/// An answer's `ETag` header: the revision a change left ([`IfMatch::etag`]).
pub type Revised = [(axum::http::HeaderName, String); 1];

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfMatch::of(&parts.headers))
    }
}

/// Path parameters; unreadable → `404 not_found`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AppPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(AppPath(value))
    }
}

/// A query string; unreadable → `400 bad_request`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(AppQuery(value))
    }
}

/// Something that belongs to one organisation, named by the path: staff act on it only
/// within their reach (their own organisation; an organiser's bureau and everything under
/// it).
pub trait Owned: Sized + Send {
    /// What the path holds.
    type Raw: DeserializeOwned + Send;
    /// "session", "activity", "sample": for the 404's message.
    const WHAT: &'static str;
    /// Whether the path's name is a secret of its holder (a code on a label, not a public
    /// id): another organisation's then reads as no such thing (404), not 403, so staff
    /// learn nothing of codes beyond their reach.
    const SECRET_NAME: bool = false;
    /// `None` when the path cannot name one (a 404, like an unknown one).
    fn parse(raw: Self::Raw) -> Option<Self>;
    /// Its organisation; `None` when there is no such thing.
    fn organisation(
        &self,
        storage: &dyn Storage,
    ) -> impl Future<Output = Result<Option<i64>, StorageError>> + Send;
}

/// Things named by their id: the type, what a 404 calls it, and the storage call that
/// finds its organisation.
macro_rules! owned_by_id {
    ($($(#[$doc:meta])* $name:ident, $what:literal, $organisation:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pub i64);

        impl Owned for $name {
            type Raw = i64;
            const WHAT: &'static str = $what;
            fn parse(raw: i64) -> Option<Self> {
                Some($name(raw))
            }
            async fn organisation(&self, storage: &dyn Storage) -> Result<Option<i64>, StorageError> {
                storage.$organisation(self.0).await
            }
        }
    )+};
}

owned_by_id! {
    /// A session by its id.
    SessionId, "session", session_organisation;
    /// An activity by its id.
    ActivityId, "activity", activity_organisation;
    /// An organisation by its id: its own owner.
    OrganisationId, "organisation", organisation_itself;
    /// A media item by its id.
    MediaId, "media item", media_organisation;
    /// A photo by its id.
    PhotoId, "photo", photo_organisation;
}

impl Owned for SampleCode {
    type Raw = String;
    const WHAT: &'static str = "sample";
    const SECRET_NAME: bool = true;
    fn parse(raw: String) -> Option<Self> {
        SampleCode::parse(&raw).ok()
    }
    async fn organisation(&self, storage: &dyn Storage) -> Result<Option<i64>, StorageError> {
        storage.sample_organisation(self).await
    }
}

/// `item` once the signed-in staff member may act for its organisation: 404 for no such
/// thing, 403 for another organisation's (404 for a code: [`Owned::SECRET_NAME`]).
pub async fn authorise<T: Owned>(
    state: &AppState,
    signed_in: &SignedIn,
    item: T,
) -> Result<T, AppError> {
    Ok(authorise_disclosing(state, signed_in, item).await?.0)
}

/// [`authorise`], with how much of the names and phones of the item's holders the staff
/// member is shown (in full only to the staff of the organisation that runs it).
pub async fn authorise_disclosing<T: Owned>(
    state: &AppState,
    signed_in: &SignedIn,
    item: T,
) -> Result<(T, Disclosure), AppError> {
    let organisation = item
        .organisation(state.storage.as_ref())
        .await?
        .or_not_found(T::WHAT)?;
    match signed_in.require(organisation) {
        Err(_) if T::SECRET_NAME => return Err(AppError::not_found(T::WHAT)),
        refused => refused?,
    }
    Ok((item, signed_in.disclosure(organisation)))
}

/// A signed-in staff member and the session, activity or sample of the path (`{id}` or
/// `{code}`), which they may act on, and how much of its holders' names and phones they
/// are shown: every answer naming holders goes through [`Authorised::disclose`].
pub struct Authorised<T> {
    pub signed_in: SignedIn,
    pub item: T,
    disclosure: Disclosure,
}

impl<T> Authorised<T> {
    /// `answer` as this staff member is shown it: holders' names and phones in full only
    /// when they belong to the organisation running the item.
    pub fn disclose<A: Disclose>(&self, answer: A) -> A {
        answer.disclosed(self.disclosure)
    }
}

impl<T: Owned> FromRequestParts<AppState> for Authorised<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let AppPath(raw) = AppPath::<T::Raw>::from_request_parts(parts, state).await?;
        let item = T::parse(raw).or_not_found(T::WHAT)?;
        let (item, disclosure) = authorise_disclosing(state, &signed_in, item).await?;
        Ok(Authorised {
            signed_in,
            item,
            disclosure,
        })
    }
}

/// A signed-in organiser (403 for lab staff).
pub struct Organiser(pub SignedIn);

impl FromRequestParts<AppState> for Organiser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        signed_in.require_organiser()?;
        Ok(Organiser(signed_in))
    }
}

/// A citizen's write (a booking, a sample registration) counted against its client address
/// before anything else is read: 429 over `--booking-rate-per-minute`.
pub struct WithinBookingRate;

impl FromRequestParts<AppState> for WithinBookingRate {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refusal> {
        let Ok(client) = ClientAddr::from_request_parts(parts, state).await;
        state.booking_rate.check(client.network())?;
        Ok(WithinBookingRate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(holds_nul(br#"{"a":"x\u0000y"}"#));
        assert!(holds_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!holds_nul(br#"{"a":"\\u0000"}"#));
        assert!(holds_nul(br#"{"a":"\u00001"}"#));
        assert!(!holds_nul(br#"{"a":"\u0001 \n \\"}"#));
        assert!(!holds_nul(b"\\"));
    }

    #[test]
    fn json_content_types_are_those_axum_accepts() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, v.parse().unwrap());
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonp"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
