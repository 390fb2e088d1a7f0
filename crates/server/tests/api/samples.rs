//! Vegetable samples over HTTP on both databases: registration and its refusals, lookups
//! that cannot probe codes, receipt and results at the lab (judgements, re-tests,
//! corrections that keep history), thresholds as settings, the public board, the organiser's
//! figures, and erasure after the retention period.

use crate::helpers::{now, session_body, Db, SessionSpec, TestApp};
use crate::staff::{call, expect_call, sign_in, site, PASSWORD};
use chrono::Duration;
use labday_domain::SessionFormat;
use serde_json::{json, Value};

pub(crate) fn quick_test() -> SessionSpec {
    SessionSpec {
        format: SessionFormat::QuickTest,
        ..Default::default()
    }
}

pub(crate) fn registration(session: i64, phone: &str, varieties: &[&str]) -> Value {
    let samples: Vec<Value> = varieties
        .iter()
        .map(|v| {
            let (variety, other) = match v.strip_prefix("other:") {
                Some(name) => ("other", name),
                None => (*v, ""),
            };
            json!({"variety": variety, "variety_other": other, "bought_at": "青山湖农贸市场 12号摊", "bought_on": now().date()})
        })
        .collect();
    json!({"session_id": session, "name": "王芳", "phone": phone, "consent": true, "samples": samples})
}

/// The lab receives sample `code` at quick-test session `point` and records an enzyme
/// reading of 12.5 % (negative), as staff signed in with `lab`; panics unless both answer 200.
pub(crate) async fn tested_negative(app: &TestApp, lab: Option<&str>, point: i64, code: &str) {
    let path = format!("/api/v1/staff/samples/{code}/receive");
    let at = json!({"session_id": point});
    expect_call(app, "POST", &path, lab, Some(at), 200).await;
    let path = format!("/api/v1/staff/samples/{code}/tests");
    let reading = json!({"method": "enzyme_inhibition", "inhibition_pct": 12.5});
    expect_call(app, "POST", &path, lab, Some(reading), 200).await;
}

/// Registers samples and returns their views (panics unless 201).
pub(crate) async fn register(
    app: &TestApp,
    session: i64,
    phone: &str,
    varieties: &[&str],
) -> Vec<Value> {
    let (status, body) = app
        .post("/api/v1/samples", &registration(session, phone, varieties))
        .await;
    assert_eq!(status, 201, "{body}");
    body.as_array().expect("a list").clone()
}

async fn lookup(app: &TestApp, code: &str, last4: &str) -> (u16, Value) {
    app.post(
        "/api/v1/samples/lookup",
        &json!({"code": code, "phone_last4": last4}),
    )
    .await
}

