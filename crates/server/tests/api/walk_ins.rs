//! Walk-ins and reserved places over HTTP on both databases: online bookings never take a
//! reserved place; staff book walk-ins at the door (reserved places first, then free ones,
//! never past capacity, even against a rush of online bookings); walk-ins show in the
//! roster, its CSV, the figures and the audit log; a walk-in's vegetables are registered at
//! the bench without a phone; the limits of every field; and outsiders are refused.

use crate::console::{series_body, session_body};
use crate::helpers::{Db, TestApp};
use crate::samples::{quick_test, registration};
use crate::staff::{call, expect_call, get_as, parse, sign_in, site, Site, PASSWORD};
use serde_json::{json, Value};

/// The two organisations' site, and the first lab's staff signed in (their cookie).
async fn lab_site(db: Db) -> (Site, Option<String>) {
    let s = site(db).await;
    let (_, _, lab, _) = sign_in(&s.app, "lab-a", PASSWORD).await;
    (s, lab)
}

/// Books a walk-in of `adults` (no name, no phone) at `session`'s door.
async fn walk_in(app: &TestApp, cookie: Option<&str>, session: i64, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/staff/sessions/{session}/walk-ins");
    let (status, text) = call(app, "POST", &path, cookie, Some(body)).await;
    (status, parse(&text))
}

fn party(adults: i64) -> Value {
    json!({ "adults": adults })
}

/// A session of `capacity` places, `reserved` of them for walk-ins.
async fn reserved_session(app: &TestApp, capacity: u32, reserved: u32) -> i64 {
    app.session_with(|spec| {
        spec.capacity = capacity;
        spec.reserved_places = reserved;
    })
    .await
}

/// [`reserved_session`] on today: its door takes walk-ins (from the session's day on).
async fn reserved_session_today(app: &TestApp, capacity: u32, reserved: u32) -> i64 {
    let session = reserved_session(app, capacity, reserved).await;
    app.starts_today(session).await;
    session
}

async fn session_view(app: &TestApp, session: i64) -> Value {
    let (status, view) = app.get(&format!("/api/v1/sessions/{session}")).await;
    assert_eq!(status, 200, "{view}");
    view
}

/// `(places left online, reserved places, walk-ins, booked)` as the session view says.
fn places(view: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| view[k].as_u64().unwrap_or_else(|| panic!("{k} in {view}"));
    (
        n("places_left"),
        n("reserved_places"),
        n("walk_ins"),
        n("booked"),
    )
}

