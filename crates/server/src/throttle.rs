//! Slowing down guessing and floods.
//!
//! [`Throttle`] guards every check a guesser could repeat: a booking or sample code with a
//! phone number, a staff password. An attempt is counted *before* the check runs (one atomic
//! statement in the database, `storage/throttles.rs`) and taken back only when the check
//! passes, so a burst of parallel attempts gets at most `limit` checks, and every server
//! process on one PostgreSQL database shares the counts. Keys are stored as keyed hashes
//! under the server secret (`keyed_hash.rs`), never as codes, usernames or addresses, nor as
//! plain digests of them, which trying every IPv4 address (or username) would undo.
//!
//! A staff password guess ([`Throttle::password`]) counts against the account from the
//! client's address, against the address over all accounts, and against the account over all
//! addresses, with a limit far above the first: one address guessing pauses itself, not the
//! holder signing in elsewhere, and guesses spread over many addresses stay bounded. An
//! account's counts also carry the account's keyed hash, so that an organiser who resets its
//! password or enables it forgets them all at once ([`Throttle::forget_account`]).
//!
//! [`RateLimit`] caps how often one client address may make bookings and sample
//! registrations. It is in memory, per server process: it sheds floods, it does not guard a
//! secret, and a database round trip per booking would slow every rush.

use crate::client::ClientAddr;
use crate::error::{AppError, Refusal};
use crate::keyed_hash::KeyedHash;
use crate::storage::Storage;
use labday_domain::ErrorCode;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How many attempts one key may make per window; the scope keeps keys of different
/// throttles apart (a code and a username may be the same text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    scope: &'static str,
    pub limit: u32,
    /// A window of its own rather than the throttle's (`--throttle-window-seconds`).
    window: Option<Duration>,
}

impl Rule {
    /// A rule allowing `limit` attempts per window, keyed under its own `scope`.
    pub const fn new(scope: &'static str, limit: u32) -> Self {
        Self {
            scope,
            limit,
            window: None,
        }
    }

    /// The same rule counting over `window` instead of the throttle's window.
    pub const fn within(self, window: Duration) -> Self {
        Self {
            window: Some(window),
            ..self
        }
    }
}

/// Wrong passwords for one staff account from one client address: that address pauses for
/// the account after five; the holder at another address is not held up.
pub const SIGN_IN_PER_ACCOUNT_CLIENT: Rule = Rule::new("sign-in/account-client", 5);
/// Wrong passwords for one staff account from every address together: guessing spread over
/// many addresses stays bounded, and keeping the holder out takes twenty addresses guessing
/// rather than one.
pub const SIGN_IN_PER_ACCOUNT: Rule = Rule::new("sign-in/account", 100);
// Far above one address's limit, or a few addresses would keep the holder out again.
const _: () = assert!(SIGN_IN_PER_ACCOUNT.limit >= 10 * SIGN_IN_PER_ACCOUNT_CLIENT.limit);
/// Wrong passwords from one client address, whatever the accounts (an office behind one
/// address mistypes now and then; a sprayer does not get far).
pub const SIGN_IN_PER_CLIENT: Rule = Rule::new("sign-in/client", 20);
/// Misses on one code: a few within the throttle's window (typos), and fewer than
/// [`GUESSES_A_DAY`] within a day, so that the 10,000 numbers a masked phone (`138****8000`,
/// as staff above a lab and a booking's page show it) or a sample's last four digits
/// leave open take years to try, not the weeks a code is kept: five every 15 minutes alone
/// would try them all in 21 days.
#[derive(Debug, Clone, Copy)]
pub struct CodeRules {
    pub window: Rule,
    pub day: Rule,
}

const DAY: Duration = Duration::from_secs(24 * 3600);
/// Misses a day on one code.
pub const GUESSES_A_DAY: u32 = 20;
/// The numbers one masked phone, or one sample's last four digits, leave open.
const LEFT_OPEN: u32 = 10_000;
const _: () = assert!(LEFT_OPEN / GUESSES_A_DAY >= 365);

