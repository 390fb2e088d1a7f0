//! The door without network: lab staff open a session's desk, the network is cut (Chromium's
//! offline emulation), three visitors are checked in by typed code and the page counts
//! three waiting to sync; a fourth, whose booking was cancelled on the server meanwhile, is
//! queued too and a code typed twice is refused on the device. When the network returns the
//! queue syncs: the server has exactly three check-ins, and the cancelled booking is shown
//! to staff as not checked in, with the reason. Signing out clears the desk from the device.

use crate::staff::sign_in;
use crate::support::{fixture, open_with_server, TestServer};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::SessionDraft;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::{BookingStatus, SessionFormat};
use labday_server::storage::{NewActivity, NewOrganisation};

/// A session of `activity` that started ten minutes ago, still bookable and cancellable.
async fn session_under_way(server: &TestServer, activity: i64) -> i64 {
    session_under_way_at(server, activity, SHANGHAI_OFFSET_MINUTES).await
}

/// [`session_under_way`] on the clock of a venue `offset` minutes east of UTC.
async fn session_under_way_at(server: &TestServer, activity: i64, offset: i32) -> i64 {
    let now = venue_local(chrono::Utc::now(), offset);
    let starts_at = now - chrono::Duration::minutes(10);
    let draft = SessionDraft {
        format: SessionFormat::Visit,
        title: Localised::new("下午场", "Afternoon tour"),
        place: Localised::new("一楼大厅", "Ground-floor lobby"),
        address: Localised::default(),
        join_link: None,
        starts_at,
        ends_at: starts_at + chrono::Duration::minutes(90),
        capacity: 20,
        reserved_places: 0,
        per_booking_limit: 4,
        booking_opens_at: now - chrono::Duration::days(1),
        booking_closes_at: now + chrono::Duration::hours(1),
        cancel_deadline: now + chrono::Duration::hours(1),
    };
    server
        .storage
        .add_session(activity, draft)
        .await
        .expect("session")
}

/// The network goes, and the desk checks `code` (the roster's `name`) in on the device.
async fn check_in_offline(browser: &crate::support::Journey, code: &str, name: &str) {
    browser.set_offline(true).await;
    browser
        .wait_text("离线：签到保存在本机，联网后自动同步。")
        .await;
    browser.fill("输入预约码签到", code).await;
    browser.click("button", "签到").await;
    browser
        .wait_text(&format!("离线签到: {name}（联网后同步）"))
        .await;
}

