//! The figures the report gives for each configuration (one number per run, then the median
//! and spread over its runs), and the targets judged from those medians.

use crate::outcome::Outcome;
use crate::run::{Phase, PhaseResult, RunResult};
use crate::spread::Spread;

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    PerSecond,
    /// A share, written as a percentage.
    Share,
    Ms,
    Us,
    Times,
    Mb,
    Count,
}

impl Unit {
    /// The number alone, as in a spread beside a figure with its unit.
    pub fn bare(self, x: f64) -> String {
        if x.is_infinite() {
            return "failed".into();
        }
        match self {
            Unit::PerSecond | Unit::Count => thousands(x),
            Unit::Share => format!("{:.0}", x * 100.0),
            Unit::Times => format!("{x:.2}"),
            Unit::Ms | Unit::Us | Unit::Mb => format!("{x:.1}"),
        }
    }

    pub fn show(self, x: f64) -> String {
        if x.is_infinite() {
            return "failed".into();
        }
        match self {
            Unit::PerSecond => format!("{} /s", thousands(x)),
            Unit::Share => format!("{:.0} %", x * 100.0),
            Unit::Ms => format!("{x:.1} ms"),
            Unit::Us => format!("{x:.1} µs"),
            Unit::Times => format!("{x:.2} ×"),
            Unit::Mb => format!("{x:.1} MB"),
            Unit::Count => thousands(x),
        }
    }
}

/// A whole number with thin separators every three digits: 12,345.
pub fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if x < 0.0 && digits != "0" {
        out.insert(0, '-');
    }
    out
}

/// One figure of a run.
pub struct Figure {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub of: fn(&RunResult) -> Option<f64>,
}

fn main_of(r: &RunResult, phase: Phase) -> Option<&Outcome> {
    r.phase(phase).and_then(PhaseResult::main)
}

fn rate(r: &RunResult, phase: Phase) -> Option<f64> {
    main_of(r, phase).map(Outcome::rate)
}

/// A phase's main rate as a share of the run's no-op rate.
fn share_of_noop(r: &RunResult, phase: Phase) -> Option<f64> {
    let noop = rate(r, Phase::Noop).filter(|n| *n > 0.0)?;
    rate(r, phase).map(|x| x / noop)
}

fn p99(r: &RunResult, phase: Phase) -> Option<f64> {
    main_of(r, phase).map(|o| o.latency.p99)
}

fn server_us(r: &RunResult, phase: Phase) -> Option<f64> {
    r.phase(phase).map(PhaseResult::server_us)
}

/// Seconds in each window compared for a rush's drift.
pub const DRIFT_WINDOW: u64 = 10;

