//! SMS providers against a stand-in on a local port: each request is checked the way the
//! provider documents it, its signature recomputed here from the documentation (not by the
//! server's signer), and the stand-in's answers show how each outcome is classified. No test
//! needs the internet.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use clap::Parser;
use hmac::{Hmac, Mac};
use labday_server::config::Cli;
use labday_server::sms::{Provider, ProviderKind, SendError, Sms, SmsConfig, Templates};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PHONE: &str = "13800138000";
const TEXT: &str = "【南昌市食品检验所】您的预约已确认：开放日 9月15日 09:30，凭 K7Q2M9 入场。";
const SECRET: &str = "a-webhook-secret-of-forty-characters-xyz";

// --- the stand-in -----------------------------------------------------------------------

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
struct Received {
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("a text header")
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Clone)]
struct Reply {
    status: u16,
    body: String,
    delay: Duration,
}

fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        delay: Duration::ZERO,
    }
}

struct StandIn {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl StandIn {
    async fn start(answer: Reply) -> StandIn {
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let log = log.clone();
                let answer = answer.clone();
                async move {
                    log.lock().unwrap().push(Received { uri, headers, body });
                    tokio::time::sleep(answer.delay).await;
                    (
                        StatusCode::from_u16(answer.status).unwrap(),
                        [("content-type", "application/json")],
                        answer.body,
                    )
                        .into_response()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        StandIn { url, received }
    }

    fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn only_request(&self) -> Received {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "one request");
        requests.into_iter().next().unwrap()
    }
}

// --- independent implementations, written from the documentation ---------------------------

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The webhook contract in README: `v1=` + hex HMAC-SHA256(secret, timestamp "." body).
fn webhook_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut signed = timestamp.as_bytes().to_vec();
    signed.push(b'.');
    signed.extend_from_slice(body);
    format!("v1={}", hex(&hmac(secret.as_bytes(), &signed)))
}

/// Tencent Cloud "Signature v3", step by step: the signature of a POST with the given
/// canonical headers (already `name:value\n` each, sorted) and body.
fn tc3_signature(
    secret_key: &str,
    date: &str,
    service: &str,
    timestamp: &str,
    canonical_headers: &str,
    signed_headers: &str,
    body: &[u8],
) -> String {
    let canonical_request = format!(
        "POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}",
        hex(&Sha256::digest(body))
    );
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let k_service = hmac(&k_date, service.as_bytes());
    let k_signing = hmac(&k_service, b"tc3_request");
    hex(&hmac(&k_signing, string_to_sign.as_bytes()))
}

/// The test's own signer reproduces Tencent's published example, so it can be trusted to
/// judge the server's requests.
#[test]
fn the_tests_own_tc3_signer_reproduces_tencents_example() {
    let body = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    assert_eq!(
        tc3_signature(
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "2019-02-25",
            "cvm",
            "1551113065",
            "content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n",
            "content-type;host",
            body,
        ),
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    );
}

/// Checks a request the way Tencent Cloud's API gateway would (Signature v3, SendSms
/// 2021-01-11) and returns its body.
/// The three parts (credential, signed headers, signature) of the request's
/// `Authorization`, which must name `algorithm` first and separate its parts by `separator`.
fn authorization_parts<'a>(
    request: &'a Received,
    algorithm: &str,
    separator: &str,
) -> Vec<&'a str> {
    let authorization = request.header("authorization");
    let rest = authorization
        .strip_prefix(algorithm)
        .unwrap_or_else(|| panic!("not the {} algorithm: {authorization}", algorithm.trim()));
    let parts: Vec<&str> = rest.split(separator).collect();
    assert_eq!(parts.len(), 3, "{authorization}");
    parts
}

