//! `cargo xtask bench [options]`: build the app and the release server, then run the load
//! generator (crates/bench) against SQLite and PostgreSQL. It writes BENCHMARKS.md and
//! bench-results.json at the repository root. Options go to the generator unchanged.

use crate::ctx::{run, show, stage, Ctx, Failure, Result};
use crate::{build, tools};
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask bench [--clients N] [--places N] [--bookings N] [--spread N] [--seconds N]
                         [--databases sqlite,postgres] [--postgres URL] [--skip-spa]
  --skip-spa   measure the dist/ already built instead of running trunk build --release";

pub fn main(args: &[String]) -> Result {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let skip_spa = args.iter().any(|a| a == "--skip-spa");
    let forwarded: Vec<&String> = args.iter().filter(|a| *a != "--skip-spa").collect();
    let started = Instant::now();
    let mut ctx = Ctx::new()?;
    if skip_spa {
        if !ctx.root.join("dist").join("index.html").is_file() {
            return Err(Failure::new(
                "--skip-spa needs a built dist/: run without it once",
            ));
        }
    } else {
        let tools = tools::bootstrap(&mut ctx, false)?;
        stage("trunk build --release (dist/)", || build::spa(&ctx, &tools)).0?;
    }
    stage(
        "cargo build --release -p labday-server -p labday-bench",
        || {
            let mut cmd = ctx.cargo();
            cmd.args([
                "build",
                "--release",
                "-p",
                "labday-server",
                "-p",
                "labday-bench",
            ]);
            println!("$ {}", show(&cmd));
            run(&mut cmd)
        },
    )
    .0?;
    let release = build::target_dir(&ctx).join("release");
    let exe = |name: &str| release.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut cmd = ctx.command(&exe("labday-bench").to_string_lossy());
    cmd.arg("--server")
        .arg(exe("labday-server"))
        .arg("--dist")
        .arg(ctx.root.join("dist"))
        .arg("--out")
        .arg(&ctx.root)
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
