//! Delivering the outbox: a dispatcher task that claims due messages (several server
//! processes share the work: a claim is a lease, and PostgreSQL's `SKIP LOCKED` keeps two
//! processes off one row), hands each to the configured SMS provider and records how it
//! went, retrying with backoff; and a reminder job that writes each booking's reminder when
//! it falls due. Delivery is at least once: a process that dies between a provider's
//! acceptance and the record leaves the lease to run out, and the message goes again with
//! the same key, which a provider may use to drop the second.

use crate::sms::{Provider, SendError, Sms};
use crate::storage::outbox::{Claimed, Delivery};
use crate::storage::Storage;
use chrono::{Duration, Utc};
use clap::Args;
use labday_domain::message::{retry_at, scrub_error, QuietHours, ReminderRule};
use std::sync::Arc;

/// The outbox's settings.
#[derive(Debug, Clone, Args)]
pub struct MessageConfig {
    /// Hours before a session its holders get a reminder (0: no reminders). A reminder
    /// that would fall in the quiet hours goes out the evening before them instead.
    #[arg(long, env = "LABDAY_REMINDER_HOURS_BEFORE", default_value_t = 24, value_parser = clap::value_parser!(u32).range(0..=336))]
    pub reminder_hours_before: u32,
    /// Venue hour (0–23) the quiet hours begin: no reminder is sent from then, and no
    /// failed message tried again…
    #[arg(long, env = "LABDAY_QUIET_HOURS_FROM", default_value_t = 21, value_parser = clap::value_parser!(u32).range(0..=23))]
    pub quiet_hours_from: u32,
    /// …until this venue hour (0–23); equal to the start: no quiet hours.
    #[arg(long, env = "LABDAY_QUIET_HOURS_UNTIL", default_value_t = 8, value_parser = clap::value_parser!(u32).range(0..=23))]
    pub quiet_hours_until: u32,
    /// Deliveries tried before a message is marked failed (waits double from 30 s to an
    /// hour between tries).
    #[arg(long, env = "LABDAY_MESSAGE_ATTEMPTS", default_value_t = labday_domain::message::DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub message_attempts: u32,
    /// Milliseconds between the dispatcher's looks at the outbox.
    #[arg(long, env = "LABDAY_OUTBOX_POLL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub outbox_poll_ms: u64,
    /// Seconds between runs of the reminder job.
    #[arg(long, env = "LABDAY_REMINDER_EVERY_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub reminder_every_secs: u64,
}

impl Default for MessageConfig {
    fn default() -> Self {
        MessageConfig {
            reminder_hours_before: 24,
            quiet_hours_from: 21,
            quiet_hours_until: 8,
            message_attempts: labday_domain::message::DEFAULT_MAX_ATTEMPTS,
            outbox_poll_ms: 1000,
            reminder_every_secs: 60,
        }
    }
}

impl MessageConfig {
    /// The reminder rule, or `None` when reminders are off.
    pub fn reminder_rule(&self) -> Result<Option<ReminderRule>, String> {
        let quiet = self.quiet_hours()?;
        Ok((self.reminder_hours_before > 0).then_some(ReminderRule {
            hours_before: self.reminder_hours_before,
            quiet,
        }))
    }

    /// The venue hours when no reminder goes and no retry is made.
    pub fn quiet_hours(&self) -> Result<QuietHours, String> {
        QuietHours::new(self.quiet_hours_from, self.quiet_hours_until)
    }

    /// How the dispatcher tries again.
    pub fn retries(&self) -> Retries {
        Retries {
            attempts: self.message_attempts,
            quiet: self.quiet_hours().unwrap_or_default(),
        }
    }
}

/// How the dispatcher tries again: tries in all, and the venue's quiet hours that a retry
/// waits out.
#[derive(Debug, Clone, Copy)]
pub struct Retries {
    pub attempts: u32,
    pub quiet: QuietHours,
}

/// How long a claim holds a message: longer than any send may take ([`SEND_TIMEOUT`]), so
/// nobody else sends it meanwhile.
const LEASE_SECS: i64 = 120;
/// A provider that has not answered by then is treated as a temporary failure: longer than
/// the longest timeout a provider may be given (`--sms-timeout-secs`), by a margin for the
/// connection and the answer's reading, so the provider's own timeout answers first.
const SEND_TIMEOUT: std::time::Duration =
    std::time::Duration::from_secs(crate::sms::MOST_TIMEOUT_SECS + 5);
