//! Accounts run for a season: organisers list, disable and enable accounts within their
//! reach, reset passwords (which must then be changed first) and end an account's sessions;
//! staff change their own password; expired sessions are purged at sign-in; new accounts
//! stay within the creator's reach. Every write is audited, with no password in it.

use crate::helpers::{Db, TestApp};
use crate::organisations::{audit_lines, audited, code, cookie_of, field, tree, Tree};
use crate::staff::{call, expect_call, sign_in, PASSWORD};
use serde_json::{json, Value};

const NEW_PASSWORD: &str = "season-two-2026";

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The id of the account named `username`, as the root organiser's list shows it.
async fn account_id(t: &Tree, username: &str) -> i64 {
    let root = Some(t.root.as_str());
    let list = parse(&expect_call(&t.app, "GET", "/api/v1/staff/accounts", root, None, 200).await);
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .and_then(|a| a["id"].as_i64())
        .unwrap_or_else(|| panic!("{username} in {list}"))
}

async fn me(app: &TestApp, cookie: &str) -> u16 {
    call(app, "GET", "/api/v1/staff/me", Some(cookie), None)
        .await
        .0
}

async fn a_disabled_accounts_cookie_stops_at_once_and_it_cannot_sign_in(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let lab = cookie_of(app, "lab-00").await;
    let id = account_id(&t, "lab-00").await;
    let c = Some(t.county.as_str());
    assert_eq!(me(app, &lab).await, 200);

    let path = format!("/api/v1/staff/accounts/{id}/disable");
    let disabled = parse(&expect_call(app, "POST", &path, c, None, 200).await);
    assert_eq!(disabled["disabled"], true);
    assert_eq!(me(app, &lab).await, 401, "the very next request");
    let path_roster = format!("/api/v1/staff/sessions/{}/roster", t.sessions[0][0]);
    expect_call(app, "GET", &path_roster, Some(&lab), None, 401).await;
    let (status, body, cookie, _) = sign_in(app, "lab-00", PASSWORD).await;
    assert_eq!((status, &body["code"]), (403, &json!("account_disabled")));
    assert!(cookie.is_none(), "no session for a disabled account");
    let (status, _, _, _) = sign_in(app, "lab-00", "not-the-password").await;
    assert_eq!(status, 401, "a wrong password stays the usual 401");

    // An organiser cannot disable themselves.
    let own = account_id(&t, "county-00").await;
    let path = format!("/api/v1/staff/accounts/{own}/disable");
    let text = expect_call(app, "POST", &path, c, None, 409).await;
    assert_eq!(code(&text), "own_account");
    // Nor set their own password without the current one (that is /me/password): a
    // session left open cannot take the account over.
    let path = format!("/api/v1/staff/accounts/{own}/password");
    let body = json!({"password": "taken-over-2026"});
    let text = expect_call(app, "POST", &path, c, Some(body), 409).await;
    assert_eq!(code(&text), "own_account");
    let (status, _, _, _) = sign_in(app, "county-00", "taken-over-2026").await;
    assert_eq!(status, 401, "the password did not change");
    let (status, body, _, _) = sign_in(app, "county-00", PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["must_change_password"], false);

    let path = format!("/api/v1/staff/accounts/{id}/enable");
    let enabled = parse(&expect_call(app, "POST", &path, c, None, 200).await);
    assert_eq!(enabled["disabled"], false);
    let again = cookie_of(app, "lab-00").await;
    assert_eq!(me(app, &again).await, 200);
    assert_eq!(me(app, &lab).await, 401, "the old session stays ended");

    let lines = audit_lines(&t).await;
    assert!(audited(&lines, "disable_staff", &format!("staff {id}")));
    assert!(audited(&lines, "enable_staff", &format!("staff {id}")));
}