/// How many check-ins the desk says wait to sync.
async fn waiting(browser: &crate::support::Journey) -> String {
    browser.text_of("[data-testid=desk-pending]").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_check_three_visitors_in_offline_and_the_server_counts_them_once() {
    let (browser, server) = or_skip!(open_with_server(false).await);
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;
    let door = session_under_way(&server, f.activity).await;
    server
        .add_lab_staff(door, "lab-food", "食品院 张工", "open-day-2026")
        .await;
    let mut codes = Vec::new();
    for phone in ["13800138040", "13800138041", "13800138042", "13800138043"] {
        let booked = server
            .book(door, &format!("访客{phone}"), phone, 1, 0)
            .await;
        codes.push(booked["code"].as_str().unwrap().to_owned());
    }
    // A booking of the lab's session two days on: not on this desk's roster.
    let later = server
        .book(f.session, "访客13800138044", "13800138044", 1, 0)
        .await;
    let later = later["code"].as_str().unwrap().to_owned();

    browser.open(&server, "/staff/").await;
    sign_in(&browser, "lab-food", "open-day-2026", "食品院 张工").await;
    browser
        .open(&server, &format!("/staff/sessions/{door}"))
        .await;
    browser.wait_text("13800138043").await; // the roster, now kept on the device too
    assert_eq!(waiting(&browser).await, "待同步 0");
    let kept = "return Object.keys(localStorage).filter(k => k.startsWith('labday.desk.')).length;";
    assert_eq!(
        browser.js(kept).await,
        1,
        "the roster is kept while the desk is open"
    );

    browser.set_offline(true).await;
    browser
        .wait_text("离线：签到保存在本机，联网后自动同步。")
        .await;
    // Meanwhile the fourth visitor cancels on their own phone.
    let (status, _) = server
        .post(
            "/api/v1/bookings/cancel",
            &serde_json::json!({"code": codes[3], "phone": "13800138043"}),
        )
        .await;
    assert_eq!(status, 200);

    for (code, phone) in codes
        .iter()
        .zip(["13800138040", "13800138041", "13800138042"])
    {
        browser.fill("输入预约码签到", &code.to_lowercase()).await;
        browser.click("button", "签到").await;
        browser
            .wait_text(&format!("离线签到: 访客{phone}（联网后同步）"))
            .await;
    }
    assert_eq!(waiting(&browser).await, "待同步 3");
    // The same code again is refused on the device: it counts once.
    browser.fill("输入预约码签到", &codes[0]).await;
    browser.click("button", "签到").await;
    browser.wait_text("该预约已全部签到。").await;
    // The device still thinks the fourth is coming: queued, checked by the server later.
    browser.fill("输入预约码签到", &codes[3]).await;
    browser.click("button", "签到").await;
    browser
        .wait_text("离线签到: 访客13800138043（联网后同步）")
        .await;
    assert_eq!(waiting(&browser).await, "待同步 4");
    // A code this device's roster lacks is queued for the server to judge.
    browser.fill("输入预约码签到", &later).await;
    browser.click("button", "签到").await;
    browser
        .wait_text(&format!("离线记录 {later}: 本机名单中没有"))
        .await;
    assert_eq!(waiting(&browser).await, "待同步 5");
    let in_now = |roster: &[labday_domain::staff::RosterEntry]| {
        roster.iter().map(|e| e.checked_in).sum::<u32>()
    };
    let roster = server.storage.roster(door).await.unwrap();
    assert_eq!(in_now(&roster), 0, "nothing reached the server offline");

    browser.set_offline(false).await;
    // Only what the server took counts as synced; the two it refused are listed, the other
    // session's code with that session named, so its holder can be sent there.
    browser.wait_text("已同步 3 条离线签到").await;
    assert_eq!(waiting(&browser).await, "待同步 0");
    let conflicts = browser.text_of("[data-testid=desk-conflicts]").await;
    assert!(
        conflicts.contains("同步后未能签到")
            && conflicts.contains(&format!("访客13800138043 ({})", codes[3]))
            && conflicts.contains("该预约已取消。")
            && conflicts.contains(&format!(
                "{later}: 这个码不是本场次的。它是本单位另一场次的："
            ))
            && conflicts.contains("请引导持码人前往该场次。"),
        "{conflicts}"
    );
    // The device's roster is the server's again: the cancelled booking is not shown in.
    let status_of = "return [...document.querySelectorAll('table.checkin tbody tr')]\
        .filter(tr => tr.textContent.includes('访客13800138043'))\
        .map(tr => tr.cells[4].textContent.trim()).join();";
    let mut shown = String::new();
    for _ in 0..50 {
        shown = browser
            .js(status_of)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if shown == "已取消" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shown, "已取消");
    let roster = server.storage.roster(door).await.unwrap();
    assert_eq!(in_now(&roster), 3, "{roster:?}");
    let checked: Vec<&str> = roster
        .iter()
        .filter(|e| e.status == BookingStatus::CheckedIn)
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(checked.len(), 3, "{roster:?}");
    assert!(codes[..3].iter().all(|c| checked.contains(&c.as_str())));

    // With no network, signing out cannot end the session on the server (its cookie would
    // still sign the next person in): the console says so and stays as it is.
    browser.set_offline(true).await;
    browser.click("button", "退出登录").await;
    browser
        .wait_text("尚未退出：连不上服务器。联网后请再点“退出登录”。")
        .await;
    assert_eq!(browser.js(kept).await, 1, "still signed in: the desk stays");
    browser.set_offline(false).await;
    browser.click("button", "退出登录").await;
    browser.wait_text("工作人员登录").await;
    assert_eq!(browser.js(kept).await, 0, "signing out clears the desk");

    // Signed out elsewhere (another tab, an organiser, the session's expiry): once the tab
    // is shown again, the console drops to its sign-in page and the desk's roster goes.
    sign_in(&browser, "lab-food", "open-day-2026", "食品院 张工").await;
    browser
        .open(&server, &format!("/staff/sessions/{door}"))
        .await;
    browser.wait_text("13800138042").await;
    assert_eq!(browser.js(kept).await, 1);
    let elsewhere = "fetch('/api/v1/staff/sign-out', {method: 'POST'})\
        .then(r => arguments[0](r.status));";
    assert_eq!(browser.js_async(elsewhere, "sign out elsewhere").await, 204);
    browser
        .js("document.dispatchEvent(new Event('visibilitychange', {bubbles: true})); return 0;")
        .await;
    browser.wait_text("工作人员登录").await;
    assert_eq!(
        browser.js(kept).await,
        0,
        "the roster left with the session"
    );

    // Signed out elsewhere while a check-in waits on the device: the sync that finds it out
    // drops to the sign-in page. The next shift signs in on this phone, and the desk it
    // opens sends the check-in the last one left.
    let late = server
        .book(door, "访客13800138045", "13800138045", 1, 0)
        .await;
    let late = late["code"].as_str().unwrap().to_owned();
    sign_in(&browser, "lab-food", "open-day-2026", "食品院 张工").await;
    browser
        .open(&server, &format!("/staff/sessions/{door}"))
        .await;
    browser.wait_text("13800138045").await;
    assert_eq!(browser.js_async(elsewhere, "sign out elsewhere").await, 204);
    check_in_offline(&browser, &late, "访客13800138045").await;
    browser.set_offline(false).await;
    browser.wait_text("工作人员登录").await;
    server
        .add_lab_staff(door, "lab-food-2", "食品院 李工", "open-day-2026")
        .await;
    sign_in(&browser, "lab-food-2", "open-day-2026", "食品院 李工").await;
    browser.wait_text("已同步 1 条离线签到").await;
    let roster = server.storage.roster(door).await.unwrap();
    let late_in = roster.iter().find(|e| e.code == late).map(|e| e.checked_in);
    assert_eq!(late_in, Some(1), "{roster:?}");
    browser.close().await;
}

/// A lab five hours west of UTC (thirteen behind China): the desk times a check-in made
/// without network on the venue's clock, so the server takes it when it syncs (timed on
/// China's clock it would be thirteen hours in the venue's future, and refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_check_in_is_timed_on_the_venues_clock() {
    let (browser, server) = or_skip!(open_with_server(false).await);
    let west = -5 * 60;
    let org = server
        .storage
        .add_organisation(NewOrganisation {
            name: Localised::new("西五区实验室", "UTC-5 lab"),
            city: Localised::new("西城", "West City"),
            address: Localised::new("测试路 5 号", "5 Test Road"),
            contact: "000".into(),
            utc_offset_minutes: west,
        })
        .await
        .expect("org");
    let today = venue_local(chrono::Utc::now(), west).date();
    let activity = server
        .storage
        .add_activity(NewActivity {
            organisation_id: org,
            kind: ActivityKind::LabOpenDay,
            title: Localised::new("西区开放日", "West open day"),
            description: Localised::new("", ""),
            safety_notes: Localised::new("", ""),
            starts_on: today - chrono::Duration::days(1),
            ends_on: today + chrono::Duration::days(1),
        })
        .await
        .expect("activity");
    let door = session_under_way_at(&server, activity, west).await;
    server
        .add_lab_staff(door, "lab-west", "西区 王工", "open-day-2026")
        .await;
    let booked = server.book(door, "访客西", "13800138050", 1, 0).await;
    let code = booked["code"].as_str().unwrap().to_owned();

    browser.open(&server, "/staff/").await;
    sign_in(&browser, "lab-west", "open-day-2026", "西区 王工").await;
    // The console's list reads the venue's clock too: on China's the session has ended,
    // on its own it is under way, still to be cancelled if need be.
    browser.select("选择活动", &activity.to_string()).await;
    let counts = browser.text_of("[data-testid=session-counts]").await;
    assert!(!counts.contains("已结束"), "{counts}");
    assert_eq!(
        browser.count("li.session button.danger").await,
        1,
        "{counts}"
    );
    browser
        .open(&server, &format!("/staff/sessions/{door}"))
        .await;
    browser.wait_text("13800138050").await;
    check_in_offline(&browser, &code, "访客西").await;

    browser.set_offline(false).await;
    browser.wait_text("已同步 1 条离线签到").await;
    let roster = server.storage.roster(door).await.unwrap();
    assert_eq!(
        roster.iter().map(|e| e.checked_in).sum::<u32>(),
        1,
        "the server took the check-in: {roster:?}"
    );
    assert_eq!(browser.count("[data-testid=desk-conflicts]").await, 0);
    browser.close().await;
}

