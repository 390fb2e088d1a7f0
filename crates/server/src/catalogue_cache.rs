//! The public catalogue is what everyone reloads while booking opens: each response's JSON
//! is kept for a second, with an ETag, so a burst of identical reads costs one database
//! query and repeat views can be answered `304 Not Modified`. Bookings and cancellations
//! made through this process make it stale at once (a counter bump, so a booking pays
//! nothing for it); changes made through other processes behind the same load balancer
//! show within the second.
//!
//! It also remembers each session's per-booking limit, which the booking form's field
//! checks need: a booking then costs no catalogue read. A limit that changed elsewhere only
//! changes which error the caller sees; storage checks the real limit when it books.

use crate::error::{AppError, OrNotFound};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a response is reused.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Most distinct responses kept (activities, sessions, filters); past that it starts over.
const MOST_ENTRIES: usize = 4096;
/// How long a session's per-booking limit is reused.
const LIMIT_FRESH_FOR: Duration = Duration::from_secs(10);

/// One response body, ready to send.
#[derive(Clone)]
pub struct Cached {
    body: Bytes,
    etag: HeaderValue,
}

impl Cached {
    fn of(value: &impl Serialize) -> Result<Cached, AppError> {
        let body = serde_json::to_vec(value).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise a catalogue response");
            AppError::new(labday_domain::ErrorCode::Internal, "Something went wrong")
        })?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
            .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        Ok(Cached {
            body: Bytes::from(body),
            etag,
        })
    }

    /// 304 when the client already holds this body, else the JSON.
    pub fn respond(self, request: &HeaderMap) -> Response {
        let cache_control = HeaderValue::from_static("public, max-age=1");
        let unchanged = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                let etag = self.etag.to_str().unwrap_or_default();
                tags.split(',').any(|t| t.trim() == etag || t.trim() == "*")
            });
        let headers = [
            (header::ETAG, self.etag),
            (header::CACHE_CONTROL, cache_control),
        ];
        if unchanged {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        (
            headers,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body,
        )
            .into_response()
    }
}

/// A kept response: when it was loaded, and the places generation it was loaded in.
struct Entry {
    at: Instant,
    generation: u64,
    cached: Cached,
}

#[derive(Default)]
pub struct CatalogueCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// Bumped whenever places change: entries of an older generation are stale.
    generation: AtomicU64,
    /// Session → (when read, per-booking limit).
    limits: Mutex<HashMap<i64, (Instant, u32)>>,
    /// One load at a time: when a response expires under a thousand readers, one of them
    /// queries the database and the rest wait for its answer instead of all querying.
    loading: tokio::sync::Mutex<()>,
    /// The same for per-booking limits: when booking opens, a thousand first bookings of one
    /// session would otherwise each read the session before any of them remembers its limit.
    loading_limit: tokio::sync::Mutex<()>,
}

/// What [`find_or_wait`] came back with.
enum Found<'a, T> {
    Hit(T),
    /// Not there, and no one else is loading it: load it, keep it, then drop the turn.
    Turn(tokio::sync::MutexGuard<'a, ()>),
}

/// Looks with `find`; on a miss waits for `loading` (one loader at a time) and looks again,
/// since the loader before may have kept what is wanted meanwhile.
async fn find_or_wait<'a, T>(
    loading: &'a tokio::sync::Mutex<()>,
    find: impl Fn() -> Option<T>,
) -> Found<'a, T> {
    if let Some(hit) = find() {
        return Found::Hit(hit);
    }
    let turn = loading.lock().await;
    match find() {
        Some(hit) => Found::Hit(hit),
        None => Found::Turn(turn),
    }
}

