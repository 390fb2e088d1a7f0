//! Hostile values shared by the contract fuzzer (`contract.rs`) and the boundary property
//! tests (`hostile.rs`): the integers, strings and JSON shapes a careless or hostile caller
//! sends. Everything is drawn from one seeded RNG so a failure names the seed that
//! reproduces it (`LABDAY_FUZZ_SEED=<seed>`).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

/// The seed for this run: `LABDAY_FUZZ_SEED` when set (to replay a failure), else fresh.
pub fn seed() -> u64 {
    std::env::var("LABDAY_FUZZ_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen())
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Stands in for a string value until the body is written; then becomes a lone UTF-16
/// surrogate escape, which no `serde_json::Value` can hold.
pub const LONE_SURROGATE: &str = "\u{E000}lone-surrogate\u{E000}";

/// Numbers at and beyond every edge an integer field has.
pub fn extreme_number(rng: &mut StdRng) -> Value {
    let choices = [
        json!(0),
        json!(-1),
        json!(1),
        json!(21),
        json!(u32::MAX),
        json!(u64::from(u32::MAX) + 1),
        json!(i32::MAX),
        json!(i32::MIN),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e300),
        json!(-1e300),
        json!(0.5),
        json!(9_007_199_254_740_993u64),
    ];
    choices.choose(rng).cloned().unwrap_or(Value::Null)
}

/// Strings that break naive handling: empty, huge, control characters, direction marks,
/// emoji, formula and SQL lookalikes, and a lone surrogate.
pub fn extreme_string(rng: &mut StdRng) -> String {
    match rng.gen_range(0..14) {
        0 => String::new(),
        1 => "a".repeat(1 << 20),
        2 => "\u{202E}\u{200F}مرحبا\u{202C}".to_owned(),
        3 => "nul\u{0}byte".to_owned(),
        4 => "👩‍👩‍👧‍👦🧪🇨🇳".to_owned(),
        5 => "   ".to_owned(),
        6 => "=HYPERLINK(\"http://evil.test\",\"x\")".to_owned(),
        7 => "' OR 1=1; --".to_owned(),
        8 => "\u{FEFF}\u{200B}e\u{301}\u{301}\u{301}".to_owned(),
        9 => "测".repeat(5000),
        10 => "../../etc/passwd%00".to_owned(),
        11 => "\r\n\t\u{7}".to_owned(),
        12 => LONE_SURROGATE.to_owned(),
        _ => "😀".repeat(300),
    }
}

/// A value of the wrong JSON type for almost any field.
pub fn wrong_type(rng: &mut StdRng) -> Value {
    let choices = [
        Value::Null,
        json!(true),
        json!([]),
        json!({}),
        json!([1, "x"]),
        json!({"nested": {"deeper": [null]}}),
        json!("12"),
        json!(12),
    ];
    choices.choose(rng).cloned().unwrap_or(Value::Null)
}

/// Any hostile value: an extreme number, an extreme string or the wrong type.
pub fn hostile_value(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..3) {
        0 => extreme_number(rng),
        1 => Value::String(extreme_string(rng)),
        _ => wrong_type(rng),
    }
}

/// A request body as text: JSON written from a value, or raw bytes a value cannot express.
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Raw(String),
}

impl Body {
    /// The text sent on the wire.
    pub fn text(&self) -> String {
        let written = match self {
            Body::Json(v) => v.to_string(),
            Body::Raw(s) => s.clone(),
        };
        written.replace(&format!("\"{LONE_SURROGATE}\""), "\"\\ud800\"")
    }
}

/// Breaks a valid body one way: a field replaced by a hostile value, a field removed, an
/// extra field, a repeated key, the wrong top-level shape, or text that is not JSON.
pub fn break_body(rng: &mut StdRng, valid: &Value) -> Body {
    let mut v = valid.clone();
    match rng.gen_range(0..8) {
        0 | 1 => {
            if !replace_random_leaf(rng, &mut v) {
                v = hostile_value(rng);
            }
            Body::Json(v)
        }
        2 => {
            if let Some(obj) = v.as_object_mut() {
                let keys: Vec<String> = obj.keys().cloned().collect();
                if let Some(k) = keys.choose(rng) {
                    obj.remove(k);
                }
            }
            Body::Json(v)
        }
        3 => {
            if let Some(obj) = v.as_object_mut() {
                obj.insert("unexpected_field".into(), hostile_value(rng));
            }
            Body::Json(v)
        }
        4 => {
            // The same key twice: the second must not slip past checks made on the first.
            let written = v.to_string();
            match v.as_object().and_then(|o| o.keys().next().cloned()) {
                Some(key) if written.len() > 2 => Body::Raw(format!(
                    "{{{}:{},{}",
                    Value::String(key),
                    hostile_value(rng),
                    &written[1..]
                )),
                _ => Body::Raw(written),
            }
        }
        5 => Body::Json(wrong_type(rng)),
        6 => {
            let raw = [
                "",
                "{",
                "nul\u{0}",
                "{\"a\":}",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            ];
            Body::Raw(raw.choose(rng).copied().unwrap_or("").to_owned())
        }
        _ => {
            // Every leaf hostile at once.
            hostile_leaves(rng, &mut v);
            Body::Json(v)
        }
    }
}

fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(o) => o.values().map(leaves).sum(),
        Value::Array(a) => a.iter().map(leaves).sum(),
        _ => 1,
    }
}

fn replace_random_leaf(rng: &mut StdRng, v: &mut Value) -> bool {
    let n = leaves(v);
    if n == 0 {
        return false;
    }
    let mut target = rng.gen_range(0..n);
    let replacement = hostile_value(rng);
    replace_nth(v, &mut target, &replacement)
}

fn replace_nth(v: &mut Value, n: &mut usize, replacement: &Value) -> bool {
    match v {
        Value::Object(o) => o.values_mut().any(|c| replace_nth(c, n, replacement)),
        Value::Array(a) => a.iter_mut().any(|c| replace_nth(c, n, replacement)),
        leaf if *n == 0 => {
            *leaf = replacement.clone();
            true
        }
        _ => {
            *n -= 1;
            false
        }
    }
}

fn hostile_leaves(rng: &mut StdRng, v: &mut Value) {
    match v {
        Value::Object(o) => o.values_mut().for_each(|c| hostile_leaves(rng, c)),
        Value::Array(a) => a.iter_mut().for_each(|c| hostile_leaves(rng, c)),
        leaf => *leaf = hostile_value(rng),
    }
}

/// A mainland mobile number, distinct per `n`, that no fixture uses.
pub fn phone(n: u64) -> String {
    format!("139{:08}", n % 100_000_000)
}

/// A name unlikely to appear anywhere else in a log line.
pub fn name(rng: &mut StdRng) -> String {
    let family = ["欧阳", "司马", "诸葛", "上官", "Zy"];
    format!(
        "{}{}",
        family.choose(rng).copied().unwrap_or("Zy"),
        rng.gen_range(100_000..999_999)
    )
}
