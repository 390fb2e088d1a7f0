//! A holder erasing their own vegetable samples before the retention period, over HTTP on
//! both databases: what the samples form's privacy notice promises ("before you hand a
//! sample in, or once its result is ready, you can erase them yourself") holds, erases every
//! copy (the typed text and the result message too), proves the holder by the whole number,
//! and frees neither the per-phone limit nor the lab's results.

use crate::erasure::{cells_containing, move_into_the_past, sqlite_files_hold};
use crate::helpers::{now, Db, TestApp};
use crate::samples::{quick_test, tested_negative};
use crate::staff::{call, expect_call};
use chrono::Duration;
use serde_json::{json, Value};

const NAME: &str = "司马自删样品";
const PHONE: &str = "13712345678";
const BOUGHT_AT: &str = "自删测试市场 88号摊";
const OWN_NAME: &str = "自删野菜";

/// Registers a spinach and a vegetable of the holder's own naming; their codes.
async fn two_samples(app: &TestApp, session: i64) -> [String; 2] {
    let item = |variety: &str, other: &str| json!({"variety": variety, "variety_other": other, "bought_at": BOUGHT_AT, "bought_on": now().date()});
    let body = json!({"session_id": session, "name": NAME, "phone": PHONE, "consent": true,
        "samples": [item("spinach", ""), item("other", OWN_NAME)]});
    let (status, made) = app.post("/api/v1/samples", &body).await;
    assert_eq!(status, 201, "{made}");
    [0, 1].map(|i| made[i]["code"].as_str().unwrap().to_owned())
}

async fn erase(app: &TestApp, code: &str, phone: &str) -> (u16, Value) {
    app.post(
        "/api/v1/samples/erase",
        &json!({"code": code, "phone": phone}),
    )
    .await
}

async fn lookup(app: &TestApp, code: &str, last4: &str) -> u16 {
    let body = json!({"code": code, "phone_last4": last4});
    app.post("/api/v1/samples/lookup", &body).await.0
}

async fn hashes_kept(app: &TestApp) -> i64 {
    app.db
        .scalar("SELECT COUNT(*) FROM samples WHERE phone_hash IS NOT NULL")
        .await
}

/// Before hand-in and once the result is ready a sample is erased at once, from every
/// table, with its result message; while the lab holds it without a result it is kept. The
/// lab's result and the board stay; the phone's hash stays while the session takes
/// registrations, so the limit still counts it, and goes with the retention run.
async fn a_sample_is_erased_before_hand_in_or_once_its_result_is_ready(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(quick_test()).await;
    let [withdrawn, tested] = two_samples(app, session).await;
    assert!(
        !cells_containing(&app.db, &[PHONE, NAME, BOUGHT_AT, OWN_NAME])
            .await
            .is_empty()
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
        "another number, same last four"
    );
    let (status, body) = erase(app, &withdrawn, PHONE).await;
    assert_eq!(status, 204, "not handed in yet: {body}");
    assert_eq!(
        lookup(app, &withdrawn, "5678").await,
        404,
        "nothing is left to match"
    );
    assert_eq!(erase(app, &withdrawn, PHONE).await.0, 404, "erased once");

    // Handed in: the lab may still phone about the result.
    let path = format!("/api/v1/staff/samples/{tested}/receive");
    expect_call(
        app,
        "POST",
        &path,
        lab,
        Some(json!({"session_id": session})),
        200,
    )
    .await;
    let (status, err) = erase(app, &tested, PHONE).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("still_testing")),
        "{err}"
    );
    assert_eq!(lookup(app, &tested, "5678").await, 200, "still there");
    let path = format!("/api/v1/staff/samples/{tested}/tests");
    let reading = json!({"method": "enzyme_inhibition", "inhibition_pct": 12.5});
    expect_call(app, "POST", &path, lab, Some(reading), 200).await;
    let messages = app
        .db
        .scalar("SELECT COUNT(*) FROM outbox WHERE sample_id IS NOT NULL AND phone IS NOT NULL")
        .await;
    assert_eq!(
        messages, 1,
        "the result's text message waits with the number"
    );
    let (status, body) = erase(app, &tested, PHONE).await;
    assert_eq!(status, 204, "its result is ready: {body}");

    let left = cells_containing(&app.db, &[PHONE, NAME, BOUGHT_AT, OWN_NAME]).await;
    assert!(left.is_empty(), "left after the holder's erasure: {left:?}");
    let (status, text) = call(
        app,
        "GET",
        &format!("/api/v1/staff/samples/{tested}"),
        lab,
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let staff_view: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        staff_view["judgement"], "negative",
        "the lab's result stays"
    );
    let holder = &staff_view["holder"];
    assert_eq!(
        (&holder["name"], &holder["phone"]),
        (&json!(""), &json!("")),
        "nobody's name: {staff_view}"
    );
    assert_eq!(
        staff_view["variety"]["name"]["zh"], "其他",
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
        (Some(2), Some(1)),
        "{board}"
    );

    // The session takes registrations still: the two erased samples count for the phone.
    assert_eq!(hashes_kept(app).await, 2);
    let celery = json!({"variety": "celery", "variety_other": "", "bought_at": "市场", "bought_on": now().date()});
    let four = json!({"session_id": session, "name": "另一人", "phone": PHONE, "consent": true,
        "samples": vec![celery; 4]});
    let (status, err) = app.post("/api/v1/samples", &four).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("sample_limit")),
        "{err}"
    );
    let erased_at = "SELECT COUNT(*) FROM samples WHERE erased_at IS NOT NULL";
    assert_eq!(app.db.scalar(erased_at).await, 2);

    // The retention run takes the hashes with the session's other records, and on SQLite
    // empties the WAL of the erased bytes.
    move_into_the_past(app, &[session]).await;
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    assert_eq!(
        hashes_kept(app).await,
        0,
        "erasing early keeps nothing longer"
    );
    assert_eq!(app.db.scalar(erased_at).await, 2);
    for needle in [PHONE, NAME, BOUGHT_AT, OWN_NAME] {
        assert!(
            !sqlite_files_hold(&app.db, needle),
            "the SQLite file or WAL still holds {needle}"
        );
    }
}

/// Once the session is over no registration can meet the phone again: erasing keeps
/// nothing of it. Misses are throttled like lookups, so the whole number cannot be probed
/// either.
async fn after_the_session_nothing_of_the_phone_stays_and_misses_are_throttled(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(quick_test()).await;
    let [never_brought, tested] = two_samples(app, session).await;
    tested_negative(app, lab, session, &tested).await;
    let ended = now() - Duration::minutes(1);
    app.set_times(session, ended - Duration::hours(1), ended)
        .await;
    for code in [&never_brought, &tested] {
        let (status, body) = erase(app, code, PHONE).await;
        assert_eq!(status, 204, "{body}");
    }
    assert_eq!(hashes_kept(app).await, 0, "the session is over");

    let [kept, _] = two_samples(app, app.session(quick_test()).await).await;
    for n in 0..5 {
        let (status, _) = erase(app, &kept, &format!("1371234000{n}")).await;
        assert_eq!(status, 404);
    }
    let (status, err) = erase(app, &kept, PHONE).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (429, Some("too_many_requests")),
        "{err}"
    );
    assert_eq!(
        lookup(app, &kept, "5678").await,
        429,
        "one throttle for the code"
    );
}

crate::on_both_databases!(
    a_sample_is_erased_before_hand_in_or_once_its_result_is_ready,
    after_the_session_nothing_of_the_phone_stays_and_misses_are_throttled,
);