fn check_tencent_request(request: &Received, secret_id: &str, secret_key: &str) -> Value {
    assert_eq!(request.header("x-tc-action"), "SendSms");
    assert_eq!(request.header("x-tc-version"), "2021-01-11");
    assert_eq!(request.header("x-tc-region"), "ap-nanjing");
    let timestamp = request.header("x-tc-timestamp");
    let seconds: i64 = timestamp.parse().expect("a Unix timestamp");
    assert!((now() - seconds).abs() <= 300, "signed within five minutes");
    let date = chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();

    let parts = authorization_parts(request, "TC3-HMAC-SHA256 ", ", ");
    let credential = parts[0].strip_prefix("Credential=").unwrap();
    assert_eq!(credential, format!("{secret_id}/{date}/sms/tc3_request"));
    let signed_headers = parts[1].strip_prefix("SignedHeaders=").unwrap();
    let signature = parts[2].strip_prefix("Signature=").unwrap();

    // Canonical headers from what was actually received: lower-case names and values,
    // trimmed, sorted by name; content-type and host at least.
    let names: Vec<&str> = signed_headers.split(';').collect();
    assert!(names.contains(&"content-type") && names.contains(&"host"));
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "signed headers in ASCII order");
    let canonical_headers: String = names
        .iter()
        .map(|name| format!("{name}:{}\n", request.header(name).trim().to_lowercase()))
        .collect();
    assert_eq!(
        signature,
        tc3_signature(
            secret_key,
            &date,
            "sms",
            timestamp,
            &canonical_headers,
            signed_headers,
            &request.body
        ),
        "the signature Tencent would compute"
    );
    assert!(request
        .header("content-type")
        .starts_with("application/json"));
    request.json()
}

/// RFC 3986 encoding as Alibaba Cloud's V3 signature page describes it.
fn acs_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Alibaba Cloud "ACS3-HMAC-SHA256": the signature of a POST to `path` with the (decoded)
/// query parameters and the signed headers (lower-case name → value).
fn acs3_signature(
    secret: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
) -> String {
    let mut query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", acs_encode(k), acs_encode(v)))
        .collect();
    query.sort();
    let mut headers = headers.to_vec();
    headers.sort();
    let canonical_headers: String = headers
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.trim()))
        .collect();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let payload = &headers
        .iter()
        .find(|(k, _)| k == "x-acs-content-sha256")
        .unwrap()
        .1;
    let canonical_request = format!(
        "POST\n{path}\n{}\n{canonical_headers}\n{}\n{payload}",
        query.join("&"),
        signed.join(";")
    );
    let string_to_sign = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    hex(&hmac(secret.as_bytes(), string_to_sign.as_bytes()))
}

