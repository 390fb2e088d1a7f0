//! Staff rules read the clock of the venue, as citizens' booking windows do: a session's
//! times are its venue's wall-clock times, and a lab far from China Standard Time must not
//! be told its session is over before it began (no-shows marked early), that a session
//! three hours ahead is in the past, that the door is closed while the session is on, or
//! that an offline check-in made a moment ago lies hours in the future.

use crate::helpers::{Db, TestApp};
use crate::staff::{call, parse, sign_in, site_with_lab, PASSWORD};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde_json::json;

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
    let body = json!({
        "format": "visit",
        "title": {"zh": "下午场", "en": "Afternoon"},
        "place": {"zh": "一楼", "en": "Ground floor"},
        "starts_at": starts,
        "ends_at": starts + Duration::hours(1),
        "capacity": 10,
        "per_booking_limit": 2,
        "booking_opens_at": now - Duration::days(1),
        "booking_closes_at": starts - Duration::minutes(30),
        "cancel_deadline": starts - Duration::hours(1),
    });
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

crate::on_both_databases!(
    a_visitor_is_checked_in_from_the_sessions_day_on_its_venues_clock,
    staff_rules_read_the_venues_clock_west_of_china,
    staff_rules_read_the_venues_clock_east_of_china
);
