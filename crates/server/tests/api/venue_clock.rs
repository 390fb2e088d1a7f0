//! Staff rules read the clock of the venue, as citizens' booking windows do: a session's
//! times are its venue's wall-clock times, and a lab far from China Standard Time must not
//! be told its session is over before it began (no-shows marked early), that a session
//! three hours ahead is in the past, that the door is closed while the session is on, or
//! that an offline check-in made a moment ago lies hours in the future. The door compares
//! with the session's day as it is when the check-in is recorded, whatever a move of the
//! session did since the desk's request arrived; walk-ins and sample receipt wait for that
//! day as check-in does.

use crate::helpers::{now, session_body, Db, SessionSpec, StoredBooking, TestApp};
use crate::staff::{call, expect_call, get_as, parse, sign_in, site, site_with_lab, PASSWORD};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use labday_domain::staff::from_session_day;
use labday_domain::time::venue_local;
use labday_domain::{ErrorCode, FieldCode};
use labday_server::storage::staff::CheckInError;
use labday_server::storage::BookingError;
use serde_json::{json, Value};

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Moves `org`'s venues to `minutes` east of UTC; returns their wall clock now.
async fn venue_at(app: &TestApp, org: i64, minutes: i64) -> NaiveDateTime {
    app.sql(&format!(
        "UPDATE organisations SET utc_offset_minutes = {minutes} WHERE id = {org}"
    ))
    .await;
    Utc::now().naive_utc() + Duration::minutes(minutes)
}

/// Sets `session` to run from `starts` to `ends` (venue time), booking open until it starts.
async fn runs(app: &TestApp, session: i64, starts: NaiveDateTime, ends: NaiveDateTime) {
    app.sql(&format!(
        "UPDATE sessions SET starts_at = '{}', ends_at = '{}', booking_opens_at = '{}', \
         booking_closes_at = '{}', cancel_deadline = '{}' WHERE id = {session}",
        stamp(starts),
        stamp(ends),
        stamp(starts - Duration::days(2)),
        stamp(starts),
        stamp(starts - Duration::hours(1)),
    ))
    .await;
}

async fn staff_rules_read_the_venues_clock_west_of_china(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    // UTC-5: thirteen hours behind China Standard Time. The activity runs from the lab's
    // own today (China's may be a day ahead), as its sessions must fall within its days.
    let now = venue_at(app, s.org, -300).await;
    app.sql(&format!(
        "UPDATE activities SET starts_on = '{}' WHERE id = {}",
        now.date(),
        app.activity_id
    ))
    .await;

    // A session three hours ahead on the venue's clock is not in the past.
    let starts = now + Duration::hours(3);
    let body = session_body(starts, now - Duration::days(1));
    let path = format!("/api/v1/staff/activities/{}/sessions", app.activity_id);
    let (status, text) = call(app, "POST", &path, cookie, Some(body)).await;
    assert_eq!(status, 201, "a session 3 h ahead at UTC-5: {text}");

    // A session on now (began an hour ago, ends in an hour): its door takes walk-ins, and
    // it is not over, so nobody is a no-show yet.
    let (status, booked) = app.book(s.session, "13800138000", 1, 0).await;
    assert_eq!(status, 201, "{booked}");
    runs(
        app,
        s.session,
        now - Duration::hours(1),
        now + Duration::hours(1),
    )
    .await;
    let path = format!("/api/v1/staff/sessions/{}/walk-ins", s.session);
    let (status, text) = call(app, "POST", &path, cookie, Some(json!({"adults": 1}))).await;
    assert_eq!(status, 201, "a walk-in while the session is on: {text}");
    let path = format!("/api/v1/staff/sessions/{}/no-shows", s.session);
    let (status, text) = call(app, "POST", &path, cookie, None).await;
    assert_eq!(status, 409, "no-shows before the end: {text}");
    assert_eq!(parse(&text)["code"], "session_not_over", "{text}");
    let code = booked["code"].as_str().unwrap();
    let (_, found) = app.lookup(code, "13800138000").await;
    assert_eq!(found["status"], "confirmed", "{found}");

    // The audit log keeps one clock whichever venue an entry concerns: the walk-in is noted
    // on the clock of the sign-in just after it, not thirteen hours apart.
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (status, text) = call(app, "GET", "/api/v1/staff/audit", chief.as_deref(), None).await;
    assert_eq!(status, 200, "{text}");
    let entries = parse(&text);
    let at = |action: &str| {
        let entry = entries
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} in {entries}"));
        let at = entry["at"].as_str().unwrap();
        NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f").unwrap()
    };
    let apart = at("book_walk_in") - at("sign_in");
    assert!(apart.num_minutes().abs() < 5, "entries {apart} apart");
}

