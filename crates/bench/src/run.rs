//! One run of one configuration (a database and a number of connections): a fresh database,
//! the server started on it, the same clients through every phase for the same duration,
//! the server's, PostgreSQL's and the generator's CPU read around each phase, and the
//! database checked after every phase that booked.
//!
//! The phases, in order, each `--seconds` long:
//! 1. **no-op**: `GET /api/v1/health`, the baseline every rate is compared with;
//! 2. **browse**: the activity list and sessions' availability, from a cache nothing
//!    invalidates;
//! 3. **rush**: every client books, one distinct booking per request, for the whole phase;
//! 4. **browse during a rush**: one client in ten books while the others read, so bookings
//!    keep invalidating the catalogue cache the reads come from;
//! 5. **open loop at 50 % and 90 %** of this run's rush rate: bookings due on a timetable,
//!    timed from when they were due;
//! 6. on PostgreSQL, a **long rush** (`--long-rush`, 60 s): does the rate hold as the table
//!    grows?
//!
//! The bookings table keeps every booking of the run, so each booking phase starts on a
//! larger table than the one before.
//!
//! `postgres-2` runs the same phases against two server processes on one PostgreSQL
//! database, half the clients on each, as a second instance behind a load balancer
//! would be: CPU is both processes', memory the larger peak.

use crate::check::{self, Answered, Check};
use crate::cpu::{Meter, Spent};
use crate::load;
use crate::outcome::Outcome;
use crate::server;
use crate::workload::{Mix, Workload};
use crate::Options;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// What `--databases` may name: SQLite, PostgreSQL behind one server, and PostgreSQL
/// behind two server processes that share its database.
pub const DATABASES: [&str; 3] = ["sqlite", "postgres", "postgres-2"];

/// Whether `database` is one of the PostgreSQL configurations.
pub fn on_postgres(database: &str) -> bool {
    database.starts_with("postgres")
}

/// How many server processes a run on `database` starts. SQLite is one server's own file
/// (its writer queue is in the process), so only PostgreSQL is run behind two.
pub fn servers(database: &str) -> usize {
    if database == "postgres-2" {
        2
    } else {
        1
    }
}

/// The open-loop rates, as shares of the run's measured rush rate.
pub const OPEN_LOOP_PERCENT: [u32; 2] = [50, 90];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Noop,
    Browse,
    Rush,
    BrowseDuringRush,
    /// Bookings at this percentage of the run's rush rate.
    OpenLoop(u32),
    LongRush,
}

impl Phase {
    pub fn name(self) -> String {
        match self {
            Phase::Noop => "no-op".into(),
            Phase::Browse => "browse".into(),
            Phase::Rush => "rush".into(),
            Phase::BrowseDuringRush => "browse during a rush".into(),
            Phase::OpenLoop(p) => format!("open loop at {p} %"),
            Phase::LongRush => "long rush".into(),
        }
    }

    /// The phases of a run on `database`.
    pub fn plan(database: &str, options: &Options) -> Vec<Phase> {
        let mut plan = vec![
            Phase::Noop,
            Phase::Browse,
            Phase::Rush,
            Phase::BrowseDuringRush,
        ];
        plan.extend(OPEN_LOOP_PERCENT.map(Phase::OpenLoop));
        if on_postgres(database) && !options.long_rush.is_zero() {
            plan.push(Phase::LongRush);
        }
        plan
    }
}

/// One phase's figures.
#[derive(Debug, Clone)]
pub struct PhaseResult {
    pub phase: Phase,
    pub planned: Duration,
    pub seconds: f64,
    pub health: Option<Outcome>,
    pub read: Option<Outcome>,
    pub booking: Option<Outcome>,
    pub cpu: Spent,
    /// Open loop: the rate asked for.
    pub rate_asked: Option<f64>,
    /// After a phase that booked.
    pub check: Option<Check>,
}

impl PhaseResult {
    fn outcomes(&self) -> impl Iterator<Item = &Outcome> {
        [&self.health, &self.read, &self.booking]
            .into_iter()
            .flatten()
    }

    /// Answers that worked, every kind.
    pub fn ok(&self) -> u64 {
        self.outcomes().map(|o| o.ok).sum()
    }

    pub fn failed(&self) -> u64 {
        self.outcomes().map(|o| o.failed).sum()
    }

    /// The phase's main figure: bookings for phases that book only, reads during a rush,
    /// else the one kind it has.
    pub fn main(&self) -> Option<&Outcome> {
        match self.phase {
            Phase::Noop => self.health.as_ref(),
            Phase::Browse | Phase::BrowseDuringRush => self.read.as_ref(),
            Phase::Rush | Phase::OpenLoop(_) | Phase::LongRush => self.booking.as_ref(),
        }
    }

    /// How many cores other processes kept busy on average during the phase.
    pub fn others_cores(&self) -> f64 {
        if self.seconds <= 0.0 {
            return 0.0;
        }
        self.cpu.others_us as f64 / 1e6 / self.seconds
    }

