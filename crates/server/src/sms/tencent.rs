//! `tencent`: Tencent Cloud SMS, API 3.0 action `SendSms` (version 2021-01-11), signed with
//! TC3-HMAC-SHA256 as Tencent Cloud's "Signature v3" documents it. A message goes out as an
//! approved template (its id per message kind, from `--sms-templates`) filled with the
//! message's parameters, under the approved sign name.
//!
//! Tencent answers HTTP 200 to almost everything; what happened is in the JSON: an `Error`
//! for the whole request, else one `SendStatusSet` entry per phone whose `Code` is `Ok` when
//! accepted. Codes are mapped to [`SendError`] by [`classify`]. Neither the phone nor the
//! text reaches an error or a log: only Tencent's code and request id.

use super::http::{self, hmac_sha256, sha256_hex};
use super::{CloudAccount, Provider, SendError, Sms};
use crate::keyed_hash::lower_hex;
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};

/// Tencent Cloud SMS's public API address.
pub const ENDPOINT: &str = "https://sms.tencentcloudapi.com";
/// The service name in the credential scope (the product's domain prefix).
const SERVICE: &str = "sms";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
/// The content type sent and signed (they must be byte-for-byte the same).
const JSON: &str = "application/json; charset=utf-8";
const ALGORITHM: &str = "TC3-HMAC-SHA256";

pub struct Tencent {
    account: CloudAccount,
    /// The SMS application's SdkAppId.
    app_id: String,
    region: String,
    client: reqwest::Client,
}

impl Tencent {
    pub fn new(
        account: CloudAccount,
        app_id: String,
        region: String,
        client: reqwest::Client,
    ) -> Tencent {
        Tencent {
            account,
            app_id,
            region,
            client,
        }
    }
}

/// The `Authorization` header of a POST of `payload` (JSON) to `host` at `timestamp`, signed
/// with content-type and host as the signed headers.
pub fn authorization(
    secret_id: &str,
    secret_key: &str,
    service: &str,
    host: &str,
    timestamp: i64,
    payload: &[u8],
) -> String {
    let signed_headers = "content-type;host";
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:{JSON}\nhost:{host}\n\n{signed_headers}\n{}",
        sha256_hex(payload)
    );
    let date = chrono::DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d");
    let scope = format!("{date}/{service}/tc3_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let secret_date = hmac_sha256(
        format!("TC3{secret_key}").as_bytes(),
        date.to_string().as_bytes(),
    );
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    let signature = lower_hex(&hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    format!("{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// The `SendSms` request body.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSms<'a> {
    phone_number_set: [String; 1],
    sms_sdk_app_id: &'a str,
    sign_name: &'a str,
    template_id: &'a str,
    template_param_set: &'a [String],
    /// Echoed back in delivery reports: the outbox key, to match a report to its message.
    session_context: &'a str,
}

#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Answer,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    error: Option<Status>,
    #[serde(default)]
    send_status_set: Vec<Status>,
    request_id: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    code: String,
}

/// What one of Tencent's error codes means for the message: worth trying again later
/// (Tencent's own trouble, a rate or frequency limit, an empty SMS package that can be
/// topped up), or not (credentials, signature, template, sign name, the number, the
/// content). A code not known here is tried again: nothing was sent.
pub fn classify(code: &str) -> SendError {
    let family = code.split('.').next().unwrap_or(code);
    let retry = match family {
        // Internal errors that say the request itself is wrong.
        "InternalError" => !matches!(
            code,
            "InternalError.SigVerificationFail"
                | "InternalError.SigFieldMissing"
                | "InternalError.RestApiInterfaceNotExist"
        ),
        "LimitExceeded" | "RequestLimitExceeded" | "ServiceUnavailable" => true,
        "FailedOperation" => code == "FailedOperation.InsufficientBalanceInSmsPackage",
        "AuthFailure"
        | "InvalidParameter"
        | "InvalidParameterValue"
        | "MissingParameter"
        | "UnknownParameter"
        | "InvalidAction"
        | "UnauthorizedOperation"
        | "UnsupportedOperation"
        | "ResourceNotFound"
        | "IpInBlacklist"
        | "IpNotInWhitelist"
        | "NoSuchProduct"
        | "NoSuchVersion"
        | "ActionOffline" => false,
        _ => true,
    };
    SendError::answered("Tencent Cloud SMS", code, retry)
}

