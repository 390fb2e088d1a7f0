//! Messages to citizens through the outbox, on both databases, with the `log` provider
//! writing each delivered message to a temporary file: every kind arrives with its text in
//! the language the citizen booked in; a waiting holder hears of a promotion within seconds;
//! reminders go once per booking even from two server processes; a message committed
//! before the server was killed is delivered once after a restart; erasure takes phone and
//! text out of the outbox. And the follow-ups: a reminder is withdrawn when its booking is
//! cancelled or moved or its session cancelled, and skipped when the booking was confirmed
//! inside its window; a message being sent is not expired under its sender; a retry waits
//! out the quiet hours.

use crate::helpers::{now, session_body, Db, SessionSpec, TestApp, TestDb};
use crate::reschedule::reschedule;
use crate::samples::{quick_test, registration, tested_negative};
use crate::scale_out::Instance;
use crate::staff::{add_staff, call, expect_call, sign_in, PASSWORD};
use chrono::Duration;
use labday_domain::staff::Role;
use labday_server::config::Config;
use labday_server::sms::ProviderKind;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The messages the `log` provider has written so far: its complete lines. A read can
/// meet a line a server is still appending (the write is one call, but a read beside it
/// may see part of it), which counts once its newline is there.
pub(crate) fn delivered(file: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// How many delivered messages are of `kind`.
fn delivered_of_kind(file: &Path, kind: &str) -> usize {
    delivered(file).iter().filter(|m| m["kind"] == kind).count()
}

/// Waits up to `secs` for a delivered message that `wanted` picks; panics with what came.
pub(crate) async fn arrives(file: &Path, secs: u64, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(m) = delivered(file).into_iter().find(|m| wanted(m)) {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no such message within {secs} s; delivered: {:?}",
            delivered(file)
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub(crate) fn of_kind<'a>(kind: &'a str, phone: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |m| m["kind"] == kind && m["phone"] == phone
}

/// Staff save `body` over the session at `path`, and the texts about changes come in until
/// there are `told` of them in all.
async fn change_until_told(
    app: &TestApp,
    file: &Path,
    (path, lab): (&str, Option<&str>),
    body: &Value,
    told: usize,
) {
    let (status, said) = call(app, "PUT", path, lab, Some(body.clone())).await;
    assert_eq!(status, 200, "{said}");
    arrives(file, 5, |_| {
        delivered_of_kind(file, "session_changed") >= told
    })
    .await;
}

/// 14:00 three days on, a session's new start its holders are told of.
fn two_pm_in_three_days() -> chrono::NaiveDateTime {
    let day = (now() + Duration::days(3)).date();
    day.and_hms_opt(14, 0, 0).expect("a time of day")
}

/// The log provider writing to `file`, a quick dispatcher, reminders off unless asked.
pub(crate) fn log_to(config: &mut Config, file: &Path) {
    config.sms.provider = ProviderKind::Log;
    config.sms.sms_log_file = Some(file.to_owned());
    config.messages.outbox_poll_ms = 100;
    config.messages.reminder_hours_before = 0;
}

pub(crate) fn message_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sms.jsonl");
    (dir, file)
}

/// The cookie of lab staff of `session`'s organisation, signed in.
async fn lab_staff(app: &TestApp, session: i64) -> Option<String> {
    let org = app.storage.session_organisation(session).await.unwrap();
    add_staff(app, "lab-a", Role::LabStaff, org).await;
    sign_in(app, "lab-a", PASSWORD).await.2
}

fn booking(session: i64, phone: &str, lang: Option<&str>) -> Value {
    let mut body = json!({"session_id": session, "name": "张三", "phone": phone, "adults": 1, "consent": true});
    if let Some(lang) = lang {
        body["lang"] = json!(lang);
    }
    body
}

/// Books one adult with `phone` on `session`, in `lang` when given (the app's default else).
async fn book_in(app: &TestApp, session: i64, phone: &str, lang: Option<&str>) -> (u16, Value) {
    app.post("/api/v1/bookings", &booking(session, phone, lang))
        .await
}

async fn each_kind_arrives_with_its_text_in_the_booking_language(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let session = app.session(SessionSpec::sized(1, 1)).await;
    let lab = lab_staff(&app, session).await;
    let lab = lab.as_deref();

    // Chinese by default: the confirmation with the code.
    let (status, zh) = book_in(&app, session, "13800138000", None).await;
    assert_eq!((status, zh["status"].as_str()), (201, Some("confirmed")));
    let zh_code = zh["code"].as_str().unwrap();
    let m = arrives(&file, 10, of_kind("booking_confirmed", "13800138000")).await;
    assert_eq!(m["lang"], "zh");
    let text = m["text"].as_str().unwrap();
    assert!(text.starts_with("预约成功：测试开放日，"), "{text}");
    assert!(text.contains(zh_code), "{text}");

    // English, waiting: nothing yet; promoted when the first cancels, within seconds.
    let (_, en) = book_in(&app, session, "13900139000", Some("en")).await;
    assert_eq!(en["status"], "waitlisted", "{en}");
    let en_code = en["code"].as_str().unwrap();
    let (status, _) = app.cancel(zh_code, "13800138000").await;
    assert_eq!(status, 200);
    let m = arrives(&file, 5, of_kind("waitlist_promoted", "13900139000")).await;
    assert_eq!(m["lang"], "en");
    let text = m["text"].as_str().unwrap();
    assert!(
        text.starts_with("A place freed up and you are booked: Test open day, ")
            && text.contains(en_code),
        "{text}"
    );
    assert_eq!(
        delivered(&file)
            .iter()
            .filter(|m| m["phone"] == "13900139000")
            .count(),
        1,
        "a waiting booking gets no confirmation of its own"
    );

    // Staff move the session: the live holder hears of the new time and place.
    let starts = two_pm_in_three_days();
    let mut moved = session_body(starts, now() - Duration::days(1));
    moved["place"] = json!({"zh": "三楼", "en": "Second floor"});
    moved["capacity"] = json!(1);
    moved["per_booking_limit"] = json!(1);
    let path = format!("/api/v1/staff/sessions/{session}");
    let (status, body) = call(&app, "PUT", &path, lab, Some(moved.clone())).await;
    assert_eq!(status, 200, "{body}");
    let m = arrives(&file, 5, of_kind("session_changed", "13900139000")).await;
    let text = m["text"].as_str().unwrap();
    let when = starts.format("%-d %b 14:00").to_string();
    assert!(
        text.contains(&when) && text.contains("Second floor") && text.contains(en_code),
        "{text}"
    );
    // The same details again change nothing, and tell nobody.
    let (status, _) = call(&app, "PUT", &path, lab, Some(moved)).await;
    assert_eq!(status, 200);

    // Staff cancel it: every live holder is told.
    let path = format!("/api/v1/staff/sessions/{session}/cancel");
    let (status, body) = call(&app, "POST", &path, lab, None).await;
    assert_eq!(status, 200, "{body}");
    let m = arrives(&file, 5, of_kind("session_cancelled", "13900139000")).await;
    assert_text_starts(&m, "Sorry: the organiser cancelled");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let changes = delivered_of_kind(&file, "session_changed");
    assert_eq!(changes, 1, "an unchanged time and place sends nothing");
    assert!(
        !delivered(&file)
            .iter()
            .any(|m| m["phone"] == "13800138000" && m["kind"] != "booking_confirmed"),
        "a cancelled booking hears nothing more"
    );

    // A quick-test result, in the language the vegetables were registered in (the session
    // on today: the lab receives samples from its day on).
    let point = app.session(quick_test()).await;
    app.starts_today(point).await;
    let mut body = registration(point, "13700137000", &["spinach"]);
    body["lang"] = json!("en");
    let (status, samples) = app.post("/api/v1/samples", &body).await;
    assert_eq!(status, 201, "{samples}");
    let code = samples[0]["code"].as_str().unwrap();
    tested_negative(&app, lab, point, code).await;
    let m = arrives(&file, 5, of_kind("sample_result", "13700137000")).await;
    let text = m["text"].as_str().unwrap();
    assert!(
        text.contains(code) && text.contains("Spinach") && text.contains("negative"),
        "{text}"
    );

    // Every message went once, and the outbox says each was sent.
    let sent = outbox_rows(&app.db, "status = 'sent'").await;
    assert_eq!(sent, delivered(&file).len() as i64);
    assert_eq!(sent, 5);
}

/// A session taken online, or given another join link, is news to its holders as a new
/// time or place is: each change sends one message, which says where to go.
async fn a_session_taken_online_tells_its_holders(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let session = app.session(SessionSpec::sized(4, 2)).await;
    let lab = lab_staff(&app, session).await;
    let lab = lab.as_deref();
    let (status, booked) = book_in(&app, session, "13800138000", Some("en")).await;
    assert_eq!(status, 201, "{booked}");
    let path = format!("/api/v1/staff/sessions/{session}");
    let starts = two_pm_in_three_days();
    let on_site = session_body(starts, now() - Duration::days(1));
    let (status, body) = call(&app, "PUT", &path, lab, Some(on_site.clone())).await;
    assert_eq!(status, 200, "{body}");
    arrives(&file, 5, of_kind("session_changed", "13800138000")).await;

    // A later end only: the message never gave it, so nobody is told.
    let mut longer = on_site.clone();
    longer["ends_at"] = json!(starts + Duration::hours(2));
    let (status, body) = call(&app, "PUT", &path, lab, Some(longer.clone())).await;
    assert_eq!(status, 200, "{body}");

    // The same time, now online (the room's name kept in the form): the holder hears it,
    // and not of the room.
    let mut online = longer.clone();
    online["format"] = json!("cloud_classroom");
    online["join_link"] = json!("https://meeting.example/room/1");
    let (status, body) = call(&app, "PUT", &path, lab, Some(online.clone())).await;
    assert_eq!(status, 200, "{body}");
    let changes = |n: usize| {
        let file = file.clone();
        async move {
            arrives(&file, 5, |_| {
                delivered_of_kind(&file, "session_changed") >= n
            })
            .await;
            let told: Vec<Value> = delivered(&file)
                .into_iter()
                .filter(|m| m["kind"] == "session_changed")
                .collect();
            told[n - 1]["text"].as_str().unwrap().to_owned()
        }
    };
    let text = changes(2).await;
    assert!(
        text.contains("online (the link is on your booking page)")
            && !text.contains("Ground floor")
            && text.contains(booked["code"].as_str().unwrap()),
        "{text}"
    );

    // Another link: told again. The same details once more: nobody is.
    online["join_link"] = json!("https://meeting.example/room/2");
    for _ in 0..2 {
        let (status, body) = call(&app, "PUT", &path, lab, Some(online.clone())).await;
        assert_eq!(status, 200, "{body}");
    }
    changes(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(delivered_of_kind(&file, "session_changed"), 3);
}

/// A session moved to a market: its holders are told where, the booking, the activity and
/// the calendar give the market's address instead of the organiser's, and moving it back
/// tells them again.
async fn a_session_held_at_a_market_gives_its_own_address_everywhere(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let session = app.session(SessionSpec::sized(4, 2)).await;
    let lab = lab_staff(&app, session).await;
    let lab = lab.as_deref();
    let (status, booked) = book_in(&app, session, "13800138000", None).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["code"].as_str().unwrap();
    let (_, organiser) = app.lookup(code, "13800138000").await;
    let organiser = organiser["address"].clone();
    let market = "青山湖大道8号 青山湖农贸市场";

    let path = format!("/api/v1/staff/sessions/{session}");
    let starts = two_pm_in_three_days();
    let mut held = session_body(starts, now() - Duration::days(1));
    let (status, body) = call(&app, "PUT", &path, lab, Some(held.clone())).await;
    assert_eq!(status, 200, "{body}");
    arrives(&file, 5, of_kind("session_changed", "13800138000")).await;
    // The same time and room, at the market: told, with the market in the text.
    held["address"] = json!({"zh": format!("  {market} "), "en": ""});
    change_until_told(&app, &file, (path.as_str(), lab), &held, 2).await;
    let told: Vec<String> = delivered(&file)
        .into_iter()
        .filter(|m| m["kind"] == "session_changed")
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    // The address is where to go: given in place of the room's name.
    assert!(told[1].contains(&format!("地点{market}，")), "{}", told[1]);

    let (_, view) = app.lookup(code, "13800138000").await;
    assert_eq!(view["address"], json!({"zh": market, "en": ""}), "{view}");
    assert_eq!(view["session"]["held_at"]["zh"], market);
    let (_, activity) = app
        .get(&format!("/api/v1/activities/{}", app.activity_id))
        .await;
    let listed = activity["sessions"].as_array().unwrap();
    let listed = listed.iter().find(|s| s["id"] == session).unwrap();
    assert_eq!(listed["held_at"]["zh"], market, "{listed}");
    assert_ne!(
        activity["address"]["zh"], market,
        "the organiser's stays its own"
    );
    let calendar = app
        .get_response(
            &format!("/api/v1/activities/{}/calendar.ics", app.activity_id),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    let calendar = labday_domain::calendar::unfold(&calendar);
    assert!(
        calendar.contains(&format!("LOCATION:一楼\\, {market}")),
        "{calendar}"
    );

    // Back at the organiser's: told again, and the booking gives its address once more.
    held["address"] = json!({"zh": "", "en": ""});
    change_until_told(&app, &file, (path.as_str(), lab), &held, 3).await;
    let (_, view) = app.lookup(code, "13800138000").await;
    assert_eq!(view["address"], organiser);
    assert!(view["session"].get("held_at").is_none(), "{view}");

    // An address in English only would be shown to nobody: refused, nothing changed.
    let mut english = session_body(starts, now() - Duration::days(1));
    english["address"] = json!({"zh": " ", "en": "8 Qingshanhu Ave"});
    let (status, body) = call(&app, "PUT", &path, lab, Some(english)).await;
    let refused: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 422, "{body}");
    assert_eq!(refused["fields"]["address"], "place_required", "{body}");
}

/// A change only one language shows (the English place put right) is told only to the
/// holders reading that language; one both show is told to all.
async fn a_change_only_english_shows_is_told_only_in_english(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let session = app.session(SessionSpec::sized(4, 2)).await;
    let lab = lab_staff(&app, session).await;
    let lab = lab.as_deref();
    let (zh, en) = ("13800138000", "13900139000");
    assert_eq!(book_in(&app, session, zh, None).await.0, 201);
    assert_eq!(book_in(&app, session, en, Some("en")).await.0, 201);
    let path = format!("/api/v1/staff/sessions/{session}");
    let starts = two_pm_in_three_days();
    let mut body = session_body(starts, now() - Duration::days(1));
    let staff = (path.as_str(), lab);
    change_until_told(&app, &file, staff, &body, 2).await;

    // Only the English name of the room: the Chinese text would read as before.
    body["place"] = json!({"zh": "一楼", "en": "Ground-floor hall"});
    let (status, said) = call(&app, "PUT", &path, lab, Some(body.clone())).await;
    assert_eq!(status, 200, "{said}");
    let told = arrives(&file, 5, |m| {
        of_kind("session_changed", en)(m) && m["text"].as_str().unwrap().contains("hall")
    })
    .await;
    assert!(
        told["text"].as_str().unwrap().contains("Ground-floor hall"),
        "{told}"
    );
    // Then a new room in both: everyone hears of it. By then the Chinese holder has heard
    // twice in all (the first change and this one), never of the English name.
    body["place"] = json!({"zh": "三楼", "en": "Second floor"});
    change_until_told(&app, &file, staff, &body, 5).await;
    let to = |phone: &str| {
        delivered(&file)
            .into_iter()
            .filter(|m| m["kind"] == "session_changed" && m["phone"] == phone)
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let chinese = to(zh);
    assert_eq!(chinese.len(), 2, "{chinese:?}");
    assert!(chinese[1].contains("三楼"), "{chinese:?}");
    assert_eq!(to(en).len(), 3);
    // Off to a market whose address has no English: both hear, and the English text names
    // the market in Chinese rather than the room it left.
    body["address"] = json!({"zh": "青山湖农贸市场东门", "en": ""});
    change_until_told(&app, &file, staff, &body, 7).await;
    let english = to(en);
    assert_eq!(english.len(), 4, "{english:?}");
    assert!(english[3].contains("青山湖农贸市场东门"), "{english:?}");
    assert!(!english[3].contains("Second floor"), "{english:?}");
}

async fn a_walk_in_with_a_phone_is_confirmed_and_one_without_is_not(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let session = app.session(SessionSpec::sized(4, 2)).await;
    // On today, so its door takes walk-ins, and starting at the day's last second: a
    // booking's texts are not sent once its session has begun.
    let last_second = now().date().and_hms_opt(23, 59, 59).unwrap();
    app.set_times(session, last_second, last_second + Duration::hours(1))
        .await;
    let lab = lab_staff(&app, session).await;
    let path = format!("/api/v1/staff/sessions/{session}/walk-ins");
    let with_phone = json!({"name": "王阿姨", "phone": "139 0013 9001", "adults": 1});
    let (status, _) = call(&app, "POST", &path, lab.as_deref(), Some(with_phone)).await;
    assert_eq!(status, 201);
    let (status, _) = call(
        &app,
        "POST",
        &path,
        lab.as_deref(),
        Some(json!({"adults": 1})),
    )
    .await;
    assert_eq!(status, 201);
    arrives(&file, 5, of_kind("walk_in_checked_in", "13900139001")).await;
    let rows = app.db.scalar("SELECT COUNT(*) FROM outbox").await;
    assert_eq!(rows, 1, "no phone, no message");
    // Already in: given the code, not sent to the door with it.
    let told = delivered(&file);
    let text = told[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("已现场登记并签到：") && !text.contains("凭码入场"),
        "{text}"
    );

    // Staff see who was told: the roster, and the summary's count.
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let path = format!("/api/v1/staff/sessions/{session}/roster");
        let (status, body) = call(&app, "GET", &path, lab.as_deref(), None).await;
        assert_eq!(status, 200, "{body}");
        let roster: Value = serde_json::from_str(&body).unwrap();
        statuses = roster
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["phone"].as_str().unwrap().to_owned(),
                    e["message"].clone(),
                )
            })
            .collect();
        if statuses.iter().any(|(_, m)| m == "sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    statuses.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        statuses,
        [
            (String::new(), Value::Null),
            ("13900139001".to_owned(), json!("sent"))
        ]
    );
    let (status, body) = call(&app, "GET", "/api/v1/staff/summary", lab.as_deref(), None).await;
    assert_eq!(status, 200, "{body}");
    let summary: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            &summary["overall"]["messages_sent"],
            &summary["overall"]["messages_failed"]
        ),
        (&json!(1), &json!(0)),
        "{summary}"
    );
    let (_, privacy) = app.get("/api/v1/privacy").await;
    assert_eq!(
        privacy["text_messages"], true,
        "the app says texts are sent"
    );
}