/// Messages claimed at once: few enough that sending them one after another, each taking
/// up to [`SEND_TIMEOUT`], ends well inside the lease. A longer batch would let the lease of
/// its last messages run out while they still wait their turn, and another process would
/// claim and send them too.
const CLAIM_MOST: i64 = 3;
const _: () = assert!(CLAIM_MOST * (SEND_TIMEOUT.as_secs() as i64) < LEASE_SECS);

/// Starts the dispatcher and the reminder job. With a provider that delivers nothing
/// (`none`), messages are still written and stay unsent; only expiry runs.
pub fn spawn(storage: Arc<dyn Storage>, provider: Arc<dyn Provider>, config: &MessageConfig) {
    let rule = config.reminder_rule().ok().flatten();
    let retries = config.retries();
    let poll = std::time::Duration::from_millis(config.outbox_poll_ms);
    {
        let storage = storage.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                dispatch_once(storage.as_ref(), provider.as_ref(), retries).await;
            }
        });
    }
    if let Some(rule) = rule {
        let every = std::time::Duration::from_secs(config.reminder_every_secs);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match storage.enqueue_reminders(rule, Utc::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(reminders = n, "wrote reminders"),
                    Err(e) => tracing::error!(error = %e, "the reminder job failed"),
                }
            }
        });
    }
}

/// One look at the outbox: expire what is too late, then claim and send what is due
/// until nothing is left; how many were sent.
pub async fn dispatch_once(
    storage: &dyn Storage,
    provider: &dyn Provider,
    retries: Retries,
) -> u64 {
    let now = Utc::now().naive_utc();
    match storage.expire_messages(now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(messages = n, "messages expired unsent"),
        Err(e) => tracing::error!(error = %e, "expiring messages failed"),
    }
    if !provider.delivers() {
        return 0;
    }
    let mut sent = 0;
    loop {
        let now = Utc::now().naive_utc();
        let claimed = match storage
            .claim_messages(now, Duration::seconds(LEASE_SECS), CLAIM_MOST)
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::error!(error = %e, "claiming messages failed");
                return sent;
            }
        };
        if claimed.is_empty() {
            return sent;
        }
        for message in claimed {
            let (delivery, error) = deliver(provider, &message, retries).await;
            sent += u64::from(delivery == Delivery::Sent);
            if let Err(e) = storage
                .record_delivery(
                    message.id,
                    delivery,
                    error.as_deref(),
                    Utc::now().naive_utc(),
                )
                .await
            {
                // The lease runs out and the message is tried again: at least once.
                tracing::error!(error = %e, key = %message.key, "recording a delivery failed");
            }
        }
    }
}

/// Sends one claimed message; how it went and the error to keep (scrubbed).
async fn deliver(
    provider: &dyn Provider,
    message: &Claimed,
    retries: Retries,
) -> (Delivery, Option<String>) {
    let Some(phone) = message.phone.as_deref() else {
        return (Delivery::Failed, Some("holder erased".into()));
    };
    let sms = Sms {
        key: &message.key,
        phone,
        lang: message.lang.as_str(),
        kind: message.kind.as_str(),
        params: &message.params,
        text: &message.text,
    };
    let outcome = match tokio::time::timeout(SEND_TIMEOUT, provider.send(&sms)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(SendError::Retry(
            "the provider did not answer in time".into(),
        )),
    };
    match outcome {
        Ok(()) => {
            tracing::info!(kind = sms.kind, key = sms.key, "message sent");
            (Delivery::Sent, None)
        }
        Err(SendError::Retry(e)) if message.attempts < retries.attempts => {
            let error = scrub_error(&e);
            tracing::warn!(kind = sms.kind, key = sms.key, attempt = message.attempts, error = %error, "message not delivered; will retry");
            (Delivery::Retry(next_try(message, retries)), Some(error))
        }
        Err(e) => {
            let error = scrub_error(&e.to_string());
            tracing::warn!(kind = sms.kind, key = sms.key, error = %error, "message failed");
            (Delivery::Failed, Some(error))
        }
    }
}

/// When to try `message` again (UTC): the backoff, out of the venue's quiet hours.
fn next_try(message: &Claimed, retries: Retries) -> chrono::NaiveDateTime {
    let offset = Duration::minutes(message.utc_offset_minutes);
    let venue_now = Utc::now().naive_utc() + offset;
    let at = retry_at(
        message.kind,
        message.attempts,
        venue_now,
        message.expires_at + offset,
        retries.quiet,
    );
    at - offset
}
