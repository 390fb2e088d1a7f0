//! The one HTTP client the providers share: HTTPS through rustls with the Mozilla roots built
//! in, a timeout per message, no redirects (a signed POST must reach the address configured,
//! or fail), and transport failures turned into [`SendError::Retry`].
//!
//! Errors carry no URL (a gateway's URL may hold a token) and nothing of the message.

use super::SendError;
use crate::keyed_hash::lower_hex;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A client for one provider, trusting the CAs in `ca_file` (PEM) besides the built-in ones.
pub(super) fn client(timeout: Duration, ca_file: Option<&Path>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder();
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("--sms-ca-file (LABDAY_SMS_CA_FILE) cannot be read: {e}"))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!("--sms-ca-file (LABDAY_SMS_CA_FILE) is not PEM certificates: {e}")
        })?;
        if certificates.is_empty() {
            return Err("--sms-ca-file (LABDAY_SMS_CA_FILE) holds no certificate".into());
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("labday/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot make the SMS provider's HTTP client: {e}"))
}

/// An `http` or `https` URL from a setting, or why not.
pub(super) fn parse_url(text: &str, flag: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("{flag} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{flag} must be an http:// or https:// URL with a host"
        ));
    }
    Ok(url)
}

/// The `Host` header a request to `url` carries: the host, with the port unless it is the
/// scheme's default (signers sign it as sent).
pub(super) fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// A header value made of settings and signatures; a setting that cannot be one (a line
/// break, say) refuses the message.
pub(super) fn header_value(value: &str) -> Result<reqwest::header::HeaderValue, SendError> {
    reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        SendError::Refused("a provider setting is not a valid HTTP header value".into())
    })
}

/// The provider's answer to one POST.
pub(super) struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// POSTs `body` with `headers`; a failure to connect, a timeout or a body cut short is
/// [`SendError::Retry`].
pub(super) async fn post(
    client: &reqwest::Client,
    url: &Url,
    headers: HeaderMap,
    body: Vec<u8>,
) -> Result<Answer, SendError> {
    let response = client
        .post(url.clone())
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    let body = response.bytes().await.map_err(transport)?.to_vec();
    Ok(Answer { status, body })
}

fn transport(error: reqwest::Error) -> SendError {
    let what = if error.is_timeout() {
        "no answer in time"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "the exchange failed"
    };
    SendError::Retry(format!("{what}: {}", error.without_url()))
}

/// What the answer's status alone says, for providers that speak plain HTTP: 2xx accepted;
/// 408 and 429 (ask again later) and 5xx worth retrying; any other status refused.
pub(super) fn by_status(status: StatusCode) -> Result<(), SendError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        Err(SendError::Retry(format!("the provider answered {status}")))
    } else {
        Err(SendError::Refused(format!(
            "the provider answered {status}"
        )))
    }
}

/// Seconds since 1970 by this machine's clock, which signatures carry.
pub(super) fn unix_now() -> Result<u64, SendError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .map_err(|_| SendError::Retry("the clock is before 1970".into()))
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    lower_hex(&Sha256::digest(bytes))
}

pub(super) fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}
