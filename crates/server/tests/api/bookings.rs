//! Booking rules over HTTP: validation, idempotency, duplicates, limits, windows, waiting
//! list and promotion, cancellation deadline, no-show pause, retention.

use crate::helpers::{now, Db, SessionSpec, StoredBooking, TestApp};
use chrono::Duration;
use serde_json::json;

async fn a_booking_is_confirmed_and_found_only_with_its_phone(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let (status, b) = app.book(s, "+86 138 0013 8000", 2, 1).await;
    assert_eq!(status, 201, "{b}");
    assert_eq!(b["status"], "confirmed");
    assert_eq!(b["phone_masked"], "138****8000");
    assert_eq!(b["name_masked"], "张*");
    assert_eq!(b["can_cancel"], true);
    let code = b["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);

    let (status, found) = app.lookup(&code.to_lowercase(), "13800138000").await;
    assert_eq!(status, 200);
    assert_eq!(found["code"], code);
    // Wrong phone and unknown code look exactly the same.
    let (s1, wrong_phone) = app.lookup(code, "13900139000").await;
    let (s2, unknown) = app.lookup("ABCDEFGH", "13800138000").await;
    assert_eq!((s1, s2), (404, 404));
    assert_eq!(wrong_phone, unknown);
}

async fn invalid_fields_are_all_reported_and_nothing_is_booked(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let (status, err) = app
        .post("/api/v1/bookings", &json!({"session_id": s, "name": " ", "phone": "123", "adults": 0, "children": 0, "consent": false}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["code"], "invalid");
    for field in ["name", "phone", "adults", "consent"] {
        assert!(
            err["fields"][field].is_string(),
            "{field} not reported: {err}"
        );
    }
    let (status, err) = app
        .post("/api/v1/bookings", &json!({"session_id": s, "name": 5}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["code"], "bad_request");
    let (status, err) = app.book(s, "13800138000", 4, 2).await;
    assert_eq!(status, 422, "party over the per-booking limit of 5");
    assert_eq!(err["fields"]["party"], "party_too_large");
    let (status, _) = app.book(999, "13800138000", 1, 0).await;
    assert_eq!(status, 404);
    assert_eq!(app.confirmed_people_in_db(s).await, 0);
}

async fn a_retried_request_with_the_same_key_books_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let body = json!({"session_id": s, "name": "李四", "phone": "13700137000", "adults": 2, "children": 0, "consent": true});
    let mut codes = Vec::new();
    for _ in 0..3 {
        let (status, v) = app
            .post_with_key("/api/v1/bookings", "retry-1", &body)
            .await;
        assert_eq!(status, 201, "{v}");
        codes.push(v["code"].as_str().unwrap().to_owned());
    }
    assert!(
        codes.windows(2).all(|w| w[0] == w[1]),
        "same booking each time: {codes:?}"
    );
    assert_eq!(app.confirmed_people_in_db(s).await, 2);
    // The same key with a different request is refused.
    let other = json!({"session_id": s, "name": "李四", "phone": "13700137000", "adults": 1, "children": 0, "consent": true});
    let (status, _) = app
        .post_with_key("/api/v1/bookings", "retry-1", &other)
        .await;
    assert_eq!(status, 409);
}

async fn one_booking_per_phone_per_session_and_five_people_per_day(db: Db) {
    let app = TestApp::spawn(db).await;
    // Two sessions on the same venue day, whatever the time the test runs at.
    let day = (now() + Duration::days(2)).date();
    let at = |hour| SessionSpec {
        starts_in: day.and_hms_opt(hour, 0, 0).unwrap() - now(),
        ..Default::default()
    };
    let morning = app.session(at(9)).await;
    let afternoon = app.session(at(14)).await;
    let (status, _) = app.book(morning, "13600136000", 2, 1).await;
    assert_eq!(status, 201);
    let (status, err) = app.book(morning, "13600136000", 1, 0).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("duplicate_booking"))
    );
    // 3 people already that day: 3 more would make 6 > 5.
    let (status, err) = app.book(afternoon, "13600136000", 2, 1).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("daily_limit")));
    let (status, _) = app.book(afternoon, "13600136000", 2, 0).await;
    assert_eq!(status, 201, "exactly five is allowed");
}

