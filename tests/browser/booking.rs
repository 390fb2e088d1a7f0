//! Booking journeys at a phone viewport: browse → book → code and QR → reload → "my
//! bookings" → cancel, in Chinese and in English; a full session's waiting list and the
//! promotion after a cancellation; the cloud-classroom link shown only to the holder.

use crate::support::{open_browser, start_server, start_server_with, Journey, TestServer};
use chrono::{Duration, Utc};
use fantoccini::Locator;
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::SessionDraft;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::SessionFormat;
use labday_server::storage::{NewActivity, NewOrganisation};

pub struct Fixture {
    pub activity: i64,
    pub session: i64,
}

/// One activity with one session starting in two days, booking open now.
pub async fn fixture(
    server: &TestServer,
    format: SessionFormat,
    capacity: u32,
    join_link: Option<&str>,
) -> Fixture {
    let now = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES);
    let org = server
        .storage
        .add_organisation(NewOrganisation {
            name: Localised::new("食品检验检测研究院", "Food Testing Institute"),
            city: Localised::new("南昌", "Nanchang"),
            address: Localised::new("南昌市测试路 1 号", "1 Test Road, Nanchang"),
            contact: "0791-0000".into(),
            utc_offset_minutes: SHANGHAI_OFFSET_MINUTES,
        })
        .await
        .expect("org");
    let activity = server
        .storage
        .add_activity(NewActivity {
            organisation_id: org,
            kind: ActivityKind::LabOpenDay,
            title: Localised::new("食品实验室开放日", "Food lab open day"),
            description: Localised::new("参观食品实验室。", "Tour the food lab."),
            safety_notes: Localised::new("请勿触碰仪器。", "Do not touch equipment."),
            starts_on: now.date(),
            ends_on: now.date() + Duration::days(3),
        })
        .await
        .expect("activity");
    let starts_at = (now + Duration::days(2))
        .date()
        .and_hms_opt(9, 30, 0)
        .expect("time");
    let session = server
        .storage
        .add_session(
            activity,
            SessionDraft {
                format,
                title: Localised::new("上午场", "Morning tour"),
                place: Localised::new("一楼大厅", "Ground-floor lobby"),
                join_link: join_link.map(str::to_owned),
                starts_at,
                ends_at: starts_at + Duration::minutes(90),
                capacity,
                per_booking_limit: 4,
                booking_opens_at: now - Duration::days(1),
                booking_closes_at: starts_at - Duration::hours(1),
                cancel_deadline: starts_at - Duration::hours(2),
            },
        )
        .await
        .expect("session");
    Fixture { activity, session }
}

async fn code_on_page(browser: &Journey) -> String {
    let el = browser.wait_css("[data-testid=booking-code]").await;
    el.text().await.expect("code text").replace('-', "")
}

