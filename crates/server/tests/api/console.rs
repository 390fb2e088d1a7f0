//! The staff console beyond the door: accounts created by organisers, activities and
//! sessions (one at a time or as a previewed series), capacity changes and the waiting list,
//! cancelled sessions as their holders see them, the organiser's figures and CSV, media
//! coverage, the audit log, and the console's own list of every session with its counts.
//! Route-by-route authorisation is in `staff.rs`.

use crate::helpers::{now, Db, SessionSpec};
use crate::staff::{
    call, expect_call, get_as, parse, past_session_with_one_visitor_come, sign_in, site,
    site_with_lab, PASSWORD,
};
use chrono::{Duration, NaiveDateTime};
use labday_domain::schedule::{ActivityDays, ScheduledActivity, SessionDraft, ValidSession};
use labday_domain::{SessionFormat, SessionStatus};
use labday_server::storage::schedule::{SessionUpdated, SessionsCreated};
use serde_json::{json, Value};

/// Venue-local time `days` from today at `h:m`.
fn at(days: i64, h: u32, m: u32) -> NaiveDateTime {
    (now().date() + Duration::days(days))
        .and_hms_opt(h, m, 0)
        .unwrap()
}

pub(crate) fn activity_body(organisation_id: i64) -> Value {
    json!({
        "organisation_id": organisation_id,
        "kind": "lab_open_day",
        "title": {"zh": "新开放日", "en": "New open day"},
        "starts_on": now().date(),
        "ends_on": now().date() + Duration::days(30),
    })
}

pub(crate) fn session_body(capacity: u32) -> Value {
    json!({
        "format": "visit",
        "title": {"zh": "上午场", "en": "Morning"},
        "place": {"zh": "一楼", "en": "Ground floor"},
        "starts_at": at(3, 9, 0),
        "ends_at": at(3, 10, 0),
        "capacity": capacity,
        "per_booking_limit": capacity.clamp(1, 4),
        "booking_opens_at": at(-1, 9, 0),
        "booking_closes_at": at(3, 8, 0),
        "cancel_deadline": at(2, 18, 0),
    })
}

/// Every day from tomorrow for a week, 09:00–11:00 in hour slots: 14 sessions.
pub(crate) fn series_body() -> Value {
    json!({
        "from": now().date() + Duration::days(1),
        "to": now().date() + Duration::days(7),
        "weekdays": [1, 2, 3, 4, 5, 6, 7],
        "day_starts": "09:00",
        "day_ends": "11:00",
        "length_minutes": 60,
        "format": "demo",
        "place": {"zh": "二楼", "en": "First floor"},
        "capacity": 20,
        "per_booking_limit": 2,
        "booking_opens_at": at(-1, 0, 0),
        "closes_minutes_before": 60,
        "cancel_minutes_before": 120,
    })
}

async fn organisers_create_staff_accounts_and_lab_staff_cannot(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let account = json!({"username": "Lab-B", "display_name": "王工", "password": "a long password", "role": "lab_staff", "organisation_id": s.other_org});

    // Creates an account as the organiser, expecting `status`; returns the answer.
    let create = |account: Value, status: u16| {
        let path = "/api/v1/staff/accounts";
        expect_call(app, "POST", path, chief.as_deref(), Some(account), status)
    };
    let body = create(account.clone(), 201).await;
    let created = parse(&body);
    assert_eq!(created["username"], "lab-b");
    assert_eq!(created["organisation_id"], s.other_org);
    // Neither the password nor any hash of it comes back (`must_change_password` does).
    assert!(!body.contains("a long password"), "{body}");
    assert!(created.get("password").is_none(), "{body}");
    assert!(created.get("password_hash").is_none(), "{body}");
    assert!(!body.contains("argon2"), "{body}");
    assert_eq!(created["must_change_password"], true, "{body}");
    let (status, me, new, _) = sign_in(app, "lab-b", "a long password").await;
    assert_eq!((status, &me["role"]), (200, &json!("lab_staff")), "{me}");
    // The organiser typed the password, so two people know it: the holder chooses their
    // own before anything else.
    assert_eq!(me["must_change_password"], true, "{me}");
    let roster = format!("/api/v1/staff/sessions/{}/roster", s.other_session);
    let body = expect_call(app, "GET", &roster, new.as_deref(), None, 403).await;
    assert_eq!(parse(&body)["code"], "password_change_required");
    let own = json!({"current": "a long password", "password": "my own password 2026"});
    let path = "/api/v1/staff/me/password";
    expect_call(app, "PUT", path, new.as_deref(), Some(own), 200).await;
    expect_call(app, "GET", &roster, new.as_deref(), None, 200).await;

    let body = create(account.clone(), 409).await;
    assert_eq!(parse(&body)["code"], "username_taken");

    let request = json!({"username": "x", "password": "short", "role": "lab_staff"});
    let body = create(request, 422).await;
    let fields = &parse(&body)["fields"];
    assert_eq!(fields["username"], "username_invalid");
    assert_eq!(fields["password"], "password_too_short");
    assert_eq!(fields["organisation_id"], "organisation_required");
    let request = json!({"username": "lab-c", "password": "Lab-C-2026!", "role": "lab_staff", "organisation_id": s.other_org});
    let body = create(request, 422).await;
    assert_eq!(parse(&body)["fields"]["password"], "password_weak");

    let request = json!({"username": "ghost-lab", "password": PASSWORD, "role": "lab_staff", "organisation_id": 999_999});
    let body = create(request, 422).await;
    assert_eq!(
        parse(&body)["fields"]["organisation_id"],
        "organisation_unknown"
    );

    let (status, body) = call(
        app,
        "POST",
        "/api/v1/staff/accounts",
        lab.as_deref(),
        Some(json!({"username": "my-friend", "password": PASSWORD, "role": "organiser"})),
    )
    .await;
    assert_eq!(status, 403, "lab staff cannot create accounts: {body}");
}

