//! `cargo xtask run|test|bench`: bootstrap the tools, build, run or test labday.

mod bench;
mod build;
mod ctx;
mod glue;
mod icons;
mod imports;
mod lighthouse;
mod panics;
mod run;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  run [--port N] [--no-demo-data]   build the app and the server, then serve on 127.0.0.1:N (8080)
  test [--quick]                    fmt, clippy, build, native + browser tests, wasm tests
                                    (--quick skips fmt and clippy)
  bench [--clients N] [--places N]  rush, browse and no-op benchmark on SQLite and PostgreSQL,
        [--skip-spa] ...            plus bundle sizes; writes BENCHMARKS.md, bench-results.json
  bundle                            the gate's first-load budget check on the dist/ built last
  icons                             draw the manifests' app icons into public/icons/
  lighthouse [--port N]             Lighthouse (mobile) on the home page: accessibility, SEO,
                                    best practices, installable (not part of the gate)

environment:
  LABDAY_TOOLS_DIR   where missing tools are installed, one folder per tool and version
                     (default: a per-user cache shared by every clone,
                     ${XDG_CACHE_HOME:-~/.cache}/labday/tools)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::main(&args[1..]),
        Some("test") => test::main(&args[1..]),
        Some("bench") => bench::main(&args[1..]),
        Some("icons") => icons::main(&args[1..]),
        // The gate's bundle stage alone, on the dist/ built last.
        Some("bundle") => ctx::Ctx::new().and_then(|c| test::bundle_budget(&c.root.join("dist"))),
        Some("lighthouse") => lighthouse::main(&args[1..]),
        // Internal: cargo's runner for wasm32 tests (see test.rs).
        Some(test::RUNNER_SUBCOMMAND) => test::wasm_runner(&args[1..]),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(ctx::Failure::new(format!(
            "unknown command `{other}`\n\n{USAGE}"
        ))),
        None => Err(ctx::Failure::new(USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}