/// A holder paused for wrong passwords (their own typos, or a guesser's at the same address)
/// signs in at once after the organiser resets the password, and again after the organiser
/// disables and enables the account: both forget the account's failed sign-ins.
async fn a_reset_or_an_enable_lets_a_paused_holder_sign_in_at_once(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let id = account_id(&t, "lab-00").await;
    let c = Some(t.county.as_str());
    let pause = |password: &'static str| async move {
        for _ in 0..5 {
            let (status, _, _, _) = sign_in(app, "lab-00", "not-the-password").await;
            assert_eq!(status, 401);
        }
        let (status, body, _, _) = sign_in(app, "lab-00", password).await;
        assert_eq!(status, 429, "paused, the right password too: {body}");
    };

    pause(PASSWORD).await;
    let path = format!("/api/v1/staff/accounts/{id}/password");
    let body = json!({"password": NEW_PASSWORD});
    expect_call(app, "POST", &path, c, Some(body), 200).await;
    let (status, body, _, _) = sign_in(app, "lab-00", NEW_PASSWORD).await;
    assert_eq!(status, 200, "at once after the reset: {body}");

    pause(NEW_PASSWORD).await;
    for change in ["disable", "enable"] {
        let path = format!("/api/v1/staff/accounts/{id}/{change}");
        expect_call(app, "POST", &path, c, None, 200).await;
    }
    let (status, body, _, _) = sign_in(app, "lab-00", NEW_PASSWORD).await;
    assert_eq!(status, 200, "at once after enabling: {body}");
}

async fn a_reset_password_must_be_changed_before_anything_else(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let lab = cookie_of(app, "lab-00").await;
    let id = account_id(&t, "lab-00").await;
    let city = cookie_of(app, "city-0").await;
    let path = format!("/api/v1/staff/accounts/{id}/password");
    let text = expect_call(
        app,
        "POST",
        &path,
        Some(&city),
        Some(json!({"password": "short"})),
        422,
    )
    .await;
    assert_eq!(field(&text, "password"), "password_too_short");
    // Long enough, but the account's own name with a year: what a guesser tries first.
    let guessable = Some(json!({"password": "LAB-00-2026!"}));
    let text = expect_call(app, "POST", &path, Some(&city), guessable, 422).await;
    assert_eq!(field(&text, "password"), "password_weak");
    let body = json!({"password": NEW_PASSWORD});
    let reset = parse(&expect_call(app, "POST", &path, Some(&city), Some(body), 200).await);
    assert_eq!(reset["must_change_password"], true);
    assert_eq!(me(app, &lab).await, 401, "a reset ends the sessions");
    let (status, _, _, _) = sign_in(app, "lab-00", PASSWORD).await;
    assert_eq!(status, 401, "the old password is gone");

    let (status, who, first, _) = sign_in(app, "lab-00", NEW_PASSWORD).await;
    assert_eq!((status, &who["must_change_password"]), (200, &json!(true)));
    let first = first.unwrap();
    let second = cookie_of_password(app, NEW_PASSWORD).await;
    let text = expect_call(app, "GET", &path_roster(&t), Some(&first), None, 403).await;
    assert_eq!(code(&text), "password_change_required");
    let text = expect_call(
        app,
        "GET",
        "/api/v1/staff/activities",
        Some(&first),
        None,
        403,
    )
    .await;
    assert_eq!(code(&text), "password_change_required");
    let shown = parse(&expect_call(app, "GET", "/api/v1/staff/me", Some(&first), None, 200).await);
    assert_eq!(shown["must_change_password"], true);

    let change = "/api/v1/staff/me/password";
    let wrong = json!({"current": "not-the-password", "password": "another-one-2026"});
    let text = expect_call(app, "PUT", change, Some(&first), Some(wrong), 422).await;
    assert_eq!(field(&text, "current"), "password_wrong");
    let too_short = json!({"current": NEW_PASSWORD, "password": "short"});
    let text = expect_call(app, "PUT", change, Some(&first), Some(too_short), 422).await;
    assert_eq!(field(&text, "password"), "password_too_short");
    for weak in ["1234567890", "qwertyuiop", "password2026", "aaaaaaaaaaaa"] {
        let weak = json!({"current": NEW_PASSWORD, "password": weak});
        let text = expect_call(app, "PUT", change, Some(&first), Some(weak), 422).await;
        assert_eq!(field(&text, "password"), "password_weak");
    }
    let right = json!({"current": NEW_PASSWORD, "password": "another-one-2026"});
    let changed = parse(&expect_call(app, "PUT", change, Some(&first), Some(right), 200).await);
    assert_eq!(changed["must_change_password"], false);
    expect_call(app, "GET", &path_roster(&t), Some(&first), None, 200).await;
    assert_eq!(me(app, &second).await, 401, "other sessions end");
    let (status, _, _, _) = sign_in(app, "lab-00", "another-one-2026").await;
    assert_eq!(status, 200);

    let lines = audit_lines(&t).await;
    assert!(audited(&lines, "reset_password", &format!("staff {id}")));
    assert!(audited(&lines, "change_password", &format!("staff {id}")));
    for (_, subject) in &lines {
        for secret in [NEW_PASSWORD, "another-one-2026", PASSWORD] {
            assert!(!subject.contains(secret), "{subject}");
        }
    }
}

