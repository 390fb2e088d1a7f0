//! Verified phones (`--verify-phones`), on both databases, with the `log` provider standing
//! in for the SMS platform: a booking or a sample registration without a good token is
//! refused; a code allows five tries (the sixth is refused even when right); a second code
//! within a minute is refused; a code expires; one client address hits its limit; a verified
//! phone finds every booking and sample it holds. Off (the default), nothing changes.

use crate::helpers::{Db, SessionSpec, TestApp};
use crate::messages::{arrives, delivered, log_to, message_file, of_kind};
use crate::samples::{quick_test, registration};
use chrono::Utc;
use labday_server::client::TrustedProxies;
use labday_server::config::Config;
use serde_json::{json, Value};
use std::path::Path;

const PHONE: &str = "13800138000";

/// Verification on, codes delivered to `file` within a tenth of a second.
fn verifying(config: &mut Config, file: &Path) {
    log_to(config, file);
    config.phone_codes.verify_phones = true;
}

fn booking(session: i64, phone: &str, token: Option<&str>) -> Value {
    let mut body = json!({"session_id": session, "name": "张三", "phone": phone, "adults": 1, "consent": true});
    if let Some(token) = token {
        body["phone_token"] = json!(token);
    }
    body
}

/// Books [`PHONE`] on `session` with the `Idempotency-Key` `key` and the phone's `token`.
async fn book_with_key(
    app: &TestApp,
    session: i64,
    key: &str,
    token: Option<&str>,
) -> (u16, Value) {
    let body = booking(session, PHONE, token);
    app.post_with_key("/api/v1/bookings", key, &body).await
}

/// The field error an answer names for the code.
fn code_field(answer: &Value) -> &str {
    answer["fields"]["phone_code"].as_str().unwrap_or("")
}

async fn ask_code(app: &TestApp, phone: &str) -> (u16, Value) {
    app.post("/api/v1/phone-codes", &json!({"phone": phone}))
        .await
}

/// The code most recently texted to `phone` (waits for its delivery).
async fn texted_code(file: &Path, phone: &str) -> String {
    arrives(file, 10, of_kind("verification_code", phone)).await;
    let last = delivered(file)
        .into_iter()
        .rev()
        .find(|m| m["kind"] == "verification_code" && m["phone"] == phone)
        .expect("delivered");
    let code = last["params"][0].as_str().expect("the code").to_owned();
    assert!(last["text"].as_str().unwrap().contains(&code));
    code
}

/// The `nth` code texted to `phone` (1 for the first), once it has arrived.
async fn nth_texted_code(file: &Path, phone: &str, nth: usize) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let codes: Vec<Value> = delivered(file)
            .into_iter()
            .filter(of_kind("verification_code", phone))
            .collect();
        if let Some(m) = codes.get(nth - 1) {
            return m["params"][0].as_str().expect("the code").to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "code {nth} for {phone} never came: {codes:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn check(app: &TestApp, phone: &str, code: &str) -> (u16, Value) {
    app.post(
        "/api/v1/phone-codes/check",
        &json!({"phone": phone, "code": code}),
    )
    .await
}

/// Asks for a code, reads it from the provider's file and exchanges it for a token.
async fn verified(app: &TestApp, file: &Path, phone: &str) -> String {
    let (status, sent) = ask_code(app, phone).await;
    assert_eq!(status, 202, "{sent}");
    let code = texted_code(file, phone).await;
    let (status, token) = check(app, phone, &code).await;
    assert_eq!(status, 200, "{token}");
    token["token"].as_str().expect("token").to_owned()
}

/// A code that is not `code` (same length, last digit changed).
fn wrong(code: &str) -> String {
    let last = code.chars().last().unwrap().to_digit(10).unwrap();
    format!("{}{}", &code[..5], (last + 1) % 10)
}

