//! Moving a booking to another session in one step, by its holder and by staff: confirmed
//! to confirmed, into a full session (refused, or waitlisted when accepted, at the back of
//! the queue), past the deadline, to another activity, with a wrong phone, the same request
//! twice, and 20 holders racing for the last 3 places while their old sessions' waiting
//! lists move up; two moves of one booking at once, and moves in opposite directions, all
//! finishing (no deadlock) with every booking in one place; a move racing a check-in, one
//! of them refused and the check-in never lost; a cancellation overtaken by a move.

use crate::helpers::{add_fixture_activity, add_fixture_session, header, Db, SessionSpec, TestApp};
use crate::staff::{add_staff, call, parse, sign_in, PASSWORD};
use chrono::Duration;
use labday_domain::staff::Role;
use serde_json::{json, Value};

/// Moves a booking to `session`, as its holder does (`accept_waiting`: a place on the
/// waiting list will do).
pub(crate) async fn reschedule(
    app: &TestApp,
    code: &str,
    phone: &str,
    session: i64,
    accept_waiting: bool,
) -> (u16, Value) {
    app.post(
        "/api/v1/bookings/reschedule",
        &json!({"code": code, "phone": phone, "session_id": session, "accept_waiting": accept_waiting}),
    )
    .await
}

/// Books `people` adults with `phone` on `session` and gives the code.
async fn booked(app: &TestApp, session: i64, phone: &str, people: u32) -> String {
    let (status, b) = app.book(session, phone, people, 0).await;
    assert_eq!(status, 201, "{b}");
    b["code"].as_str().expect("a code").to_owned()
}

/// `count` bookings of one person each on `session`, from the phones `{prefix}0000`,
/// `{prefix}0001`, …: each one's code and phone.
async fn book_one_each(
    app: &TestApp,
    session: i64,
    prefix: &str,
    count: u32,
) -> Vec<(String, String)> {
    let mut holders = Vec::new();
    for i in 0..count {
        let phone = format!("{prefix}{i:04}");
        holders.push((booked(app, session, &phone, 1).await, phone));
    }
    holders
}

/// `(booked, waiting)` as the session's counters hold them, and the people of its
/// confirmed and waiting bookings counted from the bookings table: they must agree.
async fn places(app: &TestApp, session: i64) -> (i64, i64) {
    let counters = (
        app.db
            .scalar(&format!("SELECT booked FROM sessions WHERE id = {session}"))
            .await,
        app.db
            .scalar(&format!(
                "SELECT waiting FROM sessions WHERE id = {session}"
            ))
            .await,
    );
    let waiting = app
        .db
        .scalar(&format!(
            "SELECT CAST(COALESCE(SUM(adults + children), 0) AS BIGINT) FROM bookings \
             WHERE session_id = {session} AND status = 'waitlisted'"
        ))
        .await;
    let counted = (app.confirmed_people_in_db(session).await, waiting);
    assert_eq!(counters, counted, "session {session}'s counters");
    counted
}

async fn a_confirmed_booking_moves_to_free_places_keeping_its_code(db: Db) {
    let app = TestApp::spawn(db).await;
    let (from, to) = (
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
    );
    let code = booked(&app, from, "13800138000", 2).await;

    let (status, moved) = reschedule(&app, &code, "138 0013 8000", to, false).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["code"], code.as_str());
    assert_eq!(moved["status"], "confirmed");
    assert_eq!(moved["session"]["id"], to);
    assert_eq!(
        (places(&app, from).await, places(&app, to).await),
        ((0, 0), (2, 0))
    );
    let (_, found) = app.lookup(&code, "13800138000").await;
    assert_eq!(
        found["session"]["id"], to,
        "a lookup finds it in its new session"
    );

    // The same request again: the same state, the same answer.
    let (again_status, again) = reschedule(&app, &code, "13800138000", to, false).await;
    assert_eq!((again_status, &again), (200, &moved));
    assert_eq!(
        (places(&app, from).await, places(&app, to).await),
        ((0, 0), (2, 0))
    );
    // And it can move back.
    let (status, back) = reschedule(&app, &code, "13800138000", from, false).await;
    assert_eq!((status, &back["session"]["id"]), (200, &json!(from)));
    assert_eq!(
        (places(&app, from).await, places(&app, to).await),
        ((2, 0), (0, 0))
    );
}

