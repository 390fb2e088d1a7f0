//! `aliyun`: Alibaba Cloud SMS, action `SendSms` (version 2017-05-25) in RPC style: the
//! parameters in the query string, an empty body, signed with ACS3-HMAC-SHA256 as Alibaba
//! Cloud's "V3 request structure and signature" documents it.
//!
//! Alibaba templates name their variables; labday's parameters are positional, so a template
//! for labday names them `${p1}`, `${p2}`, … (README, "Text messages"). The outbox key goes
//! in `OutId`, which delivery reports echo. Answers carry a `Code` (`OK` when accepted),
//! mapped to [`SendError`] by [`classify`]; errors and logs name only that code and the
//! request id.

use super::http::{self, hmac_sha256, sha256_hex};
use super::{CloudAccount, Provider, SendError, Sms};
use crate::keyed_hash::lower_hex;
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderName, AUTHORIZATION, HOST};
use std::collections::BTreeMap;

/// Alibaba Cloud SMS's public API address.
pub const ENDPOINT: &str = "https://dysmsapi.aliyuncs.com";
const ACTION: &str = "SendSms";
const VERSION: &str = "2017-05-25";
const ALGORITHM: &str = "ACS3-HMAC-SHA256";

pub struct Aliyun {
    account: CloudAccount,
    client: reqwest::Client,
}

impl Aliyun {
    pub fn new(account: CloudAccount, client: reqwest::Client) -> Aliyun {
        Aliyun { account, client }
    }
}