async fn activities_and_sessions_are_created_and_edited_with_field_errors(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());

    let path = "/api/v1/staff/activities";
    let body = expect_call(app, "POST", path, lab, Some(activity_body(s.org)), 201).await;
    let activity = parse(&body)["id"].as_i64().unwrap();

    let mut broken = activity_body(s.org);
    broken["title"] = json!({"zh": " ", "en": "x"});
    broken["ends_on"] = json!(now().date() - Duration::days(1));
    let path = "/api/v1/staff/activities";
    let body = expect_call(app, "POST", path, lab, Some(broken), 422).await;
    let fields = &parse(&body)["fields"];
    assert_eq!(
        (&fields["title"], &fields["ends_on"]),
        (&json!("title_required"), &json!("end_before_start"))
    );
    // The NUL character reaches no database (PostgreSQL's text cannot hold it): refused
    // whole, as an unreadable body, and nothing is created.
    let mut nul = activity_body(s.org);
    nul["safety_notes"] = json!({"zh": "注意\u{0}安全", "en": ""});
    let listed = || expect_call(app, "GET", path, lab, None, 200);
    let before = listed().await;
    let body = expect_call(app, "POST", path, lab, Some(nul), 400).await;
    assert_eq!(parse(&body)["code"], "bad_request");
    assert_eq!(listed().await, before, "nothing was created");
    // A new activity already over (a year typed wrong) is refused; one ending today is not.
    let body = activity_on(s.org, -400, -398, "去年的开放日");
    let body = expect_call(app, "POST", path, lab, Some(body), 422).await;
    assert_eq!(parse(&body)["fields"], json!({"ends_on": "already_over"}));
    assert_eq!(listed().await, before, "nothing was created");
    let today = activity_on(s.org, -1, 0, "今天结束的开放日");
    expect_call(app, "POST", path, lab, Some(today), 201).await;
    // An organiser who chose no organisation, or one that is not there, is told so beside
    // everything else that is wrong, at once.
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    for (organisation, code) in [
        (0, "organisation_required"),
        (999_999, "organisation_unknown"),
    ] {
        let mut body = activity_on(organisation, -400, -398, " ");
        body["title"] = json!({"zh": " ", "en": ""});
        let body = expect_call(app, "POST", path, chief.as_deref(), Some(body), 422).await;
        assert_eq!(
            parse(&body)["fields"],
            json!({"organisation_id": code, "title": "title_required"})
        );
    }
    // An edit that names no organisation is told the same; so is lab staff who chose none,
    // rather than refused an organisation that is not theirs (403).
    let mut none = activity_body(0);
    none["title"] = json!({"zh": "开放日", "en": ""});
    let edit = format!("{path}/{activity}");
    for (method, path, account) in [
        ("PUT", edit.as_str(), chief.as_deref()),
        ("PUT", edit.as_str(), lab),
        ("POST", path, lab),
    ] {
        let body = expect_call(app, method, path, account, Some(none.clone()), 422).await;
        assert_eq!(
            parse(&body)["fields"],
            json!({"organisation_id": "organisation_required"}),
            "{method} {path}"
        );
    }

    let mut renamed = activity_body(s.org);
    renamed["title"] = json!({"zh": "改名的开放日", "en": "Renamed"});
    let path = format!("/api/v1/staff/activities/{activity}");
    expect_call(app, "PUT", &path, lab, Some(renamed.clone()), 200).await;
    // Lab staff cannot hand their activity to another organisation.
    renamed["organisation_id"] = json!(s.other_org);
    let path = format!("/api/v1/staff/activities/{activity}");
    expect_call(app, "PUT", &path, lab, Some(renamed), 403).await;

    let path = format!("/api/v1/staff/activities/{activity}/sessions");
    let body = expect_call(app, "POST", &path, lab, Some(session_body(12)), 201).await;
    let session = parse(&body);
    assert_eq!(session["capacity"], 12);
    assert_eq!(session["window"], "open");
    let id = session["id"].as_i64().unwrap();

    // The public sees it on the activity page, under its new title.
    let (status, page) = app.get(&format!("/api/v1/activities/{activity}")).await;
    assert_eq!(status, 200);
    assert_eq!(page["title"]["zh"], "改名的开放日");
    assert_eq!(page["sessions"][0]["id"], id);

    // Every broken rule is named against its field.
    let mut broken = session_body(12);
    broken["ends_at"] = json!(at(3, 8, 0));
    broken["booking_closes_at"] = json!(at(3, 9, 30));
    broken["cancel_deadline"] = json!(at(4, 0, 0));
    broken["capacity"] = json!(0);
    let path = format!("/api/v1/staff/activities/{activity}/sessions");
    let body = expect_call(app, "POST", &path, lab, Some(broken), 422).await;
    let fields = &parse(&body)["fields"];
    assert_eq!(fields["ends_at"], "end_before_start");
    assert_eq!(fields["booking_closes_at"], "closes_after_start");
    assert_eq!(fields["cancel_deadline"], "deadline_after_start");
    assert_eq!(fields["capacity"], "capacity_invalid");

    let mut online = session_body(100);
    online["format"] = json!("cloud_classroom");
    online["place"] = json!({"zh": "", "en": ""});
    let path = format!("/api/v1/staff/activities/{activity}/sessions");
    let body = expect_call(app, "POST", &path, lab, Some(online.clone()), 422).await;
    assert_eq!(parse(&body)["fields"]["join_link"], "join_link_required");
    online["join_link"] = json!("https://meet.example/lecture");
    let path = format!("/api/v1/staff/activities/{activity}/sessions");
    let body = expect_call(app, "POST", &path, lab, Some(online), 201).await;
    assert!(
        !body.contains("meet.example"),
        "the link is for holders only"
    );

    // Edit: new time and place.
    let mut moved = session_body(12);
    moved["starts_at"] = json!(at(4, 14, 0));
    moved["ends_at"] = json!(at(4, 15, 0));
    moved["place"] = json!({"zh": "三楼", "en": "Second floor"});
    let path = format!("/api/v1/staff/sessions/{id}");
    let body = expect_call(app, "PUT", &path, lab, Some(moved), 200).await;
    let changed = parse(&body);
    assert_eq!(changed["session"]["place"]["zh"], "三楼");
    assert_eq!(
        changed["session"]["starts_at"],
        json!(at(4, 14, 0)),
        "{changed}"
    );
}

