//! The staff API: sign-in and its cookie, throttling, route-by-route authorisation of every
//! staff route (401 without a session, 403 for another organisation's lab staff or for lab
//! staff on organiser-only routes), roster, check-in rules, no-shows after the session, CSV
//! export, sign-out.

use crate::console::{activity_body, series_body, session_body};
use crate::helpers::{
    add_fixture_activity, add_fixture_session, header, now, Db, SessionSpec, StoredBooking, TestApp,
};
use crate::photos::{upload, PNG};
use chrono::Duration;
use labday_domain::staff::Role;
use labday_server::auth;
use labday_server::storage::staff::NewStaff;
use serde_json::{json, Value};

pub(crate) const PASSWORD: &str = "open-day-2026";

pub(crate) async fn add_staff(
    app: &TestApp,
    username: &str,
    role: Role,
    organisation_id: Option<i64>,
) {
    let hash = auth::hash_password(PASSWORD).unwrap();
    let staff = NewStaff {
        username: username.into(),
        display_name: username.into(),
        password_hash: hash,
        role,
        organisation_id,
        must_change_password: false,
    };
    assert!(app
        .storage
        .add_staff(staff, now())
        .await
        .unwrap()
        .id()
        .is_some());
}

/// Signs in; returns the status, body and the `Cookie` header to send afterwards.
pub(crate) async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (u16, Value, Option<String>, Option<String>) {
    let r = app
        .http
        .post(format!("{}/api/v1/staff/sign-in", app.url))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let set_cookie = header(&r, "set-cookie");
    let cookie = set_cookie
        .as_deref()
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (
        status,
        r.json().await.unwrap_or(Value::Null),
        cookie,
        set_cookie,
    )
}

