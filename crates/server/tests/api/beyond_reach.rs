//! A code is its holder's secret: staff learn nothing of codes their organisation does not
//! run. At a desk (check-in, a staff move, a sample's receipt) or in a sample's path,
//! another organisation's booking or sample answers exactly as a code nobody has (404);
//! another session of the desk's own organisation still says `wrong_session`, naming that
//! session (`elsewhere`), so a visitor at the wrong door is sent to the right one. On both
//! databases.

use crate::helpers::{add_fixture_session, Db, SessionSpec, TestApp};
use crate::samples::register;
use crate::staff::{call, parse, site_with_lab};
use labday_domain::SessionFormat;
use serde_json::{json, Value};

/// The answers, as `(status, body)`, to `method` on each `(path, body)`, as staff `lab`.
async fn answers(
    app: &TestApp,
    lab: Option<&str>,
    method: &str,
    requests: Vec<(String, Option<Value>)>,
) -> Vec<(u16, Value)> {
    let mut all = Vec::new();
    for (path, body) in requests {
        let (status, text) = call(app, method, &path, lab, body).await;
        all.push((status, parse(&text)));
    }
    all
}

async fn another_organisations_codes_read_as_unknown_at_every_desk(db: Db) {
    let (s, lab) = site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let next_door = app.session(SessionSpec::default()).await;
    let to = app.session(SessionSpec::default()).await;
    app.starts_today(s.session).await;
    let code = |v: &Value| v["code"].as_str().unwrap().to_owned();
    let (_, ours) = app.book(next_door, "13800138010", 1, 0).await;
    let (_, theirs) = app.book(s.other_session, "13800138011", 1, 0).await;
    let (ours, theirs) = (code(&ours), code(&theirs));
    let unknown = "ABCDEFGH";

    // The door: check-in, at the desk's session.
    let codes = [theirs.as_str(), unknown, ours.as_str()];
    let to_desk = |c: &&str| {
        let body = json!({"session_id": s.session, "code": c});
        ("/api/v1/staff/check-in".to_owned(), Some(body))
    };
    let checked = answers(app, lab, "POST", codes.iter().map(to_desk).collect()).await;
    // A staff move from the desk's session.
    let to_move = |c: &&str| {
        let body = json!({"code": c, "from_session_id": s.session, "to_session_id": to});
        ("/api/v1/staff/bookings/move".to_owned(), Some(body))
    };
    let moved = answers(app, lab, "POST", codes.iter().map(to_move).collect()).await;
    for (what, got) in [("check-in", checked), ("move", moved)] {
        assert_eq!(
            got[0].0, 404,
            "{what}: another organisation's code: {:?}",
            got[0]
        );
        assert_eq!(
            got[0], got[1],
            "{what}: the same answer as a code nobody has"
        );
        assert_eq!(
            (got[2].0, got[2].1["code"].as_str(), &got[2].1["elsewhere"]),
            (409, Some("wrong_session"), &json!(next_door)),
            "{what}: another session of the lab's own, named"
        );
        assert!(
            got[0].1.get("elsewhere").is_none(),
            "{what}: nothing of another organisation's"
        );
    }

    // Samples: a test point of each organisation, a sample registered at each.
    let quick = || SessionSpec {
        format: SessionFormat::QuickTest,
        ..Default::default()
    };
    let point = app.session(quick()).await;
    let our_other_point = app.session(quick()).await;
    let their_point = add_fixture_session(app.storage.as_ref(), s.other_activity, quick()).await;
    let ours = code(&register(app, our_other_point, "13800138012", &["spinach"]).await[0]);
    let theirs = code(&register(app, their_point, "13800138013", &["spinach"]).await[0]);
    let unknown = "ABCDEFGH";
    let codes = [theirs.as_str(), unknown, ours.as_str()];
    let to_show = |c: &&str| (format!("/api/v1/staff/samples/{c}"), None);
    let shown = answers(app, lab, "GET", codes.iter().map(to_show).collect()).await;
    assert_eq!(
        shown[0].0, 404,
        "another organisation's sample: {:?}",
        shown[0]
    );
    assert_eq!(shown[2].0, 200, "{:?}", shown[2]);
    let to_receive = |c: &&str| {
        let path = format!("/api/v1/staff/samples/{c}/receive");
        (path, Some(json!({"session_id": point})))
    };
    let received = answers(app, lab, "POST", codes.iter().map(to_receive).collect()).await;
    let to_test = |c: &&str| {
        let path = format!("/api/v1/staff/samples/{c}/tests");
        let reading = json!({"method": "enzyme_inhibition", "inhibition_pct": 12.5});
        (path, Some(reading))
    };
    let tested = answers(app, lab, "POST", codes[..2].iter().map(to_test).collect()).await;
    for (what, got) in [
        ("shown", &shown),
        ("received", &received),
        ("tested", &tested),
    ] {
        assert_eq!(
            got[0], got[1],
            "{what}: the same answer as a code nobody has"
        );
    }
    assert_eq!(
        (
            received[2].0,
            received[2].1["code"].as_str(),
            &received[2].1["elsewhere"]
        ),
        (409, Some("wrong_session"), &json!(our_other_point)),
        "a sample of the lab's own other test point, named"
    );
}

crate::on_both_databases!(another_organisations_codes_read_as_unknown_at_every_desk);