impl CatalogueCache {
    /// The cached response for `key`, or `load`'s result serialised and kept. `None` (not
    /// found) is not kept.
    pub async fn get_or_load<T, F>(&self, key: &str, load: F) -> Result<Option<Cached>, AppError>
    where
        T: Serialize,
        F: std::future::Future<Output = Result<Option<T>, AppError>>,
    {
        let _loading = match find_or_wait(&self.loading, || self.fresh(key)).await {
            Found::Hit(hit) => return Ok(Some(hit)),
            Found::Turn(turn) => turn,
        };
        // Read before loading: a booking committed during the load makes this entry stale.
        let generation = self.generation.load(Ordering::Acquire);
        let Some(value) = load.await? else {
            return Ok(None);
        };
        let cached = Cached::of(&value)?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MOST_ENTRIES {
                entries.clear();
            }
            entries.insert(
                key.to_owned(),
                Entry {
                    at: Instant::now(),
                    generation,
                    cached: cached.clone(),
                },
            );
        }
        Ok(Some(cached))
    }

    /// [`Self::get_or_load`] answered: 200 (or 304 when `request` holds it already), or a
    /// 404 naming `what` when there is no such thing.
    pub async fn respond<T, F>(
        &self,
        request: &HeaderMap,
        key: &str,
        what: &str,
        load: F,
    ) -> Result<Response, AppError>
    where
        T: Serialize,
        F: std::future::Future<Output = Result<Option<T>, AppError>>,
    {
        self.get_or_load(key, load)
            .await?
            .map(|c| c.respond(request))
            .or_not_found(what)
    }

    fn fresh(&self, key: &str) -> Option<Cached> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        let current = entry.generation == self.generation.load(Ordering::Acquire);
        (current && entry.at.elapsed() < FRESH_FOR).then(|| entry.cached.clone())
    }

    /// Places have just changed (a booking, a cancellation): every kept response is stale.
    pub fn places_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Forget everything, limits included: staff changed the catalogue.
    pub fn clear(&self) {
        self.places_changed();
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
        if let Ok(mut limits) = self.limits.lock() {
            limits.clear();
        }
    }

    /// A session's per-booking limit, if read within the last few seconds.
    pub fn per_booking_limit(&self, session: i64) -> Option<u32> {
        let limits = self.limits.lock().ok()?;
        let (at, limit) = limits.get(&session)?;
        (at.elapsed() < LIMIT_FRESH_FOR).then_some(*limit)
    }

    /// A session's per-booking limit: remembered, or read with `load` (one caller at a time;
    /// the others then find it remembered). `None`: no such session.
    pub async fn per_booking_limit_or_load<F>(
        &self,
        session: i64,
        load: F,
    ) -> Result<Option<u32>, AppError>
    where
        F: std::future::Future<Output = Result<Option<u32>, AppError>>,
    {
        let _loading =
            match find_or_wait(&self.loading_limit, || self.per_booking_limit(session)).await {
                Found::Hit(limit) => return Ok(Some(limit)),
                Found::Turn(turn) => turn,
            };
        let limit = load.await?;
        if let Some(limit) = limit {
            self.remember_limit(session, limit);
        }
        Ok(limit)
    }

    pub fn remember_limit(&self, session: i64, limit: u32) {
        if let Ok(mut limits) = self.limits.lock() {
            if limits.len() >= MOST_ENTRIES {
                limits.clear();
            }
            limits.insert(session, (Instant::now(), limit));
        }
    }

    pub fn forget_limit(&self, session: i64) {
        if let Ok(mut limits) = self.limits.lock() {
            limits.remove(&session);
        }
    }
}

/// A public read answered through the catalogue cache: the server's state, and the one
/// request header a kept answer depends on (`If-None-Match`, for a 304).
pub struct CatalogueRead {
    pub state: AppState,
    held: HeaderMap,
}

impl FromRequestParts<AppState> for CatalogueRead {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut held = HeaderMap::new();
        if let Some(tags) = parts.headers.get(header::IF_NONE_MATCH) {
            held.insert(header::IF_NONE_MATCH, tags.clone());
        }
        Ok(CatalogueRead {
            state: state.clone(),
            held,
        })
    }
}

impl CatalogueRead {
    /// [`CatalogueCache::respond`] for this request.
    pub async fn respond<T, F>(&self, key: &str, what: &str, load: F) -> Result<Response, AppError>
    where
        T: Serialize,
        F: std::future::Future<Output = Result<Option<T>, AppError>>,
    {
        let cache = &self.state.catalogue_cache;
        cache.respond(&self.held, key, what, load).await
    }
}
