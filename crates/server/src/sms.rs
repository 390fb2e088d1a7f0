//! Text messages to citizens: the one seam between the outbox (what to say, to whom, when;
//! `storage` and the dispatcher) and the provider that carries a message to a phone.
//!
//! A provider is chosen by `--sms-provider` (`none` by default: nothing is sent and the app
//! says so). Each provider's own settings are flags of [`SmsConfig`]. Providers never log a
//! phone number or a message text.

use async_trait::async_trait;
use clap::{Args, ValueEnum};
use labday_domain::message::{Lang, MessageKind};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// One message on its way to one phone.
#[derive(Debug, Clone)]
pub struct Sms<'a> {
    /// The outbox row's key: the same message sent twice carries the same key, so a provider
    /// that de-duplicates (or a bureau's gateway) can drop the second.
    pub key: &'a str,
    /// A mainland mobile number, 11 digits.
    pub phone: &'a str,
    /// `zh` or `en`: the language the citizen booked in.
    pub lang: &'a str,
    /// What the message is about, as the outbox names it (`booking_confirmed`,
    /// `waitlist_promoted`, `session_changed`, `session_cancelled`, `reminder`,
    /// `sample_result`, `verification_code`, `rescheduled`, `sample_session_cancelled`,
    /// `walk_in_checked_in`, `sample_session_changed`):
    /// template-based providers map it to a template id.
    pub kind: &'a str,
    /// The template's parameters, in order (activity, time, code, …).
    pub params: &'a [String],
    /// The whole text, for providers that send free text (log, webhook).
    pub text: &'a str,
}

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (network, timeout, 5xx, rate limit).
    #[error("temporary failure: {0}")]
    Retry(String),
    /// Trying again will not help (bad number, rejected template, bad credentials).
    #[error("refused: {0}")]
    Refused(String),
}

impl SendError {
    /// A provider's verdict on one of its answer codes: worth trying again later, or not.
    pub fn answered(provider: &str, code: &str, retry: bool) -> SendError {
        let why = format!("{provider} answered {code}");
        if retry {
            SendError::Retry(why)
        } else {
            SendError::Refused(why)
        }
    }

    /// The same outcome with more said about it (a provider's request id).
    pub fn noting(self, note: &str) -> SendError {
        match self {
            SendError::Retry(why) => SendError::Retry(format!("{why} ({note})")),
            SendError::Refused(why) => SendError::Refused(format!("{why} ({note})")),
        }
    }
}

/// Carries a message to a phone.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name for logs and the health page (`none`, `log`, `webhook`, …).
    fn name(&self) -> &'static str;
    /// Whether anything reaches a citizen (false for `none`).
    fn delivers(&self) -> bool {
        true
    }
    /// Sends one message; `Ok` once the provider has accepted it.
    async fn send(&self, sms: &Sms<'_>) -> Result<(), SendError>;
}

/// Which provider carries the messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ProviderKind {
    /// Nothing is sent (messages are still written to the outbox and marked unsent).
    #[default]
    None,
    /// Development: one line per message in the server log (no phone, no text) and the whole
    /// message appended as a JSON line to `--sms-log-file`.
    Log,
    /// A bureau's own SMS gateway: a signed JSON POST to `--sms-webhook-url`.
    Webhook,
    /// Tencent Cloud SMS (API 3.0 `SendSms`, TC3-HMAC-SHA256 signing).
    Tencent,
    /// Alibaba Cloud SMS (`SendSms` 2017-05-25, ACS3-HMAC-SHA256 signing).
    Aliyun,
}

/// Seconds a provider may take to answer one message before it is tried again later.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// The longest `--sms-timeout-secs`: the dispatcher gives up on a send after this long
/// (`messages::SEND_TIMEOUT`) and retries later, so a provider allowed longer would be
/// cut off while it might still deliver, and the retry would text the holder twice.
pub const MOST_TIMEOUT_SECS: u64 = 30;
/// Tencent Cloud's SMS regions are ap-guangzhou, ap-beijing and ap-nanjing.
pub const DEFAULT_TENCENT_REGION: &str = "ap-guangzhou";

