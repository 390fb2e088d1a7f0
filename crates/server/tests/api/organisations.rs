//! Organisations as a hierarchy: a province with two cities, each with two counties, each
//! county with a lab that runs an activity. Organisers act within their bureau's subtree
//! (403 outside it) on every staff route; organisations are created where their kind fits,
//! edited without moving, listed parents first, and every write is audited.

use crate::console::{activity_body, session_body};
use crate::helpers::{add_fixture_session, now, Db, SessionSpec, StoredBooking, TestApp};
use crate::staff::{add_staff, call, expect_call, get_as, sign_in, PASSWORD};
use chrono::Duration;
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::organisation::{OrgKind, OrganisationDraft};
use labday_domain::staff::Role;
use labday_server::storage::staff::{NewStaff, StaffAdded};
use labday_server::storage::NewActivity;
use serde_json::{json, Value};

/// A new organisation's body for the API.
pub(crate) fn org_body(parent_id: Value, kind: &str, name: &str) -> Value {
    json!({
        "parent_id": parent_id,
        "kind": kind,
        "name": {"zh": name, "en": ""},
        "city": {"zh": "南昌", "en": "Nanchang"},
    })
}

pub(crate) fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Creates an organisation through the API as `cookie`; its id.
pub(crate) async fn create(
    app: &TestApp,
    cookie: &str,
    parent: i64,
    kind: &str,
    name: &str,
) -> i64 {
    let body = org_body(json!(parent), kind, name);
    let path = "/api/v1/staff/organisations";
    let text = expect_call(app, "POST", path, Some(cookie), Some(body), 201).await;
    let created = parse(&text);
    assert_eq!(created["parent_id"], parent);
    assert_eq!(created["kind"], kind);
    created["id"].as_i64().unwrap()
}

/// Province `province` → cities → counties → one lab each, every lab running an activity
/// with one session; `cities[c]`, `counties[c][k]`, `labs[c][k]` and so on. The province
/// comes from storage (as the command line makes it), the rest from the API as `root`, an
/// organiser who reaches everything. Organisers `city-0` (of the first city) and
/// `county-00` (of its first county) and lab staff `lab-00` (of that county's lab); `root`
/// and `county` are the cookies of `root` and `county-00`, signed in.
pub(crate) struct Tree {
    pub(crate) app: TestApp,
    pub(crate) root: String,
    pub(crate) county: String,
    pub(crate) province: i64,
    pub(crate) cities: [i64; 2],
    pub(crate) counties: [[i64; 2]; 2],
    pub(crate) labs: [[i64; 2]; 2],
    pub(crate) activities: [[i64; 2]; 2],
    pub(crate) sessions: [[i64; 2]; 2],
}

pub(crate) async fn tree(db: Db) -> Tree {
    tree_of(TestApp::spawn(db).await).await
}

/// [`tree`] on a server the caller started.
pub(crate) async fn tree_of(app: TestApp) -> Tree {
    let province = OrganisationDraft {
        parent_id: None,
        kind: OrgKind::ProvinceBureau,
        name: Localised::new("江西省市场监督管理局", "Jiangxi AMR"),
        city: Localised::new("南昌", "Nanchang"),
        county: Localised::default(),
        address: Localised::default(),
        contact: String::new(),
        utc_offset_minutes: 480,
    };
    let province = app
        .storage
        .create_organisation(None, &province.validate().unwrap())
        .await
        .unwrap()
        .unwrap();
    add_staff(&app, "root", Role::Organiser, None).await;
    let (_, _, root, _) = sign_in(&app, "root", PASSWORD).await;
    let root = root.unwrap();
    let mut t = Tree {
        app,
        root: root.clone(),
        county: String::new(),
        province,
        cities: [0; 2],
        counties: [[0; 2]; 2],
        labs: [[0; 2]; 2],
        activities: [[0; 2]; 2],
        sessions: [[0; 2]; 2],
    };
    let app = &t.app;
    for c in 0..2 {
        t.cities[c] = create(app, &root, province, "city_bureau", &format!("市{c}")).await;
        for k in 0..2 {
            let (county, lab) = (format!("县{c}{k}"), format!("实验室{c}{k}"));
            t.counties[c][k] = create(app, &root, t.cities[c], "county_bureau", &county).await;
            t.labs[c][k] = create(app, &root, t.counties[c][k], "lab", &lab).await;
            let activity = add_activity_of(app, t.labs[c][k], &format!("开放日{c}{k}")).await;
            t.activities[c][k] = activity;
            let storage = app.storage.as_ref();
            t.sessions[c][k] = add_fixture_session(storage, activity, SessionSpec::default()).await;
        }
    }
    add_staff(app, "city-0", Role::Organiser, Some(t.cities[0])).await;
    add_staff(app, "county-00", Role::Organiser, Some(t.counties[0][0])).await;
    add_staff(app, "lab-00", Role::LabStaff, Some(t.labs[0][0])).await;
    t.county = cookie_of(&t.app, "county-00").await;
    t
}

