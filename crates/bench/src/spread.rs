//! Several runs of one configuration in one figure: the median and the spread (lowest and
//! highest run), never the best run alone.

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// The median (of an even count, the mean of the middle two) and the extremes. Infinite
    /// values (a percentile decided by failures) sort above every finite one. `None` for no
    /// values, or when a value is NaN (nothing measured).
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() || values.iter().any(|v| v.is_nan()) {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }

    pub fn json(&self) -> Value {
        let f = crate::latency::finite;
        json!({"median": f(self.median), "min": f(self.min), "max": f(self.max)})
    }
}

#[cfg(test)]
mod tests {
    use super::Spread;

    #[test]
    fn the_median_of_three_runs_is_the_middle_one_not_the_best() {
        let s = Spread::of(&[12_000.0, 9_000.0, 15_000.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (12_000.0, 9_000.0, 15_000.0));
    }

    #[test]
    fn an_even_count_takes_the_mean_of_the_middle_two() {
        let s = Spread::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
    }

    #[test]
    fn one_run_is_its_own_spread() {
        let s = Spread::of(&[7.5]).unwrap();
        assert_eq!((s.median, s.min, s.max), (7.5, 7.5, 7.5));
    }

    #[test]
    fn a_failed_percentile_is_the_highest_and_can_be_the_median() {
        let s = Spread::of(&[f64::INFINITY, 80.0, 90.0]).unwrap();
        assert_eq!((s.median, s.min), (90.0, 80.0));
        assert!(s.max.is_infinite());
        let s = Spread::of(&[f64::INFINITY, 80.0, f64::INFINITY]).unwrap();
        assert!(s.median.is_infinite());
        assert_eq!(s.json()["median"], serde_json::Value::Null);
    }

    #[test]
    fn nothing_or_not_a_number_has_no_spread() {
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[1.0, f64::NAN]), None);
    }
}