/// Every figure, in the report's order. (One line each: a table reads better than rustfmt's
/// five lines per entry.)
#[rustfmt::skip]
pub const FIGURES: &[Figure] = &[
    Figure { key: "noop_per_second", label: "no-op: answers/s", unit: Unit::PerSecond, of: |r| rate(r, Phase::Noop) },
    Figure { key: "noop_p99_ms", label: "no-op: p99", unit: Unit::Ms, of: |r| p99(r, Phase::Noop) },
    Figure { key: "noop_server_us", label: "no-op: server CPU per request", unit: Unit::Us, of: |r| server_us(r, Phase::Noop) },
    Figure { key: "browse_per_second", label: "browse: reads/s", unit: Unit::PerSecond, of: |r| rate(r, Phase::Browse) },
    Figure { key: "browse_share", label: "browse ÷ no-op", unit: Unit::Share, of: |r| share_of_noop(r, Phase::Browse) },
    Figure { key: "browse_p99_ms", label: "browse: p99", unit: Unit::Ms, of: |r| p99(r, Phase::Browse) },
    Figure { key: "browse_server_us", label: "browse: server CPU per read", unit: Unit::Us, of: |r| server_us(r, Phase::Browse) },
    Figure { key: "rush_per_second", label: "rush: bookings/s", unit: Unit::PerSecond, of: |r| rate(r, Phase::Rush) },
    Figure { key: "rush_share", label: "rush ÷ no-op", unit: Unit::Share, of: |r| share_of_noop(r, Phase::Rush) },
    Figure { key: "rush_p50_ms", label: "rush: p50", unit: Unit::Ms, of: |r| main_of(r, Phase::Rush).map(|o| o.latency.p50) },
    Figure { key: "rush_p99_ms", label: "rush: p99", unit: Unit::Ms, of: |r| p99(r, Phase::Rush) },
    Figure { key: "rush_server_us", label: "rush: server CPU per booking", unit: Unit::Us, of: |r| server_us(r, Phase::Rush) },
    Figure { key: "rush_cpu_times_noop", label: "rush: server CPU per booking ÷ per no-op", unit: Unit::Times, of: |r| Some(server_us(r, Phase::Rush)? / server_us(r, Phase::Noop)?) },
    Figure { key: "rush_postgres_us", label: "rush: PostgreSQL CPU per booking", unit: Unit::Us, of: |r| r.phase(Phase::Rush)?.postgres_us() },
    Figure { key: "rush_server_and_postgres_us", label: "rush: server + PostgreSQL CPU per booking", unit: Unit::Us, of: |r| r.phase(Phase::Rush).filter(|p| p.cpu.postgres_us.is_some()).map(PhaseResult::database_server_us) },
    Figure { key: "rush_load_generator_us", label: "rush: load generator CPU per booking", unit: Unit::Us, of: |r| r.phase(Phase::Rush).map(PhaseResult::bench_us) },
    Figure { key: "rush_drift", label: "rush: rate in its last 10 s ÷ first 10 s, − 1", unit: Unit::Share, of: |r| main_of(r, Phase::Rush)?.drift(DRIFT_WINDOW) },
    Figure { key: "during_reads_per_second", label: "browse during a rush: reads/s", unit: Unit::PerSecond, of: |r| rate(r, Phase::BrowseDuringRush) },
    Figure { key: "during_share", label: "browse during a rush ÷ no-op", unit: Unit::Share, of: |r| share_of_noop(r, Phase::BrowseDuringRush) },
    Figure { key: "during_reads_p99_ms", label: "browse during a rush: reads p99", unit: Unit::Ms, of: |r| p99(r, Phase::BrowseDuringRush) },
    Figure { key: "during_bookings_per_second", label: "browse during a rush: bookings/s", unit: Unit::PerSecond, of: |r| r.phase(Phase::BrowseDuringRush)?.booking.as_ref().map(Outcome::rate) },
    Figure { key: "during_server_us", label: "browse during a rush: server CPU per request", unit: Unit::Us, of: |r| server_us(r, Phase::BrowseDuringRush) },
    Figure { key: "open50_asked", label: "open loop 50 %: bookings/s asked", unit: Unit::PerSecond, of: |r| r.phase(Phase::OpenLoop(50))?.rate_asked },
    Figure { key: "open50_per_second", label: "open loop 50 %: bookings/s answered", unit: Unit::PerSecond, of: |r| rate(r, Phase::OpenLoop(50)) },
    Figure { key: "open50_p50_ms", label: "open loop 50 %: p50", unit: Unit::Ms, of: |r| main_of(r, Phase::OpenLoop(50)).map(|o| o.latency.p50) },
    Figure { key: "open50_p99_ms", label: "open loop 50 %: p99", unit: Unit::Ms, of: |r| p99(r, Phase::OpenLoop(50)) },
    Figure { key: "open50_p999_ms", label: "open loop 50 %: p99.9", unit: Unit::Ms, of: |r| main_of(r, Phase::OpenLoop(50)).map(|o| o.latency.p999) },
    Figure { key: "open50_server_us", label: "open loop 50 %: server CPU per booking", unit: Unit::Us, of: |r| server_us(r, Phase::OpenLoop(50)) },
    Figure { key: "open90_asked", label: "open loop 90 %: bookings/s asked", unit: Unit::PerSecond, of: |r| r.phase(Phase::OpenLoop(90))?.rate_asked },
    Figure { key: "open90_per_second", label: "open loop 90 %: bookings/s answered", unit: Unit::PerSecond, of: |r| rate(r, Phase::OpenLoop(90)) },
    Figure { key: "open90_p50_ms", label: "open loop 90 %: p50", unit: Unit::Ms, of: |r| main_of(r, Phase::OpenLoop(90)).map(|o| o.latency.p50) },
    Figure { key: "open90_p99_ms", label: "open loop 90 %: p99", unit: Unit::Ms, of: |r| p99(r, Phase::OpenLoop(90)) },
    Figure { key: "open90_p999_ms", label: "open loop 90 %: p99.9", unit: Unit::Ms, of: |r| main_of(r, Phase::OpenLoop(90)).map(|o| o.latency.p999) },
    Figure { key: "open90_server_us", label: "open loop 90 %: server CPU per booking", unit: Unit::Us, of: |r| server_us(r, Phase::OpenLoop(90)) },
    Figure { key: "long_rush_per_second", label: "long rush: bookings/s", unit: Unit::PerSecond, of: |r| rate(r, Phase::LongRush) },
    Figure { key: "long_rush_drift", label: "long rush: rate in its last 10 s ÷ first 10 s, − 1", unit: Unit::Share, of: |r| main_of(r, Phase::LongRush)?.drift(DRIFT_WINDOW) },
    Figure { key: "long_rush_p99_ms", label: "long rush: p99", unit: Unit::Ms, of: |r| p99(r, Phase::LongRush) },
    Figure { key: "long_rush_server_and_postgres_us", label: "long rush: server + PostgreSQL CPU per booking", unit: Unit::Us, of: |r| r.phase(Phase::LongRush).map(PhaseResult::database_server_us) },
    Figure { key: "failed_requests", label: "failed requests, every phase", unit: Unit::Count, of: |r| Some(r.failed() as f64) },
    Figure { key: "memory_peak_mb", label: "server memory peak (VmHWM)", unit: Unit::Mb, of: |r| Some(r.rss_peak_kb as f64 / 1024.0) },
];

