//! Embedding in a portal: the demo portal, served from another origin, embeds labday with
//! one script tag; the booking journey works inside the iframe and the frame's height
//! follows its content. A portal that is not allowed cannot frame the app.

use crate::support::{fixture, open_browser, start_server_with, Journey, TestServer};
use fantoccini::Locator;
use labday_domain::SessionFormat;
use labday_server::embedding::PortalOrigins;
use std::time::Duration;

/// Serves a portal page embedding labday at `labday` for `activity`; returns its origin.
async fn portal(labday: String, activity: i64, listener: tokio::net::TcpListener) -> String {
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let page = format!(
        r##"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>门户</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"></head>
        <body><h1>示例门户</h1><div data-labday data-activity="{activity}" data-lang="zh-CN" data-primary="#b3261e" data-font-scale="1.2"></div>
        <p id="after">页脚</p><script src="{labday}/embed.js"></script></body></html>"##
    );
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    origin
}

/// A server (no demo data, the fixture activity) that allows one portal, `allowed` (`None`:
/// the demo portal started here), and the demo portal embedding that activity; returns the
/// server, the activity and the portal's origin.
async fn serve_portal(allowed: Option<&str>) -> (TestServer, i64, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let portal_origin = format!("http://{}", listener.local_addr().expect("addr"));
    let allowed = allowed.map_or_else(|| portal_origin.clone(), str::to_owned);
    let server =
        start_server_with(false, |c| c.portal_origins = PortalOrigins(vec![allowed])).await;
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;
    let origin = portal(server.url.clone(), f.activity, listener).await;
    assert_eq!(origin, portal_origin);
    (server, f.activity, origin)
}

