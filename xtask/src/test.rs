//! `cargo xtask test [--quick]`: the whole gate, stage by stage, stopping at the first failure.

use crate::ctx::{finished, run, secs, show, spawn_failure, stage, Ctx, Failure, Result};
use crate::panics::Panics;
use crate::{build, tools};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The stage that checks the citizen's first load against its budget. Its failure does not
/// stop the run: the tests still run, so one run reports everything, and the run fails at
/// the end.
const BUNDLE_STAGE: &str = "bundle budget (citizen first load, brotli)";

/// Hidden subcommand: cargo runs wasm32 test binaries through it (see `wasm_runner`).
pub const RUNNER_SUBCOMMAND: &str = "__wasm-test-runner";

/// Chromium flags for tests (DESIGN.md "Tooling facts"); wasm-bindgen-test-runner adds headless.
const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

pub fn main(args: &[String]) -> Result {
    let mut quick = false;
    for arg in args {
        match arg.as_str() {
            "--quick" => quick = true,
            other => {
                return Err(Failure::new(format!(
                    "unknown option `{other}` (usage: cargo xtask test [--quick])"
                )))
            }
        }
    }
    let started = Instant::now();
    let mut ctx = Ctx::new()?;
    let (tools, took) = stage("tools", || tools::bootstrap(&mut ctx, true));
    let mut done: Vec<(&str, Duration)> = vec![("tools", took)];
    let tools = tools.inspect_err(|_| summary(&done, Some("tools"), started))?;
    let ctx = ctx;

    let dist = ctx.root.join("dist");
    let (chromium, driver) = tools.browser.clone().unwrap_or_default();

    type Stage<'a> = (&'static str, Box<dyn FnOnce() -> Result + 'a>);
    let mut stages: Vec<Stage> = Vec::new();
    if !quick {
        stages.push((
            "cargo fmt --all --check",
            Box::new(|| cargo(&ctx, &["fmt", "--all", "--check"])),
        ));
        stages.push((
            "cargo clippy --workspace --all-targets",
            Box::new(|| {
                cargo(
                    &ctx,
                    &[
                        "clippy",
                        "--workspace",
                        "--all-targets",
                        "--",
                        "-D",
                        "warnings",
                    ],
                )
            }),
        ));
        stages.push((
            "cargo clippy -p labday --target wasm32-unknown-unknown",
            Box::new(|| {
                cargo(
                    &ctx,
                    &[
                        "clippy",
                        "-p",
                        "labday",
                        "--target",
                        "wasm32-unknown-unknown",
                        "--",
                        "-D",
                        "warnings",
                    ],
                )
            }),
        ));
    }
    stages.push((
        "trunk build --release",
        Box::new(|| build::spa(&ctx, &tools)),
    ));
    stages.push((BUNDLE_STAGE, Box::new(|| bundle_budget(&dist))));
    stages.push((
        "cargo test --workspace",
        Box::new(|| {
            let mut cmd = ctx.cargo();
            cmd.args(["test", "--workspace"]).env("LABDAY_DIST", &dist);
            println!("$ {}", show(&cmd));
            run_telling_why(&mut cmd)
        }),
    ));
    stages.push((
        "wasm tests (headless Chromium)",
        Box::new(|| wasm_tests(&ctx, &chromium, &driver)),
    ));

    let mut over_budget = None;
    for (title, body) in stages {
        let (result, took) = stage(title, body);
        done.push((title, took));
        match result {
            Err(e) if title == BUNDLE_STAGE => over_budget = Some(e),
            Err(e) => {
                summary(&done, Some(title), started);
                return Err(e);
            }
            Ok(()) => {}
        }
    }
    if let Some(e) = over_budget {
        summary(&done, Some(BUNDLE_STAGE), started);
        return Err(e);
    }
    summary(&done, None, started);
    Ok(())
}