async fn without_a_provider_messages_stay_unsent_and_the_app_says_so(db: Db) {
    let app = TestApp::spawn(db).await;
    let (_, privacy) = app.get("/api/v1/privacy").await;
    assert_eq!(privacy["text_messages"], false, "{privacy}");
    let session = app.session(SessionSpec::default()).await;
    let (status, _) = app.book(session, "13800138000", 1, 0).await;
    assert_eq!(status, 201);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let pending = outbox_rows(&app.db, "status = 'pending' AND attempts = 0").await;
    assert_eq!(pending, 1, "written with the booking, never tried");
    // Nothing is on its way to anyone, so the roster shows no text "not sent yet".
    let lab = lab_staff(&app, session).await;
    let path = format!("/api/v1/staff/sessions/{session}/roster");
    let (status, body) = call(&app, "GET", &path, lab.as_deref(), None).await;
    assert_eq!(status, 200, "{body}");
    let roster: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(roster[0]["phone"], "13800138000", "{roster}");
    assert_eq!(roster[0]["message"], Value::Null, "{roster}");
}

async fn erasure_takes_phone_and_text_out_of_the_outbox(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let session = app.session(SessionSpec::default()).await;
    let (status, _) = app.book(session, "13800138000", 1, 0).await;
    assert_eq!(status, 201);
    arrives(&file, 5, of_kind("booking_confirmed", "13800138000")).await;
    // A provider's error that echoed the number, spaced as the digit scrub does not catch.
    app.sql("UPDATE outbox SET last_error = 'invalid number +86 138 0013 8000'")
        .await;
    let past = now() - Duration::days(40);
    app.set_times(session, past, past + Duration::hours(1))
        .await;
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    let left = outbox_rows(
        &app.db,
        "phone IS NOT NULL OR text <> '' OR params <> '[]' OR last_error IS NOT NULL",
    )
    .await;
    assert_eq!(left, 0, "no phone, text, parameters or provider error stay");
    let kept = outbox_rows(&app.db, "status = 'sent'").await;
    assert_eq!(kept, 1, "the delivery record stays, for the counts");
}