async fn a_series_is_previewed_then_created_in_one_go(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let activity = app.activity_id;
    let count_sessions = || async {
        let (_, page) = app.get(&format!("/api/v1/activities/{activity}")).await;
        page["sessions"].as_array().map_or(0, Vec::len)
    };
    let before = count_sessions().await;

    let path = format!("/api/v1/staff/activities/{activity}/sessions/preview");
    let body = expect_call(app, "POST", &path, lab, Some(series_body()), 200).await;
    let preview = parse(&body);
    let preview = preview.as_array().unwrap();
    assert_eq!(preview.len(), 14);
    assert_eq!(preview[0]["starts_at"], json!(at(1, 9, 0)));
    assert_eq!(preview[1]["starts_at"], json!(at(1, 10, 0)));
    assert_eq!(preview[0]["booking_closes_at"], json!(at(1, 8, 0)));
    assert_eq!(count_sessions().await, before, "a preview creates nothing");

    let mut huge = series_body();
    huge["day_starts"] = json!("00:00");
    huge["day_ends"] = json!("23:55");
    huge["length_minutes"] = json!(5);
    let path = format!("/api/v1/staff/activities/{activity}/sessions/generate");
    let body = expect_call(app, "POST", &path, lab, Some(huge), 422).await;
    assert_eq!(parse(&body)["fields"]["to"], "too_many_sessions");
    assert_eq!(
        count_sessions().await,
        before,
        "a refused series creates nothing"
    );

    let path = format!("/api/v1/staff/activities/{activity}/sessions/generate");
    let body = expect_call(app, "POST", &path, lab, Some(series_body()), 201).await;
    let ids = parse(&body)["session_ids"].as_array().unwrap().clone();
    assert_eq!(ids.len(), 14);
    assert_eq!(count_sessions().await, before + 14);
    let (_, first) = app.get(&format!("/api/v1/sessions/{}", ids[0])).await;
    assert_eq!(
        (&first["format"], &first["capacity"], &first["starts_at"]),
        (&json!("demo"), &json!(20), &json!(at(1, 9, 0)))
    );

    // The same series sent again (a double click, a retry), even twice at once, creates
    // nothing more; another title for parallel groups is a series of its own.
    let again = || expect_call(app, "POST", &path, lab, Some(series_body()), 422);
    let (one, two) = tokio::join!(again(), again());
    for body in [one, two] {
        assert_eq!(parse(&body)["fields"], json!({"from": "already_scheduled"}));
    }
    assert_eq!(count_sessions().await, before + 14);
    let mut single = session_body(12);
    for key in [
        "title",
        "place",
        "starts_at",
        "ends_at",
        "booking_closes_at",
        "cancel_deadline",
    ] {
        single[key] = first[key].clone();
    }
    let one_path = format!("/api/v1/staff/activities/{activity}/sessions");
    let body = expect_call(app, "POST", &one_path, lab, Some(single), 422).await;
    assert_eq!(
        parse(&body)["fields"],
        json!({"starts_at": "already_scheduled"})
    );
    let mut group_b = series_body();
    group_b["title"] = json!({"zh": "演示 B 组", "en": "Demo, group B"});
    expect_call(app, "POST", &path, lab, Some(group_b), 201).await;
    assert_eq!(count_sessions().await, before + 28);
}

/// Sessions lie within their activity's first and last days: created one by one, as a
/// series (previewed or generated) or moved, a session outside them is refused beside its
/// date (`outside_activity`) and nothing is created or moved.
async fn sessions_lie_within_their_activitys_days(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    // An activity from the day after tomorrow to five days from today.
    let mut days = activity_body(s.org);
    days["starts_on"] = json!(now().date() + Duration::days(2));
    days["ends_on"] = json!(now().date() + Duration::days(5));
    let path = "/api/v1/staff/activities";
    let activity = parse(&expect_call(app, "POST", path, lab, Some(days), 201).await)["id"]
        .as_i64()
        .unwrap();
    let count_sessions = || async {
        let (_, page) = app.get(&format!("/api/v1/activities/{activity}")).await;
        page["sessions"].as_array().map_or(0, Vec::len)
    };
    let on = session_on;
    let create = format!("/api/v1/staff/activities/{activity}/sessions");
    let outside = |text: &str, field: &str| {
        assert_eq!(
            parse(text)["fields"][field],
            "outside_activity",
            "{field}: {text}"
        );
    };
    // Tomorrow (the day before it starts), six days on (the day after it ends), and one
    // running past midnight after its last day.
    for (body, field) in [
        (on(1, 9, 1), "starts_at"),
        (on(6, 9, 1), "starts_at"),
        (on(5, 23, 2), "ends_at"),
    ] {
        let text = expect_call(app, "POST", &create, lab, Some(body), 422).await;
        outside(&text, field);
    }
    assert_eq!(count_sessions().await, 0, "nothing was created");
    // Its first and last days are its own.
    expect_call(app, "POST", &create, lab, Some(on(2, 9, 1)), 201).await;
    let last = parse(&expect_call(app, "POST", &create, lab, Some(on(5, 22, 2)), 201).await);
    let id = last["id"].as_i64().unwrap();

    // Moved a day past its last: refused, and it stays.
    let path = format!("/api/v1/staff/sessions/{id}");
    let text = expect_call(app, "PUT", &path, lab, Some(on(6, 10, 1)), 422).await;
    outside(&text, "starts_at");
    let (_, stays) = app.get(&format!("/api/v1/sessions/{id}")).await;
    assert_eq!(stays["starts_at"], json!(at(5, 22, 0)), "{stays}");
    expect_call(app, "PUT", &path, lab, Some(on(4, 10, 1)), 200).await;

    // A series from tomorrow, or until six days on: refused in preview and generation.
    let series = |from: i64, to: i64| {
        let mut body = series_body();
        body["from"] = json!(now().date() + Duration::days(from));
        body["to"] = json!(now().date() + Duration::days(to));
        body
    };
    for kind in ["preview", "generate"] {
        let path = format!("/api/v1/staff/activities/{activity}/sessions/{kind}");
        let text = expect_call(app, "POST", &path, lab, Some(series(1, 5)), 422).await;
        outside(&text, "from");
        let text = expect_call(app, "POST", &path, lab, Some(series(2, 6)), 422).await;
        outside(&text, "to");
    }
    assert_eq!(
        count_sessions().await,
        2,
        "a refused series creates nothing"
    );
    let path = format!("/api/v1/staff/activities/{activity}/sessions/generate");
    let body = expect_call(app, "POST", &path, lab, Some(series(2, 5)), 201).await;
    assert_eq!(parse(&body)["session_ids"].as_array().unwrap().len(), 8);
}

/// A session `hours` long from `h`:00 on the day `d` days from today.
fn session_on(d: i64, h: u32, hours: i64) -> Value {
    let mut body = session_body(10);
    body["starts_at"] = json!(at(d, h, 0));
    body["ends_at"] = json!(at(d, h, 0) + Duration::hours(hours));
    body["booking_closes_at"] = json!(at(d, h, 0) - Duration::hours(1));
    body["cancel_deadline"] = json!(at(d, h, 0) - Duration::hours(2));
    body
}

/// An activity of `organisation` from `first` to `last` days from today, titled `title`.
fn activity_on(organisation: i64, first: i64, last: i64, title: &str) -> Value {
    let mut body = activity_body(organisation);
    body["title"] = json!({"zh": title, "en": ""});
    body["starts_on"] = json!(now().date() + Duration::days(first));
    body["ends_on"] = json!(now().date() + Duration::days(last));
    body
}

