//! Guessing, tried as a guesser would: many wrong phones on one booking code, a burst of
//! parallel wrong passwords, wrong passwords from one address (which keep the holder out
//! nowhere else) or spread over many, two server instances on one database, a forged
//! `X-Forwarded-For`, unknown usernames timed against known ones, and a flood of bookings.

use crate::helpers::{header, Db, SessionSpec, TestApp, TestDb};
use crate::staff::{add_staff, PASSWORD};
use futures::future::join_all;
use labday_domain::staff::Role;
use labday_domain::BookingCode;
use labday_server::client::TrustedProxies;
use labday_server::config::Config;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// An answer with what a throttled caller must read: status, error code, `Retry-After`.
struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<u64>,
}

/// POSTs `body` to the server at `base`, optionally as if forwarded for `forwarded_for`.
async fn send(base: &str, path: &str, body: &Value, forwarded_for: Option<&str>) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(body);
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    let r = request.send().await.expect("POST");
    let status = r.status().as_u16();
    let retry_after = header(&r, "retry-after").and_then(|v| v.parse().ok());
    Answer {
        status,
        body: r.json().await.unwrap_or(Value::Null),
        retry_after,
    }
}

async fn lookup(app: &TestApp, code: &str, phone: &str) -> Answer {
    let body = json!({"code": code, "phone": phone});
    send(&app.url, "/api/v1/bookings/lookup", &body, None).await
}

async fn sign_in(base: &str, username: &str, password: &str) -> Answer {
    let body = json!({"username": username, "password": password});
    send(base, "/api/v1/staff/sign-in", &body, None).await
}

/// [`sign_in`] from `client`, named by the proxy an app of [`behind_a_proxy`] trusts.
async fn sign_in_from(base: &str, username: &str, password: &str, client: &str) -> Answer {
    let body = json!({"username": username, "password": password});
    send(base, "/api/v1/staff/sign-in", &body, Some(client)).await
}

/// An app behind a reverse proxy on the same machine: `X-Forwarded-For` names the client.
async fn behind_a_proxy(db: Db) -> TestApp {
    TestApp::spawn_with(db, |c| {
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1,::1").unwrap();
    })
    .await
}

fn assert_throttled(a: &Answer, window: u64) {
    assert_eq!(
        (a.status, a.body["code"].as_str()),
        (429, Some("too_many_requests")),
        "{}",
        a.body
    );
    assert!(
        a.retry_after.is_some_and(|s| (1..=window).contains(&s)),
        "Retry-After within the window: {:?}",
        a.retry_after
    );
}

/// A code no booking has (the alphabet has no `0`, `1`, `I`, `L`, `O`, `Z`: `from_random`
/// of distinct bytes gives distinct, well-formed codes).
fn unused_code(i: u8) -> String {
    BookingCode::from_random([i, 0, 0, 0, 1, 2, 3, 4])
        .as_str()
        .to_owned()
}

/// Looks up the [`unused_code`] `i` with a phone, sent with `X-Forwarded-For: forwarded_for`.
async fn look_up_unused(base: &str, i: u8, forwarded_for: &str) -> Answer {
    let body = json!({"code": unused_code(i), "phone": "13800138000"});
    send(base, "/api/v1/bookings/lookup", &body, Some(forwarded_for)).await
}

const WINDOW_SECONDS: u64 = 5;

async fn forty_wrong_phones_on_one_code_are_throttled_and_the_right_one_waits_too(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.throttle_window_seconds = WINDOW_SECONDS).await;
    let session = app.session(SessionSpec::default()).await;
    let (status, booking) = app.book(session, "13800138000", 2, 0).await;
    assert_eq!(status, 201, "{booking}");
    let code = booking["code"].as_str().unwrap().to_owned();

    let mut answers = Vec::new();
    for i in 0..40 {
        answers.push(lookup(&app, &code, &format!("1390013{i:04}")).await);
    }
    let missing = lookup(&app, &unused_code(7), "13800138000").await;
    assert!(
        answers[..5].iter().all(|a| a.status == 404),
        "typos are answered"
    );
    assert_eq!(
        answers[0].body, missing.body,
        "a wrong phone reads exactly like a missing code"
    );
    for a in &answers[5..] {
        assert_throttled(a, WINDOW_SECONDS);
    }

    // The right phone waits with everyone else: the throttle cannot tell who is guessing.
    let right = lookup(&app, &code, "13800138000").await;
    assert_throttled(&right, WINDOW_SECONDS);
    let cancel = app.cancel(&code, "13800138000").await;
    assert_eq!(cancel.0, 429, "{}", cancel.1);
    tokio::time::sleep(Duration::from_secs(
        right.retry_after.unwrap_or(WINDOW_SECONDS),
    ))
    .await;
    let right = lookup(&app, &code, "13800138000").await;
    assert_eq!(right.status, 200, "the window passed: {}", right.body);
    assert_eq!(right.body["status"], "confirmed", "nothing was cancelled");
}