async fn a_full_session_refuses_the_move_or_waitlists_it_at_the_back_when_accepted(db: Db) {
    let app = TestApp::spawn(db).await;
    let from = app.session(SessionSpec::sized(2, 2)).await;
    let full = app.session(SessionSpec::sized(2, 2)).await;
    // The mover booked first; someone else waits in the old session, and someone else
    // already waits in the full one (joined after the mover's booking was made).
    let code = booked(&app, from, "13800138000", 2).await;
    let old_waiter = booked(&app, from, "13900139000", 1).await;
    booked(&app, full, "13700137000", 2).await;
    let new_waiter = booked(&app, full, "13600136000", 1).await;

    let (status, refused) = reschedule(&app, &code, "13800138000", full, false).await;
    assert_eq!((status, &refused["code"]), (409, &json!("session_full")));
    let (_, kept) = app.lookup(&code, "13800138000").await;
    assert_eq!(
        (&kept["status"], &kept["session"]["id"]),
        (&json!("confirmed"), &json!(from))
    );
    assert_eq!(
        places(&app, from).await,
        (2, 1),
        "a refused move changes nothing"
    );

    let (status, moved) = reschedule(&app, &code, "13800138000", full, true).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["status"], "waitlisted");
    assert_eq!(
        moved["waitlist_position"], 2,
        "behind who was already waiting there, though booked earlier"
    );
    let (_, first) = app.lookup(&new_waiter, "13600136000").await;
    assert_eq!(first["waitlist_position"], 1);
    // The place it gave up went to the old session's waiting list.
    let (_, promoted) = app.lookup(&old_waiter, "13900139000").await;
    assert_eq!(promoted["status"], "confirmed");
    assert_eq!(places(&app, from).await, (1, 0));
    assert_eq!(places(&app, full).await, (2, 3));

    // Asked again, it stays where it is, waiting.
    let (status, again) = reschedule(&app, &code, "13800138000", full, true).await;
    assert_eq!((status, &again), (200, &moved));

    // Someone booking the full session now waits behind both: the place a booking is told
    // (from the session's queue length) counts the booking that moved into the queue.
    let (status, later) = app.book(full, "13500135000", 1, 0).await;
    assert_eq!(status, 201, "{later}");
    assert_eq!(later["waitlist_position"], 3, "{later}");
    let (_, found) = app
        .lookup(later["code"].as_str().unwrap(), "13500135000")
        .await;
    assert_eq!(found["waitlist_position"], 3);
}

async fn moves_past_the_deadline_to_another_activity_or_with_a_wrong_phone_are_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let late = app
        .session_with(|s| s.cancel_before_start = Duration::days(3))
        .await;
    let from = app.session(SessionSpec::default()).await;
    let to = app.session(SessionSpec::default()).await;
    let other_activity = add_fixture_activity(app.storage.as_ref()).await;
    let elsewhere =
        add_fixture_session(app.storage.as_ref(), other_activity, SessionSpec::default()).await;
    let stuck = booked(&app, late, "13800138000", 1).await;
    let code = booked(&app, from, "13900139000", 1).await;

    let (status, err) = reschedule(&app, &stuck, "13800138000", to, true).await;
    assert_eq!(
        (status, &err["code"]),
        (409, &json!("cancel_deadline_passed"))
    );
    let (status, err) = reschedule(&app, &code, "13900139000", elsewhere, true).await;
    assert_eq!((status, &err["code"]), (409, &json!("other_activity")));
    let (status, err) = reschedule(&app, &code, "13900139000", 999_999, true).await;
    assert_eq!((status, &err["code"]), (404, &json!("not_found")));

    // A wrong phone reads exactly as a lookup with a wrong phone.
    let (status, wrong) = reschedule(&app, &code, "13700137000", to, true).await;
    let (lookup_status, lookup) = app.lookup(&code, "13700137000").await;
    assert_eq!((status, &wrong), (lookup_status, &lookup));
    assert_eq!(status, 404);
    let (status, err) = reschedule(&app, "not a code", "123", to, true).await;
    assert_eq!((status, &err["code"]), (422, &json!("invalid")));

    // A cancelled booking does not move.
    let (status, _) = app.cancel(&code, "13900139000").await;
    assert_eq!(status, 200);
    let (status, err) = reschedule(&app, &code, "13900139000", to, true).await;
    assert_eq!((status, &err["code"]), (409, &json!("already_cancelled")));
    for s in [late, from, to, elsewhere] {
        let expected = if s == late { (1, 0) } else { (0, 0) };
        assert_eq!(places(&app, s).await, expected);
    }
}

