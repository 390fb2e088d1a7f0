//! A holder erasing their own vegetable samples before the retention period, over HTTP on
//! both databases: what the samples form's privacy notice promises ("before you hand a
//! sample in, or once its session is over, you can erase them yourself") holds, erases
//! every copy (the typed text and the result message too), proves the holder by the whole
//! number, and frees neither the per-phone limit nor the lab's results. A sample withdrawn
//! before hand-in is refused at the bench; one the lab holds waits for its session to end,
//! as the lab may re-test it or correct its result and tell the holder until then.

use crate::erasure::{cells_containing, move_into_the_past, sqlite_files_hold};
use crate::helpers::{now, Db, TestApp};
use crate::samples::{quick_test, register, registration, tested_negative};
use crate::staff::{call, expect_call};
use chrono::Duration;
use labday_server::storage::outbox::Delivery;
use serde_json::{json, Value};

const NAME: &str = "司马自删样品";
const PHONE: &str = "13712345678";
const BOUGHT_AT: &str = "自删测试市场 88号摊";
const OWN_NAME: &str = "自删野菜";
const EVERY_TRACE: [&str; 4] = [PHONE, NAME, BOUGHT_AT, OWN_NAME];

/// Registers a spinach and a vegetable of the holder's own naming; their codes.
async fn two_samples(app: &TestApp, session: i64) -> [String; 2] {
    let item = |variety: &str, other: &str| json!({"variety": variety, "variety_other": other, "bought_at": BOUGHT_AT, "bought_on": now().date()});
    let body = json!({"session_id": session, "name": NAME, "phone": PHONE, "consent": true,
        "samples": [item("spinach", ""), item("other", OWN_NAME)]});
    let (status, made) = app.post("/api/v1/samples", &body).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made[0]["can_erase"], true,
        "withdrawn at any time before hand-in"
    );
    [0, 1].map(|i| made[i]["code"].as_str().unwrap().to_owned())
}

async fn erase(app: &TestApp, code: &str, phone: &str) -> (u16, Value) {
    app.post(
        "/api/v1/samples/erase",
        &json!({"code": code, "phone": phone}),
    )
    .await
}

async fn lookup(app: &TestApp, code: &str) -> (u16, Value) {
    lookup_by(app, code, PHONE).await
}

/// Looks sample `code` up with the last four digits of `phone`.
async fn lookup_by(app: &TestApp, code: &str, phone: &str) -> (u16, Value) {
    let body = json!({"code": code, "phone_last4": &phone[phone.len() - 4..]});
    app.post("/api/v1/samples/lookup", &body).await
}

/// A sample the lab holds whose holder may not erase it yet: the holder's view says so, and
/// the erasure is refused.
async fn still_held(app: &TestApp, code: &str, phone: &str) {
    let (status, found) = lookup_by(app, code, phone).await;
    assert_eq!(
        (status, &found["can_erase"]),
        (200, &json!(false)),
        "{found}"
    );
    let (status, err) = erase(app, code, phone).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("still_testing")),
        "{err}"
    );
}

