//! The rush: 500 simultaneous booking requests (parties of 1–3) for 100 places, over real
//! HTTP. Confirmed people never exceed capacity, and the API's answers add up with the
//! database.

use crate::helpers::{Db, SessionSpec, TestApp};
use futures::future::join_all;
use serde_json::json;

async fn five_hundred_simultaneous_bookings_never_overbook(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session_with(|spec| spec.capacity = 100).await;
    let requests = (0..500u32).map(|i| {
        let http = app.http.clone();
        let url = format!("{}/api/v1/bookings", app.url);
        let party = 1 + i % 3;
        async move {
            let body = json!({
                "session_id": s, "name": "访客", "phone": format!("139{i:08}"),
                "adults": party, "children": 0, "consent": true
            });
            let r = http.post(url).json(&body).send().await.expect("request");
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.expect("json");
            (status, v, party)
        }
    });
    let results = join_all(requests).await;
    let mut confirmed_people = 0;
    let mut waitlisted = 0;
    for (status, v, party) in &results {
        assert_eq!(*status, 201, "every request gets a clear answer: {v}");
        match v["status"].as_str() {
            Some("confirmed") => confirmed_people += i64::from(*party),
            Some("waitlisted") => waitlisted += 1,
            other => panic!("unexpected status {other:?}"),
        }
    }
    assert!(confirmed_people <= 100, "overbooked: {confirmed_people}");
    assert!(
        confirmed_people >= 98,
        "a session this oversubscribed fills up: {confirmed_people}"
    );
    assert!(waitlisted > 0);
    assert_eq!(app.confirmed_people_in_db(s).await, confirmed_people);
    let (_, view) = app.get(&format!("/api/v1/sessions/{s}")).await;
    assert_eq!(view["booked"].as_i64(), Some(confirmed_people));
}

async fn simultaneous_retries_with_one_key_book_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let body = json!({"session_id": s, "name": "李四", "phone": "13700137000", "adults": 2, "children": 0, "consent": true});
    let retries = (0..20).map(|_| {
        let request = app
            .http
            .post(format!("{}/api/v1/bookings", app.url))
            .header("Idempotency-Key", "same-key")
            .json(&body);
        async move {
            let r = request.send().await.expect("request");
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.expect("json"))
        }
    });
    let answers = join_all(retries).await;
    for (status, v) in &answers {
        assert_eq!(*status, 201, "never a 500 or a refusal: {v}");
        assert_eq!(
            v["code"], answers[0].1["code"],
            "the first booking each time"
        );
    }
    assert_eq!(app.confirmed_people_in_db(s).await, 2);
}

crate::on_both_databases!(
    five_hundred_simultaneous_bookings_never_overbook,
    simultaneous_retries_with_one_key_book_once,
);
