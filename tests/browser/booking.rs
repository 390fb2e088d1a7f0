//! Booking journeys at a phone viewport: browse → book → code and QR → reload → "my
//! bookings" → cancel, in Chinese and in English; a full session's waiting list and the
//! promotion after a cancellation; the cloud-classroom link shown only to the holder.

use crate::support::{
    fixture, open_browser, open_with_fixture, start_server_with, Journey, TestServer,
};
use chrono::Utc;
use fantoccini::Locator;
use labday_domain::staff::Role;
use labday_domain::SessionFormat;

async fn code_on_page(browser: &Journey) -> String {
    browser.code_in("[data-testid=booking-code]").await
}

async fn status_on_page(browser: &Journey) -> String {
    browser.text_of("[data-testid=booking-status]").await
}

/// Looks a booking up on "my bookings" (in English) by its code and a phone.
async fn find_booking(browser: &Journey, code: &str, phone: &str) {
    browser.fill("Booking code", code).await;
    browser.fill("Mobile number", phone).await;
    browser.click("button", "Find").await;
}

/// An organiser (made for it the first time) cancels `session`; how many bookings went with
/// it.
pub(crate) async fn organiser_cancels(server: &TestServer, session: i64) -> u32 {
    let accounts = server.storage.staff_accounts(None).await.expect("storage");
    let chief = match accounts.iter().find(|a| a.username == "chief") {
        Some(chief) => chief.id,
        None => {
            let role = Role::Organiser;
            server
                .add_staff("chief", "省局 李处", "province-2026", role, None)
                .await
        }
    };
    let now = labday_server::auth::now_local();
    let cancelled = server.storage.cancel_session(chief, session, now).await;
    // Made in storage, not through the server's handlers: the catalogue's kept copy of the
    // session's page shows the change within its second (`catalogue_cache.rs`).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    cancelled.expect("cancels")
}

/// The page's text says none of `words`.
async fn lacks(browser: &Journey, words: &[&str]) {
    let page = browser.body_text().await;
    let said: Vec<&&str> = words.iter().filter(|w| page.contains(**w)).collect();
    assert!(said.is_empty(), "{said:?} in: {page}");
}

/// The page source holds no trace of `secret`.
async fn source_hides(browser: &Journey, secret: &str) -> bool {
    !browser
        .client
        .source()
        .await
        .expect("source")
        .contains(secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_books_shows_finds_and_cancels_in_chinese() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);

    browser.open(&server, "/").await;
    browser.click_css("li.card a").await;
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
    let href = browser.link_href("添加到日历").await.unwrap_or_default();
    assert!(
        href.starts_with("data:text/calendar"),
        "calendar file offered: {href}"
    );
    assert!(href.contains(&code), "the .ics carries the booking code");
    // Made now, as the later version of the booking's event (a move keeps the code).
    assert!(
        href.contains("SEQUENCE%3A"),
        "the .ics says its version: {href}"
    );

    // Reload: the booking is still there (remembered on this device).
    browser.client.refresh().await.expect("reload");
    browser.wait_text("预约成功").await;
    assert_eq!(code_on_page(&browser).await, code);

    // My bookings lists it with its live status.
    browser.open(&server, "/my").await;
    browser.wait_text("食品实验室开放日").await;
    browser.wait_text("已确认").await;
    browser.click_css("li.card a").await;

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
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Demo, 20, None).await);

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
    browser.js("localStorage.clear()").await;
    browser.open(&server, "/my?lang=en").await;
    browser.wait_text("No bookings on this device yet.").await;
    let code = code.to_lowercase();
    find_booking(&browser, &code, "13800000000").await;
    browser
        .wait_text("Not found: check the booking code and mobile number.")
        .await;
    find_booking(&browser, &code, "13900139000").await;
    browser.wait_text("You're booked").await;
    assert_eq!(status_on_page(&browser).await, "Confirmed");

    // A third device opens the booking's own address: a mistyped number is asked again,
    // with the reason, and never kept; the right one opens it.
    browser.js("localStorage.clear()").await;
    browser
        .open(&server, &format!("/bookings/{code}?lang=en"))
        .await;
    browser.fill("Mobile number", "13800000000").await;
    browser.click("button", "Find").await;
    browser
        .wait_text("Not found: check the booking code and mobile number.")
        .await;
    assert!(
        !browser.local_storage().await.contains("13800000000"),
        "a number that matched nothing is not remembered"
    );
    browser.fill("Mobile number", "13900139000").await;
    browser.click("button", "Find").await;
    browser.wait_text("You're booked").await;
    assert!(browser.local_storage().await.contains("13900139000"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_session_offers_the_waiting_list_and_promotes_after_a_cancellation() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 2, None).await);
    // Someone else takes both places through the API.
    let taken = server.book(f.session, "赵六", "13600136000", 2, 0).await;
    assert_eq!(taken["status"], "confirmed");

    browser
        .join_waiting_list(&server, f.activity, "钱七", "13700137000")
        .await;
    assert!(status_on_page(&browser).await.contains("候补位次 1"));
    // A waiting place is no ticket: no QR code, no word of the door, no calendar entry.
    browser.wait_text("候补期间不能凭此码入场").await;
    lacks(&browser, &["入场时出示", "添加到日历"]).await;
    assert_eq!(browser.count("svg.qr").await, 0);
    // Cancelling a waiting place asks about the queue, not about places it does not hold.
    browser.click("button", "取消预约").await;
    browser.wait_text("确定取消？您将离开候补名单。").await;
    lacks(&browser, &["名额将立即释放"]).await;
    browser.click("button", "不取消").await;

    // The other holder cancels; on reload this booking is confirmed.
    let (cancelled, _) = server
        .post(
            "/api/v1/bookings/cancel",
            &serde_json::json!({"code": taken["code"], "phone": "13600136000"}),
        )
        .await;
    assert_eq!(cancelled, 200);
    browser.client.refresh().await.expect("reload");
    browser.wait_text("预约成功").await;
    assert_eq!(status_on_page(&browser).await, "已确认");
    browser.wait_css("svg.qr path").await;
    browser.wait_text("入场时出示此二维码或预约码。").await;
    browser.close().await;
}

