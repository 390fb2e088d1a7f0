//! A holder erasing their own booking before the retention period, over HTTP on both
//! databases: what the privacy notice promises ("once a booking is cancelled or the day of
//! its session is over, you can erase its name and number yourself") holds, erases every
//! copy, and takes no missed visit off the record.

use crate::erasure::{
    cells_containing, move_into_the_past, sqlite_files_hold, statuses_with_a_phone_hash,
};
use crate::helpers::{now, Db, SessionSpec, TestApp};
use chrono::Duration;
use serde_json::json;

const NAME: &str = "欧阳自删测试";
const PHONE: &str = "13912340000";

/// A cancelled booking's name, number, idempotency record and messages go at once, from
/// every table (and, on SQLite, from the file's bytes); nothing finds it afterwards.
async fn a_cancelled_booking_is_erased_at_once_from_every_copy(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session(SessionSpec::default()).await;
    let booking = json!({"session_id": session, "name": NAME, "phone": PHONE, "adults": 1, "children": 0, "consent": true});
    let (status, made) = app
        .post_with_key("/api/v1/bookings", "holder-erasure-1", &booking)
        .await;
    assert_eq!(status, 201, "{made}");
    let code = made["code"].as_str().unwrap().to_owned();
    assert_eq!(made["can_erase"], false, "a booking still to come: {made}");
    let (status, cancelled) = app.cancel(&code, PHONE).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["can_erase"], true, "{cancelled}");
    assert!(
        !cells_containing(&app.db, &[PHONE, NAME]).await.is_empty(),
        "the scan sees the booking before"
    );

    let (status, erased) = app.erase(&code, PHONE).await;
    assert_eq!((status, &erased["code"]), (200, &json!(code)), "{erased}");

    let left = cells_containing(&app.db, &[PHONE, NAME]).await;
    assert!(left.is_empty(), "left after the holder's erasure: {left:?}");
    // SQLite's WAL is emptied by the next retention run (hourly), not by the erasure.
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    for needle in [PHONE, NAME] {
        assert!(
            !sqlite_files_hold(&app.db, needle),
            "the SQLite file or WAL still holds {needle}'s bytes"
        );
    }
    assert!(
        statuses_with_a_phone_hash(&app.db).await.is_empty(),
        "a cancelled booking keeps nothing of the phone"
    );
    let erased_rows = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM bookings WHERE code = '{code}' AND request_digest IS NULL \
             AND idempotency_key IS NULL AND code_key IS NULL AND erased_at IS NOT NULL"
        ))
        .await;
    assert_eq!(erased_rows, 1, "the idempotency record goes too");
    let (status, _) = app.lookup(&code, PHONE).await;
    assert_eq!(status, 404, "nothing is left to match");
    let (status, again) = app.erase(&code, PHONE).await;
    assert_eq!(status, 404, "erased once: {again}");
    // The same key again is a new request: the old one's record is gone.
    let (status, rebooked) = app
        .post_with_key("/api/v1/bookings", "holder-erasure-1", &booking)
        .await;
    assert_eq!(status, 201, "{rebooked}");
    assert_ne!(rebooked["code"], json!(code));
}

/// A booking that holds or waits for a place in a session still to come keeps its name and
/// number (the lab needs them at the door) until it is cancelled.
async fn a_booking_still_to_come_is_kept_until_it_is_cancelled(db: Db) {
    let app = TestApp::spawn(db).await;
    let full = app.session(SessionSpec::sized(1, 1)).await;
    let [confirmed, waiting] = app
        .book_in_turn(full, [(PHONE, 1, 0), ("13912340001", 1, 0)])
        .await;
    for (booking, phone) in [(&confirmed, PHONE), (&waiting, "13912340001")] {
        let code = booking["code"].as_str().unwrap();
        let (status, refused) = app.erase(code, phone).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (409, Some("still_booked")),
            "{booking}"
        );
        let (status, found) = app.lookup(code, phone).await;
        assert_eq!(status, 200, "still there: {found}");
        assert_eq!(found["status"], booking["status"]);
        assert_eq!(found["can_erase"], false);
    }
    let (status, wrong) = app
        .erase(confirmed["code"].as_str().unwrap(), "13912340009")
        .await;
    assert_eq!(
        (status, wrong["code"].as_str()),
        (404, Some("not_found")),
        "another number erases nothing"
    );
    let (status, _) = app.lookup(confirmed["code"].as_str().unwrap(), PHONE).await;
    assert_eq!(status, 200);
}

