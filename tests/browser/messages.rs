//! A waitlisted citizen hears of the promotion: the server under test sends its messages
//! through the signed `webhook` provider to a stand-in gateway this test runs on a local
//! port, which accepts only requests whose signature holds. Someone books the last place, a
//! citizen joins the waiting list in the browser, the first cancels; within seconds the
//! gateway receives the promotion, in Chinese with the waiting citizen's code, and the
//! citizen's page shows the booking confirmed.

use crate::support::{fixture, open_browser, start_server_with};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use labday_domain::SessionFormat;
use labday_server::sms::webhook::{signature, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use labday_server::sms::ProviderKind;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "labday-browser-test-secret-0123456789";

/// The bureau's gateway, as the test runs it: every correctly signed message it accepted.
struct Gateway {
    url: String,
    accepted: Arc<Mutex<Vec<Value>>>,
}

impl Gateway {
    async fn start() -> Gateway {
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let kept = accepted.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let Ok(timestamp) = header(TIMESTAMP_HEADER).parse::<u64>() else {
                    return StatusCode::UNAUTHORIZED;
                };
                if header(SIGNATURE_HEADER) != signature(SECRET, timestamp, &body) {
                    return StatusCode::UNAUTHORIZED;
                }
                match serde_json::from_slice::<Value>(&body) {
                    Ok(message) => {
                        kept.lock().expect("lock").push(message);
                        StatusCode::NO_CONTENT
                    }
                    Err(_) => StatusCode::BAD_REQUEST,
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let url = format!("http://{}/sms", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Gateway { url, accepted }
    }

    fn messages(&self) -> Vec<Value> {
        self.accepted.lock().expect("lock").clone()
    }

    /// The first accepted message of `kind` to `phone`, waiting up to `within` for it.
    async fn receives(&self, kind: &str, phone: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let found = self
                .messages()
                .into_iter()
                .find(|m| m["kind"] == kind && m["phone"] == phone);
            if let Some(m) = found {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no {kind} to {phone} within {within:?}; the gateway got {:?}",
                self.messages()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waitlisted_citizen_is_promoted_and_told_within_seconds() {
    let browser = or_skip!(open_browser().await);
    let gateway = Gateway::start().await;
    let server = start_server_with(false, |config| {
        config.sms.provider = ProviderKind::Webhook;
        config.sms.sms_webhook_url = Some(gateway.url.clone());
        config.sms.sms_webhook_secret = Some(SECRET.parse().expect("a secret"));
        config.messages.outbox_poll_ms = 200;
        config.messages.reminder_hours_before = 0;
    })
    .await;
    let f = fixture(&server, SessionFormat::Visit, 1, None).await;

    // Citizen A takes the only place (through the API, on another phone) and is told so.
    let taken = server.book(f.session, "赵六", "13600136000", 1, 0).await;
    assert_eq!(taken["status"], "confirmed");
    gateway
        .receives("booking_confirmed", "13600136000", Duration::from_secs(5))
        .await;

    // Citizen B joins the waiting list in the browser.
    browser
        .join_waiting_list(&server, f.activity, "钱七", "13700137000")
        .await;
    let code = browser.code_in("[data-testid=booking-code]").await;

    // A cancels: B's promotion reaches the gateway within five seconds.
    let (cancelled, _) = server
        .post(
            "/api/v1/bookings/cancel",
            &json!({"code": taken["code"], "phone": "13600136000"}),
        )
        .await;
    assert_eq!(cancelled, 200);
    let promoted = gateway
        .receives("waitlist_promoted", "13700137000", Duration::from_secs(5))
        .await;
    assert_eq!(promoted["lang"], "zh");
    let text = promoted["text"].as_str().expect("a text");
    assert!(
        text.starts_with("候补成功，已为您确认：食品实验室开放日，") && text.contains(&code),
        "{text}"
    );
    let to_b: Vec<Value> = gateway
        .messages()
        .into_iter()
        .filter(|m| m["phone"] == "13700137000")
        .collect();
    assert_eq!(
        to_b.len(),
        1,
        "joining the waiting list sent nothing: {to_b:?}"
    );

    // B's page shows the booking confirmed.
    browser.client.refresh().await.expect("reload");
    browser.wait_text("预约成功").await;
    assert_eq!(
        browser.text_of("[data-testid=booking-status]").await,
        "已确认"
    );
    browser.close().await;
}