/// An open day that `organisation` runs itself, from today for ten days; its id.
pub(crate) async fn add_activity_of(app: &TestApp, organisation: i64, title: &str) -> i64 {
    let activity = NewActivity {
        organisation_id: organisation,
        kind: ActivityKind::LabOpenDay,
        title: Localised::new(title, ""),
        description: Localised::default(),
        safety_notes: Localised::default(),
        starts_on: now().date(),
        ends_on: now().date() + Duration::days(10),
    };
    app.storage.add_activity(activity).await.unwrap()
}

/// Signs `username` in; the cookie.
pub(crate) async fn cookie_of(app: &TestApp, username: &str) -> String {
    let (status, body, cookie, _) = sign_in(app, username, PASSWORD).await;
    assert_eq!(status, 200, "{username}: {body}");
    cookie.unwrap()
}

/// The `key` of every item of a JSON array.
pub(crate) fn ids(list: &Value, key: &str) -> Vec<i64> {
    let items = list.as_array().unwrap_or_else(|| panic!("a list: {list}"));
    items.iter().map(|o| o[key].as_i64().unwrap()).collect()
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

/// The audit log's `(action, subject)` lines, as root reads them.
pub(crate) async fn audit_lines(t: &Tree) -> Vec<(String, String)> {
    let root = Some(t.root.as_str());
    let path = "/api/v1/staff/audit";
    let audit = parse(&expect_call(&t.app, "GET", path, root, None, 200).await);
    let entries = audit.as_array().unwrap();
    let text = |e: &Value, key: &str| e[key].as_str().unwrap().to_owned();
    entries
        .iter()
        .map(|e| (text(e, "action"), text(e, "subject")))
        .collect()
}

/// Whether `lines` hold an `action` on a subject starting with `subject`.
pub(crate) fn audited(lines: &[(String, String)], action: &str, subject: &str) -> bool {
    lines
        .iter()
        .any(|(a, s)| a == action && s.starts_with(subject))
}

/// Sends `body` and expects 422 with `kind` → `kind_not_allowed`.
async fn kind_refused(t: &Tree, method: &str, path: &str, cookie: &str, body: Value) {
    let text = expect_call(&t.app, method, path, Some(cookie), Some(body), 422).await;
    assert_eq!(field(&text, "kind"), "kind_not_allowed", "{method} {path}");
}

/// The error code of an answer's body.
pub(crate) fn code(text: &str) -> Value {
    parse(text)["code"].clone()
}

/// The field code of `field` in an answer's body.
pub(crate) fn field(text: &str, field: &str) -> Value {
    parse(text)["fields"][field].clone()
}

async fn a_county_organiser_acts_in_its_own_subtree_only(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let c = Some(t.county.as_str());
    // (own, sibling county's) lab, activity and session
    let (own, sibling) = (
        (t.labs[0][0], t.activities[0][0], t.sessions[0][0]),
        (t.labs[0][1], t.activities[0][1], t.sessions[0][1]),
    );
    for ((lab, activity, session), status) in [(own, 200), (sibling, 403)] {
        let reads = [
            format!("/api/v1/staff/sessions/{session}/roster"),
            format!("/api/v1/staff/sessions/{session}/roster.csv"),
            format!("/api/v1/staff/organisations/{lab}"),
            format!("/api/v1/staff/activities?organisation_id={lab}"),
            format!("/api/v1/staff/summary?organisation_id={lab}"),
            format!("/api/v1/staff/media?organisation_id={lab}"),
            format!("/api/v1/staff/photos?organisation_id={lab}"),
        ];
        for path in &reads {
            expect_call(app, "GET", path, c, None, status).await;
        }
        let created = if status == 200 { 201 } else { 403 };
        let path = "/api/v1/staff/activities";
        expect_call(app, "POST", path, c, Some(activity_body(lab)), created).await;
        // An edit of its own: the activity just created holds this title from today.
        let mut edit = activity_body(lab);
        edit["title"] = json!({"zh": "改过的开放日", "en": "Open day, edited"});
        let path = format!("/api/v1/staff/activities/{activity}");
        expect_call(app, "PUT", &path, c, Some(edit), status).await;
        let path = format!("/api/v1/staff/activities/{activity}/sessions");
        expect_call(app, "POST", &path, c, Some(session_body(5)), created).await;
        let path = format!("/api/v1/staff/sessions/{session}/no-shows");
        let (got, text) = call(app, "POST", &path, c, None).await;
        // Not over yet is a 409: past the reach check.
        assert_eq!(got, if status == 200 { 409 } else { 403 }, "{path}: {text}");
        let check_in = json!({"session_id": session, "code": "AAAAAAAA"});
        let path = "/api/v1/staff/check-in";
        let (got, text) = call(app, "POST", path, c, Some(check_in)).await;
        // No such booking: refused past the reach check, but only there.
        assert_eq!(got == 403, status == 403, "{got}: {text}");
    }
    // The county itself and nothing above or beside it.
    for (org, status) in [
        (t.counties[0][0], 200),
        (t.cities[0], 403),
        (t.province, 403),
        (t.counties[1][0], 403),
        (t.labs[1][1], 403),
    ] {
        let path = format!("/api/v1/staff/organisations/{org}");
        expect_call(app, "GET", &path, c, None, status).await;
    }
    // Lab staff stay in their lab.
    let lab = cookie_of(app, "lab-00").await;
    let path = format!("/api/v1/staff/sessions/{}/roster", t.sessions[0][0]);
    expect_call(app, "GET", &path, Some(&lab), None, 200).await;
    let path = format!("/api/v1/staff/organisations/{}", t.counties[0][0]);
    expect_call(app, "GET", &path, Some(&lab), None, 403).await;
}

async fn a_city_organiser_sees_its_counties_labs_but_not_the_other_citys(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let city = cookie_of(app, "city-0").await;
    let path = "/api/v1/staff/organisations";
    let list = parse(&expect_call(app, "GET", path, Some(&city), None, 200).await);
    let listed = ids(&list, "id");
    let mut expected = vec![t.cities[0]];
    expected.extend(t.counties[0]);
    expected.extend(t.labs[0]);
    assert_eq!(
        sorted(listed.clone()),
        sorted(expected),
        "exactly the city's subtree"
    );
    // A parent comes before its children, and each names its kind and parent.
    for o in list.as_array().unwrap() {
        if let Some(parent) = o["parent_id"].as_i64().filter(|p| *p != t.province) {
            let at = |id: i64| listed.iter().position(|&x| x == id).unwrap();
            assert!(at(parent) < at(o["id"].as_i64().unwrap()), "{list}");
        }
    }
    assert_eq!(list[0]["id"], t.cities[0]);
    assert_eq!(list[0]["kind"], "city_bureau");
    assert_eq!(list[0]["parent_id"], t.province);

    // The summary counts both counties' labs' activities and nothing of the other city.
    let path = "/api/v1/staff/summary";
    let summary = parse(&expect_call(app, "GET", path, Some(&city), None, 200).await);
    assert_eq!(
        sorted(ids(&summary["organisations"], "organisation_id")),
        sorted(t.labs[0].to_vec())
    );
    assert_eq!(
        sorted(ids(&summary["activities"], "activity_id")),
        sorted(t.activities[0].to_vec())
    );
    // The console's activity list likewise; asking for the other city is 403.
    let path = "/api/v1/staff/activities";
    let listed = parse(&expect_call(app, "GET", path, Some(&city), None, 200).await);
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    let path = format!("/api/v1/staff/summary?organisation_id={}", t.cities[1]);
    expect_call(app, "GET", &path, Some(&city), None, 403).await;
    // Root sees everything, the fixture's own lab too.
    let path = "/api/v1/staff/organisations";
    let all = parse(&expect_call(app, "GET", path, Some(&t.root), None, 200).await);
    assert_eq!(all.as_array().unwrap().len(), 1 + 1 + 2 + 4 + 4);
}

async fn organisations_are_created_where_their_kind_fits_and_never_move(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let c = Some(t.county.as_str());
    let path = "/api/v1/staff/organisations";
    // A city under a county, a lab under a lab: their kinds do not fit.
    for (parent, kind) in [(t.counties[0][0], "city_bureau"), (t.labs[0][0], "lab")] {
        let body = org_body(json!(parent), kind, "错位");
        kind_refused(&t, "POST", path, &t.county, body).await;
    }
    // Under a bureau outside the reach: 403.
    let body = org_body(json!(t.counties[0][1]), "lab", "越界");
    expect_call(app, "POST", path, c, Some(body), 403).await;
    // No parent, or one that does not exist.
    let body = org_body(Value::Null, "lab", "无主");
    let text = expect_call(app, "POST", path, c, Some(body), 422).await;
    assert_eq!(field(&text, "parent_id"), "organisation_required");
    for missing in [0, -1, i64::MAX] {
        let body = org_body(json!(missing), "lab", "无主");
        let text = expect_call(app, "POST", path, c, Some(body), 422).await;
        assert_eq!(
            field(&text, "parent_id"),
            "organisation_unknown",
            "{missing}"
        );
        let one = format!("/api/v1/staff/organisations/{missing}");
        expect_call(app, "GET", &one, c, None, 404).await;
        expect_call(
            app,
            "PUT",
            &one,
            c,
            Some(org_body(json!(1), "lab", "x")),
            404,
        )
        .await;
    }
    expect_call(app, "GET", "/api/v1/staff/organisations/abc", c, None, 404).await;
    // Lab staff create nothing.
    let lab = cookie_of(app, "lab-00").await;
    let body = org_body(json!(t.labs[0][0]), "lab", "x");
    expect_call(app, "POST", path, Some(&lab), Some(body), 403).await;
    let own = format!("/api/v1/staff/organisations/{}", t.labs[0][0]);
    let body = org_body(Value::Null, "lab", "x");
    expect_call(app, "PUT", &own, Some(&lab), Some(body), 403).await;
    // Bad fields are named.
    let mut body = org_body(json!(t.counties[0][0]), "institute", " ");
    body["utc_offset_minutes"] = json!(15 * 60);
    let text = expect_call(app, "POST", path, c, Some(body), 422).await;
    assert_eq!(field(&text, "name"), "name_required");
    assert_eq!(field(&text, "utc_offset_minutes"), "invalid");

    // An institute under the county, then edited: everything changes but the parent.
    // Another parent is refused beside `parent_id`, and nothing changes; its own parent,
    // or none named, is taken.
    let institute = create(app, &t.county, t.counties[0][0], "institute", "检测所").await;
    let one = format!("/api/v1/staff/organisations/{institute}");
    let before = parse(&expect_call(app, "GET", &one, c, None, 200).await);
    let mut edit = org_body(json!(t.province), "lab", "检测实验室");
    edit["county"] = json!({"zh": "东湖区", "en": "Donghu"});
    edit["contact"] = json!("0791-1234");
    let text = expect_call(app, "PUT", &one, c, Some(edit.clone()), 422).await;
    assert_eq!(field(&text, "parent_id"), "parent_changed", "{text}");
    let shown = parse(&expect_call(app, "GET", &one, c, None, 200).await);
    assert_eq!(shown, before, "nothing changed");
    edit["parent_id"] = json!(t.counties[0][0]);
    let edited = parse(&expect_call(app, "PUT", &one, c, Some(edit.clone()), 200).await);
    assert_eq!(edited["parent_id"], t.counties[0][0], "parents never move");
    assert_eq!(edited["kind"], "lab");
    assert_eq!(edited["name"]["zh"], "检测实验室");
    assert_eq!(edited["county"]["zh"], "东湖区");
    let shown = parse(&expect_call(app, "GET", &one, c, None, 200).await);
    assert_eq!(shown, edited);
    edit["parent_id"] = Value::Null;
    edit["contact"] = json!("0791-5678");
    let edited = parse(&expect_call(app, "PUT", &one, c, Some(edit), 200).await);
    assert_eq!(
        edited["parent_id"], t.counties[0][0],
        "none named: it stays"
    );
    assert_eq!(edited["contact"], "0791-5678");
    // No cycle can be made: the county moved under its own lab is refused, and the
    // province (at the top) is given no parent.
    let county_path = format!("/api/v1/staff/organisations/{}", t.counties[0][0]);
    let body = org_body(json!(t.labs[0][0]), "county_bureau", "县00");
    let root = Some(t.root.as_str());
    let text = expect_call(app, "PUT", &county_path, root, Some(body), 422).await;
    assert_eq!(field(&text, "parent_id"), "parent_changed", "{text}");
    let stays = parse(&expect_call(app, "GET", &county_path, root, None, 200).await);
    assert_eq!(stays["parent_id"], t.cities[0]);
    let province_path = format!("/api/v1/staff/organisations/{}", t.province);
    let body = org_body(
        json!(t.cities[0]),
        "province_bureau",
        "江西省市场监督管理局",
    );
    let text = expect_call(app, "PUT", &province_path, root, Some(body), 422).await;
    assert_eq!(field(&text, "parent_id"), "parent_changed", "{text}");
    // A kind change must fit under the parent (no city under a city) and above every
    // child (no lab above a lab).
    for kind in ["city_bureau", "lab"] {
        let body = org_body(Value::Null, kind, "县00");
        kind_refused(&t, "PUT", &county_path, &t.root, body).await;
    }
    // A county organiser cannot edit its own parent.
    let city_path = format!("/api/v1/staff/organisations/{}", t.cities[0]);
    let body = org_body(Value::Null, "city_bureau", "改名");
    expect_call(app, "PUT", &city_path, c, Some(body), 403).await;

    // Every write is in the audit log.
    let lines = audit_lines(&t).await;
    let has = |action: &str, id: i64| audited(&lines, action, &format!("organisation {id}:"));
    assert!(has("create_organisation", institute), "{lines:?}");
    assert!(has("update_organisation", institute), "{lines:?}");
    assert!(
        !has("update_organisation", t.counties[0][0]),
        "a refused edit is not logged: {lines:?}"
    );
    assert!(has("create_organisation", t.labs[1][1]), "{lines:?}");
}

async fn fifty_concurrent_creates_all_land_under_their_parent(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let creates = (0..50).map(|i| {
        let body = org_body(json!(t.counties[0][0]), "lab", &format!("并发{i}"));
        let path = "/api/v1/staff/organisations";
        call(app, "POST", path, Some(&t.county), Some(body))
    });
    let answers = futures::future::join_all(creates).await;
    let mut ids: Vec<i64> = answers
        .iter()
        .map(|(status, text)| {
            assert_eq!(*status, 201, "{text}");
            parse(text)["id"].as_i64().unwrap()
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    let path = "/api/v1/staff/organisations";
    let list = parse(&expect_call(app, "GET", path, Some(&t.county), None, 200).await);
    let listed = list.as_array().unwrap();
    assert_eq!(
        listed.len(),
        1 + 1 + 50,
        "the county, its lab and the new ones"
    );
    assert_eq!(listed[0]["id"], t.counties[0][0], "the parent first");
    let under_county = listed
        .iter()
        .filter(|o| o["parent_id"] == t.counties[0][0])
        .count();
    assert_eq!(under_county, 51);
}

/// The `(username, action, subject)` lines of the audit log as `cookie` reads it.
async fn audit_as(t: &Tree, cookie: &str) -> Vec<(String, String, String)> {
    let path = "/api/v1/staff/audit?limit=1000";
    let audit = parse(&expect_call(&t.app, "GET", path, Some(cookie), None, 200).await);
    let text = |e: &Value, key: &str| e[key].as_str().unwrap().to_owned();
    let entries = audit.as_array().unwrap();
    entries
        .iter()
        .map(|e| (text(e, "username"), text(e, "action"), text(e, "subject")))
        .collect()
}

async fn the_audit_log_shows_an_organiser_the_entries_of_staff_within_reach_only(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    // Two labs under the province, in two cities: each checks a visitor in, its code in
    // the audit log.
    add_staff(app, "lab-10", Role::LabStaff, Some(t.labs[1][0])).await;
    let mut checked_in = Vec::new();
    for (c, username, code) in [(0, "lab-00", "KXMNPQR2"), (1, "lab-10", "KXMNPQS2")] {
        let storage = app.storage.as_ref();
        let spec = SessionSpec::started_3h_ago(5);
        let past = add_fixture_session(storage, t.activities[c][0], spec).await;
        app.db
            .insert_booking(StoredBooking::at_the_door(past, code, "访客"))
            .await;
        let cookie = cookie_of(app, username).await;
        let check_in = json!({"session_id": past, "code": code});
        let path = "/api/v1/staff/check-in";
        expect_call(app, "POST", path, Some(&cookie), Some(check_in), 200).await;
        checked_in.push((username, format!("booking {code}: 1")));
    }
    let has = |log: &[(String, String, String)], (username, subject): &(&str, String)| {
        log.iter()
            .any(|(u, a, s)| u == username && a == "check_in" && s == subject)
    };
    let (own, sibling) = (&checked_in[0], &checked_in[1]);

    // The first city's organiser sees its own lab's check-in and not the other city's.
    let city = cookie_of(app, "city-0").await;
    let log = audit_as(&t, &city).await;
    assert!(has(&log, own), "{log:?}");
    assert!(!has(&log, sibling), "{log:?}");
    // Only entries by staff within its reach: its county's organiser and lab, and itself;
    // nothing by root, of no organisation, whose writes may name any organisation.
    let within = ["city-0", "county-00", "lab-00"];
    for (username, _, _) in &log {
        assert!(within.contains(&username.as_str()), "{username}: {log:?}");
    }
    assert!(log
        .iter()
        .any(|(u, a, _)| u == "county-00" && a == "sign_in"));
    // The county organiser sees its lab, not the city above it.
    let log = audit_as(&t, &t.county).await;
    assert!(has(&log, own), "{log:?}");
    assert!(!has(&log, sibling), "{log:?}");
    assert!(!log.iter().any(|(u, _, _)| u == "city-0"), "{log:?}");
    // Root, of no organisation, sees both labs' check-ins and its own writes.
    let log = audit_as(&t, &t.root).await;
    assert!(has(&log, own) && has(&log, sibling), "{log:?}");
    assert!(log
        .iter()
        .any(|(u, a, _)| u == "root" && a == "create_organisation"));
}

async fn a_kind_change_must_fit_the_organisations_staff_accounts(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let root = Some(t.root.as_str());
    let one = |id: i64| format!("/api/v1/staff/organisations/{id}");
    // Whose kind may change: it fits under its parent and above its (no) children.
    let lab = create(app, &t.root, t.cities[0], "lab", "新实验室").await;
    let county = create(app, &t.root, t.cities[1], "county_bureau", "新县局").await;
    for (id, kind, back) in [
        (lab, "county_bureau", "lab"),
        (county, "lab", "county_bureau"),
    ] {
        let body = org_body(Value::Null, kind, "改类型");
        expect_call(app, "PUT", &one(id), root, Some(body), 200).await;
        let body = org_body(Value::Null, back, "改回");
        expect_call(app, "PUT", &one(id), root, Some(body), 200).await;
    }
    // Not once it has an account that could not be made on the new kind.
    add_staff(app, "lab-new", Role::LabStaff, Some(lab)).await;
    add_staff(app, "county-new", Role::Organiser, Some(county)).await;
    for (id, kind, kept) in [
        (lab, "county_bureau", "lab"),
        (county, "lab", "county_bureau"),
    ] {
        let body = org_body(Value::Null, kind, "改类型");
        let text = expect_call(app, "PUT", &one(id), root, Some(body), 422).await;
        assert_eq!(field(&text, "kind"), "kind_has_staff", "{kind}: {text}");
        let shown = parse(&expect_call(app, "GET", &one(id), root, None, 200).await);
        assert_eq!(shown["kind"], kept, "unchanged");
    }
    // A change that still fits the accounts goes through: lab staff work at an institute.
    let body = org_body(Value::Null, "institute", "改为检测所");
    expect_call(app, "PUT", &one(lab), root, Some(body), 200).await;
    // A disabled account counts too: it may be enabled again.
    let accounts = get_as(app, "/api/v1/staff/accounts", root).await;
    let account = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "county-new")
        .unwrap()["id"]
        .clone();
    let path = format!("/api/v1/staff/accounts/{account}/disable");
    expect_call(app, "POST", &path, root, None, 200).await;
    let body = org_body(Value::Null, "lab", "改类型");
    let text = expect_call(app, "PUT", &one(county), root, Some(body), 422).await;
    assert_eq!(field(&text, "kind"), "kind_has_staff", "{text}");
}

/// Lab staff `username` of `organisation`, as the console hashes it (a cheap hash: only
/// storage is asked here).
fn lab_staff_of(username: &str, organisation: i64) -> NewStaff {
    NewStaff {
        username: username.into(),
        display_name: username.into(),
        password_hash: "not a real hash".into(),
        role: Role::LabStaff,
        organisation_id: Some(organisation),
        must_change_password: false,
    }
}

/// An account is stored only while its organisation's kind fits its role, checked as it
/// goes in: what the console checked first may have changed while the password was
/// hashed. Here in that order: the organisation is a lab when checked, becomes a county
/// bureau, then the lab-staff account reaches storage and is refused; nothing is stored.
async fn an_account_is_stored_only_while_its_organisations_kind_fits(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let root = Some(t.root.as_str());
    let lab = create(app, &t.root, t.cities[0], "lab", "将改类型的实验室").await;
    let path = format!("/api/v1/staff/organisations/{lab}");
    let checked = parse(&expect_call(app, "GET", &path, root, None, 200).await);
    assert_eq!(checked["kind"], "lab", "lab staff fit it when checked");
    let body = org_body(Value::Null, "county_bureau", "已改为县局");
    expect_call(app, "PUT", &path, root, Some(body), 200).await;
    let added = app
        .storage
        .add_staff(lab_staff_of("late", lab), now())
        .await;
    assert_eq!(added.unwrap(), StaffAdded::KindNotAllowed);
    // An organiser of a lab, and an organisation that is not there, likewise.
    let organiser = NewStaff {
        role: Role::Organiser,
        ..lab_staff_of("organiser-of-a-lab", t.labs[1][1])
    };
    let added = app.storage.add_staff(organiser, now()).await;
    assert_eq!(added.unwrap(), StaffAdded::KindNotAllowed);
    let added = app
        .storage
        .add_staff(lab_staff_of("nowhere", i64::MAX), now())
        .await;
    assert_eq!(added.unwrap(), StaffAdded::KindNotAllowed);
    let accounts = get_as(app, "/api/v1/staff/accounts", root).await;
    let names: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["username"].as_str())
        .collect();
    for refused in ["late", "organiser-of-a-lab", "nowhere"] {
        assert!(!names.contains(&refused), "{refused} stored: {names:?}");
    }
    // Where the kind fits, the account goes in; the username once only.
    let added = app
        .storage
        .add_staff(lab_staff_of("fits", t.labs[1][1]), now())
        .await;
    assert!(matches!(added.unwrap(), StaffAdded::Added(_)));
    let added = app
        .storage
        .add_staff(lab_staff_of("fits", t.labs[1][1]), now())
        .await;
    assert_eq!(added.unwrap(), StaffAdded::UsernameTaken);
}

/// Accounts created in the console while their organisations' kinds change: each pair
/// ends one way or the other (the account is made and the kind change refused with
/// `kind_has_staff`, or the kind changes and the account is refused with
/// `kind_not_allowed`), never both made, and no account is left in an organisation whose
/// kind its role does not fit. The kind change is sent while the account's password is
/// being hashed, between the console's first check and the account going in.
async fn accounts_created_while_kinds_change_always_fit_their_organisation(db: Db) {
    let t = tree(db).await;
    let app = std::sync::Arc::new(t.app);
    let root = t.root.clone();
    let mut labs = Vec::new();
    for i in 0..8 {
        labs.push(create(&app, &root, t.cities[i % 2], "lab", &format!("竞争{i}")).await);
    }
    let mut pairs = Vec::new();
    for (i, &lab) in labs.iter().enumerate() {
        let (a, cookie) = (app.clone(), root.clone());
        let account = tokio::spawn(async move {
            let body = json!({"username": format!("race-{i}"), "display_name": "竞争",
                "password": "a long password", "role": "lab_staff", "organisation_id": lab});
            call(
                &a,
                "POST",
                "/api/v1/staff/accounts",
                Some(&cookie),
                Some(body),
            )
            .await
        });
        let (a, cookie) = (app.clone(), root.clone());
        let kind = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            let body = org_body(Value::Null, "county_bureau", &format!("改为县局{i}"));
            let path = format!("/api/v1/staff/organisations/{lab}");
            call(&a, "PUT", &path, Some(&cookie), Some(body)).await
        });
        pairs.push((account, kind));
    }
    let (mut accounts_won, mut kinds_won) = (0, 0);
    for (account, kind) in pairs {
        let (account, kind) = (account.await.unwrap(), kind.await.unwrap());
        match (account.0, kind.0) {
            (201, 422) => {
                assert_eq!(field(&kind.1, "kind"), "kind_has_staff", "{}", kind.1);
                accounts_won += 1;
            }
            (422, 200) => {
                let text = &account.1;
                assert_eq!(field(text, "organisation_id"), "kind_not_allowed", "{text}");
                kinds_won += 1;
            }
            other => panic!("both or neither: {other:?}"),
        }
    }
    assert_eq!(accounts_won + kinds_won, labs.len());
    // Whatever happened, every account fits its organisation's kind.
    let kinds: std::collections::HashMap<i64, OrgKind> = app
        .storage
        .organisations(None)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.id, o.kind))
        .collect();
    for account in app.storage.staff_accounts(None).await.unwrap() {
        if let Some(org) = account.organisation_id {
            assert!(
                account.role.may_belong_to(kinds[&org]),
                "{} ({:?}) in a {:?}",
                account.username,
                account.role,
                kinds[&org]
            );
        }
    }
}

