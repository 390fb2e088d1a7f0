//! Every API error has the `{"code","message","fields"}` shape (README, "The API"), also for a
//! method a path does not take: 405 `method_not_allowed`, with `Allow` naming what it takes;
//! and for any path under `/api` that is no endpoint: 404 `not_found`, never the app's page.

use crate::helpers::{Db, TestApp};
use serde_json::Value;

async fn send(app: &TestApp, method: &reqwest::Method, path: &str) -> reqwest::Response {
    let url = format!("{}{path}", app.url);
    let request = app.http.request(method.clone(), url);
    request.send().await.expect("an answer")
}

async fn a_wrong_method_is_answered_in_the_error_shape(db: Db) {
    let app = TestApp::spawn(db).await;
    let wrong = [
        (reqwest::Method::POST, "/api/v1/health", "GET"),
        (reqwest::Method::DELETE, "/api/v1/bookings", "POST"),
        (reqwest::Method::PUT, "/api/v1/staff/activities", "GET"),
        (reqwest::Method::PATCH, "/api/v1/activities", "GET"),
    ];
    for (method, path, allowed) in wrong {
        let response = send(&app, &method, path).await;
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        let allow = crate::helpers::header(&response, "allow").unwrap_or_default();
        assert!(allow.contains(allowed), "{method} {path}: Allow {allow:?}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(
            body["code"], "method_not_allowed",
            "{method} {path}: {body}"
        );
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

async fn no_endpoint_under_api_is_answered_in_the_error_shape(db: Db) {
    let app = TestApp::spawn(db).await;
    let paths = [
        "/api/v1/no-such-endpoint",
        "/api/v1/",
        "/api/v1//activities",
        "/api",
        "/api/",
        "/api/v2/activities",
        "/api/v1x",
    ];
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        for path in paths {
            let response = send(&app, &method, path).await;
            assert_eq!(response.status().as_u16(), 404, "{method} {path}");
            let body: Value = response.json().await.expect("a JSON body");
            assert_eq!(body["code"], "not_found", "{method} {path}: {body}");
        }
    }
}

crate::on_both_databases!(
    a_wrong_method_is_answered_in_the_error_shape,
    no_endpoint_under_api_is_answered_in_the_error_shape
);
