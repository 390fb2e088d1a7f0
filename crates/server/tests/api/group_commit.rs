//! Group commit: bookings waiting at the same moment are admitted in one transaction, and
//! each caller still gets the answer it would have got alone, in arrival order — even when
//! the batch holds the same phone twice, a retry of an earlier request, a party that no
//! longer fits, or a second booking that breaks the daily limit.

use crate::helpers::{Db, SessionSpec, TestApp};
use chrono::Utc;
use futures::future::join_all;
use labday_domain::booking::{BookingCode, NoShowPolicy, ValidBooking};
use labday_domain::{BookingRequest, ErrorCode};
use labday_server::storage::{BookingContext, BookingError};
use rand::RngCore;
use serde_json::json;

/// A valid booking request for `session`, with an optional Idempotency-Key and digest.
fn request(
    session: i64,
    phone: &str,
    adults: u32,
    key: Option<(&str, &str)>,
) -> (ValidBooking, BookingContext) {
    let valid = BookingRequest {
        session_id: session,
        name: "王五".into(),
        phone: phone.into(),
        adults,
        children: 0,
        consent: true,
        lang: Default::default(),
        phone_token: None,
    }
    // The session's own per-booking limit is the storage's to check.
    .validate(20)
    .expect("valid fields");
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    let ctx = BookingContext {
        now: Utc::now(),
        daily_limit: 5,
        no_show: NoShowPolicy::default(),
        code: BookingCode::from_random(bytes),
        idempotency: key.map(|(k, d)| (k.to_owned(), d.to_owned())),
    };
    (valid, ctx)
}

fn refusal(answer: &Result<labday_domain::BookingView, BookingError>) -> Option<ErrorCode> {
    match answer {
        Err(BookingError::Refused(code)) => Some(*code),
        _ => None,
    }
}

/// An app with a small session (`places`, at most 3 people a booking) and a large one that
/// starts at the same time, so on the same day for the daily limit.
async fn hall_and_lab(db: Db, places: u32) -> (TestApp, i64, i64) {
    let app = TestApp::spawn(db).await;
    let hall = app.session(SessionSpec::sized(places, 3)).await;
    let lab = app.session(SessionSpec::default()).await;
    (app, hall, lab)
}

async fn one_batch_gives_each_caller_its_own_answer(db: Db) {
    let (app, hall, lab) = hall_and_lab(db, 3).await;
    let answers = app
        .storage
        .book_batch(vec![
            request(hall, "13800000001", 2, Some(("key-a", "body-a"))),
            request(hall, "13800000001", 1, None),
            request(hall, "13800000001", 2, Some(("key-a", "body-a"))),
            request(hall, "13800000002", 1, Some(("key-a", "another body"))),
            request(hall, "13800000003", 2, None),
            request(hall, "13800000004", 1, None),
            request(hall, "13800000005", 4, None),
            request(lab, "13800000001", 4, None),
            request(lab, "13800000001", 3, None),
            request(999_999, "13800000006", 1, None),
        ])
        .await;
    assert_eq!(answers.len(), 10, "one answer per request");
    let view = |i: usize| {
        answers[i]
            .as_ref()
            .unwrap_or_else(|e| panic!("request {i} refused: {e:?}"))
    };
    assert_eq!(view(0).status.as_str(), "confirmed");
    assert_eq!(view(0).adults, 2);
    assert_eq!(
        refusal(&answers[1]),
        Some(ErrorCode::DuplicateBooking),
        "the same phone again in the same batch"
    );
    assert_eq!(
        view(2).code,
        view(0).code,
        "a retry in the same batch gets the first booking"
    );
    assert_eq!(
        refusal(&answers[3]),
        Some(ErrorCode::IdempotencyMismatch),
        "the key was used for another request earlier in the batch"
    );
    assert_eq!(
        view(4).status.as_str(),
        "waitlisted",
        "two people do not fit in the one place left"
    );
    assert_eq!(view(4).waitlist_position, Some(1));
    assert_eq!(
        view(5).status.as_str(),
        "confirmed",
        "one person fits after the party that did not"
    );
    assert_eq!(
        view(5).session.booked,
        3,
        "the view shows the batch's places"
    );
    assert_eq!(refusal(&answers[6]), Some(ErrorCode::PartyTooLarge));
    assert_eq!(
        refusal(&answers[7]),
        Some(ErrorCode::DailyLimit),
        "2 people earlier in the batch + 4 is over 5 that day"
    );
    assert_eq!(view(8).status.as_str(), "confirmed", "2 + 3 is exactly 5");
    assert_eq!(refusal(&answers[9]), Some(ErrorCode::NotFound));

    assert_eq!(app.confirmed_people_in_db(hall).await, 3);
    assert_eq!(app.confirmed_people_in_db(lab).await, 3);
    let (_, session) = app.get(&format!("/api/v1/sessions/{hall}")).await;
    assert_eq!(
        (session["booked"].as_i64(), session["waiting"].as_i64()),
        (Some(3), Some(2))
    );
    // What the batch answered is what is stored: the holder finds the booking.
    let (status, found) = app.lookup(view(0).code.as_str(), "13800000001").await;
    assert_eq!(status, 200);
    assert_eq!(found["status"], "confirmed");
    // And a key stored by a batch is honoured by a later request.
    let later = app
        .storage
        .book_batch(vec![request(
            hall,
            "13800000001",
            2,
            Some(("key-a", "body-a")),
        )])
        .await;
    assert_eq!(later[0].as_ref().map(|v| &v.code).ok(), Some(&view(0).code));
}