    /// CPU µs per answer that worked (failures do not lower it).
    fn per_request(&self, us: u64) -> f64 {
        match self.ok() {
            0 => f64::NAN,
            n => us as f64 / n as f64,
        }
    }

    pub fn server_us(&self) -> f64 {
        self.per_request(self.cpu.server_us)
    }

    /// The server and PostgreSQL together (the server alone on SQLite).
    pub fn database_server_us(&self) -> f64 {
        self.per_request(self.cpu.server_us + self.cpu.postgres_us.unwrap_or(0))
    }

    pub fn postgres_us(&self) -> Option<f64> {
        self.cpu.postgres_us.map(|us| self.per_request(us))
    }

    pub fn bench_us(&self) -> f64 {
        self.per_request(self.cpu.bench_us)
    }

    pub fn json(&self) -> Value {
        let o = |x: &Option<Outcome>| x.as_ref().map(Outcome::json);
        json!({
            "phase": self.phase.name(),
            "planned_seconds": self.planned.as_secs(),
            "seconds": self.seconds,
            "rate_asked": self.rate_asked,
            "health": o(&self.health),
            "reads": o(&self.read),
            "bookings": o(&self.booking),
            "cpu_us": {
                "server": self.cpu.server_us,
                "postgres": self.cpu.postgres_us,
                "load_generator": self.cpu.bench_us,
                "other_processes": self.cpu.others_us,
            },
            "cpu_us_per_request": {
                "server": crate::latency::finite(self.server_us()),
                "postgres": self.postgres_us().map(crate::latency::finite),
                "load_generator": crate::latency::finite(self.bench_us()),
            },
            "check": self.check.as_ref().map(Check::json),
        })
    }
}

/// One run's figures.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub database: String,
    pub connections: usize,
    /// 1-based.
    pub run: usize,
    pub phases: Vec<PhaseResult>,
    pub rss_peak_kb: u64,
    /// The machine's 1-minute load average before the run and after it: other work on the
    /// same cores shows here, and lowers every absolute figure.
    pub load_before: f64,
    pub load_after: f64,
}

impl RunResult {
    pub fn phase(&self, phase: Phase) -> Option<&PhaseResult> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    pub fn failed(&self) -> u64 {
        self.phases.iter().map(PhaseResult::failed).sum()
    }

    /// The most cores other processes kept busy in any one phase of the run.
    pub fn others_cores(&self) -> f64 {
        self.phases
            .iter()
            .map(PhaseResult::others_cores)
            .fold(0.0, f64::max)
    }

    /// Every check passed (there was at least one) and no request failed.
    pub fn safe(&self) -> bool {
        let checks: Vec<&Check> = self
            .phases
            .iter()
            .filter_map(|p| p.check.as_ref())
            .collect();
        !checks.is_empty() && checks.iter().all(|c| c.passed()) && self.failed() == 0
    }

    pub fn json(&self) -> Value {
        json!({
            "database": self.database,
            "connections": self.connections,
            "run": self.run,
            "phases": self.phases.iter().map(PhaseResult::json).collect::<Vec<_>>(),
            "server_rss_peak_kb": self.rss_peak_kb,
            "load_average_1min": {"before": self.load_before, "after": self.load_after},
            "failed_requests": self.failed(),
            "safe": self.safe(),
        })
    }
}

/// One run on a fresh database, dropped afterwards.
pub async fn run(
    options: &Options,
    database: &str,
    connections: usize,
    run: usize,
) -> Result<RunResult, String> {
    let (url, fresh) = server::fresh_database(options, database).await?;
    let result = measure(options, database, &url, connections, run).await;
    fresh.remove().await;
    result
}