/// A form sent twice (a double click, a retry after a lost answer, two tabs) makes one
/// activity, even when the sends arrive together: the others are told it exists, beside
/// its title; another day or title is another activity.
async fn an_activity_sent_twice_at_once_is_created_once(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let path = "/api/v1/staff/activities";
    let body = activity_on(s.org, 3, 5, "\u{FEFF}计量开放日 ");
    let sends = (0..8).map(|_| call(app, "POST", path, lab, Some(body.clone())));
    let answers = futures::future::join_all(sends).await;
    let created: Vec<&String> = answers
        .iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status != 201) {
        assert_eq!(*status, 422, "{body}");
        assert_eq!(parse(body)["fields"], json!({"title": "activity_exists"}));
    }
    let id = parse(created[0])["id"].as_i64().unwrap();
    let day = |days: i64| json!(now().date() + Duration::days(days));
    // Stored trimmed of the pasted byte-order mark, as the title it looks like.
    assert_eq!(
        listed_activity(app, lab, id).await,
        json!(["计量开放日", day(3), day(5)])
    );
    // Nor can a title that only reads the same (a zero-width space inside, a variation
    // selector after it) make a second one.
    for twin in ["计量开放日", "计量\u{200B}开放日", "计量开放日\u{FE0F}"] {
        let again = activity_on(s.org, 3, 9, twin);
        let text = expect_call(app, "POST", path, lab, Some(again), 422).await;
        assert_eq!(
            parse(&text)["fields"]["title"],
            "activity_exists",
            "{twin:?}"
        );
    }
    let list = get_as(app, path, lab).await;
    let same = |a: &&Value| a["draft"]["title"]["zh"] == "计量开放日";
    assert_eq!(list.as_array().unwrap().iter().filter(same).count(), 1);
    // Starting another day, or under another title, it is another activity.
    let later = activity_on(s.org, 10, 12, "计量开放日");
    let later_id =
        parse(&expect_call(app, "POST", path, lab, Some(later), 201).await)["id"].clone();
    let other = activity_on(s.org, 3, 5, "计量开放日（下午）");
    expect_call(app, "POST", path, lab, Some(other), 201).await;
    // Nor may an edit make one activity the other's twin; nothing changes.
    let edit = format!("{path}/{later_id}");
    let onto = activity_on(s.org, 3, 6, "计量开放日");
    let text = expect_call(app, "PUT", &edit, lab, Some(onto), 422).await;
    assert_eq!(parse(&text)["fields"]["title"], "activity_exists");
    let later_id = later_id.as_i64().unwrap();
    assert_eq!(
        listed_activity(app, lab, later_id).await,
        json!(["计量开放日", day(10), day(12)])
    );
    // Saved as it is, it is still its own.
    let same = activity_on(s.org, 10, 12, "计量开放日");
    expect_call(app, "PUT", &edit, lab, Some(same), 200).await;
}

/// An activity's title, first and last days as the console lists it.
async fn listed_activity(app: &crate::helpers::TestApp, cookie: Option<&str>, id: i64) -> Value {
    let list = get_as(app, "/api/v1/staff/activities", cookie).await;
    let found = list.as_array().unwrap().iter().find(|a| a["id"] == id);
    let draft = &found.expect("the activity is listed")["draft"];
    json!([draft["title"]["zh"], draft["starts_on"], draft["ends_on"]])
}

/// An activity's days cannot shrink past one of its sessions that is not cancelled: the
/// edit is refused beside the day that leaves it out (`sessions_outside` on `starts_on`,
/// `ends_on` or both) and nothing of it changes. A cancelled session does not count;
/// widening the days, or keeping them, is fine.
async fn an_activitys_days_cannot_leave_out_its_sessions(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let path = "/api/v1/staff/activities";
    let body = activity_on(s.org, 2, 7, "开放周");
    let activity = parse(&expect_call(app, "POST", path, lab, Some(body), 201).await)["id"]
        .as_i64()
        .unwrap();
    // One session on its first day, one from 23:00 on its last day but one until 01:00.
    let create = format!("/api/v1/staff/activities/{activity}/sessions");
    expect_call(app, "POST", &create, lab, Some(session_on(2, 9, 1)), 201).await;
    let late =
        parse(&expect_call(app, "POST", &create, lab, Some(session_on(6, 23, 2)), 201).await);
    let late = late["id"].as_i64().unwrap();
    let as_created = listed_activity(app, lab, activity).await;
    let day = |d: i64| json!(now().date() + Duration::days(d));
    assert_eq!(as_created, json!(["开放周", day(2), day(7)]));

    let edit = format!("/api/v1/staff/activities/{activity}");
    // A later first day leaves out the first session; an earlier last day the late one,
    // which would run past the midnight after it; both, both.
    for ((first, last), fields) in [
        ((3, 7), &["starts_on"][..]),
        ((2, 6), &["ends_on"][..]),
        ((3, 5), &["ends_on", "starts_on"][..]),
    ] {
        let body = activity_on(s.org, first, last, "改名了");
        let text = expect_call(app, "PUT", &edit, lab, Some(body), 422).await;
        let got = parse(&text);
        let named: Vec<&str> = got["fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(field, code)| {
                assert_eq!(code, "sessions_outside", "{text}");
                field.as_str()
            })
            .collect();
        assert_eq!(named, fields, "{first}..{last}: {text}");
        assert_eq!(
            listed_activity(app, lab, activity).await,
            as_created,
            "nothing changed"
        );
    }
    // Wider days are fine, and so are days that just hold the sessions.
    let body = activity_on(s.org, 1, 9, "更长");
    expect_call(app, "PUT", &edit, lab, Some(body), 200).await;
    assert_eq!(
        listed_activity(app, lab, activity).await,
        json!(["更长", day(1), day(9)])
    );
    let body = activity_on(s.org, 2, 7, "开放周");
    expect_call(app, "PUT", &edit, lab, Some(body), 200).await;
    assert_eq!(listed_activity(app, lab, activity).await, as_created);

    // Once the late session is cancelled, the last day may come earlier; the first
    // session still holds the first day.
    let cancel = format!("/api/v1/staff/sessions/{late}/cancel");
    expect_call(app, "POST", &cancel, lab, None, 200).await;
    let body = activity_on(s.org, 2, 5, "短一些");
    expect_call(app, "PUT", &edit, lab, Some(body), 200).await;
    assert_eq!(
        listed_activity(app, lab, activity).await,
        json!(["短一些", day(2), day(5)])
    );
    let body = activity_on(s.org, 3, 5, "改名了");
    let text = expect_call(app, "PUT", &edit, lab, Some(body), 422).await;
    assert_eq!(
        parse(&text)["fields"],
        json!({"starts_on": "sessions_outside"})
    );
}

/// A session draft as the console sends it, checked.
fn valid_session(body: Value) -> ValidSession {
    serde_json::from_value::<SessionDraft>(body)
        .unwrap()
        .validate()
        .unwrap()
}