/// The `Access-Control-Allow-Origin` the API answers a call from `origin` with.
async fn cors_grant(server: &TestServer, origin: &str) -> Option<String> {
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/health", server.url))
        .header("Origin", origin)
        .send()
        .await
        .expect("health");
    answer
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Opens the portal's page and waits for its labday iframe.
async fn visit_portal(browser: &Journey, origin: &str) -> fantoccini::elements::Element {
    browser
        .client
        .goto(&format!("{origin}/"))
        .await
        .expect("portal");
    browser.wait_css("iframe").await
}

async fn frame_height(browser: &Journey) -> f64 {
    browser
        .js_number("return document.querySelector('iframe').getBoundingClientRect().height;")
        .await
}

/// Content height inside the frame (entered and left again here).
async fn content_height(browser: &Journey) -> f64 {
    browser.enter_iframe().await;
    let h = browser
        .js_number("return Math.ceil(document.body.getBoundingClientRect().height);")
        .await;
    browser.enter_parent().await;
    h
}

/// Waits until the iframe is as tall as its content, and returns that height.
async fn wait_fitted(browser: &Journey) -> f64 {
    let mut last = (0.0, 0.0);
    for _ in 0..100 {
        let (frame, content) = (frame_height(browser).await, content_height(browser).await);
        if (frame - content).abs() <= 1.0 {
            return frame;
        }
        last = (frame, content);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "iframe height {} never followed its content {}",
        last.0, last.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_works_inside_a_portal_iframe_whose_height_follows_the_content() {
    let browser = or_skip!(open_browser().await);
    let (server, _, origin) = serve_portal(None).await;

    // CORS: the allowed portal may call the API; another origin gets no grant.
    assert_eq!(
        cors_grant(&server, &origin).await.as_deref(),
        Some(origin.as_str())
    );
    assert!(cors_grant(&server, "http://evil.example").await.is_none());

    let frame = visit_portal(&browser, &origin).await;
    frame.enter_frame().await.expect("into the frame");
    browser.wait_text("食品实验室开放日").await;
    browser.enter_parent().await;
    // The activity page reports its height: the frame is resized from the loader's 640 px.
    let activity_height = wait_fitted(&browser).await;
    assert!(
        (activity_height - 640.0).abs() > 1.0,
        "resized to the content: {activity_height}"
    );
    browser.enter_iframe().await;
    browser.wait_text("食品实验室开放日").await;
    let embed = browser
        .js("return document.documentElement.classList.contains('embed')")
        .await;
    assert_eq!(embed, serde_json::json!(true), "embed mode: no site header");
    let primary = browser
        .js("return getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()")
        .await;
    assert_eq!(
        primary,
        serde_json::json!("#b3261e"),
        "the portal's colour is applied"
    );
    // 长辈版 keeps its own darker blue and multiplies the portal's text scale.
    let (colour, size) = (
        "return getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()",
        "return parseFloat(getComputedStyle(document.documentElement).fontSize)",
    );
    assert!((browser.js_number(size).await - 16.0 * 1.2).abs() < 0.01);
    browser.click("button", "长辈版").await;
    assert_eq!(browser.js(colour).await, serde_json::json!("#003f80"));
    assert!((browser.js_number(size).await - 16.0 * 1.2 * 1.25).abs() < 0.01);
    browser.click("button", "长辈版").await;
    assert_eq!(browser.js(colour).await, serde_json::json!("#b3261e"));
    browser.click("link", "预约 上午场").await;
    browser.wait_text("填写预约信息").await;
    browser.fill_booking("郑十一", "13800138011").await;
    browser.enter_parent().await;
    let form_height = wait_fitted(&browser).await;
    browser.enter_iframe().await;
    browser.click("button", "提交预约").await;
    browser.wait_text("预约成功").await;
    browser.wait_css("[data-testid=booking-code]").await;
    browser.enter_parent().await;
    let ticket_height = wait_fitted(&browser).await;
    assert!(
        (ticket_height - form_height).abs() > 1.0,
        "height followed the new page ({form_height} → {ticket_height})"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_that_is_not_allowed_cannot_frame_the_app() {
    let browser = or_skip!(open_browser().await);
    let (server, activity, origin) = serve_portal(Some("https://www.jiangxi.gov.cn")).await;

    let csp = reqwest::get(format!("{}/activities/{activity}", server.url))
        .await
        .unwrap();
    let csp = csp
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.ends_with("; frame-ancestors 'self' https://www.jiangxi.gov.cn"),
        "{csp}"
    );

    let frame = visit_portal(&browser, &origin).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    frame.enter_frame().await.expect("frame");
    let mounted = browser.client.find(Locator::Css("header.top")).await;
    assert!(
        mounted.is_err(),
        "the browser refused to show labday inside a portal that is not allowed"
    );
    browser.close().await;
}

/// A browser that refuses storage to the portal's frame (cookies blocked, say: the storage
/// objects then throw) still runs the frame in embed mode: no site header, the portal's
/// colour, and a height that follows the content instead of the loader's 640 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_refused_storage_still_embeds_and_fits_its_content() {
    let browser = or_skip!(open_browser().await);
    let (_server, _, origin) = serve_portal(None).await;
    let refuse = "if (window.parent !== window) { for (const area of ['localStorage', 'sessionStorage']) { \
        Object.defineProperty(window, area, { get() { throw new DOMException('refused', 'SecurityError'); } }); } }";
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": refuse }),
        )
        .await;
    let frame = visit_portal(&browser, &origin).await;
    frame.enter_frame().await.expect("into the frame");
    browser.wait_text("食品实验室开放日").await;
    let refused = browser
        .js("try { localStorage.length; return false; } catch (e) { return e.name === 'SecurityError'; }")
        .await;
    assert_eq!(
        refused,
        serde_json::json!(true),
        "storage is refused in the frame"
    );
    let (embed, primary) = (
        browser
            .js("return document.documentElement.classList.contains('embed')")
            .await,
        browser
            .js("return getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()")
            .await,
    );
    assert_eq!(embed, serde_json::json!(true), "embed mode");
    assert_eq!(primary, serde_json::json!("#b3261e"), "the portal's colour");
    browser.enter_parent().await;
    let height = wait_fitted(&browser).await;
    assert!(
        (height - 640.0).abs() > 1.0,
        "fitted to the content: {height}"
    );
    // The booking form is another bundle, loaded as a new page: still embedded, still fitted.
    browser.enter_iframe().await;
    browser.click("link", "预约 上午场").await;
    browser.wait_text("填写预约信息").await;
    let embed = browser
        .js("return document.documentElement.classList.contains('embed')")
        .await;
    assert_eq!(
        embed,
        serde_json::json!(true),
        "embed mode on the next page"
    );
    browser.enter_parent().await;
    let form = wait_fitted(&browser).await;
    assert!(
        (form - height).abs() > 1.0,
        "fitted to the form: {height} → {form}"
    );
    browser.close().await;
}

/// A portal built by script adds its element after the loader ran, with a path that has a
/// query and a fragment of its own: the loader mounts it, in embed mode, the query kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_element_added_later_with_its_own_query_is_embedded() {
    let browser = or_skip!(open_browser().await);
    let (_server, _, origin) = serve_portal(None).await;
    visit_portal(&browser, &origin).await;
    browser
        .js("const d = document.createElement('div'); d.dataset.labday = ''; \
             d.dataset.path = '/?category=lab_open_day#list'; document.body.appendChild(d); return null;")
        .await;
    browser
        .wait_css("div[data-labday] ~ div[data-labday] iframe")
        .await;
    let src = browser
        .js("const f = document.querySelectorAll('iframe'); return f.length === 2 ? f[1].src : '';")
        .await;
    let src = src.as_str().unwrap_or_default().to_owned();
    let url = reqwest::Url::parse(&src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/");
    assert_eq!(
        query.get("category").map(String::as_str),
        Some("lab_open_day"),
        "{src}"
    );
    assert_eq!(query.get("embed").map(String::as_str), Some("1"), "{src}");
    assert_eq!(url.fragment(), Some("list"));
    let frames = browser
        .client
        .find_all(Locator::Css("iframe"))
        .await
        .expect("frames");
    frames[1]
        .clone()
        .enter_frame()
        .await
        .expect("into the second frame");
    browser.wait_css("main h1").await;
    let chosen = browser
        .js("return document.getElementById('filter-category').value;")
        .await;
    assert_eq!(
        chosen,
        serde_json::json!("lab_open_day"),
        "the path's query holds"
    );
    let embed = browser
        .js("return document.documentElement.classList.contains('embed')")
        .await;
    assert_eq!(embed, serde_json::json!(true), "embed mode");
    browser.close().await;
}
