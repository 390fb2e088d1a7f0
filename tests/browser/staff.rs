//! The staff console at the door: a lab staff member signs in, opens a session's roster,
//! checks a visitor in by typed booking code and another by a tap in the roster, sees a
//! wrong-session code refused, exports the roster, and signs out.

use crate::accessibility::{axe_source, violations};
use crate::booking::fixture;
use crate::support::{open_browser, start_server};
use labday_domain::staff::Role;
use labday_domain::SessionFormat;
use labday_server::auth;
use labday_server::storage::staff::NewStaff;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_staff_check_visitors_in_and_export_the_roster() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server(false).await;
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;
    let other = fixture(&server, SessionFormat::Visit, 20, None).await;
    let org = server
        .storage
        .session_organisation(f.session)
        .await
        .unwrap()
        .unwrap();
    let hash = auth::hash_password("open-day-2026").unwrap();
    let now = auth::now_local();
    let staff = NewStaff {
        username: "lab-food".into(),
        display_name: "食品院 张工".into(),
        password_hash: hash,
        role: Role::LabStaff,
        organisation_id: Some(org),
    };
    server.storage.add_staff(staff, now).await.unwrap().unwrap();
    let http = reqwest::Client::new();
    let mut codes = Vec::new();
    for (session, phone, adults) in [
        (f.session, "13800138020", 2),
        (f.session, "13800138021", 1),
        (other.session, "13800138022", 1),
    ] {
        let v: serde_json::Value = http
            .post(format!("{}/api/v1/bookings", server.url))
            .json(&serde_json::json!({"session_id": session, "name": format!("访客{phone}"), "phone": phone, "adults": adults, "children": 0, "consent": true}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        codes.push(v["code"].as_str().unwrap().to_owned());
    }

    let axe = axe_source();
    browser.open(&server, "/staff/").await;
    browser.wait_text("工作人员登录").await;
    if let Some(axe) = &axe {
        let found = violations(&browser, axe).await;
        assert!(found.is_empty(), "sign-in page: {found:?}");
    }
    browser.fill("用户名", "lab-food").await;
    browser.fill("密码", "wrong-password").await;
    browser.click("button", "登录").await;
    browser.wait_text("用户名或密码错误。").await;
    browser.fill("密码", "open-day-2026").await;
    browser.click("button", "登录").await;
    browser.wait_text("食品院 张工").await;

    browser
        .open(&server, &format!("/staff/sessions/{}", f.session))
        .await;
    browser.wait_text("签到名单").await;
    browser.wait_text("13800138020").await; // full numbers for staff
    browser
        .fill("输入预约码签到", &codes[0].to_lowercase())
        .await;
    browser.click("button", "签到").await;
    browser.wait_text("已签到: 访客13800138020 · 2 人").await;
    // A tap in the roster for the second visitor.
    browser.click("button", "签到 访客13800138021").await;
    browser.wait_text("已签到: 访客13800138021 · 1 人").await;
    // A booking for another session is refused with the reason.
    browser.fill("输入预约码签到", &codes[2]).await;
    browser.click("button", "签到").await;
    browser.wait_text("该预约不属于本场次。").await;

    if let Some(axe) = &axe {
        let found = violations(&browser, axe).await;
        assert!(found.is_empty(), "roster page: {found:?}");
    }
    let roster = server.storage.roster(f.session).await.unwrap();
    assert!(roster
        .iter()
        .all(|e| e.status == labday_domain::BookingStatus::CheckedIn));
    assert_eq!(roster.iter().map(|e| e.checked_in).sum::<u32>(), 3);

    // The export link downloads a CSV with a byte-order mark (fetched with the session cookie).
    let csv = browser
        .client
        .execute_async(
            "const done = arguments[0]; const a = [...document.querySelectorAll('a')].find(a => a.textContent.includes('导出 CSV')); \
             fetch(a.href).then(r => r.arrayBuffer()).then(b => { const u = new Uint8Array(b); done([u[0], u[1], u[2], new TextDecoder().decode(b)]); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        (csv[0].as_u64(), csv[1].as_u64(), csv[2].as_u64()),
        (Some(0xEF), Some(0xBB), Some(0xBF))
    );
    assert!(csv[3].as_str().unwrap().contains("13800138021"));

    // Too early for no-shows: the console says why.
    browser.click("button", "标记未到场").await;
    browser.wait_text("场次结束后才能标记未到场。").await;

    browser.click("button", "退出登录").await;
    browser.wait_text("工作人员登录").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organiser_sees_the_figures_for_the_written_summary() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server(false).await;
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;
    let hash = auth::hash_password("province-2026").unwrap();
    let chief = NewStaff {
        username: "chief".into(),
        display_name: "省局 李处".into(),
        password_hash: hash,
        role: Role::Organiser,
        organisation_id: None,
    };
    server
        .storage
        .add_staff(chief, auth::now_local())
        .await
        .unwrap()
        .unwrap();
    let http = reqwest::Client::new();
    for (phone, adults, children) in [("13800138030", 2, 1), ("13800138031", 1, 0)] {
        let r = http
            .post(format!("{}/api/v1/bookings", server.url))
            .json(&serde_json::json!({"session_id": f.session, "name": "访客", "phone": phone, "adults": adults, "children": children, "consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }

    browser.open(&server, "/staff/").await;
    browser.fill("用户名", "chief").await;
    browser.fill("密码", "province-2026").await;
    browser.click("button", "登录").await;
    browser.wait_text("省局 李处").await;
    browser.click("link", "活动总结").await;
    browser.wait_text("活动总结数据").await;
    let overall = browser
        .wait_css("[data-testid=overall]")
        .await
        .text()
        .await
        .unwrap();
    let overall: Vec<&str> = overall.lines().map(str::trim).collect();
    let value_of = |label: &str| {
        overall
            .iter()
            .position(|l| *l == label)
            .map(|i| overall[i + 1])
    };
    assert_eq!(value_of("场次"), Some("1"), "{overall:?}");
    assert_eq!(value_of("提供名额"), Some("20"), "{overall:?}");
    assert_eq!(value_of("预约人数"), Some("4"), "{overall:?}");
    assert_eq!(value_of("到场人数"), Some("0"), "{overall:?}");
    browser.wait_css("[data-testid=per-day-chart] rect").await;
    browser.wait_text("食品检验检测研究院").await;
    let csv = browser
        .by_role_name("link", "导出 CSV")
        .await
        .attr("href")
        .await
        .unwrap();
    assert_eq!(csv.as_deref(), Some("/api/v1/staff/summary.csv"));
    if let Some(axe) = axe_source() {
        let found = violations(&browser, &axe).await;
        assert!(found.is_empty(), "summary page: {found:?}");
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_staff_generate_a_week_of_sessions_after_a_preview() {
    let Some(browser) = open_browser().await else {
        return;
    };
    let server = start_server(false).await;
    let f = fixture(&server, SessionFormat::Visit, 20, None).await;
    let org = server
        .storage
        .session_organisation(f.session)
        .await
        .unwrap()
        .unwrap();
    let hash = auth::hash_password("open-day-2026").unwrap();
    let staff = NewStaff {
        username: "lab-food".into(),
        display_name: "食品院 王工".into(),
        password_hash: hash,
        role: Role::LabStaff,
        organisation_id: Some(org),
    };
    server
        .storage
        .add_staff(staff, auth::now_local())
        .await
        .unwrap()
        .unwrap();

    browser.open(&server, "/staff/").await;
    browser.fill("用户名", "lab-food").await;
    browser.fill("密码", "open-day-2026").await;
    browser.click("button", "登录").await;
    browser.wait_text("食品院 王工").await;
    browser.select("选择活动", &f.activity.to_string()).await;
    browser.wait_text("批量生成场次").await;
    browser.fill("场次名称", "周间参观").await;
    browser.click("button", "预览").await;
    browser.wait_text("请填写地点").await; // beside the place field; nothing is saved
    browser.fill("地点", "食品检验实验楼 大厅").await;
    browser.click("button", "预览").await;
    browser.wait_text("将生成场次数").await;
    // Seven days hold five weekdays; 09:00–12:00 in 60-minute slots with 30-minute gaps: two a day.
    let count = browser
        .wait_css("[data-testid=series-count]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(count, "将生成场次数: 10");
    let before = server
        .storage
        .activity(f.activity, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap()
        .sessions
        .len();
    assert_eq!(before, 1, "the preview saved nothing");
    browser.click("button", "确认生成").await;
    browser.wait_text("已生成场次数: 10").await;
    let after = server
        .storage
        .activity(f.activity, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap()
        .sessions;
    assert_eq!(after.len(), 11);
    assert!(after
        .iter()
        .filter(|s| s.title.zh == "周间参观")
        .all(|s| s.capacity == 30 && s.per_booking_limit == 5));
    browser.close().await;
}
