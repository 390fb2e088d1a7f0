//! Installable and titled: every page names itself in the reader's language and the title
//! follows navigation; the citizen app and the staff console each link a web app manifest
//! that Chromium accepts for installing, with icons that load; robots.txt keeps crawlers out
//! of the console and the API; the header stays one row at 320 and 360 px in both languages
//! and both modes, and axe still finds nothing there.

use crate::accessibility::{axe_source, violations};
use crate::staff::sign_in;
use crate::support::{open_browser_at, open_with_fixture, start_server, Journey, TestServer};
use labday_domain::staff::Role;
use labday_domain::SessionFormat;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The document's title once it is `want` (titles follow the page a moment after it shows).
async fn title_becomes(browser: &Journey, want: &str) {
    let started = Instant::now();
    loop {
        let now = browser.client.title().await.expect("a title");
        if now == want {
            return;
        }
        if started.elapsed() > Duration::from_secs(10) {
            panic!("the title stayed {now:?}, not {want:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_names_itself_in_the_readers_language() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    browser.open(&server, "/").await;
    browser.wait_css("li.card a").await;
    title_becomes(&browser, "实验室开放日预约 · labday").await;
    // In-app navigation: the activity names the page once it has loaded.
    browser.click_css("li.card a").await;
    browser.wait_css("li.session").await;
    title_becomes(&browser, "食品实验室开放日 · labday").await;
    browser.click("button", "Switch to English").await;
    title_becomes(&browser, "Food lab open day · labday").await;
    // Back to the list, in English now.
    browser.client.back().await.expect("back");
    title_becomes(&browser, "Lab open-day bookings · labday").await;
    // Another bundle's pages (a full load), the language remembered.
    browser.click("link", "My bookings").await;
    title_becomes(&browser, "My bookings · labday").await;
    browser.open_booking_form(&server, f.session).await;
    title_becomes(&browser, "Your booking · labday").await;
    browser.click("button", "切换到中文").await;
    title_becomes(&browser, "填写预约信息 · labday").await;
    browser.open(&server, "/no-such-page").await;
    title_becomes(&browser, "页面不存在 · labday").await;
    browser
        .open(&server, &format!("/sessions/{}/samples?lang=en", f.session))
        .await;
    title_becomes(
        &browser,
        "Pesticide quick test: register your vegetables · labday",
    )
    .await;

    // The console names its pages the same way.
    server
        .add_staff("chief", "省局 李处", "province-2026", Role::Organiser, None)
        .await;
    browser.open(&server, "/staff/").await;
    title_becomes(&browser, "工作人员登录 · labday").await;
    sign_in(&browser, "chief", "province-2026", "省局 李处").await;
    title_becomes(&browser, "开放日工作台 · labday").await;
    browser.click("link", "操作记录").await;
    title_becomes(&browser, "操作记录 · labday").await;
    browser.click("button", "Switch to English").await;
    title_becomes(&browser, "Audit log · labday").await;
    browser.close().await;
}

/// Reads the manifest the page links, in the page (as the browser does), with each icon
/// loaded: `{href, manifest, icons: [{src, width, height}]}`.
async fn linked_manifest(browser: &Journey) -> Value {
    let script = r#"
        const done = arguments[arguments.length - 1];
        const link = document.querySelector('link[rel=manifest]');
        if (!link) { done({error: 'no manifest link'}); return; }
        fetch(link.href).then(r => r.ok ? r.json() : Promise.reject('manifest ' + r.status))
          .then(m => Promise.all((m.icons || []).map(i => new Promise(ok => {
              const img = new Image();
              img.onload = () => ok({src: i.src, width: img.naturalWidth, height: img.naturalHeight});
              img.onerror = () => ok({src: i.src, width: 0, height: 0});
              img.src = i.src;
            }))).then(icons => done({href: link.getAttribute('href'), manifest: m, icons})))
          .catch(e => done({error: String(e)}));
    "#;
    browser.js_async(script, "the manifest is read").await
}

/// Chromium's own verdict on installing the page (DevTools' Application panel), through
/// chromedriver's CDP endpoint: the errors, none when it can be installed.
async fn installability_errors(browser: &Journey) -> Vec<String> {
    let answer = browser.cdp("Page.getInstallabilityErrors", json!({})).await;
    answer["installabilityErrors"]
        .as_array()
        .expect("a list of errors")
        .iter()
        .map(|e| e["errorId"].as_str().unwrap_or("?").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_and_the_console_can_be_installed() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    for (path, href, name, scope) in [
        ("/", "/manifest.webmanifest", "实验室开放日预约", "/"),
        (
            &*format!("/sessions/{}/book", f.session),
            "/manifest.webmanifest",
            "实验室开放日预约",
            "/",
        ),
        (
            "/staff/",
            "/staff/manifest.webmanifest",
            "开放日工作台 · labday",
            "/staff/",
        ),
    ] {
        browser.open(&server, path).await;
        let found = linked_manifest(&browser).await;
        assert_eq!(found["error"], Value::Null, "{path}: {found}");
        assert_eq!(found["href"], href, "{path}");
        let m = &found["manifest"];
        assert_eq!(m["name"], name, "{path}");
        assert!(
            m["short_name"]
                .as_str()
                .is_some_and(|s| s.chars().count() <= 12),
            "{path}: a short name fits under an icon: {m}"
        );
        assert_eq!(
            (&m["scope"], &m["start_url"]),
            (&json!(scope), &json!(scope))
        );
        assert_eq!(m["lang"], "zh-CN");
        assert_eq!(m["display"], "standalone");
        assert_eq!(m["theme_color"], "#0b5cad");
        for (size, purpose) in [
            (192, "any"),
            (512, "any"),
            (192, "maskable"),
            (512, "maskable"),
        ] {
            let sizes = format!("{size}x{size}");
            assert!(
                m["icons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["sizes"] == sizes
                        && i["purpose"] == purpose
                        && i["type"] == "image/png"),
                "{path}: a {sizes} {purpose} PNG icon: {m}"
            );
        }
        for icon in found["icons"].as_array().unwrap() {
            let src = icon["src"].as_str().unwrap();
            let size = if src.contains("512") { 512 } else { 192 };
            assert_eq!(
                (icon["width"].as_u64(), icon["height"].as_u64()),
                (Some(size), Some(size)),
                "{path}: the icon {src} loads at its size"
            );
        }
        let started = Instant::now();
        loop {
            let errors = installability_errors(&browser).await;
            if errors.is_empty() {
                break;
            }
            // Chromium may still be fetching the manifest or its icon.
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{path}: Chromium will not install it: {errors:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_keeps_crawlers_out_of_the_console_and_the_api_only() {
    let server = start_server(false).await;
    let robots = or_skip!(robots(&server).await);
    let lines: Vec<&str> = robots.lines().map(str::trim).collect();
    assert!(lines.contains(&"User-agent: *"), "{robots}");
    assert!(lines.contains(&"Disallow: /staff/"), "{robots}");
    assert!(lines.contains(&"Disallow: /api/"), "{robots}");
    let disallowed: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("Disallow:").map(str::trim))
        .collect();
    assert_eq!(
        disallowed,
        ["/staff/", "/api/"],
        "citizen pages stay indexable"
    );
    // Stray files browsers and crawlers ask for are plainly missing, not the app.
    for stray in [
        "/favicon.ico",
        "/apple-touch-icon-precomposed.png",
        "/sitemap.xml",
    ] {
        let r = reqwest::get(format!("{}{stray}", server.url))
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{stray}");
    }
}

/// `/robots.txt` as served (plain text), or `None` outside CI when the app is not built.
async fn robots(server: &TestServer) -> Option<String> {
    let r = reqwest::get(format!("{}/robots.txt", server.url))
        .await
        .unwrap();
    if r.status() == 503 && std::env::var_os("CI").is_none() {
        eprintln!("SKIPPED robots.txt (not in CI): the app is not built");
        return None;
    }
    assert_eq!(r.status(), 200);
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
    Some(r.text().await.unwrap())
}

/// Whether every item of the header shares one row (each one's vertical extent overlaps
/// every other's), and the header's height.
const HEADER_ROW: &str = "const items = [...document.querySelectorAll('header.top > *')]
      .filter(e => e.offsetParent).map(e => e.getBoundingClientRect());
    const top = Math.max(...items.map(r => r.top)), bottom = Math.min(...items.map(r => r.bottom));
    const header = document.querySelector('header.top').getBoundingClientRect();
    return {one_row: top < bottom, height: header.height, items: items.length,
            right: Math.max(...items.map(r => r.right)), width: innerWidth};";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_is_one_row_from_320_px_in_both_languages_and_modes() {
    let axe = axe_source();
    for width in [320, 360] {
        let browser = or_skip!(open_browser_at((width, 640)).await);
        let server = start_server(true).await;
        browser.open(&server, "/").await;
        for elder in [false, true] {
            let mode = if elder {
                "localStorage.setItem('labday.elder', '1')"
            } else {
                "localStorage.removeItem('labday.elder')"
            };
            browser.js(mode).await;
            for (lang, page) in [("zh-CN", "/"), ("en", "/"), ("zh-CN", "/my"), ("en", "/my")] {
                browser.open(&server, &format!("{page}?lang={lang}")).await;
                browser.wait_css("main h1").await;
                let row = browser.js(HEADER_ROW).await;
                let tap = if elder { 60.0 } else { 44.0 };
                let height = row["height"].as_f64().unwrap();
                let at = format!("{page} at {width} px, {lang}, elder={elder}: {row}");
                assert_eq!(row["items"], 4, "{at}");
                assert_eq!(row["one_row"], true, "{at}");
                assert!(height < tap * 1.5 + 16.0, "one row high: {at}");
                assert!(
                    row["right"].as_f64().unwrap() <= f64::from(width),
                    "nothing sticks out: {at}"
                );
                if let Some(axe) = &axe {
                    let found = violations(&browser, axe).await;
                    assert!(found.is_empty(), "{at}: {found:?}");
                }
            }
            // A page's way back is a touch target as large as a button.
            browser.open(&server, "/").await;
            browser.click_css("a[href^='/activities/']").await;
            browser.wait_css("a.back").await;
            let back = browser
                .js_number(
                    "return document.querySelector('a.back').getBoundingClientRect().height;",
                )
                .await;
            let tap = if elder { 60.0 } else { 44.0 };
            assert!(
                back >= tap,
                "back link {back} px high at {width} px, elder={elder}"
            );
        }
        browser.close().await;
    }
}