/// Sessions are stored or moved only within their activity's days as they are then, checked
/// as they go in: what the console checked first may have been overtaken by an edit of the
/// days. Here in that order: a session lies within the days when checked, the last day
/// moves earlier, then storage is asked (as the handlers ask it) to create it, or to move
/// another session to its time, and refuses; nothing is created or moved.
async fn sessions_are_stored_only_within_their_activitys_days_as_they_are_then(db: Db) {
    let s = site(db).await;
    let (_, me, lab, _) = sign_in(&s.app, "lab-a", PASSWORD).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let staff = me["id"].as_i64().unwrap();
    let path = "/api/v1/staff/activities";
    let body = activity_on(s.org, 2, 6, "将缩短");
    let activity = parse(&expect_call(app, "POST", path, lab, Some(body), 201).await)["id"]
        .as_i64()
        .unwrap();
    let create = format!("/api/v1/staff/activities/{activity}/sessions");
    let kept = parse(&expect_call(app, "POST", &create, lab, Some(session_on(3, 9, 1)), 201).await);
    let kept = kept["id"].as_i64().unwrap();
    let day = |d: i64| now().date() + Duration::days(d);
    let last_day = valid_session(session_on(6, 9, 1));
    let checked = ActivityDays {
        starts_on: day(2),
        ends_on: day(6),
    };
    assert_eq!(
        checked.hold_session(&last_day),
        Ok(()),
        "within when checked"
    );
    let body = activity_on(s.org, 2, 5, "已缩短");
    expect_call(
        app,
        "PUT",
        &format!("{path}/{activity}"),
        lab,
        Some(body),
        200,
    )
    .await;
    let shrunk = ActivityDays {
        ends_on: day(5),
        ..checked
    };

    let storage = &app.storage;
    let created = storage.create_sessions(staff, activity, std::slice::from_ref(&last_day));
    assert_eq!(
        created.await.unwrap(),
        SessionsCreated::OutsideActivity(shrunk)
    );
    // One of several outside: none goes in.
    let within = valid_session(session_on(4, 9, 1));
    let both = [within.clone(), last_day.clone()];
    let created = storage.create_sessions(staff, activity, &both).await;
    assert_eq!(created.unwrap(), SessionsCreated::OutsideActivity(shrunk));
    let moved = storage.update_session(staff, kept, &last_day, None).await;
    assert_eq!(moved.unwrap(), SessionUpdated::OutsideActivity(shrunk));
    let sessions = || async {
        let list = get_as(app, path, lab).await;
        let found = list
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == activity);
        let starts: Vec<Value> = found.unwrap()["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["draft"]["starts_at"].clone())
            .collect();
        starts
    };
    assert_eq!(
        sessions().await,
        vec![json!(at(3, 9, 0))],
        "nothing created or moved"
    );

    // Within the days as they are now, both go in.
    let created = storage.create_sessions(staff, activity, std::slice::from_ref(&within));
    assert!(matches!(created.await.unwrap(), SessionsCreated::Created(ids) if ids.len() == 1));
    let later = valid_session(session_on(5, 9, 1));
    let moved = storage.update_session(staff, kept, &later, None).await;
    assert!(matches!(moved.unwrap(), SessionUpdated::Updated { .. }));
    assert_eq!(
        sessions().await,
        vec![json!(at(4, 9, 0)), json!(at(5, 9, 0))]
    );
    let created = storage.create_sessions(staff, i64::MAX, &[within]).await;
    assert_eq!(created.unwrap(), SessionsCreated::NoActivity);
}

/// Sessions created on an activity's last day while its last day moves earlier, through the
/// API: each pair ends one way or the other (the session is created and the edit refused
/// with `ends_on: sessions_outside`, or the days change and the session is refused with
/// `starts_at: outside_activity`), and no session that is not cancelled is left outside its
/// activity's days. Eight pairs at once, each on its own activity, the edit sent a little
/// later each time so that the two meet in different orders.
async fn sessions_created_while_an_activitys_days_shrink_stay_within_them(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (org, app) = (s.org, std::sync::Arc::new(s.app));
    let lab = lab.unwrap();
    let mut activities = Vec::new();
    for i in 0..8 {
        let body = activity_on(org, 2, 6, &format!("竞争{i}"));
        let text = expect_call(
            &app,
            "POST",
            "/api/v1/staff/activities",
            Some(&lab),
            Some(body),
            201,
        );
        activities.push(parse(&text.await)["id"].as_i64().unwrap());
    }
    let mut pairs = Vec::new();
    for (i, &activity) in activities.iter().enumerate() {
        let (a, cookie) = (app.clone(), lab.clone());
        let session = tokio::spawn(async move {
            let path = format!("/api/v1/staff/activities/{activity}/sessions");
            call(&a, "POST", &path, Some(&cookie), Some(session_on(6, 9, 1))).await
        });
        let (a, cookie) = (app.clone(), lab.clone());
        let days = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(i as u64)).await;
            let body = activity_on(org, 2, 5, &format!("缩短{i}"));
            let path = format!("/api/v1/staff/activities/{activity}");
            call(&a, "PUT", &path, Some(&cookie), Some(body)).await
        });
        pairs.push((session, days));
    }
    let (mut sessions_won, mut days_won) = (0, 0);
    for (session, days) in pairs {
        let ((created, session), (edited, days)) = (session.await.unwrap(), days.await.unwrap());
        match (created, edited) {
            (201, 422) => {
                assert_eq!(
                    parse(&days)["fields"],
                    json!({"ends_on": "sessions_outside"}),
                    "{days}"
                );
                sessions_won += 1;
            }
            (422, 200) => {
                let fields = &parse(&session)["fields"];
                assert_eq!(fields["starts_at"], "outside_activity", "{session}");
                days_won += 1;
            }
            other => panic!("both or neither: {other:?} {session} {days}"),
        }
    }
    assert_eq!(sessions_won + days_won, activities.len());
    eprintln!("sessions won {sessions_won}, days won {days_won}");
    // Whatever happened, every session not cancelled lies within its activity's days.
    let list = get_as(&app, "/api/v1/staff/activities", Some(&lab)).await;
    let list: Vec<ScheduledActivity> = serde_json::from_value(list).unwrap();
    for a in list.iter().filter(|a| activities.contains(&a.id)) {
        let days = ActivityDays {
            starts_on: a.draft.starts_on,
            ends_on: a.draft.ends_on,
        };
        let live = a
            .sessions
            .iter()
            .filter(|s| s.status != SessionStatus::Cancelled);
        let times = live.map(|s| (s.draft.starts_at, s.draft.ends_at));
        assert_eq!(
            days.hold_sessions(times),
            Ok(()),
            "activity {}: {a:?}",
            a.id
        );
    }
}