async fn measure(
    options: &Options,
    database: &str,
    url: &str,
    connections: usize,
    run: usize,
) -> Result<RunResult, String> {
    let load_before = server::load_average();
    let seeded = server::seed(options, url).await?;
    let mut booked_sessions = seeded.spread.clone();
    booked_sessions.push(seeded.popular);
    let mut servers = Vec::new();
    for _ in 0..self::servers(database) {
        servers.push(server::start_server(options, url).await?);
    }
    let pids: Vec<u32> = servers.iter().map(|s| s.pid).collect();
    let postgres = on_postgres(database).then(server::pg_database);
    let meter = Meter::new(pids.clone(), postgres.as_deref());
    let work = Arc::new(Workload::new(
        seeded.popular,
        seeded.spread,
        &seeded.readable,
    ));
    let addresses = servers
        .iter()
        .map(|s| crate::http::address(&s.url))
        .collect::<Result<Vec<_>, _>>()?;
    let mut conns = load::connect_all(&addresses, connections).await?;
    let mut answered = Answered::default();
    let mut phases: Vec<PhaseResult> = Vec::new();
    for phase in Phase::plan(database, options) {
        let planned = match phase {
            Phase::LongRush => options.long_rush,
            _ => options.phase,
        };
        let rate_asked = match phase {
            Phase::OpenLoop(percent) => {
                let rush = phases
                    .iter()
                    .find(|p| p.phase == Phase::Rush)
                    .and_then(PhaseResult::main)
                    .map_or(0.0, Outcome::rate);
                if rush <= 0.0 {
                    println!("  {}: skipped (the rush answered nothing)", phase.name());
                    continue;
                }
                Some(rush * f64::from(percent) / 100.0)
            }
            _ => None,
        };
        let before = meter.read();
        let (back, tallies, seconds) = match (phase, rate_asked) {
            (Phase::OpenLoop(_), Some(rate)) => {
                load::open(conns, planned, rate, work.clone()).await?
            }
            _ => {
                let mix = match phase {
                    Phase::Noop => Mix::Health,
                    Phase::Browse => Mix::Browse,
                    Phase::BrowseDuringRush => Mix::BrowseDuringRush,
                    _ => Mix::Rush,
                };
                load::closed(conns, planned, work.clone(), mix).await?
            }
        };
        let cpu = meter.spent(before, meter.read());
        conns = back;
        let outcome =
            |t: crate::outcome::Tally| (!t.is_empty()).then(|| t.outcome(seconds, planned));
        let mut result = PhaseResult {
            phase,
            planned,
            seconds,
            health: outcome(tallies.health),
            read: outcome(tallies.read),
            booking: outcome(tallies.booking),
            cpu,
            rate_asked,
            check: None,
        };
        if let Some(b) = &result.booking {
            answered.confirmed += b.confirmed;
            answered.waitlisted += b.waitlisted;
            let rows = check::read_sessions(database, url).await?;
            result.check = Some(Check::judge(
                &rows,
                seeded.popular,
                &booked_sessions,
                answered,
            ));
        }
        print_phase(&result);
        phases.push(result);
    }
    let rss_peak_kb = pids
        .iter()
        .map(|pid| server::memory_kb(*pid).0)
        .max()
        .unwrap_or(0);
    let load_after = server::load_average();
    drop(conns);
    for server in &mut servers {
        let _ = server.child.kill().await;
    }
    println!(
        "  server memory peak {:.1} MB; {} bookings asked for in the run",
        rss_peak_kb as f64 / 1024.0,
        work.bookings_sent()
    );
    Ok(RunResult {
        database: database.to_owned(),
        connections,
        run,
        phases,
        rss_peak_kb,
        load_before,
        load_after,
    })
}

fn print_phase(p: &PhaseResult) {
    let mut line = format!("  {}:", p.phase.name());
    for (what, o) in [
        ("no-op", &p.health),
        ("reads", &p.read),
        ("bookings", &p.booking),
    ] {
        if let Some(o) = o {
            line.push_str(&format!(
                " {what} {:.0}/s p50 {} p99 {} ms, {} failed;",
                o.rate(),
                crate::latency::ms(o.latency.p50),
                crate::latency::ms(o.latency.p99),
                o.failed
            ));
        }
    }
    line.push_str(&format!(" CPU µs/request: server {:.1}", p.server_us()));
    if let Some(pg) = p.postgres_us() {
        line.push_str(&format!(", PostgreSQL {pg:.1}"));
    }
    line.push_str(&format!(", load generator {:.1}", p.bench_us()));
    if let Some(c) = &p.check {
        line.push_str(&format!(
            "; check {} ({} over capacity, {} counters off, {}+{} bookings in the database for {}+{} answered)",
            if c.passed() { "passed" } else { "FAILED" },
            c.over_capacity,
            c.counters_off,
            c.confirmed,
            c.waitlisted,
            c.answered.confirmed,
            c.answered.waitlisted
        ));
    }
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::{on_postgres, servers, Phase, DATABASES, OPEN_LOOP_PERCENT};
    use crate::Options;
    use std::time::Duration;

    fn options(long_rush: u64) -> Options {
        let mut o =
            crate::parse(&["--server".into(), "x".into(), "--commit".into(), "c".into()]).unwrap();
        o.long_rush = Duration::from_secs(long_rush);
        o
    }

    #[test]
    fn every_database_runs_the_same_phases_and_postgres_a_long_rush_too() {
        let sqlite = Phase::plan("sqlite", &options(60));
        assert_eq!(
            sqlite,
            vec![
                Phase::Noop,
                Phase::Browse,
                Phase::Rush,
                Phase::BrowseDuringRush,
                Phase::OpenLoop(OPEN_LOOP_PERCENT[0]),
                Phase::OpenLoop(OPEN_LOOP_PERCENT[1]),
            ]
        );
        let postgres = Phase::plan("postgres", &options(60));
        assert_eq!(postgres[..sqlite.len()], sqlite[..]);
        assert_eq!(postgres.last(), Some(&Phase::LongRush));
        assert_eq!(Phase::plan("postgres", &options(0)), sqlite);
        assert_eq!(Phase::plan("postgres-2", &options(60)), postgres);
    }

    #[test]
    fn only_postgres_2_runs_two_servers() {
        let servers: Vec<usize> = DATABASES.iter().map(|d| servers(d)).collect();
        assert_eq!(servers, vec![1, 1, 2]);
        assert!(!on_postgres("sqlite") && on_postgres("postgres") && on_postgres("postgres-2"));
    }
}