/// Brotli sizes of each citizen bundle's first load (dist/staff/ is the console's and never
/// counts), printed per file. Fails when any is over `FIRST_LOAD_BROTLI_BUDGET`.
pub fn bundle_budget(dist: &Path) -> Result {
    let bundle = labday_bundle::measure_first_load(dist).map_err(Failure::new)?;
    print!("{}", bundle.first_load_table());
    let mistakes = labday_bundle::linked_by_mistake(dist, &bundle).map_err(Failure::new)?;
    if !mistakes.is_empty() {
        let which: Vec<String> = mistakes
            .iter()
            .map(|(file, why)| format!("{file} holds {why}"))
            .collect();
        return Err(Failure::new(format!(
            "a citizen bundle links what it should not: {}",
            which.join("; ")
        )));
    }
    let budget = labday_bundle::FIRST_LOAD_BROTLI_BUDGET;
    let over = bundle.over_budget();
    if !over.is_empty() {
        let which: Vec<String> = over
            .iter()
            .map(|(entry, excess)| {
                format!(
                    "{} weighs {} bytes of brotli, {excess} over the budget of {budget}",
                    entry.name(),
                    bundle.first_load(*entry).brotli,
                )
            })
            .collect();
        return Err(Failure::new(format!(
            "a citizen first load is too heavy: {} (the files are listed above; see README \
             \"Bundle size\")",
            which.join("; ")
        )));
    }
    for entry in labday_bundle::Entry::ALL {
        println!(
            "{}: {} bytes, within the budget of {budget} bytes",
            entry.name(),
            bundle.first_load(entry).brotli,
        );
    }
    Ok(())
}

/// Runs `cmd` (a `cargo test`), printing its output as it comes; a failure ends with the
/// failed tests' panic messages (see `panics`).
fn run_telling_why(cmd: &mut Command) -> Result {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_failure(cmd, e))?;
    let mut panics = Panics::default();
    if let Some(out) = child.stdout.take() {
        panics.echo(std::io::BufReader::new(out));
    }
    let status = child.wait().map_err(|e| spawn_failure(cmd, e))?;
    finished(cmd, status).map_err(|failure| {
        let why = panics.summary();
        if why.is_empty() {
            failure
        } else {
            Failure::new(format!("{failure}; the failed tests said:\n{why}"))
        }
    })
}

fn cargo(ctx: &Ctx, args: &[&str]) -> Result {
    let mut cmd = ctx.cargo();
    cmd.args(args);
    println!("$ {}", show(&cmd));
    run(&mut cmd)
}

fn summary(done: &[(&str, Duration)], failed: Option<&str>, started: Instant) {
    println!("\n==> summary");
    for (title, took) in done {
        let mark = if Some(*title) == failed {
            "FAILED"
        } else {
            "ok"
        };
        println!("  {mark:>6}  {:>7}  {title}", secs(*took));
    }
    let total = secs(started.elapsed());
    match failed {
        None => println!("==> all {} stages passed; total {total}", done.len()),
        Some(title) => println!("==> FAILED at `{title}`; total {total}"),
    }
}

/// `cargo test -p labday --target wasm32-unknown-unknown`, with cargo's runner pointed at this
/// xtask, which gives wasm-bindgen-test-runner a webdriver.json for headless Chromium.
fn wasm_tests(ctx: &Ctx, chromium: &Path, driver: &Path) -> Result {
    let me = std::env::current_exe()
        .map_err(|e| Failure::new(format!("cannot locate the xtask binary: {e}")))?;
    let me = me.to_string_lossy();
    if me.contains(char::is_whitespace) {
        return Err(Failure::new(format!(
            "the xtask binary path contains spaces, which cargo's runner setting cannot hold: {me}"
        )));
    }
    let mut cmd = ctx.cargo();
    cmd.args(["test", "-p", "labday", "--target", "wasm32-unknown-unknown"])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            format!("{me} {RUNNER_SUBCOMMAND}"),
        )
        .env("CHROMEDRIVER", driver)
        .env("LABDAY_CHROMIUM", chromium)
        .env("LABDAY_XTASK_TARGET_DIR", build::target_dir(ctx));
    if std::env::var_os("WASM_BINDGEN_TEST_TIMEOUT").is_none() {
        cmd.env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    }
    println!("$ CHROMEDRIVER={} {}", driver.display(), show(&cmd));
    run(&mut cmd)
}

