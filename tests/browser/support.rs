//! Helpers every journey reuses: start a server on a temporary database with a fixture
//! activity, book through the API as another phone would, open a page at a phone viewport,
//! wait for the app, find things by role, label or text, run a script in the page.

use chrono::Utc;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::SessionDraft;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::SessionFormat;
use labday_server::config::Config;
use labday_server::storage::{NewActivity, NewOrganisation, Storage};
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const PHONE_VIEWPORT: (u32, u32) = (390, 844);
const WAIT: Duration = Duration::from_secs(15);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dist_dir() -> PathBuf {
    std::env::var_os("LABDAY_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"))
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Says why a journey cannot run: fails in CI, skips loudly elsewhere.
fn unavailable(why: &str) -> Option<Journey> {
    if in_ci() {
        panic!("browser journey cannot run in CI: {why}");
    }
    eprintln!("SKIPPED browser journey (not in CI): {why}");
    None
}

/// A running labday server on a temporary database.
pub struct TestServer {
    pub url: String,
    pub storage: Arc<dyn Storage>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Creates a staff account directly in storage, as `labday-server user add` would;
    /// returns its id.
    pub async fn add_staff(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        role: labday_domain::staff::Role,
        organisation_id: Option<i64>,
    ) -> i64 {
        let staff = labday_server::storage::staff::NewStaff {
            username: username.into(),
            display_name: display_name.into(),
            password_hash: labday_server::auth::hash_password(password).expect("hashes"),
            role,
            organisation_id,
            must_change_password: false,
        };
        self.storage
            .add_staff(staff, labday_server::auth::now_local())
            .await
            .expect("storage")
            .id()
            .expect("a new username")
    }

    /// The organisation a session belongs to.
    pub async fn organisation_of(&self, session: i64) -> i64 {
        self.storage
            .session_organisation(session)
            .await
            .expect("storage")
            .expect("a known session")
    }

    /// Creates a lab-staff account of the organisation holding `session`; returns that
    /// organisation.
    pub async fn add_lab_staff(
        &self,
        session: i64,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> i64 {
        let org = self.organisation_of(session).await;
        let role = labday_domain::staff::Role::LabStaff;
        self.add_staff(username, display_name, password, role, Some(org))
            .await;
        org
    }

    /// Moves `session` (of a venue on China Standard Time) to today, under way now (from an
    /// hour ago, or midnight, until an hour from now; booking closed at its start), as staff
    /// member `username` would edit it: the door checks visitors in from the session's day
    /// on, and a journey at the door runs on that day whatever the time it runs.
    pub async fn move_to_today(&self, session: i64, username: &str) {
        let now = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES);
        // A session moves only to a start still ahead: a few seconds on, within today.
        let last = now
            .date()
            .and_hms_milli_opt(23, 59, 59, 999)
            .expect("the day's end");
        let starts_at = (now + chrono::Duration::seconds(20)).min(last);
        let s = self
            .storage
            .session(session, Utc::now())
            .await
            .expect("storage")
            .expect("a known session");
        let draft = SessionDraft {
            format: s.format,
            title: s.title,
            place: s.place,
            address: Localised::default(),
            join_link: None,
            starts_at,
            ends_at: now + chrono::Duration::hours(1),
            capacity: s.capacity,
            reserved_places: s.reserved_places,
            per_booking_limit: s.per_booking_limit,
            booking_opens_at: starts_at - chrono::Duration::days(1),
            booking_closes_at: starts_at,
            cancel_deadline: starts_at,
        };
        let valid = draft.validate().expect("a valid session");
        let accounts = self.storage.staff_accounts(None).await.expect("storage");
        let staff = accounts
            .iter()
            .find(|a| a.username == username)
            .expect("a known account")
            .id;
        self.storage
            .update_session(staff, session, &valid, None)
            .await
            .expect("moved");
    }

