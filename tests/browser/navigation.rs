//! Moving around: links inside a journey change the page without reloading it, Back and
//! Forward work, filters stay in the address, a link into another journey loads that
//! journey's bundle, and an unknown address says so (without reloading forever).

use crate::support::{open_with_fixture, Journey};
use labday_domain::SessionFormat;
use serde_json::Value;

/// Marks the document; the mark survives in-app navigation and is gone after a page load.
async fn mark(browser: &Journey) {
    browser
        .js("window.__sameDocument = true; return null;")
        .await;
}

async fn same_document(browser: &Journey) -> bool {
    browser.js("return window.__sameDocument === true;").await == Value::Bool(true)
}

async fn path(browser: &Journey) -> String {
    browser
        .js("return location.pathname + location.search;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Which bundle's script this document runs.
async fn bundle(browser: &Journey) -> String {
    browser
        .js("var s = document.querySelector('script[type=module]'); \
         return s ? (s.textContent.match(/'([^']+\\.js)'/) || [,''])[1] : '';")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The page was loaded anew (not an in-app navigation) and runs the bundle under `prefix`.
async fn assert_loaded_bundle(browser: &Journey, prefix: &str, what: &str) {
    assert!(
        !same_document(browser).await,
        "a new page for another bundle"
    );
    assert!(bundle(browser).await.starts_with(prefix), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_back_and_forward_and_journeys_across_bundles() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);

    browser.open(&server, "/").await;
    browser.wait_css("li.card a").await;
    assert!(
        bundle(&browser).await.starts_with("/labday-"),
        "the list is the browsing bundle"
    );
    mark(&browser).await;

    // A filter goes into the address without a new page.
    browser.select("类型", "lab_open_day").await;
    browser.wait_css("li.card a").await;
    assert_eq!(path(&browser).await, "/?category=lab_open_day");

    // A card opens the activity in the same document.
    browser.click_css("li.card a").await;
    browser.wait_text("请勿触碰仪器。").await;
    assert_eq!(path(&browser).await, format!("/activities/{}", f.activity));
    assert!(same_document(&browser).await, "no reload inside a journey");

    // Back shows the filtered list again, Forward the activity, still without reloading.
    browser.client.back().await.expect("back");
    browser.wait_text("近期开放活动").await;
    assert_eq!(path(&browser).await, "/?category=lab_open_day");
    let category = browser
        .js("return document.getElementById('filter-category').value;")
        .await;
    assert_eq!(category, Value::String("lab_open_day".into()));
    browser.client.forward().await.expect("forward");
    browser.wait_text("请勿触碰仪器。").await;
    assert!(same_document(&browser).await);

    // Booking is another journey: its bundle is loaded, once, at the booking address.
    browser.click("link", "预约 上午场").await;
    browser.wait_text("填写预约信息").await;
    assert_eq!(
        path(&browser).await,
        format!("/sessions/{}/book", f.session)
    );
    assert_loaded_bundle(&browser, "/bundles/book/", "the booking bundle").await;

    // Back returns to the activity, served by the browsing bundle again.
    browser.client.back().await.expect("back");
    browser.wait_text("请勿触碰仪器。").await;
    assert_eq!(path(&browser).await, format!("/activities/{}", f.activity));
    assert!(bundle(&browser).await.starts_with("/labday-"));

    // "My bookings" is a journey of its own: from the booking bundle, the header's link
    // loads its bundle.
    browser.open_booking_form(&server, f.session).await;
    browser.wait_text("填写预约信息").await;
    mark(&browser).await;
    browser.click("link", "我的预约").await;
    browser.wait_text("查找预约").await;
    assert_eq!(path(&browser).await, "/my");
    assert_loaded_bundle(&browser, "/bundles/mine/", "the my-bookings bundle").await;

    // An address no bundle knows says so, and stays put.
    browser.open(&server, "/no/such/page").await;
    browser.wait_text("页面不存在。").await;
    mark(&browser).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(same_document(&browser).await, "no reload loop");
    assert_eq!(path(&browser).await, "/no/such/page");
    browser.close().await;
}

/// The activity's "subscribe" link gives the calendar file, not an in-app page: the app
/// leaves a link to its API to the browser. And a filter chosen with the keyboard keeps the
/// keyboard on it: only a move to another page moves focus to the page's heading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_link_leaves_the_app_and_a_filter_keeps_the_focus() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    browser.open_activity(&server, f.activity).await;
    let link = browser.wait_css("[data-testid=subscribe-calendar]").await;
    let href = link.attr("href").await.expect("href").expect("a link");
    let calendar = browser
        .js_async(
            &format!(
                "fetch({href:?}).then(r => r.text()).then(arguments[0], e => arguments[0](String(e)));"
            ),
            "the calendar",
        )
        .await;
    assert!(
        calendar
            .as_str()
            .unwrap_or_default()
            .starts_with("BEGIN:VCALENDAR"),
        "{calendar}"
    );
    mark(&browser).await;
    link.click().await.expect("click");
    // The browser takes the file (a download here); the app never routes to it.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let body = browser.body_text().await;
    assert!(
        !body.contains("页面不存在"),
        "routed inside the app: {body}"
    );
    assert!(!path(&browser).await.starts_with("/api/") || !same_document(&browser).await);

    browser.open(&server, "/").await;
    browser.wait_css("#filter-category").await;
    browser.wait_css("main h1").await;
    browser
        .js(
            "const s = document.getElementById('filter-category'); s.focus(); \
             s.value = 'demo'; s.dispatchEvent(new Event('change', {bubbles: true})); return null;",
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(path(&browser).await.contains("category=demo"));
    let focused = browser.js("return document.activeElement.id;").await;
    assert_eq!(focused, "filter-category");
    browser.close().await;
}