#[test]
fn the_tests_own_acs3_signer_reproduces_alibabas_example() {
    let header = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        acs3_signature(
            "YourAccessKeySecret",
            "/",
            &[
                header("RegionId", "cn-shanghai"),
                header(
                    "ImageId",
                    "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"
                ),
            ],
            &[
                header("x-acs-version", "2014-05-26"),
                header("host", "ecs.cn-shanghai.aliyuncs.com"),
                header("x-acs-action", "RunInstances"),
                header("x-acs-content-sha256", &hex(&Sha256::digest(b""))),
                header("x-acs-date", "2023-10-26T10:22:32Z"),
                header("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ],
        ),
        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    );
}

/// Checks a request the way Alibaba Cloud's gateway would (V3 signature, SendSms
/// 2017-05-25) and returns its query parameters.
fn check_aliyun_request(request: &Received, access_key_id: &str, secret: &str) -> Value {
    assert_eq!(request.header("x-acs-action"), "SendSms");
    assert_eq!(request.header("x-acs-version"), "2017-05-25");
    assert_eq!(
        request.header("x-acs-content-sha256"),
        hex(&Sha256::digest(&request.body)),
        "the body's hash"
    );
    let date = chrono::DateTime::parse_from_rfc3339(request.header("x-acs-date"))
        .expect("an ISO 8601 date");
    assert!(request.header("x-acs-date").ends_with('Z'));
    assert!((now() - date.timestamp()).abs() <= 300);
    assert!(request.header("x-acs-signature-nonce").len() >= 16);

    let parts = authorization_parts(request, "ACS3-HMAC-SHA256 ", ",");
    assert_eq!(parts[0], format!("Credential={access_key_id}"));
    let signed = parts[1].strip_prefix("SignedHeaders=").unwrap();
    for required in [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ] {
        assert!(
            signed.split(';').any(|name| name == required),
            "{required} is signed"
        );
    }
    let headers: Vec<(String, String)> = signed
        .split(';')
        .map(|name| (name.to_string(), request.header(name).to_string()))
        .collect();
    let query: Vec<(String, String)> = request
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let signature = parts[2].strip_prefix("Signature=").unwrap();
    assert_eq!(
        signature,
        acs3_signature(secret, request.uri.path(), &query, &headers),
        "the signature Alibaba would compute"
    );
    Value::Object(
        query
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

// --- providers from settings -------------------------------------------------------------

fn webhook_config(url: &str) -> SmsConfig {
    SmsConfig {
        provider: ProviderKind::Webhook,
        sms_webhook_url: Some(url.to_string()),
        sms_webhook_secret: Some(SECRET.parse().unwrap()),
        sms_timeout_secs: 2,
        ..Default::default()
    }
}

const SECRET_ID: &str = "AKIDlabdayTESTsecretid0123456789";
const SECRET_KEY: &str = "labdayTESTsecretkey0123456789ab";

fn tencent_config(url: &str) -> SmsConfig {
    SmsConfig {
        provider: ProviderKind::Tencent,
        sms_secret_id: Some(SECRET_ID.into()),
        sms_secret_key: Some(SECRET_KEY.parse().unwrap()),
        sms_app_id: Some("1400006666".into()),
        sms_sign_name: Some("南昌市食品检验所".into()),
        sms_region: "ap-nanjing".into(),
        sms_templates: Templates::parse(
            "booking_confirmed=1110, booking_confirmed.en=2220, reminder=3330",
        )
        .unwrap(),
        sms_endpoint: Some(url.to_string()),
        sms_timeout_secs: 2,
        ..Default::default()
    }
}

fn aliyun_config(url: &str) -> SmsConfig {
    SmsConfig {
        provider: ProviderKind::Aliyun,
        sms_app_id: None,
        sms_templates: Templates::parse(
            "booking_confirmed=SMS_1110,reminder=SMS_3330,reminder.en=SMS_3331",
        )
        .unwrap(),
        ..tencent_config(url)
    }
}

fn params() -> Vec<String> {
    vec!["开放日".into(), "9月15日 09:30".into(), "K7Q2M9".into()]
}

fn sms<'a>(key: &'a str, kind: &'a str, lang: &'a str, params: &'a [String]) -> Sms<'a> {
    Sms {
        key,
        phone: PHONE,
        lang,
        kind,
        params,
        text: TEXT,
    }
}

async fn send(provider: &dyn Provider, message: &Sms<'_>) -> Result<(), SendError> {
    let result = provider.send(message).await;
    if let Err(error) = &result {
        let error = error.to_string();
        assert!(
            !error.contains(PHONE) && !error.contains(TEXT),
            "an error names the phone or the text: {error}"
        );
    }
    result
}

/// Sends the message of [`params`] with `key`, `kind` and `lang`: it must go.
async fn sent(provider: &dyn Provider, key: &str, kind: &str, lang: &str) {
    send(provider, &sms(key, kind, lang, &params()))
        .await
        .unwrap();
}

/// Each answer of a stand-in, and what the provider made of it: `ok`, `retry` or `refused`.
async fn assert_outcomes(config: fn(&str) -> SmsConfig, cases: Vec<(Reply, &str)>) {
    for (answer, expected) in cases {
        let body = answer.body.clone();
        let status = answer.status;
        let stand_in = StandIn::start(answer).await;
        let provider = config(&stand_in.url).provider().unwrap();
        let params = params();
        let outcome = match send(&*provider, &sms("k", "reminder", "zh", &params)).await {
            Ok(()) => "ok".to_string(),
            Err(SendError::Refused(why)) => format!("refused: {why}"),
            Err(SendError::Retry(why)) => format!("retry: {why}"),
        };
        assert!(outcome.starts_with(expected), "{status} {body} → {outcome}");
        assert_eq!(
            stand_in.requests().len(),
            1,
            "{status}: one request, no redirect followed"
        );
    }
}

/// A provider whose stand-in answers only after five seconds gives up after its one-second
/// timeout, to try again later.
async fn assert_slow_answer_is_retried(config: fn(&str) -> SmsConfig, answer: Reply) {
    let slow = StandIn::start(Reply {
        delay: Duration::from_secs(5),
        ..answer
    })
    .await;
    let mut config = config(&slow.url);
    config.sms_timeout_secs = 1;
    let provider = config.provider().unwrap();
    let params = params();
    let started = std::time::Instant::now();
    let outcome = send(&*provider, &sms("k", "reminder", "zh", &params)).await;
    assert!(matches!(outcome, Err(SendError::Retry(_))), "{outcome:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "gave up after the timeout"
    );
}

// --- webhook -----------------------------------------------------------------------------

#[tokio::test]
async fn webhook_posts_the_documented_body_signed_over_timestamp_and_exact_bytes() {
    let stand_in = StandIn::start(reply(204, "")).await;
    let provider = webhook_config(&stand_in.url).provider().unwrap();
    assert_eq!(provider.name(), "webhook");
    sent(&*provider, "outbox-41", "booking_confirmed", "zh").await;

    let request = stand_in.only_request();
    assert_eq!(request.header("content-type"), "application/json");
    let timestamp = request.header("x-labday-timestamp");
    assert!((now() - timestamp.parse::<i64>().unwrap()).abs() <= 5);
    assert_eq!(
        request.header("x-labday-signature"),
        webhook_signature(SECRET, timestamp, &request.body)
    );
    assert_eq!(
        request.json(),
        json!({
            "key": "outbox-41", "phone": PHONE, "lang": "zh", "kind": "booking_confirmed",
            "params": ["开放日", "9月15日 09:30", "K7Q2M9"], "text": TEXT,
        })
    );
    // The same message again carries the same key, so the gateway can drop it.
    sent(&*provider, "outbox-41", "booking_confirmed", "zh").await;
    let keys: Vec<Value> = stand_in
        .requests()
        .iter()
        .map(|r| r.json()["key"].clone())
        .collect();
    assert_eq!(keys, vec![json!("outbox-41"), json!("outbox-41")]);
}

#[tokio::test]
async fn webhook_signatures_hold_for_odd_text_and_parallel_sends() {
    let stand_in = StandIn::start(reply(200, "{}")).await;
    let provider = webhook_config(&stand_in.url).provider().unwrap();
    let odd = [
        String::new(),
        "\u{2028}\u{2029}\"\\/\u{0}\u{7f}".to_string(),
        "𠮷野家 👩‍🔬 e\u{301} \u{202e}txet".to_string(),
        "长".repeat(5000),
    ];
    let sends = odd.iter().enumerate().map(|(i, text)| {
        let provider = provider.clone();
        async move {
            let key = format!("k{i}");
            let params = vec![text.clone()];
            let message = Sms {
                key: &key,
                phone: PHONE,
                lang: "en",
                kind: "reminder",
                params: &params,
                text,
            };
            provider.send(&message).await
        }
    });
    for result in futures::future::join_all(sends).await {
        result.unwrap();
    }
    let requests = stand_in.requests();
    assert_eq!(requests.len(), odd.len());
    for request in requests {
        assert_eq!(
            request.header("x-labday-signature"),
            webhook_signature(SECRET, request.header("x-labday-timestamp"), &request.body)
        );
        let body = request.json();
        let i: usize = body["key"].as_str().unwrap()[1..].parse().unwrap();
        assert_eq!(body["text"], json!(odd[i]), "the text arrives unchanged");
    }
}

#[tokio::test]
async fn webhook_answers_are_accepted_retried_or_refused_by_status() {
    let cases = [
        (200, "ok"),
        (202, "ok"),
        (400, "refused"),
        (401, "refused"),
        (404, "refused"),
        (422, "refused"),
        (302, "refused"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
    ];
    let cases = cases
        .into_iter()
        .map(|(status, expected)| (reply(status, ""), expected));
    assert_outcomes(webhook_config, cases.collect()).await;
}

#[tokio::test]
async fn a_gateway_that_does_not_answer_in_time_or_at_all_is_tried_again() {
    assert_slow_answer_is_retried(webhook_config, reply(200, "")).await;
    let params = params();
    // An https:// address whose server speaks plain HTTP: the TLS handshake fails (rustls
    // is there and set up, nothing panics), and the message waits for another try.
    let plain = StandIn::start(reply(200, "")).await;
    let https = plain.url.replace("http://", "https://");
    let provider = webhook_config(&https).provider().unwrap();
    let outcome = send(&*provider, &sms("k", "reminder", "zh", &params)).await;
    assert!(matches!(outcome, Err(SendError::Retry(_))), "{outcome:?}");

    // Nobody listening on the port.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", closed.local_addr().unwrap());
    drop(closed);
    let provider = webhook_config(&url).provider().unwrap();
    let outcome = send(&*provider, &sms("k", "reminder", "zh", &params)).await;
    assert!(matches!(outcome, Err(SendError::Retry(_))), "{outcome:?}");
}

// --- Tencent Cloud SMS -------------------------------------------------------------------

fn tencent_ok() -> String {
    json!({"Response": {
        "SendStatusSet": [{"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": "+8613800138000",
            "Fee": 1, "SessionContext": "outbox-7", "Code": "Ok", "Message": "send success", "IsoCode": "CN"}],
        "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}})
    .to_string()
}

fn tencent_status(code: &str) -> String {
    json!({"Response": {
        "SendStatusSet": [{"SerialNo": "", "PhoneNumber": "+8613800138000", "Fee": 0,
            "SessionContext": "", "Code": code, "Message": "号码 +8613800138000 …", "IsoCode": "CN"}],
        "RequestId": "b1"}})
    .to_string()
}

fn tencent_error(code: &str) -> String {
    json!({"Response": {"Error": {"Code": code, "Message": "The provided credentials could not be validated."},
        "RequestId": "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}})
    .to_string()
}

#[tokio::test]
async fn tencent_sends_a_signed_sendsms_with_the_kinds_template() {
    let stand_in = StandIn::start(reply(200, tencent_ok())).await;
    let provider = tencent_config(&stand_in.url).provider().unwrap();
    assert_eq!(provider.name(), "tencent");
    sent(&*provider, "outbox-7", "booking_confirmed", "zh").await;
    let body = check_tencent_request(&stand_in.only_request(), SECRET_ID, SECRET_KEY);
    assert_eq!(
        body,
        json!({
            "PhoneNumberSet": ["+8613800138000"],
            "SmsSdkAppId": "1400006666",
            "SignName": "南昌市食品检验所",
            "TemplateId": "1110",
            "TemplateParamSet": ["开放日", "9月15日 09:30", "K7Q2M9"],
            "SessionContext": "outbox-7",
        })
    );
}

#[tokio::test]
async fn tencent_picks_the_english_template_when_there_is_one() {
    let stand_in = StandIn::start(reply(200, tencent_ok())).await;
    let provider = tencent_config(&stand_in.url).provider().unwrap();
    sent(&*provider, "a", "booking_confirmed", "en").await;
    sent(&*provider, "b", "reminder", "en").await;
    let templates: Vec<Value> = stand_in
        .requests()
        .iter()
        .map(|r| check_tencent_request(r, SECRET_ID, SECRET_KEY)["TemplateId"].clone())
        .collect();
    assert_eq!(templates, vec![json!("2220"), json!("3330")]);
}

#[tokio::test]
async fn tencent_refuses_a_kind_without_a_template_before_calling() {
    let stand_in = StandIn::start(reply(200, tencent_ok())).await;
    let provider = tencent_config(&stand_in.url).provider().unwrap();
    let params = params();
    let outcome = send(&*provider, &sms("a", "sample_result", "zh", &params)).await;
    match outcome {
        Err(SendError::Refused(why)) => assert!(why.contains("sample_result"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn tencent_answers_map_to_retry_or_refused() {
    let cases = vec![
        (
            reply(
                200,
                tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit"),
            ),
            "retry",
        ),
        (reply(200, tencent_status("InternalError.Timeout")), "retry"),
        (
            reply(
                200,
                tencent_status("FailedOperation.InsufficientBalanceInSmsPackage"),
            ),
            "retry",
        ),
        (
            reply(
                200,
                tencent_status("InvalidParameterValue.IncorrectPhoneNumber"),
            ),
            "refused",
        ),
        (
            reply(
                200,
                tencent_status("FailedOperation.TemplateIncorrectOrUnapproved"),
            ),
            "refused",
        ),
        (
            reply(200, tencent_error("AuthFailure.SignatureFailure")),
            "refused",
        ),
        (reply(200, tencent_error("RequestLimitExceeded")), "retry"),
        (reply(200, tencent_error("InternalError")), "retry"),
        (reply(200, "<html>gateway</html>"), "retry"),
        (reply(200, r#"{"Response": {"RequestId": "c"}}"#), "retry"),
        (reply(502, ""), "retry"),
        (reply(403, ""), "refused"),
    ];
    assert_outcomes(tencent_config, cases).await;
}

#[tokio::test]
async fn tencent_or_aliyun_that_does_not_answer_in_time_is_tried_again() {
    assert_slow_answer_is_retried(tencent_config, reply(200, tencent_ok())).await;
    assert_slow_answer_is_retried(aliyun_config, reply(200, aliyun_answer("OK"))).await;
}

// --- Alibaba Cloud SMS ------------------------------------------------------------------

fn aliyun_answer(code: &str) -> String {
    json!({"Code": code, "Message": "号码 13800138000 …", "BizId": "900619746936498440^0",
        "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"})
    .to_string()
}

#[tokio::test]
async fn aliyun_sends_a_signed_sendsms_with_the_kinds_template_and_named_params() {
    let stand_in = StandIn::start(reply(200, aliyun_answer("OK"))).await;
    let provider = aliyun_config(&stand_in.url).provider().unwrap();
    assert_eq!(provider.name(), "aliyun");
    sent(&*provider, "outbox-9", "booking_confirmed", "zh").await;
    send(&*provider, &sms("outbox-10", "reminder", "en", &[]))
        .await
        .unwrap();
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 2);
    let first = check_aliyun_request(&requests[0], SECRET_ID, SECRET_KEY);
    assert_eq!(first["PhoneNumbers"], json!(PHONE));
    assert_eq!(first["SignName"], json!("南昌市食品检验所"));
    assert_eq!(first["TemplateCode"], json!("SMS_1110"));
    assert_eq!(first["OutId"], json!("outbox-9"));
    let template_param: Value =
        serde_json::from_str(first["TemplateParam"].as_str().unwrap()).unwrap();
    assert_eq!(
        template_param,
        json!({"p1": "开放日", "p2": "9月15日 09:30", "p3": "K7Q2M9"})
    );
    let second = check_aliyun_request(&requests[1], SECRET_ID, SECRET_KEY);
    assert_eq!(second["TemplateCode"], json!("SMS_3331"));
    assert!(
        second.get("TemplateParam").is_none(),
        "no parameters, no TemplateParam"
    );
    assert_ne!(
        requests[0].header("x-acs-signature-nonce"),
        requests[1].header("x-acs-signature-nonce"),
        "a fresh nonce each time"
    );
}

#[tokio::test]
async fn aliyun_answers_map_to_retry_or_refused() {
    let cases = vec![
        (
            reply(200, aliyun_answer("isv.BUSINESS_LIMIT_CONTROL")),
            "retry",
        ),
        (reply(200, aliyun_answer("isv.AMOUNT_NOT_ENOUGH")), "retry"),
        (reply(500, aliyun_answer("isp.SYSTEM_ERROR")), "retry"),
        (
            reply(200, aliyun_answer("isv.MOBILE_NUMBER_ILLEGAL")),
            "refused",
        ),
        (
            reply(200, aliyun_answer("isv.SMS_TEMPLATE_ILLEGAL")),
            "refused",
        ),
        (
            reply(400, aliyun_answer("SignatureDoesNotMatch")),
            "refused",
        ),
        (
            reply(404, aliyun_answer("InvalidAccessKeyId.NotFound")),
            "refused",
        ),
        (reply(200, "<html>gateway</html>"), "retry"),
        (reply(503, ""), "retry"),
        (reply(403, ""), "refused"),
    ];
    assert_outcomes(aliyun_config, cases).await;
}

// --- settings ----------------------------------------------------------------------------

fn refusal(config: SmsConfig) -> String {
    match config.provider() {
        Ok(provider) => panic!("{} was built", provider.name()),
        Err(why) => why,
    }
}

#[test]
fn a_provider_without_its_settings_is_refused_naming_the_flag() {
    let url = "https://gateway.example.gov.cn/sms";
    let mut config = webhook_config(url);
    config.sms_webhook_url = None;
    assert!(refusal(config).contains("--sms-webhook-url"));
    let mut config = webhook_config(url);
    config.sms_webhook_secret = None;
    assert!(refusal(config).contains("--sms-webhook-secret"));
    let mut config = webhook_config(url);
    config.sms_webhook_secret = Some("short".parse().unwrap());
    assert!(refusal(config).contains("at least 32"));
    let mut config = webhook_config("ftp://gateway.example.gov.cn/");
    assert!(refusal(config.clone()).contains("--sms-webhook-url"));
    config.sms_webhook_url = Some("not a url".into());
    assert!(refusal(config).contains("--sms-webhook-url"));

    type Clear = fn(&mut SmsConfig);
    let missing: [(Clear, &str); 6] = [
        (|c| c.sms_secret_id = None, "--sms-secret-id"),
        (|c| c.sms_secret_key = None, "--sms-secret-key"),
        (|c| c.sms_app_id = Some("  ".into()), "--sms-app-id"),
        (|c| c.sms_sign_name = None, "--sms-sign-name"),
        (
            |c| c.sms_templates = Templates::default(),
            "--sms-templates",
        ),
        (
            |c| c.sms_endpoint = Some("sms.tencentcloudapi.com".into()),
            "--sms-endpoint",
        ),
    ];
    for (clear, flag) in missing {
        let mut config = tencent_config(url);
        clear(&mut config);
        let why = refusal(config);
        assert!(why.contains(flag), "{flag}: {why}");
    }
    let mut config = aliyun_config(url);
    config.sms_sign_name = None;
    let why = refusal(config);
    assert!(
        why.contains("--sms-sign-name") && why.contains("aliyun"),
        "{why}"
    );
    let mut config = aliyun_config(url);
    config.sms_secret_key = Some("".parse().unwrap());
    assert!(refusal(config).contains("--sms-secret-key"));
    assert_eq!(
        aliyun_config(url).provider().unwrap().name(),
        "aliyun",
        "no app id needed"
    );
    // A bureau's own certificate authority, trusted besides the public ones.
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut config = webhook_config(url);
    config.sms_ca_file = Some(fixtures.join("sms-bureau-ca.pem"));
    assert_eq!(config.provider().unwrap().name(), "webhook");
    let dir = tempfile::tempdir().unwrap();
    for (content, says) in [
        ("no certificate here\n", "holds no certificate"),
        (
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "--sms-ca-file",
        ),
    ] {
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, content).unwrap();
        let mut config = tencent_config(url);
        config.sms_ca_file = Some(path);
        let why = refusal(config);
        assert!(why.contains(says), "{why}");
    }
    let mut config = aliyun_config(url);
    config.sms_ca_file = Some(dir.path().join("missing.pem"));
    let why = refusal(config);
    assert!(
        why.contains("--sms-ca-file") && why.contains("cannot be read"),
        "{why}"
    );

    // Without an endpoint, Tencent's public one is used.
    let mut config = tencent_config(url);
    config.sms_endpoint = None;
    assert_eq!(config.provider().unwrap().name(), "tencent");
}

#[test]
fn settings_come_from_flags_and_never_print_their_secrets() {
    let cli = Cli::try_parse_from([
        "labday-server",
        "--sms-provider",
        "tencent",
        "--sms-secret-id",
        "AKIDflag",
        "--sms-secret-key",
        "very-secret-key-value",
        "--sms-app-id",
        "1400006666",
        "--sms-sign-name",
        "labday",
        "--sms-templates",
        "booking_confirmed=1234, reminder=5678,reminder.en=5679",
    ])
    .unwrap();
    let sms = &cli.config.sms;
    assert_eq!(sms.provider, ProviderKind::Tencent);
    assert_eq!(sms.sms_region, "ap-guangzhou");
    assert_eq!(sms.sms_timeout_secs, 10);
    assert_eq!(
        sms.sms_templates.for_message("reminder", "en"),
        Some("5679")
    );
    assert_eq!(
        sms.sms_templates.for_message("reminder", "zh"),
        Some("5678")
    );
    assert_eq!(
        sms.sms_templates.for_message("booking_confirmed", "en"),
        Some("1234")
    );
    assert_eq!(sms.sms_templates.for_message("reminder_x", "zh"), None);
    assert!(sms.provider().is_ok());
    let printed = format!("{cli:?}");
    assert!(!printed.contains("very-secret-key-value"), "{printed}");

    for bad in [
        "booking_confirmed",
        "booking_confirmed=",
        "Booking=1",
        "reminder.fr=1",
        "reminder=1,reminder=2",
        "reminder=1 2",
    ] {
        assert!(Templates::parse(bad).is_err(), "{bad}");
        assert!(
            Cli::try_parse_from(["labday-server", "--sms-templates", bad]).is_err(),
            "{bad}"
        );
    }
    assert!(Cli::try_parse_from(["labday-server", "--sms-timeout-secs", "0"]).is_err());
    assert!(Cli::try_parse_from(["labday-server", "--sms-provider", "carrier-pigeon"]).is_err());
}

#[test]
fn help_hides_the_secrets_taken_from_the_environment() {
    use clap::CommandFactory;
    // Only this test sets these variables; the flags tests above pass theirs as arguments.
    std::env::set_var("LABDAY_SMS_SECRET_KEY", "env-secret-key-0123456789");
    std::env::set_var("LABDAY_SMS_WEBHOOK_SECRET", "env-webhook-secret-0123456789");
    std::env::set_var("LABDAY_SMS_APP_ID", "1400999999");
    let help = Cli::command().render_long_help().to_string();
    assert!(
        help.contains("1400999999"),
        "other settings show their values"
    );
    assert!(!help.contains("env-secret-key"), "{help}");
    assert!(!help.contains("env-webhook-secret"), "{help}");
}

// --- logs --------------------------------------------------------------------------------

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn providers_never_log_the_phone_or_the_text() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let params = params();
    let dir = tempfile::tempdir().unwrap();
    let log = SmsConfig {
        provider: ProviderKind::Log,
        sms_log_file: Some(dir.path().join("sms.jsonl")),
        ..Default::default()
    };
    let webhook_ok = StandIn::start(reply(200, "")).await;
    let webhook_refusing = StandIn::start(reply(400, TEXT)).await;
    let tencent_ok = StandIn::start(reply(200, tencent_ok())).await;
    let aliyun_ok = StandIn::start(reply(200, aliyun_answer("OK"))).await;
    let aliyun_refusing =
        StandIn::start(reply(200, aliyun_answer("isv.MOBILE_NUMBER_ILLEGAL"))).await;
    let tencent_refusing = StandIn::start(reply(
        200,
        tencent_status("FailedOperation.ContainSensitiveWord"),
    ))
    .await;
    for config in [
        log,
        webhook_config(&webhook_ok.url),
        webhook_config(&webhook_refusing.url),
        tencent_config(&tencent_ok.url),
        tencent_config(&tencent_refusing.url),
        aliyun_config(&aliyun_ok.url),
        aliyun_config(&aliyun_refusing.url),
    ] {
        let provider = config.provider().unwrap();
        let _ = provider
            .send(&sms("outbox-logged", "booking_confirmed", "zh", &params))
            .await;
    }
    let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("outbox-logged"),
        "the capture works: {logged}"
    );
    assert!(!logged.contains(PHONE), "{logged}");
    assert!(
        !logged.contains("K7Q2M9") && !logged.contains("开放日"),
        "{logged}"
    );
    assert!(!logged.contains(TEXT), "{logged}");
}
