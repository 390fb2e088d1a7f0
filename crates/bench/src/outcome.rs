//! What one kind of request did in one phase: every request counted once, as an answer that
//! worked (with its latency and the second of the phase it finished in) or as a failure (by
//! status, `0` for no answer). Each client keeps a [`Tally`]; the phase merges them into an
//! [`Outcome`].

use crate::latency::{self, Latency, FAILED};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// The status recorded for a request that got no answer (or was never sent).
pub const NO_ANSWER: u16 = 0;

/// One client's count for one kind of request.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    samples: Vec<u32>,
    /// Answers that worked, by the whole second of the phase in which they finished.
    per_second: Vec<u64>,
    errors: BTreeMap<u16, u64>,
    pub confirmed: u64,
    pub waitlisted: u64,
}

impl Tally {
    /// An answer that worked, `took` after it was due, finishing `at` into the phase.
    pub fn answered(&mut self, took: Duration, at: Duration) {
        self.samples.push(latency::micros(took));
        let second = at.as_secs() as usize;
        if self.per_second.len() <= second {
            self.per_second.resize(second + 1, 0);
        }
        self.per_second[second] += 1;
    }

    /// A request that failed with `status` (or [`NO_ANSWER`]).
    pub fn failed(&mut self, status: u16) {
        self.samples.push(FAILED);
        *self.errors.entry(status).or_default() += 1;
    }

    pub fn merge(&mut self, other: Tally) {
        self.samples.extend(other.samples);
        if self.per_second.len() < other.per_second.len() {
            self.per_second.resize(other.per_second.len(), 0);
        }
        for (mine, theirs) in self.per_second.iter_mut().zip(other.per_second) {
            *mine += theirs;
        }
        for (status, n) in other.errors {
            *self.errors.entry(status).or_default() += n;
        }
        self.confirmed += other.confirmed;
        self.waitlisted += other.waitlisted;
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The figures of a phase that lasted `seconds` (its planned length `planned`).
    pub fn outcome(mut self, seconds: f64, planned: Duration) -> Outcome {
        let failed: u64 = self.errors.values().sum();
        Outcome {
            ok: self.samples.len() as u64 - failed,
            failed,
            seconds,
            planned_seconds: planned.as_secs(),
            latency: Latency::of(&mut self.samples),
            per_second: self.per_second,
            errors_by_status: self.errors.into_iter().collect(),
            confirmed: self.confirmed,
            waitlisted: self.waitlisted,
        }
    }
}

/// One kind of request in one phase.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub ok: u64,
    pub failed: u64,
    /// From the start until the last client finished.
    pub seconds: f64,
    pub planned_seconds: u64,
    /// Over every request, failures included.
    pub latency: Latency,
    pub per_second: Vec<u64>,
    pub errors_by_status: Vec<(u16, u64)>,
    pub confirmed: u64,
    pub waitlisted: u64,
}

impl Outcome {
    /// Answers that worked, per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ok as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// Failed requests ÷ all requests.
    pub fn error_rate(&self) -> f64 {
        let all = self.ok + self.failed;
        if all == 0 {
            0.0
        } else {
            self.failed as f64 / all as f64
        }
    }

    /// Answers per second in the phase's first and last `window` seconds (shorter when the
    /// phase is shorter than three windows: a third of it each).
    pub fn first_and_last(&self, window: u64) -> Option<(f64, f64)> {
        let planned = self.planned_seconds;
        let window = window.min(planned / 3);
        if window == 0 {
            return None;
        }
        let sum = |from: u64| -> u64 {
            (from..from + window)
                .map(|s| self.per_second.get(s as usize).copied().unwrap_or(0))
                .sum()
        };
        let w = window as f64;
        Some((sum(0) as f64 / w, sum(planned - window) as f64 / w))
    }

    /// (last window ÷ first window) − 1: how the rate moved over the phase.
    pub fn drift(&self, window: u64) -> Option<f64> {
        self.first_and_last(window)
            .filter(|(first, _)| *first > 0.0)
            .map(|(first, last)| last / first - 1.0)
    }