async fn a_registration_gives_each_vegetable_a_code_once_and_refuses_what_does_not_fit(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session(quick_test()).await;
    let body = registration(session, "13900139000", &["spinach", "other:马齿苋"]);
    let (status, first) = app.post_with_key("/api/v1/samples", "reg-1", &body).await;
    assert_eq!(status, 201);
    let codes: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2);
    assert_ne!(codes[0], codes[1]);
    assert_eq!(first[0]["status"], "registered");
    assert_eq!(first[0]["phone_masked"], "139****9000");
    assert_eq!(first[1]["variety"]["name"]["zh"], "马齿苋");
    assert!(
        !first.to_string().contains("13900139000") && !first.to_string().contains("王芳"),
        "no full phone or name in the citizen's answer: {first}"
    );

    // A retry with the same key is the same registration; another body under it is refused.
    assert_eq!(
        app.post_with_key("/api/v1/samples", "reg-1", &body).await,
        (201, first)
    );
    let other = registration(session, "13900139000", &["celery"]);
    let (status, err) = app.post_with_key("/api/v1/samples", "reg-1", &other).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("idempotency_mismatch"))
    );

    // Five per phone per session: two held, four more is too many, three fit.
    let (status, err) = app
        .post(
            "/api/v1/samples",
            &registration(session, "13900139000", &["celery"; 4]),
        )
        .await;
    assert_eq!((status, err["code"].as_str()), (409, Some("sample_limit")));
    register(&app, session, "13900139000", &["celery"; 3]).await;

    // Field errors name the row; nothing is stored for a refused registration.
    let mut bad = registration(session, "13800138000", &["spinach", "durian"]);
    bad["samples"][0]["bought_at"] = json!(" ");
    bad["samples"][1]["bought_on"] = json!(now().date() + Duration::days(1));
    let (status, err) = app.post("/api/v1/samples", &bad).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["fields"]["samples.0.bought_at"], "bought_at_required");
    assert_eq!(err["fields"]["samples.1.variety"], "variety_required");
    assert_eq!(err["fields"]["samples.1.bought_on"], "date_in_future");
    let (status, _) = app
        .post("/api/v1/samples", &json!({"session_id": session}))
        .await;
    assert_eq!(status, 400, "an unreadable body");

    // Only quick-test sessions take samples, and only while open.
    let visit = app.session(SessionSpec::default()).await;
    let (status, err) = app
        .post(
            "/api/v1/samples",
            &registration(visit, "13800138000", &["spinach"]),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("not_quick_test"))
    );
    let later = app
        .session(SessionSpec {
            opens_in: Duration::days(1),
            ..quick_test()
        })
        .await;
    let (status, err) = app
        .post(
            "/api/v1/samples",
            &registration(later, "13800138000", &["spinach"]),
        )
        .await;
    assert_eq!((status, err["code"].as_str()), (409, Some("window_closed")));
    let (status, _) = app
        .post(
            "/api/v1/samples",
            &registration(999_999, "13800138000", &["spinach"]),
        )
        .await;
    assert_eq!(status, 404);
    let stored = app.storage.session_samples(session).await.unwrap();
    assert_eq!(stored.len(), 5, "2 + 3 registered, nothing from refusals");
}

/// A quick-test session's details as the console sends them: three days from now at 14:00,
/// booking open since yesterday.
fn quick_test_in_three_days() -> Value {
    let starts = (now() + Duration::days(3))
        .date()
        .and_hms_opt(14, 0, 0)
        .unwrap();
    let mut body = session_body(starts, now() - Duration::days(1));
    body["format"] = json!("quick_test");
    body
}

/// A quick-test session keeps its format once samples are registered on it: they are
/// received and tested at its bench alone. Before the first, and in every other detail, it
/// may change.
async fn a_quick_test_session_with_samples_keeps_its_format(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let lab = lab.as_deref();
    let (empty, held) = (
        app.session(quick_test()).await,
        app.session(quick_test()).await,
    );
    register(app, held, "13900139000", &["spinach"]).await;
    let mut body = quick_test_in_three_days();
    for id in [empty, held] {
        let path = format!("/api/v1/staff/sessions/{id}");
        expect_call(app, "PUT", &path, lab, Some(body.clone()), 200).await;
    }
    for format in ["visit", "cloud_classroom", "demo"] {
        body["format"] = json!(format);
        body["join_link"] = json!("https://meeting.example/room/1");
        let path = format!("/api/v1/staff/sessions/{held}");
        let (status, text) = call(app, "PUT", &path, lab, Some(body.clone())).await;
        assert_eq!(status, 422, "{format}: {text}");
        let refusal: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            refusal["fields"],
            json!({"format": "holds_samples"}),
            "{format}"
        );
    }
    let (_, view) = app.get(&format!("/api/v1/sessions/{held}")).await;
    assert_eq!(view["format"], "quick_test", "nothing changed: {view}");
    register(app, held, "13700137000", &["celery"]).await;
    body["format"] = json!("visit");
    let path = format!("/api/v1/staff/sessions/{empty}");
    expect_call(app, "PUT", &path, lab, Some(body), 200).await;
    let (_, view) = app.get(&format!("/api/v1/sessions/{empty}")).await;
    assert_eq!(view["format"], "visit", "{view}");
}