pub fn figure(key: &str) -> &'static Figure {
    FIGURES
        .iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("no figure `{key}`"))
}

/// The runs of one configuration.
pub struct Configuration<'a> {
    pub database: &'a str,
    pub connections: usize,
    pub runs: Vec<&'a RunResult>,
}

impl<'a> Configuration<'a> {
    /// Every configuration that has runs, in the order of `databases` × `connections`.
    pub fn all(
        results: &'a [RunResult],
        databases: &[String],
        connections: &[usize],
    ) -> Vec<Configuration<'a>> {
        let mut out = Vec::new();
        for database in databases {
            for &c in connections {
                let runs: Vec<&RunResult> = results
                    .iter()
                    .filter(|r| &r.database == database && r.connections == c)
                    .collect();
                if let Some(first) = runs.first() {
                    out.push(Configuration {
                        database: first.database.as_str(),
                        connections: c,
                        runs,
                    });
                }
            }
        }
        out
    }

    /// A figure over the runs that have it.
    pub fn spread(&self, figure: &Figure) -> Option<Spread> {
        let values: Vec<f64> = self.runs.iter().filter_map(|r| (figure.of)(r)).collect();
        Spread::of(&values)
    }

    pub fn name(&self) -> String {
        format!("{}, {} connections", self.database, self.connections)
    }
}

/// A target and its verdict in one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub target: String,
    pub configuration: String,
    /// The figure judged, written out (median and spread, or runs counted).
    pub value: String,
    /// `None`: not measured.
    pub met: Option<bool>,
}

/// Target thresholds from the issue.
pub const CPU_TIMES_NOOP_MAX: f64 = 2.5;
pub const RUSH_SHARE_MIN: f64 = 0.30;
pub const RUSH_P99_MAX_MS: f64 = 100.0;
pub const RUSH_P99_AT_CONNECTIONS: usize = 1000;
pub const DURING_SHARE_MIN: f64 = 0.50;
pub const LONG_RUSH_DRIFT_MAX: f64 = 0.15;
pub const POSTGRES_SHARE_OF_SQLITE_MIN: f64 = 0.50;
pub const MEMORY_MAX_MB: f64 = 100.0;

