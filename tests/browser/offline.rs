//! Offline tickets: a citizen books, the network goes (Chromium's offline emulation), and
//! the booking page and "my bookings" still open, from the service worker's shell and the
//! device's own copy, with the QR code and a note saying since when; the worker's cache holds
//! the app's files and nothing of the API or the staff console; a cancelled booking's copy
//! goes.

use crate::support::{open_with_fixture, Journey};
use fantoccini::Locator;
use labday_domain::SessionFormat;
use serde_json::Value;

/// Waits until the service worker is active, then lists every cache it keeps with the paths
/// in it: `{"labday-shell-…": ["/bundles/book/", …]}`.
async fn worker_caches(browser: &Journey) -> serde_json::Map<String, Value> {
    let script = r#"
        var done = arguments[arguments.length - 1];
        var out = {};
        navigator.serviceWorker.ready
          .then(function () { return caches.keys(); })
          .then(function (names) {
            return Promise.all(names.map(function (name) {
              return caches.open(name).then(function (c) { return c.keys(); }).then(function (rs) {
                out[name] = rs.map(function (r) { return new URL(r.url).pathname; });
              });
            }));
          })
          .then(function () { done(out); }, function (e) { done(String(e)); });
    "#;
    let answer = browser.js_async(script, "the worker's caches").await;
    answer
        .as_object()
        .cloned()
        .unwrap_or_else(|| panic!("no service worker: {answer}"))
}

async fn qr_drawn(browser: &Journey) -> bool {
    browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::Css("svg.qr path"))
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_opens_offline_with_its_qr_code_and_the_time_of_its_copy() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);

    // Book online: the booking page keeps its copy and registers the worker.
    browser.open_booking_form(&server, f.session).await;
    browser.submit_booking("王小明", "13800138000").await;
    browser.wait_text("预约成功").await;
    let code = browser.code_in("[data-testid=booking-code]").await;
    assert_eq!(code.len(), 8);
    assert_eq!(browser.count("[data-testid=offline-note]").await, 0);

    // The worker keeps this build's shell of the booking bundle, and nothing personal.
    let caches = worker_caches(&browser).await;
    assert_eq!(caches.len(), 1, "one cache, of this build: {caches:?}");
    let (name, paths) = caches.iter().next().expect("a cache");
    let version = name.strip_prefix("labday-shell-").expect("the shell cache");
    assert!(
        version.len() == 16 && version.bytes().all(|b| b.is_ascii_hexdigit()),
        "versioned by the build, not `dev`: {name}"
    );
    let paths: Vec<&str> = paths
        .as_array()
        .expect("a list of paths")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(paths.contains(&"/bundles/book/"), "{paths:?}");
    // "My bookings", the list of the citizen's own tickets, though not opened yet.
    assert!(paths.contains(&"/bundles/mine/"), "{paths:?}");
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/bundles/mine/") && p.ends_with("_bg.wasm")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/bundles/book/") && p.ends_with("_bg.wasm")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with("/api/") && !p.starts_with("/staff")),
        "no API answer and no staff page is cached: {paths:?}"
    );

    // No network: the booking's page reloads with its QR code and details, saying so.
    browser.set_offline(true).await;
    browser.client.refresh().await.expect("reloads");
    browser.wait_css("header.top").await;
    let note = browser.text_of("[data-testid=offline-note]").await;
    assert!(note.starts_with("离线 · 最后更新于 "), "{note}");
    assert!(qr_drawn(&browser).await, "the QR code offline");
    assert_eq!(browser.code_in("[data-testid=booking-code]").await, code);
    browser.wait_text("一楼大厅").await;
    browser.wait_text("王**").await;
    // In English too.
    browser.click("button", "Switch to English").await;
    browser.wait_text("Offline · last updated").await;
    browser.click("button", "切换到中文").await;

    // "My bookings", opened afresh with no network: the booking from the device's copy.
    browser.open(&server, "/my").await;
    browser.wait_text("食品实验室开放日").await;
    browser.wait_text("已确认").await;
    browser.wait_css("[data-testid=offline-note]").await;
    // And from there to the ticket, still offline.
    browser.click_css("li.card a").await;
    assert!(qr_drawn(&browser).await, "the QR code from my bookings");
    // The staff console is not the worker's: with no network it does not open.
    browser
        .client
        .goto(&format!("{}/staff/", server.url))
        .await
        .ok();
    assert_eq!(browser.count("header").await, 0, "no staff page offline");

    // Back online the page is live again, with no note.
    browser.set_offline(false).await;
    browser.open(&server, &format!("/bookings/{code}")).await;
    assert!(qr_drawn(&browser).await);
    browser.wait_text("已确认").await;
    assert_eq!(browser.count("[data-testid=offline-note]").await, 0);

    // Cancelled on this device: its copy goes, and offline there is no ticket to show.
    let copies = format!(
        "return Object.keys(localStorage)\
           .filter(function (k) {{ return k.indexOf('labday.copy/bookings/lookup/{code}/') === 0; }})\
           .length;"
    );
    assert_eq!(
        browser.js(&copies).await,
        Value::from(1),
        "one copy, of this phone"
    );
    browser.click("button", "取消预约").await;
    browser.click("button", "确定取消").await;
    browser.wait_text("预约已取消").await;
    assert_eq!(
        browser.js(&copies).await,
        Value::from(0),
        "the copy is gone"
    );
    // "My bookings" still lists it, as cancelled, and keeps no copy of it.
    browser.open(&server, "/my").await;
    browser.wait_text("已取消").await;
    assert_eq!(browser.js(&copies).await, Value::from(0), "no copy again");
    browser.open(&server, &format!("/bookings/{code}")).await;
    browser.wait_text("预约已取消").await;
    browser.set_offline(true).await;
    browser.client.refresh().await.expect("reloads");
    browser.wait_text("无法连接服务器").await;
    assert_eq!(browser.count("svg.qr").await, 0);
    assert_eq!(browser.count("[data-testid=offline-note]").await, 0);
    browser.set_offline(false).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_label_opens_offline_right_after_registering() {
    let (browser, server, f) =
        or_skip!(open_with_fixture(SessionFormat::QuickTest, 40, None).await);
    browser
        .open(&server, &format!("/sessions/{}/samples", f.session))
        .await;
    for (id, text) in [
        ("variety-0", "菠菜"),
        ("bought-at-0", "青山湖农贸市场 12号摊"),
    ] {
        browser
            .wait_css(&format!("#{id}"))
            .await
            .send_keys(text)
            .await
            .expect("types");
    }
    browser.fill("姓名", "王芳").await;
    browser.fill("手机号码", "13900139000").await;
    browser.tick("我已阅读并同意隐私说明").await;
    browser.click("button", "提交登记").await;
    browser.wait_text("登记成功").await;
    let code = browser.code_in("[data-testid=sample-code]").await;
    // Kept from the registration's answer: no lookup has been made.
    let caches = worker_caches(&browser).await;
    let paths: Vec<&str> = caches
        .values()
        .flat_map(|p| p.as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    assert!(paths.contains(&"/bundles/samples/"), "{paths:?}");

    browser.set_offline(true).await;
    browser.open(&server, &format!("/samples/{code}")).await;
    browser.wait_css("[data-testid=sample-label]").await;
    assert!(qr_drawn(&browser).await, "the label's QR code offline");
    browser.wait_text("菠菜").await;
    let note = browser.text_of("[data-testid=offline-note]").await;
    assert!(note.starts_with("离线 · 最后更新于 "), "{note}");
    browser.set_offline(false).await;
    browser.close().await;
}