/// Sends a request (GET, POST or PUT) with an optional cookie and JSON body.
pub(crate) async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> (u16, String) {
    let url = format!("{}{path}", app.url);
    let mut req = match method {
        "GET" => app.http.get(url),
        "PUT" => app.http.put(url),
        "DELETE" => app.http.delete(url),
        _ => app.http.post(url),
    };
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A JSON answer as text, parsed (`Null` when it is none).
pub(crate) fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// GETs `path` as [`call`] does (whatever the status) and parses the answer.
pub(crate) async fn get_as(app: &TestApp, path: &str, cookie: Option<&str>) -> Value {
    parse(&call(app, "GET", path, cookie, None).await.1)
}

/// A session that is over, with two visitors booked on its day (codes `{prefix}2` and
/// `{prefix}3`, booked on `booked_on`), of whom the first is checked in by `cookie`.
pub(crate) async fn past_session_with_one_visitor_come(
    app: &TestApp,
    opened_days_ago: i64,
    prefix: &str,
    booked_on: chrono::NaiveDate,
    cookie: Option<&str>,
) -> i64 {
    let past = app
        .session(SessionSpec::started_3h_ago(opened_days_ago))
        .await;
    let session_day = (now() - Duration::hours(3)).date();
    for (n, phone) in [(2, "13900139000"), (3, "13900139001")] {
        let code = format!("{prefix}{n}");
        app.db
            .insert_booking(StoredBooking {
                session: past,
                code: &code,
                name: "过去",
                phone,
                phone_hash: None,
                status: "confirmed",
                session_day,
                booked_at: booked_on.and_hms_opt(8, 0, 0).unwrap(),
            })
            .await;
    }
    let path = "/api/v1/staff/check-in";
    let request = json!({"session_id": past, "code": format!("{prefix}2")});
    expect_call(app, "POST", path, cookie, Some(request), 200).await;
    past
}

/// Sends a request as [`call`] does and asserts its status; returns the body.
pub(crate) async fn expect_call(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
    status: u16,
) -> String {
    let (got, text) = call(app, method, path, cookie, body).await;
    assert_eq!(got, status, "{method} {path}: {text}");
    text
}

/// Two organisations, each with an activity and a session; an organiser `chief` and lab
/// staff `lab-a` of the first.
pub(crate) struct Site {
    pub(crate) app: TestApp,
    pub(crate) org: i64,
    pub(crate) session: i64,
    pub(crate) other_session: i64,
    pub(crate) other_org: i64,
    pub(crate) other_activity: i64,
}

pub(crate) async fn site(db: Db) -> Site {
    let app = TestApp::spawn(db).await;
    let session = app.session(SessionSpec::default()).await;
    let org = app
        .storage
        .session_organisation(session)
        .await
        .unwrap()
        .unwrap();
    let other_activity = add_fixture_activity(app.storage.as_ref()).await;
    let other_session =
        add_fixture_session(app.storage.as_ref(), other_activity, SessionSpec::default()).await;
    let other_org = app
        .storage
        .session_organisation(other_session)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(other_org, org);
    add_staff(&app, "chief", Role::Organiser, None).await;
    add_staff(&app, "lab-a", Role::LabStaff, Some(org)).await;
    Site {
        app,
        org,
        session,
        other_session,
        other_org,
        other_activity,
    }
}

/// The [`Site`], and the session cookie of its lab staff `lab-a`, signed in.
pub(crate) async fn site_with_lab(db: Db) -> (Site, Option<String>) {
    let s = site(db).await;
    let (_, _, lab, _) = sign_in(&s.app, "lab-a", PASSWORD).await;
    (s, lab)
}

async fn sign_in_sets_a_strict_cookie_and_wrong_passwords_are_slowed_down(db: Db) {
    let s = site(db).await;
    let (status, me, cookie, set_cookie) = sign_in(&s.app, "LAB-A", PASSWORD).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["role"], "lab_staff");
    assert_eq!(me["organisation_id"], s.org);
    let set_cookie = set_cookie.unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let path = "/api/v1/staff/me";
    expect_call(&s.app, "GET", path, cookie.as_deref(), None, 200).await;

    // Unknown user and wrong password look the same.
    let (s1, e1, _, _) = sign_in(&s.app, "nobody", PASSWORD).await;
    let (s2, e2, _, _) = sign_in(&s.app, "chief", "wrong-password").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(e1, e2);
    for _ in 0..4 {
        sign_in(&s.app, "chief", "wrong-password").await;
    }
    let (status, err, _, _) = sign_in(&s.app, "chief", PASSWORD).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (429, Some("too_many_requests")),
        "paused even with the right password"
    );

    // Sign-out ends the session.
    let path = "/api/v1/staff/sign-out";
    expect_call(&s.app, "POST", path, cookie.as_deref(), None, 204).await;
    let path = "/api/v1/staff/me";
    expect_call(&s.app, "GET", path, cookie.as_deref(), None, 401).await;
}