/// A quick-test desk at a market: the sample's page says where, with the market's address;
/// a desk at its organiser's names no address of its own.
async fn a_sample_at_a_market_names_the_markets_address(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let (market, lab_desk) = (
        app.session(quick_test()).await,
        app.session(quick_test()).await,
    );
    let mut body = quick_test_in_three_days();
    body["address"] = json!({"zh": "青山湖大道8号 青山湖农贸市场", "en": ""});
    let path = format!("/api/v1/staff/sessions/{market}");
    expect_call(app, "PUT", &path, lab.as_deref(), Some(body), 200).await;
    for (session, held_at) in [
        (
            market,
            json!({"zh": "青山湖大道8号 青山湖农贸市场", "en": ""}),
        ),
        (lab_desk, Value::Null),
    ] {
        let registered = register(app, session, "13900139000", &["spinach"]).await;
        assert_eq!(registered[0]["held_at"], held_at, "{registered:?}");
        let code = registered[0]["code"].as_str().unwrap();
        let (status, view) = lookup(app, code, "9000").await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["held_at"], held_at, "{view}");
    }
}

async fn a_wrong_phone_reads_like_a_missing_code_and_misses_are_throttled(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session(quick_test()).await;
    let samples = register(&app, session, "13900139000", &["spinach"]).await;
    let code = samples[0]["code"].as_str().unwrap();

    let (status, found) = lookup(&app, &code.to_lowercase(), "9000").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["code"], code);
    assert_eq!(found["status"], "registered");
    assert!(found["holder"].is_null());

    let (wrong_status, wrong) = lookup(&app, code, "1234").await;
    let (missing_status, missing) = lookup(&app, "ABCDEFGH", "9000").await;
    assert_eq!((wrong_status, missing_status), (404, 404));
    assert_eq!(
        wrong, missing,
        "the same answer: no way to tell a code exists"
    );
    let (status, err) = lookup(&app, "O0", "90a0").await;
    assert_eq!(status, 422);
    assert_eq!(err["fields"]["phone_last4"], "last4_invalid");

    // Five misses on one code pause it, even for the right digits.
    for _ in 0..4 {
        assert_eq!(lookup(&app, code, "0000").await.0, 404);
    }
    let (status, err) = lookup(&app, code, "9000").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (429, Some("too_many_requests"))
    );
}

