//! A session that is over keeps its times and its bookings as they went: staff may correct
//! its title, but not move it (its bookings would change days, or hold places again) nor
//! cancel it (its bookings nobody came for would become cancellations, not no-shows). On
//! both databases.

use crate::console::session_body;
use crate::erasure::move_into_the_past;
use crate::helpers::{now, Db};
use crate::staff::{expect_call, parse, site_with_lab};
use chrono::Duration;
use serde_json::json;

async fn a_session_over_keeps_its_times_and_its_no_shows(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = s.session;
    let (status, booked) = app.book(session, "13800138030", 1, 0).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["code"].as_str().unwrap();
    move_into_the_past(app, &[session]).await;
    let long_ago = (now() - Duration::days(60)).date();
    app.sql(&format!(
        "UPDATE activities SET starts_on = '{long_ago}' \
         WHERE id = (SELECT activity_id FROM sessions WHERE id = {session})"
    ))
    .await;
    let (_, before) = app.get(&format!("/api/v1/sessions/{session}")).await;
    let mut as_it_was = session_body(20);
    for field in [
        "starts_at",
        "ends_at",
        "booking_opens_at",
        "booking_closes_at",
        "cancel_deadline",
    ] {
        as_it_was[field] = before[field].clone();
    }
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

crate::on_both_databases!(a_session_over_keeps_its_times_and_its_no_shows);
