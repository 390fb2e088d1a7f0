//! `TestApp`: a server on a fresh database (a temporary SQLite file, or a schema of its own
//! in the test PostgreSQL database), an HTTP client, and fixtures that create sessions with
//! windows and deadlines relative to now. [`on_both_databases!`] runs a test on each backend.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::SessionDraft;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::SessionFormat;
use labday_server::config::Config;
use labday_server::storage::{NewActivity, NewOrganisation, Storage};
use rand::RngCore;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use std::sync::Arc;

/// The PostgreSQL the tests use: `LABDAY_TEST_POSTGRES`, else the CI service.
pub fn postgres_url() -> String {
    std::env::var("LABDAY_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `prefix` and 48 random bits: a PostgreSQL `application_name` the test's server
/// connections carry, so that the test can find them in `pg_stat_activity`.
pub fn application_name(prefix: &str) -> String {
    let mut tag = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut tag);
    std::iter::once(prefix.to_owned())
        .chain(tag.iter().map(|b| format!("{b:02x}")))
        .collect()
}

/// Waits (up to 20 s) until a connection of the server, named `app_name`, waits for a lock
/// in a statement that starts with `statement`: seen from `watcher`, a connection of its
/// own outside any transaction (a transaction would see the server's connections as they
/// were at its first look). `what` names the wait when it never comes.
pub async fn until_waiting_for_lock(
    watcher: &mut PgConnection,
    app_name: &str,
    statement: &str,
    what: &str,
) {
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 \
        AND wait_event_type = 'Lock' AND starts_with(query, $2)";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let n: i64 = sqlx::query_scalar(waiting)
            .bind(app_name)
            .bind(statement)
            .fetch_one(&mut *watcher)
            .await
            .expect("pg_stat_activity");
        if n > 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{what} never waited");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    /// PostgreSQL, when it answers. Outside CI an unreachable server skips the test with a
    /// message; in CI (`CI` set) it fails the test.
    pub async fn postgres(test: &str) -> Option<Db> {
        match PgConnection::connect(&postgres_url()).await {
            Ok(conn) => {
                let _ = conn.close().await;
                Some(Db::Postgres)
            }
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!(
                    "SKIPPED (not in CI): PostgreSQL unreachable at {}: {e} [{test}]",
                    postgres_url()
                );
                None
            }
            Err(e) => panic!("PostgreSQL unreachable at {} in CI: {e}", postgres_url()),
        }
    }
}

/// Defines each listed `async fn name(db: Db)` as two tests, `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Db::Sqlite).await
                }
            )+
        }
        $crate::on_postgres!(mod postgres: $($name),+);
    };
}

/// Defines each listed `async fn name(db: Db)` as one test, `postgres_only::name`, for what
/// only PostgreSQL shows (two servers on one database, say).
#[macro_export]
macro_rules! on_postgres_only {
    ($($name:ident),+ $(,)?) => {
        $crate::on_postgres!(mod postgres_only: $($name),+);
    };
}

/// Defines each listed `async fn name(db: Db)` as a test `$module::name` on PostgreSQL:
/// skipped with a message outside CI when it does not answer, failed in CI.
#[macro_export]
macro_rules! on_postgres {
    (mod $module:ident: $($name:ident),+) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::helpers::Db::postgres(stringify!($name)).await {
                        super::$name(db).await
                    }
                }
            )+
        }
    };
}

/// Runs `body` with `conn` a fresh connection of its own to the test database (SQLite or
/// PostgreSQL: the body is compiled for each), closes it and gives the body's value. With
/// `|conn, postgres|`, `postgres` says which one it is.
#[macro_export]
macro_rules! on_connection {
    ($db:expr, |$conn:ident| $body:expr) => {
        $crate::on_connection!($db, |$conn, _postgres| $body)
    };
    ($db:expr, |$conn:ident, $postgres:ident| $body:expr) => {{
        use sqlx::Connection as _;
        match $db {
            $crate::helpers::TestDb::Sqlite { path, .. } => {
                let sqlite = format!("sqlite://{}", path.display());
                let mut $conn = sqlx::SqliteConnection::connect(&sqlite).await.expect("db");
                let $postgres = false;
                let out = $body;
                let _ = $conn.close().await;
                out
            }
            $crate::helpers::TestDb::Postgres { url, .. } => {
                let mut $conn = sqlx::PgConnection::connect(url).await.expect("db");
                let $postgres = true;
                let out = $body;
                let _ = $conn.close().await;
                out
            }
        }
    }};
}

