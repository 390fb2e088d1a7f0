//! Verified phones (`--verify-phones`) in the browser: the booking form refuses to book
//! without the code, a code is asked for and read from the `log` provider's file (the SMS
//! platform's stand-in), the booking goes through with it, and "my bookings" finds it by
//! phone after this device forgot it.

use crate::support::{fixture, open_browser, start_server_with};
use labday_domain::SessionFormat;
use labday_server::sms::ProviderKind;
use serde_json::Value;
use std::path::Path;

/// The code texted to `phone`, once the log provider has written it.
async fn texted_code(file: &Path, phone: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let lines = std::fs::read_to_string(file).unwrap_or_default();
        let code = lines
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["kind"] == "verification_code" && m["phone"] == phone)
            .find_map(|m| m["params"][0].as_str().map(str::to_owned));
        if let Some(code) = code {
            return code;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no code texted: {lines}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_verifies_the_phone_books_and_finds_the_booking_by_phone() {
    let browser = or_skip!(open_browser().await);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sms.jsonl");
    let server = start_server_with(false, |c| {
        c.sms.provider = ProviderKind::Log;
        c.sms.sms_log_file = Some(file.clone());
        c.messages.outbox_poll_ms = 100;
        c.messages.reminder_hours_before = 0;
        c.phone_codes.verify_phones = true;
    })
    .await;
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;
    let phone = "13800138000";

    browser.open_booking_form(&server, f.session).await;
    browser.wait_text("填写预约信息").await;
    // A code asked for without a number: the keyboard goes to the number, marked wrong.
    browser.click("button", "获取验证码").await;
    focused_on_invalid(&browser, "phone").await;
    browser.fill_booking("王小明", phone).await;
    // Without the code: refused beside its field, nothing booked.
    browser.click("button", "提交预约").await;
    browser.wait_text("请输入发送到该手机的6位验证码。").await;
    let (_, nothing) = server.lookup("AAAAAAAA", phone).await;
    assert_eq!(nothing["code"], "not_found");

    browser.click("button", "获取验证码").await;
    browser.wait_text("验证码已发送到该手机").await;
    let code = texted_code(&file, phone).await;
    browser.fill("短信验证码", &code).await;
    browser.click("button", "提交预约").await;
    let booked = browser.code_in("[data-testid=booking-code]").await;
    let (status, _) = server.lookup(&booked, phone).await;
    assert_eq!(status, 200, "booked with the code");

    // The device forgets its bookings; a verified phone finds them again.
    browser.js("localStorage.clear()").await;
    browser.open(&server, "/my").await;
    browser.wait_text("按手机号查找").await;
    // Sent without a number: the keyboard goes to the number, marked wrong.
    browser
        .click_now(
            "section.find:has(#phone) button[type=submit]",
            "the find button",
        )
        .await;
    focused_on_invalid(&browser, "phone").await;
    let input = browser
        .find_now("#phone", "the find-by-phone number field")
        .await;
    input.send_keys(phone).await.expect("types");
    // Verified minutes ago in this tab: no second code is asked for.
    browser.wait_text("该手机号已验证。").await;
    browser
        .click_now(
            "section.find:has(#phone) button[type=submit]",
            "the find button",
        )
        .await;
    let list = browser
        .text_of("[role=status] [data-testid=phone-holdings]")
        .await;
    let shown = list.replace('-', "");
    assert!(shown.contains(&booked), "{list}");
    browser.wait_text("138****8000").await;
}

/// Waits until focus is on the field `id`, marked invalid (at most 3 s).
async fn focused_on_invalid(browser: &crate::support::Journey, id: &str) {
    let script = "const e = document.activeElement; \
        return e ? e.id + ':' + e.getAttribute('aria-invalid') : '';";
    let mut seen = serde_json::Value::Null;
    for _ in 0..30 {
        seen = browser.js(script).await;
        if seen == serde_json::json!(format!("{id}:true")) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("focus never reached the invalid {id}: {seen}");
}