/// A network that says it is up but no longer reaches the server (a Wi-Fi cut off behind its
/// router): the check-in shows that it is on its way, the same code again sends nothing
/// more, and once the request has waited its limit the desk checks the visitor in on the
/// device and stays offline (the device's word that it is online is not taken again) until
/// a sync reaches the server, which then counts the check-in once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_that_hangs_turns_the_desk_offline_until_the_server_answers() {
    let (browser, server) = or_skip!(open_with_server(false).await);
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;
    let door = session_under_way(&server, f.activity).await;
    server
        .add_lab_staff(door, "lab-food", "食品院 张工", "open-day-2026")
        .await;
    let booked = server
        .book(door, "访客13800138050", "13800138050", 1, 0)
        .await;
    let code = booked["code"].as_str().unwrap().to_owned();
    browser.open(&server, "/staff/").await;
    sign_in(&browser, "lab-food", "open-day-2026", "食品院 张工").await;
    browser
        .open(&server, &format!("/staff/sessions/{door}"))
        .await;
    browser.wait_text("13800138050").await;

    // From now on every call to the API hangs: no answer, no error, until the page's own
    // limit gives up on it. The check-ins sent are counted.
    browser
        .js("window.__hung = 0; const real = window.fetch; window.__realFetch = real; \
             window.fetch = (req, init) => { \
               const url = req instanceof Request ? req.url : String(req); \
               if (!url.includes('/api/v1/')) return real(req, init); \
               if (url.endsWith('/staff/check-in')) window.__hung += 1; \
               const signal = (req instanceof Request ? req.signal : init && init.signal); \
               return new Promise((_, reject) => signal && signal.addEventListener('abort', () => reject(signal.reason))); }; \
             return null;")
        .await;
    browser.fill("输入预约码签到", &code).await;
    browser.click("button", "签到").await;
    browser.wait_text(&format!("正在签到 {code}…")).await;
    browser.click("button", "签到").await;
    let sent = browser.js_number("return window.__hung;").await;
    assert_eq!(sent, 1.0, "the same code again waits for the first answer");
    let started = std::time::Instant::now();
    let queued = "离线签到: 访客13800138050（联网后同步）";
    for _ in 0..40 {
        if browser.body_text().await.contains(queued) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(
        browser.body_text().await.contains(queued),
        "queued on the device"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // Offline it stays while the server cannot be reached, through the desk's retries.
    let notice = "离线：签到保存在本机，联网后自动同步。";
    for _ in 0..40 {
        assert!(
            browser.body_text().await.contains(notice),
            "back online too soon"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(waiting(&browser).await, "待同步 1");
    // The network reaches the server again: the next retry syncs, and the desk is online.
    browser
        .js("window.fetch = window.__realFetch; return null;")
        .await;
    for _ in 0..60 {
        if browser.body_text().await.contains("已同步 1 条离线签到") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    browser.wait_text("已同步 1 条离线签到").await;
    assert!(!browser.body_text().await.contains(notice));
    let roster = server.storage.roster(door).await.unwrap();
    let came = roster.iter().find(|e| e.code == code).map(|e| e.checked_in);
    assert_eq!(came, Some(1), "{roster:?}");
    browser.close().await;
}