async fn staff_rules_read_the_venues_clock_east_of_china(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    let (status, came) = app.book(s.session, "13800138001", 1, 0).await;
    assert_eq!(status, 201, "{came}");
    let (status, stayed_away) = app.book(s.session, "13800138002", 1, 0).await;
    assert_eq!(status, 201, "{stayed_away}");
    // UTC+14: six hours ahead of China Standard Time. The session ran from three hours ago
    // until an hour ago.
    let now = venue_at(app, s.org, 14 * 60).await;
    runs(
        app,
        s.session,
        now - Duration::hours(3),
        now - Duration::hours(1),
    )
    .await;

    // The desk checked one visitor in without network, ninety minutes ago by its clock.
    let at = now - Duration::minutes(90);
    let body = json!({"session_id": s.session, "code": came["code"], "offline_at": at});
    let (status, text) = call(app, "POST", "/api/v1/staff/check-in", cookie, Some(body)).await;
    assert_eq!(
        status, 200,
        "an offline check-in 90 min ago at UTC+14: {text}"
    );

    // The session is over on its venue's clock: the other holder is a no-show.
    let path = format!("/api/v1/staff/sessions/{}/no-shows", s.session);
    let (status, text) = call(app, "POST", &path, cookie, None).await;
    assert_eq!(status, 200, "no-shows after the end: {text}");
    assert_eq!(parse(&text)["marked"], 1, "{text}");
}

/// A visitor is checked in at the door from the session's day on, on its venue's clock:
/// two days early, or on the day before at the venue while China is on the session's day,
/// the desk is told `before_session_day` and the booking stays as it was; on the venue's
/// day, while China is still on the day before, the visitor is let in.
async fn a_visitor_is_checked_in_from_the_sessions_day_on_its_venues_clock(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    let (status, booked) = app.book(s.session, "13800138003", 1, 0).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["code"].as_str().unwrap().to_owned();
    let check_in = || {
        let body = json!({"session_id": s.session, "code": code});
        call(app, "POST", "/api/v1/staff/check-in", cookie, Some(body))
    };
    let refused = |(status, text): (u16, String), what: &str| {
        assert_eq!(status, 409, "{what}: {text}");
        assert_eq!(parse(&text)["code"], "before_session_day", "{what}: {text}");
    };
    // The fixture's session is two days ahead.
    refused(check_in().await, "two days early");
    let (_, found) = app.lookup(&code, "13800138003").await;
    assert_eq!(found["status"], "confirmed", "{found}");

    // A venue whose date is not China's now: UTC-12 (20 hours behind) until 20:00 in
    // China, UTC+14 (6 hours ahead) from 18:00.
    let at = |day: NaiveDate, h: u32| day.and_hms_opt(h, 0, 0).unwrap();
    let china = crate::helpers::now();
    if china.hour() < 20 {
        let venue = venue_at(app, s.org, -12 * 60).await;
        assert_eq!(venue.date() + Duration::days(1), china.date());
        // On China's day, but tomorrow at the venue: not yet.
        let starts = at(china.date(), 9);
        runs(app, s.session, starts, starts + Duration::hours(1)).await;
        refused(check_in().await, "the day before at a UTC-12 venue");
        // On the venue's day: in.
        let starts = at(venue.date(), 23);
        runs(app, s.session, starts, starts + Duration::minutes(59)).await;
    } else {
        let venue = venue_at(app, s.org, 14 * 60).await;
        assert_eq!(venue.date(), china.date() + Duration::days(1));
        // Tomorrow at the venue: not yet.
        let starts = at(venue.date() + Duration::days(1), 0);
        runs(app, s.session, starts, starts + Duration::hours(1)).await;
        refused(check_in().await, "the day before at a UTC+14 venue");
        // On the venue's day, China's tomorrow: in.
        let starts = at(venue.date(), 0);
        runs(app, s.session, starts, starts + Duration::hours(1)).await;
    }
    let (status, text) = check_in().await;
    assert_eq!(status, 200, "on the venue's day: {text}");
    assert_eq!(parse(&text)["people"], 1, "{text}");
}