async fn capacity_goes_down_only_to_what_is_booked_and_up_promotes_the_waiting_list(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session_with(|spec| spec.capacity = 4).await;
    let parties = [
        ("13800138000", 2, 1),
        ("13800138001", 2, 0),
        ("13800138002", 1, 0),
    ];
    let [family, pair, single] = app.book_in_turn(session, parties).await;
    assert_eq!(family["status"], "confirmed");
    assert_eq!(pair["status"], "waitlisted");
    assert_eq!(single["status"], "confirmed");

    let path = format!("/api/v1/staff/sessions/{session}");
    let body = expect_call(app, "PUT", &path, lab, Some(session_body(3)), 409).await;
    assert_eq!(parse(&body)["code"], "capacity_below_booked");

    // Down to exactly what is booked is fine.
    let body = expect_call(app, "PUT", &path, lab, Some(session_body(4)), 200).await;
    assert_eq!(parse(&body)["promoted_people"], 0);

    let body = expect_call(app, "PUT", &path, lab, Some(session_body(6)), 200).await;
    let changed = parse(&body);
    assert_eq!(changed["promoted_people"], 2);
    assert_eq!(changed["session"]["booked"], 6);
    assert_eq!(changed["session"]["waiting"], 0);
    let (_, pair) = app
        .lookup(pair["code"].as_str().unwrap(), "13800138001")
        .await;
    assert_eq!(pair["status"], "confirmed");
    assert_eq!(app.confirmed_people_in_db(session).await, 6);
}

async fn cancelling_a_session_cancels_its_bookings_and_holders_see_it(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session_with(|spec| spec.capacity = 2).await;
    let parties = [("13800138000", 2, 0), ("13800138001", 1, 0)];
    let [first, waiting] = app.book_in_turn(session, parties).await;
    assert_eq!(waiting["status"], "waitlisted");

    let path = format!("/api/v1/staff/sessions/{session}/cancel");
    let body = expect_call(app, "POST", &path, lab, None, 200).await;
    assert_eq!(parse(&body)["cancelled_bookings"], 2);

    for (booking, phone) in [(&first, "13800138000"), (&waiting, "13800138001")] {
        let (status, view) = app.lookup(booking["code"].as_str().unwrap(), phone).await;
        assert_eq!(status, 200);
        assert_eq!(view["status"], "cancelled", "{view}");
        assert_eq!(view["session"]["status"], "cancelled", "{view}");
        assert_eq!(view["can_cancel"], false);
    }
    let (_, view) = app.get(&format!("/api/v1/sessions/{session}")).await;
    assert_eq!(
        (&view["booked"], &view["waiting"], &view["window"]),
        (&json!(0), &json!(0), &json!("closed"))
    );
    // Its places are all free again, but nothing is open to book: it says cancelled,
    // wherever a citizen sees it.
    assert_eq!(view["availability"], "cancelled", "{view}");
    assert_eq!(view["places_left"], 0, "none to book: {view}");
    let (_, activity) = app
        .get(&format!("/api/v1/activities/{}", app.activity_id))
        .await;
    let listed = activity["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("sessions: {activity}"))
        .iter()
        .find(|s| s["id"] == session)
        .unwrap_or_else(|| panic!("listed: {activity}"));
    assert_eq!(listed["availability"], "cancelled", "{listed}");
    assert_eq!(listed["places_left"], 0, "{listed}");
    let (_, seen) = app
        .lookup(first["code"].as_str().unwrap(), "13800138000")
        .await;
    assert_eq!(seen["session"]["availability"], "cancelled", "{seen}");
    // The other sessions stay as they were.
    let (_, other) = app.get(&format!("/api/v1/sessions/{}", s.session)).await;
    assert_eq!(other["availability"], "open", "{other}");
    assert_eq!(app.confirmed_people_in_db(session).await, 0);

    let (status, body) = app.book(session, "13800138002", 1, 0).await;
    assert_eq!((status, &body["code"]), (409, &json!("session_cancelled")));
    let path = format!("/api/v1/staff/sessions/{session}/cancel");
    expect_call(app, "POST", &path, lab, None, 409).await;
    let path = format!("/api/v1/staff/sessions/{session}");
    let body = expect_call(app, "PUT", &path, lab, Some(session_body(10)), 409).await;
    assert_eq!(parse(&body)["code"], "session_cancelled");
    // Its door says so for every code, at once or synced from an offline desk: not that
    // each holder cancelled.
    let code = first["code"].as_str().unwrap();
    let offline_at = crate::helpers::now();
    for body in [
        json!({"session_id": session, "code": code}),
        json!({"session_id": session, "code": code, "offline_at": offline_at}),
    ] {
        let path = "/api/v1/staff/check-in";
        let said = expect_call(app, "POST", path, lab, Some(body), 409).await;
        assert_eq!(parse(&said)["code"], "session_cancelled", "{said}");
    }
}

async fn figures_count_per_activity_organisation_and_overall(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    app.book(s.session, "13800138000", 2, 1).await;
    app.book(s.session, "13800138001", 1, 0).await;
    app.book(s.other_session, "13800138002", 1, 0).await;
    let cloud = app
        .session(SessionSpec {
            format: SessionFormat::CloudClassroom,
            capacity: 2,
            per_booking_limit: 2,
            join_link: Some("https://meet.example/x".into()),
            ..Default::default()
        })
        .await;
    app.book(cloud, "13800138003", 2, 0).await;
    let (_, waiting) = app.book(cloud, "13800138004", 1, 0).await;
    assert_eq!(waiting["status"], "waitlisted");
    // A session that is over: one visitor came, one did not.
    let earlier = now().date() - Duration::days(2);
    let past = past_session_with_one_visitor_come(app, 4, "FGHKWXY", earlier, lab.as_deref()).await;
    let path = format!("/api/v1/staff/sessions/{past}/no-shows");
    expect_call(app, "POST", &path, lab.as_deref(), None, 200).await;
    // The one who came had booked for three: the two missing did not come either.
    app.sql("UPDATE bookings SET adults = 3 WHERE code = 'FGHKWXY2'")
        .await;

    let path = "/api/v1/staff/summary";
    let body = expect_call(app, "GET", path, chief.as_deref(), None, 200).await;
    let all = parse(&body);
    let o = &all["overall"];
    assert_eq!(o["sessions"], 4, "{o}");
    assert_eq!(o["places_offered"], 10 + 10 + 2 + 10);
    assert_eq!(o["booked_people"], 3 + 1 + 1 + 2 + 4);
    assert_eq!(o["checked_in_people"], 1);
    assert_eq!(o["no_show_people"], 1 + 2);
    assert_eq!(o["no_show_rate"], 0.75);
    assert_eq!(o["waitlisted_people"], 1);
    assert_eq!(o["cloud_classroom_seats"], 2);
    assert_eq!(
        o["bookings_per_day"],
        json!([
            {"day": earlier, "bookings": 2, "people": 4},
            {"day": now().date(), "bookings": 5, "people": 8},
        ])
    );
    assert_eq!(all["organisations"].as_array().unwrap().len(), 2);
    assert_eq!(
        o["samples"]["registered"], 0,
        "no quick-test samples here (samples.rs counts them)"
    );

    // Lab staff see their organisation only, and may not ask for another.
    let path = "/api/v1/staff/summary";
    let body = expect_call(app, "GET", path, lab.as_deref(), None, 200).await;
    let mine = parse(&body);
    assert_eq!(mine["overall"]["sessions"], 3);
    assert_eq!(mine["overall"]["booked_people"], 10);
    assert_eq!(mine["organisations"][0]["organisation_id"], s.org);
    assert_eq!(mine["activities"].as_array().unwrap().len(), 1);
    let path = format!("/api/v1/staff/summary?organisation_id={}", s.other_org);
    expect_call(app, "GET", &path, lab.as_deref(), None, 403).await;

    let r = app
        .get_response("/api/v1/staff/summary.csv", chief.as_deref())
        .await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        text.contains("overall,,全部 All,4,0,32,11,2,1,0,3,75.0%,1,0,0,0,0,0,0,0\r\n"),
        "{text}"
    );
}