/// Cargo's runner for wasm32 tests: write a webdriver.json (Chromium binary, --no-sandbox,
/// a fresh profile) into a scratch directory under target/, then run
/// wasm-bindgen-test-runner from there, since it reads ./webdriver.json.
pub fn wasm_runner(args: &[String]) -> Result {
    let cwd =
        std::env::current_dir().map_err(|e| Failure::new(format!("no current directory: {e}")))?;
    let target = std::env::var_os("LABDAY_XTASK_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| cwd.join("target"));
    let scratch = target
        .join("xtask")
        .join(format!("wasm-test-{}", std::process::id()));
    let profile = scratch.join("chromium-profile");
    std::fs::create_dir_all(&profile)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", profile.display())))?;
    let chromium =
        std::env::var_os("LABDAY_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into());
    std::fs::write(
        scratch.join("webdriver.json"),
        webdriver_json(Path::new(&chromium), &profile),
    )
    .map_err(|e| Failure::new(format!("cannot write webdriver.json: {e}")))?;

    // Paths cargo hands us may be relative to its working directory: make them absolute.
    let args: Vec<OsString> = args
        .iter()
        .map(|a| {
            let p = Path::new(a);
            if p.is_relative() && cwd.join(p).exists() {
                cwd.join(p).into_os_string()
            } else {
                a.into()
            }
        })
        .collect();
    let mut cmd = Command::new("wasm-bindgen-test-runner");
    cmd.args(&args).current_dir(&scratch);
    let result = run(&mut cmd);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn webdriver_json(chromium: &Path, profile: &Path) -> String {
    let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| json_str(a)).collect();
    args.push(json_str(&format!("--user-data-dir={}", profile.display())));
    format!(
        "{{\n  \"goog:chromeOptions\": {{\n    \"binary\": {},\n    \"args\": [\n      {}\n    ]\n  }}\n}}\n",
        json_str(&chromium.to_string_lossy()),
        args.join(",\n      ")
    )
}

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{run_telling_why, webdriver_json};
    use std::path::Path;
    use std::process::Command;

    /// A test run's output, as libtest prints it, from a command that fails as cargo does.
    fn failing_run(output: &str) -> String {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "printf '%s' \"$0\"; exit 101", output]);
        match run_telling_why(&mut cmd) {
            Ok(()) => panic!("a run that exits 101 was taken for a success"),
            Err(failure) => failure.to_string(),
        }
    }

    #[test]
    fn a_failed_test_run_ends_with_what_the_failed_tests_said() {
        let said = failing_run(
            "test x ... FAILED\n\nfailures:\n\n---- x stdout ----\n\
             thread 'x' panicked at t.rs:9:5:\nonly 3 of 60 succeeded\nstack backtrace:\n\
             \x20  0: f\n\nfailures:\n    x\n\ntest result: FAILED. 0 passed; 1 failed\n",
        );
        assert!(
            said.ends_with(
                "failed (exit code 101); the failed tests said:\n  x\n    \
                 panicked at t.rs:9:5:\n    only 3 of 60 succeeded"
            ),
            "{said}"
        );
    }

    #[test]
    fn a_run_that_fails_without_a_panic_says_only_how_it_ended() {
        let said = failing_run("error: could not compile `x`\n");
        assert!(said.ends_with("failed (exit code 101)"), "{said}");
    }

    #[test]
    fn webdriver_json_names_the_browser_and_profile() {
        let json = webdriver_json(Path::new("/usr/bin/chromium"), Path::new("/tmp/p\"x"));
        assert!(json.contains("\"binary\": \"/usr/bin/chromium\""));
        assert!(json.contains("\"--no-sandbox\""));
        assert!(json.contains("\"--user-data-dir=/tmp/p\\\"x\""));
    }
}