/// A party larger than anyone may book in a day gets the same answer whatever the phone:
/// "duplicate" for the one number already booked would tell a guesser which number hides
/// behind a masked `136****6000`, without booking anything.
async fn a_party_over_the_daily_limit_says_nothing_about_the_phone(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session_with(|spec| spec.per_booking_limit = 6).await;
    let (status, _) = app.book(session, "13600136000", 1, 0).await;
    assert_eq!(status, 201);
    for phone in ["13600136000", "13600136001"] {
        let (status, err) = app.book(session, phone, 6, 0).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (409, Some("daily_limit")),
            "{phone}"
        );
    }
}

/// The booking form offers no party bigger than the daily limit `GET /api/v1/privacy`
/// gives: that number is the one bookings are held to, whatever a deployment sets.
async fn the_daily_limit_the_form_reads_is_the_one_applied(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.daily_limit = 3).await;
    let (_, privacy) = app.get("/api/v1/privacy").await;
    assert_eq!(privacy["daily_limit"], json!(3));
    let session = app.session_with(|spec| spec.per_booking_limit = 10).await;
    let (status, err) = app.book(session, "13600136000", 2, 2).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("daily_limit")));
    let (status, _) = app.book(session, "13600136000", 2, 1).await;
    assert_eq!(status, 201, "a party of the daily limit books");
}

async fn booking_outside_the_window_is_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let later = app
        .session_with(|spec| spec.opens_in = Duration::days(1))
        .await;
    let closed = app
        .session_with(|spec| spec.starts_in = Duration::minutes(30))
        .await;
    let (status, err) = app.book(later, "13500135000", 1, 0).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("window_closed")));
    let (status, err) = app.book(closed, "13500135000", 1, 0).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("window_closed")));
    let (_, view) = app.get(&format!("/api/v1/sessions/{later}")).await;
    assert_eq!(view["window"], "not_yet_open");
}

async fn a_full_session_waitlists_and_a_cancellation_promotes_the_earliest_that_fits(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session_with(|spec| spec.capacity = 4).await;
    let (_, first) = app.book(s, "13100131000", 3, 0).await;
    let (_, second) = app.book(s, "13100131001", 1, 0).await;
    assert_eq!(second["status"], "confirmed");
    let (_, big) = app.book(s, "13100131002", 3, 0).await;
    let (_, small) = app.book(s, "13100131003", 2, 0).await;
    assert_eq!(big["status"], "waitlisted");
    assert_eq!(big["waitlist_position"], 1);
    assert_eq!(small["waitlist_position"], 2);
    let (_, view) = app.get(&format!("/api/v1/sessions/{s}")).await;
    assert_eq!(
        (view["availability"].as_str(), view["waiting"].as_u64()),
        (Some("full"), Some(5))
    );

    // The 3-person booking cancels: the first waiting party (3) fits and is promoted.
    let (status, cancelled) = app
        .cancel(first["code"].as_str().unwrap(), "13100131000")
        .await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled");
    let (_, promoted) = app
        .lookup(big["code"].as_str().unwrap(), "13100131002")
        .await;
    assert_eq!(promoted["status"], "confirmed");
    let (_, still) = app
        .lookup(small["code"].as_str().unwrap(), "13100131003")
        .await;
    assert_eq!(still["status"], "waitlisted");
    assert_eq!(still["waitlist_position"], 1);
    assert_eq!(app.confirmed_people_in_db(s).await, 4);

    // Cancelling twice says so.
    let (status, err) = app
        .cancel(first["code"].as_str().unwrap(), "13100131000")
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("already_cancelled"))
    );
}

async fn cancelling_after_the_deadline_is_refused_with_the_reason(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app
        .session(SessionSpec {
            starts_in: Duration::hours(3),
            cancel_before_start: Duration::hours(4),
            ..Default::default()
        })
        .await;
    let (_, b) = app.book(s, "13200132000", 1, 0).await;
    assert_eq!(b["can_cancel"], false);
    let (status, err) = app.cancel(b["code"].as_str().unwrap(), "13200132000").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("cancel_deadline_passed"))
    );
    assert_eq!(app.confirmed_people_in_db(s).await, 1);
}