#[async_trait]
impl Provider for Tencent {
    fn name(&self) -> &'static str {
        "tencent"
    }

    async fn send(&self, sms: &Sms<'_>) -> Result<(), SendError> {
        let account = &self.account;
        let template_id = account.template(sms)?;
        let phone = if sms.phone.starts_with('+') {
            sms.phone.to_string()
        } else {
            format!("+86{}", sms.phone)
        };
        let body = serde_json::to_vec(&SendSms {
            phone_number_set: [phone],
            sms_sdk_app_id: &self.app_id,
            sign_name: &account.sign_name,
            template_id,
            template_param_set: sms.params,
            session_context: sms.key,
        })
        .map_err(|e| SendError::Refused(format!("cannot write the SendSms body: {e}")))?;
        let timestamp = http::unix_now()? as i64;
        let authorization = authorization(
            &account.secret_id,
            account.secret_key.expose(),
            SERVICE,
            &account.host,
            timestamp,
            &body,
        );
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, http::header_value(&authorization)?);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
        headers.insert(HOST, http::header_value(&account.host)?);
        for (name, value) in [
            ("x-tc-action", ACTION),
            ("x-tc-version", VERSION),
            ("x-tc-region", &self.region),
            ("x-tc-timestamp", &timestamp.to_string()),
        ] {
            headers.insert(HeaderName::from_static(name), http::header_value(value)?);
        }
        let answer = http::post(&self.client, &account.endpoint, headers, body).await?;
        if !answer.status.is_success() {
            return http::by_status(answer.status);
        }
        let Ok(Envelope { response }) = serde_json::from_slice::<Envelope>(&answer.body) else {
            return Err(SendError::Retry(
                "Tencent Cloud SMS answered something that is not its JSON".into(),
            ));
        };
        let request_id = response.request_id.as_deref().unwrap_or("-");
        tracing::debug!(
            kind = sms.kind,
            key = sms.key,
            request_id,
            "Tencent Cloud SMS answered"
        );
        let code = match (&response.error, response.send_status_set.first()) {
            (Some(error), _) => &error.code,
            (None, Some(status)) => &status.code,
            (None, None) => {
                return Err(SendError::Retry(format!(
                    "Tencent Cloud SMS answered without a send status (request {request_id})"
                )))
            }
        };
        if code == "Ok" {
            return Ok(());
        }
        Err(classify(code).noting(&format!("request {request_id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tencent Cloud's "Signature v3" page signs a CVM `DescribeInstances` request with a
    /// published example key at 1551113065 (2019-02-25 UTC) and prints every step; this is
    /// its final Authorization header.
    #[test]
    fn signs_the_documented_example_exactly() {
        let payload = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        assert_eq!(
            sha256_hex(payload),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064",
            "the documented HashedRequestPayload"
        );
        assert_eq!(
            authorization(
                "AKID**********************0123456789EXAMPLE",
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                "cvm",
                "cvm.tencentcloudapi.com",
                1551113065,
                payload,
            ),
            "TC3-HMAC-SHA256 Credential=AKID**********************0123456789EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    /// The date in the scope is UTC's: at 00:44 in Beijing it is still the day before.
    #[test]
    fn the_scope_date_is_the_utc_date() {
        // 2019-02-26 00:44:25 in UTC+8.
        let header = authorization(
            "id",
            "key",
            "sms",
            "sms.tencentcloudapi.com",
            1551113065,
            b"{}",
        );
        assert!(header.contains("/2019-02-25/sms/tc3_request"), "{header}");
        // One second before midnight UTC and one second after.
        let before = authorization("id", "key", "sms", "h", 1551139199, b"{}");
        let after = authorization("id", "key", "sms", "h", 1551139200, b"{}");
        assert!(before.contains("/2019-02-25/"), "{before}");
        assert!(after.contains("/2019-02-26/"), "{after}");
    }

    #[test]
    fn codes_are_retried_or_refused_as_their_meaning_says() {
        let retried = |code: &str| matches!(classify(code), SendError::Retry(_));
        for code in [
            "InternalError.Timeout",
            "InternalError.SendAndRecvFail",
            "RequestLimitExceeded",
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "LimitExceeded.PhoneNumberDailyLimit",
            "LimitExceeded.DeliveryFrequencyLimit",
            "FailedOperation.InsufficientBalanceInSmsPackage",
            "ServiceUnavailable",
            "SomethingNew.Unheard",
        ] {
            assert!(retried(code), "{code} should be tried again");
        }
        for code in [
            "AuthFailure.SignatureFailure",
            "AuthFailure.SecretIdNotFound",
            "InvalidParameterValue.IncorrectPhoneNumber",
            "InvalidParameterValue.TemplateParameterFormatError",
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "FailedOperation.ContainSensitiveWord",
            "FailedOperation.PhoneNumberInBlacklist",
            "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
            "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
            "MissingParameter.EmptyPhoneNumberSet",
            "InternalError.SigVerificationFail",
            "IpNotInWhitelist",
            "NoSuchVersion",
        ] {
            assert!(!retried(code), "{code} should be refused");
        }
    }
}