async fn cancellations_count_against_the_code_like_lookups(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session(SessionSpec::default()).await;
    let (_, booking) = app.book(session, "13800138000", 1, 0).await;
    let code = booking["code"].as_str().unwrap().to_owned();
    for i in 0..3 {
        let (status, _) = app.cancel(&code, &format!("1390013{i:04}")).await;
        assert_eq!(status, 404);
    }
    for i in 0..2 {
        assert_eq!(
            lookup(&app, &code, &format!("1370013{i:04}")).await.status,
            404
        );
    }
    let (status, err) = app.cancel(&code, "13800138000").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (429, Some("too_many_requests"))
    );
    assert_eq!(app.confirmed_people_in_db(session).await, 1, "still booked");
}

async fn twenty_parallel_wrong_passwords_get_at_most_five_checks(db: Db) {
    let app = TestApp::spawn(db).await;
    add_staff(&app, "chief", Role::Organiser, None).await;
    let answers = join_all((0..20).map(|i| {
        let app = &app;
        async move { sign_in(&app.url, "chief", &format!("wrong-password-{i}")).await }
    }))
    .await;
    let checked = answers.iter().filter(|a| a.status == 401).count();
    let throttled: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    assert_eq!(
        (checked, throttled.len()),
        (5, 15),
        "five checks, the rest refused before argon2"
    );
    for a in throttled {
        assert_throttled(a, 900);
    }
    assert_eq!(sign_in(&app.url, "chief", PASSWORD).await.status, 429);
}

/// Five wrong passwords from one address pause that address for the account, and only it:
/// the holder signs in from another address at once, which leaves the guesser paused.
async fn wrong_passwords_from_one_address_do_not_keep_the_holder_out_elsewhere(db: Db) {
    let app = behind_a_proxy(db).await;
    add_staff(&app, "chief", Role::Organiser, None).await;
    let guesser = "203.0.113.66";
    for i in 0..5 {
        let a = sign_in_from(&app.url, "chief", &format!("wrong-password-{i}"), guesser).await;
        assert_eq!(a.status, 401, "{}", a.body);
    }
    let paused = sign_in_from(&app.url, "chief", PASSWORD, guesser).await;
    assert_throttled(&paused, 900);
    let holder = sign_in_from(&app.url, "chief", PASSWORD, "198.51.100.7").await;
    assert_eq!(holder.status, 200, "the holder elsewhere: {}", holder.body);
    let paused = sign_in_from(&app.url, "chief", PASSWORD, guesser).await;
    assert_throttled(&paused, 900);
}

/// Guessing spread over many addresses stays bounded: a hundred wrong passwords for one
/// account within the window, five from each of twenty addresses (as far as each may go),
/// are answered; then the account pauses at every address, for the right password too. On
/// SQLite alone: a hundred argon2 checks are long, and the rule is the same on both
/// databases (the statement counting it is tested on both above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_spread_over_many_addresses_pause_the_account_everywhere() {
    let app = behind_a_proxy(Db::Sqlite).await;
    add_staff(&app, "chief", Role::Organiser, None).await;
    let answers = join_all((1..=20).map(|i| {
        let app = &app;
        async move {
            let mut statuses = Vec::new();
            for n in 0..5 {
                let wrong = format!("wrong-password-{n}");
                let client = format!("203.0.113.{i}");
                statuses.push(
                    sign_in_from(&app.url, "chief", &wrong, &client)
                        .await
                        .status,
                );
            }
            statuses
        }
    }))
    .await;
    let checked = answers.iter().flatten().filter(|s| **s == 401).count();
    assert_eq!(checked, 100, "every guess answered: {answers:?}");
    let another = sign_in_from(&app.url, "chief", "wrong-password", "198.51.100.1").await;
    assert_throttled(&another, 900);
    let holder = sign_in_from(&app.url, "chief", PASSWORD, "198.51.100.2").await;
    assert_throttled(&holder, 900);
}

