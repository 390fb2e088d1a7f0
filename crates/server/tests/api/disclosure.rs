//! Who reads a holder's name and phone in full: only the staff of the organisation that
//! runs the session (its lab's staff; a bureau's organisers when the bureau runs the
//! activity itself). Organisers of the bureaus above it and an organiser of no bureau read
//! them masked (`张*`, `138****8000`), as the booking form's privacy notice promises, in
//! the roster, its CSV, the check-in and walk-in answers and the samples bench; the door
//! still works for them by code.

use crate::helpers::{add_fixture_session, Db, SessionSpec, TestApp};
use crate::organisations::{add_activity_of, cookie_of, tree, tree_of};
use crate::samples::{quick_test, register, registration};
use crate::staff::{expect_call, parse};
use serde_json::{json, Value};

/// A holder's line as an account should read it: `(name, phone, masked)`.
type Shown<'a> = (&'a str, &'a str, bool);
/// A holder's line as an answer holds it.
type Read<'a> = (Option<&'a str>, Option<&'a str>, Option<bool>);

const IN_FULL: Shown = ("张三", "13800138000", false);
const MASKED: Shown = ("张*", "138****8000", true);

/// `(name, phone, masked)` of a roster line or a sample's holder.
fn shown(line: &Value) -> Read<'_> {
    (
        line["name"].as_str(),
        line["phone"].as_str(),
        line["masked"].as_bool(),
    )
}

/// `(name, phone, masked)` of a sample's holder.
fn holder(sample: &Value) -> Read<'_> {
    shown(&sample["holder"])
}