/// The server's command-line flags for the `log` provider writing to `file`.
fn log_flags(file: &Path, reminders: bool) -> Vec<String> {
    let mut flags: Vec<String> = ["--sms-provider", "log", "--outbox-poll-ms", "100"]
        .map(String::from)
        .into();
    flags.extend(["--sms-log-file".into(), file.display().to_string()]);
    if reminders {
        // Every booking below is due at once, whatever the hour of the test.
        flags.extend(
            [
                "--reminder-hours-before",
                "24",
                "--quiet-hours-from",
                "0",
                "--quiet-hours-until",
                "0",
                "--reminder-every-secs",
                "1",
            ]
            .map(String::from),
        );
    } else {
        flags.extend(["--reminder-hours-before".into(), "0".into()]);
    }
    flags
}

async fn a_message_committed_before_the_server_is_killed_is_delivered_once_after_restart(db: Db) {
    let test_db = TestDb::create(db).await;
    let session = test_db.add_session(SessionSpec::default()).await;
    let (_dir, file) = message_file();
    let http = reqwest::Client::new();

    // A provider that delivers nothing: the message is committed with the booking, unsent.
    let first = Instance::start_with(
        test_db.url(),
        vec!["--reminder-hours-before".into(), "0".into()],
    )
    .await;
    let r = http
        .post(format!("{}/api/v1/bookings", first.url))
        .json(&booking(session, "13800138000", None))
        .send()
        .await
        .expect("booked");
    assert_eq!(r.status().as_u16(), 201);
    let pending = outbox_rows(&test_db, "status = 'pending'").await;
    assert_eq!(pending, 1);
    drop(first); // killed

    let second = Instance::start_with(test_db.url(), log_flags(&file, false)).await;
    arrives(&file, 10, of_kind("booking_confirmed", "13800138000")).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(delivered(&file).len(), 1, "delivered once");
    let sent = outbox_rows(&test_db, "status = 'sent'").await;
    assert_eq!(sent, 1);
    drop(second);
}