async fn reserved_places_keep_online_bookings_out_and_walk_ins_take_them_first(db: Db) {
    let (s, lab) = lab_site(db).await;
    let app = &s.app;
    let cookie = lab.as_deref();
    // 8 places, 3 kept for walk-ins: 5 online.
    let session = reserved_session_today(app, 8, 3).await;
    assert_eq!(places(&session_view(app, session).await), (5, 3, 0, 0));
    let (status, first) = app.book(session, "13800138000", 3, 0).await;
    assert_eq!((status, first["status"].as_str()), (201, Some("confirmed")));
    let (_, second) = app.book(session, "13800138001", 2, 0).await;
    assert_eq!(second["status"], "confirmed");
    // Online is full at 5 of 8: the next booking waits rather than take a reserved place.
    let (_, third) = app.book(session, "13800138002", 1, 0).await;
    assert_eq!(third["status"], "waitlisted", "{third}");
    assert_eq!(places(&session_view(app, session).await), (0, 3, 0, 5));

    // A walk-in of two takes two reserved places and is checked in at once.
    let body = json!({"name": "王阿姨", "phone": "139 0013 9000", "adults": 1, "children": 1});
    let (status, done) = walk_in(app, cookie, session, body).await;
    assert_eq!(status, 201, "{done}");
    let entry = &done["entry"];
    assert_eq!(
        (&entry["status"], &entry["walk_in"], &entry["checked_in"]),
        (&json!("checked_in"), &json!(true), &json!(2))
    );
    assert_eq!(entry["phone"], "13900139000");
    assert_eq!(
        (&done["walk_in_places_left"], &done["online_places_left"]),
        (&json!(1), &json!(0))
    );
    // Two more than the one place left: refused, nobody past capacity.
    let (status, full) = walk_in(app, cookie, session, party(2)).await;
    assert_eq!((status, &full["code"]), (409, &json!("session_full")));
    let (status, _) = walk_in(app, cookie, session, party(1)).await;
    assert_eq!(status, 201);
    assert_eq!(places(&session_view(app, session).await), (0, 3, 3, 8));
    assert_eq!(app.confirmed_people_in_db(session).await, 8);

    // Walk-ins are in the roster, marked, and in its CSV.
    let path = format!("/api/v1/staff/sessions/{session}/roster");
    let roster = get_as(app, &path, cookie).await;
    let walk_ins: Vec<&Value> = roster
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["walk_in"] == true)
        .collect();
    assert_eq!(walk_ins.len(), 2, "{roster}");
    assert!(walk_ins.iter().all(|e| e["status"] == "checked_in"));
    let csv = expect_call(app, "GET", &format!("{path}.csv"), cookie, None, 200).await;
    assert!(
        csv.lines().next().unwrap().ends_with("现场预约 walk-in"),
        "{csv}"
    );
    assert_eq!(csv.matches(",是 yes").count(), 2, "{csv}");
    assert!(csv.contains("王阿姨"));

    // The figures count them (as booked and checked in too), and the audit log notes them.
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let summary = get_as(app, "/api/v1/staff/summary", chief.as_deref()).await;
    let overall = &summary["overall"];
    assert_eq!(overall["walk_in_people"], 3, "{overall}");
    assert_eq!(overall["checked_in_people"], 3);
    assert_eq!(overall["booked_people"], 8);
    let audit = get_as(app, "/api/v1/staff/audit", chief.as_deref()).await;
    let noted = audit.as_array().unwrap().iter().filter(|e| {
        e["action"] == "book_walk_in"
            && e["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with(&format!("session {session}: walk-in ")))
    });
    assert_eq!(noted.count(), 2, "{audit}");
    assert!(
        !audit.to_string().contains("13900139000"),
        "no phone in the audit log"
    );

    // Walk-ins beyond the reservation take free places, which online bookings then lack.
    let other = reserved_session_today(app, 6, 2).await;
    let (status, done) = walk_in(app, cookie, other, party(3)).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(places(&session_view(app, other).await), (3, 2, 3, 3));
}

/// Many online bookings and walk-ins at once at a nearly full session: the walk-ins keep
/// their reserved places, nobody goes past capacity, and the counters match the answers.
async fn a_walk_in_never_takes_the_session_past_capacity_under_concurrent_online_bookings(db: Db) {
    let (s, lab) = lab_site(db).await;
    let app = &s.app;
    let cookie = lab.as_deref();
    // 20 places, 4 reserved; 14 booked online: 2 left online, 6 at the door.
    let session = reserved_session_today(app, 20, 4).await;
    for (i, adults) in [5, 5, 4].into_iter().enumerate() {
        let (_, b) = app
            .book(session, &format!("1370013700{i}"), adults, 0)
            .await;
        assert_eq!(b["status"], "confirmed", "{b}");
    }
    let online = (0..30).map(|i| async move {
        let (status, body) = app.book(session, &format!("136001{i:05}"), 1, 0).await;
        assert_eq!(status, 201, "{body}");
        body["status"] == "confirmed"
    });
    let door = (0..12).map(|_| async move {
        let (status, body) = walk_in(app, cookie, session, party(1)).await;
        match status {
            201 => true,
            409 => {
                assert_eq!(body["code"], "session_full", "{body}");
                false
            }
            _ => panic!("walk-in answered {status}: {body}"),
        }
    });
    let (online, door) = tokio::join!(
        futures::future::join_all(online),
        futures::future::join_all(door)
    );
    let confirmed_online = online.iter().filter(|c| **c).count() as i64;
    let walked_in = door.iter().filter(|c| **c).count() as i64;
    // Online bookings took at most the two online places, never a reserved one; walk-ins
    // had their four reserved places whatever the online rush did.
    assert!(confirmed_online <= 2, "{confirmed_online} confirmed online");
    assert!(walked_in >= 4, "{walked_in} walk-ins");
    // Demand was larger than supply: the session is exactly full, and every place taken is
    // one an answer said was taken.
    assert_eq!(14 + confirmed_online + walked_in, 20);
    assert_eq!(app.confirmed_people_in_db(session).await, 20);
    let view = session_view(app, session).await;
    assert_eq!(places(&view), (0, 4, walked_in as u64, 20));
    assert_eq!(view["waiting"], 30 - confirmed_online, "{view}");
}

