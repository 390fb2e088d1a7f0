//! An answer given before the body is read still reaches the client. Many requests are
//! refused before their body matters (not signed in, no such account, another origin, no
//! such endpoint); a server that answers and closes while a large body is still arriving
//! resets the connection, and the client sees "error sending request" instead of the
//! answer. Every request here carries a body of about 1.5 MB, within the API's limit.

use crate::helpers::{Db, TestApp};
use serde_json::json;

async fn an_early_refusal_of_a_large_body_is_answered(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = json!({ "password": "x".repeat(1_500_000) }).to_string();
    let refused = [
        ("/api/v1/staff/accounts/999999/password", 401),
        ("/api/v1/staff/activities", 401),
        ("/api/v1/no-such-endpoint", 404),
    ];
    for round in 0..20 {
        for (path, expected) in refused {
            let sent = app
                .http
                .post(format!("{}{path}", app.url))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) => assert_eq!(response.status().as_u16(), expected, "{path}"),
                Err(e) => panic!("round {round}: {path} got no answer: {e:?}"),
            }
        }
    }
}

/// Only writes are read whole first: a read whose body never arrives in full (a declared
/// length the client does not send) is answered at once, as before, not held until the
/// request deadline.
async fn a_read_is_answered_without_waiting_for_its_body(db: Db) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn(db).await;
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\nContent-Length: 100\r\n\r\n0123456789"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = [0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered within 5 s, not at the request deadline")
        .unwrap();
    let head = String::from_utf8_lossy(&answer[..read]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

crate::on_both_databases!(
    an_early_refusal_of_a_large_body_is_answered,
    a_read_is_answered_without_waiting_for_its_body
);
