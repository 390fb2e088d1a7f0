//! A booking made with the keyboard alone: no clicks anywhere, and a refusal from the server
//! leaves the keyboard where it was.

use crate::support::open_with_fixture;
use fantoccini::key::Key;
use labday_domain::SessionFormat;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_can_be_made_with_the_keyboard_alone() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    // The number typed below holds a booking already: the first try is refused.
    server.book(f.session, "周九", "13800138001", 1, 0).await;

    browser.open_activity(&server, f.activity).await;
    browser.wait_text("上午场").await;
    browser.tab_to("预约 上午场").await;
    browser.press(Key::Enter).await;
    browser.wait_text("填写预约信息").await;
    // Focus moved to the new page's heading; the form follows in reading order.
    browser.tab_to("name").await;
    browser.type_text("周九").await;
    browser.press(Key::Tab).await;
    browser.type_text("13800138001").await;
    browser.tab_to("consent").await;
    browser.press(Key::Space).await;
    browser.tab_to("提交预约").await;
    browser.press(Key::Enter).await;
    browser.wait_text("该手机号码已预约本场次。").await;
    // The refusal is read out; the keyboard stays on the button, not back at the page's top.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(browser.focused_name().await, "提交预约");
    browser.fill("手机号码", "13800138002").await;
    browser.press(Key::Enter).await;
    browser.wait_text("预约成功").await;
    let code = browser.text_of("[data-testid=booking-code]").await;
    assert_eq!(code.len(), 9, "code shown as XXXX-XXXX: {code}");
    browser.close().await;
}
