//! The measured server and its database: a fresh database with the demo catalogue and the
//! run's sessions, the release server started on it, and what `/proc` says about its memory
//! and the machine's load.

use crate::Options;
use chrono::{Duration as Days, Utc};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::{SessionDraft, CAPACITY_MAX};
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::SessionFormat;
use labday_server::config::Config;
use labday_server::storage::{NewActivity, NewOrganisation, Storage};
use sqlx::Connection;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Bench database created (and dropped) on the PostgreSQL server: `LABDAY_BENCH_PG_DATABASE`
/// when set (two benches on one PostgreSQL server at once need a name each), else
/// `labday_bench`.
pub fn pg_database() -> String {
    std::env::var("LABDAY_BENCH_PG_DATABASE")
        .ok()
        .filter(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .unwrap_or_else(|| "labday_bench".to_owned())
}

/// A fresh database for `database` and the URL the server gets.
pub async fn fresh_database(options: &Options, database: &str) -> Result<(String, Fresh), String> {
    match database {
        "sqlite" => {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = dir.path().join("labday.db");
            Ok((path.display().to_string(), Fresh::Sqlite(dir)))
        }
        _ => {
            let name = pg_database();
            let mut admin = sqlx::PgConnection::connect(&options.postgres)
                .await
                .map_err(|e| format!("unreachable at {}: {e}", options.postgres))?;
            for sql in [
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                format!("CREATE DATABASE {name}"),
            ] {
                sqlx::query(&sql)
                    .execute(&mut admin)
                    .await
                    .map_err(|e| format!("{sql}: {e}"))?;
            }
            let _ = admin.close().await;
            let (url, query) = match options.postgres.split_once('?') {
                Some((u, q)) => (u, format!("?{q}")),
                None => (options.postgres.as_str(), String::new()),
            };
            let server = url
                .rsplit_once('/')
                .map(|(s, _)| s)
                .filter(|s| !s.ends_with('/'))
                .unwrap_or(url);
            Ok((
                format!("{server}/{name}{query}"),
                Fresh::Postgres(options.postgres.clone()),
            ))
        }
    }
}

/// Cleans up a fresh database when the run ends.
pub enum Fresh {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(String),
}

impl Fresh {
    pub async fn remove(self) {
        if let Fresh::Postgres(admin_url) = self {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    pg_database()
                ))
                .execute(&mut admin)
                .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// The sessions a run books and reads.
pub struct Seeded {
    /// `--places` places: it fills, then waitlists.
    pub popular: i64,
    /// Sessions of the largest capacity allowed, which no run fills.
    pub spread: Vec<i64>,
    /// Every session of every listed activity (the demo catalogue's and the run's).
    pub readable: Vec<i64>,
}

/// Demo catalogue plus the run's sessions: the popular one and the spread.
pub async fn seed(options: &Options, url: &str) -> Result<Seeded, String> {
    let mut config = Config::for_tests(url, &options.dist);
    config.no_demo_data = false;
    let storage = labday_server::startup::open_storage(&config)
        .await
        .map_err(|e| e.to_string())?;
    let db: &dyn Storage = storage.as_ref();
    let fail = |e: labday_server::storage::StorageError| e.to_string();
    let org = db
        .add_organisation(NewOrganisation {
            name: Localised::new("压测检测中心", "Rush test centre"),
            city: Localised::new("南昌", "Nanchang"),
            address: Localised::new("压测路 1 号", "1 Rush Road"),
            contact: "0791-0000".into(),
            utc_offset_minutes: SHANGHAI_OFFSET_MINUTES,
        })
        .await
        .map_err(fail)?;
    let now = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES);
    let activity = db
        .add_activity(NewActivity {
            organisation_id: org,
            kind: ActivityKind::LabOpenDay,
            title: Localised::new("热门开放日", "The popular open day"),
            description: Localised::default(),
            safety_notes: Localised::default(),
            starts_on: now.date(),
            ends_on: now.date() + Days::days(10),
        })
        .await
        .map_err(fail)?;
    let session = |capacity: u32, hours: i64| {
        let starts_at = now + Days::days(3) + Days::hours(hours);
        SessionDraft {
            format: SessionFormat::Visit,
            title: Localised::new("参观", "Visit"),
            place: Localised::new("一楼", "Ground floor"),
            address: Localised::default(),
            join_link: None,
            starts_at,
            ends_at: starts_at + Days::hours(1),
            capacity,
            reserved_places: 0,
            per_booking_limit: 5,
            booking_opens_at: now - Days::hours(1),
            booking_closes_at: starts_at - Days::hours(1),
            cancel_deadline: starts_at - Days::hours(2),
        }
    };
    let popular = db
        .add_session(activity, session(options.places, 0))
        .await
        .map_err(fail)?;
    let mut spread = Vec::new();
    for i in 0..options.spread_sessions {
        spread.push(
            db.add_session(activity, session(CAPACITY_MAX, 1 + i as i64 % 8))
                .await
                .map_err(fail)?,
        );
    }
    let now_utc = Utc::now();
    let activities: Vec<i64> = db
        .list_activities(now_utc, None)
        .await
        .map_err(fail)?
        .iter()
        .map(|a| a.id)
        .collect();
    let mut readable = Vec::new();
    for id in activities {
        if let Some(a) = db.activity(id, now_utc).await.map_err(fail)? {
            readable.extend(a.sessions.iter().map(|s| s.id));
        }
    }
    drop(storage);
    Ok(Seeded {
        popular,
        spread,
        readable,
    })
}

/// The release server, on a free port.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub pid: u32,
}

pub async fn start_server(options: &Options, database_url: &str) -> Result<Server, String> {
    let mut child = Command::new(&options.server)
        .args(["--bind", "127.0.0.1:0", "--no-demo-data", "--database"])
        .arg(database_url)
        .arg("--dist")
        .arg(&options.dist)
        // Every simulated citizen books from 127.0.0.1: a per-client rate no rush reaches,
        // so the limit is counted on every booking (its cost is in the figures) but never
        // refuses one.
        .args(["--booking-rate-per-minute", "100000000"])
        // The server's own default log filter, as deployed.
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", options.server.display()))?;
    let pid = child.id().unwrap_or_default();
    let stdout = child.stdout.take().ok_or("no server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    // Logs share stdout with the start-up line; keep draining them so the server never
    // blocks on a full pipe.
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
            if let Some(url) = line.trim().strip_prefix("labday is serving on ") {
                return Ok(url.trim_end_matches('/').to_owned());
            }
        }
        Err("the server exited before it started serving".to_owned())
    })
    .await
    .map_err(|_| "the server did not start within 60 s".to_owned())??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Server { child, url, pid })
}

/// VmHWM (peak) and VmRSS (now) of a process, in KB.
pub fn memory_kb(pid: u32) -> (u64, u64) {
    memory_in(&std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default())
}

/// VmHWM and VmRSS of a `/proc/<pid>/status` text, in KB (0 when missing).
fn memory_in(status: &str) -> (u64, u64) {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The 1-minute load average (0 when unknown).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::memory_in;

    #[test]
    fn peak_and_current_memory_from_proc_status() {
        let status = "Name:\tlabday-server\nVmPeak:\t  812345 kB\nVmHWM:\t   56789 kB\n\
                      VmRSS:\t   51234 kB\nThreads:\t3\n";
        assert_eq!(memory_in(status), (56789, 51234));
        assert_eq!(memory_in(""), (0, 0));
        // Our own process has both.
        let own = std::fs::read_to_string("/proc/self/status").unwrap();
        let (peak, now) = memory_in(&own);
        assert!(peak >= now && now > 0, "{peak} {now}");
    }
}