async fn every_field_is_checked_at_its_limits(db: Db) {
    let (s, lab) = lab_site(db).await;
    let app = &s.app;
    let cookie = lab.as_deref();
    let session = reserved_session(app, 10, 2).await;

    // The walk-in's party: an adult needed, at most 20 people, no negative counts.
    for (body, field, code) in [
        (party(0), "adults", "adult_required"),
        (party(21), "adults", "party_too_large"),
        (
            json!({"adults": 15, "children": 6}),
            "party",
            "party_too_large",
        ),
        (party(4_294_967_295), "adults", "party_too_large"),
        (
            json!({"adults": 1, "phone": "12345"}),
            "phone",
            "phone_invalid",
        ),
        (
            json!({"adults": 1, "name": "x".repeat(41)}),
            "name",
            "name_too_long",
        ),
    ] {
        let (status, answer) = walk_in(app, cookie, session, body.clone()).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["fields"][field], code, "{body}: {answer}");
    }
    for body in [party(-1), party(4_294_967_296), json!({"name": "无人"})] {
        let (status, answer) = walk_in(app, cookie, session, body.clone()).await;
        assert_eq!(
            (status, &answer["code"]),
            (400, &json!("bad_request")),
            "{body}"
        );
    }
    assert_eq!(
        app.confirmed_people_in_db(session).await,
        0,
        "nothing booked"
    );

    // Reserved places: 0 to the capacity, on a session, an edit and a series.
    let path = format!("/api/v1/staff/activities/{}/sessions", app.activity_id);
    let with_reserved = |reserved: Value| {
        let mut body = session_body(10);
        body["reserved_places"] = reserved;
        body
    };
    let (status, text) = call(app, "POST", &path, cookie, Some(with_reserved(json!(11)))).await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        parse(&text)["fields"]["reserved_places"],
        "reserved_above_capacity"
    );
    let (status, _) = call(app, "POST", &path, cookie, Some(with_reserved(json!(-1)))).await;
    assert_eq!(status, 400);
    let text = expect_call(
        app,
        "POST",
        &path,
        cookie,
        Some(with_reserved(json!(10))),
        201,
    )
    .await;
    let all_reserved = parse(&text)["id"].as_i64().expect("an id");
    assert_eq!(
        places(&session_view(app, all_reserved).await),
        (0, 10, 0, 0)
    );
    let series = format!(
        "/api/v1/staff/activities/{}/sessions/generate",
        app.activity_id
    );
    let mut body = series_body();
    body["reserved_places"] = json!(21);
    let (status, text) = call(app, "POST", &series, cookie, Some(body)).await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(
        parse(&text)["fields"]["reserved_places"],
        "reserved_above_capacity"
    );

    // An edit cannot reserve places already booked online (8 of 10 booked: 2 free).
    let edited = reserved_session(app, 10, 0).await;
    for (i, adults) in [4, 4].into_iter().enumerate() {
        app.book(edited, &format!("1350013500{i}"), adults, 0).await;
    }
    let put = format!("/api/v1/staff/sessions/{edited}");
    let edit = |reserved: u32| {
        let mut body = session_body(10);
        body["reserved_places"] = json!(reserved);
        call(app, "PUT", &put, cookie, Some(body))
    };
    let (status, text) = edit(3).await;
    assert_eq!(
        (status, parse(&text)["code"].clone()),
        (409, json!("capacity_below_booked"))
    );
    let (status, text) = edit(2).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(places(&session_view(app, edited).await), (0, 2, 0, 8));

    // A cancelled session takes no walk-in.
    let cancel = format!("/api/v1/staff/sessions/{session}/cancel");
    expect_call(app, "POST", &cancel, cookie, None, 200).await;
    let (status, answer) = walk_in(app, cookie, session, party(1)).await;
    assert_eq!(
        (status, &answer["code"]),
        (409, &json!("session_cancelled"))
    );
}

