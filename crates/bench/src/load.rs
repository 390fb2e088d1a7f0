//! The load generator: one task per client, each with its own keep-alive HTTP/1.1 connection
//! to the server (`http.rs`), in one of two loops.
//!
//! - **Closed loop** ([`closed`]): each client sends its next request as soon as the last one
//!   is answered, for the phase's duration. This measures capacity; its latency hides stalls
//!   (a client waiting on a stalled answer sends nothing, so the requests it would have sent
//!   are never timed).
//! - **Open loop** ([`open`]): requests are due on a timetable at a fixed total rate, spread
//!   over the clients in turn, and each is timed from when it was due, not from when it
//!   could be sent. A stall makes every request due during it late, and p99 shows it
//!   (coordinated omission corrected, as wrk2 does). A request still unsent [`DRAIN`] after
//!   the phase ends counts as failed.

use crate::http::Connection;
use crate::outcome::{Tally, NO_ANSWER};
use crate::workload::{record, Kind, Mix, Workload};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

/// How long after an open-loop phase its late requests may still be sent.
pub const DRAIN: Duration = Duration::from_secs(10);

/// A phase's tallies, one per kind of request.
#[derive(Debug, Clone, Default)]
pub struct Tallies {
    pub health: Tally,
    pub read: Tally,
    pub booking: Tally,
}

impl Tallies {
    pub fn of(&mut self, kind: Kind) -> &mut Tally {
        match kind {
            Kind::Health => &mut self.health,
            Kind::Read => &mut self.read,
            Kind::Booking => &mut self.booking,
        }
    }

    fn merge(&mut self, other: Tallies) {
        self.health.merge(other.health);
        self.read.merge(other.read);
        self.booking.merge(other.booking);
    }
}

/// Which of `servers` client `client` of `clients` talks to: the clients in equal blocks,
/// the first block to the first server. Not in turn: one client in [`BOOKER_EVERY`] books
/// during a browse, and in turn over two servers every booker would reach the first, whose
/// bookings would then never make the second's cache stale.
///
/// [`BOOKER_EVERY`]: crate::workload::BOOKER_EVERY
pub fn server_of(client: usize, clients: usize, servers: usize) -> usize {
    client * servers / clients.max(1)
}