/// A reset password must really change: the forced change refuses the temporary password as
/// the new one (422 beside `password`), the account stays asked to change it, and whoever
/// chose the temporary password does not keep knowing it.
async fn a_forced_change_refuses_the_temporary_password_as_the_new_one(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let id = account_id(&t, "lab-00").await;
    let city = cookie_of(app, "city-0").await;
    let path = format!("/api/v1/staff/accounts/{id}/password");
    let body = json!({"password": NEW_PASSWORD});
    expect_call(app, "POST", &path, Some(&city), Some(body), 200).await;
    let lab = cookie_of_password(app, NEW_PASSWORD).await;

    let change = "/api/v1/staff/me/password";
    let same = json!({"current": NEW_PASSWORD, "password": NEW_PASSWORD});
    let text = expect_call(app, "PUT", change, Some(&lab), Some(same), 422).await;
    assert_eq!(field(&text, "password"), "password_unchanged");
    let shown = parse(&expect_call(app, "GET", "/api/v1/staff/me", Some(&lab), None, 200).await);
    assert_eq!(shown["must_change_password"], true, "still to be changed");
    let text = expect_call(app, "GET", &path_roster(&t), Some(&lab), None, 403).await;
    assert_eq!(code(&text), "password_change_required");
    // A wrong current password is told as wrong, whatever the new one.
    let wrong = json!({"current": "not-the-password", "password": "not-the-password"});
    let text = expect_call(app, "PUT", change, Some(&lab), Some(wrong), 422).await;
    assert_eq!(field(&text, "current"), "password_wrong");

    let right = json!({"current": NEW_PASSWORD, "password": "another-one-2026"});
    let changed = parse(&expect_call(app, "PUT", change, Some(&lab), Some(right), 200).await);
    assert_eq!(changed["must_change_password"], false);
    let (status, _, _, _) = sign_in(app, "lab-00", NEW_PASSWORD).await;
    assert_eq!(status, 401, "the temporary password is gone");
}

fn path_roster(t: &Tree) -> String {
    format!("/api/v1/staff/sessions/{}/roster", t.sessions[0][0])
}

/// Signs `lab-00` in with `password`; the cookie.
async fn cookie_of_password(app: &TestApp, password: &str) -> String {
    let (status, body, cookie, _) = sign_in(app, "lab-00", password).await;
    assert_eq!(status, 200, "{body}");
    cookie.unwrap()
}

async fn ending_sessions_signs_the_account_out_everywhere(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let (one, two) = (
        cookie_of(app, "lab-00").await,
        cookie_of(app, "lab-00").await,
    );
    let id = account_id(&t, "lab-00").await;
    let path = format!("/api/v1/staff/accounts/{id}/sign-out");
    let ended = parse(&expect_call(app, "POST", &path, Some(&t.county), None, 200).await);
    assert_eq!(ended["ended"], 2);
    assert_eq!((me(app, &one).await, me(app, &two).await), (401, 401));
    // The account itself still signs in.
    let three = cookie_of(app, "lab-00").await;
    assert_eq!(me(app, &three).await, 200);
    let lines = audit_lines(&t).await;
    assert!(audited(&lines, "end_sessions", &format!("staff {id}: 2")));
}

