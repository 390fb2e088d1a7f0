//! The load generator: `clients` tasks, each with its own keep-alive HTTP/1.1 connection to
//! the server (`http.rs`), issuing one request after another and timing each one.

use crate::http::Connection;
use serde::Deserialize;
use serde_json::{json, Value};
use std::future::Future;
use std::net::SocketAddr;
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

/// Opens every client's connection and checks it with one health request, all at once,
/// before anything is measured.
pub async fn connect_all(addr: SocketAddr, clients: usize) -> Result<Vec<Connection>, String> {
    let barrier = Arc::new(Barrier::new(clients));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let mut conn = Connection::open(addr).await.ok()?;
                let ok = conn
                    .get("/api/v1/health")
                    .await
                    .is_ok_and(|a| a.status == 200);
                ok.then_some(conn)
            })
        })
        .collect();
    let mut connections = Vec::with_capacity(clients);
    for task in tasks {
        if let Ok(Some(conn)) = task.await {
            connections.push(conn);
        }
    }
    if connections.len() < clients {
        return Err(format!(
            "{} of {clients} clients could not connect",
            clients - connections.len()
        ));
    }
    Ok(connections)
}

/// The `n`th request of client `c`: a path to GET.
pub type MakeRequest = Arc<dyn Fn(usize, u64) -> Arc<str> + Send + Sync>;

/// Every client repeats `request(client, n)` on its connection for `duration`; answers with
/// a 2xx or 304 status count, everything else is an error. Hands the connections back.
pub async fn timed(
    connections: Vec<Connection>,
    duration: Duration,
    request: MakeRequest,
) -> (Vec<Connection>, Throughput) {
    let clients = connections.len();
    let (finished, seconds) = all_at_once(connections, |c, mut conn| {
        let request = request.clone();
        async move {
            let mut micros = Vec::with_capacity(4096);
            let mut errors = 0u64;
            let deadline = Instant::now() + duration;
            let mut n = 0u64;
            loop {
                let started = Instant::now();
                if started >= deadline {
                    break;
                }
                let path = request(c, n);
                let ok = match conn.get(&path).await {
                    Ok(a) => (200..300).contains(&a.status) || a.status == 304,
                    Err(_) => false,
                };
                if ok {
                    micros.push(elapsed_micros(started));
                } else {
                    errors += 1;
                }
                n += 1;
            }
            (conn, (micros, errors))
        }
    })
    .await;
    let mut all = Vec::new();
    let mut errors = 0;
    let mut connections = Vec::with_capacity(clients);
    for client in finished {
        if let Some((conn, (micros, e))) = client {
            all.extend(micros);
            errors += e;
            connections.push(conn);
        } else {
            errors += 1;
        }
    }
    let throughput = Throughput {
        requests: all.len() as u64,
        errors,
        seconds,
        latency: Latency::of(all),
    };
    (connections, throughput)
}

/// Runs `work` for every client on its connection, all starting at the same instant.
/// Returns what each client gave back (`None`: its task died) and the seconds from the
/// start until the last one finished.
async fn all_at_once<T, F, Run>(
    connections: Vec<Connection>,
    work: F,
) -> (Vec<Option<(Connection, T)>>, f64)
where
    T: Send + 'static,
    F: Fn(usize, Connection) -> Run,
    Run: Future<Output = (Connection, T)> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(connections.len() + 1));
    let tasks: Vec<_> = connections
        .into_iter()
        .enumerate()
        .map(|(c, conn)| {
            let barrier = barrier.clone();
            let run = work(c, conn);
            tokio::spawn(async move {
                barrier.wait().await;
                run.await
            })
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    let mut finished = Vec::with_capacity(tasks.len());
    for task in tasks {
        finished.push(task.await.ok());
    }
    (finished, started.elapsed().as_secs_f64())
}

fn elapsed_micros(since: Instant) -> u32 {
    u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX)
}

/// The fields of a booking answer the rush checks.
#[derive(Deserialize)]
struct BookingAnswer<'a> {
    status: &'a str,
    session: BookedSession,
}

#[derive(Deserialize)]
struct BookedSession {
    id: i64,
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
/// more times across the spread sessions. Each booking uses a phone number of its own. An
/// answer counts when it is a 201 whose body is a booking of the session asked for, confirmed
/// or waitlisted.
pub async fn rush(
    connections: Vec<Connection>,
    per_client: usize,
    popular: i64,
    spread: Arc<Vec<i64>>,
) -> (Vec<Connection>, Rush) {
    let clients = connections.len();
    let (finished, seconds) = all_at_once(connections, |c, mut conn| {
        let spread = spread.clone();
        async move {
            let mut answers = Vec::with_capacity(per_client);
            let mut body = String::with_capacity(128);
            for j in 0..per_client {
                let session = if j == 0 || spread.is_empty() {
                    popular
                } else {
                    spread[(c * 7 + j * 13) % spread.len()]
                };
                let phone = format!("13{:09}", c * per_client + j);
                body.clear();
                body.push_str(&format!(
                    "{{\"session_id\":{session},\"name\":\"压测\",\"phone\":\"{phone}\",\
                         \"adults\":1,\"children\":0,\"consent\":true}}"
                ));
                let started = Instant::now();
                let answer = match conn.post_json("/api/v1/bookings", body.as_bytes()).await {
                    Ok(a) => {
                        let booking = serde_json::from_slice::<BookingAnswer>(a.body)
                            .ok()
                            .filter(|b| b.session.id == session)
                            .map(|b| match b.status {
                                "confirmed" => Booked::Confirmed,
                                "waitlisted" => Booked::Waitlisted,
                                _ => Booked::Other,
                            })
                            .unwrap_or(Booked::Other);
                        (a.status, booking)
                    }
                    Err(_) => (0, Booked::Other),
                };
                answers.push((j == 0, elapsed_micros(started), answer));
            }
            (conn, answers)
        }
    })
    .await;
    let mut opening_done = None;
    let mut results = Vec::new();
    let mut connections = Vec::with_capacity(clients);
    for client in finished {
        match client {
            Some((conn, answers)) => {
                results.extend(answers);
                connections.push(conn);
            }
            // A client that died counts each of its bookings as unanswered.
            None => results.extend((0..per_client).map(|j| (j == 0, 0, (0, Booked::Other)))),
        }
    }
    let mut out = Rush::default();
    let mut all = Vec::new();
    let mut opening = Vec::new();
    let mut errors = std::collections::BTreeMap::<u16, u64>::new();
    for (first, micros, (status, booking)) in results {
        let ok = status == 201 && booking != Booked::Other;
        if ok {
            if booking == Booked::Confirmed {
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
    (connections, out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Booked {
    Confirmed,
    Waitlisted,
    /// Anything else: not a booking of the session asked for.
    Other,
}
