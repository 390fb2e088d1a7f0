//! The brief booking answer (`Prefer: return=minimal`, as the app books): the receipt,
//! for the same booking the holder's whole view would describe, retries included.

use crate::helpers::{header, Db, SessionSpec, TestApp};
use serde_json::{json, Value};

/// Books with `Prefer: return=minimal` and an `Idempotency-Key`, as the app's form does:
/// the status, the `Preference-Applied` header and the body.
async fn book_briefly(app: &TestApp, key: &str, body: &Value) -> (u16, Option<String>, Value) {
    let r = app
        .http
        .post(format!("{}/api/v1/bookings", app.url))
        .header("Idempotency-Key", key)
        .header("Prefer", "return=minimal")
        .json(body)
        .send()
        .await
        .expect("request sent");
    let status = r.status().as_u16();
    let applied = header(&r, "preference-applied");
    (status, applied, r.json().await.unwrap_or(Value::Null))
}

fn fields(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

async fn a_brief_booking_answers_its_receipt_and_nothing_personal(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::sized(2, 2)).await;
    let party = |phone: &str, adults: u32| json!({"session_id": s, "name": "张三", "phone": phone, "adults": adults, "children": 0, "consent": true});

    let (status, applied, receipt) = book_briefly(&app, "k-1", &party("13800138000", 2)).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(applied.as_deref(), Some("return=minimal"));
    assert_eq!(
        fields(&receipt),
        ["code", "session_id", "status", "waitlist_position"],
        "the receipt alone: {receipt}"
    );
    assert_eq!(receipt["status"], "confirmed");
    assert_eq!(receipt["session_id"], s);
    assert_eq!(receipt["waitlist_position"], Value::Null);
    let code = receipt["code"].as_str().expect("a code");

    // The code opens the holder's whole view, as the app does next.
    let (status, view) = app.lookup(code, "13800138000").await;
    assert_eq!((status, view["status"].as_str()), (200, Some("confirmed")));
    assert_eq!(view["session"]["booked"], 2);

    // A retry with the same key is the same booking, in the same brief shape.
    let (status, _, again) = book_briefly(&app, "k-1", &party("13800138000", 2)).await;
    assert_eq!((status, &again), (201, &receipt));

    // The session is full: the next party waits, and its receipt says where.
    let (status, _, waiting) = book_briefly(&app, "k-2", &party("13900139000", 1)).await;
    assert_eq!(status, 201, "{waiting}");
    assert_eq!(waiting["status"], "waitlisted");
    assert_eq!(waiting["waitlist_position"], 1);

    // A refusal is the same error either way.
    let (status, _, refused) = book_briefly(&app, "k-3", &party("13800138000", 1)).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("duplicate_booking"))
    );
    assert_eq!(app.confirmed_people_in_db(s).await, 2);
}

async fn without_the_preference_the_answer_is_the_holders_view(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let r = app
        .http
        .post(format!("{}/api/v1/bookings", app.url))
        .header("Prefer", "return=representation")
        .json(&json!({"session_id": s, "name": "李四", "phone": "13700137000", "adults": 1, "children": 0, "consent": true}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(r.status().as_u16(), 201);
    assert!(r.headers().get("preference-applied").is_none());
    let view: Value = r.json().await.expect("json");
    assert_eq!(view["session"]["id"], s);
    assert_eq!(view["phone_masked"], "137****7000");
}

crate::on_both_databases!(
    a_brief_booking_answers_its_receipt_and_nothing_personal,
    without_the_preference_the_answer_is_the_holders_view,
);
