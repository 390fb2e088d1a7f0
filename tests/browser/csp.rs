//! The Content-Security-Policy in a real browser: the built pages boot under it (their
//! inline boot and loader scripts are allowed by hash), the app works without anything
//! being reported as a violation, and a script injected into the page is refused.

use crate::support::{open_with_server, Journey};
use serde_json::Value;

/// Starts recording violations from now on (the page's own listener).
const LISTEN: &str = r#"
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
return true;"#;

/// Every violation seen: those recorded by `LISTEN`, and those the browser buffered for
/// `ReportingObserver` since the page loaded (which covers the boot, before `LISTEN` ran).
const VIOLATIONS: &str = r#"
var done = arguments[arguments.length - 1];
var seen = (window.__cspViolations || []).slice();
if (!window.ReportingObserver) { done(seen); return; }
function keep(reports) {
  reports.forEach(function (r) {
    seen.push(r.body.effectiveDirective + ' ' + r.body.blockedURL + ' ' + (r.body.sample || ''));
  });
}
var observer = new ReportingObserver(function (reports) { keep(reports); },
  { types: ['csp-violation'], buffered: true });
observer.observe();
setTimeout(function () { keep(observer.takeRecords()); observer.disconnect(); done(seen); }, 500);"#;

async fn violations(browser: &Journey) -> Vec<String> {
    let seen = browser.js_async(VIOLATIONS, "violations").await;
    seen.as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn assert_no_violations(browser: &Journey, what: &str) {
    let seen = violations(browser).await;
    assert!(seen.is_empty(), "{what} violates its CSP: {seen:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_runs_under_its_csp_and_an_injected_script_does_not() {
    let (browser, server) = or_skip!(open_with_server(true).await);

    // The inline boot script ran (it turns `?elder=1` into the elder class) and the inline
    // loader started the WebAssembly app (`open` waits for its header).
    browser.open(&server, "/?elder=1").await;
    browser.wait_text("近期开放活动").await;
    assert_eq!(
        browser
            .js("return document.documentElement.classList.contains('elder');")
            .await,
        Value::Bool(true),
        "the inline boot script ran"
    );
    browser.js(LISTEN).await;

    // Using the app: another language, an activity's page.
    browser.click("button", "Switch to English").await;
    browser.wait_text("Upcoming open days").await;
    browser
        .client
        .find(fantoccini::Locator::Css("li.card a"))
        .await
        .expect("an activity link")
        .click()
        .await
        .expect("opens the activity");
    browser.wait_css("h1").await;
    assert_no_violations(&browser, "the app itself").await;

    // An injected inline script is refused, and reported.
    browser.js(
        "var s = document.createElement('script'); s.textContent = 'window.__injected = true;'; \
         document.head.appendChild(s); return true;",
    )
    .await;
    assert_eq!(
        browser.js("return window.__injected === true;").await,
        Value::Bool(false),
        "an injected script must not run"
    );
    let seen = violations(&browser).await;
    assert!(
        seen.iter().any(|v| v.starts_with("script-src")),
        "the refusal is reported: {seen:#?}"
    );

    // The staff console, a bundle of its own, boots under the same policy.
    browser
        .client
        .goto(&format!("{}/staff/", server.url))
        .await
        .expect("navigates");
    browser.wait_css("input[type=password]").await;
    assert_no_violations(&browser, "the staff console").await;
    browser.close().await;
}
