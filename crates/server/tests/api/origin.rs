//! The same-origin check covers every staff write: each POST, PUT, PATCH and DELETE under
//! `/api/v1/staff/` in the OpenAPI document, sent with a foreign `Origin` (or, without one,
//! a `Sec-Fetch-Site` of another site) — signed in as an organiser, who may do everything —
//! is refused with 403 and changes nothing. A staff write
//! added later is in the document (the contract test holds every route to it), so it is
//! checked here without this file knowing about it.

use crate::helpers::{Db, TestApp};
use crate::staff::{add_staff, sign_in, PASSWORD};
use labday_domain::staff::Role;
use labday_server::client::TrustedProxies;
use serde_json::{json, Value};

async fn every_staff_write_refuses_another_origin(db: Db) {
    let app = TestApp::spawn(db).await;
    let session = app.session(Default::default()).await;
    add_staff(&app, "chief", Role::Organiser, None).await;
    let (_, _, cookie, _) = sign_in(&app, "chief", PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let (_, doc) = app.get("/api/v1/openapi.json").await;
    let (_, before) = app.get(&format!("/api/v1/sessions/{session}")).await;

    let mut writes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/staff/") {
            continue;
        }
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                writes.push((method, path.clone()));
            }
        }
    }
    assert!(
        writes.len() >= 15,
        "the document lists the staff writes: {writes:?}"
    );
    for (method, path) in &writes {
        let url = format!(
            "{}{}",
            app.url,
            path.replace("{id}", &session.to_string())
                .replace("{code}", "K7QM4XPB")
        );
        let request = match *method {
            "post" => app.http.post(url),
            "put" => app.http.put(url),
            "patch" => app.http.patch(url),
            _ => app.http.delete(url),
        };
        // From a foreign origin, or said by the browser to come from another site without
        // an `Origin` (`Sec-Fetch-Site`).
        let foreign = [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
        ];
        for (signed_in, (header, value)) in [true, false]
            .into_iter()
            .flat_map(|s| foreign.map(|f| (s, f)))
        {
            let mut request = request
                .try_clone()
                .expect("a plain request")
                .header(header, value)
                .json(&json!({}));
            if signed_in {
                request = request.header("cookie", &cookie);
            }
            let r = request.send().await.expect("answered");
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            assert_eq!(status, 403, "{method} {path} from another origin: {body}");
            assert_eq!(body["code"], "forbidden", "{method} {path}: {body}");
            assert_eq!(
                body["message"], "Staff actions must come from labday itself",
                "{method} {path}"
            );
        }
    }

    // Nothing happened: still signed in, the session as it was.
    let r = app
        .http
        .get(format!("{}/api/v1/staff/me", app.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "a foreign sign-out signs no one out"
    );
    let (_, after) = app.get(&format!("/api/v1/sessions/{session}")).await;
    assert_eq!(before, after, "a foreign write changes nothing");

    // Reads stay open to any origin's request (the session cookie is SameSite=Strict), and
    // a write from labday itself goes through.
    let r = app
        .http
        .get(format!("{}/api/v1/staff/me", app.url))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let own = app.url.trim_start_matches("http://").to_owned();
    let r = app
        .http
        .post(format!(
            "{}/api/v1/staff/sessions/{session}/cancel",
            app.url
        ))
        .header("cookie", &cookie)
        .header("origin", format!("http://{own}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "labday's own origin may write");
}

/// Behind a trusted proxy that says the request came over https, a page of the same host
/// served over plain http (which anyone on the network path can write) is another origin:
/// its write is refused and changes nothing; the https page's goes through.
async fn over_https_a_plain_http_page_of_the_same_host_cannot_write(db: Db) {
    let app = TestApp::spawn_with(db, |c| {
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1,::1").unwrap();
    })
    .await;
    let session = app.session(Default::default()).await;
    add_staff(&app, "chief", Role::Organiser, None).await;
    let (_, _, cookie, _) = sign_in(&app, "chief", PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let own = app.url.trim_start_matches("http://").to_owned();
    let cancel = |scheme: &str| {
        app.http
            .post(format!(
                "{}/api/v1/staff/sessions/{session}/cancel",
                app.url
            ))
            .header("cookie", &cookie)
            .header("x-forwarded-proto", "https")
            .header("origin", format!("{scheme}://{own}"))
            .send()
    };
    let r = cancel("http").await.expect("answered");
    assert_eq!(r.status().as_u16(), 403, "an http page over https");
    let (_, still) = app.get(&format!("/api/v1/sessions/{session}")).await;
    assert_eq!(still["status"], "scheduled", "nothing changed: {still}");
    let r = cancel("https").await.expect("answered");
    assert_eq!(
        r.status().as_u16(),
        200,
        "labday's own https page may write"
    );
}

crate::on_both_databases!(
    every_staff_write_refuses_another_origin,
    over_https_a_plain_http_page_of_the_same_host_cannot_write,
);