/// A walk-in is booked, a walk-in's vegetables registered and a sample received from the
/// session's day on, on its venue's clock, as the door checks visitors in: two days early,
/// or on the day before at the venue while China is on the session's day, each is refused
/// with `before_session_day`, no place is taken and no sample is received (so none can be
/// tested, nor its result texted); on the venue's day, while China is still on the day
/// before, each goes through.
async fn walk_ins_and_receipts_wait_for_the_sessions_day_on_its_venues_clock(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    let bench = app.session(crate::samples::quick_test()).await;
    let registered = crate::samples::register(app, bench, "13700137000", &["spinach"]).await;
    let code = registered[0]["code"].as_str().unwrap().to_owned();
    let walk_in_path = format!("/api/v1/staff/sessions/{}/walk-ins", s.session);
    let walk_in = || {
        call(
            app,
            "POST",
            &walk_in_path,
            cookie,
            Some(json!({"adults": 1})),
        )
    };
    let bench_path = format!("/api/v1/staff/sessions/{bench}/walk-in-samples");
    let walk_in_sample = |bought_on: NaiveDate| {
        let sample = json!({"variety": "tomato", "variety_other": "", "bought_at": "青山湖农贸市场", "bought_on": bought_on});
        call(
            app,
            "POST",
            &bench_path,
            cookie,
            Some(json!({"samples": [sample]})),
        )
    };
    let receive_path = format!("/api/v1/staff/samples/{code}/receive");
    let receipt = json!({"session_id": bench});
    let receive = || call(app, "POST", &receive_path, cookie, Some(receipt.clone()));
    let refused = |(status, text): (u16, String), what: &str| {
        assert_eq!(status, 409, "{what}: {text}");
        assert_eq!(parse(&text)["code"], "before_session_day", "{what}: {text}");
    };
    let refused_all = |bought_on: NaiveDate, when: &'static str| async move {
        refused(walk_in().await, &format!("a walk-in {when}"));
        refused(
            walk_in_sample(bought_on).await,
            &format!("walk-in samples {when}"),
        );
        refused(receive().await, &format!("a receipt {when}"));
    };

    // The fixture's sessions are two days ahead.
    refused_all(now().date(), "two days early").await;
    let path = format!("/api/v1/staff/sessions/{}/roster", s.session);
    assert_eq!(
        get_as(app, &path, cookie).await,
        json!([]),
        "no place taken"
    );
    let path = format!("/api/v1/staff/sessions/{bench}/samples");
    let samples = get_as(app, &path, cookie).await;
    let statuses: Vec<&Value> = samples
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["status"])
        .collect();
    assert_eq!(
        statuses,
        [&json!("registered")],
        "nothing received: {samples}"
    );
    let path = format!("/api/v1/staff/samples/{code}/tests");
    let reading = json!({"method": "enzyme_inhibition", "inhibition_pct": 62});
    let (status, text) = call(app, "POST", &path, cookie, Some(reading.clone())).await;
    assert_eq!(status, 409, "no test, no result texted: {text}");
    assert_eq!(parse(&text)["code"], "not_received", "{text}");

    // A venue whose date is not China's now, as for check-in above.
    let at = |day: NaiveDate, h: u32| day.and_hms_opt(h, 0, 0).unwrap();
    let both = |starts: NaiveDateTime, ends: NaiveDateTime| async move {
        for session in [s.session, bench] {
            runs(app, session, starts, ends).await;
        }
    };
    let china = crate::helpers::now();
    let venue = if china.hour() < 20 {
        let venue = venue_at(app, s.org, -12 * 60).await;
        assert_eq!(venue.date() + Duration::days(1), china.date());
        let starts = at(china.date(), 9);
        both(starts, starts + Duration::hours(1)).await;
        refused_all(venue.date(), "the day before at a UTC-12 venue").await;
        venue
    } else {
        let venue = venue_at(app, s.org, 14 * 60).await;
        assert_eq!(venue.date(), china.date() + Duration::days(1));
        let starts = at(venue.date() + Duration::days(1), 0);
        both(starts, starts + Duration::hours(1)).await;
        refused_all(venue.date(), "the day before at a UTC+14 venue").await;
        venue
    };
    // On the venue's day, until an hour from now on its clock: each goes through.
    both(at(venue.date(), 0), venue + Duration::hours(1)).await;
    let (status, text) = walk_in().await;
    assert_eq!(status, 201, "a walk-in on the venue's day: {text}");
    let (status, text) = walk_in_sample(venue.date()).await;
    assert_eq!(status, 201, "walk-in samples on the venue's day: {text}");
    let (status, text) = receive().await;
    assert_eq!(status, 200, "a receipt on the venue's day: {text}");
    assert_eq!(parse(&text)["status"], "received", "{text}");
    // Its receipt and its test are dated on the venue's clock, not China's.
    let (status, text) = call(app, "POST", &path, cookie, Some(reading)).await;
    assert_eq!(status, 200, "{text}");
    let tested = parse(&text);
    for when in [&tested["received_at"], &tested["tests"][0]["tested_at"]] {
        let when: NaiveDateTime = serde_json::from_value(when.clone()).unwrap();
        assert_eq!(when.date(), venue.date(), "{tested}");
        assert!((when - venue).num_minutes().abs() < 5, "{when} at {venue}");
    }
}