/// The provider settings.
#[derive(Debug, Clone, Args)]
pub struct SmsConfig {
    /// Who carries text messages: `none` (default), `log`, `webhook`, `tencent`, `aliyun`.
    #[arg(long = "sms-provider", env = "LABDAY_SMS_PROVIDER", value_enum, default_value_t = ProviderKind::None)]
    pub provider: ProviderKind,
    /// With `--sms-provider log`: the file each message is appended to as a JSON line.
    #[arg(long, env = "LABDAY_SMS_LOG_FILE")]
    pub sms_log_file: Option<PathBuf>,
    /// Seconds to wait for the provider's answer to one message (1–30); a message not
    /// answered in time is tried again later.
    #[arg(long, env = "LABDAY_SMS_TIMEOUT_SECS", default_value_t = DEFAULT_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=MOST_TIMEOUT_SECS))]
    pub sms_timeout_secs: u64,
    /// A PEM file of certificate authorities to trust besides the built-in public ones (a
    /// bureau gateway's or private endpoint's own CA).
    #[arg(long, env = "LABDAY_SMS_CA_FILE")]
    pub sms_ca_file: Option<PathBuf>,
    /// With `--sms-provider webhook`: the gateway's URL (http or https).
    #[arg(long, env = "LABDAY_SMS_WEBHOOK_URL")]
    pub sms_webhook_url: Option<String>,
    /// With `--sms-provider webhook`: the secret shared with the gateway (at least 32
    /// characters) that signs each request.
    #[arg(long, env = "LABDAY_SMS_WEBHOOK_SECRET", hide_env_values = true)]
    pub sms_webhook_secret: Option<Secret>,
    /// With a cloud provider: the API key's id (Tencent SecretId, Alibaba AccessKey ID).
    #[arg(long, env = "LABDAY_SMS_SECRET_ID")]
    pub sms_secret_id: Option<String>,
    /// With a cloud provider: the API key's secret (Tencent SecretKey, Alibaba AccessKey
    /// secret).
    #[arg(long, env = "LABDAY_SMS_SECRET_KEY", hide_env_values = true)]
    pub sms_secret_key: Option<Secret>,
    /// With `--sms-provider tencent`: the SMS application's SdkAppId.
    #[arg(long, env = "LABDAY_SMS_APP_ID")]
    pub sms_app_id: Option<String>,
    /// With a cloud provider: the approved signature (签名) shown at the start of each message.
    #[arg(long, env = "LABDAY_SMS_SIGN_NAME")]
    pub sms_sign_name: Option<String>,
    /// With `--sms-provider tencent`: the region the API is called in.
    #[arg(long, env = "LABDAY_SMS_REGION", default_value = DEFAULT_TENCENT_REGION)]
    pub sms_region: String,
    /// With a cloud provider: the approved template id of each message kind, as
    /// `kind=id` pairs separated by commas; `kind.en=id` picks a template for messages in
    /// English (e.g. `booking_confirmed=1234,booking_confirmed.en=1235,reminder=5678`).
    #[arg(long, env = "LABDAY_SMS_TEMPLATES", default_value = "", value_parser = Templates::parse)]
    pub sms_templates: Templates,
    /// With a cloud provider: another API address than the provider's public one (a private
    /// endpoint, or a stand-in in tests).
    #[arg(long, env = "LABDAY_SMS_ENDPOINT")]
    pub sms_endpoint: Option<String>,
}

impl Default for SmsConfig {
    fn default() -> SmsConfig {
        SmsConfig {
            provider: ProviderKind::None,
            sms_log_file: None,
            sms_timeout_secs: DEFAULT_TIMEOUT_SECS,
            sms_ca_file: None,
            sms_webhook_url: None,
            sms_webhook_secret: None,
            sms_secret_id: None,
            sms_secret_key: None,
            sms_app_id: None,
            sms_sign_name: None,
            sms_region: DEFAULT_TENCENT_REGION.to_string(),
            sms_templates: Templates::default(),
            sms_endpoint: None,
        }
    }
}