/// Three days ago, in the format both databases read as a timestamp.
fn three_days_ago() -> String {
    (chrono::Utc::now() - Duration::days(3))
        .naive_utc()
        .format("%F %T")
        .to_string()
}

/// As if the messages sent to `phone` so far had gone three days ago, before any reminder
/// window of the sessions here opened (the time passing that a test cannot wait for).
async fn sent_days_ago(db: &TestDb, phone: &str) {
    let then = three_days_ago();
    db.execute(&format!(
        "UPDATE outbox SET status = 'sent', created_at = '{then}', sent_at = '{then}' \
         WHERE phone = '{phone}' AND kind <> 'reminder'"
    ))
    .await;
}

async fn reminders_go_once_per_booking_with_the_reminder_text(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| {
        log_to(c, &file);
        c.messages.reminder_hours_before = 24;
        c.messages.quiet_hours_from = 0;
        c.messages.quiet_hours_until = 0;
        c.messages.reminder_every_secs = 1;
    })
    .await;
    let soon = app.session_with(|s| s.starts_in = Duration::hours(5)).await;
    let later = app.session(SessionSpec::default()).await;
    let (_, first) = book_in(&app, soon, "13800138000", Some("en")).await;
    app.book(later, "13800138001", 1, 0).await;
    // Booked inside the reminder window: the confirmation said it all just now.
    arrives(&file, 10, of_kind("booking_confirmed", "13800138000")).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let reminders = |file: &Path| delivered_of_kind(file, "reminder");
    assert_eq!(
        reminders(&file),
        0,
        "no reminder right after the confirmation"
    );

    // Booked three days ago: reminded once; the booking two days ahead not yet.
    sent_days_ago(&app.db, "13800138000").await;
    let m = arrives(&file, 10, of_kind("reminder", "13800138000")).await;
    assert_text_starts(&m, "Reminder: Test open day, ");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(reminders(&file), 1, "one reminder, and none two days ahead");

    // Moved to another session today: reminded again, of the new time, once (the move
    // having been told before the new session's window opened).
    let other = app.session_with(|s| s.starts_in = Duration::hours(7)).await;
    let code = first["code"].as_str().expect("a code");
    let (status, moved) = reschedule(&app, code, "13800138000", other, false).await;
    assert_eq!(status, 200, "{moved}");
    arrives(&file, 10, of_kind("rescheduled", "13800138000")).await;
    sent_days_ago(&app.db, "13800138000").await;
    let start =
        |session: &Value| session["session"]["starts_at"].as_str().unwrap()[11..16].to_owned();
    let new_time = start(&moved);
    let m = arrives(&file, 10, |m| {
        m["kind"] == "reminder" && m["text"].as_str().is_some_and(|t| t.contains(&new_time))
    })
    .await;
    assert_eq!(m["phone"], "13800138000");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(reminders(&file), 2, "one reminder per session time");
}

/// The reminder rule of the tests below: the day before, no quiet hours.
fn day_before() -> labday_domain::message::ReminderRule {
    labday_domain::message::ReminderRule {
        hours_before: 24,
        quiet: labday_domain::message::QuietHours::new(0, 0).unwrap(),
    }
}

/// The text of the message `m` begins with `start`.
fn assert_text_starts(m: &Value, start: &str) {
    let text = m["text"].as_str().unwrap();
    assert!(text.starts_with(start), "{text}");
}

/// How many messages in the outbox match `condition` (an SQL `WHERE` clause).
async fn outbox_rows(db: &TestDb, condition: &str) -> i64 {
    db.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE {condition}"))
        .await
}

async fn reminders_of(db: &TestDb, phone: &str) -> i64 {
    outbox_rows(db, &format!("kind = 'reminder' AND phone = '{phone}'")).await
}

