//! An answer given before the body is read still reaches the client. Many requests are
//! refused before their body matters (not signed in, no such account, another origin, no
//! such endpoint); a server that answers and closes while a large body is still arriving
//! resets the connection, and the client sees "error sending request" instead of the
//! answer. Every request here carries a body of about 1.5 MB, within the API's limit, with
//! its length declared or sent in chunks.

use crate::helpers::{Db, SessionSpec, TestApp};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// `body` as chunks of 64 KB, each framed as `Transfer-Encoding: chunked` frames it (the
/// closing empty chunk not included).
fn in_chunks(body: &[u8]) -> Vec<Vec<u8>> {
    let frame =
        |chunk: &[u8]| [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
    body.chunks(64 * 1024).map(frame).collect()
}

/// POSTs `body` to `path` in chunks of 64 KB (`Transfer-Encoding: chunked`, no declared
/// length), each sent on its own as a network would deliver them, on a connection of its
/// own, reading the answer while it sends; gives the answer.
async fn post_in_chunks(app: &TestApp, path: &str, body: &[u8]) -> String {
    let address = app.url.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut pieces = vec![head.into_bytes()];
    pieces.extend(in_chunks(body));
    pieces.push(b"0\r\n\r\n".to_vec());
    let sending = tokio::spawn(async move {
        for piece in pieces {
            writer.write_all(&piece).await?;
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        Ok::<_, std::io::Error>(())
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        reader.read_to_end(&mut answer),
    )
    .await
    .expect("answered within 10 s");
    if let Err(e) = read {
        panic!("{path}: no answer ({e}); read {} bytes", answer.len());
    }
    sending.await.unwrap().expect("the whole body sent");
    String::from_utf8_lossy(&answer).into_owned()
}

async fn an_early_refusal_of_a_body_in_chunks_is_answered(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = json!({ "password": "x".repeat(1_500_000) }).to_string();
    for round in 0..10 {
        for (path, expected) in [
            ("/api/v1/staff/accounts/999999/password", "401"),
            ("/api/v1/no-such-endpoint", "404"),
        ] {
            let answer = post_in_chunks(&app, path, body.as_bytes()).await;
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {expected}")),
                "round {round}: {path}: {}",
                &answer[..answer.len().min(200)]
            );
            assert!(
                answer.contains("\"code\""),
                "the API's error shape: {answer}"
            );
        }
    }
    // The app's pages take no writes, and their refusal reaches the client the same way.
    for path in ["/", "/activities/1"] {
        let answer = post_in_chunks(&app, path, body.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 "), "{path}: {answer}");
    }
    // A booking sent in chunks is booked like any other.
    let session = app.session(SessionSpec::default()).await;
    let booking = json!({"session_id": session, "name": "访客", "phone": "13800138000",
        "adults": 1, "children": 0, "consent": true});
    let answer = post_in_chunks(&app, "/api/v1/bookings", booking.to_string().as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

/// Bytes sent to or from local `port` over TCP that the receiving program has not read yet:
/// the send and receive queues of the system's TCP table (Linux's `/proc/net/tcp`).
fn bytes_in_flight(port: u16) -> u64 {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("the TCP table");
    let port_of = |address: &str| {
        let hex = address.rsplit(':').next().unwrap_or_default();
        u16::from_str_radix(hex, 16).ok()
    };
    let mut queued = 0;
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, local, remote, _, queues, ..] = fields[..] else {
            continue;
        };
        if port_of(local) != Some(port) && port_of(remote) != Some(port) {
            continue;
        }
        let (send, receive) = queues.split_once(':').unwrap_or_default();
        queued += u64::from_str_radix(send, 16).unwrap_or(0);
        queued += u64::from_str_radix(receive, 16).unwrap_or(0);
    }
    queued
}

/// However many clients send large bodies at once and stall, the server holds no more than
/// 64 MiB of them: past that, a write is answered 503 with `Retry-After` once its body has
/// arrived, keeping none of it; and once the stalled clients are done, every write is read
/// again.
async fn stalled_bodies_hold_at_most_their_room(db: Db) {
    let app = TestApp::spawn(db).await;
    let address = app.url.trim_start_matches("http://").to_owned();
    let session = app.session(SessionSpec::default()).await;
    // A booking with a name of 1.9 MB: refused (the name is too long), once read whole.
    let large = json!({"session_id": session, "name": "名".repeat(630_000), "phone": "13800138000",
        "adults": 1, "children": 0, "consent": true})
    .to_string();
    // 40 of them (76 MB in all), each sent but for its closing chunk.
    let mut stalled = Vec::new();
    for _ in 0..40 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST /api/v1/bookings HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let body = in_chunks(large.as_bytes()).concat();
        stream.write_all(&body).await.unwrap();
        stalled.push(stream);
    }
    // Once the server has taken in all they sent (on a busy machine it may still be
    // reading), the held and the refused are settled; then they end.
    let port = app.url.rsplit(':').next().unwrap().parse().unwrap();
    let waited = std::time::Instant::now();
    while bytes_in_flight(port) > 0 {
        assert!(
            waited.elapsed().as_secs() < 30,
            "the server stopped reading"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Those that were held are read, the others refused.
    let mut refused = 0;
    for stream in &mut stalled {
        stream.write_all(b"0\r\n\r\n").await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut answer),
        )
        .await
        .expect("answered within 10 s")
        .expect("an answer");
        let answer = String::from_utf8_lossy(&answer);
        if answer.starts_with("HTTP/1.1 503") {
            assert!(
                answer.to_ascii_lowercase().contains("retry-after: "),
                "{answer}"
            );
            assert!(answer.contains("\"unavailable\""), "{answer}");
            refused += 1;
        } else {
            assert!(
                answer.starts_with("HTTP/1.1 4"),
                "the name refused: {answer}"
            );
        }
    }
    // No more were read than fit in 64 MiB, and no fewer than fit when each takes room for
    // twice its bytes (the buffer holding a body is at most that; a few more may have found
    // the room taken by bodies still arriving).
    let room = 64 * 1024 * 1024;
    let held = 40 - refused;
    assert!(
        held <= room / large.len() && held + 2 >= room / (2 * large.len()),
        "{held} of 40 bodies of {} bytes read, in a room of 64 MiB",
        large.len()
    );
    // Their room is back.
    for _ in 0..3 {
        let answer = post_in_chunks(&app, "/api/v1/bookings", large.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    }
}

/// A JSON body past the 2 MiB limit is answered `413 payload_too_large` in the API's error
/// shape, a citizen's write and a signed-in staff write alike, its length declared or sent
/// in chunks; a body just within the limit is read as before (and refused for its fields).
async fn a_body_past_the_limit_is_answered_413(db: Db) {
    let s = crate::staff::site(db).await;
    let app = &s.app;
    let (_, _, cookie, _) = crate::staff::sign_in(app, "chief", crate::staff::PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let large =
        json!({"session_id": s.session, "name": "名".repeat(800_000), "phone": "13800138000",
        "adults": 1, "children": 0, "consent": true})
        .to_string();
    assert!(large.len() > 2 * 1024 * 1024, "{}", large.len());
    let is_too_large = |status: u16, body: &Value, what: &str| {
        assert_eq!(status, 413, "{what}: {body}");
        assert_eq!(body["code"], "payload_too_large", "{what}: {body}");
        assert!(body["message"].is_string(), "{what}: {body}");
    };
    for (path, cookie) in [
        ("/api/v1/bookings", None),
        ("/api/v1/staff/activities", Some(&cookie)),
    ] {
        let mut request = app
            .http
            .post(format!("{}{path}", app.url))
            .header("content-type", "application/json")
            .body(large.clone());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("answered");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        is_too_large(status, &body, path);
    }
    // In chunks, with no declared length: answered once the limit is passed (the server
    // stops reading there, so the rest of the body may find the connection closed).
    let address = app.url.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /api/v1/bookings HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut pieces = vec![head.into_bytes()];
    pieces.extend(in_chunks(large.as_bytes()));
    pieces.push(b"0\r\n\r\n".to_vec());
    let sending = tokio::spawn(async move {
        for piece in pieces {
            writer.write_all(&piece).await?;
        }
        Ok::<_, std::io::Error>(())
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        reader.read_to_end(&mut answer),
    )
    .await
    .expect("answered within 10 s");
    let _ = sending.await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "in chunks: {answer}");
    assert!(
        answer.contains("\"payload_too_large\""),
        "in chunks: {answer}"
    );
    // The API's description says so of every operation that reads a JSON body.
    let (_, doc) = app.get("/api/v1/openapi.json").await;
    for (path, method) in [
        ("/api/v1/bookings", "post"),
        ("/api/v1/staff/activities", "post"),
    ] {
        let answers = &doc["paths"][path][method]["responses"];
        assert!(answers["413"].is_object(), "{path}: {answers}");
    }
    // Within the limit: read, and refused for what it says (the name is too long).
    let within = json!({"session_id": s.session, "name": "名".repeat(600_000), "phone": "13800138000",
        "adults": 1, "children": 0, "consent": true});
    let (status, body) = app.post("/api/v1/bookings", &within).await;
    assert_eq!(status, 422, "{body}");
}

crate::on_both_databases!(
    a_body_past_the_limit_is_answered_413,
    stalled_bodies_hold_at_most_their_room,
    an_early_refusal_of_a_large_body_is_answered,
    an_early_refusal_of_a_body_in_chunks_is_answered,
    a_read_is_answered_without_waiting_for_its_body
);