    /// POSTs `body` to the API as another client would; returns the status and the answer.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Books through the API, as someone on another phone would; asserts it was taken
    /// (201) and returns the answer.
    pub async fn book(
        &self,
        session: i64,
        name: &str,
        phone: &str,
        adults: u32,
        children: u32,
    ) -> Value {
        let (status, booked) = self
            .post(
                "/api/v1/bookings",
                &json!({"session_id": session, "name": name, "phone": phone, "adults": adults, "children": children, "consent": true}),
            )
            .await;
        assert_eq!(status, 201, "booking {phone}: {booked}");
        booked
    }

    /// What the API says of a booking, asked with its code and phone.
    pub async fn lookup(&self, code: &str, phone: &str) -> (u16, Value) {
        self.post(
            "/api/v1/bookings/lookup",
            &json!({"code": code, "phone": phone}),
        )
        .await
    }
}

/// The fixture activity and its one session.
pub struct Fixture {
    pub activity: i64,
    pub session: i64,
}

/// One activity with one session starting in two days, booking open now.
pub async fn fixture(
    server: &TestServer,
    format: SessionFormat,
    capacity: u32,
    join_link: Option<&str>,
) -> Fixture {
    let now = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES);
    let org = server
        .storage
        .add_organisation(NewOrganisation {
            name: Localised::new("食品检验检测研究院", "Food Testing Institute"),
            city: Localised::new("南昌", "Nanchang"),
            address: Localised::new("南昌市测试路 1 号", "1 Test Road, Nanchang"),
            contact: "0791-0000".into(),
            utc_offset_minutes: SHANGHAI_OFFSET_MINUTES,
        })
        .await
        .expect("org");
    let activity = server
        .storage
        .add_activity(NewActivity {
            organisation_id: org,
            kind: ActivityKind::LabOpenDay,
            title: Localised::new("食品实验室开放日", "Food lab open day"),
            description: Localised::new("参观食品实验室。", "Tour the food lab."),
            safety_notes: Localised::new("请勿触碰仪器。", "Do not touch equipment."),
            starts_on: now.date(),
            // A week from tomorrow, the console's default series, falls within its days.
            ends_on: now.date() + chrono::Duration::days(7),
        })
        .await
        .expect("activity");
    let session = add_morning_session(server, activity, format, capacity, join_link).await;
    Fixture { activity, session }
}

/// A morning session of `activity` two days from now, 09:30 for 90 minutes, booking open
/// now (the [`fixture`]'s; another activity of the same lab holds another).
pub async fn add_morning_session(
    server: &TestServer,
    activity: i64,
    format: SessionFormat,
    capacity: u32,
    join_link: Option<&str>,
) -> i64 {
    let now = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES);
    let starts_at = (now + chrono::Duration::days(2))
        .date()
        .and_hms_opt(9, 30, 0)
        .expect("time");
    let mut draft = session_draft(starts_at, Localised::new("上午场", "Morning tour"));
    draft.format = format;
    draft.capacity = capacity;
    draft.join_link = join_link.map(str::to_owned);
    server
        .storage
        .add_session(activity, draft)
        .await
        .expect("session")
}

/// A visit of 90 minutes in the lobby starting `starts_at` (China's clock), 20 places, up
/// to 4 a booking, booking open from yesterday until an hour before it, cancellable until
/// two hours before.
pub fn session_draft(starts_at: chrono::NaiveDateTime, title: Localised) -> SessionDraft {
    let now = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES);
    SessionDraft {
        format: SessionFormat::Visit,
        title,
        place: Localised::new("一楼大厅", "Ground-floor lobby"),
        address: Localised::default(),
        join_link: None,
        starts_at,
        ends_at: starts_at + chrono::Duration::minutes(90),
        capacity: 20,
        reserved_places: 0,
        per_booking_limit: 4,
        booking_opens_at: now - chrono::Duration::days(1),
        booking_closes_at: starts_at - chrono::Duration::hours(1),
        cancel_deadline: starts_at - chrono::Duration::hours(2),
    }
}