/// A session's details as staff send them, moved to `days` from today at 09:00 (China
/// Standard Time, the fixture venue's clock), booking closed an hour before.
fn moved_to(days: i64) -> Value {
    let starts = (now().date() + Duration::days(days))
        .and_hms_opt(9, 0, 0)
        .unwrap();
    session_body(starts, now() - Duration::days(2))
}

/// A session on today, starting in half a minute and ending in two hours (a session moves
/// only before it begins), opened for booking two days ago.
async fn later_today(app: &TestApp) -> i64 {
    let session = app.session(SessionSpec::started_3h_ago(2)).await;
    let starts = now() + Duration::seconds(30);
    app.set_times(session, starts, now() + Duration::hours(2))
        .await;
    session
}

/// The roster line of booking `code` on `session`: `[status, checked_in]`.
async fn roster_line(app: &TestApp, cookie: Option<&str>, session: i64, code: &str) -> Value {
    let path = format!("/api/v1/staff/sessions/{session}/roster");
    let roster = get_as(app, &path, cookie).await;
    let line = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == code);
    let line = line.unwrap_or_else(|| panic!("{code} in {roster}"));
    json!([line["status"], line["checked_in"]])
}

/// A visitor is checked in from the session's day as it is when the check-in is recorded:
/// what was read of the session before (as the desk's request once read it, before storage
/// was asked) may have been overtaken by a move. Here in that order: the session is on its
/// day when read, it moves to the day after tomorrow, then storage is asked (as the handler
/// asks it) to check its visitor in at the door, or as a desk's offline check-in of a
/// moment ago, and refuses (`before_session_day`; `offline_at`: `in_past`); nobody is in.
/// Back on today, the same check-in lets the visitor in.
async fn a_visitor_is_checked_in_from_the_sessions_day_as_it_is_then(db: Db) {
    let s = site(db).await;
    let (_, me, lab, _) = sign_in(&s.app, "lab-a", PASSWORD).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    let staff = me["id"].as_i64().unwrap();
    let today = later_today(app).await;
    let code = "NQNEPPW2";
    app.db
        .insert_booking(StoredBooking::at_the_door(today, code, "来访"))
        .await;
    let read = app
        .storage
        .session(today, Utc::now())
        .await
        .unwrap()
        .unwrap();
    let venue_now = venue_local(Utc::now(), read.utc_offset_minutes);
    assert_eq!(
        from_session_day(venue_now, read.starts_at),
        Ok(()),
        "on its day when read"
    );
    let path = format!("/api/v1/staff/sessions/{today}");
    expect_call(app, "PUT", &path, cookie, Some(moved_to(2)), 200).await;

    let storage = &app.storage;
    let at_the_door = storage
        .check_in(staff, today, code, None, None, Utc::now())
        .await;
    assert!(
        matches!(
            at_the_door,
            Err(CheckInError::Booking(BookingError::Refused(
                ErrorCode::BeforeSessionDay
            )))
        ),
        "at the door: {at_the_door:?}"
    );
    let offline = storage
        .check_in(staff, today, code, None, Some(now()), Utc::now())
        .await;
    match offline {
        Err(CheckInError::Offline(e)) => {
            assert_eq!(
                e.fields.get("offline_at"),
                Some(&FieldCode::InPast),
                "{e:?}"
            )
        }
        other => panic!("offline: {other:?}"),
    }
    assert_eq!(
        roster_line(app, cookie, today, code).await,
        json!(["confirmed", 0]),
        "nobody in"
    );

    app.starts_today(today).await;
    let done = storage
        .check_in(staff, today, code, None, None, Utc::now())
        .await
        .unwrap();
    assert_eq!((done.people, done.entry.checked_in), (1, 1), "{done:?}");
}

