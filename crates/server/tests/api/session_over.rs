//! A session that is over keeps its times and its bookings as they went: staff may correct
//! its title, but not move it (its bookings would change days, or hold places again) nor
//! cancel it (its bookings nobody came for would become cancellations, not no-shows). On
//! both databases.

use crate::console::session_body;
use crate::erasure::move_into_the_past;
use crate::helpers::{now, Db, SessionSpec, TestApp};
use crate::staff::{expect_call, parse, site_with_lab};
use chrono::Duration;
use serde_json::{json, Value};

/// Moves `session` 40 days into the past (its activity's days with it): its view then, and
/// a staff edit's body with its times as they are and `capacity` places.
async fn over(app: &TestApp, session: i64, capacity: u32) -> (Value, Value) {
    move_into_the_past(app, &[session]).await;
    let long_ago = (now() - Duration::days(60)).date();
    app.sql(&format!(
        "UPDATE activities SET starts_on = '{long_ago}' \
         WHERE id = (SELECT activity_id FROM sessions WHERE id = {session})"
    ))
    .await;
    let (_, view) = app.get(&format!("/api/v1/sessions/{session}")).await;
    let mut body = session_body(capacity);
    for field in [
        "starts_at",
        "ends_at",
        "booking_opens_at",
        "booking_closes_at",
        "cancel_deadline",
    ] {
        body[field] = view[field].clone();
    }
    (view, body)
}

async fn a_session_over_keeps_its_times_and_its_no_shows(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = s.session;
    let (status, booked) = app.book(session, "13800138030", 1, 0).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["code"].as_str().unwrap();
    let (before, as_it_was) = over(app, session, 20).await;
    let path = format!("/api/v1/staff/sessions/{session}");

    let mut moved = as_it_was.clone();
    moved["starts_at"] = session_body(20)["starts_at"].clone();
    moved["ends_at"] = session_body(20)["ends_at"].clone();
    moved["booking_closes_at"] = session_body(20)["booking_closes_at"].clone();
    moved["cancel_deadline"] = session_body(20)["cancel_deadline"].clone();
    let refused = expect_call(app, "PUT", &path, lab, Some(moved), 409).await;
    assert_eq!(parse(&refused)["code"], "session_over", "{refused}");
    let mut renamed = as_it_was;
    renamed["title"] = json!({"zh": "上午场（更正）", "en": "Morning (corrected)"});
    let changed = expect_call(app, "PUT", &path, lab, Some(renamed), 200).await;
    let changed = parse(&changed);
    assert_eq!(changed["session"]["title"]["zh"], "上午场（更正）");
    assert_eq!(changed["session"]["starts_at"], before["starts_at"]);

    let cancel = format!("/api/v1/staff/sessions/{session}/cancel");
    let refused = expect_call(app, "POST", &cancel, lab, None, 409).await;
    assert_eq!(parse(&refused)["code"], "session_over", "{refused}");
    let (_, found) = app.lookup(code, "13800138030").await;
    assert_eq!(found["status"], "confirmed", "nothing cancelled: {found}");
    assert_eq!(found["session"]["status"], "scheduled");

    let no_shows = format!("/api/v1/staff/sessions/{session}/no-shows");
    expect_call(app, "POST", &no_shows, lab, None, 200).await;
    let (_, found) = app.lookup(code, "13800138030").await;
    assert_eq!(found["status"], "no_show", "{found}");
}

/// A session moves only before it begins, and never to times already begun (its holders
/// could not come in time, and would be marked no-shows); a session over takes more places
/// without confirming anyone from its waiting list (their day has passed).
async fn a_session_moves_only_before_it_begins_and_not_into_the_past(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let path = |id: i64| format!("/api/v1/staff/sessions/{id}");
    // Into the past: refused, the holder stays booked.
    let ahead = app.session(SessionSpec::default()).await;
    let (_, booked) = app.book(ahead, "13800138031", 1, 0).await;
    let mut into_the_past = session_body(20);
    let at = |t: chrono::NaiveDateTime| json!(t);
    into_the_past["starts_at"] = at(now() - Duration::minutes(90));
    into_the_past["ends_at"] = at(now() - Duration::minutes(30));
    into_the_past["booking_opens_at"] = at(now() - Duration::days(2));
    into_the_past["booking_closes_at"] = at(now() - Duration::hours(2));
    into_the_past["cancel_deadline"] = at(now() - Duration::hours(3));
    let refused = expect_call(
        app,
        "PUT",
        &path(ahead),
        lab,
        Some(into_the_past.clone()),
        409,
    )
    .await;
    assert_eq!(parse(&refused)["code"], "session_over", "{refused}");
    // Into times already begun, though not over: refused too (the message telling its
    // holders would expire at the new start, before it could be sent).
    let mut begun_already = into_the_past.clone();
    begun_already["ends_at"] = at(now() + Duration::minutes(120));
    let refused = expect_call(app, "PUT", &path(ahead), lab, Some(begun_already), 409).await;
    assert_eq!(parse(&refused)["code"], "session_over", "{refused}");
    let (_, found) = app
        .lookup(booked["code"].as_str().unwrap(), "13800138031")
        .await;
    assert_eq!(
        found["session"]["starts_at"],
        booked["session"]["starts_at"]
    );
    // Begun: its times stay.
    let begun = app.session(SessionSpec::default()).await;
    app.starts_today(begun).await;
    let refused = expect_call(app, "PUT", &path(begun), lab, Some(session_body(20)), 409).await;
    assert_eq!(parse(&refused)["code"], "session_over", "{refused}");
    // Over, full, with a waiting booking: more places confirm nobody.
    let full = app.session(SessionSpec::sized(1, 1)).await;
    let [_, waiting] = app
        .book_in_turn(full, [("13800138032", 1, 0), ("13800138033", 1, 0)])
        .await;
    assert_eq!(waiting["status"], "waitlisted");
    let (_, more_places) = over(app, full, 2).await;
    expect_call(app, "PUT", &path(full), lab, Some(more_places), 200).await;
    let (_, found) = app
        .lookup(waiting["code"].as_str().unwrap(), "13800138033")
        .await;
    assert_eq!(
        found["status"], "waitlisted",
        "nobody moved up on a day gone: {found}"
    );
}

crate::on_both_databases!(
    a_session_over_keeps_its_times_and_its_no_shows,
    a_session_moves_only_before_it_begins_and_not_into_the_past,
);
