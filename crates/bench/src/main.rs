//! `labday-bench`: the figures behind `cargo xtask bench`. For each database and number of
//! connections, several times over, it starts the release server on a fresh database, drives
//! it over real HTTP on loopback through the same phases of the same length (`run.rs`), reads
//! the CPU the server, PostgreSQL and the generator spent, checks the database, and measures
//! the shipped bundle. It writes `BENCHMARKS.md` and `bench-results.json`: every run, and per
//! configuration the median and the spread.

mod bundle;
mod check;
mod cpu;
mod figures;
mod http;
mod latency;
mod load;
mod outcome;
mod report;
mod run;
mod server;
mod spread;
mod workload;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// What one bench measures, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub server: PathBuf,
    pub dist: PathBuf,
    pub out_dir: PathBuf,
    /// Each configuration runs at each of these numbers of connections.
    pub connections: Vec<usize>,
    /// Runs of each configuration.
    pub runs: usize,
    pub places: u32,
    pub spread_sessions: usize,
    /// Length of every phase.
    pub phase: Duration,
    /// Length of PostgreSQL's long rush (zero: none).
    pub long_rush: Duration,
    pub postgres: String,
    pub databases: Vec<String>,
    pub commit: String,
    /// How long the steps before this run took (`cargo xtask bench` passes them), in seconds.
    pub steps: Vec<(String, f64)>,
    /// Steps that ran alongside others (inside a counted step), shown but not added up.
    pub overlapping_steps: Vec<(String, f64)>,
}