/// Misses on one booking code, lookups, cancellations and moves together.
pub const BOOKING_CODE: CodeRules = CodeRules {
    window: Rule::new("booking/code", 5),
    day: Rule::new("booking/code-day", GUESSES_A_DAY).within(DAY),
};
/// Misses on one sample code, lookups and erasures together.
pub const SAMPLE_CODE: CodeRules = CodeRules {
    window: Rule::new("sample/code", 5),
    day: Rule::new("sample/code-day", GUESSES_A_DAY).within(DAY),
};
/// Misses from one client address on booking and sample lookups, whatever the codes.
pub const LOOKUP_CLIENT: Rule = Rule::new("lookup/client", 30);

/// The stored form of a key.
fn key_digest(keys: &KeyedHash, rule: Rule, value: &str) -> String {
    keys.throttle(rule.scope, value)
}

/// What a staff account's counts are known by (`throttles.account_digest`), under a scope
/// of its own: no rule's key.
fn account_digest(keys: &KeyedHash, username: &str) -> String {
    keys.throttle("staff-account", username)
}

/// The text [`SIGN_IN_PER_ACCOUNT_CLIENT`] counts: the username and the client's key, kept
/// apart by a NUL, which neither holds.
fn account_from(username: &str, client: &ClientAddr) -> String {
    format!("{username}\0{}", client.key())
}

/// One count an attempt makes: the rule, the text it counts, and the staff account the
/// count belongs to when it is one of an account's.
struct Key<'a> {
    rule: Rule,
    value: &'a str,
    account: Option<&'a str>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Whole seconds until `ms` from `now`, at least one (a `Retry-After` of 0 invites a loop).
fn seconds_until(ms: i64, now: i64) -> u64 {
    let wait = ms.saturating_sub(now).max(0);
    u64::try_from(wait.saturating_add(999) / 1000)
        .unwrap_or(1)
        .max(1)
}

/// Throttles on checks a guesser could repeat, counted in the database.
pub struct Throttle {
    storage: Arc<dyn Storage>,
    window: Duration,
}

impl Throttle {
    /// `window`: how long attempts are remembered, from a key's first attempt.
    pub fn new(storage: Arc<dyn Storage>, window: Duration) -> Throttle {
        Throttle { storage, window }
    }