async fn booking_without_a_good_token_is_refused_and_with_one_goes_through(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| verifying(c, &file)).await;
    let (_, privacy) = app.get("/api/v1/privacy").await;
    assert_eq!(privacy["verify_phones"], true, "the forms are told");
    let first = app.session(SessionSpec::default()).await;
    let second = app.session(SessionSpec::default()).await;

    for token in [
        None,
        Some(""),
        Some("not-a-token"),
        Some(&"ab".repeat(32)[..]),
    ] {
        let (status, refused) = app
            .post("/api/v1/bookings", &booking(first, PHONE, token))
            .await;
        assert_eq!(status, 422, "{token:?}: {refused}");
        assert_eq!(code_field(&refused), "phone_code_required", "{refused}");
    }
    assert_eq!(app.confirmed_people_in_db(first).await, 0);

    let token = verified(&app, &file, PHONE).await;
    // Another phone's token proves nothing for this one.
    let (status, refused) = app
        .post(
            "/api/v1/bookings",
            &booking(first, "13900139000", Some(&token)),
        )
        .await;
    assert_eq!((status, code_field(&refused)), (422, "phone_code_required"));

    let (status, booked) = app
        .post("/api/v1/bookings", &booking(first, PHONE, Some(&token)))
        .await;
    assert_eq!(status, 201, "{booked}");
    // A second booking within ten minutes needs no second code.
    let (status, again) = app
        .post("/api/v1/bookings", &booking(second, PHONE, Some(&token)))
        .await;
    assert_eq!(status, 201, "{again}");

    // Sample registration asks the same.
    let quick = app.session(quick_test()).await;
    let (status, refused) = app
        .post("/api/v1/samples", &registration(quick, PHONE, &["celery"]))
        .await;
    assert_eq!((status, code_field(&refused)), (422, "phone_code_required"));
    let mut with_token = registration(quick, PHONE, &["celery"]);
    with_token["phone_token"] = json!(token);
    let (status, samples) = app.post("/api/v1/samples", &with_token).await;
    assert_eq!(status, 201, "{samples}");

    // Neither the phone nor the code is stored in the clear.
    let code = texted_code(&file, PHONE).await;
    let clear = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM phone_codes WHERE phone_hash LIKE '%{PHONE}%' \
             OR code_hash LIKE '%{code}%' OR token_hash = '{token}'"
        ))
        .await;
    assert_eq!(clear, 0);
}

async fn a_retry_with_a_newer_token_answers_the_first_booking(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| verifying(c, &file)).await;
    let session = app.session(SessionSpec::default()).await;
    let key = "retry-after-the-token-expired";
    let first = verified(&app, &file, PHONE).await;
    let (status, booked) = book_with_key(&app, session, key, Some(&first)).await;
    assert_eq!(status, 201, "{booked}");

    // The answer was lost and the token has gone meanwhile: a new code, a new token, the
    // same key. Still the same request: the first booking, not a second or a mismatch.
    tokio::time::sleep(std::time::Duration::from_secs(61)).await;
    assert_eq!(ask_code(&app, PHONE).await.0, 202);
    let code = nth_texted_code(&file, PHONE, 2).await;
    let (status, token) = check(&app, PHONE, &code).await;
    assert_eq!(status, 200, "{token}");
    let second = token["token"].as_str().expect("token").to_owned();
    assert_ne!(first, second);
    let (status, again) = book_with_key(&app, session, key, Some(&second)).await;
    assert!(status == 200 || status == 201, "{status}: {again}");
    assert_eq!(again["code"], booked["code"], "{again}");
    assert_eq!(app.confirmed_people_in_db(session).await, 1);
    // A retry still needs a good token.
    let (status, refused) = book_with_key(&app, session, key, None).await;
    assert_eq!((status, code_field(&refused)), (422, "phone_code_required"));
}

