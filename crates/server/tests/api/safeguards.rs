//! The edges a hostile or careless caller reaches: a name typed as a spreadsheet formula
//! reaches the roster CSV as text; answers with personal data are never cached while the
//! public catalogue still is; every page carries a CSP that allows exactly its own inline
//! scripts; HSTS over https; health says whether the database answers; a second server
//! cannot share a SQLite file.

use crate::helpers::{header, Db, TestApp};
use crate::staff::{expect_call, sign_in, site, PASSWORD};
use base64::Engine as _;
use labday_server::config::{Config, UserCommand};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const FORMULA: &str = r#"=HYPERLINK("http://evil.test","x")"#;

/// The cells of a CSV document as a spreadsheet reads them (RFC 4180, BOM dropped).
fn spreadsheet_cells(csv: &str) -> Vec<Vec<String>> {
    let text = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let mut rows = vec![Vec::new()];
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => rows.last_mut().unwrap().push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                rows.last_mut().unwrap().push(std::mem::take(&mut cell));
                rows.push(Vec::new());
            }
            (false, c) => cell.push(c),
        }
    }
    rows.retain(|r| !r.is_empty());
    rows
}

async fn a_name_typed_as_a_formula_reaches_the_roster_csv_as_text(db: Db) {
    let site = site(db).await;
    let app = &site.app;
    let (status, body) = app
        .post(
            "/api/v1/bookings",
            &json!({"session_id": site.session, "name": FORMULA, "phone": "13800138000",
                    "adults": 1, "children": 0, "consent": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, _, cookie, _) = sign_in(app, "lab-a", PASSWORD).await;
    let path = format!("/api/v1/staff/sessions/{}/roster.csv", site.session);
    let csv = expect_call(app, "GET", &path, cookie.as_deref(), None, 200).await;
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("\r\n"),
        "BOM and CRLF kept"
    );

    let rows = spreadsheet_cells(&csv);
    let booking = rows
        .iter()
        .find(|r| r.get(2).is_some_and(|p| p == "13800138000"))
        .unwrap_or_else(|| panic!("the booking's row:\n{csv}"));
    assert_eq!(booking[1], format!("'{FORMULA}"), "the name, shown as text");
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell a spreadsheet would evaluate: {cell:?}\n{csv}"
        );
    }
}

/// Status and `Cache-Control` of a request.
async fn cache_control(request: reqwest::RequestBuilder) -> (u16, String) {
    let r = request.send().await.expect("request");
    let value = header(&r, "cache-control").unwrap_or_else(|| "(none)".to_owned());
    (r.status().as_u16(), value)
}

async fn answers_with_personal_data_are_never_cached_and_the_catalogue_still_is(db: Db) {
    let site = site(db).await;
    let app = &site.app;
    let api = |path: &str| format!("{}/api/v1{path}", app.url);
    let holder = json!({"session_id": site.session, "name": "张三", "phone": "13800138000",
                        "adults": 1, "children": 0, "consent": true});
    let booked = app
        .http
        .post(api("/bookings"))
        .json(&holder)
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);
    assert_eq!(booked.headers()["cache-control"], "no-store", "the ticket");
    let code = booked.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let pair = json!({"code": code, "phone": "13800138000"});
    let (_, _, cookie, _) = sign_in(app, "lab-a", PASSWORD).await;
    let cookie = cookie.expect("signed in");

    let public = [
        ("lookup", app.http.post(api("/bookings/lookup")).json(&pair)),
        (
            "wrong lookup",
            app.http
                .post(api("/bookings/lookup"))
                .json(&json!({"code": code, "phone": "13900139000"})),
        ),
        ("cancel", app.http.post(api("/bookings/cancel")).json(&pair)),
    ];
    for (what, request) in public {
        assert_eq!(cache_control(request).await.1, "no-store", "{what}");
    }
    let session = site.session;
    for path in [
        format!("/staff/sessions/{session}/roster"),
        format!("/staff/sessions/{session}/roster.csv"),
        format!("/staff/sessions/{session}/samples"),
        "/staff/me".to_owned(),
        "/staff/audit".to_owned(),
        "/staff/summary".to_owned(),
    ] {
        let (status, value) =
            cache_control(app.http.get(api(&path)).header("cookie", &cookie)).await;
        assert_eq!(value, "no-store", "{path} ({status})");
    }

    // The public catalogue keeps its short shared caching and its revalidation.
    let catalogue = format!("/api/v1/sessions/{session}");
    let first = app.get_response(&catalogue, None).await;
    assert_eq!(first.headers()["cache-control"], "public, max-age=1");
    let etag = first.headers()["etag"].clone();
    let again = app.get_conditional(&catalogue, "if-none-match", etag).await;
    assert_eq!(again.status(), 304);
}

