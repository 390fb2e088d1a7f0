//! The public catalogue is what everyone reloads while booking opens: each response's JSON
//! is kept for a second, with an ETag, so a burst of identical reads costs one database
//! query and repeat views can be answered `304 Not Modified`. Bookings and cancellations
//! made through this process make what they change stale at once (a counter bump, so a
//! booking pays nothing for it): a read is answered only with a response whose load began
//! after every booking answered before the read began that could change it. Changes made
//! through other processes behind the same load balancer show within the second.
//!
//! What could change it: a session's page shows that session's places, an activity's page
//! its sessions' places, and the list every activity's. So a booking makes its session's
//! and its activity's pages stale, and the list, and leaves the pages of every other
//! session and activity serving. Each keeps its counter in one of [`STRIPES`] slots chosen
//! by its id; two that share a slot make each other stale, which costs a load, never a
//! stale answer.
//!
//! Under a rush the list's counter moves every few milliseconds, so it is outdated almost
//! as soon as it is loaded. Reads stay cheap because the rule above is all a read needs: the
//! readers of one path that arrive while it is being loaded wait for the next load, and
//! that one load answers all of them; different paths load side by side.
//!
//! It also remembers each session's per-booking limit, which the booking form's field
//! checks need: a booking then costs no catalogue read. A limit that changed elsewhere only
//! changes which error the caller sees; storage checks the real limit when it books.

use crate::encoding::{Effort, Prepared};
use crate::error::{AppError, OrNotFound};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a response is reused.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Most distinct responses kept (activities, sessions, filters); past that it starts over.
const MOST_ENTRIES: usize = 4096;
/// How long a session's per-booking limit is reused.
const LIMIT_FRESH_FOR: Duration = Duration::from_secs(10);
/// Counters for single sessions' and activities' pages (a power of two).
const STRIPES: usize = 1024;

/// Which places a kept response shows, and so which changes make it stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shows {
    /// Any session's (the list, sample boards): every change.
    AnyPlaces,
    /// The sessions of one activity (its page).
    Activity(i64),
    /// One session (its page).
    Session(i64),
}

impl Shows {
    /// The slot of a single session's or activity's counter.
    fn stripe(self) -> Option<usize> {
        let (kind, id) = match self {
            Shows::AnyPlaces => return None,
            Shows::Activity(id) => (1u64, id),
            Shows::Session(id) => (2u64, id),
        };
        // Fibonacci hashing: consecutive ids land far apart.
        let mixed = ((id as u64) ^ (kind << 62)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Some((mixed >> (64 - STRIPES.trailing_zeros())) as usize)
    }
}

/// One response, ready to send: its JSON, compressed once for every request that takes it.
#[derive(Clone)]
pub struct Cached(Prepared);

impl Cached {
    fn of(value: &impl Serialize) -> Result<Cached, AppError> {
        let body = serde_json::to_vec(value).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise a catalogue response");
            AppError::new(labday_domain::ErrorCode::Internal, "Something went wrong")
        })?;
        Ok(Cached(Prepared::new(
            body,
            "application/json",
            Effort::Quick,
        )))
    }

    /// 304 when the client already holds this body, else the JSON in the best coding the
    /// client takes; a browser or proxy may keep it for a second.
    pub fn respond(self, request: &HeaderMap) -> Response {
        let mut response = self.0.send(request);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=1"),
        );
        response
    }
}

/// A kept response: when it was loaded, and its counter read before its load began (so it
/// holds every change counted by then).
struct Entry {
    at: Instant,
    generation: u64,
    /// `None`: there is no such thing (kept too, so readers of a missing path share a load).
    cached: Option<Cached>,
}

pub struct CatalogueCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// Bumped whenever places change: what shows any places is stale when kept from before.
    generation: AtomicU64,
    /// The same for one session's or activity's page, by [`Shows::stripe`].
    stripes: Box<[AtomicU64]>,
    /// Session → (when read, per-booking limit; `None`: no such session).
    limits: Mutex<HashMap<i64, (Instant, Option<u32>)>>,
    /// One load at a time per path: when a response expires under a thousand readers, one
    /// of them queries the database and the rest wait for its answer instead of all
    /// querying. Paths do not wait for each other.
    loading: Loads<String>,
    /// The same for per-booking limits: when booking opens, a thousand first bookings of one
    /// session would otherwise each read the session before any of them remembers its limit.
    loading_limit: Loads<i64>,
}