async fn the_sixth_try_is_refused_even_when_right(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| verifying(c, &file)).await;
    assert_eq!(ask_code(&app, PHONE).await.0, 202);
    let code = texted_code(&file, PHONE).await;
    for left in (0..5).rev() {
        let (status, refused) = check(&app, PHONE, &wrong(&code)).await;
        assert_eq!((status, code_field(&refused)), (422, "phone_code_wrong"));
        let said = refused["message"].as_str().unwrap();
        assert!(said.contains(&format!("{left} tries left")), "{said}");
    }
    let (status, refused) = check(&app, PHONE, &code).await;
    assert_eq!(
        (status, code_field(&refused)),
        (422, "phone_code_expired"),
        "the right code on the sixth try: {refused}"
    );
    // Nor can a right code be used twice.
    let (_dir2, file2) = message_file();
    let other = TestApp::spawn_with(db, |c| verifying(c, &file2)).await;
    assert_eq!(ask_code(&other, PHONE).await.0, 202);
    let code = texted_code(&file2, PHONE).await;
    assert_eq!(check(&other, PHONE, &code).await.0, 200);
    let (status, refused) = check(&other, PHONE, &code).await;
    assert_eq!((status, code_field(&refused)), (422, "phone_code_expired"));
}

async fn a_second_code_within_a_minute_is_refused(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| verifying(c, &file)).await;
    let (status, sent) = ask_code(&app, PHONE).await;
    assert_eq!(status, 202);
    assert_eq!(
        (
            sent["resend_after_secs"].as_u64(),
            sent["expires_in_secs"].as_u64()
        ),
        (Some(60), Some(300))
    );
    let r = app
        .http
        .post(format!("{}/api/v1/phone-codes", app.url))
        .json(&json!({"phone": PHONE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let refused: Value = r.json().await.unwrap();
    assert_eq!(code_field(&refused), "phone_code_too_soon");

    // Ten at once for another phone: one code goes out.
    let other = "13700137000";
    let answers = futures::future::join_all((0..10).map(|_| ask_code(&app, other))).await;
    let sent = answers.iter().filter(|(s, _)| *s == 202).count();
    assert_eq!(sent, 1, "{answers:?}");
    texted_code(&file, other).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let texts = delivered(&file)
        .into_iter()
        .filter(|m| m["phone"] == other)
        .count();
    assert_eq!(texts, 1);
    // A bad number is a field error, and sends nothing.
    let (status, refused) = ask_code(&app, "12345").await;
    assert_eq!(
        (status, refused["fields"]["phone"].as_str()),
        (422, Some("phone_invalid"))
    );
}

async fn a_code_expires_and_its_traces_are_purged(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| {
        verifying(c, &file);
        c.phone_codes.phone_code_lifetime_secs = 2;
    })
    .await;
    assert_eq!(ask_code(&app, PHONE).await.0, 202);
    let code = texted_code(&file, PHONE).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (status, refused) = check(&app, PHONE, &code).await;
    assert_eq!((status, code_field(&refused)), (422, "phone_code_expired"));

    let purged = app
        .storage
        .purge_phone_codes(Utc::now().naive_utc())
        .await
        .unwrap();
    assert!(purged >= 2, "the code's row and its message: {purged}");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM phone_codes").await, 0);
    let left = app
        .db
        .scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'verification_code' \
             AND (phone IS NOT NULL OR text <> '' OR params <> '[]')",
        )
        .await;
    assert_eq!(left, 0, "the texted code is gone from the outbox");

    // A code asked for once the table is empty again is texted too: its message is a new
    // one, never taken for the purged code's.
    let other = "13900139000";
    assert_eq!(ask_code(&app, other).await.0, 202);
    let again = texted_code(&file, other).await;
    assert_eq!(again.len(), 6, "{again}");
}