/// A fresh, private database for one test; a PostgreSQL schema is dropped when it goes.
pub enum TestDb {
    Sqlite {
        path: std::path::PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres {
        /// The test database URL with `search_path` set to the schema.
        url: String,
        schema: String,
    },
}

impl TestDb {
    pub async fn create(db: Db) -> TestDb {
        match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                TestDb::Sqlite {
                    path: dir.path().join("labday.db"),
                    _dir: dir,
                }
            }
            Db::Postgres => {
                let mut bytes = [0u8; 8];
                rand::thread_rng().fill_bytes(&mut bytes);
                let schema: String = std::iter::once("t_".to_owned())
                    .chain(bytes.iter().map(|b| format!("{b:02x}")))
                    .collect();
                let mut conn = PgConnection::connect(&postgres_url())
                    .await
                    .expect("PostgreSQL");
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .await
                    .expect("create schema");
                let _ = conn.close().await;
                let base = postgres_url();
                let sep = if base.contains('?') { '&' } else { '?' };
                TestDb::Postgres {
                    url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    schema,
                }
            }
        }
    }

    /// What `--database` gets.
    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite { path, .. } => path.display().to_string(),
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    /// The test configuration of a server on this database (no built app to serve).
    pub fn config(&self) -> Config {
        Config::for_tests(self.url(), std::env::temp_dir().join("labday-no-dist"))
    }

    /// Opens this database's storage as a server starting on it would (migrations, secret).
    pub async fn open_storage(&self) -> Arc<dyn Storage> {
        labday_server::startup::open_storage(&self.config())
            .await
            .expect("storage")
    }

    /// A session of the fixture activity shaped by `spec`, added through storage opened
    /// and closed again, before any server runs on this database.
    pub async fn add_session(&self, spec: SessionSpec) -> i64 {
        let storage = self.open_storage().await;
        let activity = add_fixture_activity(storage.as_ref()).await;
        let session = add_fixture_session(storage.as_ref(), activity, spec).await;
        storage.close().await;
        session
    }

    /// Runs one statement on a connection of its own.
    pub async fn execute(&self, statement: &str) {
        on_connection!(self, |conn| {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect("sql");
        });
    }

    /// The one value `sql` selects, on a connection of its own.
    pub async fn scalar(&self, sql: &str) -> i64 {
        on_connection!(self, |conn| sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect("scalar"))
    }

    /// Writes a booking row straight into the table, as an earlier day (or an earlier
    /// version of the server) left it: one adult, booked and consented at `booked_at`.
    pub async fn insert_booking(&self, row: StoredBooking<'_>) {
        let StoredBooking {
            session,
            code,
            name,
            phone,
            phone_hash,
            status,
            session_day,
            booked_at,
        } = row;
        let phone_hash = phone_hash.map_or("NULL".to_owned(), |h| format!("'{h}'"));
        self.execute(&format!(
            "INSERT INTO bookings (session_id, code, name, phone, phone_hash, adults, children, status, session_day, booked_at, consent_at) \
             VALUES ({session}, '{code}', '{name}', '{phone}', {phone_hash}, 1, 0, '{status}', '{session_day}', '{booked_at}', '{booked_at}')"
        ))
        .await
    }

    /// Confirmed people in a session, counted from the bookings table itself.
    pub async fn confirmed_people(&self, session: i64) -> i64 {
        self.scalar(&format!(
            "SELECT CAST(COALESCE(SUM(adults + children), 0) AS BIGINT) FROM bookings \
             WHERE session_id = {session} AND status IN ('confirmed', 'checked_in')"
        ))
        .await
    }
}

/// A booking row for [`TestDb::insert_booking`].
pub struct StoredBooking<'a> {
    pub session: i64,
    pub code: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    /// The phone's keyed hash, as the server writes it; `None` as versions before it did.
    pub phone_hash: Option<&'a str>,
    /// As stored: `confirmed`, `no_show`, ….
    pub status: &'a str,
    pub session_day: NaiveDate,
    pub booked_at: NaiveDateTime,
}

impl<'a> StoredBooking<'a> {
    /// A confirmed booking, made yesterday, of `session`, which started three hours ago
    /// ([`SessionSpec::started_3h_ago`]): one adult at the door today.
    pub fn at_the_door(session: i64, code: &'a str, name: &'a str) -> StoredBooking<'a> {
        StoredBooking {
            session,
            code,
            name,
            phone: "13900139000",
            phone_hash: None,
            status: "confirmed",
            session_day: (now() - Duration::hours(3)).date(),
            booked_at: now() - Duration::days(1),
        }
    }
}

