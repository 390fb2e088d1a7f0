//! The public catalogue is what everyone reloads while booking opens: each response's JSON
//! is kept for a second, with an ETag, so a burst of identical reads costs one database
//! query and repeat views can be answered `304 Not Modified`. Bookings and cancellations
//! made through this process clear it at once; changes made through other processes behind
//! the same load balancer show within the second.

use crate::error::AppError;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a response is reused.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Most distinct responses kept (activities, sessions, filters); past that it starts over.
const MOST_ENTRIES: usize = 4096;

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

#[derive(Default)]
pub struct CatalogueCache {
    entries: Mutex<HashMap<String, (Instant, Cached)>>,
    /// One load at a time: when a response expires under a thousand readers, one of them
    /// queries the database and the rest wait for its answer instead of all querying.
    loading: tokio::sync::Mutex<()>,
}

impl CatalogueCache {
    /// The cached response for `key`, or `load`'s result serialised and kept. `None` (not
    /// found) is not kept.
    pub async fn get_or_load<T, F>(&self, key: &str, load: F) -> Result<Option<Cached>, AppError>
    where
        T: Serialize,
        F: std::future::Future<Output = Result<Option<T>, AppError>>,
    {
        if let Some(hit) = self.fresh(key) {
            return Ok(Some(hit));
        }
        let _loading = self.loading.lock().await;
        if let Some(hit) = self.fresh(key) {
            return Ok(Some(hit));
        }
        let Some(value) = load.await? else {
            return Ok(None);
        };
        let cached = Cached::of(&value)?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MOST_ENTRIES {
                entries.clear();
            }
            entries.insert(key.to_owned(), (Instant::now(), cached.clone()));
        }
        Ok(Some(cached))
    }

    fn fresh(&self, key: &str) -> Option<Cached> {
        let entries = self.entries.lock().ok()?;
        let (at, cached) = entries.get(key)?;
        (at.elapsed() < FRESH_FOR).then(|| cached.clone())
    }

    /// Forget everything: places have just changed.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}