async fn one_client_address_reaches_its_limit(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| {
        verifying(c, &file);
        c.phone_codes.phone_codes_per_client_hour = 3;
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1,::1").unwrap();
    })
    .await;
    let from = |ip: &'static str, phone: String| {
        let request = app
            .http
            .post(format!("{}/api/v1/phone-codes", app.url))
            .header("x-forwarded-for", ip)
            .json(&json!({ "phone": phone }));
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    for i in 0..3 {
        let (status, _) = from("203.0.113.7", format!("1380013800{i}")).await;
        assert_eq!(status, 202);
    }
    let (status, refused) = from("203.0.113.7", "13800138009".into()).await;
    assert_eq!((status, code_field(&refused)), (429, "phone_code_limit"));
    // Refused by the client's limit, the phone's minute did not start.
    let (status, _) = from("203.0.113.8", "13800138009".into()).await;
    assert_eq!(status, 202, "another client, the same phone");
}

async fn a_verified_phone_finds_every_booking_and_sample(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| verifying(c, &file)).await;
    let token = verified(&app, &file, PHONE).await;
    let (a, b) = (
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
    );
    let mut codes = Vec::new();
    for s in [a, b] {
        let (status, booked) = app
            .post("/api/v1/bookings", &booking(s, PHONE, Some(&token)))
            .await;
        assert_eq!(status, 201);
        codes.push(booked["code"].as_str().unwrap().to_owned());
    }
    let other = verified(&app, &file, "13900139000").await;
    let (status, _) = app
        .post("/api/v1/bookings", &booking(a, "13900139000", Some(&other)))
        .await;
    assert_eq!(status, 201);
    let quick = app.session(quick_test()).await;
    let mut sample = registration(quick, PHONE, &["celery", "spinach"]);
    sample["phone_token"] = json!(token);
    let (status, samples) = app.post("/api/v1/samples", &sample).await;
    assert_eq!(status, 201, "{samples}");

    let find = |token: &str| json!({"phone": PHONE, "phone_token": token});
    let (status, refused) = app
        .post("/api/v1/phone-codes/holdings", &find(&other))
        .await;
    assert_eq!((status, code_field(&refused)), (422, "phone_code_required"));

    let (status, found) = app
        .post("/api/v1/phone-codes/holdings", &find(&token))
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["phone_masked"], "138****8000");
    let listed: Vec<&str> = found["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [codes[1].as_str(), codes[0].as_str()],
        "newest first, only this phone's"
    );
    // The same view as the code and phone lookup.
    let (_, looked_up) = app.lookup(&codes[0], PHONE).await;
    assert_eq!(found["bookings"][1], looked_up);
    let found_samples = found["samples"].as_array().unwrap();
    assert_eq!(found_samples.len(), 2);
    assert!(found_samples.iter().all(|s| samples
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == s["code"])));
    assert!(!found.to_string().contains(PHONE), "the phone only masked");
}

async fn off_by_default_nothing_changes(db: Db) {
    let app = TestApp::spawn(db).await;
    let (_, privacy) = app.get("/api/v1/privacy").await;
    assert_eq!(privacy["verify_phones"], false);
    let session = app.session(SessionSpec::default()).await;
    let (status, _) = app
        .post("/api/v1/bookings", &booking(session, PHONE, None))
        .await;
    assert_eq!(status, 201);
    let (status, _) = ask_code(&app, "13900139000").await;
    assert_eq!(status, 404);
    // And verification cannot be switched on without a provider that delivers.
    let test_db = crate::helpers::TestDb::create(db).await;
    let mut config = test_db.config();
    config.phone_codes.verify_phones = true;
    let refused = labday_server::startup::start(&config)
        .await
        .err()
        .expect("refused");
    assert!(refused.to_string().contains("--verify-phones"), "{refused}");
}

crate::on_both_databases!(
    booking_without_a_good_token_is_refused_and_with_one_goes_through,
    a_retry_with_a_newer_token_answers_the_first_booking,
    the_sixth_try_is_refused_even_when_right,
    a_second_code_within_a_minute_is_refused,
    a_code_expires_and_its_traces_are_purged,
    one_client_address_reaches_its_limit,
    a_verified_phone_finds_every_booking_and_sample,
    off_by_default_nothing_changes,
);