async fn twenty_holders_racing_for_the_last_three_places_never_overbook(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.booking_rate_per_minute = 0).await;
    let target = app.session(SessionSpec::sized(5, 5)).await;
    booked(&app, target, "13000000000", 2).await;
    // Four full sessions of five holders each, with three people waiting on each.
    let mut holders = Vec::new();
    let mut sources = Vec::new();
    for s in 0..4 {
        let session = app.session(SessionSpec::sized(5, 5)).await;
        for h in 0..5 {
            let phone = format!("1380000{s}{h:03}");
            holders.push((booked(&app, session, &phone, 1).await, phone));
        }
        for w in 0..3 {
            booked(&app, session, &format!("1390000{s}{w:03}"), 1).await;
        }
        sources.push(session);
    }

    let app = std::sync::Arc::new(app);
    let racers: Vec<_> = holders
        .iter()
        .cloned()
        .map(|(code, phone)| {
            let app = app.clone();
            tokio::spawn(async move { reschedule(&app, &code, &phone, target, false).await })
        })
        .collect();
    let mut moved = 0;
    for racer in racers {
        let (status, answer) = racer.await.expect("task");
        match status {
            200 => moved += 1,
            409 => assert_eq!(answer["code"], "session_full", "{answer}"),
            other => panic!("{other}: {answer}"),
        }
    }
    assert_eq!(moved, 3, "exactly the three free places were taken");
    assert_eq!(places(&app, target).await, (5, 0));
    // Every place given up went to a waiting person of the session it was given up in.
    let mut waiting_left = 0;
    for s in &sources {
        let (confirmed, waiting) = places(&app, *s).await;
        assert_eq!(confirmed, 5, "session {s} stays full");
        waiting_left += waiting;
    }
    assert_eq!(waiting_left, 4 * 3 - 3);
}

/// The fixture activity's organisation.
async fn organisation_of(app: &TestApp, activity: i64) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT organisation_id FROM activities WHERE id = {activity}"
        ))
        .await
}

async fn staff_move_a_holder_within_their_reach_and_it_is_audited(db: Db) {
    let app = TestApp::spawn(db).await;
    let org = organisation_of(&app, app.activity_id).await;
    add_staff(&app, "lab", Role::LabStaff, Some(org)).await;
    let other_activity = add_fixture_activity(app.storage.as_ref()).await;
    let other_org = organisation_of(&app, other_activity).await;
    add_staff(&app, "elsewhere", Role::LabStaff, Some(other_org)).await;
    let (from, to) = (
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
    );
    let other = app.session(SessionSpec::default()).await;
    let code = booked(&app, from, "13800138000", 1).await;
    let body = |from: i64| json!({"code": code, "from_session_id": from, "to_session_id": to, "accept_waiting": false});
    let move_as = |cookie: Option<String>, from: i64| {
        let body = body(from);
        let app = &app;
        async move {
            call(
                app,
                "POST",
                "/api/v1/staff/bookings/move",
                cookie.as_deref(),
                Some(body),
            )
            .await
        }
    };

    let (status, _) = move_as(None, from).await;
    assert_eq!(status, 401);
    let (_, _, outsider, _) = sign_in(&app, "elsewhere", PASSWORD).await;
    let (status, _) = move_as(outsider, from).await;
    assert_eq!(status, 403);
    let (_, _, lab, _) = sign_in(&app, "lab", PASSWORD).await;
    let (status, text) = move_as(lab.clone(), other).await;
    assert_eq!(
        (status, &parse(&text)["code"]),
        (409, &json!("wrong_session")),
        "{text}"
    );
    assert_eq!(places(&app, from).await, (1, 0));

    let (status, text) = move_as(lab, from).await;
    assert_eq!(status, 200, "{text}");
    let moved = parse(&text);
    assert_eq!(
        (&moved["code"], &moved["session"]["id"]),
        (&json!(code), &json!(to))
    );
    assert_eq!(
        (places(&app, from).await, places(&app, to).await),
        ((0, 0), (1, 0))
    );
    let audited = app
        .db
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'move_booking'")
        .await;
    assert_eq!(audited, 1);
}

/// The physical lines of a calendar, each checked to be at most 75 octets.
fn calendar_lines(text: &str) -> Vec<&str> {
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    for line in &lines {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    }
    lines
}

