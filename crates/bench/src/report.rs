//! BENCHMARKS.md and bench-results.json: the machine, the commit, the figures, and whether
//! each target of the rush issue is met. Hand-written notes below the notes marker of an
//! existing BENCHMARKS.md are kept across runs.

use crate::bundle::Bundle;
use crate::server::DatabaseResult;
use crate::Options;
use serde_json::{json, Value};
use std::fmt::Write;

/// Everything below this line in BENCHMARKS.md is written by hand and kept.
const NOTES_MARKER: &str = "<!-- hand-written notes below: kept by `cargo xtask bench` -->";

/// Targets from the issue.
const RUSH_RATIO_TARGET: f64 = 0.40;
const RUSH_P99_TARGET_MS: f64 = 100.0;
const BROWSE_RATIO_TARGET: f64 = 0.70;
const FIRST_LOAD_BROTLI_TARGET: u64 = labday_bundle::FIRST_LOAD_BROTLI_BUDGET;
const RSS_TARGET_KB: u64 = 100 * 1024;

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

pub fn json(options: &Options, m: &Machine, results: &[DatabaseResult], bundle: &Bundle) -> Value {
    json!({
        "commit": options.commit,
        "date": m.date,
        "machine": {"cpu": m.cpu, "cores": m.cores, "memory_mb": m.memory_mb, "os": m.os, "kernel": m.kernel},
        "steps_seconds": options.steps.iter().map(|(n, s)| json!({"step": n, "seconds": s})).collect::<Vec<_>>(),
        "overlapping_steps_seconds": options.overlapping_steps.iter().map(|(n, s)| json!({"step": n, "seconds": s})).collect::<Vec<_>>(),
        "parameters": {
            "clients": options.clients,
            "popular_session_places": options.places,
            "bookings_per_client": options.bookings_per_client,
            "spread_sessions": options.spread_sessions,
            "phase_seconds": options.phase.as_secs(),
        },
        "databases": results.iter().map(DatabaseResult::json).collect::<Vec<_>>(),
        "bundle": bundle.json(),
    })
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// A table's first two lines: `label` (spaces included) over the row labels, then a column
/// per database.
fn table_head(md: &mut String, label: &str, results: &[DatabaseResult]) {
    let databases: Vec<&str> = results.iter().map(|r| r.database.as_str()).collect();
    let _ = writeln!(md, "|{label}| {} |", databases.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(results.len()));
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

pub fn markdown(
    options: &Options,
    m: &Machine,
    results: &[DatabaseResult],
    bundle: &Bundle,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` (crates/bench): the release server on a fresh database, \
         driven over real HTTP/1.1 on loopback by a Rust load generator (tokio and a minimal \
         client, one keep-alive connection per client, every answer read and checked) running \
         on the same machine. Every rate is also given \
         as a ratio to the server's no-op rate (`GET /api/v1/health`) measured in the same run \
         with the same clients, so the figures carry over between machines. Machine-readable: \
         `bench-results.json`.\n"
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
    let _ = writeln!(
        md,
        "| rush | {} clients at once on one session of {} places, then {} more bookings each across {} other sessions (party of 1, a phone number per booking) |",
        options.clients,
        options.places,
        options.bookings_per_client.saturating_sub(1),
        options.spread_sessions
    );
    let _ = writeln!(
        md,
        "| baseline, browse | {} clients for {} s each; browse alternates `GET /api/v1/activities` and `GET /api/v1/sessions/{{id}}` |",
        options.clients,
        options.phase.as_secs()
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

    let _ = writeln!(md, "## Figures\n");
    table_head(&mut md, " ", results);
    let row = |md: &mut String, label: &str, f: &dyn Fn(&DatabaseResult) -> String| {
        let cells: Vec<String> = results.iter().map(f).collect();
        let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
    };
    let ratio = |r: &DatabaseResult, x: f64| {
        let base = r.baseline.per_second();
        if base > 0.0 {
            x / base * 100.0
        } else {
            0.0
        }
    };
    row(&mut md, "no-op baseline (health)", &|r| {
        format!(
            "{:.0} req/s, p99 {:.1} ms",
            r.baseline.per_second(),
            r.baseline.latency.p99
        )
    });
    row(&mut md, "rush: bookings/s", &|r| {
        format!(
            "{:.0} /s = **{:.0} %** of no-op",
            r.rush.all.per_second(),
            ratio(r, r.rush.all.per_second())
        )
    });
    row(&mut md, "rush: latency p50 / p95 / p99", &|r| {
        let l = &r.rush.all.latency;
        format!("{:.1} / {:.1} / **{:.1}** ms", l.p50, l.p95, l.p99)
    });
    row(
        &mut md,
        "rush: opening wave p50 / p99 / all answered",
        &|r| {
            let l = &r.rush.opening.latency;
            format!("{:.1} / {:.1} / {:.1} ms", l.p50, l.p99, l.max)
        },
    );
    row(&mut md, "rush: confirmed / waitlisted / errors", &|r| {
        format!(
            "{} / {} / {}",
            r.rush.confirmed, r.rush.waitlisted, r.rush.all.errors
        )
    });
    row(
        &mut md,
        "popular session: confirmed vs capacity (database)",
        &|r| {
            format!(
                "{} ≤ {}",
                r.check.popular_confirmed, r.check.popular_capacity
            )
        },
    );
    row(
        &mut md,
        "sessions over capacity / counters out of step",
        &|r| {
            format!(
                "{} / {} (of {})",
                r.check.over_capacity, r.check.counters_off, r.check.sessions
            )
        },
    );
    row(&mut md, "browse: reads/s", &|r| {
        format!(
            "{:.0} /s = **{:.0} %** of no-op",
            r.browse.per_second(),
            ratio(r, r.browse.per_second())
        )
    });
    row(&mut md, "browse: latency p50 / p95 / p99", &|r| {
        let l = &r.browse.latency;
        format!("{:.1} / {:.1} / {:.1} ms", l.p50, l.p95, l.p99)
    });
    row(&mut md, "browse / baseline errors", &|r| {
        format!("{} / {}", r.browse.errors, r.baseline.errors)
    });
    row(
        &mut md,
        "server memory (VmHWM peak / RSS after rush)",
        &|r| {
            format!(
                "{:.1} / {:.1} MB",
                r.rss_peak_kb as f64 / 1024.0,
                r.rss_end_kb as f64 / 1024.0
            )
        },
    );
    row(
        &mut md,
        "machine load, 1-min average (before run / after rush)",
        &|r| {
            format!(
                "{:.2} / {:.2} on {} cores",
                r.load_before, r.load_after, m.cores
            )
        },
    );

    let _ = writeln!(md, "\n## Targets\n");
    table_head(&mut md, " target ", results);
    row(&mut md, "zero overbooking, checked in the database", &|r| {
        verdict(r.safe()).to_owned()
    });
    row(&mut md, "rush ≥ 40 % of no-op rate", &|r| {
        verdict(r.rush.all.per_second() >= RUSH_RATIO_TARGET * r.baseline.per_second()).to_owned()
    });
    row(&mut md, "rush p99 < 100 ms", &|r| {
        verdict(r.rush.all.latency.p99 < RUSH_P99_TARGET_MS).to_owned()
    });
    row(&mut md, "browse ≥ 70 % of no-op rate", &|r| {
        verdict(r.browse.per_second() >= BROWSE_RATIO_TARGET * r.baseline.per_second()).to_owned()
    });
    row(&mut md, "server memory < 100 MB", &|r| {
        verdict(r.rss_peak_kb < RSS_TARGET_KB).to_owned()
    });
    let _ = writeln!(
        md,
        "\nThe issue sets the rush ratio and p99 targets for SQLite; PostgreSQL reports the same \
         figures for comparison.\n"
    );

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
            labday_bundle::Entry::Book => "book, booking, my bookings",
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
