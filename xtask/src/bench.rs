//! `cargo xtask bench [options]`: build the app and the release server, then run the load
//! generator (crates/bench) against SQLite and PostgreSQL. It writes BENCHMARKS.md and
//! bench-results.json at the repository root. Options go to the generator unchanged.
//!
//! Only what is out of date is built: the app is rebuilt when a file it is made from is newer
//! than `dist/`, and cargo skips what it has built. The native release build runs alongside
//! the app's wasm build. How long each step took goes into the report, so the cost of a run
//! from a fresh clone is on record.

use crate::ctx::{run, show, stage, Ctx, Failure, Result};
use crate::{build, tools};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

const USAGE: &str = "\
usage: cargo xtask bench [--seconds N] [--connections LIST] [--runs N] [--long-rush N]
                         [--places N] [--spread N] [--databases sqlite,postgres,postgres-2]
                         [--postgres URL] [--skip-spa]
  --seconds N         length of every phase (default 30)
  --connections LIST  comma-separated numbers of connections, each a configuration
                      (default 100,1000)
  --runs N            runs of each configuration: the report gives the median and the
                      spread (default 3)
  --long-rush N       seconds of PostgreSQL's extra sustained rush, 0 for none (default 60)
  --databases LIST    sqlite, postgres (the default: both), and postgres-2: PostgreSQL behind
                      two server processes, what a second instance adds
  --skip-spa          measure the dist/ already built, even if it is older than the sources
With the defaults a bench takes about 45 minutes: 2 databases × 2 connection counts × 3 runs
of six 30 s phases, and PostgreSQL's 60 s rush.";

/// `cargo` arguments of the native release build: the measured server and the generator.
const SERVER_BUILD: [&str; 6] = [
    "build",
    "--release",
    "-p",
    "labday-server",
    "-p",
    "labday-bench",
];

/// What the app in dist/ is built from (relative to the root; folders are walked).
const SPA_INPUTS: [&str; 10] = [
    "src",
    "style",
    "public",
    "index.html",
    "staff.html",
    "Trunk.toml",
    "Cargo.toml",
    "Cargo.lock",
    "crates/domain/src",
    "crates/domain/Cargo.toml",
];

/// The newest modification time under `path` (a file, or every file below a folder).
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| newest(&e.path()))
        .max()
}

/// Whether every bundle in dist/ is newer than everything they are built from.
fn spa_up_to_date(root: &Path) -> bool {
    let built = build::bundles()
        .iter()
        .map(|(_, dist, _)| root.join(dist).join("index.html"))
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect::<Option<Vec<SystemTime>>>()
        .and_then(|times| times.into_iter().min());
    let Some(built) = built else {
        return false;
    };
    SPA_INPUTS
        .iter()
        .filter_map(|p| newest(&root.join(p)))
        .all(|t| t <= built)
}

/// `name=seconds` for the report.
fn timing(name: &str, took: Duration) -> [String; 2] {
    [
        "--step".to_owned(),
        format!("{name}={:.1}", took.as_secs_f64()),
    ]
}

/// The native release build's command.
fn server_build(ctx: &Ctx) -> std::process::Command {
    let mut cmd = ctx.cargo();
    cmd.args(SERVER_BUILD);
    cmd
}

/// `name=seconds` of a step that ran alongside another, inside a step already counted.
fn within(name: &str, took: Duration) -> [String; 2] {
    [
        "--step-within".to_owned(),
        format!("{name}={:.1}", took.as_secs_f64()),
    ]
}

pub fn main(args: &[String]) -> Result {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let skip_spa = args.iter().any(|a| a == "--skip-spa");
    let forwarded: Vec<&String> = args.iter().filter(|a| *a != "--skip-spa").collect();
    let started = Instant::now();
    let mut ctx = Ctx::new()?;
    let mut steps: Vec<String> = Vec::new();
    let have_dist = ctx.root.join("dist").join("index.html").is_file();
    if skip_spa && !have_dist {
        return Err(Failure::new(
            "--skip-spa needs a built dist/: run without it once",
        ));
    }
    if skip_spa || spa_up_to_date(&ctx.root) {
        println!("\n==> dist/ is up to date with the app's sources: not rebuilding it");
        let (built, took) = stage(&format!("cargo {}", SERVER_BUILD.join(" ")), || {
            let mut cmd = server_build(&ctx);
            println!("$ {}", show(&cmd));
            run(&mut cmd)
        });
        steps.extend(timing("server build (cargo --release)", took));
        built?;
    } else {
        let (tools, took) = stage("tools", || tools::bootstrap(&mut ctx, false));
        steps.extend(timing("tools", took));
        let tools = tools?;
        // The native release build and the app's wasm build share no build artefacts (other
        // profile, other target) and lock different folders, and the app build spends long
        // stretches in single-threaded link-time optimisation: run them side by side.
        let mut cmd = server_build(&ctx);
        println!(
            "\n==> cargo {} (alongside the app build)",
            SERVER_BUILD.join(" ")
        );
        println!("$ {}", show(&cmd));
        let both = Instant::now();
        let mut server = cmd
            .spawn()
            .map_err(|e| crate::ctx::spawn_failure(&cmd, e))?;
        let server = std::thread::spawn(move || {
            let status = server.wait();
            let took = both.elapsed();
            println!(
                "\n==> cargo build --release (server, bench, alongside the app): done in {}",
                crate::ctx::secs(took)
            );
            (status, took)
        });
        let (built, took) = stage("trunk build --release (dist/)", || build::spa(&ctx, &tools));
        let (server_status, server_took) = server
            .join()
            .map_err(|_| Failure::new("the server build's watcher thread panicked"))?;
        steps.extend(timing("app and server builds", both.elapsed()));
        steps.extend(within("app build (trunk, every bundle)", took));
        steps.extend(within("server build (cargo --release)", server_took));
        built?;
        let status =
            server_status.map_err(|e| Failure::new(format!("cargo build did not finish: {e}")))?;
        crate::ctx::finished(&server_build(&ctx), status)?;
    }
    let release = build::target_dir(&ctx).join("release");
    let exe =
        |name: &str| -> PathBuf { release.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)) };
    let mut cmd = ctx.command(&exe("labday-bench").to_string_lossy());
    cmd.arg("--server")
        .arg(exe("labday-server"))
        .arg("--dist")
        .arg(ctx.root.join("dist"))
        .arg("--out")
        .arg(&ctx.root)
        .args(&steps)
        .args(forwarded);
    stage("labday-bench", || {
        println!("$ {}", show(&cmd));
        run(&mut cmd)
    })
    .0?;
    println!(
        "==> bench done in {}: see BENCHMARKS.md and bench-results.json",
        crate::ctx::secs(started.elapsed())
    );
    Ok(())
}