async fn a_forged_forwarded_for_does_not_change_the_client(db: Db) {
    // Misses on 30 different codes from one address pause that address, whatever the codes;
    // a caller that is not a trusted proxy cannot escape by naming other addresses.
    let app = TestApp::spawn(db).await;
    for i in 0..30 {
        let a = look_up_unused(&app.url, i, &format!("203.0.113.{i}")).await;
        assert_eq!(a.status, 404, "{}", a.body);
    }
    let a = look_up_unused(&app.url, 99, "198.51.100.7").await;
    assert_throttled(&a, 900);
    let a = send(
        &app.url,
        "/api/v1/samples/lookup",
        &json!({"code": unused_code(98), "phone_last4": "8000"}),
        None,
    )
    .await;
    assert_throttled(&a, 900);
}

async fn a_trusted_proxy_names_the_client(db: Db) {
    let app = TestApp::spawn_with(db, |c| {
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1,::1").unwrap();
    })
    .await;
    for i in 0..30 {
        let a = look_up_unused(&app.url, i, "203.0.113.5").await;
        assert_eq!(a.status, 404, "{}", a.body);
    }
    // A client in front of the proxy forged the left entry; the proxy appended the truth.
    let a = look_up_unused(&app.url, 99, "10.9.9.9, 203.0.113.5").await;
    assert_throttled(&a, 900);
    let a = look_up_unused(&app.url, 99, "203.0.113.6").await;
    assert_eq!(a.status, 404, "another client behind the proxy: {}", a.body);
}

/// The keys in the `throttles` table.
async fn stored_keys(db: &TestDb) -> Vec<String> {
    const SQL: &str = "SELECT key_digest FROM throttles ORDER BY key_digest";
    crate::on_connection!(db, |conn| sqlx::query_scalar(SQL)
        .fetch_all(&mut conn)
        .await
        .expect("keys"))
}

async fn the_table_holds_digests_counts_atomically_and_sweeps_what_expired(db: Db) {
    let app = TestApp::spawn(db).await;
    let code = unused_code(1);
    assert_eq!(lookup(&app, &code, "13800138000").await.status, 404);
    let keys = stored_keys(&app.db).await;
    assert_eq!(
        keys.len(),
        3,
        "the code (its window and its day) and the client"
    );
    for key in &keys {
        assert!(key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!key.contains(&code) && !key.contains("127.0.0.1"));
    }

    // The statement behind every throttle: counts up to one past the limit, then holds;
    // a new window starts when the old one has passed; a success gives its attempt back.
    let s = &app.storage;
    let now = 1_000_000;
    let mut counts = Vec::new();
    for _ in 0..4 {
        counts.push(
            s.count_attempt("k", None, 2, 1000, now)
                .await
                .unwrap()
                .attempts,
        );
    }
    assert_eq!(counts, [1, 2, 3, 3]);
    let later = s
        .count_attempt("k", None, 2, 1000, now + 1000)
        .await
        .unwrap();
    assert_eq!((later.attempts, later.window_ends_ms), (1, now + 2000));
    s.release_attempt("k").await.unwrap();
    s.release_attempt("k").await.unwrap();
    assert_eq!(
        s.count_attempt("k", None, 2, 1000, now + 1001)
            .await
            .unwrap()
            .attempts,
        1
    );
    assert_eq!(
        s.sweep_attempts(now + 2000).await.unwrap(),
        1,
        "only the expired key"
    );
    assert_eq!(stored_keys(&app.db).await.len(), 3);
}

