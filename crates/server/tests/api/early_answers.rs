//! An answer given before the body is read still reaches the client. Many requests are
//! refused before their body matters (not signed in, no such account, another origin, no
//! such endpoint); a server that answers and closes while a large body is still arriving
//! resets the connection, and the client sees "error sending request" instead of the
//! answer. Every request here carries a body of about 1.5 MB, within the API's limit.

use crate::helpers::{Db, TestApp};
use serde_json::json;

async fn an_early_refusal_of_a_large_body_is_answered(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = json!({ "password": "x".repeat(1_500_000) }).to_string();
    let refused = [
        ("/api/v1/staff/accounts/999999/password", 401),
        ("/api/v1/staff/activities", 401),
        ("/api/v1/no-such-endpoint", 404),
    ];
    let mut answered = Vec::new();
    for round in 0..20 {
        for (path, expected) in refused {
            let sent = app
                .http
                .post(format!("{}{path}", app.url))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) => {
                    assert_eq!(response.status().as_u16(), expected, "{path}");
                    answered.push(response.status().as_u16());
                }
                Err(e) => panic!("round {round}: {path} got no answer: {e:?}"),
            }
        }
    }
    assert_eq!(answered.len(), 60);
}

crate::on_both_databases!(an_early_refusal_of_a_large_body_is_answered);