/// Over HTTP, at once: pairs of retries with one key, pairs of the same phone without a key,
/// and more people than places. However the server batches them, every pair gets one
/// booking, and the places add up.
async fn simultaneous_mixed_requests_each_get_the_right_answer(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session_with(|spec| spec.capacity = 50).await;
    let send = |i: u32, copy: u32| {
        let http = app.http.clone();
        let url = format!("{}/api/v1/bookings", app.url);
        async move {
            let body = json!({
                "session_id": s, "name": "访客", "phone": format!("137{i:08}"),
                "adults": 1, "children": 0, "consent": true
            });
            let mut r = http.post(url).json(&body);
            if i.is_multiple_of(2) {
                r = r.header("Idempotency-Key", format!("pair-{i}"));
            }
            let r = r.send().await.expect("request");
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.expect("json");
            (i, copy, status, v)
        }
    };
    let answers = join_all((0..80u32).flat_map(|i| [send(i, 0), send(i, 1)])).await;
    let mut confirmed = 0;
    for i in 0..80u32 {
        let pair: Vec<_> = answers.iter().filter(|a| a.0 == i).collect();
        let statuses: Vec<u16> = pair.iter().map(|a| a.2).collect();
        if i.is_multiple_of(2) {
            assert_eq!(
                statuses,
                [201, 201],
                "a retry is answered like the first: {pair:?}"
            );
            assert_eq!(pair[0].3["code"], pair[1].3["code"], "one booking for both");
        } else {
            let mut sorted = statuses.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [201, 409], "one booking per phone: {pair:?}");
            let refused = pair.iter().find(|a| a.2 == 409).expect("refusal");
            assert_eq!(refused.3["code"], "duplicate_booking");
        }
        let booked = pair.iter().find(|a| a.2 == 201).expect("a booking");
        if booked.3["status"] == "confirmed" {
            confirmed += 1;
        }
    }
    assert_eq!(confirmed, 50, "80 people for 50 places: the session fills");
    assert_eq!(app.confirmed_people_in_db(s).await, 50);
    let (_, view) = app.get(&format!("/api/v1/sessions/{s}")).await;
    assert_eq!(
        (view["booked"].as_i64(), view["waiting"].as_i64()),
        (Some(50), Some(30))
    );
}

/// Codes are random, so a new booking can draw one that is taken already: the unique index
/// refuses it, and the booking goes through with a fresh code, alone or in a batch, where
/// its neighbour is booked too.
async fn a_booking_that_draws_a_taken_code_is_booked_with_a_fresh_one(db: Db) {
    let app = TestApp::spawn(db).await;
    let hall = app.session(SessionSpec::sized(10, 3)).await;
    let (valid, ctx) = request(hall, "13800000001", 1, None);
    let taken = ctx.code.as_str().to_owned();
    let first = app
        .storage
        .book(valid, ctx)
        .await
        .expect("the first booking");
    assert_eq!(first.code.as_str(), taken);
    let drawing_it = |phone: &str| {
        let (valid, mut ctx) = request(hall, phone, 1, None);
        ctx.code = BookingCode::parse(&taken).expect("a code");
        (valid, ctx)
    };
    let (valid, ctx) = drawing_it("13800000002");
    let alone = app.storage.book(valid, ctx).await.expect("booked alone");
    let answers = app
        .storage
        .book_batch(vec![
            drawing_it("13800000003"),
            request(hall, "13800000004", 1, None),
        ])
        .await;
    let mut codes = vec![
        first.code.as_str().to_owned(),
        alone.code.as_str().to_owned(),
    ];
    for answer in &answers {
        let view = answer.as_ref().expect("booked in a batch");
        assert_eq!(view.status.as_str(), "confirmed");
        codes.push(view.code.as_str().to_owned());
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 4, "four bookings, four codes: {codes:?}");
    assert_eq!(app.confirmed_people_in_db(hall).await, 4);
}