/// `'sha256-…'` of a script's text, computed here as a browser does.
fn csp_hash(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The sources of one directive of a policy.
fn directive<'a>(policy: &'a str, name: &str) -> Vec<&'a str> {
    policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
        .map(|rest| rest.split_whitespace().collect())
        .unwrap_or_default()
}

/// The portal allowed to embed the app in [`every_page_allows_exactly_its_inline_scripts_and_https_gets_hsts`].
const PORTAL: &str = "https://portal.example";

/// The header `name` of `r`, lower case.
fn header_lower(r: &reqwest::Response, name: &str) -> String {
    r.headers()[name].to_str().unwrap().to_ascii_lowercase()
}

/// The `Vary` header's items, lower case.
fn vary(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_allows_exactly_its_inline_scripts_and_https_gets_hsts() {
    // A dist shaped like Trunk's: each bundle's page loads its WebAssembly from an inline
    // module script; the browsing bundle's also has an inlined boot script.
    let boot = "(function(){document.documentElement.classList.add('js')})();";
    let browse = "\nimport init from '/labday-0123456789abcdef.js';\nawait init({ module_or_path: '/labday-0123456789abcdef_bg.wasm' });\n";
    let book = "import init from '/bundles/book/labday-book-0123456789abcdef.js';await init();";
    let staff = "import init from '/staff/labday-staff-0123456789abcdef.js';await init();";
    let page = |scripts: &[&str]| {
        let inline: String = scripts
            .iter()
            .map(|s| format!("<script type=\"module\">{s}</script>"))
            .collect();
        format!("<!doctype html><html><head><script src=\"/embed.js\"></script>{inline}</head><body></body></html>")
    };
    let dist = tempfile::tempdir().unwrap();
    let write = |dir: &str, html: String| {
        let dir = dist.path().join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), html).unwrap();
    };
    write("", page(&[boot, browse]));
    write("bundles/book", page(&[book]));
    write("staff", page(&[staff]));
    // Loopback plays the https-terminating proxy: only a trusted proxy may say https.
    let app = TestApp::spawn_with(Db::Sqlite, |c| {
        c.dist = dist.path().to_path_buf();
        c.trusted_proxies =
            labday_server::client::TrustedProxies::parse("127.0.0.1,::1").expect("loopback");
        c.portal_origins = labday_server::embedding::PortalOrigins(vec![PORTAL.into()]);
    })
    .await;

    for (path, scripts) in [
        ("/", vec![boot, browse]),
        ("/activities/3", vec![boot, browse]),
        ("/sessions/3/book", vec![book]),
        ("/staff/", vec![staff]),
        ("/staff/sessions/1", vec![staff]),
        // The console's page by a path the file server decodes.
        ("/%73taff/", vec![staff]),
        ("//staff/", vec![staff]),
    ] {
        let r = app.get_response(path, None).await;
        assert_eq!(r.status(), 200, "{path}");
        let policy = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let varies = vary(&r);
        let html = r.text().await.unwrap();
        let script_src = directive(&policy, "script-src");
        let console = scripts.contains(&staff);
        for script in scripts {
            assert!(html.contains(script), "{path} is the page with this script");
            assert!(
                script_src.contains(&csp_hash(script).as_str()),
                "{path}: the inline script's hash is allowed: {policy}"
            );
        }
        assert!(script_src.contains(&"'self'") && script_src.contains(&"'wasm-unsafe-eval'"));
        for forbidden in ["'unsafe-inline'", "'unsafe-eval'", "*", "data:"] {
            assert!(!script_src.contains(&forbidden), "{path}: {policy}");
        }
        assert_eq!(directive(&policy, "default-src"), ["'self'"], "{policy}");
        assert_eq!(directive(&policy, "connect-src"), ["'self'"], "{policy}");
        assert_eq!(
            directive(&policy, "img-src"),
            ["'self'", "data:", "blob:"],
            "{policy}"
        );
        // A portal frames the citizen pages, never the staff console.
        let framed_by: &[&str] = if console {
            &["'self'"]
        } else {
            &["'self'", PORTAL]
        };
        assert_eq!(
            directive(&policy, "frame-ancestors"),
            framed_by,
            "{path}: {policy}"
        );
        assert!(!directive(&policy, "style-src").contains(&"'unsafe-inline'"));
        // Each page comes brotli, gzip or plain by Accept-Encoding: caches keep them apart.
        assert!(varies.contains("accept-encoding"), "{path}: {varies}");
    }

    // A console script of an older build is not found: never the page under a name kept
    // for a year.
    let r = app
        .get_response("/staff/labday-staff-00000000000000aa_bg.wasm", None)
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["cache-control"], "no-cache");

    // A portal's page may ask for the brief answer and read whether it got it.
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/bookings", app.url),
        )
        .header("origin", PORTAL)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,idempotency-key,prefer",
        )
        .send()
        .await
        .unwrap();
    let allowed = header_lower(&preflight, "access-control-allow-headers");
    assert!(allowed.contains("prefer"), "{allowed}");
    let answer = app
        .http
        .get(format!("{}/api/v1/health", app.url))
        .header("origin", PORTAL)
        .send()
        .await
        .unwrap();
    let exposed = header_lower(&answer, "access-control-expose-headers");
    assert!(
        exposed.contains("preference-applied") && exposed.contains("retry-after"),
        "{exposed}"
    );

    // A script that is not in any page is not allowed.
    let r = reqwest::get(format!("{}/", app.url)).await.unwrap();
    let policy = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(!policy.contains(&csp_hash("alert(1)")));

    // A revalidated page (304) keeps the page's policy: the browser merges it into the
    // cached page, which would not boot under the short one.
    let first = reqwest::get(format!("{}/", app.url)).await.unwrap();
    let page_policy = first.headers()["content-security-policy"].clone();
    let modified = first.headers()["last-modified"].clone();
    let again = app
        .get_conditional("/", "if-modified-since", modified)
        .await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["content-security-policy"], page_policy);

    // What is not a page runs and frames nothing, in a short policy.
    let api = reqwest::get(format!("{}/api/v1/health", app.url))
        .await
        .unwrap();
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );

    // HSTS only when the request came over https (as the proxy says).
    let plain = reqwest::get(format!("{}/api/v1/health", app.url))
        .await
        .unwrap();
    assert!(plain.headers().get("strict-transport-security").is_none());
    let https = app
        .http
        .get(format!("{}/staff/", app.url))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        https.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

