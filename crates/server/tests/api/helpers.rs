//! `TestApp`: a server on a temporary database, an HTTP client, and fixtures that create
//! sessions with windows and deadlines relative to now.

use chrono::{Duration, NaiveDateTime, Utc};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::SessionFormat;
use labday_server::config::Config;
use labday_server::storage::{NewActivity, NewOrganisation, NewSession, Storage};
use serde_json::{json, Value};
use std::sync::Arc;

pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    pub storage: Arc<dyn Storage>,
    pub db_path: std::path::PathBuf,
    pub activity_id: i64,
    _dir: tempfile::TempDir,
}

/// Venue-local now.
pub fn now() -> NaiveDateTime {
    venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES)
}

/// How a fixture session is shaped.
pub struct SessionSpec {
    pub format: SessionFormat,
    pub capacity: u32,
    pub per_booking_limit: u32,
    /// Start, relative to now.
    pub starts_in: Duration,
    pub opens_in: Duration,
    pub closes_before_start: Duration,
    pub cancel_before_start: Duration,
    pub join_link: Option<String>,
}

impl Default for SessionSpec {
    fn default() -> Self {
        SessionSpec {
            format: SessionFormat::Visit,
            capacity: 10,
            per_booking_limit: 5,
            starts_in: Duration::days(2),
            opens_in: Duration::days(-1),
            closes_before_start: Duration::hours(1),
            cancel_before_start: Duration::hours(2),
            join_link: None,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("labday.db");
        let mut config =
            Config::for_tests(db_path.display().to_string(), dir.path().join("no-dist"));
        adjust(&mut config);
        let (running, _handle) = labday_server::startup::start(&config)
            .await
            .expect("server starts");
        let storage = running.storage;
        let org = storage
            .add_organisation(NewOrganisation {
                name: Localised::new("测试实验室", "Test lab"),
                city: Localised::new("南昌", "Nanchang"),
                address: Localised::new("测试路 1 号", "1 Test Road"),
                contact: "0791-0000".into(),
                utc_offset_minutes: SHANGHAI_OFFSET_MINUTES,
            })
            .await
            .expect("org");
        let today = now().date();
        let activity_id = storage
            .add_activity(NewActivity {
                organisation_id: org,
                kind: ActivityKind::LabOpenDay,
                title: Localised::new("测试开放日", "Test open day"),
                description: Localised::default(),
                safety_notes: Localised::default(),
                starts_on: today,
                ends_on: today + Duration::days(10),
            })
            .await
            .expect("activity");
        TestApp {
            url: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            storage,
            db_path,
            activity_id,
            _dir: dir,
        }
    }

    pub async fn session(&self, spec: SessionSpec) -> i64 {
        let starts_at = now() + spec.starts_in;
        self.storage
            .add_session(NewSession {
                activity_id: self.activity_id,
                format: spec.format,
                title: Localised::new("测试场次", "Test session"),
                place: Localised::new("一楼", "Ground floor"),
                join_link: spec.join_link,
                starts_at,
                ends_at: starts_at + Duration::hours(1),
                capacity: spec.capacity,
                per_booking_limit: spec.per_booking_limit,
                booking_opens_at: now() + spec.opens_in,
                booking_closes_at: starts_at - spec.closes_before_start,
                cancel_deadline: starts_at - spec.cancel_before_start,
            })
            .await
            .expect("session")
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn book(
        &self,
        session: i64,
        phone: &str,
        adults: u32,
        children: u32,
    ) -> (u16, Value) {
        self.post(
            "/api/v1/bookings",
            &json!({"session_id": session, "name": "张三", "phone": phone, "adults": adults, "children": children, "consent": true}),
        )
        .await
    }

    pub async fn lookup(&self, code: &str, phone: &str) -> (u16, Value) {
        self.post(
            "/api/v1/bookings/lookup",
            &json!({"code": code, "phone": phone}),
        )
        .await
    }

    pub async fn cancel(&self, code: &str, phone: &str) -> (u16, Value) {
        self.post(
            "/api/v1/bookings/cancel",
            &json!({"code": code, "phone": phone}),
        )
        .await
    }

    /// Confirmed people in a session, counted from the bookings table itself.
    pub async fn confirmed_people_in_db(&self, session: i64) -> i64 {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", self.db_path.display()))
            .await
            .expect("db");
        let n: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(adults + children), 0) FROM bookings WHERE session_id = ? AND status IN ('confirmed', 'checked_in')",
        )
        .bind(session)
        .fetch_one(&pool)
        .await
        .expect("count");
        pool.close().await;
        n
    }

    pub async fn sql(&self, statement: &str) {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", self.db_path.display()))
            .await
            .expect("db");
        sqlx::query(statement).execute(&pool).await.expect("sql");
        pool.close().await;
    }
}
