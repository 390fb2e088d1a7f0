//! The shipped app's size for the report. The measuring is labday-bundle's, the same
//! computation `cargo xtask test` checks against the first-load budget, so the benchmark and
//! the CI check can never disagree; this adds the tuples and JSON the report prints.

use serde_json::{json, Value};
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct Bundle(labday_bundle::Bundle);

impl std::ops::Deref for Bundle {
    type Target = labday_bundle::Bundle;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

fn triple(s: labday_bundle::Sizes) -> (u64, u64, u64) {
    (s.raw, s.gzip, s.brotli)
}

impl Bundle {
    /// Every file: (raw, gzip, brotli).
    pub fn total(&self) -> (u64, u64, u64) {
        triple(self.0.total())
    }

    /// A citizen bundle's index.html and what it names: (raw, gzip, brotli).
    pub fn first_load(&self, entry: labday_bundle::Entry) -> (u64, u64, u64) {
        triple(self.0.first_load(entry))
    }

    pub fn json(&self) -> Value {
        let triple = |(raw, gzip, brotli): (u64, u64, u64)| json!({"raw": raw, "gzip": gzip, "brotli": brotli});
        json!({
            "files": self.files.iter().map(|f| json!({
                "name": f.name, "raw": f.raw, "gzip": f.gzip, "brotli": f.brotli,
                "first_load_of": f.first_load_of.iter().map(|e| e.name()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "total": triple(self.total()),
            "first_load": labday_bundle::Entry::ALL.iter().map(|e| (e.name().to_owned(), triple(self.first_load(*e)))).collect::<serde_json::Map<_, _>>(),
            "first_load_brotli_budget": labday_bundle::FIRST_LOAD_BROTLI_BUDGET,
        })
    }
}

pub fn measure(dist: &Path) -> Result<Bundle, String> {
    labday_bundle::measure(dist).map(Bundle)
}