/// RFC 3986 percent-encoding as Alibaba signs it: letters, digits and `-_.~` stay, every
/// other byte of the UTF-8 is `%XX` in upper case (a space is `%20`, `*` is `%2A`).
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The canonical query string: parameters sorted by name, each name and value encoded.
pub fn canonical_query(parameters: &BTreeMap<&str, String>) -> String {
    parameters
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Authorization` header of a POST to `path` with `query` (already canonical) and the
/// given headers (lower-case names, `x-acs-content-sha256` among them), all of them signed.
pub fn authorization(
    access_key_id: &str,
    access_key_secret: &str,
    path: &str,
    query: &str,
    headers: &BTreeMap<&str, String>,
) -> String {
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{}\n", value.trim()))
        .collect();
    let signed_headers = headers.keys().copied().collect::<Vec<_>>().join(";");
    let payload_hash = headers
        .get("x-acs-content-sha256")
        .map(String::as_str)
        .unwrap_or_default();
    let canonical_request =
        format!("POST\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}");
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let signature = lower_hex(&hmac_sha256(
        access_key_secret.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    format!("{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// What one of Alibaba Cloud's codes means for the message: worth trying again later (a
/// rate or daily limit, an empty balance, the platform's own trouble, a nonce used twice),
/// or not (credentials, signature, permissions, the number, template, sign name,
/// parameters, a blocked account). A code not known here is tried again: nothing was sent.
pub fn classify(code: &str) -> SendError {
    let retry = match code {
        "isv.BUSINESS_LIMIT_CONTROL"
        | "isv.DAY_LIMIT_CONTROL"
        | "isv.AMOUNT_NOT_ENOUGH"
        | "SignatureNonceUsed"
        | "ServiceUnavailable"
        | "InternalError" => true,
        "isp.RAM_PERMISSION_DENY" | "SignatureDoesNotMatch" | "IncompleteSignature" => false,
        code if code.starts_with("isp.") || code.starts_with("Throttling") => true,
        code if ["isv.", "Invalid", "Missing", "Forbidden"]
            .iter()
            .any(|family| code.starts_with(family)) =>
        {
            false
        }
        _ => true,
    };
    SendError::answered("Alibaba Cloud SMS", code, retry)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: Option<String>,
    request_id: Option<String>,
}

#[async_trait]
impl Provider for Aliyun {
    fn name(&self) -> &'static str {
        "aliyun"
    }

    async fn send(&self, sms: &Sms<'_>) -> Result<(), SendError> {
        let account = &self.account;
        let template = account.template(sms)?;
        let mut parameters = BTreeMap::from([
            ("PhoneNumbers", sms.phone.to_string()),
            ("SignName", account.sign_name.clone()),
            ("TemplateCode", template.to_string()),
            ("OutId", sms.key.to_string()),
        ]);
        if !sms.params.is_empty() {
            let named: serde_json::Map<String, serde_json::Value> = sms
                .params
                .iter()
                .enumerate()
                .map(|(i, value)| (format!("p{}", i + 1), value.clone().into()))
                .collect();
            parameters.insert(
                "TemplateParam",
                serde_json::Value::Object(named).to_string(),
            );
        }
        let query = canonical_query(&parameters);
        let mut url = account.endpoint.clone();
        url.set_query(Some(&query));

        let signed = BTreeMap::from([
            ("host", account.host.clone()),
            ("x-acs-action", ACTION.to_string()),
            ("x-acs-content-sha256", sha256_hex(b"")),
            (
                "x-acs-date",
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            (
                "x-acs-signature-nonce",
                lower_hex(&rand::random::<[u8; 16]>()),
            ),
            ("x-acs-version", VERSION.to_string()),
        ]);
        let authorization = authorization(
            &account.secret_id,
            account.secret_key.expose(),
            account.endpoint.path(),
            &query,
            &signed,
        );
        let mut headers = HeaderMap::new();
        for (name, value) in &signed {
            let name = if *name == "host" {
                HOST
            } else {
                HeaderName::from_static(name)
            };
            headers.insert(name, http::header_value(value)?);
        }
        headers.insert(AUTHORIZATION, http::header_value(&authorization)?);

        let answer = http::post(&self.client, &url, headers, Vec::new()).await?;
        let parsed = serde_json::from_slice::<Answer>(&answer.body).ok();
        let request_id = parsed
            .as_ref()
            .and_then(|a| a.request_id.clone())
            .unwrap_or_else(|| "-".into());
        tracing::debug!(kind = sms.kind, key = sms.key, status = %answer.status, request_id, "Alibaba Cloud SMS answered");
        let Some(code) = parsed.and_then(|a| a.code) else {
            http::by_status(answer.status)?;
            return Err(SendError::Retry(
                "Alibaba Cloud SMS answered without a code".into(),
            ));
        };
        if code == "OK" && answer.status.is_success() {
            return Ok(());
        }
        Err(classify(&code).noting(&format!("request {request_id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alibaba Cloud's "V3 request structure and signature" page signs an ECS
    /// `RunInstances` call with fixed inputs (key `YourAccessKeyId` / `YourAccessKeySecret`,
    /// 2023-10-26T10:22:32Z, a fixed nonce, no body); this is its Authorization header.
    #[test]
    fn signs_the_documented_example_exactly() {
        let query = canonical_query(&BTreeMap::from([
            ("RegionId", "cn-shanghai".to_string()),
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd".to_string(),
            ),
        ]));
        assert_eq!(
            query,
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
        let headers = BTreeMap::from([
            ("host", "ecs.cn-shanghai.aliyuncs.com".to_string()),
            ("x-acs-action", "RunInstances".to_string()),
            ("x-acs-content-sha256", sha256_hex(b"")),
            ("x-acs-date", "2023-10-26T10:22:32Z".to_string()),
            (
                "x-acs-signature-nonce",
                "3156853299f313e23d1673dc12e1703d".to_string(),
            ),
            ("x-acs-version", "2014-05-26".to_string()),
        ]);
        assert_eq!(
            authorization("YourAccessKeyId", "YourAccessKeySecret", "/", &query, &headers),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
             SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn encodes_as_rfc_3986_with_upper_case_hex() {
        assert_eq!(
            percent_encode("a b*c~d/é+=_-."),
            "a%20b%2Ac~d%2F%C3%A9%2B%3D_-."
        );
        assert_eq!(percent_encode("南"), "%E5%8D%97");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn codes_are_retried_or_refused_as_their_meaning_says() {
        let retried = |code: &str| matches!(classify(code), SendError::Retry(_));
        for code in [
            "isv.BUSINESS_LIMIT_CONTROL",
            "isv.DAY_LIMIT_CONTROL",
            "isv.AMOUNT_NOT_ENOUGH",
            "isp.SYSTEM_ERROR",
            "Throttling.User",
            "ServiceUnavailable",
            "SignatureNonceUsed",
            "SomethingNew",
        ] {
            assert!(retried(code), "{code} should be tried again");
        }
        for code in [
            "isv.MOBILE_NUMBER_ILLEGAL",
            "isv.SMS_TEMPLATE_ILLEGAL",
            "isv.SMS_SIGNATURE_ILLEGAL",
            "isv.TEMPLATE_MISSING_PARAMETERS",
            "isv.OUT_OF_SERVICE",
            "isp.RAM_PERMISSION_DENY",
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId.NotFound",
            "InvalidTimeStamp.Expired",
            "MissingPhoneNumbers",
            "Forbidden.RAM",
        ] {
            assert!(!retried(code), "{code} should be refused");
        }
    }
}