impl Default for CatalogueCache {
    fn default() -> Self {
        CatalogueCache {
            entries: Mutex::default(),
            generation: AtomicU64::default(),
            stripes: (0..STRIPES).map(|_| AtomicU64::default()).collect(),
            limits: Mutex::default(),
            loading: Loads::default(),
            loading_limit: Loads::default(),
        }
    }
}

/// The loads under way, by what each loads; each with the bell its waiters listen for.
struct Loads<K>(Mutex<HashMap<K, Arc<tokio::sync::Notify>>>);

impl<K> Default for Loads<K> {
    fn default() -> Self {
        Loads(Mutex::default())
    }
}

/// The turn to load one thing: while it is held, other readers of that thing wait; when it
/// is dropped (the load kept its answer, failed, or its request went away), they are all
/// woken at once and look again.
struct Turn<'a, K: Eq + std::hash::Hash> {
    loads: &'a Loads<K>,
    key: Option<K>,
    bell: Arc<tokio::sync::Notify>,
}

impl<K: Eq + std::hash::Hash> Drop for Turn<'_, K> {
    fn drop(&mut self) {
        if let (Some(key), Ok(mut under_way)) = (self.key.take(), self.loads.0.lock()) {
            if under_way
                .get(&key)
                .is_some_and(|b| Arc::ptr_eq(b, &self.bell))
            {
                under_way.remove(&key);
            }
        }
        self.bell.notify_waiters();
    }
}

/// What [`find_or_wait`] came back with.
enum Found<'a, T, K: Eq + std::hash::Hash> {
    Hit(T),
    /// Not there, and no one else is loading it: load it, keep it, then drop the turn.
    Turn(Turn<'a, K>),
}

/// Looks with `find`; on a miss, takes the turn to load `key` if no one has it, else waits
/// until that load ends and looks again (the load may have kept what is wanted; if not,
/// one of the waiters takes the next turn). Waking every waiter at once, rather than
/// handing a lock on from one to the next, matters under a rush: a hundred readers of a
/// path would otherwise wake one after another after every load.
async fn find_or_wait<'a, T, K, Q>(
    loads: &'a Loads<K>,
    key: &Q,
    find: impl Fn() -> Option<T>,
) -> Found<'a, T, K>
where
    K: Eq + std::hash::Hash + std::borrow::Borrow<Q>,
    Q: Eq + std::hash::Hash + ToOwned<Owned = K> + ?Sized,
{
    loop {
        if let Some(hit) = find() {
            return Found::Hit(hit);
        }
        let bell = {
            let Ok(mut under_way) = loads.0.lock() else {
                // A poisoned map: this reader loads on its own.
                let bell = Arc::default();
                return Found::Turn(Turn {
                    loads,
                    key: None,
                    bell,
                });
            };
            match under_way.get(key) {
                Some(bell) => bell.clone(),
                None => {
                    // No bound needed: a load leaves the map when its turn ends, so it
                    // holds no more than the requests in flight.
                    let bell = Arc::new(tokio::sync::Notify::new());
                    under_way.insert(key.to_owned(), bell.clone());
                    let key = Some(key.to_owned());
                    return Found::Turn(Turn { loads, key, bell });
                }
            }
        };
        let mut rung = std::pin::pin!(bell.notified());
        rung.as_mut().enable();
        // The load may have ended between looking it up and listening: then its bell has
        // rung already and no longer stands in the map.
        let still_loading = loads
            .0
            .lock()
            .is_ok_and(|u| u.get(key).is_some_and(|b| Arc::ptr_eq(b, &bell)));
        if still_loading {
            rung.await;
        }
    }
}

impl CatalogueCache {
    /// The counter that changes to what `shows` make stale.
    fn counter(&self, shows: Shows) -> &AtomicU64 {
        match shows.stripe() {
            Some(slot) => &self.stripes[slot],
            None => &self.generation,
        }
    }

    /// The cached response for `key`, which shows `shows`, or `load`'s result serialised
    /// and kept; `None` (not found) is kept the same way. A failed load keeps nothing.
    pub async fn get_or_load<T, F>(
        &self,
        key: &str,
        shows: Shows,
        load: F,
    ) -> Result<Option<Cached>, AppError>
    where
        T: Serialize,
        F: std::future::Future<Output = Result<Option<T>, AppError>>,
    {
        let counter = self.counter(shows);
        // Every change answered before this read began has moved the counter this far.
        let asked_at = counter.load(Ordering::Acquire);
        let _loading = match find_or_wait(&self.loading, key, || self.fresh(key, asked_at)).await {
            Found::Hit(hit) => return Ok(hit),
            Found::Turn(turn) => turn,
        };
        // Read before loading: the entry holds every change counted by then, and serves the
        // reads that began by then, for a second from when the load began.
        let (generation, began) = (counter.load(Ordering::Acquire), Instant::now());
        let cached = match load.await? {
            Some(value) => Some(Cached::of(&value)?),
            None => None,
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MOST_ENTRIES {
                entries.clear();
            }
            entries.insert(
                key.to_owned(),
                Entry {
                    at: began,
                    generation,
                    cached: cached.clone(),
                },
            );
        }
        Ok(cached)
    }