async fn staff_receive_and_test_samples_and_holders_see_plain_judgements(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let session = app.session(quick_test()).await;
    // On today: the lab receives samples from the session's day on.
    app.starts_today(session).await;
    let other_quick = app.session(quick_test()).await;
    let samples = register(app, session, "13900139000", &["spinach", "celery"]).await;
    let (spinach, celery) = (
        samples[0]["code"].as_str().unwrap().to_owned(),
        samples[1]["code"].as_str().unwrap().to_owned(),
    );
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let cookie = lab.as_deref();
    let post = |path: String, body: Value| async move {
        let (status, text) = call(app, "POST", &path, cookie, Some(body)).await;
        (
            status,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
        )
    };
    let enzyme = |pct: f64| json!({"method": "enzyme_inhibition", "inhibition_pct": pct});
    let test = |code: &str| format!("/api/v1/staff/samples/{code}/tests");
    let receive = |code: &str| format!("/api/v1/staff/samples/{code}/receive");

    // No result before the sample is handed in; not at another session's point.
    let (status, err) = post(test(&spinach), enzyme(12.5)).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("not_received")));
    let (status, err) = post(receive(&spinach), json!({"session_id": other_quick})).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("wrong_session")));
    let (status, received) = post(
        receive(&spinach.to_lowercase()),
        json!({"session_id": session}),
    )
    .await;
    assert_eq!(status, 200, "{received}");
    assert_eq!(received["status"], "received");
    assert_eq!(
        received["holder"]["phone"], "13900139000",
        "staff see the full number"
    );
    let (status, again) = post(receive(&spinach), json!({"session_id": session})).await;
    assert_eq!(
        (status, &again["received_at"]),
        (200, &received["received_at"])
    );
    post(receive(&celery), json!({"session_id": session})).await;

    // A negative first test is final.
    let (status, done) = post(test(&spinach), enzyme(12.5)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["status"].as_str(), done["judgement"].as_str()),
        (Some("result_ready"), Some("negative"))
    );
    assert_eq!(done["tests"][0]["tester"], "lab-a");

    // A positive needs two re-tests; a typo is corrected and kept in history.
    let (_, first) = post(test(&celery), enzyme(62.0)).await;
    assert_eq!(
        (first["status"].as_str(), first["retests_needed"].as_u64()),
        (Some("testing"), Some(2))
    );
    let (_, typo) = post(test(&celery), enzyme(5.0)).await;
    let typo_id = typo["tests"][1]["id"].as_i64().unwrap();
    for (reading, field, says) in [
        (
            json!({"method": "enzyme_inhibition", "inhibition_pct": 58.3, "corrects": 999_999}),
            "corrects",
            "correction_invalid",
        ),
        (
            json!({"method": "enzyme_inhibition", "inhibition_pct": 101}),
            "inhibition_pct",
            "percent_invalid",
        ),
    ] {
        let (status, err) = post(test(&celery), reading).await;
        assert_eq!(
            (status, err["fields"][field].as_str()),
            (422, Some(says)),
            "{err}"
        );
    }
    let (_, corrected) = post(
        test(&celery),
        json!({"method": "enzyme_inhibition", "inhibition_pct": 58.3, "corrects": typo_id}),
    )
    .await;
    assert_eq!(corrected["retests_needed"], 1, "{corrected}");
    let (status, err) = post(
        test(&celery),
        json!({"method": "enzyme_inhibition", "inhibition_pct": 58.3, "corrects": typo_id}),
    )
    .await;
    assert_eq!(
        status, 422,
        "a corrected test cannot be corrected again: {err}"
    );
    // A re-test repeats the first test: a strip cannot clear what an enzyme test found.
    let strip = json!({"method": "colloidal_gold", "pesticide": "克百威", "strip": "negative"});
    let (status, err) = post(test(&celery), strip).await;
    assert_eq!(
        (status, err["fields"]["method"].as_str()),
        (422, Some("retest_differs")),
        "{err}"
    );
    // A desk that saw fewer tests than there are (another desk entered one) is refused.
    let mut stale = enzyme(55.0);
    stale["tests_seen"] = json!(1);
    let (status, err) = post(test(&celery), stale).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (412, Some("edited_meanwhile"))
    );
    let mut last = enzyme(55.0);
    last["tests_seen"] = json!(2);
    let (_, last) = post(test(&celery), last).await;
    assert_eq!(
        (last["status"].as_str(), last["judgement"].as_str()),
        (Some("result_ready"), Some("positive"))
    );
    // Final: a further test would overturn it quietly; a correction is the way.
    let (status, err) = post(test(&celery), enzyme(5.0)).await;
    assert_eq!(
        (status, err["fields"]["corrects"].as_str()),
        (422, Some("result_final")),
        "{err}"
    );
    let history = last["tests"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[1]["superseded"], true);
    assert_eq!(history[2]["corrects"], typo_id);

    // The holder sees current tests only, with methods and judgements, and no names.
    let (status, seen) = lookup(app, &celery, "9000").await;
    assert_eq!(status, 200);
    assert_eq!(seen["judgement"], "positive");
    let tests = seen["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3, "the corrected typo is not shown: {seen}");
    assert!(tests.iter().all(|t| t["tester"].is_null()));
    assert_eq!(tests[2]["method"], "enzyme_inhibition");
    assert_eq!(tests[2]["inhibition_pct"], 55.0);
    let (_, seen) = lookup(app, &spinach, "9000").await;
    assert_eq!(seen["judgement"], "negative");

    // Every receipt and test is in the audit log.
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (_, log) = call(app, "GET", "/api/v1/staff/audit", chief.as_deref(), None).await;
    assert_eq!(log.matches("record_test").count(), 5, "{log}");
    assert_eq!(log.matches("receive_sample").count(), 2, "{log}");
    assert!(!log.contains("13900139000"));

    // The staff bench lists the session's samples with their state.
    let path = format!("/api/v1/staff/sessions/{session}/samples");
    let text = expect_call(app, "GET", &path, cookie, None, 200).await;
    let bench: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(bench.as_array().unwrap().len(), 2);
    let (status, one) = call(
        app,
        "GET",
        &format!("/api/v1/staff/samples/{celery}"),
        cookie,
        None,
    )
    .await;
    assert!(
        status == 200 && one.contains("\"superseded\":true"),
        "{one}"
    );
}