/// Sessions moved to the day after tomorrow while their visitors are checked in at the
/// door, through the API: each pair ends one way or the other (the visitor is checked in,
/// then the session moves: the check-in comes first in the audit log; or the session moves,
/// then the check-in is refused with `before_session_day` and the visitor stays booked),
/// and no visitor is checked in after their session has left today. Eight pairs at once,
/// each on its own session, the check-in sent a little later each time so that the two
/// meet in different orders.
async fn a_check_in_racing_a_move_to_a_later_day_is_recorded_only_before_it(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let app = std::sync::Arc::new(s.app);
    let lab = lab.unwrap();
    let mut bookings = Vec::new();
    for i in 0..8u64 {
        let session = later_today(&app).await;
        let code = format!("RACEKEY{}", i + 2);
        app.db
            .insert_booking(StoredBooking::at_the_door(session, &code, "来访"))
            .await;
        bookings.push((session, code));
    }
    let mut pairs = Vec::new();
    for (i, (session, code)) in (0..).zip(bookings) {
        let (a, cookie) = (app.clone(), lab.clone());
        let moved = tokio::spawn(async move {
            let path = format!("/api/v1/staff/sessions/{session}");
            call(&a, "PUT", &path, Some(&cookie), Some(moved_to(2))).await
        });
        let (a, cookie, c) = (app.clone(), lab.clone(), code.clone());
        let checked_in = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(i)).await;
            let body = json!({"session_id": session, "code": c});
            call(
                &a,
                "POST",
                "/api/v1/staff/check-in",
                Some(&cookie),
                Some(body),
            )
            .await
        });
        pairs.push((session, code, moved, checked_in));
    }
    let mut answers = Vec::new();
    for (session, code, moved, checked_in) in pairs {
        let ((moved, move_text), checked_in) = (moved.await.unwrap(), checked_in.await.unwrap());
        assert_eq!(moved, 200, "the move: {move_text}");
        answers.push((session, code, checked_in));
    }
    let (_, _, chief, _) = sign_in(&app, "chief", PASSWORD).await;
    let log = get_as(&app, "/api/v1/staff/audit?limit=1000", chief.as_deref()).await;
    let noted = |action: &str, subject: &str| {
        let entries = log.as_array().unwrap().iter();
        let mut found = entries.filter(|e| {
            e["action"] == action && e["subject"].as_str().unwrap().starts_with(subject)
        });
        let id = found.next().map(|e| e["id"].as_i64().unwrap());
        assert!(found.next().is_none(), "one {action} of {subject}");
        id
    };
    let (mut in_first, mut moved_first) = (0, 0);
    for (session, code, (status, text)) in answers {
        let moved = noted("update_session", &format!("session {session}:")).unwrap();
        let checked_in = noted("check_in", &format!("booking {code}:"));
        match (status, checked_in) {
            (200, Some(checked_in)) => {
                assert!(
                    checked_in < moved,
                    "{code} checked in after its session {session} moved to a later day"
                );
                in_first += 1;
            }
            (409, None) => {
                assert_eq!(parse(&text)["code"], "before_session_day", "{text}");
                let line = roster_line(&app, Some(&lab), session, &code).await;
                assert_eq!(line, json!(["confirmed", 0]), "{code}");
                moved_first += 1;
            }
            other => panic!("{code}: {other:?} {text}"),
        }
    }
    eprintln!("checked in first {in_first}, moved first {moved_first}");
}