async fn a_walk_ins_vegetables_are_registered_at_the_bench_without_a_phone(db: Db) {
    let (s, lab) = lab_site(db).await;
    let app = &s.app;
    let cookie = lab.as_deref();
    let bench = app.session(quick_test()).await;
    app.starts_today(bench).await;
    let path = format!("/api/v1/staff/sessions/{bench}/walk-in-samples");
    let mut body = registration(bench, "", &["spinach", "other:藠头"]);
    body["name"] = json!("");
    let (status, text) = call(app, "POST", &path, cookie, Some(body.clone())).await;
    assert_eq!(status, 201, "{text}");
    let samples = parse(&text);
    let samples = samples.as_array().expect("a list");
    assert_eq!(samples.len(), 2);
    for sample in samples {
        // A code to write on the bag; received already; marked as a walk-in's.
        assert_eq!(sample["code"].as_str().map(str::len), Some(8), "{sample}");
        assert_eq!(sample["status"], "received", "{sample}");
        assert_eq!(sample["walk_in"], true);
        assert_eq!(sample["phone_masked"], "");
    }
    // Staff enter a result straight away.
    let code = samples[0]["code"].as_str().unwrap();
    let test = json!({"method": "enzyme_inhibition", "inhibition_pct": 12.5});
    let tested = format!("/api/v1/staff/samples/{code}/tests");
    let text = expect_call(app, "POST", &tested, cookie, Some(test), 200).await;
    assert_eq!(parse(&text)["judgement"], "negative", "{text}");
    // The bench lists them, and the audit log notes the registration.
    let listed = get_as(
        app,
        &format!("/api/v1/staff/sessions/{bench}/samples"),
        cookie,
    )
    .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let audit = get_as(app, "/api/v1/staff/audit", chief.as_deref()).await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "register_walk_in_samples"
                && e["subject"].as_str().is_some_and(|s| s.contains(code))),
        "{audit}"
    );

    // A phone given is checked, and counts towards its limit of 5 on the session.
    let with_phone = registration(bench, "12345", &["spinach"]);
    let (status, text) = call(app, "POST", &path, cookie, Some(with_phone)).await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(parse(&text)["fields"]["phone"], "phone_invalid");
    let five = ["spinach", "celery", "tomato", "cabbage", "carrot"];
    let full = registration(bench, "13800138000", &five);
    expect_call(app, "POST", &path, cookie, Some(full), 201).await;
    let one_more = registration(bench, "13800138000", &["spinach"]);
    let (status, text) = call(app, "POST", &path, cookie, Some(one_more)).await;
    assert_eq!(
        (status, parse(&text)["code"].clone()),
        (409, json!("sample_limit"))
    );
    // No vegetable, six of them, or a session that is no quick test: refused.
    let none = registration(bench, "", &[]);
    let (status, text) = call(app, "POST", &path, cookie, Some(none)).await;
    assert_eq!(
        parse(&text)["fields"]["samples"],
        "samples_required",
        "{status}"
    );
    let six = registration(bench, "", &["spinach"; 6]);
    let (status, text) = call(app, "POST", &path, cookie, Some(six)).await;
    assert_eq!(
        parse(&text)["fields"]["samples"],
        "too_many_samples",
        "{status}"
    );
    let visit = format!("/api/v1/staff/sessions/{}/walk-in-samples", s.session);
    let (status, text) = call(app, "POST", &visit, cookie, Some(body)).await;
    assert_eq!(
        (status, parse(&text)["code"].clone()),
        (409, json!("not_quick_test"))
    );
}