async fn thresholds_are_settings(db: Db) {
    let app = TestApp::spawn_with(db, |c| {
        c.enzyme_suspicious_from = 60.0;
        c.enzyme_positive_from = 70.0;
    })
    .await;
    let org = app
        .storage
        .session_organisation(app.session(quick_test()).await)
        .await
        .unwrap()
        .unwrap();
    crate::staff::add_staff(&app, "lab", labday_domain::staff::Role::LabStaff, Some(org)).await;
    let (_, _, cookie, _) = sign_in(&app, "lab", PASSWORD).await;
    let session = app.session(quick_test()).await;
    // On today: the lab receives samples from the session's day on.
    app.starts_today(session).await;
    let mut judged = Vec::new();
    for pct in [55.0, 60.0, 69.9, 70.0] {
        let code = register(
            &app,
            session,
            &format!("1390013{:04}", pct as u32),
            &["spinach"],
        )
        .await[0]["code"]
            .as_str()
            .unwrap()
            .to_owned();
        call(
            &app,
            "POST",
            &format!("/api/v1/staff/samples/{code}/receive"),
            cookie.as_deref(),
            Some(json!({"session_id": session})),
        )
        .await;
        let (_, text) = call(
            &app,
            "POST",
            &format!("/api/v1/staff/samples/{code}/tests"),
            cookie.as_deref(),
            Some(json!({"method": "enzyme_inhibition", "inhibition_pct": pct})),
        )
        .await;
        let v: Value = serde_json::from_str(&text).unwrap();
        judged.push(v["tests"][0]["judgement"].as_str().unwrap().to_owned());
    }
    assert_eq!(judged, ["negative", "suspicious", "suspicious", "positive"]);
}

