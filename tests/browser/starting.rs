//! Before the app starts: the page says it is loading from its first paint, and when the app
//! cannot start it says why and offers to try again instead of staying blank: a
//! WebAssembly file that does not arrive, one that has not arrived after 20 s, a browser
//! without WebAssembly. Once the app starts, the note is gone.

use crate::support::{open_browser, open_browser_with, start_server, Journey, PHONE_VIEWPORT};
use fantoccini::Locator;
use serde_json::json;
use std::time::{Duration, Instant};

const LOADING: &str = "正在加载…";
const FAILED: &str = "页面未能加载，请检查网络后重试。";
const FAILED_EN: &str = "The page did not load. Check your connection and try again.";
const SLOW: &str = "网络较慢，仍在加载…";
const OLD: &str = "这个浏览器无法打开本页面。";
const TRY_AGAIN: &str = "重试 · Try again";

/// Goes to `url` without waiting for the app.
async fn go(browser: &Journey, url: &str) {
    browser.client.goto(url).await.expect("navigates");
}

/// The text of the note shown before the app starts, or `None` once it is gone.
async fn note(browser: &Journey) -> Option<String> {
    match browser.client.find(Locator::Css("#starting")).await {
        Ok(e) => Some(e.text().await.unwrap_or_default()),
        Err(_) => None,
    }
}

/// Waits up to `within` for the note to hold `text`.
async fn note_says(browser: &Journey, text: &str, within: Duration) -> String {
    let started = Instant::now();
    loop {
        let now = note(browser).await.unwrap_or_default();
        if now.contains(text) {
            return now;
        }
        if started.elapsed() > within {
            panic!("the note never said {text:?}; it says {now:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_note_is_gone_once_the_app_starts() {
    let browser = or_skip!(open_browser().await);
    let server = start_server(true).await;
    browser.open(&server, "/").await;
    assert_eq!(note(&browser).await, None, "the loading note stays");
    assert!(!browser.body_text().await.contains(LOADING));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_app_does_not_arrive_says_so_and_tries_again() {
    let browser = or_skip!(open_browser().await);
    let server = start_server(true).await;
    browser.cdp("Network.enable", json!({})).await;
    let block = |urls: &[&str]| json!({ "urls": urls });
    browser
        .cdp("Network.setBlockedURLs", block(&["*.wasm"]))
        .await;
    go(&browser, &format!("{}/", server.url)).await;
    let said = note_says(&browser, FAILED, Duration::from_secs(15)).await;
    assert!(said.contains(FAILED_EN), "both languages: {said:?}");
    assert_eq!(
        browser
            .find_now("#starting[role=status]", "the note, announced")
            .await
            .text()
            .await
            .unwrap_or_default(),
        said
    );
    // Trying again while the file still cannot come: the same answer, from a new load.
    browser
        .js("document.documentElement.dataset.before = '1'; return true;")
        .await;
    browser.click("button", TRY_AGAIN).await;
    note_says(&browser, FAILED, Duration::from_secs(15)).await;
    assert_eq!(
        browser
            .js("return document.documentElement.dataset.before || null;")
            .await,
        json!(null),
        "trying again loads the page again"
    );
    // The network back: trying again starts the app, and the note goes.
    browser.cdp("Network.setBlockedURLs", block(&[])).await;
    browser.click("button", TRY_AGAIN).await;
    browser.wait_css("header.top").await;
    assert_eq!(note(&browser).await, None);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_app_is_slow_to_arrive_says_it_is_still_loading() {
    let browser = or_skip!(open_browser().await);
    let server = start_server(true).await;
    // The WebAssembly's request is held and never answered: a network that gives nothing.
    browser
        .cdp(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*.wasm", "requestStage": "Request" }] }),
        )
        .await;
    let asked = Instant::now();
    go(&browser, &format!("{}/staff/", server.url)).await;
    let first = note_says(&browser, LOADING, Duration::from_secs(5)).await;
    assert!(first.contains("Loading…"), "{first:?}");
    note_says(&browser, SLOW, Duration::from_secs(30)).await;
    assert!(
        asked.elapsed() >= Duration::from_secs(19),
        "slow already after {:?}",
        asked.elapsed()
    );
    browser.by_role_name("button", TRY_AGAIN).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_without_webassembly_is_told_to_open_the_page_elsewhere() {
    // V8 without its compilers exposes no `WebAssembly`, as a browser that lacks it.
    let no_wasm = ["--js-flags=--jitless".to_owned()];
    let browser = or_skip!(open_browser_with(PHONE_VIEWPORT, &no_wasm).await);
    let server = start_server(true).await;
    for path in ["/", "/staff/"] {
        go(&browser, &format!("{}{path}", server.url)).await;
        let said = note_says(&browser, OLD, Duration::from_secs(10)).await;
        assert!(
            said.contains("This browser cannot open this page."),
            "{said:?}"
        );
        assert_eq!(
            browser.count("#starting button").await,
            0,
            "trying again cannot help: {path}"
        );
    }
    browser.close().await;
}