async fn staff_outside_the_organisation_are_refused(db: Db) {
    let (s, lab) = lab_site(db).await;
    let app = &s.app;
    let other = s.other_session;
    for path in [
        format!("/api/v1/staff/sessions/{other}/walk-ins"),
        format!("/api/v1/staff/sessions/{other}/walk-in-samples"),
    ] {
        let body = json!({"adults": 1, "samples": []});
        let (status, text) = call(app, "POST", &path, lab.as_deref(), Some(body.clone())).await;
        assert_eq!(status, 403, "{path}: {text}");
        let (status, _) = call(app, "POST", &path, None, Some(body)).await;
        assert_eq!(status, 401, "{path}");
    }
    assert_eq!(app.confirmed_people_in_db(other).await, 0);
    // The organiser reaching every organisation may, on the session's day.
    app.starts_today(other).await;
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (status, done) = walk_in(app, chief.as_deref(), other, party(1)).await;
    assert_eq!(status, 201, "{done}");
}

/// The lab's site and staff, a session of 8 places (3 reserved) that runs today, and the
/// booking of 13800138000 made on it online.
async fn booked_online_today(db: Db) -> (Site, Option<String>, i64, Value) {
    let (s, lab) = lab_site(db).await;
    let session = reserved_session_today(&s.app, 8, 3).await;
    let (status, online) = s.app.book(session, "13800138000", 1, 0).await;
    assert_eq!(status, 201, "{online}");
    (s, lab, session, online)
}

/// One phone holds one place a session, at the door as online: the database's unique index
/// (by the phone's keyed hash and the session, over the bookings that hold or wait for a
/// place and name their holder) refuses a walk-in for a phone booked online, and lets it in once every booking of
/// that phone on the session is cancelled, however many there were.
async fn a_phone_holds_one_place_a_session_at_the_door_too(db: Db) {
    let (s, lab, session, online) = booked_online_today(db).await;
    let app = &s.app;
    let cookie = lab.as_deref();
    let same_phone = json!({"phone": "138 0013 8000", "adults": 2});
    let (status, refused) = walk_in(app, cookie, session, same_phone.clone()).await;
    assert_eq!(
        (status, &refused["code"]),
        (409, &json!("duplicate_booking"))
    );
    assert_eq!(places(&session_view(app, session).await), (4, 3, 0, 1));
    // Walk-ins with no phone, or another, never clash.
    for body in [
        party(1),
        party(1),
        json!({"phone": "13900139000", "adults": 1}),
    ] {
        let (status, done) = walk_in(app, cookie, session, body).await;
        assert_eq!(status, 201, "{done}");
    }
    // Cancelled twice over: booked again after the first cancellation, cancelled again.
    let code = online["code"].as_str().unwrap();
    assert_eq!(app.cancel(code, "13800138000").await.0, 200);
    let (status, again) = app.book(session, "13800138000", 1, 0).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        app.cancel(again["code"].as_str().unwrap(), "13800138000")
            .await
            .0,
        200
    );
    let (status, done) = walk_in(app, cookie, session, same_phone.clone()).await;
    assert_eq!(status, 201, "{done}");
    // Now the walk-in holds the phone's place: neither door nor website books it twice.
    let (status, twice) = walk_in(app, cookie, session, same_phone).await;
    assert_eq!((status, &twice["code"]), (409, &json!("duplicate_booking")));
    let (status, online) = app.book(session, "13800138000", 1, 0).await;
    assert_eq!(
        (status, &online["code"]),
        (409, &json!("duplicate_booking"))
    );
    assert_eq!(places(&session_view(app, session).await), (3, 3, 5, 5));
    assert_eq!(app.confirmed_people_in_db(session).await, 5);
}

