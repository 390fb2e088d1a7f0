//! The load generator: `clients` tasks, each with its own keep-alive connection to the
//! server, issuing one request after another and timing each one.

use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    fn of(mut micros: Vec<u32>) -> Latency {
        if micros.is_empty() {
            return Latency::default();
        }
        micros.sort_unstable();
        let at = |q: f64| {
            let i = ((micros.len() as f64 * q).ceil() as usize).clamp(1, micros.len()) - 1;
            f64::from(micros[i]) / 1000.0
        };
        Latency {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: at(1.0),
        }
    }

    pub fn json(&self) -> Value {
        json!({"p50_ms": self.p50, "p95_ms": self.p95, "p99_ms": self.p99, "max_ms": self.max})
    }
}

/// A phase's outcome: answered requests, failures, wall time and latency.
#[derive(Debug, Clone, Default)]
pub struct Throughput {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub latency: Latency,
}

impl Throughput {
    pub fn per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "requests": self.requests,
            "errors": self.errors,
            "seconds": self.seconds,
            "per_second": self.per_second(),
            "latency": self.latency.json(),
        })
    }
}

/// One HTTP client whose pool holds a connection per simulated client.
pub fn client(clients: usize) -> Result<Client, String> {
    Client::builder()
        .pool_max_idle_per_host(clients)
        .pool_idle_timeout(Duration::from_secs(600))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())
}

/// Opens every client's connection before anything is measured.
pub async fn connect_all(http: &Client, base: &str, clients: usize) -> Result<(), String> {
    let url = format!("{base}/api/v1/health");
    let barrier = Arc::new(Barrier::new(clients));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let http = http.clone();
            let url = url.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                http.get(&url).send().await.map(|r| r.status().is_success())
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        if !matches!(task.await, Ok(Ok(true))) {
            failed += 1;
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {clients} clients could not connect"));
    }
    Ok(())
}

/// Builds the `n`th request of client `c`.
pub type MakeRequest = Arc<dyn Fn(&Client, usize, u64) -> RequestBuilder + Send + Sync>;

/// Every client repeats `request(client, n)` for `duration`; answers with a 2xx or 304
/// status count, everything else is an error.
pub async fn timed(
    http: &Client,
    clients: usize,
    duration: Duration,
    request: MakeRequest,
) -> Throughput {
    let barrier = Arc::new(Barrier::new(clients + 1));
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let http = http.clone();
            let request = request.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let mut micros = Vec::with_capacity(4096);
                let mut errors = 0u64;
                barrier.wait().await;
                let deadline = Instant::now() + duration;
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let ok = match request(&http, c, n).send().await {
                        Ok(r) => {
                            let ok = r.status().is_success() || r.status().as_u16() == 304;
                            r.bytes().await.is_ok() && ok
                        }
                        Err(_) => false,
                    };
                    if ok {
                        micros.push(elapsed_micros(started));
                    } else {
                        errors += 1;
                    }
                    n += 1;
                }
                (micros, errors)
            })
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((micros, e)) = task.await {
            all.extend(micros);
            errors += e;
        } else {
            errors += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Throughput {
        requests: all.len() as u64,
        errors,
        seconds,
        latency: Latency::of(all),
    }
}

fn elapsed_micros(since: Instant) -> u32 {
    u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX)
}

/// What the rush did.
#[derive(Debug, Clone, Default)]
pub struct Rush {
    /// Every booking request.
    pub all: Throughput,
    /// The opening wave: every client at once on the popular session.
    pub opening: Throughput,
    pub confirmed: u64,
    pub waitlisted: u64,
    /// Error answers by status (0 = no answer), for the report.
    pub error_statuses: Vec<(u16, u64)>,
}

/// Every client books the popular session at the same instant, then books `per_client - 1`
/// more times across the spread sessions. Each booking uses a phone number of its own.
pub async fn rush(
    http: &Client,
    base: &str,
    clients: usize,
    per_client: usize,
    popular: i64,
    spread: Arc<Vec<i64>>,
) -> Rush {
    let url = format!("{base}/api/v1/bookings");
    let barrier = Arc::new(Barrier::new(clients + 1));
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let http = http.clone();
            let url = url.clone();
            let barrier = barrier.clone();
            let spread = spread.clone();
            tokio::spawn(async move {
                let mut answers = Vec::with_capacity(per_client);
                barrier.wait().await;
                for j in 0..per_client {
                    let session = if j == 0 || spread.is_empty() {
                        popular
                    } else {
                        spread[(c * 7 + j * 13) % spread.len()]
                    };
                    let phone = format!("13{:09}", c * per_client + j);
                    let body = json!({
                        "session_id": session, "name": "压测", "phone": phone,
                        "adults": 1, "children": 0, "consent": true
                    });
                    let started = Instant::now();
                    let answer = match http.post(&url).json(&body).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let v: Value = r.json().await.unwrap_or(Value::Null);
                            (status, v["status"].as_str().unwrap_or_default().to_owned())
                        }
                        Err(_) => (0, String::new()),
                    };
                    answers.push((j == 0, elapsed_micros(started), answer));
                }
                answers
            })
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    let mut opening_done = None;
    let mut results = Vec::new();
    for task in tasks {
        results.extend(task.await.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut out = Rush::default();
    let mut all = Vec::new();
    let mut opening = Vec::new();
    let mut errors = std::collections::BTreeMap::<u16, u64>::new();
    for (first, micros, (status, booking)) in results {
        let ok = status == 201 && matches!(booking.as_str(), "confirmed" | "waitlisted");
        if ok {
            if booking == "confirmed" {
                out.confirmed += 1;
            } else {
                out.waitlisted += 1;
            }
            all.push(micros);
            if first {
                opening.push(micros);
                opening_done = opening_done.max(Some(micros));
            }
        } else {
            *errors.entry(status).or_default() += 1;
        }
    }
    let error_count: u64 = errors.values().sum();
    out.opening = Throughput {
        requests: opening.len() as u64,
        errors: 0,
        seconds: f64::from(opening_done.unwrap_or(0)) / 1e6,
        latency: Latency::of(opening),
    };
    out.all = Throughput {
        requests: all.len() as u64,
        errors: error_count,
        seconds,
        latency: Latency::of(all),
    };
    out.error_statuses = errors.into_iter().collect();
    out
}
