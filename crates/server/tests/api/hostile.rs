//! Property tests at the HTTP boundary: batches of generated citizen requests (book, look
//! up, cancel, register samples, look samples up, read the catalogue) with extreme numbers,
//! empty and huge strings, odd Unicode, missing and extra fields and repeated keys, sent in
//! parallel, some twice with the same `Idempotency-Key`. Whatever arrives, three promises
//! hold: no 5xx; no session holds more confirmed people than its places, counted in the
//! database itself, and its `booked` counter agrees; no name or phone reaches a log line,
//! even at TRACE. A failure prints the seed that replays it (`LABDAY_FUZZ_SEED`).

use crate::helpers::{now, Db, SessionSpec, TestApp, TestDb};
use crate::hostile_input::{self, break_body, extreme_number, extreme_string, Body};
use labday_domain::SessionFormat;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// Batches per database, and requests per batch (each batch in parallel).
const BATCHES: usize = 6;
const BATCH: usize = 40;

/// Every line the server logs, whatever its level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut lines) = self.0.lock() {
            lines.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A runtime of its own for the server, every thread of which logs at TRACE into `logs`:
/// other tests in this binary keep their own (silent) logging.
fn logging_runtime(logs: &Captured) -> tokio::runtime::Runtime {
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(logs.clone())
            .finish(),
    );
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // The guard would restore the previous dispatcher; this thread keeps ours.
            std::mem::forget(tracing::dispatcher::set_default(&dispatch));
        })
        .build()
        .expect("server runtime")
}

/// Per session: places, the `booked` counter, and confirmed people counted from bookings.
async fn occupancy(db: &TestDb) -> Vec<(i64, i64, i64, i64)> {
    let sql = "SELECT s.id, CAST(s.capacity AS BIGINT), CAST(s.booked AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN b.status IN ('confirmed', 'checked_in') \
               THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT) \
               FROM sessions s LEFT JOIN bookings b ON b.session_id = s.id \
               GROUP BY s.id, s.capacity, s.booked ORDER BY s.id";
    crate::on_connection!(db, |conn| sqlx::query_as(sql)
        .fetch_all(&mut conn)
        .await
        .expect("occupancy"))
}

/// What the generated requests may refer to, and the personal data they carried.
#[derive(Default)]
struct Known {
    sessions: Vec<i64>,
    quick_sessions: Vec<i64>,
    /// (code, phone) of bookings made, so lookups and cancels find real ones.
    bookings: Vec<(String, String)>,
    samples: Vec<(String, String)>,
    /// Every name and phone sent, to look for in the logs.
    personal: Vec<String>,
}

/// A party count: usually sensible, often at or past an edge.
fn count(rng: &mut StdRng) -> Value {
    if rng.gen_bool(0.5) {
        json!(rng.gen_range(0..4))
    } else {
        extreme_number(rng)
    }
}

fn text_or_extreme(rng: &mut StdRng, sensible: String) -> String {
    if rng.gen_bool(0.7) {
        sensible
    } else {
        extreme_string(rng)
    }
}

/// One generated request: method, path, body, and whether to send it twice with one key.
struct Request {
    method: &'static str,
    path: String,
    body: Option<Body>,
    key: Option<String>,
    twice: bool,
}