    /// The kept response for `key`, if its load began after the read that `asked_at` was
    /// read for (so it holds every change answered before), and within the last second.
    fn fresh(&self, key: &str, asked_at: u64) -> Option<Option<Cached>> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        (entry.generation >= asked_at && entry.at.elapsed() < FRESH_FOR)
            .then(|| entry.cached.clone())
    }

    /// Places have just changed in `session` of `activity` (a booking, a cancellation):
    /// what shows them is stale.
    pub fn places_changed(&self, session: i64, activity: i64) {
        for shows in [Shows::Session(session), Shows::Activity(activity)] {
            self.counter(shows).fetch_add(1, Ordering::AcqRel);
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Places have just changed in sessions not named (a booking moved): every kept
    /// response is stale.
    pub fn places_changed_anywhere(&self) {
        for counter in self.stripes.iter() {
            counter.fetch_add(1, Ordering::AcqRel);
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Forget everything, limits included: staff changed the catalogue.
    pub fn clear(&self) {
        self.places_changed_anywhere();
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
        if let Ok(mut limits) = self.limits.lock() {
            limits.clear();
        }
    }

    /// A session's per-booking limit (`Some(None)`: no such session), if read within the
    /// last few seconds (a missing session within the last second, as catalogue answers).
    fn per_booking_limit(&self, session: i64) -> Option<Option<u32>> {
        let limits = self.limits.lock().ok()?;
        let (at, limit) = limits.get(&session)?;
        let fresh_for = if limit.is_some() {
            LIMIT_FRESH_FOR
        } else {
            FRESH_FOR
        };
        (at.elapsed() < fresh_for).then_some(*limit)
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
        let limit = || self.per_booking_limit(session);
        let _loading = match find_or_wait(&self.loading_limit, &session, limit).await {
            Found::Hit(limit) => return Ok(limit),
            Found::Turn(turn) => turn,
        };
        let limit = load.await?;
        self.remember_limit(session, limit);
        Ok(limit)
    }

    fn remember_limit(&self, session: i64, limit: Option<u32>) {
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

/// A public read answered through the catalogue cache: the server's state, and the request
/// headers a kept answer depends on (`If-None-Match`, for a 304; `Accept-Encoding`, for the
/// coding made once per load).
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
        for name in [header::IF_NONE_MATCH, header::ACCEPT_ENCODING] {
            for value in parts.headers.get_all(&name) {
                held.append(name.clone(), value.clone());
            }
        }
        Ok(CatalogueRead {
            state: state.clone(),
            held,
        })
    }
}

impl CatalogueRead {
    /// [`CatalogueCache::get_or_load`] answered for this request: 200 (or 304 when the
    /// request holds it already), or a 404 naming `what` when there is no such thing. `key`
    /// names the response, `shows` the places it shows.
    pub async fn respond<T, F>(
        &self,
        (key, shows): (&str, Shows),
        what: &str,
        load: F,
    ) -> Result<Response, AppError>
    where
        T: Serialize,
        F: std::future::Future<Output = Result<Option<T>, AppError>>,
    {
        let cache = &self.state.catalogue_cache;
        cache
            .get_or_load(key, shows, load)
            .await?
            .map(|c| c.respond(&self.held))
            .or_not_found(what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A reader of `key` whose load is under way: it has counted itself in `loads` and
    /// answers `value` once `release` is notified.
    struct Slow {
        reader: tokio::task::JoinHandle<String>,
        loads: Arc<AtomicUsize>,
        release: Arc<tokio::sync::Notify>,
    }

    async fn slow_read(cache: &Arc<CatalogueCache>, key: &'static str, value: u32) -> Slow {
        let loads = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(tokio::sync::Notify::new());
        let reader = {
            let (cache, loads, release) = (cache.clone(), loads.clone(), release.clone());
            tokio::spawn(async move {
                let load = async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    release.notified().await;
                    Ok(Some(value))
                };
                body(
                    cache
                        .get_or_load(key, Shows::AnyPlaces, load)
                        .await
                        .unwrap(),
                )
            })
        };
        while loads.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        Slow {
            reader,
            loads,
            release,
        }
    }

    /// Twenty readers at once, each calling `read` with a 50 ms load that finds nothing:
    /// what each read, and how many loads ran.
    async fn twenty_at_once<R, Fut>(
        cache: &Arc<CatalogueCache>,
        read: impl Fn(Arc<CatalogueCache>, LoadingNothing) -> Fut,
    ) -> (Vec<Option<R>>, usize)
    where
        Fut: std::future::Future<Output = Option<R>> + Send + 'static,
        R: Send + 'static,
    {
        let loads = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..20)
            .map(|_| {
                let loads = loads.clone();
                let load: LoadingNothing = Box::pin(async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(None)
                });
                tokio::spawn(read(cache.clone(), load))
            })
            .collect();
        let mut answers = Vec::new();
        for reader in readers {
            answers.push(reader.await.unwrap());
        }
        (answers, loads.load(Ordering::SeqCst))
    }

    /// A load that finds nothing.
    type LoadingNothing =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<u32>, AppError>> + Send>>;

    fn body(cached: Option<Cached>) -> String {
        String::from_utf8(cached.expect("found").0.identity().to_vec()).unwrap()
    }

    /// What a read of `key` showing `shows` answers, had it to load: `fresh`.
    async fn read(cache: &CatalogueCache, key: &str, shows: Shows, fresh: u32) -> String {
        body(
            cache
                .get_or_load(key, shows, async move { Ok(Some(fresh)) })
                .await
                .unwrap(),
        )
    }

    #[tokio::test]
    async fn a_read_that_begins_after_a_change_never_gets_an_answer_loaded_before_it() {
        let cache = CatalogueCache::default();
        assert_eq!(read(&cache, "k", Shows::AnyPlaces, 1).await, "1");
        assert_eq!(
            read(&cache, "k", Shows::AnyPlaces, 2).await,
            "1",
            "within the second, the kept answer serves"
        );

        cache.places_changed(1, 1);
        assert_eq!(
            read(&cache, "k", Shows::AnyPlaces, 3).await,
            "3",
            "a change answered before the read makes it load"
        );
    }

    #[tokio::test]
    async fn a_booking_makes_its_session_activity_and_the_list_stale_and_no_other_page() {
        let cache = CatalogueCache::default();
        // Sessions 1..=300 of activities 1..=30, and the list, each loaded once (as 0).
        let pages: Vec<(String, Shows)> = (1..=300)
            .map(|s| (format!("session/{s}"), Shows::Session(s)))
            .chain((1..=30).map(|a| (format!("activity/{a}"), Shows::Activity(a))))
            .chain([("activities?".to_owned(), Shows::AnyPlaces)])
            .collect();
        for (key, shows) in &pages {
            assert_eq!(read(&cache, key, *shows, 0).await, "0");
        }
        // Session 7 of activity 3 is booked.
        cache.places_changed(7, 3);
        let mut reloaded = Vec::new();
        for (key, shows) in &pages {
            if read(&cache, key, *shows, 1).await == "1" {
                reloaded.push(key.as_str());
            }
        }
        for stale in ["session/7", "activity/3", "activities?"] {
            assert!(reloaded.contains(&stale), "{stale} reloaded: {reloaded:?}");
        }
        // Pages sharing a counter slot with those two reload too, at a load's cost; with
        // 1,024 slots, few of the 330.
        assert!(
            reloaded.len() <= 6,
            "only what the booking changed reloaded: {reloaded:?}"
        );

        // A move names no sessions: everything reloads.
        cache.places_changed_anywhere();
        for (key, shows) in &pages {
            assert_eq!(read(&cache, key, *shows, 2).await, "2", "{key}");
        }
    }

    #[tokio::test]
    async fn extreme_ids_are_made_stale_by_their_own_change() {
        let ids = [
            i64::MIN,
            i64::MIN + 1,
            -(1 << 62),
            -1,
            0,
            1,
            1 << 62,
            i64::MAX - 1,
            i64::MAX,
        ];
        for &s in &ids {
            for &a in &ids {
                let cache = CatalogueCache::default();
                let (sk, ak) = (format!("session/{s}"), format!("activity/{a}"));
                let pages = [
                    (sk.as_str(), Shows::Session(s)),
                    (ak.as_str(), Shows::Activity(a)),
                    ("list", Shows::AnyPlaces),
                ];
                for (key, shows) in pages {
                    assert_eq!(read(&cache, key, shows, 0).await, "0");
                }
                cache.places_changed(s, a);
                for (key, shows) in pages {
                    assert_eq!(
                        read(&cache, key, shows, 1).await,
                        "1",
                        "{key} after {s} {a}"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn an_answer_whose_load_began_during_a_change_serves_no_read_that_began_after_it() {
        let cache = Arc::new(CatalogueCache::default());
        let early = slow_read(&cache, "k", 1).await;
        // A booking is answered while the first load runs; a read begins after it.
        cache.places_changed(1, 1);
        let late = {
            let cache = cache.clone();
            tokio::spawn(async move { read(&cache, "k", Shows::AnyPlaces, 2).await })
        };
        early.release.notify_one();
        assert_eq!(early.reader.await.unwrap(), "1");
        let late = tokio::time::timeout(Duration::from_secs(5), late).await;
        assert_eq!(
            late.expect("woken when the first load ended").unwrap(),
            "2",
            "the late read waited and loaded anew"
        );
    }

    #[tokio::test]
    async fn readers_arriving_during_a_load_share_it_and_other_paths_do_not_wait_for_it() {
        let cache = Arc::new(CatalogueCache::default());
        // The counter has moved: nothing kept serves.
        cache.places_changed(1, 1);
        let first = slow_read(&cache, "slow", 7).await;
        let loads = first.loads.clone();
        // 50 readers of the path being loaded; none of them may load it again.
        let waiting: Vec<_> = (0..50)
            .map(|_| {
                let (cache, loads) = (cache.clone(), loads.clone());
                tokio::spawn(async move {
                    let load = async move {
                        loads.fetch_add(1, Ordering::SeqCst);
                        Ok(Some(0))
                    };
                    body(
                        cache
                            .get_or_load("slow", Shows::AnyPlaces, load)
                            .await
                            .unwrap(),
                    )
                })
            })
            .collect();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        // A booking is answered after they arrived: the load began before it, and it still
        // serves them, since they began before it too.
        cache.places_changed(1, 1);
        // Another path answers while the slow one is still loading.
        let other = cache.get_or_load("other", Shows::AnyPlaces, async { Ok(Some(9)) });
        let other = tokio::time::timeout(Duration::from_secs(5), other).await;
        assert_eq!(body(other.expect("not held up").unwrap()), "9");

        first.release.notify_one();
        assert_eq!(first.reader.await.unwrap(), "7");
        for reader in waiting {
            let answer = tokio::time::timeout(Duration::from_secs(5), reader).await;
            assert_eq!(answer.expect("woken when the load ended").unwrap(), "7");
        }
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "one load served 51 readers"
        );
    }

    #[tokio::test]
    async fn readers_of_a_missing_path_share_one_load_and_a_slow_load_is_not_kept_past_its_second()
    {
        let cache = Arc::new(CatalogueCache::default());
        let (answers, loads) = twenty_at_once(&cache, |cache, load| async move {
            let found = cache
                .get_or_load("session/999", Shows::AnyPlaces, load)
                .await
                .unwrap();
            found.map(|_| 0)
        })
        .await;
        assert_eq!(answers, vec![None; 20], "not found");
        assert_eq!(loads, 1, "one load told all 20");

        let (answers, loads) = twenty_at_once(&cache, |cache, load| async move {
            cache.per_booking_limit_or_load(999, load).await.unwrap()
        })
        .await;
        assert_eq!(answers, vec![None; 20], "no such session");
        assert_eq!(loads, 1, "one read of the session told all 20 bookings");

        // A load of 1.2 s serves for a second from when it began, not from when it ended.
        let slow = async {
            tokio::time::sleep(Duration::from_millis(1200)).await;
            Ok(Some(1))
        };
        assert_eq!(
            body(
                cache
                    .get_or_load("slow", Shows::AnyPlaces, slow)
                    .await
                    .unwrap()
            ),
            "1"
        );
        assert_eq!(read(&cache, "slow", Shows::AnyPlaces, 2).await, "2");
    }

    #[tokio::test]
    async fn when_a_loader_goes_away_the_readers_waiting_for_it_load_without_it() {
        let cache = Arc::new(CatalogueCache::default());
        cache.places_changed(1, 1);
        let first = slow_read(&cache, "k", 1).await;
        let waiting: Vec<_> = (0..20)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { read(&cache, "k", Shows::AnyPlaces, 2).await })
            })
            .collect();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        // The client of the first read hung up: its handler, load and all, is dropped.
        first.reader.abort();
        for reader in waiting {
            let answer = tokio::time::timeout(Duration::from_secs(5), reader).await;
            assert_eq!(answer.expect("not left waiting").unwrap(), "2");
        }
        assert_eq!(first.loads.load(Ordering::SeqCst), 1);
    }
}