impl SmsConfig {
    /// Why messages of `kind` could not be sent with these settings: a cloud provider with no
    /// approved template for it in one of the languages. `None` when they can (or when
    /// nothing is sent anyway).
    pub fn missing_template(&self, kind: MessageKind) -> Option<String> {
        if !matches!(self.provider, ProviderKind::Tencent | ProviderKind::Aliyun) {
            return None;
        }
        let missing: Vec<&str> = [Lang::Zh, Lang::En]
            .into_iter()
            .map(Lang::as_str)
            .filter(|lang| {
                self.sms_templates
                    .for_message(kind.as_str(), lang)
                    .is_none()
            })
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "--sms-templates (LABDAY_SMS_TEMPLATES) has no template for `{}` in {}",
                kind.as_str(),
                missing.join(" and ")
            )
        })
    }

    /// The configured provider, or why it cannot be built (the missing or wrong setting,
    /// named by its flag and environment variable).
    pub fn provider(&self) -> Result<Arc<dyn Provider>, String> {
        let timeout = Duration::from_secs(self.sms_timeout_secs);
        let client = || http::client(timeout, self.sms_ca_file.as_deref());
        match self.provider {
            ProviderKind::None => Ok(Arc::new(Nobody)),
            ProviderKind::Log => Ok(Arc::new(log::LogFile::new(self.sms_log_file.clone()))),
            ProviderKind::Webhook => {
                let with = "with --sms-provider webhook";
                let url = required(
                    &self.sms_webhook_url,
                    "--sms-webhook-url",
                    "LABDAY_SMS_WEBHOOK_URL",
                    with,
                )?;
                let url = http::parse_url(url, "--sms-webhook-url")?;
                if url.scheme() == "http" {
                    tracing::warn!(
                        "--sms-webhook-url is http://: phones and texts cross the network unencrypted; \
                         use https:// unless the gateway is on this machine or a private network"
                    );
                }
                let secret = required(
                    &self.sms_webhook_secret,
                    "--sms-webhook-secret",
                    "LABDAY_SMS_WEBHOOK_SECRET",
                    with,
                )?;
                if secret.0.chars().count() < webhook::SHORTEST_SECRET {
                    return Err(format!(
                        "--sms-webhook-secret (LABDAY_SMS_WEBHOOK_SECRET) must be at least {} characters long",
                        webhook::SHORTEST_SECRET
                    ));
                }
                Ok(Arc::new(webhook::Webhook::new(
                    url,
                    secret.clone(),
                    client()?,
                )))
            }
            ProviderKind::Tencent => {
                let with = "with --sms-provider tencent";
                let account = self.cloud_account(with, tencent::ENDPOINT)?;
                let app_id = required(&self.sms_app_id, "--sms-app-id", "LABDAY_SMS_APP_ID", with)?;
                if self.sms_region.trim().is_empty() {
                    return Err(format!(
                        "--sms-region (LABDAY_SMS_REGION) must not be empty {with}"
                    ));
                }
                Ok(Arc::new(tencent::Tencent::new(
                    account,
                    app_id.clone(),
                    self.sms_region.trim().to_string(),
                    client()?,
                )))
            }
            ProviderKind::Aliyun => {
                let account = self.cloud_account("with --sms-provider aliyun", aliyun::ENDPOINT)?;
                Ok(Arc::new(aliyun::Aliyun::new(account, client()?)))
            }
        }
    }

    /// What every cloud provider needs: a key, a sign name, templates and the API address.
    fn cloud_account(&self, with: &str, default_endpoint: &str) -> Result<CloudAccount, String> {
        let secret_id = required(
            &self.sms_secret_id,
            "--sms-secret-id",
            "LABDAY_SMS_SECRET_ID",
            with,
        )?;
        let secret_key = required(
            &self.sms_secret_key,
            "--sms-secret-key",
            "LABDAY_SMS_SECRET_KEY",
            with,
        )?;
        let sign_name = required(
            &self.sms_sign_name,
            "--sms-sign-name",
            "LABDAY_SMS_SIGN_NAME",
            with,
        )?;
        if self.sms_templates.is_empty() {
            return Err(format!(
                "--sms-templates (LABDAY_SMS_TEMPLATES) must name a template id for each message kind {with}, \
                 e.g. booking_confirmed=1234,reminder=5678"
            ));
        }
        let endpoint = http::parse_url(
            self.sms_endpoint.as_deref().unwrap_or(default_endpoint),
            "--sms-endpoint",
        )?;
        Ok(CloudAccount {
            secret_id: secret_id.trim().to_string(),
            secret_key: secret_key.clone(),
            sign_name: sign_name.trim().to_string(),
            templates: self.sms_templates.clone(),
            host: http::host_header(&endpoint),
            endpoint,
        })
    }
}

/// A cloud SMS account as the settings give it.
pub struct CloudAccount {
    pub secret_id: String,
    pub secret_key: Secret,
    /// The approved signature (签名).
    pub sign_name: String,
    pub templates: Templates,
    pub endpoint: reqwest::Url,
    /// The `Host` header as sent and signed.
    pub host: String,
}

impl CloudAccount {
    /// The approved template for this message, or a refusal naming the kind without one.
    pub fn template(&self, sms: &Sms<'_>) -> Result<&str, SendError> {
        self.templates
            .for_message(sms.kind, sms.lang)
            .ok_or_else(|| {
                SendError::Refused(format!(
                    "--sms-templates has no template for `{}`",
                    sms.kind
                ))
            })
    }
}

/// A setting that must be there for the chosen provider.
fn required<'a, T: AsRef<str>>(
    value: &'a Option<T>,
    flag: &str,
    env: &str,
    with: &str,
) -> Result<&'a T, String> {
    match value {
        Some(value) if !value.as_ref().trim().is_empty() => Ok(value),
        _ => Err(format!("{flag} ({env}) is missing {with}")),
    }
}