async fn staff_view(app: &TestApp, lab: Option<&str>, code: &str) -> Value {
    let (status, text) = call(
        app,
        "GET",
        &format!("/api/v1/staff/samples/{code}"),
        lab,
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn hashes_kept(app: &TestApp) -> i64 {
    app.db
        .scalar("SELECT COUNT(*) FROM samples WHERE phone_hash IS NOT NULL")
        .await
}

/// The lab receives sample `code` at `session`'s test point.
async fn receive(app: &TestApp, lab: Option<&str>, session: i64, code: &str) {
    let path = format!("/api/v1/staff/samples/{code}/receive");
    let at = Some(json!({"session_id": session}));
    expect_call(app, "POST", &path, lab, at, 200).await;
}

/// Its session over a minute ago.
async fn end_session(app: &TestApp, session: i64) {
    let ended = now() - Duration::minutes(1);
    app.set_times(session, ended - Duration::hours(1), ended)
        .await;
}

/// Before hand-in a sample is withdrawn at once, proven by the whole number; the bench then
/// refuses it, and it counts for no limit and in no board: the holder may register again,
/// online or at the bench. A retry of its registration is a new registration, not half of the first.
async fn a_sample_not_handed_in_is_withdrawn_and_the_lab_refuses_it(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(quick_test()).await;
    // On today: the lab receives samples from the session's day on.
    app.starts_today(session).await;
    let retried = registration(session, PHONE, &["spinach", "celery"]);
    let (status, first) = app
        .post_with_key("/api/v1/samples", "withdraw-1", &retried)
        .await;
    assert_eq!(status, 201, "{first}");
    let withdrawn = first[0]["code"].as_str().unwrap().to_owned();
    assert_eq!(
        first[0]["can_erase"], true,
        "withdrawn at any time before hand-in"
    );

    // The last four digits open a result; they erase nothing.
    let (status, err) = erase(app, &withdrawn, "5678").await;
    assert_eq!(
        (status, err["fields"]["phone"].as_str()),
        (422, Some("phone_invalid")),
        "{err}"
    );
    let (status, err) = erase(app, &withdrawn, "13812345678").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (404, Some("not_found")),
        "another number, the same last four"
    );
    let (status, body) = erase(app, &withdrawn, PHONE).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        lookup(app, &withdrawn).await.0,
        404,
        "nothing is left to match"
    );
    let (status, err) = erase(app, &withdrawn, PHONE).await;
    assert_eq!(status, 404, "erased once");
    assert_eq!(
        err["message"], "No sample matches that code and phone number",
        "a sample's words, not a booking's"
    );
    assert_eq!(hashes_kept(app).await, 1, "the other sample's alone");
    // The board counts the sample left, not the one taken back.
    let registered = || async {
        let path = format!("/api/v1/sessions/{session}/samples/board");
        let (status, board) = app.get(&path).await;
        assert_eq!(status, 200, "{board}");
        board["registered"].as_i64()
    };
    assert_eq!(registered().await, Some(1));

    let path = format!("/api/v1/staff/samples/{withdrawn}/receive");
    let at = Some(json!({"session_id": session}));
    let (status, err) = call(app, "POST", &path, lab, at).await;
    assert_eq!(status, 409, "{err}");
    assert!(err.contains("\"withdrawn\""), "{err}");
    let seen = staff_view(app, lab, &withdrawn).await;
    assert_eq!(seen["holder"], Value::Null, "the bench says so: {seen}");
    assert_eq!(seen["status"], "registered");

    // The retry registers both again, under new codes.
    let (status, again) = app
        .post_with_key("/api/v1/samples", "withdraw-1", &retried)
        .await;
    assert_eq!(status, 201, "{again}");
    let codes: Vec<&str> = again
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2, "{again}");
    assert!(
        !codes.contains(&withdrawn.as_str())
            && !codes.contains(&first[1]["code"].as_str().unwrap())
    );
    // Three held, the withdrawn one not counted: two more fit, online or at the bench.
    register(app, session, PHONE, &["celery"]).await;
    let path = format!("/api/v1/staff/sessions/{session}/walk-in-samples");
    let body = registration(session, PHONE, &["spinach"]);
    let (status, text) = call(app, "POST", &path, lab, Some(body)).await;
    assert_eq!(
        status, 201,
        "registered again at the bench, as it tells staff to: {text}"
    );
    let (status, err) = app
        .post(
            "/api/v1/samples",
            &registration(session, PHONE, &["celery"]),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("sample_limit")),
        "five held: {err}"
    );

    // The retention run leaves the holder's erasure as it was.
    let erased_at = format!(
        "SELECT COUNT(*) FROM samples WHERE code = '{withdrawn}' AND erased_at < '{}'",
        (now() + Duration::days(1)).format("%F")
    );
    assert_eq!(app.db.scalar(&erased_at).await, 1);
    move_into_the_past(app, &[session]).await;
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    assert_eq!(app.db.scalar(&erased_at).await, 1);
    // Five registered besides it, and it still not counted.
    assert_eq!(registered().await, Some(5));
}

