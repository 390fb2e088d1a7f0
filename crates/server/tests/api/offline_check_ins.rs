//! Check-ins a desk made without network, sent when it comes back (`offline_at`): a replay,
//! or the same visitor checked in on two phones, counts once; what changed meanwhile (a
//! cancelled booking, another session's code, an unknown code) is refused with the reason;
//! a time before the session's day is refused; one from a phone whose clock runs fast is
//! recorded at the server's time.

use crate::helpers::{now, Db};
use crate::staff::{call, parse, sign_in, site_with_lab, PASSWORD};
use chrono::Duration;
use serde_json::{json, Value};

async fn offline_check_ins_count_once_and_conflicts_say_why(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, cookie) = (&s.app, lab.as_deref());
    // Started ten minutes ago, still bookable and cancellable (walk-up visitors).
    let door = app
        .session_with(|spec| {
            spec.starts_in = Duration::minutes(-10);
            spec.closes_before_start = Duration::hours(-2);
            spec.cancel_before_start = Duration::hours(-2);
        })
        .await;
    let code = |v: &Value| v["code"].as_str().unwrap().to_owned();
    let mut codes = Vec::new();
    for (session, phone, adults) in [
        (door, "13800138100", 2),
        (door, "13800138101", 1),
        (door, "13800138102", 1),
        (s.session, "13800138103", 1),
        (door, "13800138104", 1),
    ] {
        let (status, booked) = app.book(session, phone, adults, 0).await;
        assert_eq!(status, 201, "{booked}");
        codes.push(code(&booked));
    }
    let (family, single, cancelled, elsewhere) = (&codes[0], &codes[1], &codes[2], &codes[3]);
    let fast_clock = &codes[4];
    let (status, _) = app.cancel(cancelled, "13800138102").await;
    assert_eq!(status, 200);

    let at = now() - Duration::minutes(5);
    let sync = |c: &str, at: chrono::NaiveDateTime, people: Option<u32>| {
        let body = json!({"session_id": door, "code": c, "offline_at": at, "people": people});
        call(app, "POST", "/api/v1/staff/check-in", cookie, Some(body))
    };
    let people_and_replay = |body: &str| {
        let v = parse(body);
        (v["people"].as_u64(), v["already_in"].as_bool())
    };

    // The family: all in; the same check-in again (its answer was lost) lets nobody more in.
    let (status, body) = sync(family, at, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(people_and_replay(&body), (Some(2), Some(false)), "{body}");
    let (status, body) = sync(&family.to_lowercase(), at, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(people_and_replay(&body), (Some(0), Some(true)), "{body}");

    // Two phones checked the same visitor in; both sync at once: one of them counts.
    let later = at + Duration::minutes(1);
    let ((s1, b1), (s2, b2)) = tokio::join!(sync(single, at, None), sync(single, later, None));
    assert_eq!((s1, s2), (200, 200), "{b1} {b2}");
    let mut answers = [people_and_replay(&b1), people_and_replay(&b2)];
    answers.sort();
    assert_eq!(answers, [(Some(0), Some(true)), (Some(1), Some(false))]);

    // What changed meanwhile is refused, saying why.
    for (c, status, says) in [
        (cancelled.as_str(), 409, "already_cancelled"),
        (elsewhere.as_str(), 409, "wrong_session"),
        ("ABCDEFGH", 404, "not_found"),
    ] {
        let (got, body) = sync(c, at, None).await;
        assert!(got == status && body.contains(says), "{says}: {got} {body}");
    }

    // A phone whose clock runs ten minutes fast: its visitor is in all the same, recorded at
    // the server's time, not the phone's.
    let ahead = now() + Duration::minutes(10);
    let (status, body) = sync(fast_clock, ahead, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(people_and_replay(&body), (Some(1), Some(false)), "{body}");

    // Times a desk could not have recorded, or a part of a party, are refused (422).
    let day_before = now() - Duration::hours(25);
    for (at, people, field, says) in [
        (day_before, None, "offline_at", "in_past"),
        (at, Some(1), "people", "invalid"),
    ] {
        let (got, body) = sync(single, at, people).await;
        let fields = &parse(&body)["fields"];
        assert_eq!((got, fields[field].as_str()), (422, Some(says)), "{body}");
    }

    // The server has exactly the four people the phones let in; once each.
    let path = format!("/api/v1/staff/sessions/{door}/roster");
    let (status, roster) = call(app, "GET", &path, cookie, None).await;
    assert_eq!(status, 200);
    let roster = parse(&roster);
    let arrived: u64 = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["checked_in"].as_u64().unwrap())
        .sum();
    assert_eq!(arrived, 4, "{roster}");
    // The audit log says which check-ins were made offline (the three that let people in),
    // and never a time ahead of the server's.
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;
    let (status, audit) = call(app, "GET", "/api/v1/staff/audit", chief.as_deref(), None).await;
    assert_eq!(status, 200, "{audit}");
    assert_eq!(audit.matches(", offline at ").count(), 3, "{audit}");
    let minute = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    assert!(!audit.contains(&minute(ahead)), "{audit}");
}

crate::on_both_databases!(offline_check_ins_count_once_and_conflicts_say_why);
