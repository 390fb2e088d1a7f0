//! A quick-test session cancelled with samples on it, on both databases: each phone holding
//! samples not handed in (nor withdrawn) is texted once, in the language it registered in,
//! in the cancellation's transaction; those samples read as cancelled to their holder and to
//! staff, and the bench refuses to receive them (`session_cancelled`). A sample received
//! before the cancellation is tested and its result texted as ever, and it alone counts as
//! tested.

use crate::helpers::{Db, TestApp};
use crate::messages::{arrives, delivered, log_to, message_file, of_kind};
use crate::samples::{quick_test, register, registration};
use crate::staff::{add_staff, call, expect_call, sign_in, PASSWORD};
use labday_domain::staff::Role;
use serde_json::{json, Value};

const KIND: &str = "sample_session_cancelled";
/// Two samples, registered in English.
const TWO: &str = "13900139001";
/// One sample, received before the cancellation.
const RECEIVED: &str = "13900139002";
/// One sample, registered in Chinese (the default).
const ONE: &str = "13900139003";
/// One sample, withdrawn (erased) by its holder before the cancellation.
const WITHDRAWN: &str = "13900139004";

async fn lookup(app: &TestApp, code: &str, phone: &str) -> Value {
    let last4 = &phone[phone.len() - 4..];
    let body = json!({"code": code, "phone_last4": last4});
    let (status, found) = app.post("/api/v1/samples/lookup", &body).await;
    assert_eq!(status, 200, "{found}");
    found
}

async fn outbox_count(app: &TestApp, condition: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM outbox WHERE kind = '{KIND}' AND {condition}");
    app.db.scalar(&sql).await
}

fn code_of(samples: &[Value], i: usize) -> String {
    samples[i]["code"].as_str().expect("a code").to_owned()
}

async fn cancelling_a_quick_test_session_tells_each_phone_once_and_ends_its_samples(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let session = app.session(quick_test()).await;
    // On today (the lab receives samples from the session's day on), not over.
    app.starts_today(session).await;
    let org = app.storage.session_organisation(session).await.unwrap();
    add_staff(&app, "lab-a", Role::LabStaff, org).await;
    let lab = sign_in(&app, "lab-a", PASSWORD).await.2;
    let lab = lab.as_deref();

    let mut english = registration(session, TWO, &["spinach", "celery"]);
    english["lang"] = json!("en");
    let (status, two) = app.post("/api/v1/samples", &english).await;
    assert_eq!(status, 201, "{two}");
    let two = two.as_array().unwrap().clone();
    let received = code_of(&register(&app, session, RECEIVED, &["tomato"]).await, 0);
    let one = code_of(&register(&app, session, ONE, &["cucumber"]).await, 0);
    let withdrawn = code_of(&register(&app, session, WITHDRAWN, &["onion"]).await, 0);
    let receive = |code: &str| format!("/api/v1/staff/samples/{code}/receive");
    let at_point = json!({"session_id": session});
    expect_call(
        &app,
        "POST",
        &receive(&received),
        lab,
        Some(at_point.clone()),
        200,
    )
    .await;
    let erase = json!({"code": withdrawn, "phone": WITHDRAWN});
    let (status, body) = app.post("/api/v1/samples/erase", &erase).await;
    assert_eq!(status, 204, "{body}");

    let cancel = format!("/api/v1/staff/sessions/{session}/cancel");
    expect_call(&app, "POST", &cancel, lab, None, 200).await;

    // In the outbox with the cancellation: one message per phone holding samples not handed
    // in, none for the received one or the withdrawn one.
    assert_eq!(outbox_count(&app, "1 = 1").await, 2);
    for (phone, messages) in [(TWO, 1), (ONE, 1), (RECEIVED, 0), (WITHDRAWN, 0)] {
        let condition = format!("phone = '{phone}'");
        assert_eq!(outbox_count(&app, &condition).await, messages, "{phone}");
    }
    // Each in the language its samples were registered in.
    for (phone, lang, opens, closes) in [
        (
            TWO,
            "en",
            "Sorry: the organiser cancelled the quick test Test open day on ",
            "your samples will not be tested. Another session can take them.",
        ),
        (
            ONE,
            "zh",
            "抱歉，主办方已取消测试开放日（",
            "快检场次，您登记的样品不再接收检测，可另约其他场次。",
        ),
    ] {
        let sent = arrives(&file, 10, of_kind(KIND, phone)).await;
        assert_eq!(sent["lang"], lang);
        let text = sent["text"].as_str().unwrap();
        assert!(text.starts_with(opens) && text.ends_with(closes), "{text}");
    }

    // Their holders and staff read them as cancelled; the received one is still received.
    for (code, phone) in [
        (&code_of(&two, 0), TWO),
        (&code_of(&two, 1), TWO),
        (&one, ONE),
    ] {
        let found = lookup(&app, code, phone).await;
        assert_eq!(found["status"], "session_cancelled", "{found}");
        assert_eq!(found["can_erase"], true, "{found}");
    }
    assert_eq!(
        lookup(&app, &received, RECEIVED).await["status"],
        "received"
    );
    let path = format!("/api/v1/staff/sessions/{session}/samples");
    let list: Value = serde_json::from_str(&expect_call(&app, "GET", &path, lab, None, 200).await)
        .expect("a list");
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "session_cancelled",
            "session_cancelled",
            "received",
            "session_cancelled",
            "session_cancelled"
        ]
    );

    // The bench refuses them, and nothing can be tested without a receipt.
    let (status, err) = call(&app, "POST", &receive(&one), lab, Some(at_point.clone())).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&err).unwrap()["code"],
        "session_cancelled"
    );
    let reading = json!({"method": "enzyme_inhibition", "inhibition_pct": 12.5});
    let test = |code: &str| format!("/api/v1/staff/samples/{code}/tests");
    let (status, err) = call(&app, "POST", &test(&one), lab, Some(reading.clone())).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&err).unwrap()["code"],
        "not_received"
    );
    assert_eq!(lookup(&app, &one, ONE).await["status"], "session_cancelled");
    // Nor can new samples be registered on it.
    let (status, err) = app
        .post("/api/v1/samples", &registration(session, ONE, &["carrot"]))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("session_cancelled"))
    );

    // The sample received before goes on: a second receipt changes nothing, its result is
    // recorded and texted.
    expect_call(&app, "POST", &receive(&received), lab, Some(at_point), 200).await;
    let done = expect_call(&app, "POST", &test(&received), lab, Some(reading), 200).await;
    let done: Value = serde_json::from_str(&done).unwrap();
    assert_eq!(done["status"], "result_ready", "{done}");
    arrives(&file, 10, of_kind("sample_result", RECEIVED)).await;

    // The board counts it alone: the samples never handed in to the cancelled session
    // were never going to be tested, as its bookings count for nothing either.
    let (status, board) = app
        .get(&format!("/api/v1/sessions/{session}/samples/board"))
        .await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(
        (
            &board["registered"],
            &board["received"],
            &board["counts"]["tested"]
        ),
        (&json!(1), &json!(1), &json!(1)),
        "{board}"
    );

    // A second cancellation is refused and writes nothing; each phone was told once.
    let (status, _) = call(&app, "POST", &cancel, lab, None).await;
    assert_eq!(status, 409);
    assert_eq!(outbox_count(&app, "1 = 1").await, 2);
    let told = delivered(&file)
        .iter()
        .filter(|m| m["kind"] == KIND)
        .count();
    assert_eq!(told, 2);
}

crate::on_both_databases!(
    cancelling_a_quick_test_session_tells_each_phone_once_and_ends_its_samples
);