/// Once handed in, the lab may re-test a sample or correct its result and tell the holder
/// until its session is over: the holder waits for that, result or not, and for a re-test
/// due even after it. Then everything goes, the result message waiting to be sent too
/// (dropped, not counted as failed); the lab's result and the board stay, and nothing of
/// the phone.
async fn a_sample_the_lab_holds_is_erased_once_its_session_is_over(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(quick_test()).await;
    // On today: the lab receives samples from the session's day on.
    app.starts_today(session).await;
    let [tested, never_tested] = two_samples(app, session).await;
    tested_negative(app, lab, session, &tested).await;
    receive(app, lab, session, &never_tested).await;
    let another = register(app, session, "13712340000", &["spinach"]).await;
    let retesting = another[0]["code"].as_str().unwrap().to_owned();
    receive(app, lab, session, &retesting).await;
    let path = format!("/api/v1/staff/samples/{retesting}/tests");
    let positive = json!({"method": "enzyme_inhibition", "inhibition_pct": 80.0});
    expect_call(app, "POST", &path, lab, Some(positive), 200).await;
    for code in [&tested, &never_tested] {
        still_held(app, code, PHONE).await;
    }
    let waiting = "SELECT COUNT(*) FROM outbox WHERE sample_id = (SELECT id FROM samples WHERE code = '{}') AND status = 'pending'";
    let waiting = waiting.replace("{}", &tested);
    assert_eq!(
        app.db.scalar(&waiting).await,
        1,
        "the result's message waits"
    );

    end_session(app, session).await;
    // Its re-tests are due.
    still_held(app, &retesting, "13712340000").await;
    for code in [&tested, &never_tested] {
        let (status, found) = lookup(app, code).await;
        assert_eq!(
            (status, &found["can_erase"]),
            (200, &json!(true)),
            "{found}"
        );
        let (status, body) = erase(app, code, PHONE).await;
        assert_eq!(status, 204, "{body}");
    }
    let left = cells_containing(&app.db, &EVERY_TRACE).await;
    assert!(left.is_empty(), "left after the holder's erasure: {left:?}");
    assert_eq!(
        app.db
            .scalar(&waiting.replace(" AND status = 'pending'", ""))
            .await,
        0,
        "never sent, and nothing failed"
    );
    assert_eq!(
        hashes_kept(app).await,
        1,
        "the sample being re-tested's alone"
    );
    let seen = staff_view(app, lab, &tested).await;
    assert_eq!(
        seen["judgement"], "negative",
        "the lab's result stays: {seen}"
    );
    assert_eq!(seen["holder"], Value::Null, "nobody's name: {seen}");
    let seen = staff_view(app, lab, &never_tested).await;
    assert_eq!(
        seen["variety"]["name"]["zh"], "其他",
        "nor the name they typed"
    );
    let (_, board) = app
        .get(&format!("/api/v1/sessions/{session}/samples/board"))
        .await;
    assert_eq!(
        (
            board["registered"].as_i64(),
            board["counts"]["tested"].as_i64()
        ),
        (Some(3), Some(1)),
        "{board}"
    );
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    for needle in EVERY_TRACE {
        assert!(
            !sqlite_files_hold(&app.db, needle),
            "the SQLite file or WAL still holds {needle}"
        );
    }
}

/// A result message the dispatcher is sending as its holder erases stays the sender's to
/// record: the provider took it, so it counts as sent; had the try failed, it is never
/// tried again with nobody to send it to.
async fn a_message_being_sent_as_its_holder_erases_is_its_senders_to_record(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(quick_test()).await;
    // On today: the lab receives samples from the session's day on.
    app.starts_today(session).await;
    let codes = two_samples(app, session).await;
    for code in &codes {
        tested_negative(app, lab, session, code).await;
    }
    let storage = app.storage.as_ref();
    let at = chrono::Utc::now().naive_utc();
    let claimed = crate::messages::claim(storage, at, Duration::seconds(120)).await;
    assert_eq!(claimed.len(), 2, "both results' messages, being sent");
    end_session(app, session).await;
    for code in &codes {
        assert_eq!(erase(app, code, PHONE).await.0, 204);
    }
    assert!(cells_containing(&app.db, &EVERY_TRACE).await.is_empty());
    storage
        .record_delivery(claimed[0].id, Delivery::Sent, None, at)
        .await
        .unwrap();
    storage
        .record_delivery(claimed[1].id, Delivery::Retry(at), Some("busy"), at)
        .await
        .unwrap();
    let sent = "SELECT COUNT(*) FROM outbox WHERE status = 'sent'";
    assert_eq!(app.db.scalar(sent).await, 1, "the provider took it");
    let later = at + Duration::minutes(5);
    let again = crate::messages::claim(storage, later, Duration::seconds(120)).await;
    assert!(again.is_empty(), "nobody to send the other to");
}

/// Misses are throttled like lookups, on the same count, so the whole number cannot be
/// probed either.
async fn erasing_misses_are_throttled_with_the_lookups(db: Db) {
    let app = TestApp::spawn(db).await;
    let [kept, _] = two_samples(&app, app.session(quick_test()).await).await;
    for n in 0..5 {
        let (status, _) = erase(&app, &kept, &format!("1371234000{n}")).await;
        assert_eq!(status, 404);
    }
    let (status, err) = erase(&app, &kept, PHONE).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (429, Some("too_many_requests")),
        "{err}"
    );
    assert_eq!(
        lookup(&app, &kept).await.0,
        429,
        "one throttle for the code"
    );
}

crate::on_both_databases!(
    a_sample_not_handed_in_is_withdrawn_and_the_lab_refuses_it,
    a_sample_the_lab_holds_is_erased_once_its_session_is_over,
    a_message_being_sent_as_its_holder_erases_is_its_senders_to_record,
    erasing_misses_are_throttled_with_the_lookups,
);
