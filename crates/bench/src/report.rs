//! BENCHMARKS.md and bench-results.json: the machine, the commit, every run, each
//! configuration's median and spread, and whether each target of the issue is met, judged
//! from the medians. Hand-written notes below the notes marker of an existing BENCHMARKS.md
//! are kept across runs.

use crate::bundle::Bundle;
use crate::figures::{self, Configuration, Verdict, FIGURES};
use crate::latency;
use crate::run::{Phase, RunResult, OPEN_LOOP_PERCENT};
use crate::workload::{BOOKER_EVERY, POPULAR_EVERY};
use crate::Options;
use serde_json::{json, Value};
use std::fmt::Write;

/// Everything below this line in BENCHMARKS.md is written by hand and kept.
const NOTES_MARKER: &str = "<!-- hand-written notes below: kept by `cargo xtask bench` -->";

const FIRST_LOAD_BROTLI_TARGET: u64 = labday_bundle::FIRST_LOAD_BROTLI_BUDGET;

pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_mb: u64,
    pub os: String,
    pub kernel: String,
    pub date: String,
}

impl Machine {
    pub fn detect() -> Machine {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpu = read("/proc/cpuinfo")
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let memory_mb = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kb| kb / 1024)
            .unwrap_or(0);
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap_or_else(|| std::env::consts::OS.into());
        Machine {
            cpu,
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            memory_mb,
            os,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

fn configurations<'a>(options: &Options, results: &'a [RunResult]) -> Vec<Configuration<'a>> {
    Configuration::all(results, &options.databases, &options.connections)
}

fn verdicts(options: &Options, results: &[RunResult]) -> Vec<Verdict> {
    figures::verdicts(
        &configurations(options, results),
        options.long_rush.as_secs(),
    )
}