const USAGE: &str = "\
usage: labday-bench --server PATH [options]
  --dist DIR            the built app to measure (default ./dist)
  --out DIR             where BENCHMARKS.md and bench-results.json go (default .)
  --seconds N           length of every phase (default 30)
  --connections LIST    comma-separated numbers of connections, each a configuration
                        (default 100,1000)
  --runs N              runs of each configuration; the report gives the median and the
                        spread (default 3)
  --long-rush N         seconds of PostgreSQL's extra sustained rush, 0 for none (default 60)
  --places N            places in the popular session (default 500)
  --spread N            other sessions the bookings go to (default 40)
  --postgres URL        PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test)
  --databases LIST      comma-separated: sqlite,postgres (default both), or postgres-2:
                        PostgreSQL behind two server processes, half the clients on each
                        (what a second instance adds)
  --commit SHA          commit being measured (default: git rev-parse HEAD)
  --step NAME=SECONDS   a step before this run and how long it took, for the report
  --step-within NAME=SECONDS
                        a part of the steps that ran alongside another (not added to the total)";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        server: PathBuf::new(),
        dist: PathBuf::from("dist"),
        out_dir: PathBuf::from("."),
        connections: vec![100, 1000],
        runs: 3,
        places: 500,
        spread_sessions: 40,
        phase: Duration::from_secs(30),
        long_rush: Duration::from_secs(60),
        postgres: "postgres://postgres@127.0.0.1:5432/test".into(),
        databases: vec!["sqlite".into(), "postgres".into()],
        commit: String::new(),
        steps: Vec::new(),
        overlapping_steps: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag} needs a positive number"))
        };
        match flag.as_str() {
            "--server" => o.server = value()?.into(),
            "--dist" => o.dist = value()?.into(),
            "--out" => o.out_dir = value()?.into(),
            "--connections" => {
                o.connections = value()?
                    .split(',')
                    .map(|n| number(n.trim().to_owned()))
                    .collect::<Result<_, _>>()?;
            }
            "--runs" => o.runs = number(value()?)?,
            "--places" => o.places = u32::try_from(number(value()?)?).map_err(|e| e.to_string())?,
            "--spread" => o.spread_sessions = number(value()?)?,
            "--seconds" => o.phase = Duration::from_secs(number(value()?)? as u64),
            "--long-rush" => {
                let v = value()?;
                o.long_rush = Duration::from_secs(
                    v.parse()
                        .map_err(|_| format!("{flag} needs a number of seconds, not `{v}`"))?,
                );
            }
            "--postgres" => o.postgres = value()?,
            "--databases" => {
                o.databases = value()?.split(',').map(str::to_owned).collect();
                if let Some(bad) = o
                    .databases
                    .iter()
                    .find(|d| !run::DATABASES.contains(&d.as_str()))
                {
                    return Err(format!("unknown database `{bad}`"));
                }
            }
            "--commit" => o.commit = value()?,
            "--step" | "--step-within" => {
                let step = value()?;
                let (name, secs) = step
                    .rsplit_once('=')
                    .and_then(|(n, s)| Some((n.to_owned(), s.parse::<f64>().ok()?)))
                    .ok_or_else(|| format!("{flag} needs NAME=SECONDS, not `{step}`"))?;
                if flag == "--step" {
                    o.steps.push((name, secs));
                } else {
                    o.overlapping_steps.push((name, secs));
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    if o.server.as_os_str().is_empty() {
        return Err(format!("--server is required\n\n{USAGE}"));
    }
    if o.commit.is_empty() {
        o.commit = std::process::Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "labday-bench: a check failed (overbooking, counts that do not match the \
                 answers, or failed requests); see the report"
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("labday-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every configuration once, then again, `--runs` times: runs of one configuration are
/// spread over the whole bench, so a slow minute of the machine does not fall on one of them
/// alone.
async fn run(mut options: Options) -> Result<bool, String> {
    let started = std::time::Instant::now();
    let mut results = Vec::new();
    let mut databases = options.databases.clone();
    for n in 1..=options.runs {
        for database in databases.clone() {
            // PostgreSQL found unreachable in this pass (outside CI): its other
            // configuration is skipped too, not tried and reported again.
            if !databases.contains(&database) {
                continue;
            }
            for &connections in &options.connections {
                println!(
                    "\n==> {database}, {connections} connections, run {n} of {}",
                    options.runs
                );
                match run::run(&options, &database, connections, n).await {
                    Ok(r) => results.push(r),
                    Err(e) if run::on_postgres(&database) && std::env::var_os("CI").is_none() => {
                        println!("SKIPPED (not in CI): PostgreSQL: {e}");
                        databases.retain(|d| !run::on_postgres(d));
                        break;
                    }
                    Err(e) => return Err(format!("{database}: {e}")),
                }
            }
        }
    }
    println!("\n==> bundle ({})", options.dist.display());
    let bundle = bundle::measure(&options.dist)?;
    options
        .steps
        .push(("load and checks".into(), started.elapsed().as_secs_f64()));
    let machine = report::Machine::detect();
    let json = report::json(&options, &machine, &results, &bundle);
    let md = report::markdown(&options, &machine, &results, &bundle);
    let json_path = options.out_dir.join("bench-results.json");
    let md_path = options.out_dir.join("BENCHMARKS.md");
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())? + "\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", json_path.display()))?;
    std::fs::write(&md_path, md).map_err(|e| format!("cannot write {}: {e}", md_path.display()))?;
    println!("\nwrote {} and {}", md_path.display(), json_path.display());
    Ok(results.iter().all(run::RunResult::safe))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::time::Duration;

    fn args(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = vec!["--server".into(), "s".into(), "--commit".into(), "c".into()];
        v.extend(list.iter().map(|a| a.to_string()));
        v
    }

    #[test]
    fn defaults_are_30_s_phases_at_100_and_1000_connections_three_times() {
        let o = parse(&args(&[])).unwrap();
        assert_eq!(o.phase, Duration::from_secs(30));
        assert_eq!(o.connections, vec![100, 1000]);
        assert_eq!(o.runs, 3);
        assert_eq!(o.long_rush, Duration::from_secs(60));
        assert_eq!(o.databases, vec!["sqlite", "postgres"]);
    }

    #[test]
    fn options_are_read_and_nonsense_refused() {
        let o = parse(&args(&[
            "--seconds",
            "2",
            "--connections",
            "10, 50",
            "--runs",
            "1",
            "--long-rush",
            "0",
            "--databases",
            "sqlite",
        ]))
        .unwrap();
        assert_eq!((o.phase, o.runs), (Duration::from_secs(2), 1));
        assert_eq!(o.connections, vec![10, 50]);
        assert!(o.long_rush.is_zero());
        assert_eq!(o.databases, vec!["sqlite"]);
        let two = parse(&args(&["--databases", "postgres,postgres-2"])).unwrap();
        assert_eq!(two.databases, vec!["postgres", "postgres-2"]);
        for bad in [
            &["--connections", "10,0"][..],
            &["--connections", ""],
            &["--runs", "0"],
            &["--seconds", "-1"],
            &["--long-rush", "x"],
            &["--databases", "mysql"],
            &["--databases", "postgres-3"],
            &["--databases", "sqlite-2"],
            &["--clients", "5"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
        assert!(
            parse(&["--seconds".into(), "2".into()]).is_err(),
            "--server is required"
        );
    }
}