async fn an_activitys_calendar_feed_lists_its_sessions_in_its_own_time_zone(db: Db) {
    let app = TestApp::spawn(db).await;
    let first = app.session(SessionSpec::default()).await;
    let second = app.session_with(|s| s.starts_in = Duration::days(3)).await;
    let long_title = "江西省检验检测认证总院食品检验检测研究院开放日：走进实验室看农残快检";
    app.sql(&format!(
        "UPDATE activities SET title_zh = '{long_title}' WHERE id = {}",
        app.activity_id
    ))
    .await;
    // An organisation seven hours east of UTC, not China's eight.
    app.sql(&format!(
        "UPDATE organisations SET utc_offset_minutes = 420 WHERE id = {}",
        organisation_of(&app, app.activity_id).await
    ))
    .await;

    let path = format!("/api/v1/activities/{}/calendar.ics", app.activity_id);
    let response = app.get_response(&path, None).await;
    assert_eq!(response.status(), 200);
    let header_text = |name: &str| header(&response, name).unwrap_or_default();
    assert_eq!(header_text("content-type"), "text/calendar; charset=utf-8");
    assert!(
        header_text("cache-control").starts_with("public"),
        "{}",
        header_text("cache-control")
    );
    let text = response.text().await.unwrap();
    let lines = calendar_lines(&text);
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert_eq!(lines.last(), Some(&"END:VCALENDAR"));
    let unfolded = labday_domain::calendar::unfold(&text);
    assert!(
        unfolded.contains(&format!("SUMMARY:{long_title} · 测试场次\r\n")),
        "{unfolded}"
    );
    assert!(text.contains("\r\n "), "the long title is folded");
    let uids: Vec<&str> = unfolded
        .lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with("UID:"))
        .collect();
    assert_eq!(
        uids,
        [
            format!("UID:session-{first}@labday"),
            format!("UID:session-{second}@labday")
        ]
    );
    assert!(!unfolded.contains("VALARM"), "a feed rings no alarms");

    // Times are UTC, from the organisation's offset.
    let (_, view) = app.get(&format!("/api/v1/sessions/{first}")).await;
    assert_eq!(view["utc_offset_minutes"], 420);
    let starts = chrono::NaiveDateTime::parse_from_str(
        view["starts_at"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .unwrap();
    let utc = (starts - Duration::minutes(420))
        .format("DTSTART:%Y%m%dT%H%M%SZ")
        .to_string();
    assert!(unfolded.contains(&utc), "{utc} in {unfolded}");

    // The same feed again (stable UIDs), English on request, and a 404 for no activity.
    let again = app.get_response(&path, None).await.text().await.unwrap();
    assert_eq!(
        labday_domain::calendar::unfold(&again)
            .lines()
            .filter(|l| l.starts_with("UID:"))
            .count(),
        2
    );
    let english = app
        .get_response(&format!("{path}?lang=en"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("SUMMARY:Test open day · Test session"),
        "{english}"
    );
    let missing = app
        .get_response("/api/v1/activities/999999/calendar.ics", None)
        .await;
    assert_eq!(missing.status(), 404);
}

/// The fixture organisation's lab staff, signed in: the cookie.
async fn lab_cookie(app: &TestApp) -> Option<String> {
    let org = organisation_of(app, app.activity_id).await;
    add_staff(app, "lab", Role::LabStaff, Some(org)).await;
    sign_in(app, "lab", PASSWORD).await.2
}

/// A staff move of `code` from `from` to `to`: the status and the answer.
async fn staff_move(
    app: &TestApp,
    cookie: Option<&str>,
    code: &str,
    from: i64,
    to: i64,
) -> (u16, Value) {
    let body = json!({"code": code, "from_session_id": from, "to_session_id": to, "accept_waiting": false});
    let (status, text) = call(
        app,
        "POST",
        "/api/v1/staff/bookings/move",
        cookie,
        Some(body),
    )
    .await;
    (status, parse(&text))
}

async fn moves_of_one_booking_at_once_and_in_opposite_directions_all_finish(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.booking_rate_per_minute = 0).await;
    let lab = lab_cookie(&app).await;
    let [from, left, right] = [
        app.session(SessionSpec::sized(40, 1)).await,
        app.session(SessionSpec::sized(40, 1)).await,
        app.session(SessionSpec::sized(40, 1)).await,
    ];
    // Ten bookings each moved twice at once (left by its holder; right by its holder or by
    // staff), five moving left → right and five right → left beside them.
    let twice = book_one_each(&app, from, "1380013", 10).await;
    let mut crossing = Vec::new();
    for i in 0..10 {
        let phone = format!("1390013{i:04}");
        let (at, to) = if i % 2 == 0 {
            (left, right)
        } else {
            (right, left)
        };
        crossing.push((booked(&app, at, &phone, 1).await, phone, to));
    }
    let app = std::sync::Arc::new(app);
    let mut racers = Vec::new();
    for (i, (code, phone)) in twice.iter().cloned().enumerate() {
        let (a, c, p) = (app.clone(), code.clone(), phone.clone());
        racers.push(tokio::spawn(async move {
            reschedule(&a, &c, &p, left, false).await
        }));
        let (a, lab) = (app.clone(), lab.clone());
        racers.push(tokio::spawn(async move {
            if i % 2 == 0 {
                reschedule(&a, &code, &phone, right, false).await
            } else {
                staff_move(&a, lab.as_deref(), &code, from, right).await
            }
        }));
    }
    for (code, phone, to) in crossing.iter().cloned() {
        let a = app.clone();
        racers.push(tokio::spawn(async move {
            reschedule(&a, &code, &phone, to, false).await
        }));
    }
    let deadline = std::time::Duration::from_secs(30);
    for racer in racers {
        let (status, answer) = tokio::time::timeout(deadline, racer)
            .await
            .expect("every move finishes")
            .expect("task");
        match status {
            200 => assert_eq!(answer["status"], "confirmed", "{answer}"),
            // Staff asked to move it from a session it had already left.
            409 => assert_eq!(answer["code"], "wrong_session", "{answer}"),
            other => panic!("{other}: {answer}"),
        }
    }
    // Each booking is in one session, confirmed, and the counters agree with the rows.
    for (code, phone) in &twice {
        let (_, found) = app.lookup(code, phone).await;
        assert_eq!(found["status"], "confirmed", "{found}");
        let at = found["session"]["id"].as_i64().unwrap();
        assert!(at == left || at == right, "{code} ended in {at}");
    }
    for (code, phone, to) in &crossing {
        let (_, found) = app.lookup(code, phone).await;
        assert_eq!(found["session"]["id"], *to, "{found}");
    }
    let (from_places, left_places, right_places) = (
        places(&app, from).await,
        places(&app, left).await,
        places(&app, right).await,
    );
    assert_eq!(from_places, (0, 0));
    assert_eq!(left_places.0 + right_places.0, 20);
}

async fn a_move_racing_a_check_in_never_loses_the_check_in(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.booking_rate_per_minute = 0).await;
    let lab = lab_cookie(&app).await;
    let (from, to) = (
        app.session(SessionSpec::sized(20, 1)).await,
        app.session(SessionSpec::sized(20, 1)).await,
    );
    let holders = book_one_each(&app, from, "1370013", 12).await;
    // Its day has come: the door checks visitors in, and they may still move.
    app.starts_today(from).await;
    let app = std::sync::Arc::new(app);
    let mut races = Vec::new();
    for (code, phone) in &holders {
        let (a, c, p) = (app.clone(), code.clone(), phone.clone());
        let mover = tokio::spawn(async move { reschedule(&a, &c, &p, to, false).await });
        let code = code.clone();
        let (a, lab) = (app.clone(), lab.clone());
        let desk = tokio::spawn(async move {
            let request = json!({"session_id": from, "code": code, "people": null});
            let (status, text) = call(
                &a,
                "POST",
                "/api/v1/staff/check-in",
                lab.as_deref(),
                Some(request),
            )
            .await;
            (status, parse(&text))
        });
        races.push((mover, desk));
    }
    let (mut moved, mut checked_in) = (0, 0);
    for ((code, phone), (mover, desk)) in holders.iter().zip(races) {
        let (moved_status, move_answer) = mover.await.expect("task");
        let (desk_status, desk_answer) = desk.await.expect("task");
        let (_, found) = app.lookup(code, phone).await;
        match (moved_status, desk_status) {
            (200, 409) => {
                assert_eq!(desk_answer["code"], "wrong_session", "{desk_answer}");
                assert_eq!(
                    (&found["session"]["id"], &found["status"]),
                    (&json!(to), &json!("confirmed"))
                );
                moved += 1;
            }
            (409, 200) => {
                assert_eq!(
                    move_answer["code"], "cancel_deadline_passed",
                    "{move_answer}"
                );
                assert_eq!(
                    (&found["session"]["id"], &found["status"]),
                    (&json!(from), &json!("checked_in")),
                    "the check-in stands"
                );
                checked_in += 1;
            }
            other => panic!("{other:?}: {move_answer} / {desk_answer}"),
        }
    }
    assert_eq!(moved + checked_in, 12);
    assert_eq!(places(&app, to).await, (moved, 0));
}