async fn status_on_page(browser: &Journey) -> String {
    browser
        .wait_css("[data-testid=booking-status]")
        .await
        .text()
        .await
        .expect("status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_books_shows_finds_and_cancels_in_chinese() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server(false).await;
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;

    browser.open(&server, "/").await;
    browser
        .wait_css("li.card a")
        .await
        .click()
        .await
        .expect("open the activity card");
    browser.wait_text("请勿触碰仪器。").await;
    browser.wait_text("09:30–11:00").await;
    browser.click("link", "预约 上午场").await;

    browser.wait_text("填写预约信息").await;
    // Submitting empty shows every error beside its field, and books nothing.
    browser.click("button", "提交预约").await;
    browser.wait_text("请填写姓名").await;
    browser.wait_text("请输入 11 位手机号码").await;
    browser.wait_text("请阅读并同意隐私说明").await;

    browser.fill("姓名", "王小明").await;
    browser.fill("手机号码", "13800138000").await;
    browser.select("成人", "2").await;
    browser.select("儿童（须成人陪同）", "1").await;
    browser.tick("我已阅读并同意隐私说明").await;
    browser.click("button", "提交预约").await;

    browser.wait_text("预约成功").await;
    let code = code_on_page(&browser).await;
    assert_eq!(code.len(), 8);
    assert!(
        browser
            .client
            .find(Locator::Css("svg.qr path"))
            .await
            .is_ok(),
        "QR code drawn"
    );
    browser.wait_text("王**").await;
    browser.wait_text("138****8000").await;
    let ics = browser.by_role_name("link", "添加到日历").await;
    let href = ics.attr("href").await.expect("href").unwrap_or_default();
    assert!(
        href.starts_with("data:text/calendar"),
        "calendar file offered: {href}"
    );
    assert!(href.contains(&code), "the .ics carries the booking code");

    // Reload: the booking is still there (remembered on this device).
    browser.client.refresh().await.expect("reload");
    browser.wait_text("预约成功").await;
    assert_eq!(code_on_page(&browser).await, code);

    // My bookings lists it with its live status.
    browser.open(&server, "/my").await;
    browser.wait_text("食品实验室开放日").await;
    browser.wait_text("已确认").await;
    browser
        .wait_css("li.card a")
        .await
        .click()
        .await
        .expect("open the booking");

    browser.click("button", "取消预约").await;
    browser.click("button", "确定取消").await;
    browser.wait_text("预约已取消").await;
    assert_eq!(status_on_page(&browser).await, "已取消");
    let session = server
        .storage
        .session(f.session, Utc::now())
        .await
        .expect("db")
        .expect("session");
    assert_eq!(session.booked, 0, "places released at once");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_books_in_english_and_finds_it_from_another_device() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server(false).await;
    let f = fixture(&server, SessionFormat::Demo, 20, None).await;

    browser
        .open(&server, &format!("/sessions/{}/book?lang=en", f.session))
        .await;
    browser.wait_text("Your booking").await;
    browser.fill("Name", "Li Lei").await;
    browser.fill("Mobile number", "139 0013 9000").await;
    browser
        .tick("I have read and agree to the privacy notice")
        .await;
    browser.click("button", "Book now").await;
    browser.wait_text("You're booked").await;
    let code = code_on_page(&browser).await;

    // Another device: nothing remembered; find by code and phone.
    browser
        .client
        .execute("localStorage.clear()", vec![])
        .await
        .expect("clear");
    browser.open(&server, "/my?lang=en").await;
    browser.wait_text("No bookings on this device yet.").await;
    browser.fill("Booking code", &code.to_lowercase()).await;
    browser.fill("Mobile number", "13800000000").await;
    browser.click("button", "Find").await;
    browser
        .wait_text("Not found: check the booking code and mobile number.")
        .await;
    browser.fill("Mobile number", "13900139000").await;
    browser.click("button", "Find").await;
    browser.wait_text("You're booked").await;
    assert_eq!(status_on_page(&browser).await, "Confirmed");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_session_offers_the_waiting_list_and_promotes_after_a_cancellation() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server(false).await;
    let f = fixture(&server, SessionFormat::Visit, 2, None).await;
    // Someone else takes both places through the API.
    let http = reqwest::Client::new();
    let taken: serde_json::Value = http
        .post(format!("{}/api/v1/bookings", server.url))
        .json(&serde_json::json!({"session_id": f.session, "name": "赵六", "phone": "13600136000", "adults": 2, "children": 0, "consent": true}))
        .send()
        .await
        .expect("book")
        .json()
        .await
        .expect("json");
    assert_eq!(taken["status"], "confirmed");

    browser
        .open(&server, &format!("/activities/{}", f.activity))
        .await;
    browser.wait_text("已约满").await;
    browser.click("link", "排队候补 上午场").await;
    browser.wait_text("本场已约满").await;
    browser.fill("姓名", "钱七").await;
    browser.fill("手机号码", "13700137000").await;
    browser.tick("我已阅读并同意隐私说明").await;
    browser.click("button", "提交预约").await;
    browser.wait_text("已进入候补").await;
    assert!(status_on_page(&browser).await.contains("候补位次 1"));

    // The other holder cancels; on reload this booking is confirmed.
    let cancelled = http
        .post(format!("{}/api/v1/bookings/cancel", server.url))
        .json(&serde_json::json!({"code": taken["code"], "phone": "13600136000"}))
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancelled.status(), 200);
    browser.client.refresh().await.expect("reload");
    browser.wait_text("预约成功").await;
    assert_eq!(status_on_page(&browser).await, "已确认");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_classroom_link_appears_only_after_booking() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server(false).await;
    let link = "https://live.example.cn/labday/secret-room";
    let f = fixture(&server, SessionFormat::CloudClassroom, 100, Some(link)).await;

    browser
        .open(&server, &format!("/activities/{}", f.activity))
        .await;
    browser.wait_text("云课堂").await;
    assert!(!browser
        .client
        .source()
        .await
        .expect("source")
        .contains("secret-room"));
    browser
        .open(&server, &format!("/sessions/{}/book", f.session))
        .await;
    browser.wait_text("填写预约信息").await;
    assert!(!browser
        .client
        .source()
        .await
        .expect("source")
        .contains("secret-room"));
    browser.fill("姓名", "孙八").await;
    browser.fill("手机号码", "13500135000").await;
    browser.tick("我已阅读并同意隐私说明").await;
    browser.click("button", "提交预约").await;
    browser.wait_text("预约成功").await;
    let join = browser.wait_css("[data-testid=join-link]").await;
    assert_eq!(
        join.attr("href").await.expect("href").as_deref(),
        Some(link)
    );
    browser.close().await;
}

/// The form's privacy sentence is a promise: it states the retention the server is
/// configured with (here not the default), in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_privacy_notice_states_the_configured_retention() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server_with(false, |config| {
        config.retention_days = 45;
        config.no_show_within_days = 90;
    })
    .await;
    let f = fixture(&server, SessionFormat::Demo, 20, None).await;

    browser
        .open(&server, &format!("/sessions/{}/book", f.session))
        .await;
    browser
        .wait_text("活动结束 45 天后自动删除您的姓名和号码")
        .await;
    browser
        .wait_text("号码带密钥哈希值在活动结束 91 天后删除")
        .await;
    browser
        .open(&server, &format!("/sessions/{}/book?lang=en", f.session))
        .await;
    browser
        .wait_text("erased automatically 45 days after the session")
        .await;
    browser
        .wait_text("is deleted 91 days after the session")
        .await;
    let body = browser.body_text().await;
    assert!(
        !body.contains("30 days") && !body.contains('{'),
        "no default and no placeholder left: {body}"
    );
    browser.close().await;
}
