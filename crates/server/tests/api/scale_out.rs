//! Scale-out: two real `labday-server` processes on one PostgreSQL database, rushed through
//! both at once. The session row lock is the only thing they share, and it is enough.

use crate::helpers::{add_fixture_activity, add_fixture_session, Db, SessionSpec, TestDb};
use futures::future::join_all;
use labday_server::config::Config;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A server process on a free port, killed when dropped.
pub(crate) struct Instance {
    child: Child,
    pub(crate) url: String,
}

impl Instance {
    async fn start(database: String) -> Instance {
        Instance::start_with(database, Vec::new()).await
    }

    /// A server process with more flags.
    pub(crate) async fn start_with(database: String, flags: Vec<String>) -> Instance {
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_labday-server"))
                .args(["--bind", "127.0.0.1:0", "--no-demo-data", "--database"])
                .arg(&database)
                .arg("--dist")
                .arg(std::env::temp_dir().join("labday-no-dist"))
                // Every request comes from 127.0.0.1: the per-client booking rate is off.
                .args(["--booking-rate-per-minute", "0"])
                .args(&flags)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("labday-server starts");
            // Logs share stdout with the start-up line; keep draining them so the server
            // never blocks on a full pipe.
            let stdout = child.stdout.take().expect("stdout");
            let mut lines = BufReader::new(stdout).lines();
            let url = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|line| {
                    line.trim()
                        .strip_prefix("labday is serving on ")
                        .map(|u| u.trim_end_matches('/').to_owned())
                })
                .expect("the server prints where it serves");
            std::thread::spawn(move || lines.for_each(drop));
            Instance { child, url }
        })
        .await
        .expect("start task")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn book(http: &reqwest::Client, url: &str, body: Value, key: Option<&str>) -> (u16, Value) {
    let mut request = http.post(format!("{url}/api/v1/bookings")).json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let r = request.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn two_instances_rushing_one_session_never_overbook(db: Db) {
    let db = TestDb::create(db).await;
    let seeder = labday_server::startup::open_storage(&Config::for_tests(db.url(), "no-dist"))
        .await
        .expect("storage");
    let activity = add_fixture_activity(seeder.as_ref()).await;
    let s = add_fixture_session(
        seeder.as_ref(),
        activity,
        SessionSpec {
            capacity: 100,
            ..Default::default()
        },
    )
    .await;
    let instances = [
        Instance::start(db.url()).await,
        Instance::start(db.url()).await,
    ];
    let http = reqwest::Client::new();

    let requests = (0..600u32).map(|i| {
        let http = http.clone();
        let url = instances[i as usize % 2].url.clone();
        let party = 1 + i % 3;
        async move {
            let body = json!({
                "session_id": s, "name": "访客", "phone": format!("139{i:08}"),
                "adults": party, "children": 0, "consent": true
            });
            let (status, v) = book(&http, &url, body, None).await;
            (status, v, party)
        }
    });
    let mut confirmed_people = 0;
    for (status, v, party) in join_all(requests).await {
        assert_eq!(status, 201, "every request gets a clear answer: {v}");
        if v["status"] == "confirmed" {
            confirmed_people += i64::from(party);
        }
    }
    assert!(confirmed_people <= 100, "overbooked: {confirmed_people}");
    assert!(confirmed_people >= 98, "fills up: {confirmed_people}");
    assert_eq!(db.confirmed_people(s).await, confirmed_people);
    for instance in &instances {
        let view: Value = http
            .get(format!("{}/api/v1/sessions/{s}", instance.url))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json");
        assert_eq!(view["booked"].as_i64(), Some(confirmed_people));
    }

    // One request retried against both instances at once books once.
    let other = add_fixture_session(seeder.as_ref(), activity, SessionSpec::default()).await;
    let body = json!({"session_id": other, "name": "李四", "phone": "13700137000", "adults": 2, "children": 0, "consent": true});
    let retries = (0..20).map(|i| {
        let http = http.clone();
        let url = instances[i % 2].url.clone();
        let body = body.clone();
        async move { book(&http, &url, body, Some("rush-retry")).await }
    });
    let answers = join_all(retries).await;
    let first = answers[0].1["code"].clone();
    for (status, v) in &answers {
        assert_eq!(*status, 201, "{v}");
        assert_eq!(v["code"], first, "every retry returns the first booking");
    }
    assert_eq!(db.confirmed_people(other).await, 2);
}

crate::on_postgres_only!(two_instances_rushing_one_session_never_overbook);