/// The SHA-256 of a throttle's scope and key, as the table held them before they were keyed.
fn plain_digest(scope: &str, key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest([scope.as_bytes(), &[0], key.as_bytes()].concat());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The table alone does not say who asked: a client's address (or a code, or a username)
/// is kept as a hash keyed with the server secret, never as the plain digest of its scope
/// and text that trying the 2^32 IPv4 addresses would undo.
async fn the_table_keeps_no_plain_digest_of_an_address_a_code_or_a_username(db: Db) {
    let app = TestApp::spawn(db).await;
    add_staff(&app, "lab-a", Role::LabStaff, None).await;
    let code = unused_code(2);
    assert_eq!(lookup(&app, &code, "13800138000").await.status, 404);
    assert_eq!(
        sign_in(&app.url, "lab-a", "not-the-password").await.status,
        401
    );
    let stored = stored_keys(&app.db).await;
    assert_eq!(
        stored.len(),
        6,
        "code twice (its window and its day), username, username from the client and the \
         client twice: {stored:?}"
    );
    for (scope, key) in [
        ("lookup/client", "127.0.0.1"),
        ("sign-in/client", "127.0.0.1"),
        ("booking/code", code.as_str()),
        ("booking/code-day", code.as_str()),
        ("sign-in/account", "lab-a"),
        ("sign-in/account-client", "lab-a\u{0}127.0.0.1"),
    ] {
        assert!(
            !stored.contains(&plain_digest(scope, key)),
            "{scope} {key} is stored as its plain SHA-256"
        );
    }
}

/// The plain digests an earlier build counted under go at the upgrade (migration 0017): they
/// would never match a keyed attempt again, and they name who asked.
async fn plain_digests_from_before_the_upgrade_are_dropped(db: Db) {
    let test_db = TestDb::create(db).await;
    test_db.open_storage().await;
    let plain = plain_digest("lookup/client", "203.0.113.7");
    test_db
        .execute(&format!(
            "INSERT INTO throttles (key_digest, attempts, window_ends) VALUES ('{plain}', 3, {})",
            i64::MAX
        ))
        .await;
    test_db
        .execute("DELETE FROM _sqlx_migrations WHERE version = 17")
        .await;
    test_db.open_storage().await;
    assert_eq!(stored_keys(&test_db).await, Vec::<String>::new());
}

/// A guesser who waits out the window each time still gets only twenty misses a day on one
/// code: the 10,000 numbers a masked phone leaves open take years, not weeks. Misses from
/// several addresses count together; the right phone waits as well.
async fn one_code_takes_twenty_misses_a_day_whatever_the_windows(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.throttle_window_seconds = 1).await;
    let session = app.session(SessionSpec::default()).await;
    let (status, booking) = app.book(session, "13800138000", 1, 0).await;
    assert_eq!(status, 201, "{booking}");
    let code = booking["code"].as_str().unwrap().to_owned();
    let mut tried = 0;
    for round in 0..4 {
        for _ in 0..5 {
            let miss = lookup(&app, &code, &format!("1390013{tried:04}")).await;
            assert_eq!(miss.status, 404, "round {round}: {}", miss.body);
            tried += 1;
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let over = lookup(&app, &code, "13900139999").await;
    assert_eq!(over.status, 429, "{}", over.body);
    assert!(
        over.retry_after.is_some_and(|s| s > 3600),
        "until the day is over: {:?}",
        over.retry_after
    );
    let right = lookup(&app, &code, "13800138000").await;
    assert_eq!(right.status, 429, "{}", right.body);
}

crate::on_both_databases!(
    one_code_takes_twenty_misses_a_day_whatever_the_windows,
    the_table_keeps_no_plain_digest_of_an_address_a_code_or_a_username,
    plain_digests_from_before_the_upgrade_are_dropped,
    the_table_holds_digests_counts_atomically_and_sweeps_what_expired,
    forty_wrong_phones_on_one_code_are_throttled_and_the_right_one_waits_too,
    cancellations_count_against_the_code_like_lookups,
    twenty_parallel_wrong_passwords_get_at_most_five_checks,
    wrong_passwords_from_one_address_do_not_keep_the_holder_out_elsewhere,
    a_forged_forwarded_for_does_not_change_the_client,
    a_trusted_proxy_names_the_client,
);

/// A second server process, as far as the throttle can tell (its own state, the same
/// database): where it serves.
async fn second_instance(db: &TestDb) -> String {
    let config = Config::for_tests(db.url(), std::env::temp_dir().join("labday-no-dist"));
    let (running, _handle) = labday_server::startup::start(&config)
        .await
        .expect("second instance starts");
    format!("http://{}", running.addr)
}

async fn two_instances_on_one_database_share_the_sign_in_count(db: Db) {
    let a = TestApp::spawn(db).await;
    let b = second_instance(&a.db).await;
    add_staff(&a, "chief", Role::Organiser, None).await;
    for (url, n) in [(&a.url, 3), (&b, 2)] {
        for _ in 0..n {
            assert_eq!(sign_in(url, "chief", "wrong-password").await.status, 401);
        }
    }
    for url in [&a.url, &b] {
        let sixth = sign_in(url, "chief", PASSWORD).await;
        assert_throttled(&sixth, 900);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_username_takes_as_long_as_a_known_one() {
    let app = TestApp::spawn(Db::Sqlite).await;
    add_staff(&app, "chief", Role::Organiser, None).await;
    let mut known = Duration::ZERO;
    let mut unknown = Duration::ZERO;
    for i in 0..2 {
        let started = Instant::now();
        assert_eq!(
            sign_in(&app.url, "chief", "wrong-password").await.status,
            401
        );
        known += started.elapsed();
        let started = Instant::now();
        let a = sign_in(&app.url, &format!("nobody-{i}"), "wrong-password").await;
        assert_eq!(a.status, 401);
        unknown += started.elapsed();
    }
    // Both pay one argon2 check (and the same pause); only a skipped check makes the
    // unknown name markedly faster (a tenth of the time in this unoptimised build). The
    // margin is wide because other tests' checks share the cores.
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    assert!(
        ratio > 0.4,
        "unknown {unknown:?} vs known {known:?}: a missing account must cost a check too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_and_registrations_share_a_per_client_rate() {
    let app = TestApp::spawn_with(Db::Sqlite, |c| {
        c.booking_rate_per_minute = 3;
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1,::1").unwrap();
    })
    .await;
    let session = app.session(SessionSpec::default()).await;
    let book = |phone: &str, client: &'static str| {
        let body = json!({"session_id": session, "name": "张三", "phone": phone, "adults": 1, "children": 0, "consent": true});
        let app = &app;
        async move { send(&app.url, "/api/v1/bookings", &body, Some(client)).await }
    };
    for phone in ["13800138001", "13800138002", "13800138003"] {
        assert_eq!(book(phone, "203.0.113.1").await.status, 201);
    }
    let refused = book("13800138004", "203.0.113.1").await;
    assert_throttled(&refused, 60);
    let quick = app
        .session_with(|spec| spec.format = labday_domain::SessionFormat::QuickTest)
        .await;
    let sample = json!({"variety": "spinach", "variety_other": "", "bought_at": "青山湖农贸市场", "bought_on": crate::helpers::now().date()});
    let samples = json!({"session_id": quick, "name": "王芳", "phone": "13800138005", "consent": true, "samples": [sample]});
    let a = send(&app.url, "/api/v1/samples", &samples, Some("203.0.113.1")).await;
    assert_throttled(&a, 60);
    assert_eq!(
        book("13800138004", "203.0.113.2").await.status,
        201,
        "another client is not held up"
    );
    assert_eq!(app.confirmed_people_in_db(session).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_trusted_proxy_may_say_the_request_came_over_https() {
    for (trusted, secure) in [("", false), ("127.0.0.1,::1", true)] {
        let app = TestApp::spawn_with(Db::Sqlite, |c| {
            c.trusted_proxies = TrustedProxies::parse(trusted).unwrap();
        })
        .await;
        add_staff(&app, "chief", Role::Organiser, None).await;
        let r = app
            .http
            .post(format!("{}/api/v1/staff/sign-in", app.url))
            .header("x-forwarded-proto", "https")
            .json(&json!({"username": "chief", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert_eq!(
            cookie.contains("Secure"),
            secure,
            "trusted {trusted:?}: {cookie}"
        );
    }
}

crate::on_postgres_only!(two_instances_on_one_database_share_the_sign_in_count);