async fn health_answers_503_when_the_database_does_not(db: Db) {
    let app = TestApp::spawn(db).await;
    let (status, body) = app.get("/api/v1/health").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["database"], app.backend());

    app.storage.close().await;
    // One answer from the database is reused for a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app.get_response("/api/v1/health", None).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unavailable", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_sqlite_file_refuses_to_start() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let config = Config::for_tests(app.db.url(), "no-dist");
    let refused = labday_server::startup::start(&config)
        .await
        .err()
        .expect("the second server is refused");
    let message = refused.to_string();
    assert!(
        message.contains("in use by another labday-server") && message.contains(".lock"),
        "{message}"
    );
    let (status, _) = app.get("/api/v1/health").await;
    assert_eq!(status, 200, "the first one still serves");

    // Adding a staff account from the command line while it serves still works.
    let added = labday_server::users::run(
        &config,
        UserCommand::Add {
            username: "night-shift".into(),
            role: "organiser".into(),
            organisation: None,
            display_name: String::new(),
        },
        Some(PASSWORD.into()),
    )
    .await;
    assert!(added.is_ok(), "{added:?}");
    // Its display name follows the console's rule: no direction change, no control.
    for name in ["\u{202E}boss", "a\tb", "\u{2066}x\u{2069}"] {
        let refused = labday_server::users::run(
            &config,
            UserCommand::Add {
                username: "night-shift-2".into(),
                role: "organiser".into(),
                organisation: None,
                display_name: name.into(),
            },
            Some(PASSWORD.into()),
        )
        .await;
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("display name")),
            "{name:?}: {refused:?}"
        );
    }
}

crate::on_both_databases!(
    a_name_typed_as_a_formula_reaches_the_roster_csv_as_text,
    answers_with_personal_data_are_never_cached_and_the_catalogue_still_is,
    health_answers_503_when_the_database_does_not,
);