/// Where most journeys start: Chromium at a phone viewport, and a server without demo data
/// holding one [`fixture`] session shaped by the arguments. `None` (skipped) as
/// [`open_browser`] says.
pub async fn open_with_fixture(
    format: SessionFormat,
    capacity: u32,
    join_link: Option<&str>,
) -> Option<(Journey, TestServer, Fixture)> {
    let browser = open_browser().await?;
    let server = start_server(false).await;
    let f = fixture(&server, format, capacity, join_link).await;
    Some((browser, server, f))
}

/// Chromium at a phone viewport and a server (`demo_data`: with the seeded activities).
pub async fn open_with_server(demo_data: bool) -> Option<(Journey, TestServer)> {
    open_with_server_at(PHONE_VIEWPORT, demo_data).await
}

/// [`open_with_server`] with Chromium emulating a phone `viewport` (CSS pixels) wide.
pub async fn open_with_server_at(
    viewport: (u32, u32),
    demo_data: bool,
) -> Option<(Journey, TestServer)> {
    let browser = open_browser_at(viewport).await?;
    Some((browser, start_server(demo_data).await))
}

/// Starts the real server on a free port; `demo_data` loads the seeded activities.
pub async fn start_server(demo_data: bool) -> TestServer {
    start_server_with(demo_data, |_| {}).await
}

/// Starts the real server with an adjusted configuration.
pub async fn start_server_with(demo_data: bool, adjust: impl FnOnce(&mut Config)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(
        dir.path().join("labday.db").display().to_string(),
        dist_dir(),
    );
    config.no_demo_data = !demo_data;
    adjust(&mut config);
    let (running, _handle) = labday_server::startup::start(&config)
        .await
        .expect("server starts");
    TestServer {
        url: format!("http://{}", running.addr),
        storage: running.storage,
        _dir: dir,
    }
}

/// Serves the built app with its API down (every `/api` call answers 503 from "a proxy"),
/// as a portal visitor sees it during an outage.
pub async fn start_app_without_api() -> TestServer {
    use axum::http::StatusCode;
    let dir = tempfile::tempdir().expect("temp dir");
    let router = axum::Router::new()
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async {
                (StatusCode::SERVICE_UNAVAILABLE, "upstream unavailable")
            }),
        )
        .merge(labday_server::spa::router(&dist_dir()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let config = Config::for_tests(
        dir.path().join("unused.db").display().to_string(),
        dist_dir(),
    );
    let storage = labday_server::startup::open_storage(&config)
        .await
        .expect("storage");
    TestServer {
        url: format!("http://{addr}"),
        storage,
        _dir: dir,
    }
}

/// A Chromium session driven through its own chromedriver.
pub struct Journey {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// One browser at a time: journeys stay reliable on a two-core CI machine.
static BROWSER_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Drop for Journey {
    fn drop(&mut self) {
        // Chromium runs in chromedriver's process group (see `open_browser_with`): ending
        // the whole group leaves no browser behind, even when a journey was never closed
        // (a test that failed half-way, say). Killing chromedriver alone orphaned it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Opens Chromium at a phone viewport, or `None` (skipped) outside CI when it cannot.
pub async fn open_browser() -> Option<Journey> {
    open_browser_at(PHONE_VIEWPORT).await
}

/// Opens Chromium emulating a phone `(width, height)` CSS pixels wide.
pub async fn open_browser_at(viewport: (u32, u32)) -> Option<Journey> {
    open_browser_with(viewport, &[]).await
}

/// Opens Chromium at `viewport` with `extra` command-line switches (a fake camera, say).
pub async fn open_browser_with(viewport: (u32, u32), extra: &[String]) -> Option<Journey> {
    let chromedriver =
        std::env::var("LABDAY_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chromium = std::env::var("LABDAY_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromedriver).exists() || !std::path::Path::new(&chromium).exists() {
        return unavailable("Chromium/chromedriver not installed (cargo xtask test installs them)");
    }
    if !dist_dir().join("index.html").exists() {
        return unavailable("the app is not built (cargo xtask test runs trunk build first)");
    }
    let turn = BROWSER_TURN.lock().await;
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        // A process group of its own, which the Chromium it starts joins: `Drop` ends both.
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().expect("profile dir");
    let (w, h) = viewport;
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.push(format!("--window-size={w},{h}"));
    args.extend_from_slice(extra);
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": args,
            "mobileEmulation": { "deviceMetrics": { "width": w, "height": h, "pixelRatio": 2.0, "touch": true } }
        }
    });
    let caps = caps.as_object().cloned().expect("object");
    let started = Instant::now();
    // Two crypto providers are linked (see Cargo.toml): name one; a second call keeps it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = loop {
        let attempt = ClientBuilder::rustls()
            .expect("tls config")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(c) => break c,
            Err(e) if started.elapsed() > WAIT => panic!("cannot start Chromium: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    Some(Journey {
        client,
        driver,
        _profile: profile,
        _turn: turn,
    })
}

fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else {
        format!("concat('{}')", text.replace('\'', "', \"'\", '"))
    }
}

/// Clicks `el`; `what` names it when it cannot be clicked.
async fn click(el: Element, what: &str) {
    el.click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {what}: {e}"));
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or("")
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.0, "params": self.1}).to_string();
        (http::Method::POST, Some(body))
    }
}

impl Journey {
    /// Runs a DevTools command (`Page.getInstallabilityErrors`, say) and returns its answer.
    pub async fn cdp(&self, command: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp(command, params))
            .await
            .unwrap_or_else(|e| panic!("Chromium does not answer {command}: {e}"))
    }

    /// Cuts the page's network (`true`) or gives it back, as DevTools' "Offline" does.
    pub async fn set_offline(&self, offline: bool) {
        let conditions = json!({
            "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1
        });
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.emulateNetworkConditions", conditions)
            .await;
    }

    /// Opens the page of `activity` (its sessions and what to know before coming).
    pub async fn open_activity(&self, server: &TestServer, activity: i64) {
        self.open(server, &format!("/activities/{activity}")).await;
    }

    /// Opens the booking form of `session`.
    pub async fn open_booking_form(&self, server: &TestServer, session: i64) {
        self.open(server, &format!("/sessions/{session}/book"))
            .await;
    }

    /// Opens `path` and waits until the app has mounted its main region.
    pub async fn open(&self, server: &TestServer, path: &str) {
        self.client
            .goto(&format!("{}{}", server.url, path))
            .await
            .expect("navigates");
        self.wait_css("header.top").await;
    }

    pub async fn wait_css(&self, css: &str) -> Element {
        self.wait_for(Locator::Css(css), &format!("element {css}"))
            .await
    }

    /// The text of the element `css` finds, once it is there.
    pub async fn text_of(&self, css: &str) -> String {
        self.wait_css(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("no text in {css}: {e}"))
    }

    /// Clicks the element `css` finds, once it is there.
    pub async fn click_css(&self, css: &str) {
        click(self.wait_css(css).await, css).await;
    }

    /// How many elements `css` finds now (no waiting).
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("cannot query {css}: {e}"))
            .len()
    }

    /// Waits until the element `css` finds has gone.
    pub async fn wait_gone(&self, css: &str) {
        let since = std::time::Instant::now();
        while self.count(css).await > 0 {
            assert!(since.elapsed() < WAIT, "{css} is still there");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Loses the answer to the page's next request whose address ends with `path_end`: the
    /// request reaches the server and is answered, but the page sees a network error, as
    /// on a connection that broke on the way back.
    pub async fn lose_next_answer(&self, path_end: &str) {
        let script = format!(
            "const real = window.fetch; let lost = false; \
             window.fetch = async (...args) => {{ \
               const answer = await real(...args); \
               const url = args[0] instanceof Request ? args[0].url : String(args[0]); \
               if (!lost && url.endsWith({path_end:?})) {{ \
                 lost = true; throw new TypeError('Failed to fetch'); }} \
               return answer; }};"
        );
        self.js(&script).await;
    }

    /// Runs `script` in the page (it `return`s its value).
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script in the page failed: {e}"))
    }

    /// Runs `script` in the page, which answers by calling `arguments[0]` (it may wait for
    /// promises first); `what` names the answer when the script fails.
    pub async fn js_async(&self, script: &str, what: &str) -> Value {
        self.client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    /// The list `script` returns in the page, as `T`s.
    pub async fn js_list<T: serde::de::DeserializeOwned>(&self, script: &str) -> Vec<T> {
        let answer = self.js(script).await;
        serde_json::from_value(answer.clone())
            .unwrap_or_else(|e| panic!("not a list of the kind wanted ({e}): {answer}"))
    }

    /// The number `script` returns in the page.
    pub async fn js_number(&self, script: &str) -> f64 {
        let answer = self.js(script).await;
        answer
            .as_f64()
            .unwrap_or_else(|| panic!("not a number: {answer}"))
    }

    /// The code shown in the element `css` finds (a booking's or a sample's), without the
    /// dash it is shown with.
    pub async fn code_in(&self, css: &str) -> String {
        self.text_of(css).await.replace('-', "")
    }

    /// Clicks the element `css` finds now (no waiting); `what` names it when it is missing.
    pub async fn click_now(&self, css: &str, what: &str) {
        let el = self.find_now(css, what).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {what}: {e}"));
    }

    /// The element `css` finds now (no waiting); `what` names it when it is missing.
    pub async fn find_now(&self, css: &str, what: &str) -> Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {what}: {e}"))
    }

    /// How far the page scrolls sideways (0 or less: it fits the viewport).
    /// Reloads the page, and returns once the old one is gone.
    pub async fn reload(&self) {
        self.js("window.beforeReload = true; location.reload(); return null")
            .await;
        for _ in 0..100 {
            if self.js("return window.beforeReload === undefined").await == true {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.wait_css("header.top").await;
    }

    pub async fn sideways_overflow(&self) -> f64 {
        self.js("return document.documentElement.scrollWidth - window.innerWidth;")
            .await
            .as_f64()
            .unwrap_or(1.0)
    }

    /// Enters the page's (first) iframe.
    pub async fn enter_iframe(&self) {
        self.find_now("iframe", "iframe")
            .await
            .enter_frame()
            .await
            .expect("enters the iframe");
    }

    /// Fills the booking form (Chinese) for one adult with `name` and `phone`, consents,
    /// and sends it.
    pub async fn submit_booking(&self, name: &str, phone: &str) {
        self.fill_booking(name, phone).await;
        self.click("button", "提交预约").await;
    }

    /// From the page of `activity`, whose morning session is full, joins its waiting list
    /// (Chinese) for one adult as `name` with `phone`.
    pub async fn join_waiting_list(
        &self,
        server: &TestServer,
        activity: i64,
        name: &str,
        phone: &str,
    ) {
        self.open(server, &format!("/activities/{activity}")).await;
        self.wait_text("已约满").await;
        self.click("link", "排队候补 上午场").await;
        self.wait_text("本场已约满").await;
        self.submit_booking(name, phone).await;
        self.wait_text("已进入候补").await;
    }

    /// Fills the booking form (Chinese) with `name` and `phone` and consents, unsent.
    pub async fn fill_booking(&self, name: &str, phone: &str) {
        self.fill("姓名", name).await;
        self.fill("手机号码", phone).await;
        self.tick("我已阅读并同意隐私说明").await;
    }

    /// Waits for `locator`; `what` names it when it never comes.
    async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("no {what}: {e}"))
    }

    /// Waits until `text` appears somewhere on the page.
    pub async fn wait_text(&self, text: &str) -> Element {
        let xpath = format!(
            "//*[contains(normalize-space(text()), {})]",
            xpath_literal(text)
        );
        let mut tries = 0;
        loop {
            match self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::XPath(&xpath))
                .await
            {
                Ok(e) => return e,
                // The page changed address while the query ran (an in-app navigation):
                // ask again on the page it landed on.
                Err(e) if tries < 3 && e.to_string().contains("aborted by navigation") => {
                    tries += 1;
                }
                Err(e) => {
                    let body = self.body_text().await;
                    panic!("text {text:?} never appeared: {e}\npage text:\n{body}")
                }
            }
        }
    }

    /// Everything this origin keeps in localStorage, as one JSON text.
    pub async fn local_storage(&self) -> String {
        let kept = self
            .js("return JSON.stringify(Object.assign({}, localStorage))")
            .await;
        kept.as_str().unwrap_or_default().to_owned()
    }

    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The form control labelled `label` (by `<label for>` or a wrapping `<label>`).
    pub async fn by_label(&self, label: &str) -> Element {
        let lit = xpath_literal(label);
        // A label's own text: its direct text, or a <span> inside it (not its <option>s).
        let named = format!("(normalize-space(text())={lit} or normalize-space(span)={lit})");
        let xpath = format!(
            "//input[@id=//label[{named}]/@for] | //select[@id=//label[{named}]/@for] \
             | //label[{named}]//input | //label[{named}]//select"
        );
        self.wait_for(
            Locator::XPath(&xpath),
            &format!("control labelled {label:?}"),
        )
        .await
    }

    /// A button or link whose visible name is `name` (its text or aria-label).
    pub async fn by_role_name(&self, role: &str, name: &str) -> Element {
        let lit = xpath_literal(name);
        let tag = match role {
            "button" => "button",
            "link" => "a",
            other => other,
        };
        let xpath = format!("//{tag}[normalize-space()={lit} or @aria-label={lit}]");
        self.wait_for(Locator::XPath(&xpath), &format!("{role} named {name:?}"))
            .await
    }

    /// Where the link named `name` leads (its `href`), once it is there.
    pub async fn link_href(&self, name: &str) -> Option<String> {
        let link = self.by_role_name("link", name).await;
        link.attr("href").await.expect("reads the href")
    }

    pub async fn click(&self, role: &str, name: &str) {
        let el = self.by_role_name(role, name).await;
        click(el, &format!("{role} {name:?}")).await;
    }

    pub async fn fill(&self, label: &str, text: &str) {
        let el = self.by_label(label).await;
        el.clear().await.expect("clears");
        el.send_keys(text).await.expect("types");
    }

    pub async fn select(&self, label: &str, value: &str) {
        let el = self.by_label(label).await;
        el.select_by_value(value).await.expect("selects");
    }

    /// Ticks or clicks the control labelled `label` (a checkbox, say).
    pub async fn tick(&self, label: &str) {
        click(self.by_label(label).await, &format!("{label:?}")).await;
    }

    /// Presses one key, wherever focus is (keyboard-only journeys).
    pub async fn press(&self, key: fantoccini::key::Key) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let k: char = key.into();
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
        self.client
            .perform_actions(actions)
            .await
            .expect("key press");
    }

    /// Types text into the focused field.
    pub async fn type_text(&self, text: &str) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("a focused element");
        focused.send_keys(text).await.expect("typing");
    }

    /// The accessible-ish name of the focused element: aria-label, else its text, else id.
    pub async fn focused_name(&self) -> String {
        let name = self
            .client
            .execute(
                "const e = document.activeElement; return e ? (e.getAttribute('aria-label') || e.innerText || e.id || '').trim() : '';",
                vec![],
            )
            .await
            .expect("focused element");
        name.as_str().unwrap_or_default().to_owned()
    }

    /// Presses Tab until the focused element's name is `name` (at most 60 times).
    pub async fn tab_to(&self, name: &str) {
        for _ in 0..60 {
            if self.focused_name().await == name {
                return;
            }
            self.press(fantoccini::key::Key::Tab).await;
        }
        panic!("Tab never reached {name:?}");
    }

    /// Leaves an iframe for its parent page.
    pub async fn enter_parent(&self) {
        self.client
            .enter_parent_frame()
            .await
            .expect("parent frame");
    }

    /// Closes the session and the browser.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
