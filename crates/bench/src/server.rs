//! One database's run: a fresh database with the demo catalogue and the rush sessions, the
//! release server started on it, the phases, and the check against the database itself.

use crate::load::{self, Rush, Throughput};
use crate::Options;
use chrono::{Duration as Days, Utc};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::SessionDraft;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::SessionFormat;
use labday_server::config::Config;
use labday_server::storage::{NewActivity, NewOrganisation, Storage};
use serde_json::{json, Value};
use sqlx::Connection;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Bench database created (and dropped) on the PostgreSQL server.
const PG_DATABASE: &str = "labday_bench";

/// What the database says after the rush.
#[derive(Debug, Clone, Default)]
pub struct Check {
    pub popular_capacity: i64,
    pub popular_confirmed: i64,
    pub sessions: usize,
    /// Sessions whose confirmed people exceed capacity: must be 0.
    pub over_capacity: usize,
    /// Sessions whose `booked` counter differs from their confirmed bookings: must be 0.
    pub counters_off: usize,
    pub confirmed_total: i64,
}

#[derive(Debug, Clone)]
pub struct DatabaseResult {
    pub database: String,
    pub baseline: Throughput,
    pub browse: Throughput,
    pub rush: Rush,
    pub check: Check,
    pub rss_peak_kb: u64,
    pub rss_end_kb: u64,
    /// The machine's 1-minute load average before the run and after the rush: other work
    /// on the same cores (builds) shows here, and lowers every absolute figure.
    pub load_before: f64,
    pub load_after: f64,
}

impl DatabaseResult {
    /// No overbooking, counters in step, and every booking request answered.
    pub fn safe(&self) -> bool {
        self.check.over_capacity == 0
            && self.check.counters_off == 0
            && self.check.popular_confirmed <= self.check.popular_capacity
            && self.rush.all.errors == 0
    }

    pub fn json(&self) -> Value {
        let base = self.baseline.per_second();
        let ratio = |x: f64| if base > 0.0 { x / base } else { 0.0 };
        json!({
            "database": self.database,
            "baseline": self.baseline.json(),
            "browse": self.browse.json(),
            "browse_ratio": ratio(self.browse.per_second()),
            "rush": {
                "bookings": self.rush.all.json(),
                "opening_wave": self.rush.opening.json(),
                "ratio": ratio(self.rush.all.per_second()),
                "confirmed": self.rush.confirmed,
                "waitlisted": self.rush.waitlisted,
                "errors_by_status": self.rush.error_statuses.iter()
                    .map(|(s, n)| json!({"status": s, "count": n})).collect::<Vec<_>>(),
            },
            "check": {
                "popular_capacity": self.check.popular_capacity,
                "popular_confirmed": self.check.popular_confirmed,
                "sessions": self.check.sessions,
                "sessions_over_capacity": self.check.over_capacity,
                "sessions_with_counter_off": self.check.counters_off,
                "confirmed_total": self.check.confirmed_total,
            },
            "server_rss_peak_kb": self.rss_peak_kb,
            "server_rss_end_kb": self.rss_end_kb,
            "load_average_1min": {"before": self.load_before, "after_rush": self.load_after},
            "safe": self.safe(),
        })
    }
}

/// A fresh database for `database` and the URL the server gets.
async fn fresh_database(options: &Options, database: &str) -> Result<(String, Fresh), String> {
    match database {
        "sqlite" => {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = dir.path().join("labday.db");
            Ok((path.display().to_string(), Fresh::Sqlite(dir)))
        }
        _ => {
            let mut admin = sqlx::PgConnection::connect(&options.postgres)
                .await
                .map_err(|e| format!("unreachable at {}: {e}", options.postgres))?;
            for sql in [
                format!("DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"),
                format!("CREATE DATABASE {PG_DATABASE}"),
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
                format!("{server}/{PG_DATABASE}{query}"),
                Fresh::Postgres(options.postgres.clone()),
            ))
        }
    }
}

/// Cleans up a fresh database when the run ends.
enum Fresh {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(String),
}

