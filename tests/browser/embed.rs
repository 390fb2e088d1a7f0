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
        <body><h1>示例门户</h1><div data-labday data-activity="{activity}" data-lang="zh-CN" data-primary="#b3261e"></div>
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