async fn every_staff_route_needs_a_session_and_the_right_organisation(db: Db) {
    let s = site(db).await;
    let (_, _, lab, _) = sign_in(&s.app, "lab-a", PASSWORD).await;
    let (_, _, chief, _) = sign_in(&s.app, "chief", PASSWORD).await;
    let mine = s.session;
    let theirs = s.other_session;
    let (org, act) = (s.other_org, s.other_activity);
    let account = json!({"username": "new-lab", "password": PASSWORD, "role": "lab_staff", "organisation_id": org});
    let media = json!({"activity_id": act, "link": "https://news.example/a", "outlet": "日报", "published_on": now().date()});
    // A sample registered on a quick-test session of the other organisation.
    let quick = add_fixture_session(
        s.app.storage.as_ref(),
        act,
        SessionSpec {
            format: labday_domain::SessionFormat::QuickTest,
            ..Default::default()
        },
    )
    .await;
    let sample = crate::samples::register(&s.app, quick, "13700137000", &["spinach"]).await;
    let sample = sample[0]["code"].as_str().unwrap().to_owned();
    let (status, photo) = upload(&s.app, chief.as_deref(), act, "合影", PNG.to_vec()).await;
    assert_eq!(status, 201, "{photo}");
    let their_photo = photo["id"].as_i64().unwrap();
    let media_path = "/api/v1/staff/media";
    let created = expect_call(
        &s.app,
        "POST",
        media_path,
        chief.as_deref(),
        Some(media.clone()),
        201,
    )
    .await;
    let their_media = format!("/api/v1/staff/media/{}", parse(&created)["id"]);
    let their_photo_path = format!("/api/v1/staff/photos/{their_photo}");
    // An account of the other organisation, for the account routes.
    add_staff(&s.app, "lab-b", Role::LabStaff, Some(org)).await;
    let lab_b = s.app.storage.staff_credentials("lab-b").await.unwrap();
    let accounts = format!("/api/v1/staff/accounts/{}", lab_b.unwrap().staff.id);
    let their_org = format!("/api/v1/staff/organisations/{org}");
    let new_org = json!({"parent_id": org, "kind": "lab", "name": {"zh": "新单位", "en": ""}});
    let password = json!({"password": "season-two-2026"});
    let own_password = json!({"current": PASSWORD, "password": "season-two-2026"});
    // Each route, and whether lab staff of the first organisation must be refused (403).
    let routes: Vec<(&str, String, Option<Value>, bool)> = vec![
        ("GET", "/api/v1/staff/me".into(), None, false),
        ("POST", "/api/v1/staff/sign-out".into(), None, false),
        (
            "GET",
            format!("/api/v1/staff/sessions/{theirs}/roster"),
            None,
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/sessions/{theirs}/roster.csv"),
            None,
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/sessions/{theirs}/no-shows"),
            None,
            true,
        ),
        (
            "POST",
            "/api/v1/staff/check-in".into(),
            Some(json!({"session_id": theirs, "code": "ABCDEFGH"})),
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/sessions/{theirs}/walk-ins"),
            Some(json!({"adults": 1})),
            true,
        ),
        (
            "POST",
            "/api/v1/staff/bookings/move".into(),
            Some(json!({"code": "ABCDEFGH", "from_session_id": theirs, "to_session_id": theirs})),
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/sessions/{quick}/walk-in-samples"),
            Some(crate::samples::registration(quick, "", &["spinach"])),
            true,
        ),
        ("POST", "/api/v1/staff/accounts".into(), Some(account), true),
        ("GET", "/api/v1/staff/audit".into(), None, true),
        (
            "POST",
            "/api/v1/staff/activities".into(),
            Some(activity_body(org)),
            true,
        ),
        (
            "PUT",
            format!("/api/v1/staff/activities/{act}"),
            Some(activity_body(org)),
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/activities/{act}/sessions"),
            Some(session_body(10)),
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/activities/{act}/sessions/preview"),
            Some(series_body()),
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/activities/{act}/sessions/generate"),
            Some(series_body()),
            true,
        ),
        (
            "PUT",
            format!("/api/v1/staff/sessions/{theirs}"),
            Some(session_body(12)),
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/sessions/{theirs}/cancel"),
            None,
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/summary?organisation_id={org}"),
            None,
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/summary.csv?organisation_id={org}"),
            None,
            true,
        ),
        (
            "POST",
            "/api/v1/staff/media".into(),
            Some(media.clone()),
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/media?activity_id={act}"),
            None,
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/sessions/{quick}/samples"),
            None,
            true,
        ),
        ("GET", format!("/api/v1/staff/samples/{sample}"), None, true),
        (
            "POST",
            format!("/api/v1/staff/samples/{sample}/receive"),
            Some(json!({"session_id": quick})),
            true,
        ),
        (
            "POST",
            format!("/api/v1/staff/samples/{sample}/tests"),
            Some(json!({"method": "enzyme_inhibition", "inhibition_pct": 12.5})),
            true,
        ),
        ("GET", "/api/v1/staff/organisations".into(), None, false),
        (
            "POST",
            "/api/v1/staff/organisations".into(),
            Some(new_org),
            true,
        ),
        ("GET", their_org.clone(), None, true),
        (
            "PUT",
            their_org,
            Some(json!({"kind": "lab", "name": {"zh": "改名"}})),
            true,
        ),
        ("GET", "/api/v1/staff/accounts".into(), None, true),
        ("POST", format!("{accounts}/disable"), None, true),
        ("POST", format!("{accounts}/enable"), None, true),
        ("POST", format!("{accounts}/password"), Some(password), true),
        ("POST", format!("{accounts}/sign-out"), None, true),
        (
            "PUT",
            "/api/v1/staff/me/password".into(),
            Some(own_password),
            false,
        ),
        (
            "GET",
            format!("/api/v1/staff/activities?organisation_id={org}"),
            None,
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/photos?activity_id={act}"),
            None,
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/photos/{their_photo}"),
            None,
            true,
        ),
        ("PUT", their_media.clone(), Some(media.clone()), true),
        ("DELETE", their_media, None, true),
        (
            "PUT",
            their_photo_path.clone(),
            Some(json!({"caption": "改"})),
            true,
        ),
        ("DELETE", their_photo_path, None, true),
        (
            "GET",
            format!("/api/v1/staff/report?organisation_id={org}"),
            None,
            true,
        ),
        (
            "GET",
            format!("/api/v1/staff/report.docx?organisation_id={org}"),
            None,
            true,
        ),
    ];
    // Uploads send the image itself, not JSON: checked on their own.
    for (cookie, expected) in [
        (None, 401),
        (Some("labday_staff=forged"), 401),
        (lab.as_deref(), 403),
    ] {
        let (status, e) = upload(&s.app, cookie, act, "合影", PNG.to_vec()).await;
        assert_eq!(status, expected, "POST /api/v1/staff/photos: {e}");
    }
    // The OpenAPI document lists exactly these staff operations (plus sign-in): none is
    // forgotten.
    let (_, doc) = s.app.get("/api/v1/openapi.json").await;
    let documented: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.contains("/staff/") && !p.ends_with("sign-in"))
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    // (+1: the photo upload, checked above.)
    assert_eq!(documented.len(), routes.len() + 1, "{documented:?}");

    for (method, path, body, foreign) in &routes {
        let (status, text) = call(&s.app, method, path, None, body.clone()).await;
        assert_eq!(status, 401, "{method} {path} without a session: {text}");
        let (status, text) = call(
            &s.app,
            method,
            path,
            Some("labday_staff=forged"),
            body.clone(),
        )
        .await;
        assert_eq!(status, 401, "{method} {path} with a forged cookie: {text}");
        if *foreign {
            // A sample's code is its holder's secret: another organisation's reads as none
            // (`beyond_reach.rs`); ids are not, and are refused.
            let refused = if path.contains("/staff/samples/") {
                404
            } else {
                403
            };
            let (status, text) = call(&s.app, method, path, lab.as_deref(), body.clone()).await;
            assert_eq!(
                status, refused,
                "{method} {path} for another organisation: {text}"
            );
            let (status, text) = call(&s.app, method, path, chief.as_deref(), body.clone()).await;
            assert_ne!(
                status, 403,
                "{method} {path}: organisers may act everywhere: {text}"
            );
            assert_ne!(status, 401, "{method} {path}: {text}");
        }
    }
    let path = format!("/api/v1/staff/sessions/{mine}/roster");
    let (status, _) = call(&s.app, "GET", &path, lab.as_deref(), None).await;
    assert_eq!(status, 200, "lab staff see their own sessions");
    // A cross-site write is refused even with a valid cookie.
    let r = s
        .app
        .http
        .post(format!(
            "{}/api/v1/staff/sessions/{mine}/no-shows",
            s.app.url
        ))
        .header("cookie", lab.clone().unwrap())
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