impl Fresh {
    async fn remove(self) {
        if let Fresh::Postgres(admin_url) = self {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
                ))
                .execute(&mut admin)
                .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// Demo catalogue plus the rush sessions: the popular one and the spread.
async fn seed(options: &Options, url: &str) -> Result<(i64, Vec<i64>, Vec<i64>), String> {
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
    // The spread sessions hold about as many places as they get requests, so some fill.
    let spread_requests = options.clients * options.bookings_per_client.saturating_sub(1);
    let spread_capacity = (spread_requests / options.spread_sessions.max(1)).max(1) as u32;
    let mut spread = Vec::new();
    for i in 0..options.spread_sessions {
        spread.push(
            db.add_session(activity, session(spread_capacity, 1 + i as i64 % 8))
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
    Ok((popular, spread, readable))
}

/// The release server, on a free port.
struct Server {
    child: Child,
    url: String,
    pid: u32,
}

async fn start_server(options: &Options, database_url: &str) -> Result<Server, String> {
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
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
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

/// Per session: capacity, the `booked` counter, and confirmed people counted from bookings.
async fn check(database: &str, url: &str, popular: i64) -> Result<Check, String> {
    const SQL: &str = "SELECT s.id, s.capacity, s.booked, \
        CAST(COALESCE(SUM(CASE WHEN b.status IN ('confirmed', 'checked_in') \
        THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT) AS confirmed \
        FROM sessions s LEFT JOIN bookings b ON b.session_id = s.id \
        GROUP BY s.id, s.capacity, s.booked";
    // The same query on either database's own connection type.
    macro_rules! fetch {
        ($connection:ty, $url:expr) => {{
            let mut conn = <$connection>::connect($url)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query_as(SQL)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| e.to_string())?
        }};
    }
    let rows: Vec<(i64, i64, i64, i64)> = if database == "sqlite" {
        fetch!(sqlx::SqliteConnection, &format!("sqlite://{url}"))
    } else {
        fetch!(sqlx::PgConnection, url)
    };
    let mut out = Check {
        sessions: rows.len(),
        ..Check::default()
    };
    for (id, capacity, booked, confirmed) in rows {
        if confirmed > capacity {
            out.over_capacity += 1;
        }
        if booked != confirmed {
            out.counters_off += 1;
        }
        if id == popular {
            out.popular_capacity = capacity;
            out.popular_confirmed = confirmed;
        }
        out.confirmed_total += confirmed;
    }
    Ok(out)
}

pub async fn bench_database(options: &Options, database: &str) -> Result<DatabaseResult, String> {
    let (url, fresh) = fresh_database(options, database).await?;
    let result = measure(options, database, &url).await;
    fresh.remove().await;
    result
}

async fn measure(options: &Options, database: &str, url: &str) -> Result<DatabaseResult, String> {
    let load_before = load_average();
    let (popular, spread, readable) = seed(options, url).await?;
    let mut server = start_server(options, url).await?;
    let addr = crate::http::address(&server.url)?;
    let connections = load::connect_all(addr, options.clients).await?;
    println!(
        "{} clients connected; server RSS peak so far {} MB",
        options.clients,
        memory_kb(server.pid).0 / 1024
    );

    let health: Arc<str> = Arc::from("/api/v1/health");
    let (connections, baseline) = load::timed(
        connections,
        options.phase,
        Arc::new(move |_, _| health.clone()),
    )
    .await;
    println!(
        "baseline: {:.0} req/s, p99 {:.1} ms, {} errors; server RSS peak so far {} MB",
        baseline.per_second(),
        baseline.latency.p99,
        baseline.errors,
        memory_kb(server.pid).0 / 1024
    );

    // Browsing: the activity list and session availability, half and half.
    let list: Arc<str> = Arc::from("/api/v1/activities");
    let sessions: Vec<Arc<str>> = readable
        .iter()
        .map(|id| Arc::from(format!("/api/v1/sessions/{id}")))
        .collect();
    let (connections, browse) = load::timed(
        connections,
        options.phase,
        Arc::new(move |c, n| {
            if (c as u64 + n).is_multiple_of(2) || sessions.is_empty() {
                list.clone()
            } else {
                sessions[(c * 31 + n as usize) % sessions.len()].clone()
            }
        }),
    )
    .await;
    println!(
        "browse: {:.0} reads/s, p99 {:.1} ms, {} errors; server RSS peak so far {} MB",
        browse.per_second(),
        browse.latency.p99,
        browse.errors,
        memory_kb(server.pid).0 / 1024
    );

    let (connections, rush) = load::rush(
        connections,
        options.bookings_per_client,
        popular,
        Arc::new(spread),
    )
    .await;
    let (rss_peak_kb, rss_end_kb) = memory_kb(server.pid);
    let load_after = load_average();
    println!(
        "rush: {} bookings in {:.2} s = {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, {} errors; \
         opening wave p99 {:.1} ms; server RSS peak {} MB",
        rush.all.requests,
        rush.all.seconds,
        rush.all.per_second(),
        rush.all.latency.p50,
        rush.all.latency.p99,
        rush.all.errors,
        rush.opening.latency.p99,
        rss_peak_kb / 1024
    );
    drop(connections);
    let _ = server.child.kill().await;
    let check = check(database, url, popular).await?;
    println!(
        "check: popular session {} confirmed of {} places; {} sessions over capacity; \
         {} counters out of step",
        check.popular_confirmed, check.popular_capacity, check.over_capacity, check.counters_off
    );
    Ok(DatabaseResult {
        database: database.to_owned(),
        baseline,
        browse,
        rush,
        check,
        rss_peak_kb,
        rss_end_kb,
        load_before,
        load_after,
    })
}