async fn media_items_are_recorded_and_listed_and_staff_writes_are_audited(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let media = json!({"activity_id": app.activity_id, "link": "https://news.example/open-day", "outlet": "江西日报", "headline": "实验室开放日", "published_on": now().date()});
    let path = "/api/v1/staff/media";
    let body = expect_call(app, "POST", path, lab.as_deref(), Some(media.clone()), 201).await;
    assert_eq!(parse(&body)["added_by"], "lab-a");
    let mut broken = media.clone();
    broken["link"] = json!("not a link");
    broken["published_on"] = json!(now().date() + Duration::days(2));
    let path = "/api/v1/staff/media";
    let body = expect_call(app, "POST", path, lab.as_deref(), Some(broken), 422).await;
    let fields = &parse(&body)["fields"];
    assert_eq!(
        (&fields["link"], &fields["published_on"]),
        (&json!("link_invalid"), &json!("in_future"))
    );
    let mut theirs = media.clone();
    theirs["activity_id"] = json!(s.other_activity);
    theirs["outlet"] = json!("其他报");
    let path = "/api/v1/staff/media";
    expect_call(app, "POST", path, chief.as_deref(), Some(theirs), 201).await;

    let mine = get_as(app, "/api/v1/staff/media", lab.as_deref()).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "lab staff see their own");
    assert_eq!(mine[0]["outlet"], "江西日报");
    let all = get_as(app, "/api/v1/staff/media", chief.as_deref()).await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Staff writes so far, and a few more, all appear in the audit log, newest first.
    let path = format!("/api/v1/staff/sessions/{}/cancel", s.session);
    call(app, "POST", &path, lab.as_deref(), None).await;
    let (status, _) = call(app, "GET", "/api/v1/staff/audit", lab.as_deref(), None).await;
    assert_eq!(status, 403, "only organisers read the audit log");
    let path = "/api/v1/staff/audit?limit=50";
    let body = expect_call(app, "GET", path, chief.as_deref(), None, 200).await;
    let log = parse(&body);
    let actions: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["username"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions[..3],
        [
            ("lab-a", "cancel_session"),
            ("chief", "add_media"),
            ("lab-a", "add_media")
        ],
        "{log}"
    );
    assert!(actions.contains(&("chief", "sign_in")));
}

async fn staff_list_every_session_with_its_counts_within_their_organisation(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    // A session that is over, and one that gets cancelled, beside the fixture session.
    let past = app.session(SessionSpec::started_3h_ago(5)).await;
    let doomed = app.session(SessionSpec::default()).await;
    let (status, _) = app.book(s.session, "13800138000", 2, 1).await;
    assert_eq!(status, 201);
    for phone in ["13800138001", "13800138002", "13800138003"] {
        app.book(s.session, phone, 2, 0).await;
    }
    app.book(s.session, "13800138004", 3, 0).await; // 3 + 6 = 9 of 10: waits
    let path = format!("/api/v1/staff/sessions/{doomed}/cancel");
    call(app, "POST", &path, lab.as_deref(), None).await;

    let (status, body) = call(app, "GET", "/api/v1/staff/activities", lab.as_deref(), None).await;
    assert_eq!(status, 200, "{body}");
    let list = parse(&body);
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        1,
        "lab staff see only their organisation: {body}"
    );
    assert_eq!(list[0]["id"], app.activity_id);
    assert_eq!(list[0]["draft"]["organisation_id"], s.org);
    assert_eq!(list[0]["organisation"]["zh"], "测试实验室");
    let sessions = list[0]["sessions"].as_array().unwrap();
    let ids: Vec<i64> = sessions.iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids.len(),
        3,
        "past and cancelled sessions are listed: {body}"
    );
    assert_eq!(ids[0], past, "in time order");
    let find = |id: i64| sessions.iter().find(|x| x["id"] == id).unwrap();
    let booked = find(s.session);
    assert_eq!(
        (
            &booked["booked"],
            &booked["waiting"],
            &booked["draft"]["capacity"]
        ),
        (&json!(9), &json!(3), &json!(10)),
        "{booked}"
    );
    assert_eq!(booked["draft"]["place"]["zh"], "一楼");
    assert_eq!(find(doomed)["status"], "cancelled");
    assert_eq!(find(past)["status"], "scheduled");
    // The public page of the same activity hides the session that is over.
    let (_, public) = app
        .get(&format!("/api/v1/activities/{}", app.activity_id))
        .await;
    assert!(
        public["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != past),
        "{public}"
    );

    let all = get_as(app, "/api/v1/staff/activities", chief.as_deref()).await;
    assert_eq!(all.as_array().unwrap().len(), 2, "organisers see all");
    let path = format!("/api/v1/staff/activities?organisation_id={}", s.other_org);
    let theirs = get_as(app, &path, chief.as_deref()).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(theirs[0]["id"], s.other_activity);
    expect_call(app, "GET", &path, lab.as_deref(), None, 403).await;

    let path = "/api/v1/staff/organisations";
    assert_eq!(
        get_as(app, path, lab.as_deref()).await,
        json!([{"id": s.org, "name": {"zh": "测试实验室", "en": "Test lab"}, "kind": "lab", "parent_id": null}])
    );
    let all = get_as(app, path, chief.as_deref()).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

/// The console's list entry of session `id`: its revision and its place.
async fn listed_session(app: &crate::helpers::TestApp, cookie: Option<&str>, id: i64) -> Value {
    let list = get_as(app, "/api/v1/staff/activities", cookie).await;
    let sessions = list
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["sessions"].as_array().cloned().unwrap_or_default());
    sessions
        .into_iter()
        .find(|x| x["id"] == id)
        .expect("the session is listed")
}