/// A no-show (marked as the session went on: the desk's clock ran ahead) whose phone then
/// walked in is not checked in beside that walk-in, online or offline: the phone is in
/// already, and the desk is told so, not "something went wrong".
async fn a_no_show_whose_phone_walked_in_is_told_it_is_in_already(db: Db) {
    let (s, lab, session, online) = booked_online_today(db).await;
    let app = &s.app;
    let cookie = lab.as_deref();
    let code = online["code"].as_str().unwrap();
    app.sql(&format!(
        "UPDATE bookings SET status = 'no_show' WHERE code = '{code}'"
    ))
    .await;
    let (status, done) = walk_in(
        app,
        cookie,
        session,
        json!({"phone": "13800138000", "adults": 1}),
    )
    .await;
    assert_eq!(status, 201, "{done}");
    let at = crate::helpers::now() - chrono::Duration::minutes(1);
    for body in [
        json!({"session_id": session, "code": code}),
        json!({"session_id": session, "code": code, "offline_at": at}),
    ] {
        let (status, text) = call(app, "POST", "/api/v1/staff/check-in", cookie, Some(body)).await;
        assert_eq!(
            (status, &parse(&text)["code"]),
            (409, &json!("duplicate_booking")),
            "{text}"
        );
    }
    let status_now = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM bookings WHERE code = '{code}' AND status = 'no_show'"
        ))
        .await;
    assert_eq!(status_now, 1, "the no-show stays as it was");
}

/// POSTs `body` to the staff API's `path` as `cookie`'s staff, with an Idempotency-Key.
async fn keyed(app: &TestApp, cookie: &str, path: &str, key: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .post(format!("{}{path}", app.url))
        .header("cookie", cookie)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .expect("POST");
    (r.status().as_u16(), r.json::<Value>().await.expect("JSON"))
}

/// A walk-in sent again with its Idempotency-Key (the door's answer lost on a bad network)
/// is answered with the walk-in it booked and books nothing more, even once its last place
/// went to that walk-in; another request under the key is refused.
async fn a_walk_in_sent_again_with_its_key_books_once(db: Db) {
    let (s, lab) = lab_site(db).await;
    let (app, cookie) = (&s.app, lab.as_deref().expect("signed in"));
    let session = reserved_session_today(app, 3, 2).await;
    let path = format!("/api/v1/staff/sessions/{session}/walk-ins");
    let send = |body: Value, key: &'static str| keyed(app, cookie, &path, key, body);
    let body = json!({"name": "老王", "adults": 2, "children": 1});
    let (status, first) = send(body.clone(), "door-1").await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["walk_in_places_left"], 0, "{first}");
    // Full now, but the same request is this walk-in, not a new one.
    let (status, again) = send(body.clone(), "door-1").await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["entry"]["code"], first["entry"]["code"]);
    assert_eq!(again["entry"]["checked_in"], 3, "{again}");
    assert_eq!(places(&session_view(app, session).await), (0, 2, 3, 3));
    // Another request under the key is not a retry.
    let (status, other) = send(party(1), "door-1").await;
    assert_eq!(
        (status, &other["code"]),
        (409, &json!("idempotency_mismatch"))
    );
    // A new key is a new walk-in (and the session is full).
    let (status, full) = send(party(1), "door-2").await;
    assert_eq!((status, &full["code"]), (409, &json!("session_full")));
    assert_eq!(app.confirmed_people_in_db(session).await, 3);
    // A citizen who happens to send the door's key books as with any other.
    let online = reserved_session(app, 10, 0).await;
    let booking = json!({"session_id": online, "name": "李雷", "phone": "13900139011",
        "adults": 1, "children": 0, "consent": true});
    let (status, booked) = app
        .post_with_key("/api/v1/bookings", "door-1", &booking)
        .await;
    assert_eq!(status, 201, "{booked}");
}