/// A holder's cancellation overtaken by a move (the booking read in one session, the move
/// committed before the cancellation holds that session's lock) releases the places of the
/// session the booking is in when it is cancelled, and only those: the session it left keeps
/// the counter the move gave it. PostgreSQL only: SQLite runs one write at a time, so
/// nothing commits between the two reads there. The test holds the old session's lock and
/// makes the move's changes itself while the cancellation waits for that lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_overtaken_by_a_move_releases_the_places_it_holds() {
    use sqlx::{Connection, PgConnection};
    let name = "a_cancellation_overtaken_by_a_move_releases_the_places_it_holds";
    let Some(db) = Db::postgres(name).await else {
        return;
    };
    // The server's connections carry a name of their own: the test sees when one waits.
    let app_name = crate::helpers::application_name("labday_overtaken_");
    let app = TestApp::spawn_with(db, |config| {
        config.database = format!("{}&application_name={app_name}", config.database);
    })
    .await;
    let [from, to] = [
        app.session(SessionSpec::sized(4, 2)).await,
        app.session(SessionSpec::sized(4, 2)).await,
    ];
    let phone = "13800138077";
    let code = booked(&app, from, phone, 2).await;
    let mut conn = PgConnection::connect(&app.db.url()).await.expect("connect");
    let mut tx = conn.begin().await.expect("begin");
    sqlx::query("SELECT id FROM sessions WHERE id = $1 FOR UPDATE")
        .bind(from)
        .execute(&mut *tx)
        .await
        .expect("lock");
    let app = std::sync::Arc::new(app);
    let cancel = {
        let (app, code) = (app.clone(), code.clone());
        tokio::spawn(async move { app.cancel(&code, phone).await })
    };
    // Until the cancellation waits for the old session's lock (it has read the booking),
    // seen from a connection of its own outside any transaction: a transaction would see
    // the server's connections as they were at its first look.
    let mut watcher = PgConnection::connect(&app.db.url()).await.expect("connect");
    crate::helpers::until_waiting_for_lock(
        &mut watcher,
        &app_name,
        "SELECT id FROM sessions WHERE id = $1",
        "the cancellation",
    )
    .await;
    // The move's changes: the booking in `to`, its two places counted there.
    for (sql, a, b) in [
        (
            "UPDATE bookings SET session_id = $1 WHERE session_id = $2",
            to,
            from,
        ),
        (
            "UPDATE sessions SET booked = booked + $2 WHERE id = $1",
            from,
            -2,
        ),
        (
            "UPDATE sessions SET booked = booked + $2 WHERE id = $1",
            to,
            2,
        ),
    ] {
        sqlx::query(sql)
            .bind(a)
            .bind(b)
            .execute(&mut *tx)
            .await
            .expect("move");
    }
    tx.commit().await.expect("commit");
    let (status, answer) = cancel.await.expect("task");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "cancelled", "{answer}");
    assert_eq!(answer["session"]["id"], json!(to), "{answer}");
    for session in [from, to] {
        let booked = app
            .db
            .scalar(&format!("SELECT booked FROM sessions WHERE id = {session}"))
            .await;
        assert_eq!(booked, 0, "session {session}: its places are all free");
        assert_eq!(app.confirmed_people_in_db(session).await, 0);
    }
    let _ = conn.close().await;
    let _ = watcher.close().await;
}

crate::on_both_databases!(
    moves_of_one_booking_at_once_and_in_opposite_directions_all_finish,
    a_move_racing_a_check_in_never_loses_the_check_in,
    a_confirmed_booking_moves_to_free_places_keeping_its_code,
    a_full_session_refuses_the_move_or_waitlists_it_at_the_back_when_accepted,
    moves_past_the_deadline_to_another_activity_or_with_a_wrong_phone_are_refused,
    twenty_holders_racing_for_the_last_three_places_never_overbook,
    staff_move_a_holder_within_their_reach_and_it_is_audited,
    an_activitys_calendar_feed_lists_its_sessions_in_its_own_time_zone,
);