fn generate(rng: &mut StdRng, known: &mut Known, n: u64) -> Request {
    let phone = text_or_extreme(rng, hostile_input::phone(n));
    let sensible_name = hostile_input::name(rng);
    let name = text_or_extreme(rng, sensible_name);
    for personal in [&phone, &name] {
        // Long enough not to match by chance in an unrelated log line.
        if personal.chars().count() >= 6 && personal.chars().count() < 200 {
            known.personal.push(personal.clone());
        }
    }
    let any = |rng: &mut StdRng, v: &[i64]| -> Value {
        if rng.gen_bool(0.85) {
            v.choose(rng).map(|x| json!(x)).unwrap_or(Value::Null)
        } else {
            extreme_number(rng)
        }
    };
    let (method, path, body) = match rng.gen_range(0..10) {
        0..=3 => {
            let mut body = json!({
                "session_id": any(rng, &known.sessions),
                "name": name,
                "phone": phone,
                "adults": count(rng),
                "children": count(rng),
                "consent": true,
            });
            if rng.gen_bool(0.1) {
                body["adults"] = json!(1);
                body["children"] = json!(u32::MAX);
            }
            ("POST", "/api/v1/bookings".to_owned(), Some(body))
        }
        4 | 5 => {
            let (code, real_phone) = known
                .bookings
                .choose(rng)
                .cloned()
                .unwrap_or_else(|| ("ABCD2345".into(), phone.clone()));
            let phone = if rng.gen_bool(0.5) { real_phone } else { phone };
            let path = if rng.gen_bool(0.5) {
                "/api/v1/bookings/lookup"
            } else {
                "/api/v1/bookings/cancel"
            };
            (
                "POST",
                path.to_owned(),
                Some(json!({"code": code, "phone": phone})),
            )
        }
        6 => {
            let variety = ["spinach", "other", "", "🥬"]
                .choose(rng)
                .copied()
                .unwrap_or("");
            let item = json!({"variety": variety,
                              "variety_other": text_or_extreme(rng, "马齿苋".into()),
                              "bought_at": text_or_extreme(rng, "青山湖农贸市场".into()),
                              "bought_on": now().date()});
            let items = vec![item; rng.gen_range(0..4)];
            let body = json!({"session_id": any(rng, &known.quick_sessions), "name": name,
                              "phone": phone, "consent": rng.gen_bool(0.9), "samples": items});
            ("POST", "/api/v1/samples".to_owned(), Some(body))
        }
        7 => {
            let (code, real_phone) = known
                .samples
                .choose(rng)
                .cloned()
                .unwrap_or_else(|| ("ABCD2345".into(), phone.clone()));
            let last4: String = {
                let mut tail: Vec<char> = real_phone.chars().rev().take(4).collect();
                tail.reverse();
                tail.into_iter().collect()
            };
            let digits = if rng.gen_bool(0.5) {
                last4
            } else {
                text_or_extreme(rng, "1234".into())
            };
            (
                "POST",
                "/api/v1/samples/lookup".to_owned(),
                Some(json!({"code": code, "phone_last4": digits})),
            )
        }
        _ => {
            let id = match any(rng, &known.sessions) {
                Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            let paths = [
                "/api/v1/activities".to_owned(),
                "/api/v1/activities?date=2026-13-45&city=%E2%80%AE&category=%00".to_owned(),
                format!("/api/v1/activities/{id}"),
                format!("/api/v1/sessions/{id}"),
                format!("/api/v1/sessions/{id}/samples/board"),
                format!("/api/v1/activities/{id}/samples/board"),
            ];
            ("GET", paths.choose(rng).cloned().unwrap_or_default(), None)
        }
    };
    let body = body.map(|b| {
        if rng.gen_bool(0.5) {
            break_body(rng, &b)
        } else {
            Body::Json(b)
        }
    });
    let key = rng
        .gen_bool(0.4)
        .then(|| format!("key-{}", rng.gen_range(0..20)));
    Request {
        method,
        path,
        body,
        twice: key.is_some() && rng.gen_bool(0.5),
        key,
    }
}

/// The most of a write's body the server reads before it answers (its JSON limit).
const FULL_READ: usize = 2 * 1024 * 1024;

/// Sends a request; returns the status (0 when the server gave no answer) and the body.
async fn send(app: &TestApp, r: &Request) -> (u16, Value) {
    let url = format!("{}{}", app.url, r.path);
    let mut req = if r.method == "GET" {
        app.http.get(url)
    } else {
        app.http.post(url)
    };
    if let Some(k) = &r.key {
        req = req.header("idempotency-key", k.as_str());
    }
    if let Some(b) = &r.body {
        req = req
            .header("content-type", "application/json")
            .body(b.text());
    }
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

async fn hostile_citizens_cannot_break_a_promise(db: Db) {
    let seed = hostile_input::seed();
    let mut rng = hostile_input::rng(seed);
    let logs = Captured::default();
    let server = logging_runtime(&logs);
    let app = server
        .spawn(async move { TestApp::spawn(db).await })
        .await
        .expect("server starts");
    let mut known = Known::default();
    for capacity in [3, 5, 12] {
        known
            .sessions
            .push(app.session(SessionSpec::sized(capacity, 4)).await);
    }
    known.sessions.push(0);
    let quick = app
        .session(SessionSpec {
            format: SessionFormat::QuickTest,
            ..SessionSpec::default()
        })
        .await;
    known.quick_sessions = vec![quick, known.sessions[0]];

    let mut failures = Vec::new();
    let mut n = 0u64;
    for batch in 0..BATCHES {
        let requests: Vec<Request> = (0..BATCH)
            .map(|_| {
                n += 1;
                generate(&mut rng, &mut known, n)
            })
            .collect();
        let app = &app;
        let sends = requests
            .iter()
            .flat_map(|r| std::iter::repeat_n(r, if r.twice { 2 } else { 1 }))
            .map(|r| async move { (r, send(app, r).await) });
        for (r, (status, body)) in futures::future::join_all(sends).await {
            // A body past the 2 MB the server reads in full before answering is refused
            // while it still arrives (413), and the client may meet the connection's reset
            // instead of that answer, as README ("The API") says; any smaller one must be
            // answered.
            let oversized = r.body.as_ref().is_some_and(|b| b.text().len() > FULL_READ);
            if (status == 0 && !oversized) || status >= 500 {
                let sent = r
                    .body
                    .as_ref()
                    .map(|b| b.text().chars().take(200).collect::<String>());
                let answer = if status == 0 {
                    "no answer (the connection dropped: did the handler panic?)".to_owned()
                } else {
                    format!("{status} {body}")
                };
                failures.push(format!(
                    "batch {batch}: {} {} {sent:?}: {answer}",
                    r.method, r.path
                ));
            }
            if status == 201 {
                let sent: Value = r
                    .body
                    .as_ref()
                    .and_then(|b| serde_json::from_str(&b.text()).ok())
                    .unwrap_or(Value::Null);
                let phone = sent["phone"].as_str().unwrap_or("").to_owned();
                if let Some(code) = body["code"].as_str() {
                    known.bookings.push((code.to_owned(), phone));
                } else if let Some(samples) = body.as_array() {
                    for s in samples {
                        if let Some(code) = s["code"].as_str() {
                            known.samples.push((code.to_owned(), phone.clone()));
                        }
                    }
                }
            }
        }
        for (session, capacity, booked, confirmed) in occupancy(&app.db).await {
            if confirmed > capacity || booked != confirmed {
                failures.push(format!(
                    "batch {batch}: session {session} has {capacity} places, counter {booked}, {confirmed} confirmed people"
                ));
            }
        }
    }
    let captured = logs
        .0
        .lock()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default();
    assert!(
        !captured.is_empty(),
        "the server logged nothing: the capture is not working"
    );
    for personal in &known.personal {
        if let Some(line) = captured.lines().find(|l| l.contains(personal.as_str())) {
            failures.push(format!(
                "{personal:?} logged: {}",
                line.chars().take(300).collect::<String>()
            ));
        }
    }
    drop(app);
    server.shutdown_background();
    failures.truncate(30);
    assert!(
        failures.is_empty(),
        "broken promises on {db:?} (replay with LABDAY_FUZZ_SEED={seed}):\n{}",
        failures.join("\n")
    );
}

crate::on_both_databases!(hostile_citizens_cannot_break_a_promise);
