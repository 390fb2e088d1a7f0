//! Configuration: command-line flags, each with an environment variable and a safe default.

use clap::{Args, Parser, Subcommand};
use labday_domain::booking::NoShowPolicy;
use labday_domain::privacy::PrivacyNotice;
use labday_domain::sample::Thresholds;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "labday-server",
    version,
    about = "labday: bookings for testing-lab open days"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the app (the default).
    Serve,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations (the first, top one has to come from here).
    #[command(subcommand)]
    Org(OrgCommand),
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation and print its id: the first, top one (usually the province
    /// bureau), or one under `--parent`. The console creates the rest.
    Add {
        /// `province-bureau`, `city-bureau`, `county-bureau`, `lab` or `institute`.
        #[arg(long)]
        kind: String,
        /// The name in Chinese.
        #[arg(long)]
        name_zh: String,
        /// The name in English.
        #[arg(long, default_value = "")]
        name_en: String,
        /// The city, in Chinese.
        #[arg(long, default_value = "")]
        city_zh: String,
        /// The bureau it sits under (none: at the top).
        #[arg(long)]
        parent: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from LABDAY_PASSWORD or, if unset, from
    /// the first line of standard input (so it never appears in the shell history).
    Add {
        /// 3–32 characters of a-z, 0-9, `.`, `_`, `-`.
        #[arg(long)]
        username: String,
        /// `organiser` (a bureau and everything under it) or `lab-staff` (one organisation).
        #[arg(long, default_value = "organiser")]
        role: String,
        /// The organisation a lab-staff account belongs to, or the bureau an organiser acts
        /// for (it must be a bureau). An organiser without one reaches every organisation.
        #[arg(long)]
        organisation: Option<i64>,
        /// Name shown in the console and the audit log.
        #[arg(long, default_value = "")]
        display_name: String,
    },
}

/// The longest period in days any setting may name (ten years): longer ones are typos, and
/// date arithmetic on them would overflow.
pub const MOST_DAYS: i64 = 3650;

/// The most no-shows the rule may wait for: more is a typo (and fits the API's int32).
pub const MOST_NO_SHOWS: i64 = 1000;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "LABDAY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// SQLite file path (or `sqlite://path`), or a PostgreSQL URL (`postgres://...`).
    #[arg(long, env = "DATABASE_URL", default_value = "./data/labday.db")]
    pub database: String,
    /// Folder with the built single-page app (Trunk's `dist`).
    #[arg(long, env = "LABDAY_DIST", default_value = "./dist")]
    pub dist: PathBuf,
    /// Portal origins allowed to embed the app and call the API, comma-separated
    /// (e.g. `https://www.jiangxi.gov.cn`). Default: none besides labday itself.
    #[arg(long, env = "LABDAY_PORTAL_ORIGINS", default_value = "", value_parser = crate::embedding::PortalOrigins::parse)]
    pub portal_origins: crate::embedding::PortalOrigins,
    /// Do not load the demo activities into an empty database.
    #[arg(long, env = "LABDAY_NO_DEMO_DATA")]
    pub no_demo_data: bool,
    /// Most people one phone number may book per day, across sessions.
    #[arg(long, env = "LABDAY_DAILY_LIMIT", default_value_t = 5)]
    pub daily_limit: u32,
    /// Days after a session ends before its bookings' names and phones are erased.
    #[arg(long, env = "LABDAY_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: i64,
    /// No-shows of one phone that pause its bookings (0–1000; any of these three at 0: no
    /// rule)…
    #[arg(long, env = "LABDAY_NO_SHOW_COUNT", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(0..=MOST_NO_SHOWS))]
    pub no_show_count: u32,
    /// …the first and the last at most this many days apart (0–3650)…
    #[arg(long, env = "LABDAY_NO_SHOW_WITHIN_DAYS", default_value_t = 180,
          value_parser = clap::value_parser!(i64).range(0..=MOST_DAYS))]
    pub no_show_within_days: i64,
    /// …for this many days after the latest (0–3650).
    #[arg(long, env = "LABDAY_NO_SHOW_BLOCK_DAYS", default_value_t = 60,
          value_parser = clap::value_parser!(i64).range(0..=MOST_DAYS))]
    pub no_show_block_days: i64,

    /// Enzyme-inhibition quick tests: an inhibition rate from this percentage up is
    /// suspicious (GB/T 5009.199-2003 instrument practice)…
    #[arg(long, env = "LABDAY_ENZYME_SUSPICIOUS_FROM", default_value_t = 40.0)]
    pub enzyme_suspicious_from: f64,

    /// …and from this percentage up positive.
    #[arg(long, env = "LABDAY_ENZYME_POSITIVE_FROM", default_value_t = 50.0)]
    pub enzyme_positive_from: f64,

    /// Reverse proxies allowed to name the client with `X-Forwarded-For` and the scheme with
    /// `X-Forwarded-Proto`: comma-separated IP addresses or CIDR blocks (`10.0.0.1,
    /// 172.16.0.0/12`). From any other peer those headers are ignored. Behind a proxy, list
    /// it here: otherwise every citizen shares the proxy's address in the throttles below.
    #[arg(long, env = "LABDAY_TRUSTED_PROXIES", default_value = "", value_parser = crate::client::TrustedProxies::parse)]
    pub trusted_proxies: crate::client::TrustedProxies,
    /// Staff password checks (argon2, 19 MiB each) run at once at most; more wait.
    #[arg(long, env = "LABDAY_ARGON2_PARALLELISM", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub argon2_parallelism: u16,
    /// Bookings and sample registrations one client address may make per minute (per
    /// server process); 0 turns the limit off. Generous by default, as many citizens share
    /// one carrier address; lower it to shed a flood during a rush.
    #[arg(long, env = "LABDAY_BOOKING_RATE_PER_MINUTE", default_value_t = 120)]
    pub booking_rate_per_minute: u32,
    /// Seconds a throttle remembers failed guesses (wrong phone for a booking or sample
    /// code: 5 per code, 30 per client address; wrong staff password: 5 per account, 20 per
    /// client address).
    #[arg(long, env = "LABDAY_THROTTLE_WINDOW_SECONDS", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..))]
    pub throttle_window_seconds: u64,
    /// Seconds a request may take before it is answered 503 with `Retry-After` (1–3600).
    #[arg(long, env = "LABDAY_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
    /// How clients may hold connections: time to send headers, connections at once.
    #[command(flatten)]
    pub connections: crate::connections::ConnectionConfig,
    /// Text messages to citizens: the provider and its settings.
    #[command(flatten)]
    pub sms: crate::sms::SmsConfig,
    /// The outbox: reminders, quiet hours, retries.
    #[command(flatten)]
    pub messages: crate::messages::MessageConfig,
    /// Verified phones: codes texted to a phone before it may book.
    #[command(flatten)]
    pub phone_codes: crate::phone_codes::PhoneCodeConfig,
}