/// A walk-in's vegetables sent again with their Idempotency-Key (the bench's answer lost)
/// are answered with the samples they registered, codes and all, and register nothing more:
/// sent again one after another (once the phone has reached its limit with them), or
/// several times at once; another request under the key, or the key on another bench, is
/// refused; a citizen's registration under the same key string registers as any other.
async fn a_walk_ins_vegetables_sent_again_with_their_key_register_once(db: Db) {
    let (s, lab) = lab_site(db).await;
    let (app, cookie) = (&s.app, lab.as_deref().expect("signed in"));
    let bench = app.session(quick_test()).await;
    app.starts_today(bench).await;
    let path = format!("/api/v1/staff/sessions/{bench}/walk-in-samples");
    let count = || async {
        let sql = format!("SELECT COUNT(*) FROM samples WHERE session_id = {bench}");
        app.db.scalar(&sql).await
    };
    let five = ["spinach", "celery", "tomato", "cabbage", "carrot"];
    let full = registration(bench, "13800138000", &five);
    let (status, first) = keyed(app, cookie, &path, "bench-1", full.clone()).await;
    assert_eq!(status, 201, "{first}");
    // The phone holds its five now, yet the same request is these five, not a sixth.
    let (status, again) = keyed(app, cookie, &path, "bench-1", full.clone()).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again, first);
    assert_eq!(count().await, 5);
    let (status, other) = keyed(
        app,
        cookie,
        &path,
        "bench-1",
        registration(bench, "", &["chilli"]),
    )
    .await;
    assert_eq!(
        (status, &other["code"]),
        (409, &json!("idempotency_mismatch"))
    );
    // Sent four times at once: one registration, every answer the same.
    let one = registration(bench, "", &["spinach"]);
    let sends = (0..4).map(|_| keyed(app, cookie, &path, "bench-2", one.clone()));
    let answers = futures::future::join_all(sends).await;
    assert!(
        answers.iter().all(|a| *a == answers[0] && a.0 == 201),
        "{answers:?}"
    );
    assert_eq!(count().await, 6);
    // The key names this bench's registration only.
    let other_bench = app.session(quick_test()).await;
    app.starts_today(other_bench).await;
    let elsewhere = format!("/api/v1/staff/sessions/{other_bench}/walk-in-samples");
    let (status, moved) = keyed(app, cookie, &elsewhere, "bench-2", one.clone()).await;
    assert_eq!(
        (status, &moved["code"]),
        (409, &json!("idempotency_mismatch"))
    );
    // A citizen who happens to send the bench's key registers as with any other.
    let citizen = registration(bench, "13900139012", &["spinach"]);
    let (status, registered) = app
        .post_with_key("/api/v1/samples", "bench-2", &citizen)
        .await;
    assert_eq!(status, 201, "{registered}");
    assert_eq!(count().await, 7);
}

crate::on_both_databases!(
    a_walk_ins_vegetables_sent_again_with_their_key_register_once,
    a_walk_in_sent_again_with_its_key_books_once,
    a_no_show_whose_phone_walked_in_is_told_it_is_in_already,
    reserved_places_keep_online_bookings_out_and_walk_ins_take_them_first,
    a_walk_in_never_takes_the_session_past_capacity_under_concurrent_online_bookings,
    every_field_is_checked_at_its_limits,
    a_walk_ins_vegetables_are_registered_at_the_bench_without_a_phone,
    staff_outside_the_organisation_are_refused,
    a_phone_holds_one_place_a_session_at_the_door_too,
);
