//! How long and how many clients may hold connections. A client that sends its request's
//! head slowly, or nothing at all, is disconnected after the client timeout; so is a
//! kept-alive connection left idle, and a client that sends requests but never reads the
//! answers; past the connection limit, a new client waits for a connection to end rather
//! than the server running out of files; and a client that ends its sending side after its
//! request still gets the answer.

use crate::helpers::{Db, TestApp};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The client timeout these tests set, in seconds.
const CLIENT_TIMEOUT: u64 = 1;

async fn spawn(db: Db, max_connections: u32) -> TestApp {
    TestApp::spawn_with(db, |config| {
        config.connections.client_timeout_secs = CLIENT_TIMEOUT;
        config.connections.max_connections = max_connections;
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.url.trim_start_matches("http://"))
        .await
        .expect("connected")
}

/// Reads until the server closes the connection, within `within`; gives what it sent.
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection in time")
        .expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

fn health_request(app: &TestApp, keep_alive: bool) -> String {
    let host = app.url.trim_start_matches("http://");
    let connection = if keep_alive { "keep-alive" } else { "close" };
    format!("GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\nConnection: {connection}\r\n\r\n")
}

async fn slow_or_idle_clients_are_disconnected(db: Db) {
    let app = spawn(db, 0).await;
    let within = Duration::from_secs(CLIENT_TIMEOUT + 4);

    // Half a request's head, then nothing.
    let mut slow = connect(&app).await;
    let head = health_request(&app, true);
    slow.write_all(&head.as_bytes()[..head.len() / 2])
        .await
        .unwrap();
    // A connection that sends nothing at all.
    let mut silent = connect(&app).await;
    // A kept-alive connection, idle after its answer.
    let mut idle = connect(&app).await;
    idle.write_all(head.as_bytes()).await.unwrap();

    // Meanwhile others are answered.
    let (status, health) = app.get("/api/v1/health").await;
    assert_eq!(status, 200, "{health}");

    let started = Instant::now();
    let slow_got = read_to_close(&mut slow, within).await;
    assert!(!slow_got.contains("200 OK"), "{slow_got}");
    read_to_close(&mut silent, within).await;
    let idle_got = read_to_close(&mut idle, within).await;
    assert!(idle_got.starts_with("HTTP/1.1 200"), "{idle_got}");
    assert!(started.elapsed() < within);
}

async fn a_client_that_half_closes_is_answered(db: Db) {
    let app = spawn(db, 0).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(health_request(&app, false).as_bytes())
        .await
        .unwrap();
    stream.shutdown().await.expect("half-closed");
    let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\""), "{answer}");
}

async fn past_the_limit_a_client_waits_for_a_free_connection(db: Db) {
    let app = spawn(db, 4).await;
    // Four silent clients take every connection.
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(connect(&app).await);
    }
    let held = Instant::now();
    // Let the server take all four before the fifth comes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, health) = app.get("/api/v1/health").await;
    assert_eq!(status, 200, "{health}");
    // Answered only once the client timeout had ended a silent one.
    let waited = held.elapsed();
    assert!(
        waited >= Duration::from_millis(CLIENT_TIMEOUT * 1000 - 100),
        "answered after {waited:?}, before any connection was free"
    );
    // The silent ones were disconnected, not left open.
    for mut stream in silent {
        read_to_close(&mut stream, Duration::from_secs(5)).await;
    }
}

/// A client that sends requests and never reads the answers (they fill the system's
/// buffers, then the server's writes wait) holds its connection only for the client
/// timeout: here it holds the only one, and another client is answered after it.
async fn a_client_that_never_reads_is_disconnected(db: Db) {
    let app = spawn(db, 1).await;
    let address: std::net::SocketAddr = app.url.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut greedy = socket.connect(address).await.unwrap();
    let request = format!(
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: {address}\r\nAccept-Encoding: identity\r\n\r\n"
    );
    let batch = request.repeat(50);
    // Requests until the server stops taking them: its answers are waiting.
    let mut sent = 0;
    while let Ok(Ok(())) = tokio::time::timeout(
        Duration::from_millis(500),
        greedy.write_all(batch.as_bytes()),
    )
    .await
    {
        sent += 50;
        assert!(sent < 1_000_000, "the server never stopped taking requests");
    }
    let health = app.http.get(format!("{}/api/v1/health", app.url));
    let answered = health
        .timeout(Duration::from_secs(CLIENT_TIMEOUT + 10))
        .send()
        .await
        .expect("answered once the greedy client was disconnected");
    assert_eq!(answered.status().as_u16(), 200);
    // The greedy client finds its connection ended, after the answers it had been sent.
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), greedy.read_to_end(&mut rest)).await;
    assert!(ended.is_ok(), "the greedy connection is still open");
}

crate::on_both_databases!(
    a_client_that_never_reads_is_disconnected,
    slow_or_idle_clients_are_disconnected,
    a_client_that_half_closes_is_answered,
    past_the_limit_a_client_waits_for_a_free_connection
);