impl Config {
    /// Defaults suitable for tests: a given database, the given dist, no demo data.
    pub fn for_tests(database: impl Into<String>, dist: impl Into<PathBuf>) -> Config {
        Config {
            bind: "127.0.0.1:0".parse().expect("valid address"),
            database: database.into(),
            dist: dist.into(),
            portal_origins: Default::default(),
            no_demo_data: true,
            daily_limit: 5,
            retention_days: 30,
            no_show_count: 3,
            no_show_within_days: 180,
            no_show_block_days: 60,
            enzyme_suspicious_from: 40.0,
            enzyme_positive_from: 50.0,
            trusted_proxies: Default::default(),
            argon2_parallelism: 2,
            // Tests send every request from 127.0.0.1, rushes included; a test of the
            // limit sets it.
            booking_rate_per_minute: 0,
            throttle_window_seconds: 900,
            request_timeout_secs: 30,
            connections: Default::default(),
            sms: Default::default(),
            messages: Default::default(),
            phone_codes: Default::default(),
        }
    }

    /// The retention period in days, or why it cannot be one: zero or less would erase
    /// bookings of sessions still to come, or never reach them.
    pub fn retention(&self) -> Result<i64, String> {
        if !(1..=MOST_DAYS).contains(&self.retention_days) {
            return Err(format!(
                "--retention-days (LABDAY_RETENTION_DAYS) must be between 1 and {MOST_DAYS}, not {}: \
                 names and phones are erased that many days after a session ends",
                self.retention_days
            ));
        }
        Ok(self.retention_days)
    }

    /// What the privacy notice on the forms promises: the retention period, how long a
    /// booking's phone hash outlives its session (the no-show window and pause, which a run of
    /// no-shows may need, and a day for time zones; the retention job deletes it then), and
    /// the no-show rule it is kept for.
    pub fn privacy_notice(&self) -> Result<PrivacyNotice, String> {
        let days = |d: i64| u32::try_from(d).map_err(|_| format!("{d} days is out of range"));
        Ok(PrivacyNotice {
            retention_days: days(self.retention()?)?,
            phone_digest_days: days(self.no_show_policy().reads_for_days() + 1)?,
            text_messages: self.sms.provider != crate::sms::ProviderKind::None,
            verify_phones: self.phone_codes.verify_phones,
            no_show_count: if self.no_show_policy().applies() {
                self.no_show_count
            } else {
                0
            },
            no_show_within_days: days(self.no_show_within_days)?,
            no_show_block_days: days(self.no_show_block_days)?,
            daily_limit: self.daily_limit,
        })
    }