/// The same new organisation sent several times at once (a lost answer, sent again) is made
/// once: the others are told its parent holds one of that name already (`name`:
/// `organisation_exists`); the same name under another parent is another organisation.
async fn the_same_organisation_sent_again_is_made_once(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let path = "/api/v1/staff/organisations";
    let body = org_body(json!(t.counties[0][0]), "lab", "重复提交检测所");
    let sends = (0..8).map(|_| call(app, "POST", path, Some(&t.county), Some(body.clone())));
    let answers = futures::future::join_all(sends).await;
    let made = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(made, 1, "{answers:?}");
    for (status, text) in answers.iter().filter(|(status, _)| *status != 201) {
        assert_eq!(*status, 422, "{text}");
        assert_eq!(field(text, "name"), "organisation_exists", "{text}");
    }
    let elsewhere = org_body(json!(t.counties[0][1]), "lab", "重复提交检测所");
    expect_call(app, "POST", path, Some(&t.root), Some(elsewhere), 201).await;
}

crate::on_both_databases!(
    the_same_organisation_sent_again_is_made_once,
    an_account_is_stored_only_while_its_organisations_kind_fits,
    accounts_created_while_kinds_change_always_fit_their_organisation,
    a_county_organiser_acts_in_its_own_subtree_only,
    a_city_organiser_sees_its_counties_labs_but_not_the_other_citys,
    organisations_are_created_where_their_kind_fits_and_never_move,
    fifty_concurrent_creates_all_land_under_their_parent,
    the_audit_log_shows_an_organiser_the_entries_of_staff_within_reach_only,
    a_kind_change_must_fit_the_organisations_staff_accounts,
);