async fn check_in_at_the_door_and_no_shows_after_the_session(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    let small = app.session_with(|spec| spec.capacity = 4).await;
    let parties = [
        ("13800138000", 2, 1),
        ("13800138001", 1, 0),
        ("13800138002", 1, 0),
    ];
    let [family, single, waiting] = app.book_in_turn(small, parties).await;
    let (_, elsewhere) = app.book(s.session, "13800138003", 1, 0).await;
    assert_eq!(waiting["status"], "waitlisted");
    // Visitors are checked in from the session's day on.
    app.starts_today(small).await;
    let code = |v: &Value| v["code"].as_str().unwrap().to_owned();

    // The roster shows full numbers to staff.
    let path = format!("/api/v1/staff/sessions/{small}/roster");
    let roster = expect_call(app, "GET", &path, cookie, None, 200).await;
    assert!(roster.contains("13800138000") && roster.contains("张三"));

    // Checks `people` of booking `c` in at the small session (all that are left: `None`).
    let check_in = |c: String, people: Option<u32>| {
        let request = json!({"session_id": small, "code": c, "people": people});
        call(app, "POST", "/api/v1/staff/check-in", cookie, Some(request))
    };
    // Two of the family now, the third later; not more than the party.
    let (status, body) = check_in(code(&family).to_lowercase(), Some(2)).await;
    assert_eq!(status, 200, "{body}");
    let body = parse(&body);
    assert_eq!(
        (
            body["people"].as_u64(),
            body["entry"]["checked_in"].as_u64()
        ),
        (Some(2), Some(2))
    );
    let (status, body) = check_in(code(&family), Some(2)).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = check_in(code(&family), None).await;
    assert_eq!(status, 200, "{body}");
    // Again; then wrong session, waiting list, unknown code, cancelled: each says so.
    let refused = |got: u16, body: &str, status: u16, says: &str| {
        assert!(got == status && body.contains(says), "{says}: {body}");
    };
    for (booking, status, says) in [
        (code(&family), 409, "already_checked_in"),
        (code(&elsewhere), 409, "wrong_session"),
        (code(&waiting), 409, "not_confirmed"),
        ("ABCDEFGH".into(), 404, ""),
    ] {
        let (got, body) = check_in(booking, None).await;
        refused(got, &body, status, says);
    }
    app.cancel(&code(&single), "13800138001").await;
    let (got, body) = check_in(code(&single), None).await;
    refused(got, &body, 409, "already_cancelled");

    // No-shows only after the session.
    let path = format!("/api/v1/staff/sessions/{small}/no-shows");
    let body = expect_call(app, "POST", &path, cookie, None, 409).await;
    assert!(body.contains("session_not_over"), "{body}");
    let day = (now() - Duration::hours(3)).date();
    let past = past_session_with_one_visitor_come(app, 2, "PASTWXY", day, cookie).await;
    let path = format!("/api/v1/staff/sessions/{past}/no-shows");
    let body = expect_call(app, "POST", &path, cookie, None, 200).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["marked"], 1);

    // CSV: BOM first, one line per booking.
    let path = format!("/api/v1/staff/sessions/{small}/roster.csv");
    let r = app.get_response(&path, cookie).await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert_eq!(text.lines().count(), 4, "header + three bookings:\n{text}");
    assert!(text.contains(&format!(
        "{},张三,13800138000,2,1,3,checked_in",
        code(&family)
    )));
}