async fn expired_sessions_are_gone_after_a_sign_in(db: Db) {
    let t = tree(db).await;
    let id = account_id(&t, "lab-00").await;
    t.app
        .sql(&format!(
            "INSERT INTO staff_sessions (token_digest, staff_id, expires_at) \
             VALUES ('expired-1', {id}, '2000-01-01 00:00:00'), ('expired-2', {id}, '2001-01-01 00:00:00')"
        ))
        .await;
    let expired = "SELECT COUNT(*) FROM staff_sessions WHERE token_digest LIKE 'expired-%'";
    assert_eq!(t.app.db.scalar(expired).await, 2);
    cookie_of(&t.app, "city-0").await;
    assert_eq!(t.app.db.scalar(expired).await, 0);
    // The live ones stay.
    let live = "SELECT COUNT(*) FROM staff_sessions";
    assert_eq!(
        t.app.db.scalar(live).await,
        3,
        "root's, county-00's and city-0's"
    );
}

async fn organisers_manage_only_the_accounts_within_their_reach(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let c = Some(t.county.as_str());
    let accounts = "/api/v1/staff/accounts";
    // New accounts: lab staff of a lab in the reach; an organiser of the county itself is a
    // fellow, made from above (here by an organiser of everything).
    let lab = json!({"username": "lab-00-b", "password": PASSWORD, "role": "lab_staff", "organisation_id": t.labs[0][0]});
    expect_call(app, "POST", accounts, c, Some(lab), 201).await;
    let deputy = json!({"username": "county-00-b", "password": PASSWORD, "role": "organiser", "organisation_id": t.counties[0][0]});
    let text = expect_call(app, "POST", accounts, c, Some(deputy.clone()), 422).await;
    assert_eq!(field(&text, "organisation_id"), "fellow_organiser");
    let from_above = Some(t.root.as_str());
    let made = parse(&expect_call(app, "POST", accounts, from_above, Some(deputy), 201).await);
    assert_eq!(made["organisation_id"], t.counties[0][0]);
    // Outside the reach, an organiser of a lab, an organiser of everything.
    let outside = json!({"username": "lab-01-b", "password": PASSWORD, "role": "lab_staff", "organisation_id": t.labs[0][1]});
    expect_call(app, "POST", accounts, c, Some(outside), 403).await;
    let of_lab = json!({"username": "lab-chief", "password": PASSWORD, "role": "organiser", "organisation_id": t.labs[0][0]});
    let text = expect_call(app, "POST", accounts, c, Some(of_lab), 422).await;
    assert_eq!(field(&text, "organisation_id"), "kind_not_allowed");
    let at_large = json!({"username": "everyone", "password": PASSWORD, "role": "organiser"});
    expect_call(app, "POST", accounts, c, Some(at_large.clone()), 403).await;
    let root = Some(t.root.as_str());
    expect_call(app, "POST", accounts, root, Some(at_large), 201).await;
    let unknown = json!({"username": "nowhere", "password": PASSWORD, "role": "organiser", "organisation_id": i64::MAX});
    let text = expect_call(app, "POST", accounts, c, Some(unknown), 422).await;
    assert_eq!(field(&text, "organisation_id"), "organisation_unknown");

    // The county's list: its own people only.
    let list = parse(&expect_call(app, "GET", accounts, c, None, 200).await);
    let mut names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["county-00", "county-00-b", "lab-00", "lab-00-b"]);
    assert_eq!(list[0]["disabled"], false);
    assert_eq!(list[0]["must_change_password"], false);
    // Root's list: everyone, organisers without a bureau too.
    let all = parse(&expect_call(app, "GET", accounts, root, None, 200).await);
    assert_eq!(all.as_array().unwrap().len(), 7, "{all}");

    // Writes on accounts outside the reach are 403, on none 404.
    let city = account_id(&t, "city-0").await;
    let everyone = account_id(&t, "everyone").await;
    for id in [city, everyone] {
        for action in ["disable", "enable", "sign-out"] {
            let path = format!("/api/v1/staff/accounts/{id}/{action}");
            expect_call(app, "POST", &path, c, None, 403).await;
        }
        let path = format!("/api/v1/staff/accounts/{id}/password");
        let body = json!({"password": NEW_PASSWORD});
        expect_call(app, "POST", &path, c, Some(body), 403).await;
    }
    for id in ["0", "-1", &i64::MAX.to_string(), "abc"] {
        let path = format!("/api/v1/staff/accounts/{id}/disable");
        expect_call(app, "POST", &path, root, None, 404).await;
    }
    // Lab staff manage no accounts, and anyone signed out nothing.
    let lab = cookie_of(app, "lab-00").await;
    expect_call(app, "GET", accounts, Some(&lab), None, 403).await;
    let path = format!("/api/v1/staff/accounts/{city}/sign-out");
    expect_call(app, "POST", &path, Some(&lab), None, 403).await;
    expect_call(app, "POST", &path, None, None, 401).await;
    let change = json!({"current": PASSWORD, "password": NEW_PASSWORD});
    expect_call(
        app,
        "PUT",
        "/api/v1/staff/me/password",
        None,
        Some(change),
        401,
    )
    .await;
}