/// Three sessions, each booked by [`PHONE`] for one: the sessions and the codes.
async fn three_visits(app: &TestApp) -> ([i64; 3], Vec<String>) {
    let mut visits = [0; 3];
    let mut codes = Vec::new();
    for visit in &mut visits {
        *visit = app.session(SessionSpec::default()).await;
        let (status, body) = app.book(*visit, PHONE, 1, 0).await;
        assert_eq!(status, 201, "{body}");
        codes.push(body["code"].as_str().unwrap().to_owned());
    }
    (visits, codes)
}

/// Once the session is over, a booking nobody came for keeps its phone's keyed hash when
/// its holder erases it, before or after the no-shows are marked, so the no-show pause still
/// counts it; a booking whose party came keeps nothing.
async fn erasing_after_the_session_keeps_missed_visits_on_the_record(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let (visits, codes) = three_visits(app).await;
    let door = app.session(SessionSpec::default()).await;
    app.starts_today(door).await;
    let (status, came) = app.book(door, "13912340002", 1, 0).await;
    assert_eq!(status, 201, "{came}");
    let check_in = json!({"session_id": door, "code": came["code"]});
    crate::staff::expect_call(
        app,
        "POST",
        "/api/v1/staff/check-in",
        lab,
        Some(check_in),
        200,
    )
    .await;
    move_into_the_past(app, &[visits[0], visits[1], visits[2], door]).await;

    // One visit's no-shows are marked before its holder erases it, two after.
    let path = format!("/api/v1/staff/sessions/{}/no-shows", visits[0]);
    crate::staff::expect_call(app, "POST", &path, lab, None, 200).await;
    for (code, phone) in codes
        .iter()
        .map(|c| (c.as_str(), PHONE))
        .chain([(came["code"].as_str().unwrap(), "13912340002")])
    {
        let (status, found) = app.lookup(code, phone).await;
        assert_eq!(
            (status, &found["can_erase"]),
            (200, &json!(true)),
            "{found}"
        );
        let (status, erased) = app.erase(code, phone).await;
        assert_eq!(status, 200, "{erased}");
    }
    for &visit in &visits[1..] {
        let path = format!("/api/v1/staff/sessions/{visit}/no-shows");
        crate::staff::expect_call(app, "POST", &path, lab, None, 200).await;
    }
    assert_eq!(
        statuses_with_a_phone_hash(&app.db).await,
        ["no_show", "no_show", "no_show"],
        "the missed visits keep the hash, the visit that came does not"
    );
    let left = cells_containing(&app.db, &[PHONE, "13912340002"]).await;
    assert!(left.is_empty(), "{left:?}");
    let next = app.session(SessionSpec::default()).await;
    let refused = app.book(next, PHONE, 1, 0).await;
    app.assert_paused_alone(refused, next, "13912340003").await;
}

/// Its session over but not its day: the party may still be let in, and the day's limit
/// still counts the phone, so a booking that holds a place keeps its holder's details.
async fn a_booking_is_kept_until_its_sessions_day_is_over(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(SessionSpec::default()).await;
    app.starts_today(session).await;
    let [came, missed] = app
        .book_in_turn(session, [(PHONE, 2, 0), ("13912340004", 1, 0)])
        .await;
    let body = json!({"session_id": session, "code": came["code"]});
    crate::staff::expect_call(app, "POST", "/api/v1/staff/check-in", lab, Some(body), 200).await;
    let ended = now() - Duration::seconds(1);
    app.set_times(session, ended - Duration::hours(1), ended)
        .await;
    for (booking, phone) in [(&came, PHONE), (&missed, "13912340004")] {
        let code = booking["code"].as_str().unwrap();
        let (status, found) = app.lookup(code, phone).await;
        assert_eq!(
            (status, &found["can_erase"]),
            (200, &json!(false)),
            "{found}"
        );
        let (status, refused) = app.erase(code, phone).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (409, Some("still_booked")),
            "{booking}"
        );
    }
}

/// A no-show stays on the record whatever its holder does: erased, its session cancelled
/// since, the number is still paused.
async fn a_no_show_stays_on_the_record_whatever_becomes_of_its_session(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let (visits, codes) = three_visits(app).await;
    move_into_the_past(app, &visits).await;
    for visit in visits {
        let path = format!("/api/v1/staff/sessions/{visit}/no-shows");
        crate::staff::expect_call(app, "POST", &path, lab, None, 200).await;
    }
    // Cancelling a session once over is refused (`session_over.rs`); one cancelled at an
    // earlier time, its no-shows marked before (as an older server let happen), is this:
    let ids = visits.map(|v| v.to_string()).join(", ");
    app.sql(&format!(
        "UPDATE sessions SET status = 'cancelled' WHERE id IN ({ids})"
    ))
    .await;
    for code in &codes {
        let (status, erased) = app.erase(code, PHONE).await;
        assert_eq!(status, 200, "{erased}");
    }
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    assert_eq!(
        statuses_with_a_phone_hash(&app.db).await,
        ["no_show", "no_show", "no_show"]
    );
    let next = app.session(SessionSpec::default()).await;
    let refused = app.book(next, PHONE, 1, 0).await;
    app.assert_paused_alone(refused, next, "13912340005").await;
}

