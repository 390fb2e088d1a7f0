//! A booking made with an Idempotency-Key takes its code from the key, under the server's
//! secret, and a retry finds the booking by that code: the same key books once however
//! often it is sent, when its first code is held by another booking, and for a booking made
//! before codes were drawn from keys (its key is looked up among those).

use crate::helpers::{Db, SessionSpec, TestApp};
use serde_json::{json, Value};

fn body(session: i64, phone: &str) -> Value {
    json!({"session_id": session, "name": "王五", "phone": phone, "adults": 1, "children": 0, "consent": true})
}

/// The code `key` draws at its `draw`th try on `app`'s server.
fn drawn(app: &TestApp, key: &str, draw: u8) -> String {
    let hashes = app.storage.keyed_hash();
    hashes
        .booking_code(&hashes.idempotency_key(key), draw)
        .as_str()
        .to_owned()
}

/// Sends `key`'s booking three times: every answer names the same booking, and it is the
/// session's one booking of that phone. Returns its code.
async fn books_once(app: &TestApp, session: i64, phone: &str, key: &str) -> String {
    let mut codes = Vec::new();
    for _ in 0..3 {
        let (status, v) = app
            .post_with_key("/api/v1/bookings", key, &body(session, phone))
            .await;
        assert_eq!(status, 201, "{v}");
        codes.push(v["code"].as_str().expect("code").to_owned());
    }
    assert!(codes.windows(2).all(|w| w[0] == w[1]), "{codes:?}");
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let of_phone = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM bookings WHERE session_id = {session} AND phone = '{digits}'"
        ))
        .await;
    assert_eq!(of_phone, 1, "one booking for {key}");
    codes.swap_remove(0)
}

/// Gives the booking `code` the code `to`, as if it had drawn that code first.
async fn recode(app: &TestApp, code: &str, to: &str) {
    app.sql(&format!(
        "UPDATE bookings SET code = '{to}' WHERE code = '{code}'"
    ))
    .await;
}

async fn a_key_books_with_the_code_it_draws_and_its_retry_finds_it(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let code = books_once(&app, s, "13700137001", "draw-0").await;
    assert_eq!(code, drawn(&app, "draw-0", 0));
    // A holder finds it with the code as with any other.
    let (status, found) = app.lookup(&code, "13700137001").await;
    assert_eq!((status, found["code"].as_str()), (200, Some(code.as_str())));
}

async fn a_key_whose_codes_others_hold_draws_the_next_and_still_books_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    // Two bookings made without a key happen to hold the first two codes "taken" draws.
    let (_, a) = app.book(s, "13700137002", 1, 0).await;
    let (_, b) = app.book(s, "13700137003", 1, 0).await;
    let (a, b) = (a["code"].as_str().unwrap(), b["code"].as_str().unwrap());
    recode(&app, a, &drawn(&app, "taken", 0)).await;
    recode(&app, b, &drawn(&app, "taken", 1)).await;
    let code = books_once(&app, s, "13700137004", "taken").await;
    assert_eq!(code, drawn(&app, "taken", 2), "the first code nobody held");
    // The bookings holding its first codes are theirs still.
    let (status, _) = app.lookup(&drawn(&app, "taken", 0), "13700137002").await;
    assert_eq!(status, 200);

    // A key whose three codes are all held (a client that sent it again after each of its
    // bookings was erased, say) is refused as used: it books nothing, however often sent.
    let (_, c) = app.book(s, "13700137005", 1, 0).await;
    recode(&app, c["code"].as_str().unwrap(), &drawn(&app, "held", 0)).await;
    let (_, d) = app.book(s, "13700137006", 1, 0).await;
    recode(&app, d["code"].as_str().unwrap(), &drawn(&app, "held", 1)).await;
    let (_, e) = app.book(s, "13700137007", 1, 0).await;
    recode(&app, e["code"].as_str().unwrap(), &drawn(&app, "held", 2)).await;
    for _ in 0..2 {
        let (status, v) = app
            .post_with_key("/api/v1/bookings", "held", &body(s, "13700137008"))
            .await;
        assert_eq!(
            (status, v["code"].as_str()),
            (409, Some("idempotency_mismatch")),
            "{v}"
        );
    }
    let people = app.confirmed_people_in_db(s).await;
    assert_eq!(people, 6, "six phones booked, one place each");
}

async fn a_retry_of_a_booking_made_before_codes_were_drawn_finds_it(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let code = books_once(&app, s, "13700137009", "before").await;
    // As migration 0025 leaves a booking made earlier (or a server of the version before
    // makes it): a random code, its key's hash in `idempotency_key`. The code its key draws
    // now is free.
    let earlier = labday_server::codes::fresh().as_str().to_owned();
    app.sql(&format!(
        "UPDATE bookings SET code = '{earlier}', idempotency_key = code_key, code_key = NULL \
         WHERE code = '{code}'"
    ))
    .await;
    assert_eq!(books_once(&app, s, "13700137009", "before").await, earlier);
    // The same key with another request is still told apart.
    let mut other = body(s, "13700137009");
    other["adults"] = json!(2);
    let (status, v) = app
        .post_with_key("/api/v1/bookings", "before", &other)
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("idempotency_mismatch")),
        "{v}"
    );
}

/// A server of the version before drawn codes erases a booking without knowing of
/// `code_key`: the key's hash it left goes at the next retention run.
async fn a_key_left_on_an_erased_booking_goes_at_the_next_retention_run(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let code = books_once(&app, s, "13700137010", "left").await;
    app.sql(&format!(
        "UPDATE bookings SET name = NULL, phone = NULL, request_digest = NULL, \
         idempotency_key = NULL, erased_at = booked_at WHERE code = '{code}'"
    ))
    .await;
    let kept =
        format!("SELECT COUNT(*) FROM bookings WHERE code_key IS NOT NULL AND code = '{code}'");
    assert_eq!(app.db.scalar(&kept).await, 1);
    // A cutoff before every session's end: the run erases nothing new.
    let erased = app
        .storage
        .erase_personal_data(crate::helpers::now() - chrono::Duration::days(400))
        .await
        .expect("retention run");
    assert_eq!(erased, 0);
    assert_eq!(app.db.scalar(&kept).await, 0, "no copy of the key is left");
}

/// Keys sent at once, each twice, one batch or several: one booking each, each with the
/// code its key drew.
async fn keys_sent_at_once_each_book_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::sized(500, 5)).await;
    let sends = (0..100u32).flat_map(|i| {
        let app = &app;
        (0..2).map(move |_| async move {
            let key = format!("rush-{i}");
            let (status, v) = app
                .post_with_key("/api/v1/bookings", &key, &body(s, &format!("136{i:08}")))
                .await;
            (key, status, v)
        })
    });
    let answers = futures::future::join_all(sends).await;
    for (key, status, v) in &answers {
        assert_eq!(*status, 201, "{v}");
        assert_eq!(v["code"].as_str(), Some(drawn(&app, key, 0).as_str()));
    }
    assert_eq!(app.confirmed_people_in_db(s).await, 100);
}

crate::on_both_databases!(
    a_key_books_with_the_code_it_draws_and_its_retry_finds_it,
    a_key_whose_codes_others_hold_draws_the_next_and_still_books_once,
    a_retry_of_a_booking_made_before_codes_were_drawn_finds_it,
    a_key_left_on_an_erased_booking_goes_at_the_next_retention_run,
    keys_sent_at_once_each_book_once,
);