/// Opens every client's connection and checks it with one health request, all at once,
/// before anything is measured. With several servers, each gets an equal share of the
/// clients ([`server_of`]), as a load balancer spreading connections would.
pub async fn connect_all(
    servers: &[SocketAddr],
    clients: usize,
) -> Result<Vec<Connection>, String> {
    if servers.is_empty() {
        return Err("no server to connect to".into());
    }
    let barrier = Arc::new(Barrier::new(clients));
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let addr = servers[server_of(i, clients, servers.len())];
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

/// What a phase hands back: the connections, the merged tallies, and the seconds from the
/// start until the last client finished.
pub type Ran = (Vec<Connection>, Tallies, f64);

/// Every client sends one request after another, of the kind `mix` gives it, until
/// `duration` has passed; the request in flight then is still counted.
pub async fn closed(
    connections: Vec<Connection>,
    duration: Duration,
    work: Arc<Workload>,
    mix: Mix,
) -> Result<Ran, String> {
    all_at_once(connections, |client, mut conn| {
        let work = work.clone();
        async move {
            let kind = mix.kind(client);
            let mut tallies = Tallies::default();
            let mut scratch = Vec::new();
            let origin = Instant::now();
            let deadline = origin + duration;
            let mut n = 0u64;
            loop {
                let sent = Instant::now();
                if sent >= deadline {
                    break;
                }
                let done = work.perform(&mut conn, kind, client, n, &mut scratch).await;
                let now = Instant::now();
                record(tallies.of(kind), done, now - sent, now - origin);
                n += 1;
            }
            (conn, tallies)
        }
    })
    .await
}

/// When the `j`th request of client `client` (of `clients`) is due, at `rate` requests a
/// second in all: request `k = client + j × clients` of the timetable, due at `k / rate`.
pub fn due(client: usize, j: u64, clients: usize, rate: f64) -> Duration {
    Duration::from_secs_f64((client as u64 + j * clients as u64) as f64 / rate)
}

/// Bookings at `rate` a second for `duration`, on the timetable of [`due`], each timed from
/// when it was due.
pub async fn open(
    connections: Vec<Connection>,
    duration: Duration,
    rate: f64,
    work: Arc<Workload>,
) -> Result<Ran, String> {
    if !(rate > 0.0 && rate.is_finite()) {
        return Err(format!("an open loop needs a positive rate, not {rate}"));
    }
    let clients = connections.len();
    all_at_once(connections, |client, mut conn| {
        let work = work.clone();
        async move {
            let mut tallies = Tallies::default();
            let mut scratch = Vec::new();
            let origin = Instant::now();
            let give_up = origin + duration + DRAIN;
            let mut j = 0u64;
            loop {
                let at = due(client, j, clients, rate);
                if at >= duration {
                    break;
                }
                let due_at = origin + at;
                if Instant::now() >= give_up {
                    tallies.booking.failed(NO_ANSWER);
                } else {
                    tokio::time::sleep_until(due_at.into()).await;
                    let done = work
                        .perform(&mut conn, Kind::Booking, client, j, &mut scratch)
                        .await;
                    let now = Instant::now();
                    record(&mut tallies.booking, done, now - due_at, now - origin);
                }
                j += 1;
            }
            (conn, tallies)
        }
    })
    .await
}

/// Runs `work` for every client on its connection, all starting at the same instant, and
/// merges their tallies.
async fn all_at_once<F, Run>(connections: Vec<Connection>, work: F) -> Result<Ran, String>
where
    F: Fn(usize, Connection) -> Run,
    Run: Future<Output = (Connection, Tallies)> + Send + 'static,
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
    let mut connections = Vec::with_capacity(tasks.len());
    let mut tallies = Tallies::default();
    for task in tasks {
        let (conn, t) = task
            .await
            .map_err(|e| format!("a client's task died: {e}"))?;
        connections.push(conn);
        tallies.merge(t);
    }
    Ok((connections, tallies, started.elapsed().as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    #[test]
    fn the_timetable_takes_the_clients_in_turn_at_the_rate() {
        // 4 clients at 100 a second: request k is due at k × 10 ms, client k mod 4.
        let mut all: Vec<(Duration, usize)> = Vec::new();
        for c in 0..4 {
            for j in 0..25 {
                all.push((due(c, j, 4, 100.0), c));
            }
        }
        all.sort();
        for (k, (at, client)) in all.iter().enumerate() {
            assert!(
                (at.as_secs_f64() - k as f64 / 100.0).abs() < 1e-9,
                "{k}: {at:?}"
            );
            assert_eq!(*client, k % 4);
        }
        // In one second, exactly 100 requests are due before the end.
        let within = all
            .iter()
            .filter(|(at, _)| *at < Duration::from_secs(1))
            .count();
        assert_eq!(within, 100);
    }

    /// A server answering every booking on any connection with a confirmed booking of session
    /// 7; the `stall_on`th request in all waits `stall` first.
    async fn booking_server(stall_on: usize, stall: Duration) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let body = br#"{"status":"confirmed","session":{"id":7}}"#;
                    let answer = [
                        format!(
                            "HTTP/1.1 201 Created\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                        body,
                    ]
                    .concat();
                    let mut got = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        let Ok(n) = socket.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        got.extend_from_slice(&buf[..n]);
                        // Each request is a head and a JSON body ending in `}`.
                        while let Some(end) = got.iter().position(|b| *b == b'}') {
                            got.drain(..=end);
                            if seen.fetch_add(1, Ordering::SeqCst) == stall_on {
                                tokio::time::sleep(stall).await;
                            }
                            if socket.write_all(&answer).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn open_loop_times_from_the_timetable_so_a_stall_shows() {
        let addr = booking_server(10, Duration::from_millis(300)).await;
        let work = Arc::new(Workload::new(7, vec![], &[]));
        let conns = vec![Connection::open(addr).await.unwrap()];
        // 200 a second for 1 s on one connection: due every 5 ms; the 11th answer stalls
        // 300 ms, so the ~40 requests due in its first 250 ms wait at least 100 ms each.
        let (_, t, _) = open(conns, Duration::from_secs(1), 200.0, work.clone())
            .await
            .unwrap();
        let o = t.booking.outcome(1.0, Duration::from_secs(1));
        assert_eq!((o.ok, o.failed, o.confirmed), (200, 0, 200));
        assert_eq!(work.bookings_sent(), 200);
        assert!(o.latency.p90 >= 100.0, "{:?}", o.latency);
        assert!(o.latency.max >= 290.0, "{:?}", o.latency);

        // The same stall in a closed loop is one slow request: p90 does not see it.
        let addr = booking_server(10, Duration::from_millis(300)).await;
        let conns = vec![Connection::open(addr).await.unwrap()];
        let (_, t, _) = closed(conns, Duration::from_secs(1), work, Mix::Rush)
            .await
            .unwrap();
        let o = t.booking.outcome(1.0, Duration::from_secs(1));
        assert!(o.latency.max >= 290.0, "{:?}", o.latency);
        assert!(o.latency.p90 < 100.0, "{:?}", o.latency);
    }

    #[tokio::test]
    async fn a_request_that_gets_no_answer_fails_in_both_loops() {
        // A server that accepts and closes at once.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let conns = vec![Connection::open(addr).await.unwrap()];
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        let work = Arc::new(Workload::new(7, vec![], &[]));
        let (conns, t, _) = open(conns, Duration::from_millis(500), 20.0, work.clone())
            .await
            .unwrap();
        let o = t.booking.outcome(0.5, Duration::from_millis(500));
        assert_eq!((o.ok, o.failed), (0, 10));
        assert_eq!(o.errors_by_status, vec![(NO_ANSWER, 10)]);
        assert!(o.latency.p50.is_infinite());
        let (_, t, _) = closed(conns, Duration::from_millis(100), work, Mix::Health)
            .await
            .unwrap();
        assert!(t.health.outcome(0.1, Duration::ZERO).failed > 0);
        assert!(t.booking.is_empty());
    }

    /// A server answering every request on any connection with 200 and an empty body,
    /// counting the connections it accepted.
    async fn counting_server() -> (SocketAddr, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                        if n == 0 || socket.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (addr, accepted)
    }

    #[test]
    fn each_server_gets_as_many_readers_and_bookers_as_the_other() {
        for clients in [100, 1000] {
            let mut readers = [0; 2];
            let mut bookers = [0; 2];
            for c in 0..clients {
                let server = server_of(c, clients, 2);
                match Mix::BrowseDuringRush.kind(c) {
                    Kind::Booking => bookers[server] += 1,
                    _ => readers[server] += 1,
                }
            }
            assert_eq!(bookers[0], bookers[1], "{clients} clients");
            assert_eq!(readers[0], readers[1], "{clients} clients");
        }
        assert!((0..7).all(|c| server_of(c, 7, 1) == 0));
    }

    #[tokio::test]
    async fn clients_are_spread_over_the_servers() {
        let (a, at_a) = counting_server().await;
        let (b, at_b) = counting_server().await;
        let conns = connect_all(&[a, b], 5).await.unwrap();
        assert_eq!(conns.len(), 5);
        assert_eq!(
            (at_a.load(Ordering::SeqCst), at_b.load(Ordering::SeqCst)),
            (3, 2)
        );
        let (one, at_one) = counting_server().await;
        connect_all(&[one], 4).await.unwrap();
        assert_eq!(at_one.load(Ordering::SeqCst), 4);
        assert!(connect_all(&[], 4).await.is_err());
    }

    #[tokio::test]
    async fn an_open_loop_needs_a_rate() {
        let work = Arc::new(Workload::new(7, vec![], &[]));
        assert!(open(Vec::new(), Duration::from_secs(1), 0.0, work.clone())
            .await
            .is_err());
        assert!(open(Vec::new(), Duration::from_secs(1), f64::NAN, work)
            .await
            .is_err());
    }
}
