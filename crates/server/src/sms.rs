//! Text messages to citizens: the one seam between the outbox (what to say, to whom, when;
//! `storage` and the dispatcher) and the provider that carries a message to a phone.
//!
//! A provider is chosen by `--sms-provider` (`none` by default: nothing is sent and the app
//! says so). Each provider's own settings are flags of [`SmsConfig`]. Providers never log a
//! phone number or a message text.

use async_trait::async_trait;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;

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
    /// `sample_result`, `verification_code`, `rescheduled`): template-based providers map it
    /// to a template id.
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
}

/// The provider settings.
#[derive(Debug, Clone, Default, Args)]
pub struct SmsConfig {
    /// Who carries text messages: `none` (default), `log`.
    #[arg(long = "sms-provider", env = "LABDAY_SMS_PROVIDER", value_enum, default_value_t = ProviderKind::None)]
    pub provider: ProviderKind,
    /// With `--sms-provider log`: the file each message is appended to as a JSON line.
    #[arg(long, env = "LABDAY_SMS_LOG_FILE")]
    pub sms_log_file: Option<PathBuf>,
}

impl SmsConfig {
    /// The configured provider, or why it cannot be built (a missing setting).
    pub fn provider(&self) -> Result<Arc<dyn Provider>, String> {
        match self.provider {
            ProviderKind::None => Ok(Arc::new(Nobody)),
            ProviderKind::Log => Ok(Arc::new(log::LogFile::new(self.sms_log_file.clone()))),
        }
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

pub mod log;
