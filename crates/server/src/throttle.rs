//! Slowing down guessing: counts failures per key (a username, a sample code, a client
//! address) and refuses further tries once a key has failed `limit` times within `window`.
//! Counts live in memory: a restart forgets them, which only gives a guesser a fresh window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many tracked keys, expired ones are swept before adding another.
const SWEEP_ABOVE: usize = 10_000;

pub struct Throttle {
    limit: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Throttle {
        Throttle {
            limit,
            window,
            failures: Mutex::default(),
        }
    }

    /// Whether `key` may try again now.
    pub fn allowed(&self, key: &str) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some((n, since)) if since.elapsed() < self.window => *n < self.limit,
            Some(_) => {
                map.remove(key);
                true
            }
            None => true,
        }
    }

    /// Counts a failed try; the window starts at a key's first failure.
    pub fn failed(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > SWEEP_ABOVE {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        map.entry(key.to_owned()).or_insert((0, Instant::now())).0 += 1;
    }

    /// Forgets a key's failures (a successful sign-in).
    pub fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_after_its_limit_and_others_are_not() {
        let t = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.allowed("a"));
            t.failed("a");
        }
        assert!(!t.allowed("a"));
        assert!(t.allowed("b"), "other keys are unaffected");
        t.succeeded("a");
        assert!(t.allowed("a"), "success forgets the failures");
    }

    #[test]
    fn failures_expire_with_the_window() {
        let t = Throttle::new(1, Duration::from_millis(20));
        t.failed("a");
        assert!(!t.allowed("a"));
        std::thread::sleep(Duration::from_millis(30));
        assert!(t.allowed("a"));
    }
}