async fn three_no_shows_pause_bookings(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let day = (now() - Duration::days(10)).date();
    // As the server writes them: with the phone's keyed hash, which the rule reads.
    let hash = app.storage.keyed_hash().phone("13300133000");
    for i in 0..3 {
        let code = format!("NOSHOW{i}A");
        let row = StoredBooking {
            phone_hash: Some(&hash),
            ..StoredBooking::no_show(s, &code, "13300133000", day)
        };
        app.db.insert_booking(row).await;
    }
    let refused = app.book(s, "13300133000", 1, 0).await;
    app.assert_paused_alone(refused, s, "13300133001").await;
}

/// The booking form states the no-show rule from `GET /api/v1/privacy`: the numbers it
/// gives are the ones bookings are held to, whatever a deployment sets.
async fn the_no_show_rule_the_form_states_is_the_one_applied(db: Db) {
    let app = TestApp::spawn_with(db, |c| {
        c.no_show_count = 2;
        c.no_show_within_days = 90;
        c.no_show_block_days = 30;
    })
    .await;
    let (_, privacy) = app.get("/api/v1/privacy").await;
    let rule = ["no_show_count", "no_show_within_days", "no_show_block_days"];
    assert_eq!(
        rule.map(|k| &privacy[k]),
        [&json!(2), &json!(90), &json!(30)]
    );
    let s = app.session(SessionSpec::default()).await;
    // A no-show of `phone` each so many days ago.
    let missed = |phone: &'static str, days_ago: &'static [i64]| {
        let app = &app;
        async move {
            let hash = app.storage.keyed_hash().phone(phone);
            for days in days_ago {
                let day = (now() - Duration::days(*days)).date();
                let code = format!("N{days:03}{}", &phone[7..]);
                let row = StoredBooking {
                    phone_hash: Some(&hash),
                    ..StoredBooking::no_show(s, &code, phone, day)
                };
                app.db.insert_booking(row).await;
            }
        }
    };
    let books = |phone: &'static str| {
        let app = &app;
        async move { app.book(s, phone, 1, 0).await }
    };
    // Two within 90 days, the latest less than 30 days ago: paused.
    missed("13300133010", &[10, 12]).await;
    app.assert_paused_alone(books("13300133010").await, s, "13300133011")
        .await;
    // The pause is over 30 days after the latest no-show.
    missed("13300133020", &[31, 32]).await;
    assert_eq!(books("13300133020").await.0, 201);
    // 85 days apart, the first of them now more than 90 days back: paused all the same.
    missed("13300133030", &[100, 15]).await;
    assert_eq!(books("13300133030").await.1["code"], "no_show_blocked");
    // 91 days apart: no run of two within 90 days.
    missed("13300133040", &[110, 19]).await;
    assert_eq!(books("13300133040").await.0, 201);
}

async fn retention_erases_names_and_phones_but_keeps_counts(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let (_, b) = app.book(s, "13400134000", 2, 0).await;
    let erased = app
        .storage
        .erase_personal_data(now() + Duration::days(40))
        .await
        .unwrap();
    assert_eq!(erased, 1);
    let (status, _) = app.lookup(b["code"].as_str().unwrap(), "13400134000").await;
    assert_eq!(status, 404, "nothing personal left to match");
    assert_eq!(
        app.confirmed_people_in_db(s).await,
        2,
        "head counts survive"
    );
}

crate::on_both_databases!(
    a_booking_is_confirmed_and_found_only_with_its_phone,
    invalid_fields_are_all_reported_and_nothing_is_booked,
    a_retried_request_with_the_same_key_books_once,
    one_booking_per_phone_per_session_and_five_people_per_day,
    a_party_over_the_daily_limit_says_nothing_about_the_phone,
    the_daily_limit_the_form_reads_is_the_one_applied,
    booking_outside_the_window_is_refused,
    a_full_session_waitlists_and_a_cancellation_promotes_the_earliest_that_fits,
    cancelling_after_the_deadline_is_refused_with_the_reason,
    three_no_shows_pause_bookings,
    the_no_show_rule_the_form_states_is_the_one_applied,
    retention_erases_names_and_phones_but_keeps_counts,
);