fn expected((name, phone, masked): Shown<'_>) -> Read<'_> {
    (Some(name), Some(phone), Some(masked))
}

/// The roster of `session`, with its one booking (张三, 13800138000), as `who` reads it:
/// the JSON line and the CSV row show the holder as `want`, and a masked one nowhere
/// holds the number or the name whole.
async fn roster_reads(app: &TestApp, session: i64, (who, cookie): (&str, &str), want: Shown<'_>) {
    let path = format!("/api/v1/staff/sessions/{session}/roster");
    let text = expect_call(app, "GET", &path, Some(cookie), None, 200).await;
    let roster = parse(&text);
    assert_eq!(roster.as_array().map(Vec::len), Some(1), "{who}: {roster}");
    assert_eq!(shown(&roster[0]), expected(want), "{who}: {roster}");
    let path = format!("/api/v1/staff/sessions/{session}/roster.csv");
    let csv = expect_call(app, "GET", &path, Some(cookie), None, 200).await;
    let (name, phone, masked) = want;
    assert!(csv.contains(&format!(",{name},{phone},")), "{who}:\n{csv}");
    if masked {
        for whole in ["13800138000", "张三"] {
            assert!(!text.contains(whole), "{who}: {text}");
            assert!(!csv.contains(whole), "{who}:\n{csv}");
        }
    }
}

/// The lab's own staff, and a county bureau's organisers for an open day the county runs
/// itself, read their session's holders in full; every organiser above (county, city, and
/// root of no bureau, for the lab's session; city and root for the county's) reads them
/// masked, in the roster and in its CSV.
async fn only_the_organisation_running_a_session_reads_its_holders_in_full(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let lab_session = t.sessions[0][0];
    let county_runs = add_activity_of(app, t.counties[0][0], "县局开放日").await;
    let storage = app.storage.as_ref();
    let county_session = add_fixture_session(storage, county_runs, SessionSpec::default()).await;
    for session in [lab_session, county_session] {
        let (status, booked) = app.book(session, "13800138000", 1, 0).await;
        assert_eq!(status, 201, "{booked}");
    }
    let lab = cookie_of(app, "lab-00").await;
    let city = cookie_of(app, "city-0").await;
    let (county, root) = (t.county.as_str(), t.root.as_str());
    let runs_and_above = [
        (
            lab_session,
            vec![("lab-00", lab.as_str())],
            vec![("county-00", county), ("city-0", &city), ("root", root)],
        ),
        (
            county_session,
            vec![("county-00", county)],
            vec![("city-0", &city), ("root", root)],
        ),
    ];
    for (session, runs, above) in runs_and_above {
        for reader in runs {
            roster_reads(app, session, reader, IN_FULL).await;
        }
        for reader in above {
            roster_reads(app, session, reader, MASKED).await;
        }
    }
}

/// A city organiser, above the lab, checks a visitor in by code and books a walk-in at the
/// lab's door, and works the lab's quick-test bench: every answer shows the holders masked.
/// The lab's own staff read the same bench in full.
async fn organisers_above_a_lab_read_its_holders_masked_at_the_door_and_the_bench(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let city = cookie_of(app, "city-0").await;
    let c = Some(city.as_str());
    let session = t.sessions[0][0];
    let (_, booked) = app.book(session, "13800138000", 1, 0).await;
    app.starts_today(session).await;

    // The door works by code alone; its answer's line is masked.
    let check_in = json!({"session_id": session, "code": booked["code"]});
    let path = "/api/v1/staff/check-in";
    let answer = parse(&expect_call(app, "POST", path, c, Some(check_in), 200).await);
    assert_eq!(answer["people"], 1, "{answer}");
    assert_eq!(shown(&answer["entry"]), expected(MASKED), "{answer}");
    let walk_in = json!({"name": "李四", "phone": "13700137000", "adults": 1});
    let path = format!("/api/v1/staff/sessions/{session}/walk-ins");
    let answer = parse(&expect_call(app, "POST", &path, c, Some(walk_in), 201).await);
    let walk_in_masked = ("李*", "137****7000", true);
    assert_eq!(
        shown(&answer["entry"]),
        expected(walk_in_masked),
        "{answer}"
    );

    // The bench of a quick-test session of the same lab's open day.
    let storage = app.storage.as_ref();
    let bench = add_fixture_session(storage, t.activities[0][0], quick_test()).await;
    app.starts_today(bench).await;
    let sample = register(app, bench, "13900139000", &["spinach"]).await;
    let code = sample[0]["code"].as_str().unwrap().to_owned();
    let held = expected(("王*", "139****9000", true));
    let list = format!("/api/v1/staff/sessions/{bench}/samples");
    let listed = parse(&expect_call(app, "GET", &list, c, None, 200).await);
    assert_eq!(holder(&listed[0]), held, "{listed}");
    let path = format!("/api/v1/staff/samples/{code}");
    let one = parse(&expect_call(app, "GET", &path, c, None, 200).await);
    assert_eq!(holder(&one), held, "{one}");
    let path = format!("/api/v1/staff/samples/{code}/receive");
    let receipt = Some(json!({"session_id": bench}));
    let received = parse(&expect_call(app, "POST", &path, c, receipt, 200).await);
    assert_eq!(holder(&received), held, "{received}");
    let path = format!("/api/v1/staff/samples/{code}/tests");
    let reading = Some(json!({"method": "enzyme_inhibition", "inhibition_pct": 12.5}));
    let tested = parse(&expect_call(app, "POST", &path, c, reading, 200).await);
    assert_eq!(holder(&tested), held, "{tested}");
    let path = format!("/api/v1/staff/sessions/{bench}/walk-in-samples");
    let body = Some(registration(bench, "13600136000", &["celery"]));
    let walked_in = parse(&expect_call(app, "POST", &path, c, body, 201).await);
    let walked_in_held = expected(("王*", "136****6000", true));
    assert_eq!(holder(&walked_in[0]), walked_in_held, "{walked_in}");

    // The lab's own staff read them in full.
    let lab = cookie_of(app, "lab-00").await;
    let listed = parse(&expect_call(app, "GET", &list, Some(&lab), None, 200).await);
    let in_full = |phone| expected(("王芳", phone, false));
    let mut holders: Vec<_> = listed.as_array().unwrap().iter().map(holder).collect();
    holders.sort();
    assert_eq!(holders, [in_full("13600136000"), in_full("13900139000")]);
}

/// An organiser above a lab cannot read its holders in full by handing the lab's activity
/// to the organiser's own bureau: an activity holding a booking (or a sample) stays with
/// its organisation (`holds_bookings`), and its roster stays masked. One holding none may
/// go, and the audit log names both organisations.
async fn an_activity_holding_bookings_stays_with_its_organisation(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let city = cookie_of(app, "city-0").await;
    let lab = t.labs[0][0];
    let post = |path: &str, body: Value| {
        let path = path.to_owned();
        let cookie = city.clone();
        async move { parse(&expect_call(app, "POST", &path, Some(&cookie), Some(body), 201).await) }
    };
    let draft = crate::console::activity_body(lab);
    let activity = post("/api/v1/staff/activities", draft.clone()).await["id"].clone();
    let sessions = format!("/api/v1/staff/activities/{activity}/sessions");
    let session = post(&sessions, crate::console::session_body(5)).await["id"].clone();
    let session = session.as_i64().expect("a session id");
    let (status, booked) = app.book(session, "13800138000", 1, 0).await;
    assert_eq!(status, 201, "{booked}");
    let activity_path = format!("/api/v1/staff/activities/{activity}");
    let mut taken_over = draft.clone();
    taken_over["organisation_id"] = json!(t.cities[0]);
    let refused = expect_call(
        app,
        "PUT",
        &activity_path,
        Some(&city),
        Some(taken_over),
        422,
    )
    .await;
    assert_eq!(
        parse(&refused)["fields"]["organisation_id"],
        "holds_bookings",
        "{refused}"
    );
    roster_reads(app, session, ("city-0", &city), MASKED).await;

    // Without bookings or samples, it may go; the audit log says from where to where.
    let mut empty = crate::console::activity_body(lab);
    empty["title"] = json!({"zh": "另一个开放日", "en": ""});
    let other = post("/api/v1/staff/activities", empty.clone()).await["id"].clone();
    empty["organisation_id"] = json!(t.cities[0]);
    let path = format!("/api/v1/staff/activities/{other}");
    expect_call(app, "PUT", &path, Some(&city), Some(empty), 200).await;
    let audit =
        parse(&expect_call(app, "GET", "/api/v1/staff/audit", Some(&city), None, 200).await);
    let subject = format!("activity {other}: organisation {lab} to {}", t.cities[0]);
    assert!(
        audit
            .as_array()
            .expect("a list")
            .iter()
            .any(|e| e["subject"] == subject.as_str()),
        "{subject} in {audit}"
    );
}

/// A session added to an activity while its handover waits for the activity's lock is not
/// among the sessions the handover locked, so a booking on it could commit after the look
/// for bookings: the handover hands nothing over and says it was edited meanwhile; sent
/// again, it goes. PostgreSQL only: SQLite runs one write at a time, so nothing is added
/// while a handover runs. The test holds the activity's lock and adds the session itself
/// once the handover waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_added_while_a_handover_waits_makes_it_start_again() {
    use sqlx::{Connection, PgConnection};
    let name = "a_session_added_while_a_handover_waits_makes_it_start_again";
    let Some(db) = Db::postgres(name).await else {
        return;
    };
    // The server's connections carry a name of their own: the test sees when one waits.
    let app_name = crate::helpers::application_name("labday_handover_");
    let app = TestApp::spawn_with(db, |config| {
        config.database = format!("{}&application_name={app_name}", config.database);
    })
    .await;
    let t = std::sync::Arc::new(tree_of(app).await);
    let app = &t.app;
    let city = cookie_of(app, "city-0").await;
    let lab = t.labs[0][0];
    let draft = crate::console::activity_body(lab);
    let created = expect_call(
        app,
        "POST",
        "/api/v1/staff/activities",
        Some(&city),
        Some(draft.clone()),
        201,
    )
    .await;
    let activity = parse(&created)["id"].as_i64().expect("an activity id");
    let sessions = format!("/api/v1/staff/activities/{activity}/sessions");
    let body = crate::console::session_body(5);
    let session = parse(&expect_call(app, "POST", &sessions, Some(&city), Some(body), 201).await)
        ["id"]
        .as_i64()
        .expect("a session id");
    let path = format!("/api/v1/staff/activities/{activity}");
    let mut handed = draft;
    handed["organisation_id"] = json!(t.cities[0]);

    let mut conn = PgConnection::connect(&app.db.url()).await.expect("connect");
    let mut tx = conn.begin().await.expect("begin");
    sqlx::query("SELECT id FROM activities WHERE id = $1 FOR UPDATE")
        .bind(activity)
        .execute(&mut *tx)
        .await
        .expect("lock");
    let handover = {
        let (t, path, city, handed) = (t.clone(), path.clone(), city.clone(), handed.clone());
        tokio::spawn(async move {
            let answer = crate::staff::call(&t.app, "PUT", &path, Some(&city), Some(handed));
            answer.await
        })
    };
    let mut watcher = PgConnection::connect(&app.db.url()).await.expect("connect");
    crate::helpers::until_waiting_for_lock(
        &mut watcher,
        &app_name,
        "SELECT revision FROM activities",
        "the handover",
    )
    .await;
    // A session added meanwhile: a copy of the first, a minute later.
    for statement in [
        "CREATE TEMP TABLE added ON COMMIT DROP AS SELECT * FROM sessions WHERE id = $1",
        "UPDATE added SET id = nextval(pg_get_serial_sequence('sessions', 'id')), \
         starts_at = starts_at + interval '1 minute', ends_at = ends_at + interval '1 minute' \
         WHERE id = $1",
        "INSERT INTO sessions SELECT * FROM added WHERE id <> $1",
    ] {
        sqlx::query(statement)
            .bind(session)
            .execute(&mut *tx)
            .await
            .expect(statement);
    }
    tx.commit().await.expect("commit");
    let (status, answer) = handover.await.expect("task");
    assert_eq!(status, 412, "{answer}");
    assert_eq!(parse(&answer)["code"], "edited_meanwhile", "{answer}");
    let runs = format!("SELECT organisation_id FROM activities WHERE id = {activity}");
    assert_eq!(app.db.scalar(&runs).await, lab, "the lab runs it still");
    // Sent again, it sees both sessions (neither holds a booking) and hands them over.
    expect_call(app, "PUT", &path, Some(&city), Some(handed), 200).await;
    assert_eq!(app.db.scalar(&runs).await, t.cities[0]);
    let _ = conn.close().await;
    let _ = watcher.close().await;
}

crate::on_both_databases!(
    an_activity_holding_bookings_stays_with_its_organisation,
    only_the_organisation_running_a_session_reads_its_holders_in_full,
    organisers_above_a_lab_read_its_holders_masked_at_the_door_and_the_bench,
);