    /// Counts an attempt against each `(rule, key)`, in order, before the check it guards.
    /// Refused (429 with `Retry-After`, saying `message`) at the first key past its limit;
    /// then no key counts it.
    pub async fn attempt(
        &self,
        keys: &[(Rule, &str)],
        message: &'static str,
    ) -> Result<Attempt<'_>, Refusal> {
        let keys: Vec<Key> = keys
            .iter()
            .map(|&(rule, value)| Key {
                rule,
                value,
                account: None,
            })
            .collect();
        self.count(&keys, message).await
    }

    /// Counts a check of the password of staff account `username` from `client` (a sign-in,
    /// or a signed-in holder confirming theirs) before it runs: against the account from
    /// this address, the address over all accounts, and the account over all addresses.
    pub async fn password(
        &self,
        username: &str,
        client: &ClientAddr,
        message: &'static str,
    ) -> Result<Attempt<'_>, Refusal> {
        let from_client = account_from(username, client);
        let address = client.key();
        let keys = [
            Key {
                rule: SIGN_IN_PER_ACCOUNT_CLIENT,
                value: &from_client,
                account: Some(username),
            },
            Key {
                rule: SIGN_IN_PER_CLIENT,
                value: &address,
                account: None,
            },
            Key {
                rule: SIGN_IN_PER_ACCOUNT,
                value: username,
                account: Some(username),
            },
        ];
        self.count(&keys, message).await
    }

    /// [`Throttle::attempt`] of each key, its account's digest stored with its count.
    async fn count(&self, keys: &[Key<'_>], message: &'static str) -> Result<Attempt<'_>, Refusal> {
        let now = now_ms();
        let hashes = self.storage.keyed_hash();
        let mut counted = Vec::with_capacity(keys.len());
        let mut refused_until: Option<(i64, Duration)> = None;
        for &Key {
            rule,
            value,
            account,
        } in keys
        {
            let digest = key_digest(hashes, rule, value);
            let account = account.map(|username| account_digest(hashes, username));
            let window = rule.window.unwrap_or(self.window);
            let c = self
                .storage
                .count_attempt(&digest, account.as_deref(), rule.limit, millis(window), now)
                .await?;
            if c.attempts > i64::from(rule.limit) {
                refused_until = Some((c.window_ends_ms, window));
                break;
            }
            counted.push(digest);
        }
        let attempt = Attempt {
            throttle: self,
            counted,
        };
        match refused_until {
            None => Ok(attempt),
            Some((until, window)) => {
                attempt.succeeded().await;
                // Measured from now rather than from `now`: under load the count may have
                // waited for the database while a later attempt opened the window.
                let wait = seconds_until(until, now_ms()).min(window.as_secs().max(1));
                Err(Refusal::retry_after(
                    AppError::new(ErrorCode::TooManyRequests, message),
                    wait,
                ))
            }
        }
    }

    /// Counts a lookup (or a cancellation) by code against the code, under both of
    /// `code_rules`, and against the client, before the code is checked.
    pub async fn lookup(
        &self,
        code_rules: CodeRules,
        code: &str,
        client: &ClientAddr,
    ) -> Result<Attempt<'_>, Refusal> {
        let CodeRules { window, day } = code_rules;
        self.attempt(
            &[(window, code), (day, code), (LOOKUP_CLIENT, &client.key())],
            "Too many tries; wait a while before trying again",
        )
        .await
    }

    /// The right password for staff account `username` from `client`: the account's
    /// failures from that address are forgotten. Those from other addresses stay counted:
    /// they were not this client's.
    pub async fn signed_in(&self, username: &str, client: &ClientAddr) {
        let from_client = account_from(username, client);
        let digest = key_digest(
            self.storage.keyed_hash(),
            SIGN_IN_PER_ACCOUNT_CLIENT,
            &from_client,
        );
        if let Err(e) = self.storage.forget_attempts(&digest).await {
            tracing::warn!(error = %e, "could not clear a throttle");
        }
    }

    /// Forgets every failed password of staff account `username`, from every address: an
    /// organiser reset its password or enabled it, and its holder may sign in at once. When
    /// storage fails here the counts stay, and run out with their window.
    pub async fn forget_account(&self, username: &str) {
        let digest = account_digest(self.storage.keyed_hash(), username);
        if let Err(e) = self.storage.forget_account_attempts(&digest).await {
            tracing::warn!(error = %e, "could not clear an account's throttles");
        }
    }

    /// Deletes expired counts now and then, so the table holds only live windows.
    pub fn spawn_sweeper(self: Arc<Self>) {
        let every = self.window.max(Duration::from_secs(60));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = self.storage.sweep_attempts(now_ms()).await {
                    tracing::warn!(error = %e, "throttle sweep failed");
                }
            }
        });
    }
}

/// An attempt counted against its keys. Dropped, it stays counted: that is a failure.
#[must_use = "an attempt stays counted unless it succeeded"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    counted: Vec<String>,
}

impl Attempt<'_> {
    /// The check passed: the attempt no longer counts. When storage fails here the attempt
    /// stays counted, which errs on the safe side; the caller still gets its answer.
    pub async fn succeeded(self) {
        for digest in &self.counted {
            if let Err(e) = self.throttle.storage.release_attempt(digest).await {
                tracing::warn!(error = %e, "could not release a throttle attempt");
            }
        }
    }

    /// The check failed: the attempt stays counted.
    pub fn failed(self) {}

    /// Settles a lookup by what it found: a hit no longer counts, a miss stays counted.
    pub async fn settle<T>(self, found: Option<T>) -> Option<T> {
        match found {
            Some(_) => self.succeeded().await,
            None => self.failed(),
        }
        found
    }
}