/// A fellow organiser of the same bureau is managed from the bureau above: the county's
/// organiser can neither lock their deputy out nor set the deputy's password (and so act as
/// them), and the deputy stays as they were; the city's organiser can, and the console
/// lists the deputy for both.
async fn a_fellow_organiser_is_managed_from_the_bureau_above(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let c = Some(t.county.as_str());
    let deputy = json!({"username": "county-00-b", "password": PASSWORD, "role": "organiser", "organisation_id": t.counties[0][0]});
    // Not made by a fellow (who typed its first password could sign in as it first): by the
    // city above.
    let refused = expect_call(
        app,
        "POST",
        "/api/v1/staff/accounts",
        c,
        Some(deputy.clone()),
        422,
    )
    .await;
    assert_eq!(
        parse(&refused)["fields"]["organisation_id"],
        "fellow_organiser",
        "{refused}"
    );
    let city = cookie_of(app, "city-0").await;
    let by_city = Some(city.as_str());
    expect_call(
        app,
        "POST",
        "/api/v1/staff/accounts",
        by_city,
        Some(deputy),
        201,
    )
    .await;
    let id = account_id(&t, "county-00-b").await;
    let deputy_cookie = cookie_of(app, "county-00-b").await;
    for (action, body) in [
        ("disable", None),
        ("enable", None),
        ("sign-out", None),
        ("password", Some(json!({"password": NEW_PASSWORD}))),
    ] {
        let path = format!("/api/v1/staff/accounts/{id}/{action}");
        let text = expect_call(app, "POST", &path, c, body, 403).await;
        assert!(
            text.contains("managed from the bureau above"),
            "{action}: {text}"
        );
    }
    assert_eq!(me(app, &deputy_cookie).await, 200, "still signed in");
    let (status, _, _, _) = sign_in(app, "county-00-b", PASSWORD).await;
    assert_eq!(status, 200, "the password is theirs still");
    // The deputy cannot lock the county's organiser out either; the city above can.
    let county = account_id(&t, "county-00").await;
    let path = format!("/api/v1/staff/accounts/{county}/disable");
    expect_call(app, "POST", &path, Some(&deputy_cookie), None, 403).await;
    let path = format!("/api/v1/staff/accounts/{id}/disable");
    let disabled = parse(&expect_call(app, "POST", &path, Some(&city), None, 200).await);
    assert_eq!(disabled["disabled"], true);
    assert_eq!(me(app, &deputy_cookie).await, 401, "signed out by the city");
}

/// Lab staff on a bureau would see the bureau's whole subtree in every list: refused, with
/// the organisation field named; on a lab it is made.
async fn lab_staff_belong_to_a_lab_never_to_a_bureau(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let accounts = "/api/v1/staff/accounts";
    let asked = [
        (t.root.as_str(), t.province, 422),
        (t.root.as_str(), t.cities[1], 422),
        (t.county.as_str(), t.counties[0][0], 422),
        (t.county.as_str(), t.labs[0][0], 201),
    ];
    for (n, (cookie, organisation, status)) in asked.into_iter().enumerate() {
        let body = json!({"username": format!("bench-{n}"), "password": PASSWORD, "role": "lab_staff", "organisation_id": organisation});
        let text = expect_call(app, "POST", accounts, Some(cookie), Some(body), status).await;
        if status == 422 {
            assert_eq!(
                field(&text, "organisation_id"),
                "kind_not_allowed",
                "{text}"
            );
        }
    }
    let listed = parse(&expect_call(app, "GET", accounts, Some(t.root.as_str()), None, 200).await);
    let benches = listed.as_array().unwrap().iter();
    let made: Vec<&Value> = benches
        .filter(|a| a["username"].as_str().unwrap().starts_with("bench-"))
        .collect();
    assert_eq!(made.len(), 1, "only the one on a lab: {listed}");
    assert_eq!(made[0]["organisation_id"], t.labs[0][0]);
}