/// Erasing early keeps no more than waiting for the retention run: a confirmed booking
/// nobody came for keeps its hash either way (staff may mark it a no-show later, and then it
/// counts), and one checked in after its holder erased it (a desk's offline check-in
/// arriving late) loses it at the next run.
async fn erasing_early_keeps_no_more_than_the_retention_run(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(SessionSpec::default()).await;
    let [erased, waited, late] = app
        .book_in_turn(
            session,
            [(PHONE, 1, 0), ("13912340006", 1, 0), ("13912340007", 1, 0)],
        )
        .await;
    move_into_the_past(app, &[session]).await;
    for (booking, phone) in [(&erased, PHONE), (&late, "13912340007")] {
        let (status, body) = app.erase(booking["code"].as_str().unwrap(), phone).await;
        assert_eq!(status, 200, "{body}");
    }
    let body = json!({"session_id": session, "code": late["code"]});
    crate::staff::expect_call(app, "POST", "/api/v1/staff/check-in", lab, Some(body), 200).await;
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    assert_eq!(
        statuses_with_a_phone_hash(&app.db).await,
        ["confirmed", "confirmed"],
        "erased early or at retention, nobody came: kept alike; the late arrival's is gone"
    );
    let path = format!("/api/v1/staff/sessions/{session}/no-shows");
    crate::staff::expect_call(app, "POST", &path, lab, None, 200).await;
    assert_eq!(
        statuses_with_a_phone_hash(&app.db).await,
        ["no_show", "no_show"],
        "marked after the retention run, they count: {waited}"
    );
}

/// A notice still waiting when its holder erases the booking is dropped, not counted as
/// failed; the roster then tells staff nothing of that holder's messages, rather than the
/// earlier one that went (which would read as if the notice had).
async fn an_erased_holders_roster_line_tells_of_no_message(db: Db) {
    use labday_server::storage::outbox::Delivery;
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let session = app.session(SessionSpec::default()).await;
    let (status, booked) = app.book(session, PHONE, 1, 0).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["code"].as_str().unwrap().to_owned();
    let storage = app.storage.as_ref();
    let at = chrono::Utc::now().naive_utc();
    let claimed = crate::messages::claim(storage, at, Duration::seconds(120)).await;
    assert_eq!(claimed.len(), 1, "the confirmation");
    storage
        .record_delivery(claimed[0].id, Delivery::Sent, None, at)
        .await
        .unwrap();
    let path = format!("/api/v1/staff/sessions/{session}/cancel");
    crate::staff::expect_call(app, "POST", &path, lab, None, 200).await;
    let pending = "SELECT COUNT(*) FROM outbox WHERE status = 'pending'";
    assert_eq!(
        app.db.scalar(pending).await,
        1,
        "the cancellation notice waits"
    );
    let (status, body) = app.erase(&code, PHONE).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.db.scalar(pending).await, 0, "dropped");
    let failed = "SELECT COUNT(*) FROM outbox WHERE status = 'failed'";
    assert_eq!(app.db.scalar(failed).await, 0, "nothing failed");
    let path = format!("/api/v1/staff/sessions/{session}/roster");
    let text = crate::staff::expect_call(app, "GET", &path, lab, None, 200).await;
    let roster: serde_json::Value = serde_json::from_str(&text).unwrap();
    let line = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == code.as_str())
        .cloned()
        .expect("the erased booking's line");
    assert_eq!(line["message"], serde_json::Value::Null, "{line}");
}

crate::on_both_databases!(
    an_erased_holders_roster_line_tells_of_no_message,
    a_cancelled_booking_is_erased_at_once_from_every_copy,
    a_booking_is_kept_until_its_sessions_day_is_over,
    a_no_show_stays_on_the_record_whatever_becomes_of_its_session,
    erasing_early_keeps_no_more_than_the_retention_run,
    a_booking_still_to_come_is_kept_until_it_is_cancelled,
    erasing_after_the_session_keeps_missed_visits_on_the_record,
);
