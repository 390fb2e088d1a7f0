//! The OpenAPI document is a promise to integrators: this fuzzer holds the server to it.
//! For every operation in `/api/v1/openapi.json` (staff ones signed in as an organiser) it
//! sends requests generated from the operation's parameters and request-body schema —
//! valid ones, and ones broken by `hostile_input` — over real HTTP, and checks that no
//! answer is a 5xx, that every status is documented for the operation, and that every body
//! has the documented content type and validates against the documented schema (formats
//! included: a `date-time` must be RFC 3339). A failure prints the seed that replays it.

use crate::helpers::{Db, SessionSpec, TestApp};
use crate::hostile_input::{self, break_body, extreme_number, extreme_string, Body};
use crate::staff::{add_staff, sign_in, PASSWORD};
use chrono::{Datelike, Duration};
use labday_domain::staff::Role;
use labday_domain::SessionFormat;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Requests per operation and database: enough to reach every documented answer of the
/// small operations, few enough that both databases finish well under a minute.
const REQUESTS_PER_OPERATION: usize = 24;

/// Valid requests more for an operation none of whose requests succeeded yet.
const LAST_TRIES: usize = 8;

/// What `value` (a count of `unit`, or a number) breaks of the schema's lower and upper
/// bounds named `keys`, where it has them.
fn out_of_bounds(
    s: &Map<String, Value>,
    value: f64,
    (low, high): (&str, &str),
    at: &str,
    unit: &str,
) -> Vec<String> {
    let bound = |key: &str| s.get(key).and_then(Value::as_f64);
    let below = bound(low).filter(|&min| value < min).map(|min| (low, min));
    let above = bound(high)
        .filter(|&max| value > max)
        .map(|max| (high, max));
    below
        .into_iter()
        .chain(above)
        .map(|(key, limit)| format!("{at}: {value} {unit} breaks its {key} {limit}"))
        .collect()
}

/// Validates `instance` against `schema` (OpenAPI 3.1 / JSON Schema, the subset utoipa
/// writes), resolving `#/components/schemas/...` against `doc`. Errors name the JSON path.
pub fn validate(doc: &Value, schema: &Value, instance: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let Some(s) = schema.as_object() else {
        return; // `true` or `{}`: anything goes
    };
    for key in ["allOf"] {
        if let Some(all) = s.get(key).and_then(Value::as_array) {
            for sub in all {
                validate(doc, sub, instance, at, errors);
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = s.get(key).and_then(Value::as_array) {
            let matching = any
                .iter()
                .filter(|sub| {
                    let mut e = Vec::new();
                    validate(doc, sub, instance, at, &mut e);
                    e.is_empty()
                })
                .count();
            let ok = if key == "oneOf" {
                matching == 1
            } else {
                matching >= 1
            };
            if !ok {
                errors.push(format!(
                    "{at}: {matching} of the {key} alternatives match {}",
                    short(instance)
                ));
            }
        }
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let nullable = s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        let fits = types.iter().any(|t| match *t {
            "null" => instance.is_null(),
            "boolean" => instance.is_boolean(),
            "object" => instance.is_object(),
            "array" => instance.is_array(),
            "string" => instance.is_string(),
            "number" => instance.is_number(),
            "integer" => instance.is_i64() || instance.is_u64(),
            _ => true,
        }) || (nullable && instance.is_null());
        if !fits {
            errors.push(format!("{at}: expected {types:?}, got {}", short(instance)));
            return;
        }
    }
    if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
        if !allowed.contains(instance) {
            errors.push(format!(
                "{at}: {} is not one of {allowed:?}",
                short(instance)
            ));
        }
    }
    if let Some(c) = s.get("const") {
        if c != instance {
            errors.push(format!("{at}: {} is not {c}", short(instance)));
        }
    }
    match instance {
        Value::Object(o) => {
            let props = s.get("properties").and_then(Value::as_object);
            for req in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = req.as_str() {
                    if !o.contains_key(name) {
                        errors.push(format!("{at}: required `{name}` missing"));
                    }
                }
            }
            for (k, v) in o {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => validate(doc, sub, v, &format!("{at}.{k}"), errors),
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{at}: undocumented property `{k}`"))
                        }
                        Some(sub @ Value::Object(_)) => {
                            validate(doc, sub, v, &format!("{at}.{k}"), errors)
                        }
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(doc, sub, item, &format!("{at}[{i}]"), errors);
                }
            }
            let (count, counts) = (items.len() as f64, ("minItems", "maxItems"));
            errors.extend(out_of_bounds(s, count, counts, at, "items"));
        }
        Value::String(text) => {
            if let Some(format) = s.get("format").and_then(Value::as_str) {
                let ok = match format {
                    "date-time" => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                    "date" => {
                        text.len() == 10
                            && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
                    }
                    _ => true,
                };
                if !ok {
                    errors.push(format!("{at}: {text:?} is not a `{format}`"));
                }
            }
            if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
                match regex::Regex::new(pattern) {
                    Ok(re) if !re.is_match(text) => {
                        errors.push(format!("{at}: {text:?} does not match /{pattern}/"))
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(format!("{at}: bad pattern /{pattern}/: {e}")),
                }
            }
            let chars = text.chars().count() as f64;
            let lengths = ("minLength", "maxLength");
            errors.extend(out_of_bounds(s, chars, lengths, at, "characters"));
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            errors.extend(out_of_bounds(s, x, ("minimum", "maximum"), at, ""));
            let range = match s.get("format").and_then(Value::as_str) {
                Some("int32") => Some((f64::from(i32::MIN), f64::from(i32::MAX))),
                Some("uint32") => Some((0.0, f64::from(u32::MAX))),
                Some("uint64") => Some((0.0, u64::MAX as f64)),
                Some("int64") => Some((i64::MIN as f64, i64::MAX as f64)),
                _ => None,
            };
            if let Some((lo, hi)) = range {
                if !(lo..=hi).contains(&x) {
                    errors.push(format!("{at}: {n} outside its format's range"));
                }
            }
        }
        _ => {}
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..32 {
        let Some(target) = s.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(pointer) = target.strip_prefix('#') else {
            break;
        };
        match doc.pointer(pointer) {
            Some(next) => s = next,
            None => break,
        }
    }
    s
}