/// Requests per client address per minute, in memory (see the module comment).
pub struct RateLimit {
    per_minute: u32,
    clients: Mutex<Clients>,
}

/// Each address's count in its current minute, and when finished minutes were last swept.
#[derive(Default)]
struct Clients {
    counts: HashMap<Option<IpAddr>, (u32, Instant)>,
    swept: Option<Instant>,
}

/// Past this many tracked addresses, finished minutes are swept before adding another.
const SWEEP_ABOVE: usize = 10_000;
const MINUTE: Duration = Duration::from_secs(60);

impl RateLimit {
    /// `per_minute` of 0 turns the limit off.
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit {
            per_minute,
            clients: Mutex::default(),
        }
    }

    /// Counts a request from `client`; refused (429 with `Retry-After`) past the limit.
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), Refusal> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        // At most one sweep a second: addresses that are all still in their minute would
        // otherwise make every request walk the whole map.
        let due = clients
            .swept
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if clients.counts.len() > SWEEP_ABOVE && due {
            clients
                .counts
                .retain(|_, (_, since)| now.duration_since(*since) < MINUTE);
            clients.swept = Some(now);
        }
        let (count, since) = clients.counts.entry(client).or_insert((0, now));
        if now.duration_since(*since) >= MINUTE {
            *count = 0;
            *since = now;
        }
        if *count >= self.per_minute {
            let wait = MINUTE.saturating_sub(now.duration_since(*since));
            return Err(Refusal::retry_after(
                AppError::new(
                    ErrorCode::TooManyRequests,
                    "Too many requests from this address; please wait a moment",
                ),
                wait.as_secs().max(1),
            ));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stored_as_digests_apart_per_scope() {
        let keys = KeyedHash::new(&crate::keyed_hash::ServerSecret::generate());
        let code = key_digest(&keys, BOOKING_CODE.window, "K7QM4XPB");
        assert_eq!(code.len(), 64);
        assert!(!code.contains("K7QM4XPB"));
        assert_ne!(code, key_digest(&keys, SAMPLE_CODE.window, "K7QM4XPB"));
        assert_ne!(code, key_digest(&keys, BOOKING_CODE.day, "K7QM4XPB"));
        assert_eq!(code, key_digest(&keys, BOOKING_CODE.window, "K7QM4XPB"));
    }

    #[test]
    fn an_accounts_counts_are_known_apart_from_every_key() {
        let keys = KeyedHash::new(&crate::keyed_hash::ServerSecret::generate());
        let account = account_digest(&keys, "lab-a");
        assert_eq!(account.len(), 64);
        assert_ne!(account, key_digest(&keys, SIGN_IN_PER_ACCOUNT, "lab-a"));
        let client = ClientAddr(Some("203.0.113.1".parse().unwrap()));
        assert_eq!(account_from("lab-a", &client), "lab-a\u{0}203.0.113.1");
    }

    #[test]
    fn retry_after_is_whole_seconds_and_never_zero() {
        assert_eq!(seconds_until(10_001, 0), 11);
        assert_eq!(seconds_until(5, 10), 1);
    }

    #[test]
    fn the_rate_limit_refuses_past_its_minute_and_is_per_client() {
        let limit = RateLimit::new(3);
        let a = Some("203.0.113.1".parse().unwrap());
        for _ in 0..3 {
            assert!(limit.check(a).is_ok());
        }
        let refused = limit.check(a).unwrap_err();
        assert_eq!(refused.error.0.code, ErrorCode::TooManyRequests);
        assert!(matches!(refused.retry_after, Some(1..=60)));
        assert!(limit.check(Some("203.0.113.2".parse().unwrap())).is_ok());
        let off = RateLimit::new(0);
        assert!((0..1000).all(|_| off.check(a).is_ok()), "0 is off");
    }
}