    pub fn json(&self) -> Value {
        json!({
            "ok": self.ok,
            "failed": self.failed,
            "error_rate": self.error_rate(),
            "seconds": self.seconds,
            "per_second": self.rate(),
            "latency": self.latency.json(),
            "answers_by_second": self.per_second,
            "errors_by_status": self.errors_by_status.iter()
                .map(|(s, n)| json!({"status": s, "count": n})).collect::<Vec<_>>(),
            "confirmed": self.confirmed,
            "waitlisted": self.waitlisted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn failures_count_in_the_error_rate_and_percentiles_but_not_the_rate() {
        let mut t = Tally::default();
        for i in 0..97 {
            t.answered(ms(2), ms(i * 10));
        }
        t.failed(500);
        t.failed(500);
        t.failed(NO_ANSWER);
        let o = t.outcome(1.0, Duration::from_secs(1));
        assert_eq!((o.ok, o.failed), (97, 3));
        assert_eq!(o.rate(), 97.0);
        assert!((o.error_rate() - 0.03).abs() < 1e-12);
        assert!(o.latency.p99.is_infinite());
        assert_eq!(o.latency.p90, 2.0);
        assert_eq!(o.errors_by_status, vec![(NO_ANSWER, 1), (500, 2)]);
    }

    #[test]
    fn merging_clients_adds_everything() {
        let mut a = Tally::default();
        a.answered(ms(1), ms(500));
        a.failed(503);
        a.confirmed = 1;
        let mut b = Tally::default();
        b.answered(ms(3), ms(2500));
        b.answered(ms(5), ms(2600));
        b.failed(503);
        b.waitlisted = 2;
        a.merge(b);
        let o = a.outcome(3.0, Duration::from_secs(3));
        assert_eq!((o.ok, o.failed, o.confirmed, o.waitlisted), (3, 2, 1, 2));
        assert_eq!(o.per_second, vec![1, 0, 2]);
        assert_eq!(o.errors_by_status, vec![(503, 2)]);
    }

    #[test]
    fn first_and_last_windows_show_a_falling_rate() {
        let mut t = Tally::default();
        // 60 s: 100 answers a second for the first half, then 80.
        for s in 0..60u64 {
            let n = if s < 30 { 100 } else { 80 };
            for i in 0..n {
                t.answered(ms(1), ms(s * 1000 + i * 5));
            }
        }
        let o = t.outcome(60.0, Duration::from_secs(60));
        assert_eq!(o.first_and_last(10), Some((100.0, 80.0)));
        assert!((o.drift(10).unwrap() + 0.2).abs() < 1e-12);
        // A 6 s phase compares its first and last 2 s; under 3 s there is nothing to compare.
        let mut t = Tally::default();
        for s in 0..6u64 {
            t.answered(ms(1), ms(s * 1000));
        }
        assert_eq!(
            t.outcome(6.0, Duration::from_secs(6)).first_and_last(10),
            Some((1.0, 1.0))
        );
        assert_eq!(
            Tally::default()
                .outcome(2.0, Duration::from_secs(2))
                .drift(10),
            None
        );
    }

    #[test]
    fn answers_after_the_planned_end_are_outside_the_last_window() {
        let mut t = Tally::default();
        for s in 0..30u64 {
            t.answered(ms(1), ms(s * 1000));
        }
        // A closed-loop request still in flight at the end finishes at 30.2 s.
        t.answered(ms(1), ms(30_200));
        let o = t.outcome(30.2, Duration::from_secs(30));
        assert_eq!(o.first_and_last(10), Some((1.0, 1.0)));
    }

    #[test]
    fn nothing_measured_is_zero_not_nan() {
        let o = Tally::default().outcome(0.0, Duration::ZERO);
        assert_eq!((o.rate(), o.error_rate()), (0.0, 0.0));
    }
}