/// A session that takes no booking now says why where its form would be (booking opens
/// later; the organiser cancelled it), and its activity's page counts its places without
/// calling it bookable; one whose cancellation deadline has passed warns before booking. A
/// quick test's sample form says so too before it opens, once it is over, or cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_booking_form_says_first_when_a_session_cannot_be_booked_or_cancelled() {
    use labday_domain::schedule::SessionDraft;
    use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    let now = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES);
    let starts_at = now + chrono::Duration::hours(50);
    let session = |title: &str, opens_at, cancel_by| SessionDraft {
        format: SessionFormat::Visit,
        title: labday_domain::Localised::new(title, title),
        place: labday_domain::Localised::new("一楼", "Ground floor"),
        address: labday_domain::Localised::default(),
        join_link: None,
        starts_at,
        ends_at: starts_at + chrono::Duration::hours(1),
        capacity: 10,
        reserved_places: 0,
        per_booking_limit: 2,
        booking_opens_at: opens_at,
        booking_closes_at: starts_at,
        cancel_deadline: cancel_by,
    };
    let storage = &server.storage;
    let later = session("晚开场", now + chrono::Duration::days(1), starts_at);
    let later = storage.add_session(f.activity, later).await.expect("adds");
    let past = session("不可取消场", now - chrono::Duration::days(1), now);
    let past = storage.add_session(f.activity, past).await.expect("adds");

    browser.open_activity(&server, f.activity).await;
    browser.wait_text("晚开场").await;
    browser.wait_text("剩余名额 10/10").await;
    browser.wait_text("可预约 · 剩余名额 10/10").await; // the one open
    assert_eq!(
        browser.count("li.session .badge.open").await,
        2,
        "the session booking later is not called bookable"
    );

    browser.open_booking_form(&server, later).await;
    let why = browser.text_of("[data-testid=not-bookable]").await;
    assert!(why.starts_with("尚未开放预约 · 开放预约"), "{why}");
    assert_eq!(browser.count("form.booking-form").await, 0);

    browser.open_booking_form(&server, past).await;
    browser.wait_css("form.booking-form").await;
    browser.wait_text("本场已过取消截止时间").await;

    // A visit takes no vegetables: its sample form says so before anything is typed.
    let samples = format!("/sessions/{}/samples", f.session);
    browser.open(&server, &samples).await;
    browser.wait_text("只有农残快检场次可以登记样品。").await;
    assert_eq!(browser.count("form").await, 0);

    organiser_cancels(&server, f.session).await;
    browser.open_booking_form(&server, f.session).await;
    browser.wait_text("该场次已被主办方取消。").await;
    assert_eq!(browser.count("form.booking-form").await, 0);

    // A quick test takes samples from its opening until its end: before, its form says when
    // it opens; after, that it is over; neither offers a form the server would refuse.
    let early = SessionDraft {
        format: SessionFormat::QuickTest,
        ..session("晚开快检", now + chrono::Duration::days(1), starts_at)
    };
    let early = storage.add_session(f.activity, early).await.expect("adds");
    let over = SessionDraft {
        format: SessionFormat::QuickTest,
        starts_at: now - chrono::Duration::hours(3),
        ends_at: now - chrono::Duration::hours(1),
        booking_closes_at: now - chrono::Duration::hours(3),
        ..session(
            "已结束快检",
            now - chrono::Duration::days(2),
            now - chrono::Duration::days(1),
        )
    };
    let over = storage.add_session(f.activity, over).await.expect("adds");
    for (quick, testid, said) in [
        (early, "not-yet-open", "尚未开放样品登记 · 开放登记"),
        (over, "session-over", "本场次已结束，不再接收样品登记。"),
    ] {
        browser
            .open(&server, &format!("/sessions/{quick}/samples"))
            .await;
        let why = browser.text_of(&format!("[data-testid={testid}]")).await;
        assert!(why.starts_with(said), "{why}");
        assert_eq!(browser.count("form").await, 0);
    }

    // Nor does a quick test the organiser cancelled.
    let quick = SessionDraft {
        format: SessionFormat::QuickTest,
        ..session("快检场", now - chrono::Duration::days(1), starts_at)
    };
    let quick = storage.add_session(f.activity, quick).await.expect("adds");
    organiser_cancels(&server, quick).await;
    browser
        .open(&server, &format!("/sessions/{quick}/samples"))
        .await;
    let why = browser.text_of("[data-testid=session-cancelled]").await;
    assert_eq!(why, "该场次已被主办方取消。");
    assert_eq!(browser.count("form").await, 0);
    // Its bench and its door say up front what they no longer do, and offer no code field,
    // camera or walk-in form the server would refuse.
    browser.open(&server, "/staff/").await;
    crate::staff::sign_in(&browser, "chief", "province-2026", "省局 李处").await;
    for desk in [
        format!("/staff/sessions/{quick}/samples"),
        format!("/staff/sessions/{quick}"),
    ] {
        browser.open(&server, &desk).await;
        let said = browser.text_of("[data-testid=desk-cancelled]").await;
        assert!(
            said.starts_with("该场次已被主办方取消：不再签到、收样或接待现场预约"),
            "{desk}: {said}"
        );
        let shown = desk_actions(&browser).await;
        assert!(shown.is_empty(), "{desk}: {shown:?}");
    }
    // A door left open while the organiser cancels its session learns it from the next try,
    // and closes as one opened afterwards would.
    browser
        .open(&server, &format!("/staff/sessions/{later}"))
        .await;
    browser.wait_css("section.walk-in").await;
    assert!(!desk_actions(&browser).await.is_empty());
    organiser_cancels(&server, later).await;
    browser.click("button", "现场预约并签到").await;
    browser.wait_css("[data-testid=desk-cancelled]").await;
    let shown = desk_actions(&browser).await;
    assert!(shown.is_empty(), "{shown:?}");

    // An address naming nothing says so, not "check the code and number", and offers no
    // retry that could only fail again.
    for path in [
        "/sessions/999999/book",
        "/activities/999999",
        "/activities/abc",
    ] {
        browser.open(&server, path).await;
        browser.wait_text("没有这个活动或场次").await;
        lacks(&browser, &["重试", "预约码"]).await;
    }
    browser.close().await;
}