/// A citizen's vegetable was not bought tomorrow on the calendar of the venue that tests
/// it, as at the bench: the venue's today is taken, its tomorrow refused, where China's date
/// is another. The venue is put east or west of China so that its date differs from
/// China's now, whatever the hour the test runs.
async fn a_citizens_vegetable_is_dated_on_its_venues_calendar(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session(crate::samples::quick_test()).await;
    let org = app
        .db
        .scalar(&format!(
            "SELECT organisation_id FROM activities WHERE id = {}",
            app.activity_id
        ))
        .await;
    // UTC+14 is a day ahead of China from 10:00 to 16:00 UTC, UTC-12 a day behind from
    // 16:00 to 12:00: each is taken an hour or more from the time its own date turns.
    let at = Utc::now();
    let minutes = if (11..16).contains(&at.hour()) {
        14 * 60
    } else {
        -12 * 60
    };
    let venue = venue_local(at, minutes as i32).date();
    assert_ne!(venue, venue_local(at, 480).date(), "UTC{minutes:+} min");
    let now = venue_at(&app, org, minutes).await;
    runs(
        &app,
        session,
        now - Duration::hours(1),
        now + Duration::hours(2),
    )
    .await;
    let mut body = crate::samples::registration(session, "13900139066", &["spinach"]);
    body["samples"][0]["bought_on"] = json!(now.date());
    let (status, answer) = app.post("/api/v1/samples", &body).await;
    assert_eq!(status, 201, "bought on the venue's today: {answer}");
    body["samples"][0]["bought_on"] = json!(now.date() + Duration::days(1));
    let (status, answer) = app.post("/api/v1/samples", &body).await;
    assert_eq!(status, 422, "bought on the venue's tomorrow: {answer}");
    assert!(
        answer["fields"]["samples.0.bought_on"].is_string(),
        "{answer}"
    );
}

crate::on_both_databases!(
    walk_ins_and_receipts_wait_for_the_sessions_day_on_its_venues_clock,
    a_citizens_vegetable_is_dated_on_its_venues_calendar,
    a_visitor_is_checked_in_from_the_sessions_day_as_it_is_then,
    a_check_in_racing_a_move_to_a_later_day_is_recorded_only_before_it,
    a_visitor_is_checked_in_from_the_sessions_day_on_its_venues_clock,
    staff_rules_read_the_venues_clock_west_of_china,
    staff_rules_read_the_venues_clock_east_of_china
);