/// The cookie of a session opened straight in storage with `token`.
fn cookie_for(token: &str) -> String {
    let set = labday_server::auth::session_cookie(token, false);
    set.split(';').next().expect("name=value").to_owned()
}

/// An organiser's reset that commits while a sign-in with the old password, or a change of
/// it, is being checked (argon2 takes a while, and waits its turn) wins: the sign-in opens
/// no session, and the change changes nothing, since each goes through only while the
/// account still has the password hash it checked (and the change's session still runs).
/// A disabled account opens none either.
async fn a_reset_made_while_a_sign_in_or_a_change_is_checked_wins(db: Db) {
    use labday_server::auth::{new_token, session_expiry};
    let t = tree(db).await;
    let (app, storage) = (&t.app, t.app.storage.as_ref());
    let id = account_id(&t, "lab-00").await;
    let hash = || async {
        let found = storage.staff_credentials("lab-00").await.expect("db");
        found.expect("the account").password_hash
    };
    // What the sign-in and the holder's change read before the reset.
    let (checked, before) = (hash().await, new_token());
    let holder = new_token();
    assert!(storage
        .open_staff_session((id, &checked), &holder.1, session_expiry())
        .await
        .expect("db"));
    let path = format!("/api/v1/staff/accounts/{id}/password");
    let reset = Some(json!({"password": NEW_PASSWORD}));
    expect_call(app, "POST", &path, Some(&t.county), reset, 200).await;
    let opened = storage.open_staff_session((id, &checked), &before.1, session_expiry());
    assert!(!opened.await.expect("db"), "the old password opens nothing");
    assert_eq!(me(app, &cookie_for(&before.0)).await, 401);
    // The holder's change, checked against the old hash, from a session the reset ended.
    let after_reset = hash().await;
    let stale = storage.change_own_password(id, (&checked, "new-hash"), &holder.1);
    assert!(!stale.await.expect("db"), "the reset stands");
    assert_eq!(hash().await, after_reset);
    // The same from a live session, against the old hash: still nothing.
    let live = new_token();
    let opened = storage.open_staff_session((id, &after_reset), &live.1, session_expiry());
    assert!(opened.await.expect("db"));
    let stale = storage.change_own_password(id, (&checked, "new-hash"), &live.1);
    assert!(!stale.await.expect("db"));
    assert_eq!(hash().await, after_reset);
    assert_eq!(me(app, &cookie_for(&live.0)).await, 200);
    // Disabled meanwhile: no session, though the hash is the one checked.
    let disable = format!("/api/v1/staff/accounts/{id}/disable");
    expect_call(app, "POST", &disable, Some(&t.county), None, 200).await;
    let late = new_token();
    let opened = storage.open_staff_session((id, &after_reset), &late.1, session_expiry());
    assert!(!opened.await.expect("db"));
}

crate::on_both_databases!(
    a_reset_made_while_a_sign_in_or_a_change_is_checked_wins,
    a_fellow_organiser_is_managed_from_the_bureau_above,
    lab_staff_belong_to_a_lab_never_to_a_bureau,
    a_disabled_accounts_cookie_stops_at_once_and_it_cannot_sign_in,
    a_reset_or_an_enable_lets_a_paused_holder_sign_in_at_once,
    a_reset_password_must_be_changed_before_anything_else,
    a_forced_change_refuses_the_temporary_password_as_the_new_one,
    ending_sessions_signs_the_account_out_everywhere,
    expired_sessions_are_gone_after_a_sign_in,
    organisers_manage_only_the_accounts_within_their_reach,
);