/// A secret from the command line or the environment: never printed by `Debug`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Secret, Self::Err> {
        Ok(Secret(text.to_string()))
    }
}

impl AsRef<str> for Secret {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The approved template id of each message kind (and, optionally, of each kind in one
/// language), as `--sms-templates` gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates(BTreeMap<String, String>);

impl Templates {
    /// `kind=id` or `kind.lang=id` pairs separated by commas; spaces around them are ignored.
    pub fn parse(text: &str) -> Result<Templates, String> {
        let mut templates = BTreeMap::new();
        for pair in text
            .split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
        {
            let Some((kind, id)) = pair.split_once('=') else {
                return Err(format!("`{pair}` is not kind=template-id"));
            };
            let (kind, id) = (kind.trim(), id.trim());
            let name_ok =
                |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            let kind_ok = match kind.split_once('.') {
                Some((kind, lang)) => name_ok(kind) && matches!(lang, "zh" | "en"),
                None => name_ok(kind),
            };
            if !kind_ok {
                return Err(format!(
                    "`{kind}` is not a message kind (lower-case letters and _, optionally .zh or .en)"
                ));
            }
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(format!(
                    "`{id}` is not a template id (letters, digits, - and _)"
                ));
            }
            if templates.insert(kind.to_string(), id.to_string()).is_some() {
                return Err(format!("`{kind}` is given two templates"));
            }
        }
        Ok(Templates(templates))
    }

    /// The template for a message of `kind` in `lang`: the language's own if given, else the
    /// kind's; without either, that of the kind it falls back to
    /// ([`MessageKind::falls_back_to`]).
    pub fn for_message(&self, kind: &str, lang: &str) -> Option<&str> {
        self.0
            .get(&format!("{kind}.{lang}"))
            .or_else(|| self.0.get(kind))
            .map(String::as_str)
            .or_else(|| {
                let fallback = MessageKind::parse(kind)?.falls_back_to()?;
                self.for_message(fallback.as_str(), lang)
            })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `none`: nothing leaves the server.
pub struct Nobody;

#[async_trait]
impl Provider for Nobody {
    fn name(&self) -> &'static str {
        "none"
    }
    fn delivers(&self) -> bool {
        false
    }
    async fn send(&self, _: &Sms<'_>) -> Result<(), SendError> {
        Err(SendError::Refused("no SMS provider is configured".into()))
    }
}

pub mod aliyun;
mod http;
pub mod log;
pub mod tencent;
pub mod webhook;

#[cfg(test)]
mod template_tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Settings {
        #[command(flatten)]
        sms: SmsConfig,
    }

    fn settings(args: &[&str]) -> SmsConfig {
        Settings::parse_from(std::iter::once("labday").chain(args.iter().copied())).sms
    }

    #[test]
    fn a_cloud_provider_needs_a_template_for_each_kind_it_sends() {
        let code = MessageKind::VerificationCode;
        let tencent = |templates: &str| {
            settings(&["--sms-provider", "tencent", "--sms-templates", templates])
        };
        let none = tencent("booking_confirmed=1").missing_template(code);
        assert!(none.is_some_and(|why| why.contains("`verification_code` in zh and en")));
        let english = tencent("verification_code.zh=7").missing_template(code);
        assert!(english.is_some_and(|why| why.ends_with("in en")));
        assert_eq!(tencent("verification_code=7").missing_template(code), None);
        assert_eq!(
            tencent("verification_code.zh=7,verification_code.en=8").missing_template(code),
            None
        );
        // Providers without templates send any kind.
        for provider in ["log", "webhook", "none"] {
            let other = settings(&["--sms-provider", provider]);
            assert_eq!(other.missing_template(code), None, "{provider}");
        }
    }

    #[test]
    fn a_walk_ins_message_takes_its_own_template_or_else_the_confirmations() {
        let walk_in = MessageKind::WalkInCheckedIn.as_str();
        let templates = |list: &str| Templates::parse(list).unwrap();
        let older = templates("booking_confirmed=11,booking_confirmed.en=12");
        assert_eq!(older.for_message(walk_in, "zh"), Some("11"));
        assert_eq!(older.for_message(walk_in, "en"), Some("12"));
        let own = templates("booking_confirmed=11,walk_in_checked_in=21");
        assert_eq!(own.for_message(walk_in, "en"), Some("21"));
        assert_eq!(own.for_message("booking_confirmed", "zh"), Some("11"));
        // Other kinds fall back to nothing.
        assert_eq!(own.for_message("reminder", "zh"), None);
    }
}