fn shown(s: &Spread, unit: Unit) -> String {
    if s.min == s.max {
        return unit.show(s.median);
    }
    let dash = if s.min < 0.0 { " to " } else { "–" };
    format!(
        "{} ({}{dash}{})",
        unit.show(s.median),
        unit.bare(s.min),
        unit.bare(s.max)
    )
}

/// Every target, judged from the median of each configuration's runs (safety and memory
/// from every run: one bad run is a miss).
pub fn verdicts(configs: &[Configuration], long_rush_seconds: u64) -> Vec<Verdict> {
    let mut out = Vec::new();
    let median = |c: &Configuration, target: &str, key: &str, met: &dyn Fn(f64) -> bool| {
        let f = figure(key);
        let s = c.spread(f);
        Verdict {
            target: target.to_owned(),
            configuration: c.name(),
            value: s.map_or("—".into(), |s| shown(&s, f.unit)),
            met: s.map(|s| met(s.median)),
        }
    };
    let sqlite: Vec<&Configuration> = configs.iter().filter(|c| c.database == "sqlite").collect();
    let postgres: Vec<&Configuration> = configs
        .iter()
        .filter(|c| crate::run::on_postgres(c.database))
        .collect();
    for c in &sqlite {
        out.push(median(
            c,
            "SQLite: server CPU per booking ≤ 2.5 × per no-op",
            "rush_cpu_times_noop",
            &|x| x <= CPU_TIMES_NOOP_MAX,
        ));
    }
    for c in &sqlite {
        out.push(median(
            c,
            "SQLite: bookings/s ≥ 30 % of the no-op rate",
            "rush_share",
            &|x| x >= RUSH_SHARE_MIN,
        ));
    }
    let p99_target = "SQLite: rush p99 < 100 ms at 1,000 connections";
    match sqlite
        .iter()
        .find(|c| c.connections == RUSH_P99_AT_CONNECTIONS)
    {
        Some(c) => out.push(median(c, p99_target, "rush_p99_ms", &|x| {
            x < RUSH_P99_MAX_MS
        })),
        None => out.push(Verdict {
            target: p99_target.into(),
            configuration: "sqlite, 1000 connections".into(),
            value: "not run".into(),
            met: None,
        }),
    }
    for c in configs {
        out.push(median(
            c,
            "browse during a rush ≥ 50 % of the no-op rate",
            "during_share",
            &|x| x >= DURING_SHARE_MIN,
        ));
    }
    let long = format!(
        "PostgreSQL: a {long_rush_seconds} s rush keeps its rate (last 10 s within 15 % of the first 10 s; the issue asks 60 s)"
    );
    for c in &postgres {
        out.push(median(c, &long, "long_rush_drift", &|x| {
            x.abs() <= LONG_RUSH_DRIFT_MAX
        }));
    }
    for p in &postgres {
        let target = "PostgreSQL: bookings/s ≥ 50 % of SQLite's";
        let rush = figure("rush_per_second");
        let s = sqlite.iter().find(|s| s.connections == p.connections);
        let (value, met) = match (p.spread(rush), s.and_then(|s| s.spread(rush))) {
            (Some(pg), Some(lite)) if lite.median > 0.0 => {
                let share = pg.median / lite.median;
                (
                    format!(
                        "{} of {}",
                        Unit::Share.show(share),
                        Unit::PerSecond.show(lite.median)
                    ),
                    Some(share >= POSTGRES_SHARE_OF_SQLITE_MIN),
                )
            }
            _ => ("SQLite not run at these connections".into(), None),
        };
        out.push(Verdict {
            target: target.into(),
            configuration: p.name(),
            value,
            met,
        });
    }
    for c in configs {
        let safe = c.runs.iter().filter(|r| r.safe()).count();
        out.push(Verdict {
            target: "zero overbooking, counts match the answers, zero failed requests (every run)"
                .into(),
            configuration: c.name(),
            value: format!("{safe} of {} runs", c.runs.len()),
            met: Some(safe == c.runs.len()),
        });
    }
    for c in configs {
        let f = figure("memory_peak_mb");
        let s = c.spread(f);
        out.push(Verdict {
            target: "server memory peak < 100 MB (every run)".into(),
            configuration: c.name(),
            value: s.map_or("—".into(), |s| shown(&s, f.unit)),
            met: s.map(|s| s.max < MEMORY_MAX_MB),
        });
    }
    out
}