async fn a_pending_reminder_is_withdrawn_when_its_booking_or_session_goes(db: Db) {
    // No provider: what the reminder job writes stays pending for the test to see.
    let app = TestApp::spawn_with(db, |c| c.messages.reminder_hours_before = 0).await;
    let soon = app.session_with(|s| s.starts_in = Duration::hours(5)).await;
    let moved_to = app.session_with(|s| s.starts_in = Duration::hours(6)).await;
    let doomed = app.session_with(|s| s.starts_in = Duration::hours(7)).await;
    let lab = lab_staff(&app, soon).await;
    let (_, a) = book_in(&app, soon, "13800138001", None).await;
    let (_, b) = book_in(&app, soon, "13800138002", None).await;
    let (_, c) = book_in(&app, doomed, "13800138003", None).await;
    let (_, d) = book_in(&app, soon, "13800138004", None).await;
    for phone in ["13800138001", "13800138002", "13800138003", "13800138004"] {
        sent_days_ago(&app.db, phone).await;
    }
    let storage = app.storage.as_ref();
    let written = storage
        .enqueue_reminders(day_before(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(written, 4);

    // The holder cancels: the reminder goes with the booking.
    let (status, _) = app.cancel(a["code"].as_str().unwrap(), "13800138001").await;
    assert_eq!(status, 200);
    assert_eq!(reminders_of(&app.db, "13800138001").await, 0, "cancelled");

    // The holder moves: the reminder of the old time goes; one for the new time follows.
    let code = b["code"].as_str().unwrap();
    let (status, moved) = reschedule(&app, code, "13800138002", moved_to, false).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(reminders_of(&app.db, "13800138002").await, 0, "moved");

    // Staff cancel a session: its holders' reminders go.
    let path = format!("/api/v1/staff/sessions/{doomed}/cancel");
    let (status, body) = call(&app, "POST", &path, lab.as_deref(), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        reminders_of(&app.db, "13800138003").await,
        0,
        "session cancelled"
    );
    assert_eq!(
        reminders_of(&app.db, "13800138004").await,
        1,
        "a booking nothing happened to keeps its reminder"
    );

    // The job runs again: the moved booking (its move told before the window) is reminded
    // of its new time; nobody else gets anything.
    sent_days_ago(&app.db, "13800138002").await;
    let written = storage
        .enqueue_reminders(day_before(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(written, 1);
    let new_time = moved["session"]["starts_at"].as_str().unwrap()[11..16].to_owned();
    let told = outbox_rows(
        &app.db,
        &format!(
            "kind = 'reminder' AND phone = '13800138002' AND status = 'pending' \
             AND text LIKE '%{new_time}%'"
        ),
    )
    .await;
    assert_eq!(told, 1, "reminded of {new_time}");
    assert_eq!(reminders_of(&app.db, "13800138001").await, 0);
    assert_eq!(reminders_of(&app.db, "13800138003").await, 0);
    let written = storage
        .enqueue_reminders(day_before(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(written, 0, "once");
    let _ = (c, d);
}

async fn a_booking_confirmed_inside_the_reminder_window_gets_no_reminder(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.messages.reminder_hours_before = 0).await;
    let soon = app.session_with(|s| s.starts_in = Duration::hours(5)).await;
    let (status, _) = app.book(soon, "13800138001", 1, 0).await;
    assert_eq!(status, 201);
    app.book(soon, "13800138002", 1, 0).await;
    app.book(soon, "13800138003", 1, 0).await;
    let storage = app.storage.as_ref();
    // 13800138001's confirmation is still on its way: the reminder would follow it.
    let now = chrono::Utc::now();
    assert_eq!(
        storage.enqueue_reminders(day_before(), now).await.unwrap(),
        0
    );
    // Delivered just now, inside the window: still nothing.
    app.db
        .execute(&format!(
            "UPDATE outbox SET status = 'sent', sent_at = '{}' WHERE phone = '13800138001'",
            now.naive_utc().format("%F %T")
        ))
        .await;
    assert_eq!(
        storage.enqueue_reminders(day_before(), now).await.unwrap(),
        0
    );
    // Delivered three days ago: reminded. Failed to arrive: reminded too.
    sent_days_ago(&app.db, "13800138002").await;
    app.db
        .execute("UPDATE outbox SET status = 'failed' WHERE phone = '13800138003'")
        .await;
    assert_eq!(
        storage.enqueue_reminders(day_before(), now).await.unwrap(),
        2
    );
    assert_eq!(reminders_of(&app.db, "13800138001").await, 0);
    assert_eq!(reminders_of(&app.db, "13800138002").await, 1);
    assert_eq!(reminders_of(&app.db, "13800138003").await, 1);
}

/// Quiet hours that take all but one hour of the day pull a reminder back to almost two
/// days before its session. The reminder job reads only the sessions whose reminder can be
/// due by now, so this is the edge of what it reads: it writes the reminder then, and not
/// a minute before.
async fn a_reminder_pulled_two_days_ahead_by_quiet_hours_is_written_when_due(db: Db) {
    use chrono::Timelike;
    use labday_domain::message::{QuietHours, ReminderRule};
    let app = TestApp::spawn_with(db, |c| c.messages.reminder_hours_before = 0).await;
    let starts_in = Duration::hours(50);
    // Venue time, as the fixture sets it.
    let starts_at = now() + starts_in;
    let session = app.session_with(|s| s.starts_in = starts_in).await;
    let (status, _) = app.book(session, "13800138001", 1, 0).await;
    assert_eq!(status, 201);
    sent_days_ago(&app.db, "13800138001").await;
    // A day before the start is quiet, and the quiet hours began 22–23 hours before that.
    let hour = (starts_at - Duration::hours(24)).hour();
    let rule = ReminderRule {
        hours_before: 24,
        quiet: QuietHours::new((hour + 2) % 24, (hour + 1) % 24).unwrap(),
    };
    let due = rule.due(starts_at);
    assert!(
        starts_at - due > Duration::hours(46),
        "due {due} for {starts_at}"
    );
    let offset = Duration::minutes(i64::from(labday_domain::time::SHANGHAI_OFFSET_MINUTES));
    let at = |venue: chrono::NaiveDateTime| (venue - offset).and_utc();
    let storage = app.storage.as_ref();
    let early = storage.enqueue_reminders(rule, at(due - Duration::minutes(2)));
    assert_eq!(early.await.unwrap(), 0, "not due yet");
    let due_now = storage.enqueue_reminders(rule, at(due + Duration::seconds(30)));
    assert_eq!(due_now.await.unwrap(), 1, "due");
    assert_eq!(reminders_of(&app.db, "13800138001").await, 1);
}

/// Claims up to three messages due at `now` for a lease of `lease`, as a sender does.
pub(crate) async fn claim(
    storage: &dyn labday_server::storage::Storage,
    now: chrono::NaiveDateTime,
    lease: Duration,
) -> Vec<labday_server::storage::outbox::Claimed> {
    storage.claim_messages(now, lease, 3).await.unwrap()
}

async fn a_message_being_sent_is_not_expired_under_its_sender(db: Db) {
    use labday_server::storage::outbox::Delivery;
    let app = TestApp::spawn_with(db, |c| c.messages.reminder_hours_before = 0).await;
    let session = app.session(SessionSpec::default()).await;
    app.book(session, "13800138001", 1, 0).await;
    let storage = app.storage.as_ref();
    let now = chrono::Utc::now().naive_utc();
    let claimed = claim(storage, now, Duration::seconds(120)).await;
    assert_eq!(claimed.len(), 1);
    // The session began while the provider took its time (and two more messages, one of
    // them claimed by a sender whose lease has run out, were never delivered).
    app.book(session, "13800138002", 1, 0).await;
    app.book(session, "13800138003", 1, 0).await;
    let now = chrono::Utc::now().naive_utc();
    let dead = claim(storage, now, Duration::seconds(0)).await;
    assert_eq!(dead.len(), 2);
    app.db
        .execute(&format!(
            "UPDATE outbox SET expires_at = '{}'",
            (now - Duration::minutes(1)).format("%F %T")
        ))
        .await;
    let later = now + Duration::seconds(5);
    assert_eq!(
        storage.expire_messages(later).await.unwrap(),
        2,
        "the unleased ones"
    );
    let pending = outbox_rows(&app.db, "status = 'pending' AND phone = '13800138001'").await;
    assert_eq!(pending, 1, "the one being sent is left to its sender");
    storage
        .record_delivery(claimed[0].id, Delivery::Sent, None, later)
        .await
        .unwrap();
    let sent = outbox_rows(&app.db, "status = 'sent' AND phone = '13800138001'").await;
    assert_eq!(sent, 1, "the provider took it: it counts as sent");
}

async fn a_retry_waits_out_the_quiet_hours(db: Db) {
    use chrono::Timelike;
    let app = TestApp::spawn_with(db, |c| c.messages.reminder_hours_before = 0).await;
    let session = app.session(SessionSpec::default()).await;
    app.book(session, "13800138001", 1, 0).await;
    // A gateway that is down: nothing listens on its port.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let provider = labday_server::sms::SmsConfig {
        provider: ProviderKind::Webhook,
        sms_webhook_url: Some(format!("http://127.0.0.1:{port}/sms")),
        sms_webhook_secret: Some("labday-test-secret-0123456789abcdef".parse().unwrap()),
        sms_timeout_secs: 2,
        ..Default::default()
    }
    .provider()
    .unwrap();
    // Quiet from an hour ago until two hours from now.
    let hour = now().hour();
    let (from, until) = ((hour + 23) % 24, (hour + 2) % 24);
    let retries = labday_server::messages::Retries {
        attempts: 8,
        quiet: labday_domain::message::QuietHours::new(from, until).unwrap(),
    };
    let sent =
        labday_server::messages::dispatch_once(app.storage.as_ref(), provider.as_ref(), retries)
            .await;
    assert_eq!(sent, 0);
    // The next try is when the quiet hours end, venue time (UTC+8 here), not in 30 s.
    let mut quiet_ends = now().date().and_hms_opt(until, 0, 0).unwrap();
    while quiet_ends <= now() {
        quiet_ends += Duration::days(1);
    }
    let utc = quiet_ends - Duration::hours(8);
    let at_the_end = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts = 1 \
             AND next_attempt_at >= '{}' AND next_attempt_at < '{}' AND last_error IS NOT NULL",
            utc.format("%F %T"),
            (utc + Duration::seconds(1)).format("%F %T")
        ))
        .await;
    assert_eq!(at_the_end, 1, "retried at {utc} UTC");
    // Looking again meanwhile tries nothing.
    labday_server::messages::dispatch_once(app.storage.as_ref(), provider.as_ref(), retries).await;
    let tries = app.db.scalar("SELECT MAX(attempts) FROM outbox").await;
    assert_eq!(tries, 1);
}

async fn a_moved_booking_is_told_once_per_move_in_its_language(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let from = app.session(SessionSpec::sized(2, 1)).await;
    let to = app.session(SessionSpec::sized(1, 1)).await;
    let (_, taken) = book_in(&app, to, "13700137000", None).await;
    assert_eq!(taken["status"], "confirmed", "{taken}");
    let (_, en) = book_in(&app, from, "13900139000", Some("en")).await;
    let code = en["code"].as_str().unwrap().to_owned();

    // Refused (full, waiting not accepted): nothing is said.
    let (status, _) = reschedule(&app, &code, "13900139000", to, false).await;
    assert_eq!(status, 409);
    // Accepted onto the waiting list: one message, in English, with the same code.
    let (status, moved) = reschedule(&app, &code, "13900139000", to, true).await;
    assert_eq!(
        (status, moved["status"].as_str()),
        (200, Some("waitlisted")),
        "{moved}"
    );
    let m = arrives(&file, 10, of_kind("rescheduled", "13900139000")).await;
    assert_eq!(m["lang"], "en");
    let text = m["text"].as_str().unwrap();
    assert!(
        text.starts_with("Moved to the waiting list: Test open day, ") && text.contains(&code),
        "{text}"
    );
    // The same request again changes nothing and says nothing more.
    let (status, _) = reschedule(&app, &code, "13900139000", to, true).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let told = delivered_of_kind(&file, "rescheduled");
    assert_eq!(told, 1, "one message per move");
}

/// A result goes out under the bureau's sign name, so it says only words the service
/// chose: a vegetable not in the list is 其他蔬菜 / "Other vegetable", whatever the citizen
/// typed as its name (here an advert with a number to call).
async fn a_result_never_carries_the_name_typed_for_another_vegetable(db: Db) {
    const TYPED: &str = "速回电4001234567领补贴";
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let point = app.session(quick_test()).await;
    app.starts_today(point).await;
    let lab = lab_staff(&app, point).await;
    let lab = lab.as_deref();
    for (phone, lang) in [("13700137001", "zh"), ("13700137002", "en")] {
        let mut body = registration(point, phone, &[&format!("other:{TYPED}")]);
        body["lang"] = json!(lang);
        let (status, samples) = app.post("/api/v1/samples", &body).await;
        assert_eq!(status, 201, "{samples}");
        let code = samples[0]["code"].as_str().unwrap();
        tested_negative(&app, lab, point, code).await;
    }
    let zh = arrives(&file, 5, of_kind("sample_result", "13700137001")).await;
    let en = arrives(&file, 5, of_kind("sample_result", "13700137002")).await;
    assert_eq!(
        (&zh["params"][1], &en["params"][1]),
        (&json!("其他蔬菜"), &json!("Other vegetable"))
    );
    assert!(
        zh["text"].as_str().unwrap().contains("（其他蔬菜）"),
        "{zh}"
    );
    for m in [&zh, &en] {
        assert!(!m.to_string().contains("4001234567"), "{m}");
    }
    let typed = outbox_rows(
        &app.db,
        "text LIKE '%4001234567%' OR params LIKE '%4001234567%' OR text LIKE '%速回电%' \
         OR params LIKE '%速回电%'",
    )
    .await;
    assert_eq!(typed, 0, "the typed name reaches no message in the outbox");
    assert_eq!(outbox_rows(&app.db, "kind = 'sample_result'").await, 2);
}

/// Texts still waiting give way to newer news about their booking. Two changes of a
/// session leave one change text, with the last time (the earlier one, backing off after a
/// failed try, would have gone after it), and the confirmation still waiting stays, written
/// again with the new time (it is news of the booking itself), as does a move onto the
/// waiting list. A cancelled session leaves only its cancellation. Moving a booking back
/// and forth texts at most one move every ten minutes, and the one waiting says where the
/// booking is now.
async fn newer_news_replaces_texts_still_waiting_and_moves_are_spaced(db: Db) {
    // No provider: every text stays waiting, as behind a provider that keeps failing.
    let app = TestApp::spawn(db).await;
    let session = app.session(SessionSpec::default()).await;
    let lab = lab_staff(&app, session).await;
    let (status, booked) = book_in(&app, session, "13800138005", None).await;
    assert_eq!(status, 201, "{booked}");
    let path = format!("/api/v1/staff/sessions/{session}");
    let first = two_pm_in_three_days();
    for starts in [first, first + Duration::hours(1)] {
        let body = session_body(starts, now() - Duration::days(1));
        let (status, said) = call(&app, "PUT", &path, lab.as_deref(), Some(body)).await;
        assert_eq!(status, 200, "{said}");
    }
    let waiting = |kind: &str, phone: &str| {
        format!("kind = '{kind}' AND phone = '{phone}' AND status = 'pending'")
    };
    let changed = waiting("session_changed", "13800138005");
    assert_eq!(
        outbox_rows(&app.db, &changed).await,
        1,
        "the last change alone"
    );
    let last_time = format!("{changed} AND text LIKE '%15:00%'");
    assert_eq!(outbox_rows(&app.db, &last_time).await, 1, "at 15:00");
    let confirmed = waiting("booking_confirmed", "13800138005");
    let confirmed_now = format!("{confirmed} AND text LIKE '%15:00%'");
    assert_eq!(
        outbox_rows(&app.db, &confirmed_now).await,
        1,
        "the confirmation still waiting says the new time"
    );
    let cancel = format!("/api/v1/staff/sessions/{session}/cancel");
    let (status, said) = call(&app, "POST", &cancel, lab.as_deref(), None).await;
    assert_eq!(status, 200, "{said}");
    let all = "phone = '13800138005' AND status = 'pending'";
    assert_eq!(outbox_rows(&app.db, all).await, 1, "the cancellation alone");
    assert_eq!(
        outbox_rows(&app.db, &waiting("session_cancelled", "13800138005")).await,
        1
    );

    // Moved onto a full session's waiting list, which then changes time: the text still
    // waiting says so, with the new time.
    let full = app.session(SessionSpec::sized(1, 1)).await;
    let (_, taken) = book_in(&app, full, "13800138008", None).await;
    assert_eq!(taken["status"], "confirmed", "{taken}");
    let from = app.session(SessionSpec::default()).await;
    let (_, waits) = book_in(&app, from, "13800138009", None).await;
    let code = waits["code"].as_str().expect("a code").to_owned();
    let (status, moved) = reschedule(&app, &code, "13800138009", full, true).await;
    assert_eq!(
        (status, &moved["status"]),
        (200, &json!("waitlisted")),
        "{moved}"
    );
    let mut later = session_body(first + Duration::hours(2), now() - Duration::days(1));
    later["capacity"] = json!(1);
    later["per_booking_limit"] = json!(1);
    let path = format!("/api/v1/staff/sessions/{full}");
    let (status, said) = call(&app, "PUT", &path, lab.as_deref(), Some(later)).await;
    assert_eq!(status, 200, "{said}");
    let still_waiting = format!(
        "{} AND text LIKE '%候补%' AND text LIKE '%16:00%'",
        waiting("rescheduled", "13800138009")
    );
    assert_eq!(outbox_rows(&app.db, &still_waiting).await, 1);
    // A place frees up (one more): promoted, the waiting-list text gives way to the promotion.
    let mut more = session_body(first + Duration::hours(2), now() - Duration::days(1));
    more["capacity"] = json!(2);
    more["per_booking_limit"] = json!(1);
    let (status, said) = call(&app, "PUT", &path, lab.as_deref(), Some(more)).await;
    assert_eq!(status, 200, "{said}");
    let moves = waiting("rescheduled", "13800138009");
    assert_eq!(outbox_rows(&app.db, &moves).await, 0, "no longer waiting");
    let promoted = waiting("waitlist_promoted", "13800138009");
    assert_eq!(outbox_rows(&app.db, &promoted).await, 1);

    // Moves: back and forth, three times; one text waits, of the last.
    let a = app
        .session_with(|s| s.starts_in = Duration::hours(30))
        .await;
    let b = app
        .session_with(|s| s.starts_in = Duration::hours(54))
        .await;
    let (_, booked) = book_in(&app, a, "13800138006", None).await;
    let code = booked["code"].as_str().expect("a code").to_owned();
    for to in [b, a, b] {
        let (status, moved) = reschedule(&app, &code, "13800138006", to, false).await;
        assert_eq!(status, 200, "{moved}");
    }
    let moves = waiting("rescheduled", "13800138006");
    assert_eq!(outbox_rows(&app.db, &moves).await, 1, "the last move alone");
    let confirmed = waiting("booking_confirmed", "13800138006");
    assert_eq!(
        outbox_rows(&app.db, &confirmed).await,
        0,
        "the move says it instead"
    );
    // Once that one has gone, the next move's text waits ten minutes from it.
    // Written half an hour ago (held by the gap), sent a minute ago: the gap runs from then.
    let at = |minutes: i64| {
        (chrono::Utc::now().naive_utc() + Duration::minutes(minutes)).format("%F %T")
    };
    let sent = format!(
        "UPDATE outbox SET status = 'sent', created_at = '{}', next_attempt_at = '{}', \
         sent_at = '{}' WHERE kind = 'rescheduled' AND phone = '13800138006'",
        at(-30),
        at(-20),
        at(-1)
    );
    app.sql(&sent).await;
    let (status, moved) = reschedule(&app, &code, "13800138006", a, false).await;
    assert_eq!(status, 200, "{moved}");
    let later = format!("{moves} AND next_attempt_at > '{}'", at(8));
    assert_eq!(
        outbox_rows(&app.db, &later).await,
        1,
        "spaced from the last"
    );
}

/// A quick-test session moved to another time and a market: each phone holding samples on
/// it not yet handed in hears once (however many it registered), in its language, with the
/// new time and the market's address; a second change replaces the first still waiting; a
/// session's cancellation then replaces both.
async fn sample_holders_hear_when_their_quick_test_moves(db: Db) {
    // No provider: every text stays waiting for the test to read.
    let app = TestApp::spawn(db).await;
    let bench = app.session(quick_test()).await;
    let lab = lab_staff(&app, bench).await;
    crate::samples::register(&app, bench, "13900139101", &["spinach", "celery"]).await;
    let mut english = registration(bench, "13900139102", &["tomato"]);
    english["lang"] = json!("en");
    let (status, body) = app.post("/api/v1/samples", &english).await;
    assert_eq!(status, 201, "{body}");
    let path = format!("/api/v1/staff/sessions/{bench}");
    let first = two_pm_in_three_days();
    for starts in [first, first + Duration::hours(1)] {
        let mut body = session_body(starts, now() - Duration::days(1));
        body["format"] = json!("quick_test");
        body["address"] = json!({"zh": "南昌市青山湖农贸市场东门", "en": ""});
        let (status, said) = call(&app, "PUT", &path, lab.as_deref(), Some(body)).await;
        assert_eq!(status, 200, "{said}");
    }
    let waiting = |phone: &str, kind: &str| {
        format!("kind = '{kind}' AND phone = '{phone}' AND status = 'pending'")
    };
    let zh = waiting("13900139101", "sample_session_changed");
    assert_eq!(
        outbox_rows(&app.db, &zh).await,
        1,
        "once a phone, the last change"
    );
    let told = format!("{zh} AND text LIKE '快检变更：%15:00%东门%'");
    assert_eq!(outbox_rows(&app.db, &told).await, 1);
    let en = waiting("13900139102", "sample_session_changed");
    let told = format!("{en} AND text LIKE 'Quick test changed: %15:00%'");
    assert_eq!(outbox_rows(&app.db, &told).await, 1);
    let cancel = format!("/api/v1/staff/sessions/{bench}/cancel");
    let (status, said) = call(&app, "POST", &cancel, lab.as_deref(), None).await;
    assert_eq!(status, 200, "{said}");
    for phone in ["13900139101", "13900139102"] {
        let changes = waiting(phone, "sample_session_changed");
        assert_eq!(outbox_rows(&app.db, &changes).await, 0, "{phone}");
        let cancelled = waiting(phone, "sample_session_cancelled");
        assert_eq!(outbox_rows(&app.db, &cancelled).await, 1, "{phone}");
    }
}

/// A quick test's market changed after it began (its times cannot, but its place may): the
/// phones holding samples not yet handed in hear of it until the session ends. A phone
/// whose first sample was handed in between two changes hears of the last one alone.
async fn a_quick_test_under_way_tells_its_new_place_once_per_phone(db: Db) {
    let app = TestApp::spawn(db).await;
    let bench = app
        .session_with(|s| {
            s.format = labday_domain::SessionFormat::QuickTest;
            s.starts_in = Duration::minutes(-30);
            s.opens_in = Duration::days(-1);
        })
        .await;
    let lab = lab_staff(&app, bench).await;
    let samples =
        crate::samples::register(&app, bench, "13900139103", &["spinach", "celery"]).await;
    let (_, view) = app.get(&format!("/api/v1/sessions/{bench}")).await;
    let path = format!("/api/v1/staff/sessions/{bench}");
    let moved_to = |address: &str| {
        let starts: chrono::NaiveDateTime =
            serde_json::from_value(view["starts_at"].clone()).expect("a start");
        let mut body = session_body(starts, now() - Duration::days(1));
        body["ends_at"] = view["ends_at"].clone();
        body["format"] = json!("quick_test");
        body["address"] = json!({"zh": address, "en": ""});
        body
    };
    let (status, said) = call(
        &app,
        "PUT",
        &path,
        lab.as_deref(),
        Some(moved_to("南昌市青山湖农贸市场东门")),
    )
    .await;
    assert_eq!(status, 200, "{said}");
    let pending = "kind = 'sample_session_changed' AND phone = '13900139103' \
                   AND status = 'pending'";
    let alive = format!(
        "{pending} AND expires_at > '{}'",
        chrono::Utc::now().naive_utc().format("%F %T")
    );
    assert_eq!(
        outbox_rows(&app.db, &alive).await,
        1,
        "worth sending until the end"
    );
    // The first vegetable is handed in; the market changes again.
    let code = samples[0]["code"].as_str().expect("a code");
    let receive = format!("/api/v1/staff/samples/{code}/receive");
    let (status, said) = call(
        &app,
        "POST",
        &receive,
        lab.as_deref(),
        Some(json!({"session_id": bench})),
    )
    .await;
    assert_eq!(status, 200, "{said}");
    let (status, said) = call(
        &app,
        "PUT",
        &path,
        lab.as_deref(),
        Some(moved_to("南昌市洪城大市场北门")),
    )
    .await;
    assert_eq!(status, 200, "{said}");
    assert_eq!(
        outbox_rows(&app.db, pending).await,
        1,
        "the last change alone"
    );
    let last = format!("{pending} AND text LIKE '%北门%'");
    assert_eq!(outbox_rows(&app.db, &last).await, 1);
}

/// A result corrected to another judgement, and back, tells its holder each time: the last
/// text says what the result page says.
async fn a_result_corrected_and_corrected_back_tells_each_time(db: Db) {
    let (_dir, file) = message_file();
    let app = TestApp::spawn_with(db, |c| log_to(c, &file)).await;
    let point = app.session(quick_test()).await;
    app.starts_today(point).await;
    let lab = lab_staff(&app, point).await;
    let lab = lab.as_deref();
    let body = registration(point, "13700137009", &["celery"]);
    let (status, samples) = app.post("/api/v1/samples", &body).await;
    assert_eq!(status, 201, "{samples}");
    let code = samples[0]["code"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/staff/samples/{code}/receive");
    expect_call(
        &app,
        "POST",
        &path,
        lab,
        Some(json!({"session_id": point})),
        200,
    )
    .await;
    let path = format!("/api/v1/staff/samples/{code}/tests");
    let enzyme = |pct: f64, corrects: Option<i64>| json!({"method": "enzyme_inhibition", "inhibition_pct": pct, "corrects": corrects});
    let mut last = Value::Null;
    for pct in [55.0, 60.0, 58.0] {
        let text = expect_call(&app, "POST", &path, lab, Some(enzyme(pct, None)), 200).await;
        last = serde_json::from_str(&text).unwrap();
    }
    assert_eq!(last["judgement"], "positive");
    let results = || {
        delivered(&file)
            .into_iter()
            .filter(|m| m["kind"] == "sample_result")
            .map(|m| m["params"][2].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let told_until = |n: usize| async move {
        for _ in 0..100 {
            if results().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    told_until(1).await;
    // The third test was mistyped: 35 %, negative; then that correction was itself wrong.
    let third = last["tests"][2]["id"].as_i64().unwrap();
    let text = expect_call(
        &app,
        "POST",
        &path,
        lab,
        Some(enzyme(35.0, Some(third))),
        200,
    )
    .await;
    let corrected: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(corrected["judgement"], "negative");
    told_until(2).await;
    let fourth = corrected["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["superseded"] == false && t["inhibition_pct"] == 35.0)
        .and_then(|t| t["id"].as_i64())
        .unwrap();
    let text = expect_call(
        &app,
        "POST",
        &path,
        lab,
        Some(enzyme(58.0, Some(fourth))),
        200,
    )
    .await;
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["judgement"], "positive");
    told_until(3).await;
    assert_eq!(results(), ["positive", "negative", "positive"]);
}

crate::on_both_databases!(
    a_result_corrected_and_corrected_back_tells_each_time,
    a_quick_test_under_way_tells_its_new_place_once_per_phone,
    sample_holders_hear_when_their_quick_test_moves,
    newer_news_replaces_texts_still_waiting_and_moves_are_spaced,
    a_result_never_carries_the_name_typed_for_another_vegetable,
    a_pending_reminder_is_withdrawn_when_its_booking_or_session_goes,
    a_booking_confirmed_inside_the_reminder_window_gets_no_reminder,
    a_reminder_pulled_two_days_ahead_by_quiet_hours_is_written_when_due,
    a_message_being_sent_is_not_expired_under_its_sender,
    a_retry_waits_out_the_quiet_hours,
    a_moved_booking_is_told_once_per_move_in_its_language,
    each_kind_arrives_with_its_text_in_the_booking_language,
    a_session_taken_online_tells_its_holders,
    a_session_held_at_a_market_gives_its_own_address_everywhere,
    a_change_only_english_shows_is_told_only_in_english,
    a_walk_in_with_a_phone_is_confirmed_and_one_without_is_not,
    without_a_provider_messages_stay_unsent_and_the_app_says_so,
    erasure_takes_phone_and_text_out_of_the_outbox,
    a_message_committed_before_the_server_is_killed_is_delivered_once_after_restart,
    reminders_go_once_per_booking_with_the_reminder_text,
);

/// Two server processes on one PostgreSQL database, both running the reminder job and the
/// dispatcher: each booking gets one reminder, and no message goes twice.
async fn two_servers_on_one_postgres_send_one_reminder_per_booking(db: Db) {
    let test_db = TestDb::create(db).await;
    let storage = test_db.open_storage().await;
    let activity = crate::helpers::add_fixture_activity(storage.as_ref()).await;
    let spec = || SessionSpec {
        starts_in: Duration::hours(6),
        capacity: 40,
        ..SessionSpec::default()
    };
    let session = crate::helpers::add_fixture_session(storage.as_ref(), activity, spec()).await;
    storage.close().await;
    drop(storage);
    let (_dir, file) = message_file();
    // Not yet running: the bookings below wait for both.
    let http = reqwest::Client::new();
    let a = Instance::start_with(test_db.url(), log_flags(&file, true)).await;
    let b = Instance::start_with(test_db.url(), log_flags(&file, true)).await;
    let phones: Vec<String> = (0..20).map(|i| format!("138001380{i:02}")).collect();
    for (i, phone) in phones.iter().enumerate() {
        let url = if i % 2 == 0 { &a.url } else { &b.url };
        let r = http
            .post(format!("{url}/api/v1/bookings"))
            .json(&booking(session, phone, None))
            .send()
            .await
            .expect("booked");
        assert_eq!(r.status().as_u16(), 201);
    }
    // Booked before the reminder window opened (as if three days ago): each is reminded.
    for phone in &phones {
        arrives(&file, 15, of_kind("booking_confirmed", phone)).await;
        sent_days_ago(&test_db, phone).await;
    }
    for phone in &phones {
        arrives(&file, 15, of_kind("reminder", phone)).await;
    }
    // Both jobs run every second: give them a few more chances to double anything.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let messages = delivered(&file);
    for phone in &phones {
        let reminders = messages
            .iter()
            .filter(|m| m["phone"] == phone.as_str() && m["kind"] == "reminder")
            .count();
        assert_eq!(reminders, 1, "{phone}");
    }
    let mut keys: Vec<&str> = messages
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    let all = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), all, "no message delivered twice");
    assert_eq!(all, 40, "a confirmation and a reminder each");
    let rows = outbox_rows(&test_db, "kind = 'reminder'").await;
    assert_eq!(rows, 20);
    drop((a, b));
}

crate::on_postgres_only!(two_servers_on_one_postgres_send_one_reminder_per_booking);
