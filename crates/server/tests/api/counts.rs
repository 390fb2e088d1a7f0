//! Counts of people under hostile input (issue 14, "anonymous overbooking with one
//! request"): a party that would wrap around is refused at the edge, every session's
//! counters equal the bookings behind them (counted in the database itself) through
//! bookings and cancellations, and the database refuses an impossible count even when a
//! statement comes from somewhere other than the server.

use crate::helpers::{Db, SessionSpec, TestApp, TestDb};
use serde_json::{json, Value};

/// Per session: `(id, capacity, booked, waiting, queue length, people holding places, people
/// waiting, bookings waiting)`, the last three counted from the bookings table.
type Audit = (i64, i64, i64, i64, i64, i64, i64, i64);

const AUDIT: &str = "SELECT s.id, s.capacity, s.booked, s.waiting, \
    CAST(s.queue_length AS BIGINT), \
    CAST(COALESCE((SELECT SUM(b.adults + b.children) FROM bookings b WHERE b.session_id = s.id \
      AND b.status IN ('confirmed', 'checked_in', 'no_show')), 0) AS BIGINT), \
    CAST(COALESCE((SELECT SUM(b.adults + b.children) FROM bookings b WHERE b.session_id = s.id \
      AND b.status = 'waitlisted'), 0) AS BIGINT), \
    (SELECT COUNT(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'waitlisted') \
    FROM sessions s ORDER BY s.id";

async fn audit(db: &TestDb) -> Vec<Audit> {
    crate::on_connection!(db, |conn| sqlx::query_as(AUDIT)
        .fetch_all(&mut conn)
        .await
        .expect("audit"))
}

/// Runs one statement directly on the database, as a bug or a careless operator might.
async fn try_sql(db: &TestDb, statement: &str) -> Result<u64, sqlx::Error> {
    crate::on_connection!(db, |conn| Ok(sqlx::query(statement)
        .execute(&mut conn)
        .await?
        .rows_affected()))
}

/// No session holds more people than its places, no counter is negative, and each counter
/// is exactly the sum of the bookings it stands for.
async fn assert_counters_hold(app: &TestApp, when: &str) {
    for (id, capacity, booked, waiting, queue_length, holding, queued, in_queue) in
        audit(&app.db).await
    {
        assert!(
            (0..=capacity).contains(&booked),
            "{when}: session {id} booked {booked} of {capacity}"
        );
        assert_eq!(booked, holding, "{when}: session {id} booked counter");
        assert_eq!(waiting, queued, "{when}: session {id} waiting counter");
        assert!(waiting >= 0, "{when}: session {id} waiting {waiting}");
        // Kept by triggers; a booking batch tells new waiting bookings their places from it.
        assert_eq!(queue_length, in_queue, "{when}: session {id} queue length");
    }
}

fn booking(session: i64, phone: &str, adults: Value, children: Value) -> Value {
    json!({"session_id": session, "name": "张三", "phone": phone, "adults": adults, "children": children, "consent": true})
}

async fn party_sizes_that_would_wrap_or_overflow_are_refused_by_field(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::sized(12, 5)).await;
    let max = u64::from(u32::MAX);
    // Counts a u32 can hold but no party can: 422 beside the field to correct.
    for (adults, children, field) in [
        (json!(1), json!(max), "children"),
        (json!(max), json!(1), "adults"),
        (json!(max), json!(max), "adults"),
        (json!(0), json!(0), "adults"),
        (json!(21), json!(0), "adults"),
        (json!(1), json!(21), "children"),
        (json!(3), json!(3), "party"),
    ] {
        let (status, err) = app
            .post(
                "/api/v1/bookings",
                &booking(s, "13800138000", adults.clone(), children.clone()),
            )
            .await;
        assert_eq!(status, 422, "{adults} adults, {children} children: {err}");
        assert_eq!(err["code"], "invalid", "{err}");
        assert!(
            err["fields"][field].is_string(),
            "{adults} adults, {children} children: {field} not reported: {err}"
        );
    }
    // Values that are no u32 at all: the JSON rejection, never a booking or a 5xx.
    for (adults, children) in [
        (json!(-1), json!(0)),
        (json!(1), json!(-1)),
        (json!(1e10), json!(0)),
        (json!(1), json!(max + 1)),
        (json!(1.5), json!(0)),
        (json!("3"), json!(0)),
        (json!(1), json!("4294967295")),
        (json!(null), json!(0)),
    ] {
        let (status, err) = app
            .post(
                "/api/v1/bookings",
                &booking(s, "13800138000", adults.clone(), children.clone()),
            )
            .await;
        assert!(
            status == 400 || status == 422,
            "{adults} adults, {children} children: {status} {err}"
        );
        assert!(err["code"].is_string(), "{err}");
    }
    assert_eq!(app.confirmed_people_in_db(s).await, 0);
    assert_counters_hold(&app, "after the hostile requests").await;
}