/// What a desk offers that a cancelled session's desk must not: the visible forms and
/// buttons that receive, check in, scan, register, mark no-shows or move.
async fn desk_actions(browser: &Journey) -> Vec<String> {
    let shown = browser
        .client
        .execute(
            "return [...document.querySelectorAll('form, section.walk-in, button')]\
             .filter(e => e.offsetParent !== null).map(e => e.textContent.trim());",
            vec![],
        )
        .await
        .expect("script");
    let shown: Vec<String> = serde_json::from_value(shown).expect("texts");
    shown
        .into_iter()
        .filter(|t| {
            ["收样", "签到", "扫码", "登记", "未到场", "改到"]
                .iter()
                .any(|w| t.contains(w))
        })
        .collect()
}

/// A booking whose session the organiser cancelled says so, not as if its holder had, and
/// points to the activity's other sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_says_when_the_organiser_cancelled_its_session() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    browser.open_booking_form(&server, f.session).await;
    browser.submit_booking("周九", "13300133000").await;
    browser.wait_text("预约成功").await;
    let cancelled = organiser_cancels(&server, f.session).await;
    assert_eq!(cancelled, 1, "one booking cancelled");
    browser.client.refresh().await.expect("reload");
    browser.wait_text("主办方已取消该场次").await;
    browser.wait_text("您的预约随之取消").await;
    let other = browser.link_href("查看本活动的其他场次").await;
    assert_eq!(other, Some(format!("/activities/{}", f.activity)));
    lacks(&browser, &["预约已取消", "入场时出示"]).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_classroom_link_appears_only_after_booking() {
    let link = "https://live.example.cn/labday/secret-room";
    let (browser, server, f) =
        or_skip!(open_with_fixture(SessionFormat::CloudClassroom, 100, Some(link)).await);

    browser.open_activity(&server, f.activity).await;
    browser.wait_text("云课堂").await;
    assert!(source_hides(&browser, "secret-room").await);
    browser.open_booking_form(&server, f.session).await;
    browser.wait_text("填写预约信息").await;
    assert!(source_hides(&browser, "secret-room").await);
    browser.submit_booking("孙八", "13500135000").await;
    browser.wait_text("预约成功").await;
    let join = browser.wait_css("[data-testid=join-link]").await;
    assert_eq!(
        join.attr("href").await.expect("href").as_deref(),
        Some(link)
    );
    // An online seat is not sent to a door or a street address.
    lacks(&browser, &["入场时出示", "南昌市测试路"]).await;
    assert_eq!(browser.count("svg.qr").await, 0);
    browser.close().await;
}

