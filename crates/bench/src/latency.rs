//! Latency percentiles that count failures. A failed request (an error status, a wrong
//! answer, no answer, or an open-loop request never sent) is a sample of infinite latency:
//! it sorts above every answer, so if 1 % of requests fail, p99 reads "failed" instead of
//! the time of the fastest 99 % of the ones that worked.

use serde_json::{json, Value};
use std::time::Duration;

/// The sample of a failed request.
pub const FAILED: u32 = u32::MAX;

/// A latency in microseconds as a sample (never [`FAILED`], however long it took).
pub fn micros(took: Duration) -> u32 {
    u32::try_from(took.as_micros()).map_or(FAILED - 1, |m| m.min(FAILED - 1))
}

/// Percentiles in milliseconds; `f64::INFINITY` where the rank falls on a failure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Default for Latency {
    fn default() -> Latency {
        Latency {
            p50: 0.0,
            p90: 0.0,
            p99: 0.0,
            p999: 0.0,
            max: 0.0,
        }
    }
}

/// The nearest-rank percentile `q` (0 < q ≤ 1) of sorted samples, in milliseconds.
pub fn percentile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    match sorted[rank - 1] {
        FAILED => f64::INFINITY,
        m => f64::from(m) / 1000.0,
    }
}

impl Latency {
    /// Sorts `samples` and reads the percentiles.
    pub fn of(samples: &mut [u32]) -> Latency {
        samples.sort_unstable();
        Latency {
            p50: percentile(samples, 0.50),
            p90: percentile(samples, 0.90),
            p99: percentile(samples, 0.99),
            p999: percentile(samples, 0.999),
            max: percentile(samples, 1.0),
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "p50_ms": finite(self.p50),
            "p90_ms": finite(self.p90),
            "p99_ms": finite(self.p99),
            "p999_ms": finite(self.p999),
            "max_ms": finite(self.max),
        })
    }
}

/// A figure for JSON: `null` where a failure decided it.
pub fn finite(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// Milliseconds for the report, "failed" where a failure decided the rank.
pub fn ms(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_a_hundred_samples() {
        // 1 ms .. 100 ms.
        let mut s: Vec<u32> = (1..=100).rev().map(|m| m * 1000).collect();
        let l = Latency::of(&mut s);
        assert_eq!(
            (l.p50, l.p90, l.p99, l.p999, l.max),
            (50.0, 90.0, 99.0, 100.0, 100.0)
        );
    }

    #[test]
    fn one_sample_is_every_percentile() {
        let l = Latency::of(&mut [2500]);
        assert_eq!((l.p50, l.p99, l.max), (2.5, 2.5, 2.5));
    }

    #[test]
    fn no_samples_read_zero() {
        assert_eq!(Latency::of(&mut []), Latency::default());
    }

    #[test]
    fn failures_sort_above_every_answer() {
        // 98 fast answers and 2 failures: p99 is a failure, p90 is not.
        let mut s = vec![1000; 98];
        s.extend([FAILED, FAILED]);
        let l = Latency::of(&mut s);
        assert_eq!(l.p90, 1.0);
        assert!(l.p99.is_infinite());
        assert!(l.max.is_infinite());
        assert_eq!(ms(l.p99), "failed");
        assert_eq!(l.json()["p99_ms"], Value::Null);
        // One failure in 100 is the maximum only.
        let mut s = vec![1000; 99];
        s.push(FAILED);
        let l = Latency::of(&mut s);
        assert_eq!(l.p99, 1.0);
        assert!(l.max.is_infinite());
    }

    #[test]
    fn a_failure_among_slow_answers_still_counts() {
        // Without the failure p50 would be 10 ms; with it, the rank moves up.
        let mut s = vec![5_000, 10_000, FAILED];
        assert_eq!(Latency::of(&mut s).p50, 10.0);
        let mut s = vec![5_000, FAILED, FAILED];
        assert!(Latency::of(&mut s).p50.is_infinite());
    }

    #[test]
    fn a_very_long_answer_is_not_a_failure() {
        assert_eq!(micros(Duration::from_secs(10_000)), FAILED - 1);
        assert_eq!(micros(Duration::from_micros(1234)), 1234);
    }
}