/// `people: 0` at the door is a field error (at least one person comes in at a time), not
/// `party_too_large`; the booking stays as it was, and one person then comes in. More than
/// the party has left is `party_too_large`, said of the booking.
async fn checking_in_nobody_is_a_field_error(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    let today = app.session(SessionSpec::started_3h_ago(2)).await;
    let code = "NQNEPPW2";
    app.db
        .insert_booking(StoredBooking::at_the_door(today, code, "来访"))
        .await;
    let path = "/api/v1/staff/check-in";
    let request = |people: u32| Some(json!({"session_id": today, "code": code, "people": people}));
    let body = parse(&expect_call(app, "POST", path, cookie, request(0), 422).await);
    assert_eq!(body["code"], "invalid", "{body}");
    assert_eq!(body["fields"]["people"], "people_required", "{body}");
    // Two of a party of one: refused in words about the booking, not the session's limit.
    let body = parse(&expect_call(app, "POST", path, cookie, request(2), 409).await);
    assert_eq!(body["code"], "party_too_large", "{body}");
    assert_eq!(
        body["message"],
        "More people than the booking has left to check in"
    );
    let body = parse(&expect_call(app, "POST", path, cookie, request(1), 200).await);
    assert_eq!(body["people"], 1, "{body}");
    assert_eq!(
        body["entry"]["checked_in"], 1,
        "nothing came in before: {body}"
    );
}

crate::on_both_databases!(
    checking_in_nobody_is_a_field_error,
    sign_in_sets_a_strict_cookie_and_wrong_passwords_are_slowed_down,
    every_staff_route_needs_a_session_and_the_right_organisation,
    check_in_at_the_door_and_no_shows_after_the_session,
);
