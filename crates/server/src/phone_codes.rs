//! Verified phones (`--verify-phones`): sending a code to a phone, against SMS bombing
//! (one code a minute per phone; per-phone and per-client limits per hour and per day,
//! counted in the database so every server process shares them), exchanging the right code
//! for a token, and the check that bookings and sample registrations make. Off by default:
//! then nothing here runs and the forms ask for no code.

use crate::client::ClientAddr;
use crate::error::{AppError, Refusal};
use crate::state::AppState;
use crate::storage::phone_codes::Tried;
use crate::storage::Storage;
use crate::throttle::{Rule, Throttle};
use chrono::{Duration, Utc};
use clap::Args;
use labday_domain::message::Lang;
use labday_domain::phone_code::{
    self, PhoneCode, PER_PHONE_PER_DAY, PER_PHONE_PER_HOUR, RESEND_AFTER_SECS, TOKEN_LIFETIME_SECS,
};
use labday_domain::{ApiError, ErrorCode, FieldCode, Phone};
use rand::RngCore;
use std::sync::Arc;
use std::time::Duration as StdDuration;

/// The verified-phone settings.
#[derive(Debug, Clone, Args)]
pub struct PhoneCodeConfig {
    /// Bookings and sample registrations need a 6-digit code texted to the phone, and
    /// "my bookings" finds every booking and sample of a phone by such a code. Needs an
    /// `--sms-provider` that delivers.
    #[arg(long, env = "LABDAY_VERIFY_PHONES")]
    pub verify_phones: bool,
    /// Seconds a code is good for (five minutes unless shortened; 2–300).
    #[arg(long, env = "LABDAY_PHONE_CODE_LIFETIME_SECS", default_value_t = phone_code::CODE_LIFETIME_SECS, value_parser = clap::value_parser!(u32).range(2..=300))]
    pub phone_code_lifetime_secs: u32,
    /// Codes one client address may ask for per hour, whatever the phones (many citizens
    /// may share a carrier's address: keep it generous)…
    #[arg(long, env = "LABDAY_PHONE_CODES_PER_CLIENT_HOUR", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub phone_codes_per_client_hour: u32,
    /// …and per day.
    #[arg(long, env = "LABDAY_PHONE_CODES_PER_CLIENT_DAY", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub phone_codes_per_client_day: u32,
}

impl Default for PhoneCodeConfig {
    fn default() -> Self {
        PhoneCodeConfig {
            verify_phones: false,
            phone_code_lifetime_secs: phone_code::CODE_LIFETIME_SECS,
            phone_codes_per_client_hour: 30,
            phone_codes_per_client_day: 200,
        }
    }
}

const HOUR: StdDuration = StdDuration::from_secs(3600);
const DAY: StdDuration = StdDuration::from_secs(86_400);
const RESEND: Rule =
    Rule::new("phone-code/resend", 1).within(StdDuration::from_secs(RESEND_AFTER_SECS as u64));
const PHONE_HOUR: Rule = Rule::new("phone-code/phone-hour", PER_PHONE_PER_HOUR).within(HOUR);
const PHONE_DAY: Rule = Rule::new("phone-code/phone-day", PER_PHONE_PER_DAY).within(DAY);

/// Verified phones as the handlers use them.
pub struct PhoneVerification {
    config: PhoneCodeConfig,
    throttle: Arc<Throttle>,
}

impl PhoneVerification {
    pub fn new(config: PhoneCodeConfig, throttle: Arc<Throttle>) -> PhoneVerification {
        PhoneVerification { config, throttle }
    }

    pub fn on(&self) -> bool {
        self.config.verify_phones
    }

    fn lifetime(&self) -> Duration {
        Duration::seconds(i64::from(self.config.phone_code_lifetime_secs))
    }

    /// Sends a fresh code to `phone`, unless one went less than a minute ago or a limit of
    /// the phone or of the client is reached (429 with `Retry-After`, the field saying
    /// which).
    pub async fn send(
        &self,
        storage: &dyn Storage,
        phone: &Phone,
        lang: Lang,
        client: &ClientAddr,
    ) -> Result<phone_code::CodeSent, Refusal> {
        // Counted under the phone's keyed hash, never a plain digest of the number.
        let phone_key = storage.keyed_hash().phone(phone.as_str());
        let client_key = client.key();
        let resend = self
            .throttle
            .attempt(&[(RESEND, &phone_key)], "A code was sent a moment ago")
            .await
            .map_err(|r| with_field(r, FieldCode::PhoneCodeTooSoon))?;
        let client_hour = Rule::new(
            "phone-code/client-hour",
            self.config.phone_codes_per_client_hour,
        )
        .within(HOUR);
        let client_day = Rule::new(
            "phone-code/client-day",
            self.config.phone_codes_per_client_day,
        )
        .within(DAY);
        let limits = self
            .throttle
            .attempt(
                &[
                    (PHONE_HOUR, &phone_key),
                    (PHONE_DAY, &phone_key),
                    (client_hour, &client_key),
                    (client_day, &client_key),
                ],
                "Too many codes asked for; try again later",
            )
            .await;
        let limits = match limits {
            Ok(counted) => counted,
            Err(refused) => {
                // No code goes: the minute's wait does not start either.
                resend.succeeded().await;
                return Err(with_field(refused, FieldCode::PhoneCodeLimit));
            }
        };
        let code = PhoneCode::from_number(uniform_below_a_million());
        let sent = storage
            .issue_phone_code(phone, &code, lang, Utc::now().naive_utc(), self.lifetime())
            .await;
        if let Err(e) = sent {
            resend.succeeded().await;
            limits.succeeded().await;
            return Err(AppError::from(e).into());
        }
        // Both stay counted: a code went out.
        resend.failed();
        limits.failed();
        tracing::info!("verification code written to the outbox");
        Ok(phone_code::CodeSent {
            resend_after_secs: RESEND_AFTER_SECS,
            expires_in_secs: self.config.phone_code_lifetime_secs,
        })
    }