impl<'a> StoredBooking<'a> {
    /// A visitor who did not come to a session on `day`, booked at 09:00 that day (with no
    /// phone hash).
    pub fn no_show(session: i64, code: &'a str, phone: &'a str, day: NaiveDate) -> Self {
        StoredBooking {
            session,
            code,
            name: "x",
            phone,
            phone_hash: None,
            status: "no_show",
            session_day: day,
            booked_at: day.and_hms_opt(9, 0, 0).expect("09:00"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let TestDb::Postgres { schema, .. } = self else {
            return;
        };
        let drop_schema = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        // Drop runs inside the test's runtime, which must not block on itself: use a thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&postgres_url()).await {
                    let _ = sqlx::query(&drop_schema).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    pub storage: Arc<dyn Storage>,
    pub db: TestDb,
    pub activity_id: i64,
}

/// Venue-local now.
pub fn now() -> NaiveDateTime {
    venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES)
}

/// A session's details as staff send them (`POST` or `PUT`): starting at `starts` for an
/// hour, ten places of up to five each, booking open from `opens` until an hour before it
/// starts, cancellable until two hours before.
pub fn session_body(starts: NaiveDateTime, opens: NaiveDateTime) -> Value {
    json!({
        "format": "visit",
        "title": {"zh": "测试场次", "en": "Test session"},
        "place": {"zh": "一楼", "en": "Ground floor"},
        "starts_at": starts,
        "ends_at": starts + Duration::hours(1),
        "capacity": 10,
        "per_booking_limit": 5,
        "booking_opens_at": opens,
        "booking_closes_at": starts - Duration::hours(1),
        "cancel_deadline": starts - Duration::hours(2),
    })
}

/// The organisation and activity every test's sessions belong to.
pub async fn add_fixture_activity(storage: &dyn Storage) -> i64 {
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
    storage
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
        .expect("activity")
}

/// A session of the fixture activity, shaped by `spec`.
pub async fn add_fixture_session(
    storage: &dyn Storage,
    activity_id: i64,
    spec: SessionSpec,
) -> i64 {
    let starts_at = now() + spec.starts_in;
    storage
        .add_session(
            activity_id,
            SessionDraft {
                format: spec.format,
                title: Localised::new("测试场次", "Test session"),
                place: Localised::new("一楼", "Ground floor"),
                address: spec.address,
                join_link: spec.join_link,
                starts_at,
                ends_at: starts_at + Duration::hours(1),
                capacity: spec.capacity,
                reserved_places: spec.reserved_places,
                per_booking_limit: spec.per_booking_limit,
                booking_opens_at: now() + spec.opens_in,
                booking_closes_at: starts_at - spec.closes_before_start,
                cancel_deadline: starts_at - spec.cancel_before_start,
            },
        )
        .await
        .expect("session")
}

/// How a fixture session is shaped.
pub struct SessionSpec {
    pub format: SessionFormat,
    pub capacity: u32,
    /// Places kept for walk-ins.
    pub reserved_places: u32,
    pub per_booking_limit: u32,
    /// Start, relative to now.
    pub starts_in: Duration,
    pub opens_in: Duration,
    pub closes_before_start: Duration,
    pub cancel_before_start: Duration,
    pub join_link: Option<String>,
    /// Where it is held when not at its organiser's (a market's quick-test desk).
    pub address: Localised,
}

impl SessionSpec {
    /// The default session but for its places and the most people one booking may hold.
    pub fn sized(capacity: u32, per_booking_limit: u32) -> SessionSpec {
        SessionSpec {
            capacity,
            per_booking_limit,
            ..SessionSpec::default()
        }
    }

    /// A session that started three hours ago, its booking opened `opened_days_ago`.
    pub fn started_3h_ago(opened_days_ago: i64) -> SessionSpec {
        SessionSpec {
            starts_in: Duration::hours(-3),
            opens_in: Duration::days(-opened_days_ago),
            ..SessionSpec::default()
        }
    }
}

impl Default for SessionSpec {
    fn default() -> Self {
        SessionSpec {
            format: SessionFormat::Visit,
            capacity: 10,
            reserved_places: 0,
            per_booking_limit: 5,
            starts_in: Duration::days(2),
            opens_in: Duration::days(-1),
            closes_before_start: Duration::hours(1),
            cancel_before_start: Duration::hours(2),
            join_link: None,
            address: Localised::default(),
        }
    }
}

/// The header `name` of `response` as text, if it has one.
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Sends `request`; gives the status and the JSON answer (`Null` when there is none).
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let r = request.send().await.expect("request sent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

impl TestApp {
    pub async fn spawn(db: Db) -> TestApp {
        Self::spawn_with(db, |_| {}).await
    }

    pub async fn spawn_with(db: Db, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::create(db).await;
        let mut config = db.config();
        adjust(&mut config);
        let (running, _handle) = labday_server::startup::start(&config)
            .await
            .expect("server starts");
        let storage = running.storage;
        let activity_id = add_fixture_activity(storage.as_ref()).await;
        TestApp {
            url: format!("http://{}", running.addr),
            // A kept-alive connection idle for the server's client timeout (20 s by
            // default) is closed by the server; a client that picks it from its pool at
            // that instant meets the close instead of an answer, a race of HTTP/1.1 itself
            // (browsers retry it). On a loaded machine a test's batch can leave
            // connections idle that long, so the tests' client lets them go well before.
            http: reqwest::Client::builder()
                .pool_idle_timeout(
                    std::time::Duration::from_secs(config.connections.client_timeout_secs) / 2,
                )
                .build()
                .expect("HTTP client"),
            storage,
            db,
            activity_id,
        }
    }

    /// "sqlite" or "postgres", as health reports it.
    pub fn backend(&self) -> &'static str {
        self.storage.backend()
    }

    pub async fn session(&self, spec: SessionSpec) -> i64 {
        add_fixture_session(self.storage.as_ref(), self.activity_id, spec).await
    }

    /// A session shaped like the default but for what `adjust` changes.
    pub async fn session_with(&self, adjust: impl FnOnce(&mut SessionSpec)) -> i64 {
        let mut spec = SessionSpec::default();
        adjust(&mut spec);
        self.session(spec).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.http.get(format!("{}{path}", self.url))).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(self.http.post(format!("{}{path}", self.url)).json(body)).await
    }

    /// POSTs `body` with an `Idempotency-Key`, as the app sends every booking.
    pub async fn post_with_key(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let request = self.http.post(format!("{}{path}", self.url));
        answer(request.header("Idempotency-Key", key).json(body)).await
    }

    /// GETs `path`, with a staff session's `cookie` if any, and gives the whole response
    /// (headers and bytes: a CSV, a photo, a page).
    pub async fn get_response(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.url));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("GET")
    }

    /// GETs `path` with `condition` (`if-none-match`, `if-modified-since`) set to the
    /// `validator` an earlier answer gave, as a browser revalidating its copy does.
    pub async fn get_conditional(
        &self,
        path: &str,
        condition: &str,
        validator: reqwest::header::HeaderValue,
    ) -> reqwest::Response {
        let request = self.http.get(format!("{}{path}", self.url));
        request
            .header(condition, validator)
            .send()
            .await
            .expect("GET")
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

    /// Books each `(phone, adults, children)` on `session` in turn (the order decides who
    /// waits); gives each answer's body.
    pub async fn book_in_turn<const N: usize>(
        &self,
        session: i64,
        parties: [(&str, u32, u32); N],
    ) -> [Value; N] {
        let mut answers = Vec::with_capacity(N);
        for (phone, adults, children) in parties {
            answers.push(self.book(session, phone, adults, children).await.1);
        }
        answers.try_into().expect("one answer a party")
    }

    /// `refused` is the answer a paused phone gets (403 `no_show_blocked`), and another
    /// phone still books on `session`: the pause is that one number's.
    pub async fn assert_paused_alone(&self, refused: (u16, Value), session: i64, other: &str) {
        let (status, err) = refused;
        let code = err["code"].as_str();
        assert_eq!((status, code), (403, Some("no_show_blocked")));
        let (status, _) = self.book(session, other, 1, 0).await;
        assert_eq!(status, 201, "other numbers are unaffected");
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

    /// The holder erases a booking's name and number (`POST /api/v1/bookings/erase`).
    pub async fn erase(&self, code: &str, phone: &str) -> (u16, Value) {
        self.post(
            "/api/v1/bookings/erase",
            &json!({"code": code, "phone": phone}),
        )
        .await
    }

    /// Confirmed people in a session, counted from the bookings table itself.
    pub async fn confirmed_people_in_db(&self, session: i64) -> i64 {
        self.db.confirmed_people(session).await
    }

    pub async fn sql(&self, statement: &str) {
        self.db.execute(statement).await
    }

    /// Moves `session` (of a venue on China Standard Time) to start at midnight today and
    /// end two hours from now, its booking window and cancellation deadline left as they
    /// were: a session whose day has come (so the door checks visitors in), whatever the
    /// time of day the test runs, still open to bookings, moves and cancellations.
    pub async fn starts_today(&self, session: i64) {
        let midnight = now().date().and_hms_opt(0, 0, 0).unwrap();
        self.set_times(session, midnight, now() + Duration::hours(2))
            .await;
    }

    /// Sets a session's start and end (venue time) behind the API's back, as time passing
    /// would: nothing else of it changes.
    pub async fn set_times(&self, session: i64, starts: NaiveDateTime, ends: NaiveDateTime) {
        let stamp = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
        self.sql(&format!(
            "UPDATE sessions SET starts_at = '{}', ends_at = '{}' WHERE id = {session}",
            stamp(starts),
            stamp(ends),
        ))
        .await;
    }
}