pub fn json(options: &Options, m: &Machine, results: &[RunResult], bundle: &Bundle) -> Value {
    let summary: Vec<Value> = configurations(options, results)
        .iter()
        .map(|c| {
            let figures: serde_json::Map<String, Value> = FIGURES
                .iter()
                .filter_map(|f| Some((f.key.to_owned(), c.spread(f)?.json())))
                .collect();
            json!({"database": c.database, "connections": c.connections, "runs": c.runs.len(), "median_and_spread": figures})
        })
        .collect();
    let targets: Vec<Value> = verdicts(options, results)
        .iter()
        .map(|v| json!({"target": v.target, "configuration": v.configuration, "value": v.value, "met": v.met}))
        .collect();
    json!({
        "commit": options.commit,
        "date": m.date,
        "machine": {"cpu": m.cpu, "cores": m.cores, "memory_mb": m.memory_mb, "os": m.os, "kernel": m.kernel},
        "steps_seconds": options.steps.iter().map(|(n, s)| json!({"step": n, "seconds": s})).collect::<Vec<_>>(),
        "overlapping_steps_seconds": options.overlapping_steps.iter().map(|(n, s)| json!({"step": n, "seconds": s})).collect::<Vec<_>>(),
        "parameters": {
            "phase_seconds": options.phase.as_secs(),
            "long_rush_seconds": options.long_rush.as_secs(),
            "connections": options.connections,
            "runs": options.runs,
            "popular_session_places": options.places,
            "spread_sessions": options.spread_sessions,
            "popular_every_nth_booking": POPULAR_EVERY,
            "booking_client_every_nth_during_browse": BOOKER_EVERY,
            "open_loop_percent_of_rush": OPEN_LOOP_PERCENT,
            "accept_encoding": "br, gzip",
        },
        "targets": targets,
        "summary": summary,
        "runs": results.iter().map(RunResult::json).collect::<Vec<_>>(),
        "bundle": bundle.json(),
    })
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

/// A figure of one run for the table of every run.
fn figure(r: &RunResult, key: &str) -> String {
    let f = figures::figure(key);
    (f.of)(r).map_or("—".into(), |x| f.unit.show(x))
}

pub fn markdown(options: &Options, m: &Machine, results: &[RunResult], bundle: &Bundle) -> String {
    let mut md = String::new();
    let secs = options.phase.as_secs();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` (crates/bench): the release server on a fresh database, \
         driven over real HTTP/1.1 on loopback by a Rust load generator (tokio and a minimal \
         client, one keep-alive connection per client, every answer read; every booking answer \
         decompressed and checked) on the same machine. Every request sends \
         `Accept-Encoding: br, gzip`, as browsers do, and each booking an \
         `Idempotency-Key` of its own and `Prefer: return=minimal`, as the app's booking form \
         does. Each configuration (database × \
         connections) runs {runs} times, interleaved with the others; the figures are the \
         **median** of its runs with the spread (lowest–highest run) beside it, never the best \
         run, and every run is listed below. Machine-readable: `bench-results.json`.\n",
        runs = options.runs
    );
    let _ = writeln!(
        md,
        "Every phase runs {secs} s with the same connections: **no-op** (`GET /api/v1/health`, \
         the baseline), **browse** (the activity list and sessions' availability, half and \
         half), **rush** (every client books, one distinct booking per request for the whole \
         phase: a phone number of its own, one in {POPULAR_EVERY} on a popular session of {} \
         places that fills and then waitlists, the rest over {} sessions that never fill), \
         **browse during a rush** (one client in {BOOKER_EVERY} books while the others read, \
         so bookings keep invalidating the catalogue cache), and bookings in an **open loop** \
         at {} % of the run's rush rate: due on a timetable and timed from when they were due, \
         so a stall shows in p99 (coordinated omission corrected). On PostgreSQL a **long \
         rush** of {} s follows. The bookings table keeps every booking of the run, so it grows \
         through the phases. After each phase that booked, the database is checked: no session \
         over capacity, every `booked` counter equal to its confirmed people, and as many \
         confirmed and waitlisted bookings as the answers said.\n",
        options.places,
        options.spread_sessions,
        OPEN_LOOP_PERCENT.map(|p| p.to_string()).join(" % and "),
        options.long_rush.as_secs()
    );
    if options.databases.iter().any(|d| crate::run::servers(d) > 1) {
        let _ = writeln!(
            md,
            "**postgres-2** is PostgreSQL behind two server processes sharing its database, half \
             the clients on each, as a load balancer spreading connections would: what a \
             second instance adds on the same cores. Its CPU figures are both servers' together \
             and its memory peak the larger one's.\n"
        );
    }
    let _ = writeln!(
        md,
        "**Failures count everywhere**: a request fails on an error status, a wrong answer, no \
         answer within 60 s, or (open loop) not sent within 10 s after the phase; rates count \
         the answers that worked, and every percentile counts a failure as slower than any \
         answer (\"failed\" where one decides it). **CPU per request** is the CPU time \
         (utime + stime from `/proc/<pid>/stat`) the server spent during the phase, divided by \
         the answers that worked; on PostgreSQL also its processes' (the backends of the bench \
         database, the postmaster, WAL writer, checkpointer and the other shared ones), and \
         the load generator's own (`/proc/self/stat`), which shares the cores.\n"
    );
    let _ = writeln!(md, "## Run\n");
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| commit | `{}` |", options.commit);
    let _ = writeln!(md, "| date | {} |", m.date);
    let _ = writeln!(
        md,
        "| machine | {} × {}, {} MB RAM, {} (kernel {}) |",
        m.cores, m.cpu, m.memory_mb, m.os, m.kernel
    );
    let connections: Vec<String> = options.connections.iter().map(|c| c.to_string()).collect();
    let _ = writeln!(
        md,
        "| parameters | {secs} s per phase; {} connections; {} runs each; long rush {} s |",
        connections.join(" and "),
        options.runs,
        options.long_rush.as_secs()
    );
    if !options.steps.is_empty() {
        let steps: Vec<String> = options
            .steps
            .iter()
            .map(|(name, secs)| format!("{name} {secs:.0} s"))
            .collect();
        let within: Vec<String> = options
            .overlapping_steps
            .iter()
            .map(|(name, secs)| format!("{name} {secs:.0} s"))
            .collect();
        let within = if within.is_empty() {
            String::new()
        } else {
            format!("; of which, side by side: {}", within.join(", "))
        };
        let total: f64 = options.steps.iter().map(|(_, s)| s).sum();
        let _ = writeln!(
            md,
            "| time | {} (total {:.1} min){within} |",
            steps.join(", "),
            total / 60.0
        );
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(
        md,
        "Judged from the median of each configuration's runs; the safety and memory targets \
         from every run (one bad run misses them).\n"
    );
    let _ = writeln!(md, "{}\n", quiet_or_busy(results));
    let _ = writeln!(
        md,
        "| target | configuration | median (spread) | verdict |\n|---|---|---|---|"
    );
    for v in verdicts(options, results) {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            v.target,
            v.configuration,
            v.value,
            v.met.map_or("not measured", verdict)
        );
    }
    let _ = writeln!(md);

    let configs = configurations(options, results);
    let _ = writeln!(md, "## Figures: median (lowest–highest run)\n");
    let names: Vec<String> = configs.iter().map(Configuration::name).collect();
    let _ = writeln!(md, "| | {} |", names.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(configs.len()));
    for f in FIGURES {
        let cells: Vec<String> = configs.iter().map(|c| figures::cell(c, f)).collect();
        if cells.iter().all(|c| c == "—") {
            continue;
        }
        let _ = writeln!(md, "| {} | {} |", f.label, cells.join(" | "));
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Every run\n");
    let _ = writeln!(
        md,
        "| database | connections | run | other processes (most in a phase) | no-op | browse | rush | rush p99 | server CPU: no-op / booking | PostgreSQL CPU per booking | generator CPU per booking | during a rush: reads, bookings | open loop p99 ({}) | long rush, drift | failed | checks | memory peak |",
        OPEN_LOOP_PERCENT.map(|p| format!("{p} %")).join(", ")
    );
    let _ = writeln!(md, "|{}", "---|".repeat(17));
    for r in results {
        let checks: Vec<_> = r.phases.iter().filter_map(|p| p.check.as_ref()).collect();
        let passed = checks.iter().filter(|c| c.passed()).count();
        let last = checks.last();
        let open: Vec<String> = OPEN_LOOP_PERCENT
            .iter()
            .map(|p| {
                r.phase(Phase::OpenLoop(*p))
                    .and_then(|p| p.main())
                    .map_or("—".into(), |o| {
                        format!("{} ms", latency::ms(o.latency.p99))
                    })
            })
            .collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.2} cores | {} | {} ({}) | {} ({}) | {} | {} / {} | {} | {} | {} ({}), {} | {} | {} | {} | {}{} of {} passed{} | {} |",
            r.database,
            r.connections,
            r.run,
            r.others_cores(),
            figure(r, "noop_per_second"),
            figure(r, "browse_per_second"),
            figure(r, "browse_share"),
            figure(r, "rush_per_second"),
            figure(r, "rush_share"),
            figure(r, "rush_p99_ms"),
            figure(r, "noop_server_us"),
            figure(r, "rush_server_us"),
            figure(r, "rush_postgres_us"),
            figure(r, "rush_load_generator_us"),
            figure(r, "during_reads_per_second"),
            figure(r, "during_share"),
            figure(r, "during_bookings_per_second"),
            open.join(", "),
            if r.phase(Phase::LongRush).is_some() {
                format!("{}, {}", figure(r, "long_rush_per_second"), figure(r, "long_rush_drift"))
            } else {
                "—".into()
            },
            r.failed(),
            if passed == checks.len() { "" } else { "**FAILED**: " },
            passed,
            checks.len(),
            last.map_or(String::new(), |c| format!(
                "; at the end {} of {} places confirmed on the popular session, {} confirmed + {} waitlisted bookings",
                c.popular_confirmed, c.popular_capacity, c.confirmed, c.waitlisted
            )),
            figure(r, "memory_peak_mb"),
        );
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Bundle (`dist/`)\n");
    let _ = writeln!(
        md,
        "The citizen app is one bundle per journey; a first visit fetches the bundle of the page \
         it opens (its index.html and what that names). Target: each ≤ 160 KB brotli.\n\n\
         | citizen first load | pages | raw | gzip | brotli | ≤ 160 KB |\n|---|---|---|---|---|---|"
    );
    for entry in labday_bundle::Entry::ALL {
        let (raw, gzip, br) = bundle.first_load(entry);
        let pages = match entry {
            labday_bundle::Entry::Browse => "activity list, activity",
            labday_bundle::Entry::Book => "book, booking",
            labday_bundle::Entry::Mine => "my bookings",
            labday_bundle::Entry::Samples => "register samples, sample result",
        };
        let _ = writeln!(
            md,
            "| {} (`{}`) | {pages} | {} | {} | **{}** | {} |",
            entry.name(),
            entry.index(),
            kb(raw),
            kb(gzip),
            kb(br),
            verdict(br <= FIRST_LOAD_BROTLI_TARGET)
        );
    }
    let _ = writeln!(
        md,
        "\n| file | first load of | raw | gzip | brotli |\n|---|---|---|---|---|"
    );
    for f in &bundle.files {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} |",
            f.name,
            f.first_load_of
                .iter()
                .map(|e| e.name())
                .collect::<Vec<_>>()
                .join(", "),
            kb(f.raw),
            kb(f.gzip),
            kb(f.brotli)
        );
    }
    let (raw, gzip, br) = bundle.total();
    let _ = writeln!(
        md,
        "| **total** | | {} | {} | {} |\n",
        kb(raw),
        kb(gzip),
        kb(br)
    );

    let notes = std::fs::read_to_string(options.out_dir.join("BENCHMARKS.md"))
        .ok()
        .and_then(|old| old.split_once(NOTES_MARKER).map(|(_, n)| n.to_owned()))
        .unwrap_or_else(|| "\n\n## Notes\n\n(none yet)\n".to_owned());
    md.push_str(NOTES_MARKER);
    md.push_str(&notes);
    md
}

/// Other processes using more than this many cores in a phase shared the machine with the
/// bench enough to lower its figures (a quarter of a core: a browser tab, a build).
pub const BUSY_CORES: f64 = 0.25;

/// The report's sentence on whether the machine was quiet: the CPU that processes other
/// than the server, PostgreSQL and the load generator spent during the phases.
pub fn quiet_or_busy(results: &[RunResult]) -> String {
    let busiest = results
        .iter()
        .map(RunResult::others_cores)
        .fold(0.0, f64::max);
    if busiest > BUSY_CORES {
        format!(
            "**The machine was busy**: other processes kept up to {busiest:.2} cores busy during \
             a phase, so they shared the cores with the server and the load generator; these \
             figures say little about the server."
        )
    } else {
        format!(
            "The machine was quiet: other processes kept at most {busiest:.2} cores busy during \
             any phase (the server, PostgreSQL and the load generator are not counted)."
        )
    }
}
