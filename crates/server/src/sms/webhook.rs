//! `webhook`: a bureau's own SMS gateway. Each message is one JSON POST, signed with a secret
//! both sides hold, so the gateway can tell labday's requests from anyone else's and refuse
//! an old one replayed. The contract (README, "Text messages"):
//!
//! - body: `{"key","phone","lang","kind","params","text"}` as UTF-8 JSON;
//! - `X-Labday-Timestamp`: the Unix time in seconds when the request was signed;
//! - `X-Labday-Signature`: `v1=` and the lower-case hex HMAC-SHA256, under the secret, of
//!   the timestamp, a full stop and the exact body bytes;
//! - 2xx: accepted; 408, 429 and 5xx (and no answer within the timeout): tried again later
//!   with the same key; any other status: refused, not tried again.

use super::http::{self, hmac_sha256};
use super::{Provider, Secret, SendError, Sms};
use crate::keyed_hash::lower_hex;
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::Url;

/// Fewest characters of a webhook secret.
pub const SHORTEST_SECRET: usize = 32;
/// The header holding the signing time.
pub const TIMESTAMP_HEADER: &str = "x-labday-timestamp";
/// The header holding the signature.
pub const SIGNATURE_HEADER: &str = "x-labday-signature";

pub struct Webhook {
    url: Url,
    secret: Secret,
    client: reqwest::Client,
}

impl Webhook {
    pub fn new(url: Url, secret: Secret, client: reqwest::Client) -> Webhook {
        Webhook {
            url,
            secret,
            client,
        }
    }
}

/// The body as the gateway receives it; field order as documented.
#[derive(serde::Serialize)]
struct Body<'a> {
    key: &'a str,
    phone: &'a str,
    lang: &'a str,
    kind: &'a str,
    params: &'a [String],
    text: &'a str,
}

/// `v1=` and the signature of `timestamp.body` under `secret`.
pub fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    format!("v1={}", lower_hex(&hmac_sha256(secret.as_bytes(), &signed)))
}

#[async_trait]
impl Provider for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, sms: &Sms<'_>) -> Result<(), SendError> {
        let body = serde_json::to_vec(&Body {
            key: sms.key,
            phone: sms.phone,
            lang: sms.lang,
            kind: sms.kind,
            params: sms.params,
            text: sms.text,
        })
        .map_err(|e| SendError::Refused(format!("cannot write the webhook body: {e}")))?;
        let timestamp = http::unix_now()?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
        headers.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_str(&signature(self.secret.expose(), timestamp, &body))
                .map_err(|e| SendError::Refused(format!("cannot write the signature: {e}")))?,
        );
        let answer = http::post(&self.client, &self.url, headers, body).await?;
        tracing::debug!(kind = sms.kind, key = sms.key, status = %answer.status, "sms webhook answered");
        http::by_status(answer.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example in README ("The webhook contract"), computed there with Python's
    /// `hmac`: the body labday writes for that message, and its signature.
    #[test]
    fn the_readme_example_holds() {
        let params = ["开放日".to_string(), "9月15日 09:30".to_string()];
        let body = serde_json::to_vec(&Body {
            key: "42",
            phone: "13800138000",
            lang: "zh",
            kind: "reminder",
            params: &params,
            text: "明天 09:30 开放日，凭 K7Q2M9 入场。",
        })
        .unwrap();
        assert_eq!(
            String::from_utf8(body.clone()).unwrap(),
            r#"{"key":"42","phone":"13800138000","lang":"zh","kind":"reminder","params":["开放日","9月15日 09:30"],"text":"明天 09:30 开放日，凭 K7Q2M9 入场。"}"#
        );
        assert_eq!(
            signature("labday-example-secret-0123456789abcdef", 1757900000, &body),
            "v1=e00d10072db7fe009aec829c210cc48d59e0eac538566141ed02cccf2e22fc91"
        );
    }
}