async fn the_board_counts_final_judgements_without_personal_data(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let session = app.session(quick_test()).await;
    let second = app.session(quick_test()).await;
    // On today: the lab receives samples from the sessions' day on.
    for point in [session, second] {
        app.starts_today(point).await;
    }
    let a = register(
        app,
        session,
        "13900139000",
        &["spinach", "spinach", "celery"],
    )
    .await;
    let b = register(app, second, "13700137000", &["cucumber"]).await;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let result = |code: String, sess: i64, pct: f64| {
        let lab = lab.clone();
        async move {
            call(
                app,
                "POST",
                &format!("/api/v1/staff/samples/{code}/receive"),
                lab.as_deref(),
                Some(json!({"session_id": sess})),
            )
            .await;
            call(
                app,
                "POST",
                &format!("/api/v1/staff/samples/{code}/tests"),
                lab.as_deref(),
                Some(json!({"method": "enzyme_inhibition", "inhibition_pct": pct})),
            )
            .await
        }
    };
    let code = |v: &Value| v["code"].as_str().unwrap().to_owned();
    result(code(&a[0]), session, 10.0).await;
    // Positive three times over: the sample fails the quick test.
    for pct in [80.0, 75.0, 66.0] {
        result(code(&a[1]), session, pct).await;
    }
    // Celery positive once: still waiting for re-tests, so not counted as tested.
    result(code(&a[2]), session, 55.0).await;
    result(code(&b[0]), second, 45.0).await;
    for pct in [47.0, 42.0] {
        result(code(&b[0]), second, pct).await;
    }

    let (status, board) = app
        .get(&format!("/api/v1/sessions/{session}/samples/board"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (board["registered"].as_u64(), board["received"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        board["counts"],
        json!({"tested": 2, "negative": 1, "suspicious": 0, "positive": 1})
    );
    assert_eq!(board["by_variety"][0]["variety"]["key"], "spinach");
    assert_eq!(board["by_variety"].as_array().unwrap().len(), 1);
    let text = board.to_string();
    assert!(!text.contains("王芳") && !text.contains("9000"), "{text}");

    let (_, board) = app
        .get(&format!(
            "/api/v1/activities/{}/samples/board",
            app.activity_id
        ))
        .await;
    assert_eq!(board["registered"], 4);
    assert_eq!(
        board["counts"],
        json!({"tested": 3, "negative": 1, "suspicious": 1, "positive": 1})
    );
    assert_eq!(
        app.get("/api/v1/sessions/999999/samples/board").await.0,
        404
    );
    assert_eq!(
        app.get("/api/v1/activities/999999/samples/board").await.0,
        404
    );

    // The organiser's figures count the same samples.
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (_, summary) = call(app, "GET", "/api/v1/staff/summary", chief.as_deref(), None).await;
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(
        summary["overall"]["samples"],
        json!({"registered": 4, "tested": 3, "negative": 1, "suspicious": 1, "positive": 1}),
        "{summary}"
    );
    let (_, csv) = call(
        app,
        "GET",
        "/api/v1/staff/summary.csv",
        chief.as_deref(),
        None,
    )
    .await;
    assert!(csv.contains("快检样品"), "{csv}");
}

async fn sample_holders_are_erased_after_retention_but_counts_stay(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session(quick_test()).await;
    let samples = register(&app, session, "13900139000", &["spinach"]).await;
    let code = samples[0]["code"].as_str().unwrap();
    // A cutoff after the session's end: its holders are past retention.
    let erased = app
        .storage
        .erase_sample_holders(now() + Duration::days(3))
        .await
        .unwrap();
    assert_eq!(erased, 1);
    assert_eq!(lookup(&app, code, "9000").await.0, 404);
    let stored = app.storage.session_samples(session).await.unwrap();
    assert_eq!(
        stored[0].holder, None,
        "staff see that nothing of the holder is left"
    );
    let (_, board) = app
        .get(&format!("/api/v1/sessions/{session}/samples/board"))
        .await;
    assert_eq!(board["registered"], 1);
}

/// The same registration sent several times at once (a double tap, a retry racing the
/// first) registers once: every answer gives the first registration's samples.
async fn one_registration_sent_at_once_several_times_registers_once(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let session = app.session(quick_test()).await;
    let body = registration(session, "13900139055", &["spinach", "celery"]);
    let sends = (0..8).map(|_| {
        let (app, body) = (app.clone(), body.clone());
        tokio::spawn(async move { app.post_with_key("/api/v1/samples", "twice-1", &body).await })
    });
    let mut answers = Vec::new();
    for send in sends.collect::<Vec<_>>() {
        let (status, answer) = send.await.expect("task");
        assert_eq!(status, 201, "{answer}");
        answers.push(answer);
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].as_array().map(Vec::len), Some(2));
    let stored = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM samples WHERE session_id = {session}"
        ))
        .await;
    assert_eq!(stored, 2, "two vegetables, registered once");
}

crate::on_both_databases!(
    a_registration_gives_each_vegetable_a_code_once_and_refuses_what_does_not_fit,
    one_registration_sent_at_once_several_times_registers_once,
    a_wrong_phone_reads_like_a_missing_code_and_misses_are_throttled,
    a_quick_test_session_with_samples_keeps_its_format,
    a_sample_at_a_market_names_the_markets_address,
    staff_receive_and_test_samples_and_holders_see_plain_judgements,
    thresholds_are_settings,
    the_board_counts_final_judgements_without_personal_data,
    sample_holders_are_erased_after_retention_but_counts_stay,
);