/// A booking whose answer is lost on the way back (the server booked it, the phone saw a
/// network error) and is sent again books once: the retry carries the same Idempotency-Key,
/// and the page shows the booking the first send made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_whose_answer_was_lost_is_sent_again_and_books_once() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    browser.open_booking_form(&server, f.session).await;
    browser.wait_text("填写预约信息").await;
    browser.fill_booking("周九", "13600136000").await;
    // The first booking reaches the server; its answer never reaches the page.
    browser.lose_next_answer("/api/v1/bookings").await;
    browser.click("button", "提交预约").await;
    browser.wait_text("无法连接服务器").await;
    let places = |server: &crate::support::TestServer| {
        let storage = server.storage.clone();
        async move {
            storage
                .session(f.session, Utc::now())
                .await
                .expect("db")
                .expect("session")
                .booked
        }
    };
    assert_eq!(places(&server).await, 1, "the first send booked");

    browser.click("button", "提交预约").await;
    browser.wait_text("预约成功").await;
    let code = code_on_page(&browser).await;
    assert_eq!(
        places(&server).await,
        1,
        "the second send booked nothing more"
    );
    let (status, found) = server.lookup(&code, "13600136000").await;
    assert_eq!(status, 200, "the code shown is the booking made: {found}");
    browser.close().await;
}

/// A booking erased on the server behind this device's back (by the retention run, or from
/// another phone) is forgotten here at the next look: "my bookings" keeps neither its code
/// nor the number typed for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_erased_elsewhere_is_forgotten_here_with_its_number() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    browser.open_booking_form(&server, f.session).await;
    browser.submit_booking("吴忘记", "13500135000").await;
    browser.wait_text("预约成功").await;
    let code = code_on_page(&browser).await;
    let remembered = "return localStorage.getItem('labday.bookings') || '';";
    let kept = browser.js(remembered).await;
    assert!(kept.as_str().unwrap_or_default().contains(&code), "{kept}");
    let holder = serde_json::json!({"code": code, "phone": "13500135000"});
    for path in ["/api/v1/bookings/cancel", "/api/v1/bookings/erase"] {
        let (status, answer) = server.post(path, &holder).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    browser.open(&server, "/my").await;
    let mut kept = String::new();
    for _ in 0..50 {
        kept = browser
            .js(remembered)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if !kept.contains(&code) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        !kept.contains(&code) && !kept.contains("13500135000"),
        "{kept}"
    );
    assert!(!browser.local_storage().await.contains("13500135000"));
    browser.close().await;
}