/// A batch answers each caller with a view made from what it wrote, not read back: every
/// answer (a new booking confirmed or waiting, a retry of one made earlier) is exactly what
/// the holder finds right after, down to the organisation's address and the place in a queue
/// that others joined before the batch and left since.
async fn a_batch_answers_what_the_holder_then_finds(db: Db) {
    let (app, hall, lab) = hall_and_lab(db, 2).await;
    let earlier = app
        .storage
        .book_batch(vec![
            request(hall, "13800000001", 2, None),
            request(hall, "13800000002", 1, Some(("key-w", "body-w"))),
            request(hall, "13800000009", 1, None),
        ])
        .await;
    assert_eq!(
        earlier[1].as_ref().map(|v| v.waitlist_position).ok(),
        Some(Some(1))
    );
    // The first in the queue leaves it: places count who waits now, not who once did.
    let first_waiting = earlier[2]
        .as_ref()
        .expect("waiting")
        .code
        .as_str()
        .to_owned();
    assert_eq!(app.cancel(&first_waiting, "13800000009").await.0, 200);

    let phones = ["13800000003", "13800000003", "13800000002", "13800000004"];
    let answers = app
        .storage
        .book_batch(vec![
            request(hall, phones[0], 1, None),
            request(lab, phones[1], 1, None),
            request(hall, phones[2], 1, Some(("key-w", "body-w"))),
            request(hall, phones[3], 2, None),
        ])
        .await;
    let places: Vec<Option<u32>> = answers
        .iter()
        .map(|a| a.as_ref().expect("booked").waitlist_position)
        .collect();
    assert_eq!(places, [Some(2), None, Some(1), Some(3)]);
    for (answer, phone) in answers.iter().zip(phones) {
        let answered = serde_json::to_value(answer.as_ref().expect("booked")).expect("json");
        let (status, found) = app
            .lookup(answered["code"].as_str().expect("code"), phone)
            .await;
        assert_eq!(status, 200);
        assert_eq!(answered, found, "the answer is what the holder finds");
        assert!(
            !answered["address"]["zh"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{answered}"
        );
    }
}

/// A batch writes one confirmation per confirmed booking, addressed to that booking (its id,
/// phone and language, its code and the activity in the text), and none to a
/// booking that waits.
async fn a_batch_tells_each_confirmed_holder_of_their_own_booking(db: Db) {
    let (app, hall, lab) = hall_and_lab(db, 2).await;
    let mut english = request(lab, "13800000004", 1, None);
    english.0.lang = labday_domain::message::Lang::En;
    let answers = app
        .storage
        .book_batch(vec![
            request(hall, "13800000001", 1, None),
            request(hall, "13800000002", 1, None),
            request(hall, "13800000003", 1, None),
            english,
        ])
        .await;
    let statuses: Vec<&str> = answers
        .iter()
        .map(|a| a.as_ref().expect("booked").status.as_str())
        .collect();
    assert_eq!(
        statuses,
        ["confirmed", "confirmed", "waitlisted", "confirmed"]
    );
    for (answer, (lang, title)) in answers.iter().zip([
        ("zh", Some("测试开放日")),
        ("zh", Some("测试开放日")),
        ("zh", None),
        ("en", Some("Test open day")),
    ]) {
        let code = answer.as_ref().expect("booked").code.as_str().to_owned();
        let told = app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM outbox o JOIN bookings b ON b.id = o.booking_id \
                 WHERE b.code = '{code}' AND o.kind = 'booking_confirmed' \
                 AND o.message_key = 'booking_confirmed:' || b.id AND o.phone = b.phone \
                 AND o.lang = '{lang}' AND o.text LIKE '%{code}%' \
                 AND o.text LIKE '%{}%'",
                title.unwrap_or("")
            ))
            .await;
        let expected = i64::from(title.is_some());
        assert_eq!(told, expected, "booking {code}: its confirmations");
        let any = app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM outbox o JOIN bookings b ON b.id = o.booking_id \
                 WHERE b.code = '{code}'"
            ))
            .await;
        assert_eq!(any, expected, "booking {code}: no other message");
    }
}

crate::on_both_databases!(
    a_batch_answers_what_the_holder_then_finds,
    a_batch_tells_each_confirmed_holder_of_their_own_booking,
    one_batch_gives_each_caller_its_own_answer,
    simultaneous_mixed_requests_each_get_the_right_answer,
    a_booking_that_draws_a_taken_code_is_booked_with_a_fresh_one,
);