async fn counters_equal_the_bookings_through_booking_and_cancelling(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::sized(12, 5)).await;
    // The finding: this was confirmed as a party of zero, and cancelling it drove `booked`
    // to -4294967296.
    let (status, answer) = app.book(s, "13900139000", 1, u32::MAX).await;
    assert_eq!(status, 422, "{answer}");
    let (status, answer) = app.cancel("AAAA-AAAA", "13900139000").await;
    assert_eq!(status, 404, "{answer}");
    assert_counters_hold(&app, "after the overflow request").await;

    let parties = [
        (2, 2),
        (3, 1),
        (1, 0),
        (2, 1),
        (4, 1),
        (1, 1),
        (2, 0),
        (5, 0),
        (1, 0),
    ];
    let mut codes = Vec::new();
    for (i, (adults, children)) in parties.into_iter().enumerate() {
        let phone = format!("1380000{i:04}");
        let (status, b) = app.book(s, &phone, adults, children).await;
        assert_eq!(status, 201, "{b}");
        codes.push((b["code"].as_str().unwrap().to_owned(), phone));
        assert_counters_hold(&app, &format!("after booking {i}")).await;
    }
    assert_eq!(
        app.confirmed_people_in_db(s).await,
        12,
        "the session is full"
    );
    // Cancel confirmed and waiting bookings alike; places go to the waiting list.
    for i in [0, 5, 1, 7, 3] {
        let (code, phone) = &codes[i];
        let (status, b) = app.cancel(code, phone).await;
        assert_eq!(status, 200, "{b}");
        assert_counters_hold(&app, &format!("after cancelling {i}")).await;
    }
    // Booking again after the cancellations still stops at the capacity.
    for i in 0..6 {
        let phone = format!("1370000{i:04}");
        let (status, b) = app.book(s, &phone, 3, 2).await;
        assert_eq!(status, 201, "{b}");
        assert_counters_hold(&app, &format!("after booking again {i}")).await;
    }
    assert!(app.confirmed_people_in_db(s).await <= 12);
}

async fn the_database_refuses_impossible_counts_and_unknown_statuses(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::sized(12, 5)).await;
    let (status, b) = app.book(s, "13800138000", 2, 1).await;
    assert_eq!(status, 201, "{b}");
    let code = b["code"].as_str().unwrap();
    let before = audit(&app.db).await;
    for statement in [
        format!("UPDATE sessions SET booked = capacity + 1 WHERE id = {s}"),
        format!("UPDATE sessions SET booked = -1 WHERE id = {s}"),
        format!("UPDATE sessions SET booked = booked - 4294967296 WHERE id = {s}"),
        format!("UPDATE sessions SET waiting = -1 WHERE id = {s}"),
        format!("UPDATE sessions SET capacity = -1, booked = -5 WHERE id = {s}"),
        format!("UPDATE sessions SET per_booking_limit = 21 WHERE id = {s}"),
        format!("UPDATE sessions SET status = 'open' WHERE id = {s}"),
        format!("UPDATE bookings SET children = 4294967295 WHERE code = '{code}'"),
        format!("UPDATE bookings SET adults = 0 WHERE code = '{code}'"),
        format!("UPDATE bookings SET adults = 15, children = 15 WHERE code = '{code}'"),
        format!("UPDATE bookings SET checked_in = 4 WHERE code = '{code}'"),
        format!("UPDATE bookings SET checked_in = -1 WHERE code = '{code}'"),
        format!("UPDATE bookings SET status = 'maybe' WHERE code = '{code}'"),
        format!(
            "INSERT INTO bookings (session_id, code, name, phone, adults, children, status, \
             session_day, booked_at, consent_at) VALUES ({s}, 'ZZZZZZZZ', 'x', '13700137000', 1, \
             4294967295, 'confirmed', '2030-01-01', '2030-01-01 00:00:00', '2030-01-01 00:00:00')"
        ),
        "INSERT INTO staff (username, password_hash, role, created_at) \
         VALUES ('root', 'x', 'superuser', '2030-01-01 00:00:00')"
            .to_owned(),
    ] {
        let done = try_sql(&app.db, &statement).await;
        assert!(done.is_err(), "accepted: {statement}");
    }
    assert_eq!(audit(&app.db).await, before, "nothing changed");
    // What the rules allow still passes.
    try_sql(
        &app.db,
        &format!("UPDATE sessions SET capacity = 3 WHERE id = {s}"),
    )
    .await
    .expect("capacity down to what is booked");
}

crate::on_both_databases!(
    party_sizes_that_would_wrap_or_overflow_are_refused_by_field,
    counters_equal_the_bookings_through_booking_and_cancelling,
    the_database_refuses_impossible_counts_and_unknown_statuses,
);