/// The privacy notice's "you can also erase them yourself" holds: the form says it; an
/// upcoming booking offers no erasure (the lab needs the name at the door); once cancelled,
/// 删除我的信息 erases name and number on the server and forgets the booking on this phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_erases_their_details_once_the_booking_is_cancelled() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    browser.open_booking_form(&server, f.session).await;
    browser
        .wait_text("预约取消后或场次当天过后，您也可以在预约页面自行立即删除姓名和号码。")
        .await;
    browser.submit_booking("欧阳删除", "13700137000").await;
    browser.wait_text("预约成功").await;
    let code = code_on_page(&browser).await;
    assert!(
        !browser.body_text().await.contains("删除我的信息"),
        "no erasure while the booking holds a place"
    );

    browser.click("button", "取消预约").await;
    browser.click("button", "确定取消").await;
    browser.wait_text("预约已取消").await;
    browser
        .wait_text("现在就删除本预约中的姓名和手机号码")
        .await;
    browser.click("button", "删除我的信息").await;
    browser.click("button", "不删除").await;
    let (status, _) = server.lookup(&code, "13700137000").await;
    assert_eq!(status, 200, "changing one's mind erases nothing");
    browser.click("button", "删除我的信息").await;
    browser.wait_text("确定删除？此操作无法撤销。").await;
    browser.click("button", "确定删除").await;
    browser.wait_text("您的信息已删除").await;
    let (status, _) = server.lookup(&code, "13700137000").await;
    assert_eq!(status, 404, "erased on the server");

    browser.open(&server, "/my").await;
    browser.wait_text("本设备上还没有预约记录。").await;
    let kept = browser.local_storage().await;
    assert!(
        !kept.contains("13700137000") && !kept.contains(&code),
        "the phone keeps nothing of it: {kept}"
    );
    browser.close().await;
}

/// The form's privacy sentence is a promise: it states the retention the server is
/// configured with (here not the default), in both languages, and the no-show rule the
/// server holds bookings to with the keyed hash kept for it; a server without that rule
/// promises neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_privacy_notice_states_the_configured_retention() {
    let browser = or_skip!(open_browser().await);
    let server = start_server_with(false, |config| {
        config.retention_days = 45;
        config.no_show_within_days = 90;
        config.no_show_count = 2;
        config.no_show_block_days = 30;
    })
    .await;
    let f = fixture(&server, SessionFormat::Demo, 20, None).await;

    for (lang, sentences) in [
        (
            "",
            [
                "场次结束 45 天后自动删除您的姓名和号码",
                "本设备会保存预约码和手机号码，供“我的预约”查询",
                "号码带密钥哈希值在场次结束 121 天后删除",
                "爽约规则：90 天内有 2 次预约后既未取消也未到场的号码，自最近一次起 30 天内不能预约。",
            ],
        ),
        (
            "?lang=en",
            [
                "erased automatically 45 days after the session",
                "This device keeps the booking code and number so that My bookings can find it",
                "is deleted 121 days after the session",
                "neither cancelled nor came 2 times within 90 days cannot book for 30 days after the latest",
            ],
        ),
    ] {
        let path = format!("/sessions/{}/book{lang}", f.session);
        browser.open(&server, &path).await;
        for sentence in sentences {
            browser.wait_text(sentence).await;
        }
    }
    let body = browser.body_text().await;
    assert!(
        !body.contains("30 days after the session")
            && !body.contains("within 180 days")
            && !body.contains('{'),
        "no default and no placeholder left: {body}"
    );

    // Without a no-show rule nothing pauses a phone, so the form neither states a rule nor
    // says a hash is kept for one. One day is said as one day.
    let server = start_server_with(false, |config| {
        config.no_show_count = 0;
        config.retention_days = 1;
    })
    .await;
    let f = fixture(&server, SessionFormat::Demo, 20, None).await;
    for (lang, retention) in [
        ("", "场次结束 1 天后自动删除您的姓名和号码"),
        ("?lang=en", "erased automatically 1 day after the session"),
    ] {
        browser
            .open(&server, &format!("/sessions/{}/book{lang}", f.session))
            .await;
        browser.wait_text(retention).await;
        let body = browser.body_text().await;
        for said in ["爽约", "密钥哈希", "No-show rule", "keyed hash", "no-show"] {
            assert!(!body.contains(said), "no rule, so no {said:?}: {body}");
        }
    }
    browser.close().await;
}

