use clap::Parser;
use labday_server::config::{Cli, Command};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// mimalloc rather than glibc's malloc: a request allocates and frees many small buffers
/// on two threads or more. Built without transparent huge pages (`no_thp` in Cargo.toml),
/// which made its memory peak pass 100 MB at 1,000 connections (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Logging when RUST_LOG says nothing (or nothing readable).
const DEFAULT_LOG: &str = "info,sqlx=warn";

/// RUST_LOG's `target=level` list (span and regex filters are not supported: per-target
/// levels are all the server needs, and they spare it a regex engine).
fn log_filter() -> Targets {
    let wanted = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    if let Some(wanted) = wanted {
        match wanted.parse() {
            Ok(filter) => return filter,
            Err(e) => eprintln!(
                "labday-server: RUST_LOG is not a list of target=level ({e}); using {DEFAULT_LOG}"
            ),
        }
    }
    DEFAULT_LOG.parse().unwrap_or_default()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(log_filter())
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match labday_server::startup::start(&cli.config).await {
            Ok((running, handle)) => {
                println!("labday is serving on http://{}/", running.addr);
                let _ = handle.await;
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("labday-server could not start: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Command::User(command) => {
            let password = std::env::var("LABDAY_PASSWORD").ok().or_else(|| {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).ok()?;
                // A file saved with a byte-order mark (Windows Notepad) starts with one.
                let line = line.strip_prefix('\u{FEFF}').unwrap_or(&line);
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            });
            finish(labday_server::users::run(&cli.config, command, password).await)
        }
        Command::Org(command) => finish(labday_server::users::run_org(&cli.config, command).await),
    }
}

/// A command's outcome for the operator: what it did on standard output, or why not.
fn finish(outcome: Result<String, String>) -> std::process::ExitCode {
    match outcome {
        Ok(done) => {
            println!("{done}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("labday-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