    /// Exchanges the right code for a token good for [`TOKEN_LIFETIME_SECS`].
    pub async fn check(
        &self,
        storage: &dyn Storage,
        phone: &Phone,
        code: &PhoneCode,
    ) -> Result<phone_code::PhoneToken, AppError> {
        let token = fresh_token();
        let now = Utc::now().naive_utc();
        let until = now + Duration::seconds(i64::from(TOKEN_LIFETIME_SECS));
        match storage
            .try_phone_code(phone, code, &token, now, until)
            .await?
        {
            Tried::Verified => Ok(phone_code::PhoneToken {
                token,
                expires_in_secs: TOKEN_LIFETIME_SECS,
            }),
            Tried::Wrong { tries_left } => Err(AppError(
                ApiError::new(
                    ErrorCode::Invalid,
                    format!("That is not the code sent to this phone ({tries_left} tries left)"),
                )
                .with_field(phone_code::FIELD, FieldCode::PhoneCodeWrong),
            )),
            Tried::Expired => Err(AppError(
                ApiError::new(
                    ErrorCode::Invalid,
                    "This code has expired or been used up: ask for a new one",
                )
                .with_field(phone_code::FIELD, FieldCode::PhoneCodeExpired),
            )),
        }
    }

    /// With verification on, whether `token` verifies `phone` now; a refusal naming the
    /// code field when not. Off, always fine.
    pub async fn require(
        &self,
        storage: &dyn Storage,
        phone: &Phone,
        token: Option<&str>,
    ) -> Result<(), AppError> {
        if !self.on() {
            return Ok(());
        }
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128);
        let Some(token) = token else {
            return Err(AppError(phone_code::verification_required()));
        };
        if storage
            .phone_token_good(phone, token, Utc::now().naive_utc())
            .await?
        {
            Ok(())
        } else {
            Err(AppError(phone_code::verification_required()))
        }
    }
}

/// What `state` says of `phone` with `token`: see [`PhoneVerification::require`].
pub async fn require(state: &AppState, phone: &Phone, token: Option<&str>) -> Result<(), AppError> {
    state
        .phone_codes
        .require(state.storage.as_ref(), phone, token)
        .await
}

fn with_field(mut refused: Refusal, field: FieldCode) -> Refusal {
    refused.error.0 = refused.error.0.with_field(phone_code::FIELD, field);
    refused
}

/// A number in 0..1,000,000 from the operating system's random source, every value equally
/// likely (draws past the last whole million are thrown away).
fn uniform_below_a_million() -> u32 {
    const ZONE: u32 = u32::MAX - (u32::MAX % 1_000_000);
    loop {
        let n = rand::rngs::OsRng.next_u32();
        if n < ZONE {
            return n % 1_000_000;
        }
    }
}

/// 32 random bytes as hex.
fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Deletes spent codes and erases their texts from the outbox every minute.
pub fn spawn_purge(storage: Arc<dyn Storage>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(StdDuration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match storage.purge_phone_codes(Utc::now().naive_utc()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "purged spent phone codes"),
                Err(e) => tracing::error!(error = %e, "purging phone codes failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_tokens_are_fresh_and_in_range() {
        let draws: Vec<u32> = (0..200).map(|_| uniform_below_a_million()).collect();
        assert!(draws.iter().all(|&n| n < 1_000_000));
        assert!(draws.windows(2).any(|w| w[0] != w[1]));
        let (a, b) = (fresh_token(), fresh_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn verification_is_off_by_default_and_its_flags_parse() {
        use clap::Parser;
        let cli = crate::config::Cli::try_parse_from(["labday-server"]).unwrap();
        assert!(!cli.config.phone_codes.verify_phones);
        assert_eq!(cli.config.phone_codes.phone_code_lifetime_secs, 300);
        let cli = crate::config::Cli::try_parse_from([
            "labday-server",
            "--verify-phones",
            "--phone-code-lifetime-secs",
            "120",
        ])
        .unwrap();
        assert!(cli.config.phone_codes.verify_phones);
        assert!(crate::config::Cli::try_parse_from([
            "labday-server",
            "--phone-code-lifetime-secs",
            "301"
        ])
        .is_err());
    }
}
