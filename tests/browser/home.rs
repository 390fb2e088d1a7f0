//! The walking skeleton: the home page lists the seeded activities in Chinese, switches to
//! English, and shows an error state when the API is down.

use crate::support::{open_browser, open_with_server, start_app_without_api};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_lists_seeded_activities_and_switches_language() {
    let (browser, server) = or_skip!(open_with_server(true).await);
    browser.open(&server, "/").await;
    browser.wait_text("近期开放活动").await;
    browser
        .wait_text("检验检测机构开放日：电子信息产品检测中心")
        .await;
    browser.wait_text("国家重点实验室云课堂").await;
    assert_eq!(
        browser.count("li.card").await,
        7,
        "all seven demo activities are listed"
    );

    browser.click("button", "Switch to English").await;
    browser.wait_text("Upcoming open days").await;
    browser
        .wait_text("Testing-lab open day: Electronic Information Product Test Centre")
        .await;

    // Filter by type: only the two activities with cloud-classroom sessions remain.
    browser.select("Type", "cloud_classroom").await;
    browser
        .wait_text("Ganzhou advertising-industry quality training")
        .await;
    assert_eq!(browser.count("li.card").await, 2);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_shows_an_error_when_the_api_is_down() {
    let browser = or_skip!(open_browser().await);
    let server = start_app_without_api().await;
    browser.open(&server, "/").await;
    browser
        .wait_text("无法连接服务器，请检查网络后重试。")
        .await;
    browser.by_role_name("button", "重试").await;
    assert_eq!(browser.count("li.card").await, 0);
    browser.close().await;
}