/// PUT of `body` at `path` with `If-Match: if_match` (none for `None`): the status, the
/// answer's `ETag` and its body.
async fn put_if(
    app: &crate::helpers::TestApp,
    cookie: Option<&str>,
    path: &str,
    if_match: Option<&str>,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let mut req = app
        .http
        .put(format!("{}{path}", app.url))
        .header("cookie", cookie.unwrap())
        .json(body);
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let etag = crate::helpers::header(&r, "etag");
    (status, etag, r.json().await.unwrap_or(Value::Null))
}

/// Two people edit one session from what they both read: the second save names the revision
/// both read (`If-Match`), so it is refused, and the first change stands; its holders hear of
/// the first change only. The same for an activity's details.
async fn a_session_or_activity_saved_meanwhile_refuses_a_change_made_from_before(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let lab = lab.as_deref();
    let (status, _) = app.book(s.session, "13800138000", 1, 0).await;
    assert_eq!(status, 201);
    let read = listed_session(app, lab, s.session).await;
    let revision = read["revision"]
        .as_u64()
        .expect("the list names a revision");
    let tag = format!("\"{revision}\"");
    let edit = format!("/api/v1/staff/sessions/{}", s.session);
    let changes = || {
        app.db
            .scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'session_changed'")
    };
    let told_before = changes().await;

    // The first: a new place.
    let mut first = read["draft"].clone();
    first["place"] = json!({"zh": "三楼", "en": "Second floor"});
    let (status, etag, body) = put_if(app, lab, &edit, Some(&tag), &first).await;
    assert_eq!(status, 200, "{body}");
    let now_at = format!("\"{}\"", revision + 1);
    assert_eq!(etag.as_deref(), Some(now_at.as_str()));
    assert_eq!(
        listed_session(app, lab, s.session).await["revision"],
        revision + 1
    );

    // The second, made from the same reading: another place, refused; the first stands.
    let mut second = read["draft"].clone();
    second["place"] = json!({"zh": "地下室", "en": "Basement"});
    let (status, _, body) = put_if(app, lab, &edit, Some(&tag), &second).await;
    assert_eq!(
        (status, &body["code"]),
        (412, &json!("edited_meanwhile")),
        "{body}"
    );
    let after = listed_session(app, lab, s.session).await;
    assert_eq!(after["draft"]["place"]["zh"], "三楼");
    assert_eq!(after["revision"], revision + 1);
    assert_eq!(
        changes().await,
        told_before + 1,
        "holders hear of the change that stood, and of nothing else"
    );

    // Tags that name no revision match none, nor does a weak tag (If-Match compares
    // strongly); `*`, a list holding the revision, or no header at all apply the change.
    let weak = format!("W/\"{}\"", revision + 1);
    let padded = format!("\"0{}\"", revision + 1);
    for refused in [
        "\"x\"",
        "3",
        "\"-1\"",
        "\"99999999999\"",
        weak.as_str(),
        padded.as_str(),
    ] {
        let (status, _, _) = put_if(app, lab, &edit, Some(refused), &second).await;
        assert_eq!(status, 412, "If-Match: {refused}");
    }
    let list = format!("\"{revision}\", \"{}\"", revision + 1);
    let (status, etag, _) = put_if(app, lab, &edit, Some(&list), &second).await;
    assert_eq!(status, 200);
    assert_eq!(etag, Some(format!("\"{}\"", revision + 2)));
    let (status, _, _) = put_if(app, lab, &edit, Some("*"), &first).await;
    assert_eq!(status, 200);
    let (status, _, _) = put_if(app, lab, &edit, None, &second).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed_session(app, lab, s.session).await["revision"],
        revision + 4
    );
    // Saved unchanged (opened and saved as it was): no change, so nobody else's open form
    // goes stale, and nobody is told.
    let told = changes().await;
    let now_at = format!("\"{}\"", revision + 4);
    let (status, etag, _) = put_if(app, lab, &edit, Some(&now_at), &second).await;
    assert_eq!((status, etag.as_deref()), (200, Some(now_at.as_str())));
    assert_eq!(
        listed_session(app, lab, s.session).await["revision"],
        revision + 4
    );
    assert_eq!(changes().await, told);

    // The same for the activity's details.
    let list = get_as(app, "/api/v1/staff/activities", lab).await;
    let read = list[0].clone();
    let revision = read["revision"]
        .as_u64()
        .expect("the list names a revision");
    let tag = format!("\"{revision}\"");
    let edit = format!("/api/v1/staff/activities/{}", read["id"]);
    let mut first = read["draft"].clone();
    first["title"]["zh"] = json!("第一次修改");
    let (status, etag, body) = put_if(app, lab, &edit, Some(&tag), &first).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(etag, Some(format!("\"{}\"", revision + 1)));
    let mut second = read["draft"].clone();
    second["title"]["zh"] = json!("第二次修改");
    let (status, _, body) = put_if(app, lab, &edit, Some(&tag), &second).await;
    assert_eq!(
        (status, &body["code"]),
        (412, &json!("edited_meanwhile")),
        "{body}"
    );
    let list = get_as(app, "/api/v1/staff/activities", lab).await;
    assert_eq!(list[0]["draft"]["title"]["zh"], "第一次修改");
    assert_eq!(list[0]["revision"], revision + 1);
    let now_at = format!("\"{}\"", revision + 1);
    let (status, etag, _) = put_if(app, lab, &edit, Some(&now_at), &list[0]["draft"]).await;
    assert_eq!((status, etag.as_deref()), (200, Some(now_at.as_str())));
    let list = get_as(app, "/api/v1/staff/activities", lab).await;
    assert_eq!(list[0]["revision"], revision + 1, "saved unchanged");
}

crate::on_both_databases!(
    sessions_lie_within_their_activitys_days,
    an_activitys_days_cannot_leave_out_its_sessions,
    sessions_are_stored_only_within_their_activitys_days_as_they_are_then,
    sessions_created_while_an_activitys_days_shrink_stay_within_them,
    organisers_create_staff_accounts_and_lab_staff_cannot,
    activities_and_sessions_are_created_and_edited_with_field_errors,
    an_activity_sent_twice_at_once_is_created_once,
    a_series_is_previewed_then_created_in_one_go,
    capacity_goes_down_only_to_what_is_booked_and_up_promotes_the_waiting_list,
    cancelling_a_session_cancels_its_bookings_and_holders_see_it,
    figures_count_per_activity_organisation_and_overall,
    media_items_are_recorded_and_listed_and_staff_writes_are_audited,
    staff_list_every_session_with_its_counts_within_their_organisation,
    a_session_or_activity_saved_meanwhile_refuses_a_change_made_from_before,
);