/// A figure's cell: the median, then the spread when the runs differ.
pub fn cell(c: &Configuration, f: &Figure) -> String {
    c.spread(f).map_or("—".into(), |s| shown(&s, f.unit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Spent;
    use crate::outcome::Tally;
    use std::time::Duration;

    /// An outcome of `ok` answers over 10 s, evenly spread, each `latency_ms` long.
    fn outcome(ok: u64, latency_ms: u64) -> Outcome {
        let mut t = Tally::default();
        for i in 0..ok {
            t.answered(
                Duration::from_millis(latency_ms),
                Duration::from_millis(i * 10_000 / ok),
            );
        }
        t.outcome(10.0, Duration::from_secs(10))
    }

    fn phase(phase: Phase, o: Outcome, server_us: u64) -> PhaseResult {
        let mut p = PhaseResult {
            phase,
            planned: Duration::from_secs(10),
            seconds: 10.0,
            health: None,
            read: None,
            booking: None,
            cpu: Spent {
                server_us,
                postgres_us: None,
                bench_us: 0,
                others_us: 0,
            },
            rate_asked: None,
            check: None,
        };
        match phase {
            Phase::Noop => p.health = Some(o),
            Phase::Browse | Phase::BrowseDuringRush => p.read = Some(o),
            _ => p.booking = Some(o),
        }
        p
    }

    /// A run whose no-op does `noop` answers in 10 s at 10 µs each, and whose rush does
    /// `rush` at `rush_us` each, with a p99 of `p99` ms.
    fn run(
        database: &str,
        connections: usize,
        noop: u64,
        rush: u64,
        rush_us: u64,
        p99: u64,
    ) -> RunResult {
        let mut rush_phase = phase(Phase::Rush, outcome(rush, p99), rush * rush_us);
        rush_phase.check = Some(crate::check::Check::judge(&[], 0, &[], Default::default()));
        RunResult {
            database: database.into(),
            connections,
            run: 1,
            phases: vec![
                phase(Phase::Noop, outcome(noop, 1), noop * 10),
                rush_phase,
                phase(Phase::BrowseDuringRush, outcome(noop * 6 / 10, 2), 0),
            ],
            rss_peak_kb: 50 * 1024,
            load_before: 0.0,
            load_after: 0.0,
        }
    }

    #[test]
    fn the_report_calls_the_machine_busy_from_other_processes_cpu_not_the_load_average() {
        // The bench's own server and generator keep the load average above the cores; with
        // nothing else running the machine is quiet.
        let mut quiet = run("sqlite", 100, 500_000, 50_000, 100, 20);
        quiet.load_after = 6.0;
        quiet.phases[1].cpu.others_us = 1_000_000; // 0.1 core over 10 s
        let said = crate::report::quiet_or_busy(std::slice::from_ref(&quiet));
        assert!(said.starts_with("The machine was quiet"), "{said}");
        assert!(said.contains("0.10 cores"), "{said}");
        // A build on the other core during one phase of one run: busy.
        let mut busy = quiet.clone();
        busy.phases[0].cpu.others_us = 9_000_000; // 0.9 core over 10 s
        let said = crate::report::quiet_or_busy(&[quiet, busy]);
        assert!(said.starts_with("**The machine was busy**"), "{said}");
        assert!(said.contains("0.90 cores"), "{said}");
    }

    fn verdict<'a>(v: &'a [Verdict], target: &str, config: &str) -> &'a Verdict {
        v.iter()
            .find(|v| v.target.starts_with(target) && v.configuration == config)
            .unwrap_or_else(|| panic!("no verdict {target} for {config}: {v:#?}"))
    }

    #[test]
    fn targets_are_judged_on_the_median_run_not_the_best() {
        // Three SQLite runs at 1,000 connections: rush shares 20 %, 35 %, 28 % → median 28 %.
        let results = vec![
            run("sqlite", 1000, 10_000, 2_000, 20, 90),
            run("sqlite", 1000, 10_000, 3_500, 20, 90),
            run("sqlite", 1000, 10_000, 2_800, 30, 120),
        ];
        let configs = Configuration::all(&results, &["sqlite".into()], &[1000]);
        let v = verdicts(&configs, 60);
        let share = verdict(&v, "SQLite: bookings/s", "sqlite, 1000 connections");
        assert_eq!(share.met, Some(false));
        assert_eq!(share.value, "28 % (20–35)");
        // CPU per booking ÷ per no-op: 2, 2, 3 → median 2 ≤ 2.5.
        let cpu = verdict(&v, "SQLite: server CPU", "sqlite, 1000 connections");
        assert_eq!(cpu.met, Some(true));
        // p99: 90, 90, 120 → median 90 < 100.
        for target in [
            "SQLite: rush p99",
            "browse during",
            "zero overbooking",
            "server memory",
        ] {
            let met = verdict(&v, target, "sqlite, 1000 connections").met;
            assert_eq!(met, Some(true), "{target}");
        }
    }

    #[test]
    fn one_unsafe_run_misses_the_safety_target() {
        let mut bad = run("sqlite", 100, 10_000, 3_000, 20, 10);
        if let Some(o) = bad.phases[1].booking.as_mut() {
            o.failed = 1;
        }
        let results = vec![run("sqlite", 100, 10_000, 3_000, 20, 10), bad];
        let configs = Configuration::all(&results, &["sqlite".into()], &[100]);
        let v = verdicts(&configs, 60);
        let safety = verdict(&v, "zero overbooking", "sqlite, 100 connections");
        assert_eq!(
            (safety.met, safety.value.as_str()),
            (Some(false), "1 of 2 runs")
        );
        // No 1,000-connection run: the p99 target is not measured, not met.
        assert_eq!(
            verdict(&v, "SQLite: rush p99", "sqlite, 1000 connections").met,
            None
        );
    }

    #[test]
    fn postgres_is_compared_with_sqlite_at_the_same_connections() {
        let results = vec![
            run("sqlite", 100, 10_000, 3_000, 20, 10),
            run("postgres", 100, 10_000, 1_400, 20, 10),
            run("postgres-2", 100, 10_000, 1_800, 20, 10),
        ];
        let databases = ["sqlite".into(), "postgres".into(), "postgres-2".into()];
        let configs = Configuration::all(&results, &databases, &[100]);
        let v = verdicts(&configs, 60);
        let pg = verdict(&v, "PostgreSQL: bookings/s", "postgres, 100 connections");
        assert_eq!(pg.met, Some(false));
        assert_eq!(pg.value, "47 % of 300 /s");
        // Two servers on one PostgreSQL database are judged as PostgreSQL too.
        let two = verdict(&v, "PostgreSQL: bookings/s", "postgres-2, 100 connections");
        assert_eq!(
            (two.met, two.value.as_str()),
            (Some(true), "60 % of 300 /s")
        );
        // No long rush in these runs: its target is not measured.
        assert_eq!(
            verdict(&v, "PostgreSQL: a 60 s rush", "postgres, 100 connections").met,
            None
        );
    }

    #[test]
    fn numbers_are_written_for_reading() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.2), "0");
        assert_eq!(Unit::PerSecond.show(10409.0), "10,409 /s");
        assert_eq!(Unit::Ms.show(f64::INFINITY), "failed");
        assert_eq!(Unit::Share.show(-0.153), "-15 %");
        let falling = Spread {
            median: -0.1,
            min: -0.2,
            max: 0.05,
        };
        assert_eq!(shown(&falling, Unit::Share), "-10 % (-20 to 5)");
        let same = Spread {
            median: 3.0,
            min: 3.0,
            max: 3.0,
        };
        assert_eq!(shown(&same, Unit::Times), "3.00 ×");
    }
}