fn short(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 120 {
        let mut cut = 120;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Values the fixture created, so valid requests reach past "not found".
pub struct Fixture {
    pub sessions: Vec<i64>,
    pub activities: Vec<i64>,
    pub organisations: Vec<i64>,
    pub booking_codes: Vec<String>,
    pub sample_codes: Vec<String>,
    pub photos: Vec<i64>,
    pub media: Vec<i64>,
    /// Photos and media items for the deleting operations only.
    pub doomed_photos: Vec<i64>,
    pub doomed_media: Vec<i64>,
    /// Accounts the fuzzer may disable, reset and sign out: never its own.
    pub accounts: Vec<i64>,
    /// The organiser whose session the fuzzer uses: no hostile id may name it either (a
    /// reset or a sign-out of it would end that session under the other operations).
    pub own_account: i64,
    pub phone: String,
}

/// A plausible value for a field or parameter, by its name, where the schema alone would
/// only reach "not found" or "invalid".
fn by_name(rng: &mut StdRng, name: &str, path: &str, fx: &Fixture) -> Option<Value> {
    let pick = |rng: &mut StdRng, v: &[i64]| v.choose(rng).map(|x| json!(x));
    let today = crate::helpers::now().date();
    let at = |days: i64, hour: u32| {
        (today + Duration::days(days))
            .and_hms_opt(hour, 0, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
    };
    match name {
        "session_id" => pick(rng, &fx.sessions),
        "activity_id" => pick(rng, &fx.activities),
        "organisation_id" => pick(rng, &fx.organisations),
        "id" if path.contains("/activities/") => pick(rng, &fx.activities),
        // Operations run side by side: deletions get items of their own, so the others
        // still find theirs.
        "id" if path.contains("/photos/") && path.starts_with("DELETE") => {
            pick(rng, &fx.doomed_photos)
        }
        "id" if path.contains("/media/") && path.starts_with("DELETE") => {
            pick(rng, &fx.doomed_media)
        }
        "id" if path.contains("/photos/") => pick(rng, &fx.photos),
        "id" if path.contains("/media/") => pick(rng, &fx.media),
        "year" => Some(json!(today.year())),
        "id" if path.contains("/organisations/") => pick(rng, &fx.organisations),
        "id" if path.contains("/accounts/") => pick(rng, &fx.accounts),
        "id" => pick(rng, &fx.sessions),
        "code" if path.contains("sample") => fx.sample_codes.choose(rng).map(|c| json!(c)),
        "code" => fx.booking_codes.choose(rng).map(|c| json!(c)),
        "phone" => Some(json!(if rng.gen_bool(0.5) {
            fx.phone.clone()
        } else {
            hostile_input::phone(rng.gen())
        })),
        "phone_last4" | "last4" | "digits" => Some(json!(fx.phone[7..].to_owned())),
        "name" => Some(json!(hostile_input::name(rng))),
        "username" => Some(json!("chief")),
        "password" | "current" => Some(json!(PASSWORD)),
        "adults" => Some(json!(rng.gen_range(1..3))),
        "children" => Some(json!(rng.gen_range(0..2))),
        "consent" => Some(json!(true)),
        "variety" => Some(json!("spinach")),
        "day_starts" => Some(json!("09:00:00")),
        "day_ends" => Some(json!("12:00:00")),
        "link" => Some(json!("https://example.org/news/1")),
        // Organisations are updated beside the other operations: their venues stay on
        // China's clock, which the dates here are written in (a vegetable bought today is
        // one bought on its venue's today).
        "utc_offset_minutes" => Some(json!(480)),
        "starts_on" | "bought_on" | "published_on" => Some(json!(today)),
        "ends_on" => Some(json!(today + Duration::days(9))),
        "starts_at" => Some(json!(at(3, 10))),
        "ends_at" => Some(json!(at(3, 11))),
        "booking_opens_at" => Some(json!(at(0, 0))),
        "booking_closes_at" => Some(json!(at(3, 9))),
        "cancel_deadline" => Some(json!(at(3, 8))),
        _ => None,
    }
}

/// A value that validates against `schema`, preferring names the fixture knows.
fn valid_value(
    rng: &mut StdRng,
    doc: &Value,
    schema: &Value,
    path: &str,
    fx: &Fixture,
    depth: usize,
) -> Value {
    let schema = resolve(doc, schema);
    let Some(s) = schema.as_object() else {
        return json!("x");
    };
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        return e.choose(rng).cloned().unwrap_or(Value::Null);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = alts
                .iter()
                .filter(|a| resolve(doc, a).get("type") != Some(&json!("null")))
                .collect();
            if let Some(alt) = non_null.choose(rng) {
                return valid_value(rng, doc, alt, path, fx, depth + 1);
            }
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for sub in all {
            if let Value::Object(o) = valid_value(rng, doc, sub, path, fx, depth + 1) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_owned(),
        _ if s.contains_key("properties") => "object".into(),
        _ => "string".into(),
    };
    match ty.as_str() {
        "object" => {
            let required: BTreeSet<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut out = Map::new();
            for (k, sub) in s
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if !required.contains(k.as_str()) && (depth > 3 || rng.gen_bool(0.5)) {
                    continue;
                }
                // A name the fixture knows as text (`name`) may be an object elsewhere (an
                // organisation's two-language name): the schema has the last word.
                let wants_object = resolve(doc, sub)["type"] == "object";
                let v = by_name(rng, k, path, fx)
                    .filter(|v| v.is_object() || !wants_object)
                    .unwrap_or_else(|| valid_value(rng, doc, sub, path, fx, depth + 1));
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        "array" => {
            let n = if depth > 3 { 0 } else { rng.gen_range(1..3) };
            let items = s.get("items").cloned().unwrap_or(json!({}));
            Value::Array(
                (0..n)
                    .map(|_| valid_value(rng, doc, &items, path, fx, depth + 1))
                    .collect(),
            )
        }
        "integer" => {
            let lo = s.get("minimum").and_then(Value::as_i64).unwrap_or(0);
            let hi = s
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(lo + 20)
                .max(lo);
            json!(rng.gen_range(lo..=hi.min(lo + 20)))
        }
        "number" => json!(rng.gen_range(0.0..100.0)),
        "boolean" => json!(rng.gen_bool(0.5)),
        "null" => Value::Null,
        _ => {
            let format = s.get("format").and_then(Value::as_str).unwrap_or("");
            let pattern = s.get("pattern").and_then(Value::as_str).unwrap_or("");
            let day = crate::helpers::now() + Duration::days(rng.gen_range(1..5));
            if format == "date" {
                json!(day.date().to_string())
            } else if format == "date-time" || pattern.contains("T") {
                json!(day.format("%Y-%m-%dT%H:00:00").to_string())
            } else {
                json!(["测试", "Test", "x", "番茄"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("x"))
            }
        }
    }
}

/// One operation of the document.
struct Operation {
    method: String,
    path: String,
    parameters: Vec<Value>,
    body: Option<(String, Value)>,
    responses: Map<String, Value>,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let body = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .map(|(ct, m)| (ct.clone(), m["schema"].clone()));
            ops.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                parameters: op["parameters"].as_array().cloned().unwrap_or_default(),
                body,
                responses: op["responses"].as_object().cloned().unwrap_or_default(),
            });
        }
    }
    ops
}

/// A path or query parameter's text: valid, or hostile.
fn param_text(
    rng: &mut StdRng,
    doc: &Value,
    p: &Value,
    path: &str,
    fx: &Fixture,
    hostile: bool,
) -> Option<String> {
    let name = p["name"].as_str().unwrap_or("");
    let required = p["required"].as_bool().unwrap_or(false);
    if !required && !hostile && rng.gen_bool(0.4) {
        return None;
    }
    let v = if hostile {
        match rng.gen_range(0..3) {
            0 => match extreme_number(rng) {
                own if path.contains("/accounts/") && own == json!(fx.own_account) => {
                    json!(999_999)
                }
                n => n,
            },
            1 => json!(extreme_string(rng).replace(hostile_input::LONE_SURROGATE, "\u{FFFD}")),
            _ => return if required { Some(String::new()) } else { None },
        }
    } else {
        by_name(rng, name, path, fx)
            .unwrap_or_else(|| valid_value(rng, doc, &p["schema"], path, fx, 0))
    };
    let mut text = match v {
        Value::String(s) => s,
        other => other.to_string(),
    };
    // Beyond what any client sends in a URL (the huge strings go in bodies).
    while text.len() > 4096 {
        text.pop();
    }
    Some(text)
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The fixture: sessions of each format, an organiser signed in, a booking and a sample.
async fn fixture(app: &TestApp) -> (Fixture, String) {
    let visit = app.session(SessionSpec::default()).await;
    let quick = app
        .session(SessionSpec {
            format: SessionFormat::QuickTest,
            ..SessionSpec::default()
        })
        .await;
    let org = app
        .storage
        .session_organisation(visit)
        .await
        .ok()
        .flatten()
        .unwrap_or(1);
    add_staff(app, "chief", Role::Organiser, None).await;
    add_staff(app, "fuzzed-lab", Role::LabStaff, Some(org)).await;
    let fuzzed = app.storage.staff_credentials("fuzzed-lab").await;
    let fuzzed = fuzzed.ok().flatten().map(|c| c.staff.id);
    let chief = app.storage.staff_credentials("chief").await;
    let own_account = chief.ok().flatten().map(|c| c.staff.id).expect("chief");
    let (status, _, cookie, _) = sign_in(app, "chief", PASSWORD).await;
    assert_eq!(status, 200, "the organiser signs in");
    let phone = hostile_input::phone(1);
    let (_, booking) = app.book(visit, &phone, 1, 0).await;
    let (_, samples) = app
        .post(
            "/api/v1/samples",
            &json!({"session_id": quick, "name": "张三", "phone": phone, "consent": true,
                    "samples": [{"variety": "spinach", "bought_at": "青山湖农贸市场",
                                 "bought_on": crate::helpers::now().date()}]}),
        )
        .await;
    // The bench receives samples and walk-ins from the session's day on: the quick test's
    // day has come, so those operations can succeed too.
    app.starts_today(quick).await;
    let cookie = cookie.unwrap_or_default();
    let photo = || async {
        let (_, photo) = crate::photos::upload(
            app,
            Some(&cookie),
            app.activity_id,
            "大厅",
            crate::photos::PNG.to_vec(),
        )
        .await;
        photo["id"]
            .as_i64()
            .into_iter()
            .chain([999_999])
            .collect::<Vec<_>>()
    };
    let media = || async {
        let media = json!({"activity_id": app.activity_id, "link": "https://example.org/news/1",
                           "outlet": "江西日报", "published_on": crate::helpers::now().date()});
        let media = app
            .http
            .post(format!("{}/api/v1/staff/media", app.url))
            .header("cookie", &cookie)
            .json(&media)
            .send()
            .await
            .unwrap();
        let media: Value = media.json().await.unwrap_or_default();
        media["id"]
            .as_i64()
            .into_iter()
            .chain([999_999])
            .collect::<Vec<_>>()
    };
    let fx = Fixture {
        sessions: vec![visit, quick, 0, 999_999],
        activities: vec![app.activity_id, 999_999],
        organisations: vec![org, 999_999],
        booking_codes: booking["code"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect(),
        sample_codes: samples[0]["code"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect(),
        photos: photo().await,
        media: media().await,
        doomed_photos: photo().await,
        doomed_media: media().await,
        accounts: fuzzed.into_iter().chain([999_999]).collect(),
        own_account,
        phone,
    };
    (fx, cookie)
}

/// Everything one request broke, described so the failure can be read without a debugger.
/// What one operation answered: the statuses seen, and every violation as (kind, example).
struct Outcome {
    operation: String,
    statuses: BTreeSet<u16>,
    failures: Vec<(String, String)>,
}

async fn check_operation(
    app: &TestApp,
    doc: &Value,
    op: &Operation,
    fx: &Fixture,
    cookie: &str,
    rng: &mut StdRng,
) -> Outcome {
    let mut statuses = BTreeSet::new();
    let mut failures = Vec::new();
    let mut fail = |kind: String, example: String| {
        failures.push((format!("{} {} {kind}", op.method, op.path), example))
    };
    for p in &op.parameters {
        let name = p["name"].as_str().unwrap_or("");
        if p["in"] == "path" && !op.path.contains(&format!("{{{name}}}")) {
            fail(
                format!("documents a path parameter `{name}` the path does not have"),
                String::new(),
            );
        }
    }
    let requests = if op.path.ends_with("/sign-in") || op.path.ends_with("/staff/accounts") {
        // Each valid one costs an argon2 hash.
        5
    } else {
        REQUESTS_PER_OPERATION
    };
    // The capped operations (argon2) get no more.
    let last = if requests < REQUESTS_PER_OPERATION {
        0
    } else {
        LAST_TRIES
    };
    for i in 0..requests + last {
        // Past its share, an operation that has not yet succeeded gets valid requests
        // only, a few more, so that whether the fuzzer got past its door depends less on
        // the draw; one that has stops there.
        let last_tries = i >= requests;
        if last_tries && statuses.iter().any(|s| (200..300).contains(s)) {
            break;
        }
        let hostile = !last_tries && i % 3 != 0;
        let hostile_params = hostile && rng.gen_bool(0.3);
        let mut url_path = op.path.clone();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for p in &op.parameters {
            let name = p["name"].as_str().unwrap_or("");
            let this_hostile = hostile_params && rng.gen_bool(0.6);
            let scope = format!("{} {}", op.method, op.path);
            let text = param_text(rng, doc, p, &scope, fx, this_hostile);
            match (p["in"].as_str(), text) {
                (Some("path"), Some(t)) => {
                    url_path = url_path.replace(&format!("{{{name}}}"), &encode(&t))
                }
                (Some("path"), None) => url_path = url_path.replace(&format!("{{{name}}}"), "1"),
                (Some("query"), Some(t)) => query.push(format!("{}={}", encode(name), encode(&t))),
                (Some("header"), Some(t))
                    if t.len() < 200 && !t.contains(|c: char| c.is_control() || !c.is_ascii()) =>
                {
                    headers.push((name.to_owned(), t))
                }
                _ => {}
            }
        }
        if op.path.ends_with("/bookings") || op.path.ends_with("/samples") {
            // Broken requests reuse a few keys, so some repeat a key with another body.
            let key = if hostile {
                rng.gen_range(0..4)
            } else {
                rng.gen::<u64>()
            };
            headers.push(("Idempotency-Key".into(), format!("k{key}")));
        }
        let mut url = format!("{}{url_path}", app.url);
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let method =
            reqwest::Method::from_bytes(op.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req = app.http.request(method, &url);
        if op.path.contains("/staff/") && !op.path.ends_with("/sign-in") {
            req = req.header("cookie", cookie);
        }
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let sent = match &op.body {
            Some((ct, schema)) if ct == "application/json" => {
                let valid = valid_value(rng, doc, schema, &op.path, fx, 0);
                let body = if hostile {
                    break_body(rng, &valid)
                } else {
                    Body::Json(valid)
                };
                let text = body.text();
                req = req
                    .header("content-type", "application/json")
                    .body(text.clone());
                short(&Value::String(text))
            }
            Some((ct, _)) => {
                let bytes: Vec<u8> = match rng.gen_range(0..3) {
                    0 => Vec::new(),
                    1 => crate::photos::PNG.to_vec(),
                    _ => (0..rng.gen_range(1..4096)).map(|_| rng.gen()).collect(),
                };
                let len = bytes.len();
                req = req.header("content-type", ct.as_str()).body(bytes);
                format!("<{len} bytes of {ct}>")
            }
            None => String::new(),
        };
        let what = format!("{} {} {}", op.method, short(&json!(url_path)), sent);
        // A 503 (`unavailable`, with Retry-After: the database busy, as it can be while
        // this test runs beside the others) is asked again a second later, as a client
        // does; one that persists through three tries fails like any 5xx.
        let mut tries = 1;
        let answer = loop {
            let Some(again) = req.try_clone() else {
                break req.send().await;
            };
            match again.send().await {
                Ok(r) if r.status() == 503 && tries < 3 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                other => break other,
            }
        };
        let response = match answer {
            Ok(r) => r,
            Err(e) => {
                fail("no answer".into(), format!("{what}: {e}"));
                continue;
            }
        };
        let status = response.status().as_u16();
        statuses.insert(status);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        let bytes = response.bytes().await.unwrap_or_default();
        if !hostile && status >= 400 && std::env::var_os("LABDAY_FUZZ_VERBOSE").is_some() {
            eprintln!(
                "refused {status}: {what} -> {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            );
        }
        if status >= 500 {
            fail(
                format!("answered {status}"),
                format!("{what}: {}", String::from_utf8_lossy(&bytes)),
            );
            continue;
        }
        let Some(documented) = op
            .responses
            .get(&status.to_string())
            .or_else(|| op.responses.get("default"))
        else {
            let known: Vec<&String> = op.responses.keys().collect();
            fail(
                format!("answered {status}, documented {known:?}"),
                format!(
                    "{what}: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            );
            continue;
        };
        let documented = resolve(doc, documented);
        match documented["content"].as_object() {
            None if !bytes.is_empty() => fail(
                format!("{status} documented without a body, but one came ({content_type})"),
                what,
            ),
            None => {}
            Some(content) => {
                let Some(media) = content.get(&content_type) else {
                    let known: Vec<&String> = content.keys().collect();
                    fail(
                        format!("{status} came as `{content_type}`, documented as {known:?}"),
                        what,
                    );
                    continue;
                };
                if content_type == "application/json" {
                    match serde_json::from_slice::<Value>(&bytes) {
                        Ok(body) => {
                            let mut errors = Vec::new();
                            validate(doc, &media["schema"], &body, "$", &mut errors);
                            for e in errors {
                                let (at, problem) = e.split_once(": ").unwrap_or(("$", &e));
                                let at = at
                                    .split('[')
                                    .map(|p| p.split_once(']').map_or(p, |(_, r)| r))
                                    .collect::<Vec<_>>()
                                    .join("[]");
                                fail(
                                    format!("{status} body {at} invalid"),
                                    format!("{what}: {problem}"),
                                );
                            }
                        }
                        Err(e) => {
                            fail(format!("{status} body is not JSON"), format!("{what}: {e}"))
                        }
                    }
                }
            }
        }
    }
    Outcome {
        operation: format!("{} {}", op.method, op.path),
        statuses,
        failures,
    }
}

async fn every_operation_keeps_its_documented_contract(db: Db) {
    let seed = hostile_input::seed();
    let app = TestApp::spawn(db).await;
    let (fx, cookie) = fixture(&app).await;
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let ops = operations(&doc);
    assert!(
        ops.len() >= 30,
        "the document lists the API: {} operations",
        ops.len()
    );
    // Operations run side by side, each with an RNG of its own drawn from the seed, so
    // a replay sends the same requests whatever the interleaving. Some end what the others
    // need, so they run after them, one at a time: cancelling the fixture's sessions or its
    // booking (run among the others, a seed that cancels early leaves every booking,
    // walk-in and check-in refused, and the fuzzer proves nothing of them), then signing
    // out, which ends the session the staff requests use, last of all. Erasing a sample
    // withdraws the fixture's (the bench then refuses it): it runs after them too.
    let ends = |o: &&Operation| {
        o.path.ends_with("/cancel") || o.path.ends_with("/erase") || o.path.ends_with("/sign-out")
    };
    let (mut ending, rest): (Vec<_>, Vec<_>) = ops.iter().partition(ends);
    ending.sort_by_key(|o| {
        (
            o.path.ends_with("/sign-out"),
            o.path.ends_with("/staff/sign-out"),
        )
    });
    let rng_of =
        |i: usize| hostile_input::rng(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let runs = rest.iter().enumerate().map(|(i, op)| {
        let (app, doc, fx, cookie) = (&app, &doc, &fx, cookie.as_str());
        async move { check_operation(app, doc, op, fx, cookie, &mut rng_of(i)).await }
    });
    let mut outcomes = futures::future::join_all(runs).await;
    for (i, op) in ending.into_iter().enumerate() {
        let mut rng = rng_of(rest.len() + i);
        outcomes.push(check_operation(&app, &doc, op, &fx, &cookie, &mut rng).await);
    }
    // A fuzzer that never gets past the door proves nothing: most operations must have
    // succeeded at least once. Some need state one request cannot build (no-shows only
    // after the session ended, check-in on its day), so not all.
    // Verified phones are off here (the default), and their operations answer 404: their
    // contract is checked all the same, their successes in `verify_phones.rs`. Erasing a
    // booking needs it cancelled first (or its session's day over), which no one request
    // builds: its successes are `holder_erasure.rs`'s.
    let switched_off = |o: &&Outcome| {
        o.operation.contains("/phone-codes") || o.operation == "POST /api/v1/bookings/erase"
    };
    let succeeded = outcomes
        .iter()
        .filter(|o| o.statuses.iter().any(|s| (200..300).contains(s)))
        .count();
    let can_succeed = outcomes.iter().filter(|o| !switched_off(o)).count();
    for o in &outcomes {
        eprintln!("{:<60} {:?}", o.operation, o.statuses);
    }
    assert!(
        succeeded * 4 >= can_succeed * 3,
        "only {succeeded} of {can_succeed} operations ever succeeded (seed {seed})"
    );
    let failures: Vec<(String, String)> = outcomes.into_iter().flat_map(|o| o.failures).collect();
    // One line per kind of violation, with one example request.
    let count = failures.len();
    let mut kinds = std::collections::BTreeMap::new();
    for (kind, example) in failures {
        kinds.entry(kind).or_insert(example);
    }
    let failures: Vec<String> = kinds
        .iter()
        .map(|(k, e)| format!("{k}\n    e.g. {e}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{count} contract violations of {} kinds on {db:?} (replay with LABDAY_FUZZ_SEED={seed}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

crate::on_both_databases!(every_operation_keeps_its_documented_contract);