/// A session that takes one person per booking says so in words, not "up to 1 people"; one
/// that takes more than a phone may book in a day offers the daily limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_offers_no_bigger_party_than_a_booking_may_hold() {
    use labday_domain::schedule::SessionDraft;
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    let morning = server.storage.session(f.session, Utc::now()).await;
    let morning = morning.expect("reads").expect("exists");
    let draft = |s: &labday_domain::SessionView| SessionDraft {
        format: SessionFormat::Visit,
        title: labday_domain::Localised::new("单人场", "Single seats"),
        place: s.place.clone(),
        address: labday_domain::Localised::default(),
        join_link: None,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        capacity: 10,
        reserved_places: 0,
        per_booking_limit: 1,
        booking_opens_at: s.booking_opens_at,
        booking_closes_at: s.booking_closes_at,
        cancel_deadline: s.cancel_deadline,
    };
    let one = draft(&morning);
    let one = server
        .storage
        .add_session(f.activity, one)
        .await
        .expect("adds");
    for (lang, said, unsaid) in [
        ("", "每单限 1 人", "每单最多 1 人"),
        ("?lang=en", "One person per booking", "up to 1 people"),
    ] {
        browser
            .open(&server, &format!("/sessions/{one}/book{lang}"))
            .await;
        browser.wait_text(said).await;
        lacks(&browser, &[unsaid]).await;
    }
    browser
        .open(&server, &format!("/sessions/{}/book?lang=en", f.session))
        .await;
    browser.wait_text("Per booking, up to 4 people").await;
    // Ten a booking, but one phone books five people a day at most (the default
    // `--daily-limit`): the form offers five, not a party the server must refuse.
    let ten = SessionDraft {
        title: labday_domain::Localised::new("家庭场", "Family session"),
        per_booking_limit: 10,
        ..draft(&morning)
    };
    let ten = server
        .storage
        .add_session(f.activity, ten)
        .await
        .expect("adds");
    browser
        .open(&server, &format!("/sessions/{ten}/book?lang=en"))
        .await;
    browser.wait_text("Per booking, up to 5 people").await;
    assert_eq!(browser.count("#adults option:enabled").await, 5);
    assert_eq!(browser.count("#children option:enabled").await, 5);
    browser.close().await;
}

/// A citizen moves a booking to another session of the activity with the keyboard: "change
/// time" gives way to the choice, and the keyboard goes to its heading (not back to the
/// page's top); the booking then holds the other session, its code the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_moves_to_another_session_with_the_keyboard() {
    use fantoccini::key::Key;
    use labday_domain::activity::Localised;
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    let now = labday_domain::time::venue_local(Utc::now(), 480);
    let starts_at = (now + chrono::Duration::days(3))
        .date()
        .and_hms_opt(14, 0, 0)
        .expect("time");
    let title = Localised::new("下午场", "Afternoon tour");
    let afternoon = server
        .storage
        .add_session(f.activity, crate::support::session_draft(starts_at, title))
        .await
        .expect("session");
    browser.open_booking_form(&server, f.session).await;
    browser.submit_booking("周九", "13300133001").await;
    browser.wait_text("预约成功").await;
    let code = code_on_page(&browser).await;
    browser.tab_to("改期").await;
    browser.press(Key::Enter).await;
    browser.wait_text("改到本活动的其他场次").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let focused = browser.js("return document.activeElement.id;").await;
    assert_eq!(focused, "reschedule-title", "the keyboard is at the choice");
    browser.wait_css("input[name=reschedule-to]").await;
    browser.press(Key::Tab).await;
    browser.press(Key::Space).await;
    browser.tab_to("确认改期").await;
    browser.press(Key::Enter).await;
    browser.wait_text("已改期，预约码不变。").await;
    assert_eq!(code_on_page(&browser).await, code);
    let (status, booking) = server.lookup(&code, "13300133001").await;
    assert_eq!(status, 200, "{booking}");
    assert_eq!(booking["session"]["id"], afternoon, "{booking}");
    browser.close().await;
}