    /// The enzyme-inhibition thresholds, or why the two settings do not fit together.
    pub fn enzyme_thresholds(&self) -> Result<Thresholds, String> {
        Thresholds::from_percent(self.enzyme_suspicious_from, self.enzyme_positive_from)
    }

    pub fn no_show_policy(&self) -> NoShowPolicy {
        NoShowPolicy {
            count: self.no_show_count,
            within_days: self.no_show_within_days,
            block_days: self.no_show_block_days,
        }
    }

    /// The database this configuration points at, chosen by the scheme of `--database`.
    pub fn database_location(&self) -> DatabaseLocation {
        let url = self.database.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return DatabaseLocation::Postgres(url.to_owned());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        DatabaseLocation::Sqlite(PathBuf::from(path))
    }
}

/// Where the data lives: a SQLite file owned by this process (the default), or a PostgreSQL
/// database that several processes may share.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseLocation {
    /// Never prints a PostgreSQL URL: it may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseLocation::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            DatabaseLocation::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_with_safe_defaults() {
        let cli = Cli::try_parse_from(["labday-server"]).unwrap();
        assert_eq!(cli.config.bind.to_string(), "127.0.0.1:8080");
        assert!(cli.config.portal_origins.0.is_empty());
        let cli = Cli::try_parse_from([
            "labday-server",
            "--portal-origins",
            "https://www.jiangxi.gov.cn,http://127.0.0.1:8092",
            "--daily-limit",
            "4",
        ])
        .unwrap();
        assert_eq!(
            cli.config.portal_origins.0,
            ["https://www.jiangxi.gov.cn", "http://127.0.0.1:8092"]
        );
        assert_eq!(cli.config.daily_limit, 4);
        assert_eq!(cli.config.request_timeout_secs, 30);
        assert!(
            Cli::try_parse_from(["labday-server", "--request-timeout-secs", "0"]).is_err(),
            "a request needs some time"
        );
        assert!(Cli::try_parse_from(["labday-server", "--portal-origins", "*"]).is_err());
        let no_shows = |n: &str| Cli::try_parse_from(["labday-server", "--no-show-count", n]);
        assert_eq!(no_shows("1000").unwrap().config.no_show_count, 1000);
        assert!(
            no_shows("1001").is_err(),
            "a typo, past the API's int32 too"
        );
        assert!(no_shows("4294967296").is_err());
        assert!(no_shows("-1").is_err());
        assert_eq!(
            cli.config.enzyme_thresholds(),
            Ok(Thresholds::default()),
            "40 % / 50 % unless set"
        );
        let cli = Cli::try_parse_from([
            "labday-server",
            "--enzyme-suspicious-from",
            "60",
            "--enzyme-positive-from",
            "55",
        ])
        .unwrap();
        assert!(
            cli.config.enzyme_thresholds().is_err(),
            "suspicious above positive"
        );
    }

    #[test]
    fn throttle_settings_parse_and_refuse_nonsense() {
        let cli = Cli::try_parse_from(["labday-server"]).unwrap();
        assert_eq!(
            cli.config.trusted_proxies,
            Default::default(),
            "trust nobody"
        );
        assert_eq!(
            (
                cli.config.booking_rate_per_minute,
                cli.config.argon2_parallelism
            ),
            (120, 2)
        );
        let cli = Cli::try_parse_from(["labday-server", "--sms-timeout-secs", "30"]).unwrap();
        assert_eq!(cli.config.sms.sms_timeout_secs, 30);
        let cli = Cli::try_parse_from([
            "labday-server",
            "--trusted-proxies",
            "10.0.0.5,172.16.0.0/12",
            "--booking-rate-per-minute",
            "0",
        ])
        .unwrap();
        assert!(cli
            .config
            .trusted_proxies
            .contains("172.20.1.1".parse().unwrap()));
        assert_eq!(cli.config.booking_rate_per_minute, 0);
        for bad in [
            ["--trusted-proxies", "proxy.example"],
            ["--argon2-parallelism", "0"],
            ["--throttle-window-seconds", "0"],
            // Longer than the dispatcher waits for a send: cut off, then sent twice.
            ["--sms-timeout-secs", "31"],
            ["--sms-timeout-secs", "0"],
        ] {
            let args = std::iter::once("labday-server").chain(bad);
            assert!(Cli::try_parse_from(args).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_retention_of_zero_or_less_is_refused_with_the_setting_named() {
        let retention = |days: &str| {
            let flag = format!("--retention-days={days}");
            Cli::try_parse_from(["labday-server", flag.as_str()])
                .unwrap()
                .config
                .retention()
        };
        assert_eq!(retention("30"), Ok(30));
        assert_eq!(retention("1"), Ok(1));
        for days in ["0", "-5"] {
            let why = retention(days).unwrap_err();
            assert!(
                why.contains("--retention-days") && why.contains(days),
                "{why}"
            );
        }
    }
}
