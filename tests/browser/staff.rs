//! The staff console at the door: a lab staff member signs in, opens a session's roster,
//! checks a visitor in by typed booking code and another by a tap in the roster, sees a
//! code of another of the lab's sessions refused and another lab's unknown, books a walk-in in one tap, exports the roster, and signs out.

use crate::accessibility::{axe_source, violations};
use crate::support::{
    add_morning_session, fixture, open_with_fixture, open_with_server_at, Fixture, Journey,
    TestServer,
};
use labday_domain::staff::Role;
use labday_domain::SessionFormat;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_staff_check_visitors_in_and_export_the_roster() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    // Another session of the same lab (the same morning: it is moved to today below), and
    // one of another lab.
    let same_lab = add_morning_session(&server, f.activity, SessionFormat::Visit, 20, None).await;
    let other = fixture(&server, SessionFormat::Visit, 20, None).await;
    server
        .add_lab_staff(f.session, "lab-food", "食品院 张工", "open-day-2026")
        .await;
    let mut codes = Vec::new();
    for (session, phone, adults) in [
        (f.session, "13800138020", 2),
        (f.session, "13800138021", 1),
        (same_lab, "13800138022", 1),
        (other.session, "13800138023", 1),
    ] {
        let name = format!("访客{phone}");
        let booked = server.book(session, &name, phone, adults, 0).await;
        codes.push(booked["code"].as_str().unwrap().to_owned());
    }
    // The session's day has come: its door checks visitors in.
    server.move_to_today(f.session, "lab-food").await;

    let axe = axe_source();
    browser.open(&server, "/staff/").await;
    browser.wait_text("工作人员登录").await;
    audit(&browser, &axe, "sign-in page").await;
    browser.fill("用户名", "lab-food").await;
    browser.fill("密码", "wrong-password").await;
    browser.click("button", "登录").await;
    browser.wait_text("用户名或密码错误。").await;
    sign_in(&browser, "lab-food", "open-day-2026", "食品院 张工").await;

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
    // A booking for another session of the lab is refused with the reason, and the desk
    // says which session it is for (two days on); one of another lab reads as a code nobody
    // has (the desk learns nothing of it).
    browser.fill("输入预约码签到", &codes[2]).await;
    browser.click("button", "签到").await;
    browser.wait_text("这个码不是本场次的。").await;
    let elsewhere = browser.text_of("[data-testid=elsewhere]").await;
    let day = labday_domain::time::venue_local(chrono::Utc::now(), 480) + chrono::Duration::days(2);
    let day = format!(
        "{}月{}日",
        chrono::Datelike::month(&day),
        chrono::Datelike::day(&day)
    );
    assert!(
        elsewhere.starts_with(&format!("它是本单位另一场次的：{day}"))
            && elsewhere.ends_with(
                "09:30–11:00 · 食品实验室开放日 上午场 · 一楼大厅。请引导持码人前往该场次。"
            ),
        "{elsewhere}"
    );
    browser.fill("输入预约码签到", &codes[3]).await;
    browser.click("button", "签到").await;
    browser.wait_text("没有找到这个码：请核对后再试。").await;
    assert_eq!(
        browser.count("[data-testid=elsewhere]").await,
        0,
        "gone with its refusal"
    );
    // The last check-in's news goes with the next code: it is not what happened to this one.
    assert!(!browser
        .body_text()
        .await
        .contains("已签到: 访客13800138021"));
    // Not a code at all: the field says so, beside it, and is marked for screen readers.
    browser.fill("输入预约码签到", "ZZZZ999").await;
    browser.click("button", "签到").await;
    browser.wait_text("请修改标出的内容。").await;
    assert!(!marked_with_words(&browser, "checkin-code").await.is_empty());
    // The roster comes before the forms for the exceptions (a walk-in, a move).
    let roster_first = browser
        .js("return !!(document.querySelector('table.checkin').compareDocumentPosition(document.querySelector('.walk-in')) & Node.DOCUMENT_POSITION_FOLLOWING);")
        .await;
    assert_eq!(roster_first, true);
    // A count that is not one is marked beside its field, in its own words, and nothing is
    // booked (not "too many people" for a typed -1).
    browser.fill("成人", "-1").await;
    browser.click("button", "现场预约并签到").await;
    assert_eq!(
        marked_with_words(&browser, "walk-in-adults").await,
        "请填写 0 或更大的整数"
    );
    assert!(!browser.body_text().await.contains("每单上限"));
    // What was typed stays as typed, to correct (a number field turned "-1" into "1").
    let kept = browser
        .js("return document.getElementById('walk-in-adults').value;")
        .await;
    assert_eq!(kept, "-1");
    assert_eq!(server.storage.roster(f.session).await.unwrap().len(), 2);
    browser.fill("成人", "1").await;
    // Another session's code again, then someone without a smartphone at the door: one tap
    // books one adult and checks them in, and the line about the other session goes (it is
    // not about this visitor).
    browser.fill("输入预约码签到", &codes[2]).await;
    browser.click("button", "签到").await;
    browser.wait_css("[data-testid=elsewhere]").await;
    browser.click("button", "现场预约并签到").await;
    browser.wait_text("现场预约 1 人已签到").await;
    assert_eq!(browser.count("[data-testid=elsewhere]").await, 0);
    assert!(!browser.body_text().await.contains("这个码不是本场次的。"));

    audit(&browser, &axe, "roster page").await;
    // On a phone each booking is a card: every phone number reads on one line, and nothing
    // needs scrolling sideways.
    browser.client.set_window_size(320, 700).await.unwrap();
    let lines: Vec<u64> = browser
        .js_list(
            "return [...document.querySelectorAll('table.checkin tbody tr')]
            .filter(tr => tr.cells[1].textContent.trim() !== '').map(tr => {
            const r = document.createRange(); r.selectNodeContents(tr.cells[1]);
            return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; });",
        )
        .await;
    assert!(
        lines.len() >= 2 && lines.iter().all(|n| *n == 1),
        "{lines:?}"
    );
    assert!(browser.sideways_overflow().await <= 0.0);
    audit(&browser, &axe, "roster page on a phone").await;
    let roster = server.storage.roster(f.session).await.unwrap();
    assert!(roster
        .iter()
        .all(|e| e.status == labday_domain::BookingStatus::CheckedIn));
    assert_eq!(roster.iter().map(|e| e.checked_in).sum::<u32>(), 4);

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

    // Marking no-shows asks first; too early, the console says why.
    browser.click("button", "标记未到场").await;
    browser
        .wait_text("把本场已确认但没有签到的预约都标记为未到场吗？")
        .await;
    browser.click("button", "不标记").await;
    assert!(!browser
        .body_text()
        .await
        .contains("把本场已确认但没有签到的预约"));
    browser.click("button", "标记未到场").await;
    browser.click("button", "确认标记").await;
    browser.wait_text("场次结束后才能标记未到场。").await;

    browser.click("button", "退出登录").await;
    browser.wait_text("工作人员登录").await;
    browser.close().await;
}

/// Moves the booking `code` to `session` with the roster's open move form.
async fn move_to(browser: &Journey, code: &str, session: i64) {
    browser.wait_css("#move-holder").await;
    browser.select("预约人", code).await;
    browser.select("改到场次", &session.to_string()).await;
    browser.click("button", "确认改期").await;
}

/// A visitor phones to come to another session: staff move the booking from the roster (the
/// code stays), and a move the server refuses says why in the move form's own section, with
/// nothing moved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_staff_move_a_booking_to_another_session_of_the_activity() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    // One place left in the other session.
    let morning = add_morning_session(&server, f.activity, SessionFormat::Visit, 1, None).await;
    server
        .add_lab_staff(f.session, "lab-food", "食品院 张工", "open-day-2026")
        .await;
    let mut codes = Vec::new();
    for phone in ["13800138050", "13800138051"] {
        let booked = server
            .book(f.session, &format!("访客{phone}"), phone, 1, 0)
            .await;
        codes.push(booked["code"].as_str().unwrap().to_owned());
    }
    let session_of = |answer: serde_json::Value| answer["session"]["id"].as_i64();

    browser.open(&server, "/staff/").await;
    sign_in(&browser, "lab-food", "open-day-2026", "食品院 张工").await;
    browser
        .open(&server, &format!("/staff/sessions/{}", f.session))
        .await;
    browser.wait_text("13800138051").await;
    browser.click("button", "将预约改到本活动的其他场次").await;
    move_to(&browser, &codes[0], morning).await;
    browser.wait_text("已改到").await;
    let moved = browser.text_of("[data-testid=desk-announce]").await;
    assert!(
        moved.contains("09:30–11:00") && moved.contains("已确认"),
        "{moved}"
    );
    let (_, first) = server.lookup(&codes[0], "13800138050").await;
    assert_eq!(session_of(first), Some(morning));

    // The morning is full now: the second visitor cannot follow without the waiting list.
    browser.click("button", "将预约改到本活动的其他场次").await;
    move_to(&browser, &codes[1], morning).await;
    browser.wait_css("section.move-booking .error").await;
    let said = browser.text_of("section.move-booking .error").await;
    assert!(said.starts_with("名额已满"), "{said}");
    assert!(
        !browser.body_text().await.contains("已改到"),
        "the last move's news is gone"
    );
    let (_, second) = server.lookup(&codes[1], "13800138051").await;
    assert_eq!(session_of(second), Some(f.session), "nothing moved");

    // The form stays open after a refusal, to choose again. The organiser cancels the
    // morning meanwhile: the move is refused for that session's sake, and this session's
    // desk stays open.
    browser.select("预约人", &codes[1]).await;
    browser.select("改到场次", &morning.to_string()).await;
    crate::booking::organiser_cancels(&server, morning).await;
    browser.click("button", "确认改期").await;
    browser
        .wait_text("要改到的场次已被主办方取消，预约没有改动。")
        .await;
    assert_eq!(browser.count("[data-testid=desk-cancelled]").await, 0);
    let field_shown = "return document.getElementById('checkin-code').offsetParent !== null;";
    assert_eq!(
        browser.js(field_shown).await,
        true,
        "the desk is still open"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organiser_sees_the_figures_for_the_written_summary() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    server
        .add_staff("chief", "省局 李处", "province-2026", Role::Organiser, None)
        .await;
    for (phone, adults, children) in [("13800138030", 2, 1), ("13800138031", 1, 0)] {
        server
            .book(f.session, "访客", phone, adults, children)
            .await;
    }

    browser.open(&server, "/staff/").await;
    sign_in(&browser, "chief", "province-2026", "省局 李处").await;
    browser.click("link", "活动总结").await;
    browser.wait_text("活动总结数据").await;
    // Each table heads its first column with what it lists (by organisation, by activity).
    browser.wait_css("table thead th").await;
    let firsts: Vec<String> = browser
        .js_list("return [...document.querySelectorAll('table thead th:first-child')].map(t => t.textContent);")
        .await;
    assert!(
        firsts.iter().any(|h| h == "活动") && !firsts.iter().any(|h| h == "选择活动"),
        "{firsts:?}"
    );
    let overall = browser.text_of("[data-testid=overall]").await;
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
    // The report says which year's activities it counts: this one's, on the venue's clock.
    let year = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y");
    browser.wait_text(&format!("{year} 年内开始的活动")).await;
    let csv = browser.link_href("导出 CSV").await;
    assert_eq!(csv.as_deref(), Some("/api/v1/staff/summary.csv"));
    audit(&browser, &axe_source(), "summary page").await;
    browser.close().await;
}

/// A lab staff member of the fixture's lab, signed in to the console with its activity
/// picked.
async fn at_the_fixtures_activity(browser: &Journey, server: &TestServer, f: &Fixture) {
    server
        .add_lab_staff(f.session, "lab-food", "食品院 王工", "open-day-2026")
        .await;
    browser.open(server, "/staff/").await;
    sign_in(browser, "lab-food", "open-day-2026", "食品院 王工").await;
    browser.select("选择活动", &f.activity.to_string()).await;
}

/// A quick-test point at a market: lab staff give the session the market's address in the
/// console; a citizen then finds the market, not the lab, on the activity page (and in its
/// map link), on the booking form, on their booking and on the sample form; cleared, the
/// lab's address is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_held_at_a_market_shows_the_markets_address_to_citizens() {
    const MARKET: &str = "青山湖大道 8 号 青山湖农贸市场";
    let (browser, server, f) =
        or_skip!(open_with_fixture(SessionFormat::QuickTest, 20, None).await);
    at_the_fixtures_activity(&browser, &server, &f).await;
    browser.click("button", "修改").await;
    browser.wait_text("目前已预约: 0 人").await;
    let address = "举办地址（不在本单位时填写，如农贸市场快检点）";
    browser.fill(address, MARKET).await;
    browser.click("button", "保存").await;
    browser.wait_text("已保存").await;

    browser.open_activity(&server, f.activity).await;
    browser
        .wait_text(&format!("快检服务 · 一楼大厅 · {MARKET}"))
        .await;
    // The lab's address is said to be the organiser's, not where this session is.
    browser.wait_text("主办单位地址").await;
    let maps: Vec<String> = browser
        .js_list("return [...document.querySelectorAll('li.session a[target=_blank]')].map(a => decodeURIComponent(a.href));")
        .await;
    assert_eq!(maps.len(), 1, "{maps:?}");
    assert!(maps[0].ends_with(&format!("keyword={MARKET}")), "{maps:?}");
    browser.open_booking_form(&server, f.session).await;
    browser.wait_text(&format!("一楼大厅 · {MARKET}")).await;
    browser.submit_booking("张三", "13800138000").await;
    browser.wait_text("预约成功").await;
    let held = browser.text_of("dl.facts").await;
    assert!(
        held.contains(MARKET) && !held.contains("南昌市测试路 1 号"),
        "{held}"
    );

    // Vegetables for the desk are registered for the market too.
    browser
        .open(&server, &format!("/sessions/{}/samples", f.session))
        .await;
    browser.wait_text(&format!("一楼大厅 · {MARKET}")).await;
    // And the lab's staff at the desk read where it stands.
    browser
        .open(&server, &format!("/staff/sessions/{}", f.session))
        .await;
    browser.wait_text(&format!("一楼大厅 · {MARKET}")).await;

    // Cleared: the session is at the lab again, for the holder too.
    browser.open(&server, "/staff/").await;
    browser.select("选择活动", &f.activity.to_string()).await;
    browser.click("button", "修改").await;
    browser.wait_text("目前已预约: 1 人").await;
    assert_eq!(
        browser
            .js("return document.getElementById('session-address').value;")
            .await,
        MARKET
    );
    browser.fill(address, "").await;
    browser.click("button", "保存").await;
    browser.wait_text("已保存").await;
    let code = server.storage.roster(f.session).await.unwrap()[0]
        .code
        .clone();
    let (_, view) = server.lookup(code.as_str(), "13800138000").await;
    assert_eq!(view["address"]["zh"], "南昌市测试路 1 号", "{view}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_staff_generate_a_week_of_sessions_after_a_preview() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    at_the_fixtures_activity(&browser, &server, &f).await;
    browser.wait_text("批量生成场次").await;
    browser.fill("场次名称", "周间参观").await;
    browser.select("场次形式", "quick_test").await;
    browser.click("button", "预览").await;
    browser.wait_text("请填写地点").await; // beside the place field; nothing is saved
    browser.fill("地点", "食品检验实验楼 大厅").await;
    browser.click("button", "预览").await;
    browser.wait_text("将生成场次数").await;
    // Seven days hold five weekdays; 09:00–12:00 in 60-minute slots with 30-minute gaps: two a day.
    let count = browser.text_of("[data-testid=series-count]").await;
    assert_eq!(count, "将生成场次数: 10");
    // Each day's box says which day it is: seven names, none twice (heard, "T" was two days).
    let days: Vec<String> = browser
        .js_list("return [...document.querySelectorAll('.weekdays label')].map(l => l.textContent.trim());")
        .await;
    assert_eq!(
        days,
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    );
    // A field changed after the preview takes the preview away: nothing can be created
    // from what is no longer shown.
    browser.fill("每场时长（分钟）", "30").await;
    browser.wait_gone("[data-testid=series-count]").await;
    assert!(!browser.body_text().await.contains("确认生成"));
    browser.fill("每场时长（分钟）", "60").await;
    browser.click("button", "预览").await;
    browser.wait_text("将生成场次数").await;
    let sessions = || async {
        let stored = server
            .storage
            .activity(f.activity, chrono::Utc::now())
            .await;
        stored.unwrap().unwrap().sessions
    };
    assert_eq!(sessions().await.len(), 1, "the preview saved nothing");
    // Tapped twice at once, it creates the series once.
    browser
        .js("const b = [...document.querySelectorAll('button')].find(b => b.textContent === '确认生成'); b.click(); b.click();")
        .await;
    browser.wait_text("已生成场次数: 10").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = sessions().await;
    assert_eq!(after.len(), 11);
    assert!(after
        .iter()
        .filter(|s| s.title.zh == "周间参观")
        .all(|s| s.capacity == 30
            && s.per_booking_limit == 5
            && s.format == SessionFormat::QuickTest));
    browser.close().await;
}

/// The controls on the page whose right edge is past the window's (outside a table, which
/// scrolls in its own box): one a phone's user cannot reach without scrolling sideways.
async fn past_the_edge(browser: &Journey, page: &str) -> Vec<String> {
    let found = browser
        .js("return [...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().width > 0
                && e.getBoundingClientRect().right > innerWidth + 0.5)
            .map(e => (e.id || e.textContent) + ' ends at ' + Math.round(e.getBoundingClientRect().right));")
        .await;
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{page}: {c} at 320 px"))
        .collect()
}

/// The words beside control `id`, once it is marked invalid and described by them for
/// screen readers.
async fn marked_with_words(browser: &Journey, id: &str) -> String {
    let script = format!(
        "const i = document.getElementById({id:?}); const d = i.getAttribute('aria-describedby'); \
         return i.getAttribute('aria-invalid') === 'true' && d ? document.getElementById(d).textContent : null;"
    );
    for _ in 0..100 {
        if let Some(words) = browser.js(&script).await.as_str() {
            return words.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{id} is never marked invalid with words beside it");
}

/// Sets the control `id` to `value` as typing would (an `input` event), for what a driver
/// types differently from a person (a date picker's digits).
async fn set_value(browser: &Journey, id: &str, value: &str) {
    let script = format!(
        "const e = document.getElementById({id:?}); e.value = {value:?}; \
         e.dispatchEvent(new Event('input', {{ bubbles: true }})); return e.value;"
    );
    assert_eq!(browser.js(&script).await, value, "{id} takes {value:?}");
}

/// A 1 × 1 PNG: a real image the browser can draw.
const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

pub(crate) async fn audit(browser: &Journey, axe: &Option<String>, page: &str) {
    if let Some(axe) = axe {
        let found = violations(browser, axe).await;
        assert!(found.is_empty(), "{page}: {found:?}");
    }
}

/// Signs in on the console's front page and waits for the account's name.
pub(crate) async fn sign_in(browser: &Journey, username: &str, password: &str, shown: &str) {
    browser.fill("用户名", username).await;
    browser.fill("密码", password).await;
    browser.click("button", "登录").await;
    browser.wait_text(shown).await;
}

/// The whole console beyond the door: an organiser creates a lab account; that lab's staff
/// member creates an activity and a session, watches a booking arrive, is refused a capacity
/// below it, raises it, and cancels the session (its holder then sees the cancellation); the
/// organiser records coverage and a photo, finds both on the printable summary, and reads
/// every one of those actions in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organiser_and_lab_staff_run_an_event_from_the_console() {
    let (browser, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    let org = server.organisation_of(f.session).await;
    server
        .add_staff("chief", "省局 李处", "province-2026", Role::Organiser, None)
        .await;
    let axe = axe_source();

    // The organiser creates a lab-staff account.
    browser.open(&server, "/staff/").await;
    sign_in(&browser, "chief", "province-2026", "省局 李处").await;
    browser.click("link", "账号").await;
    browser.wait_text("新建工作人员账号").await;
    browser.fill("用户名", "x").await;
    browser.click("button", "创建账号").await;
    browser
        .wait_text("用户名为 3–32 位小写字母、数字或 . _ -")
        .await;
    browser.wait_text("密码至少 10 位").await;
    browser.wait_text("请选择所属单位").await;
    audit(&browser, &axe, "accounts page with field errors").await;
    browser.fill("用户名", "lab-emc").await;
    browser.fill("显示名称", "电磁院 陈工").await;
    browser
        .fill(
            "初始密码（至少 10 位，对方首次登录时须改掉）",
            "emc-lab-2026",
        )
        .await;
    browser.select("主办单位", &org.to_string()).await;
    browser.click("button", "创建账号").await;
    browser.wait_text("已创建账号: lab-emc").await;
    browser.click("button", "退出登录").await;
    browser.wait_text("工作人员登录").await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/staff/", "sign-out returns to the front page");

    // The new lab-staff member chooses a password of their own first (the organiser knows
    // the one they typed), then creates an activity and a session.
    sign_in(&browser, "lab-emc", "emc-lab-2026", "电磁院 陈工").await;
    browser
        .wait_text("您的密码是组织者设置或重置的。请先设置一个只有您知道的新密码")
        .await;
    assert_eq!(browser.count("header a[href='/staff/summary']").await, 0);
    browser.fill("当前密码", "emc-lab-2026").await;
    browser.fill("新密码（至少 10 位）", "emc-own-2026").await;
    browser.click("button", "修改密码").await;
    browser.wait_text("新建活动").await;
    let nav = browser.body_text().await;
    assert!(
        !nav.contains("操作记录"),
        "lab staff get no audit log link: {nav}"
    );
    browser.click("button", "新建活动").await;
    browser.wait_text("活动名称").await;
    browser.click("button", "创建活动").await;
    browser.wait_text("请填写名称").await; // beside the title, in words
    browser.fill("活动名称", "电磁兼容开放日").await;
    browser.click("button", "创建活动").await;
    browser.wait_text("活动已创建").await;
    browser.wait_text("集合地点").await; // the new-session form opens next
    browser.fill("名称", "EMC 实验室参观").await;
    browser.fill("集合地点", "").await;
    browser.click("button", "创建场次").await;
    browser.wait_text("请填写地点").await;
    // The keyboard is taken to the field to correct.
    let mut focused = serde_json::Value::Null;
    for _ in 0..40 {
        focused = browser.js("return document.activeElement.id;").await;
        if focused == "session-place" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(focused, "session-place");
    audit(&browser, &axe, "session form with a field error").await;
    browser.fill("集合地点", "电磁兼容实验室 3 楼").await;
    // A year out of service and a count that is not whole: each is marked on its own field;
    // the times are not, nor the deadlines that follow the date, and nothing is sent.
    browser.fill("名额", "1.5").await;
    set_value(&browser, "session-date", "1999-12-07").await;
    browser.click("button", "创建场次").await;
    browser.wait_text("请填写 0 或更大的整数").await;
    browser.wait_text("请填写 2000 至 2999 年间的日期").await;
    let marked: Vec<String> = browser
        .js_list("return [...document.querySelectorAll('[aria-invalid=true]')].map(e => e.id);")
        .await;
    assert_eq!(marked, ["session-date", "session-capacity"]);
    browser.fill("名额", "20").await;
    // Moved from tomorrow to ten days on: its booking deadlines move with it.
    let day =
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive() + chrono::Duration::days(10);
    set_value(&browser, "session-date", &day.to_string()).await;
    // A deadline cleared without an input event (WebDriver's clear, as a picker's clear
    // button) is read as cleared and marked, not sent with the value it held before.
    let opens = browser
        .js("return document.getElementById('session-opens').value;")
        .await;
    browser.fill("开始预约", "").await;
    browser.click("button", "创建场次").await;
    browser.wait_text("请填写 2000 至 2999 年间的日期").await;
    let marked: Vec<String> = browser
        .js_list("return [...document.querySelectorAll('[aria-invalid=true]')].map(e => e.id);")
        .await;
    assert_eq!(marked, ["session-opens"]);
    set_value(&browser, "session-opens", opens.as_str().unwrap()).await;
    browser.click("button", "创建场次").await;
    browser.wait_text("场次已创建").await;
    browser.wait_text("已预约 0/20 人").await;
    browser.click("button", "修改活动").await;
    browser.fill("活动名称", "电磁兼容实验室开放日").await;
    browser.click("button", "保存").await;
    browser.wait_text("已保存").await;
    browser
        .wait_text("电磁兼容实验室开放日 · 食品检验检测研究院")
        .await;

    // A booking arrives, and shows in the picker and the roster.
    let list = server
        .storage
        .scheduled_activities(Some(org))
        .await
        .unwrap();
    let activity = list
        .iter()
        .find(|a| a.draft.title.zh == "电磁兼容实验室开放日")
        .expect("the activity was saved");
    let session = activity.sessions[0].id;
    let window = &activity.sessions[0].draft;
    assert_eq!(window.starts_at, day.and_hms_opt(9, 0, 0).unwrap());
    assert_eq!(
        window.booking_closes_at,
        window.starts_at - chrono::Duration::hours(1)
    );
    assert_eq!(
        window.cancel_deadline,
        window.starts_at - chrono::Duration::hours(2)
    );
    let booked = server.book(session, "访客 周", "13800138050", 2, 1).await;
    let code = booked["code"].as_str().expect("booked").to_owned();
    browser.click("button", "刷新").await;
    browser.wait_text("已预约 3/20 人").await;
    browser.click("link", "签到名单").await;
    browser.wait_text("访客 周").await;
    browser.wait_text("13800138050").await;
    // The link clicked is gone with its page: focus is on the new page's heading.
    let mut focused = serde_json::Value::Null;
    for _ in 0..20 {
        focused = browser
            .js("const e = document.activeElement; return e ? e.tagName + ' ' + (e.closest('main') !== null) : '';")
            .await;
        if focused == "H1 true" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(focused, "H1 true");
    browser.click("link", "返回").await;
    browser.select("选择活动", &activity.id.to_string()).await;

    // Capacity cannot go below the three people booked; it can go up.
    browser.click("button", "修改").await;
    browser.wait_text("目前已预约: 3 人").await;
    browser.fill("名额", "2").await;
    browser.fill("每单最多人数", "2").await;
    browser.click("button", "保存").await;
    let beside = browser.wait_css("#session-capacity-error").await;
    browser
        .wait_text("名额不能少于已预约人数与仍空着的预留名额。")
        .await;
    assert_eq!(
        beside.text().await.unwrap(),
        "名额不能少于已预约人数与仍空着的预留名额。"
    );
    assert_eq!(
        browser
            .by_label("名额")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    audit(&browser, &axe, "capacity refused").await;
    browser.fill("名额", "40").await;
    browser.click("button", "保存").await;
    browser.wait_text("已预约 3/40 人").await;

    // Someone else saves the session while it is open here: saving over it is refused, the
    // other change stands, and what was typed stays in the form; opened again, the form
    // shows the session as saved now.
    browser.click("button", "修改").await;
    browser.wait_text("目前已预约: 3 人").await;
    let listed = || async {
        let list = server.storage.scheduled_activities(Some(org)).await;
        let mut sessions = list.unwrap().into_iter().flat_map(|a| a.sessions);
        sessions.find(|x| x.id == session).expect("listed")
    };
    let mut theirs = listed().await.draft;
    theirs.place.zh = "电磁兼容实验室 5 楼".into();
    let accounts = server.storage.staff_accounts(None).await.unwrap();
    let chief = accounts.iter().find(|a| a.username == "chief").unwrap().id;
    let valid = theirs.validate().expect("a valid session");
    server
        .storage
        .update_session(chief, session, &valid, None)
        .await
        .expect("saved by the other");
    browser.fill("集合地点", "电磁兼容实验室 4 楼").await;
    browser.click("button", "保存").await;
    browser
        .wait_text("你编辑期间，其他人保存了修改，你的修改没有保存。")
        .await;
    audit(&browser, &axe, "edited meanwhile").await;
    let place = "return document.getElementById('session-place').value;";
    assert_eq!(
        browser.js(place).await,
        "电磁兼容实验室 4 楼",
        "what was typed stays"
    );
    browser.click("button", "收起").await;
    browser.click("button", "修改").await;
    browser.wait_text("目前已预约: 3 人").await;
    assert_eq!(
        browser.js(place).await,
        "电磁兼容实验室 5 楼",
        "the form opens as saved now"
    );
    // An evening session that runs to midnight: the end reads as the next day's.
    set_value(&browser, "session-starts", "23:00").await;
    set_value(&browser, "session-ends", "00:00").await;
    browser
        .wait_text("结束时间不晚于开始时间：场次在次日这个时间结束。")
        .await;
    browser.click("button", "保存").await;
    browser.wait_text("已保存").await;
    let saved = listed().await;
    assert_eq!(saved.draft.place.zh, "电磁兼容实验室 5 楼");
    assert_eq!(
        (saved.draft.starts_at, saved.draft.ends_at),
        (
            day.and_hms_opt(23, 0, 0).unwrap(),
            (day + chrono::Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
        )
    );

    // Cancelling asks first; the holder then sees the cancellation.
    browser.click("button", "取消场次").await;
    browser.wait_text("确定取消这个场次吗？").await;
    audit(&browser, &axe, "cancel confirmation").await;
    browser.click("button", "不取消").await;
    assert!(!browser.body_text().await.contains("确定取消这个场次吗？"));
    browser.click("button", "取消场次").await;
    browser.click("button", "确认取消场次").await;
    browser.wait_text("场次已取消，取消的预约数: 1").await;
    browser.wait_text("已预约 0/40 人 · 已取消").await;
    let (_, seen) = server.lookup(&code, "13800138050").await;
    assert_eq!(seen["status"], "cancelled", "{seen}");
    browser.click("button", "退出登录").await;
    browser.wait_text("工作人员登录").await;

    // The organiser records coverage and a photo, and finds both on the printable summary.
    sign_in(&browser, "chief", "province-2026", "省局 李处").await;
    browser.click("link", "媒体与照片").await;
    browser.wait_text("媒体报道与活动照片").await;
    browser.select("选择活动", &activity.id.to_string()).await;
    browser.fill("报道链接", "news.example/emc").await;
    browser.fill("媒体名称", "江西日报").await;
    browser.click("button", "保存报道").await;
    browser
        .wait_text("请填写以 https:// 或 http:// 开头的网址")
        .await;
    browser
        .fill("报道链接", "https://news.example/2026/emc-open-day")
        .await;
    browser.fill("标题", "电磁兼容实验室向市民开放").await;
    // Tapped twice at once, it is added once.
    browser
        .js("const b = [...document.querySelectorAll('button')].find(b => b.textContent === '保存报道'); b.click(); b.click(); return null;")
        .await;
    browser.wait_text("已添加报道: 江西日报").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let items = server.storage.media(None, None).await.expect("media");
    assert_eq!(items.len(), 1, "{items:?}");
    let dir = tempfile::tempdir().unwrap();
    let not_an_image = dir.path().join("notes.png");
    std::fs::write(&not_an_image, b"GIF89a pretending").unwrap();
    let photo = dir.path().join("emc.png");
    std::fs::write(&photo, TINY_PNG).unwrap();
    let file = browser
        .by_label("照片（JPEG、PNG 或 WebP，最大 5 MB）")
        .await;
    file.send_keys(&not_an_image.display().to_string())
        .await
        .unwrap();
    browser.click("button", "上传照片").await;
    browser.wait_text("请填写照片说明").await;
    browser.wait_text("只接受 JPEG、PNG 或 WebP 图片").await;
    audit(&browser, &axe, "media page with field errors").await;
    let file = browser
        .by_label("照片（JPEG、PNG 或 WebP，最大 5 MB）")
        .await;
    file.clear().await.unwrap();
    file.send_keys(&photo.display().to_string()).await.unwrap();
    browser.fill("照片说明", "市民参观电磁兼容实验室").await;
    browser.click("button", "上传照片").await;
    browser.wait_text("已上传照片").await;
    browser.click("link", "活动总结").await;
    browser.wait_text("活动总结数据").await;
    browser.wait_text("电磁兼容实验室向市民开放").await;
    browser.wait_text("市民参观电磁兼容实验室").await;
    let drawn = browser
        .client
        .execute_async(
            "const done = arguments[0]; const img = document.querySelector('figure.photo img'); \
             const check = () => img.complete ? done(img.naturalWidth) : setTimeout(check, 50); check();",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        drawn.as_u64(),
        Some(1),
        "the photo loads with the staff cookie"
    );
    audit(&browser, &axe, "summary with media and photos").await;

    // Every one of those actions is in the audit log, with who did it.
    browser.click("link", "操作记录").await;
    browser.wait_text("工作人员的每一次修改").await;
    let log = browser.wait_css("table.roster").await.text().await.unwrap();
    for (who, action) in [
        ("chief", "创建账号"),
        ("lab-emc", "新建活动"),
        ("lab-emc", "新增场次"),
        ("lab-emc", "修改场次"),
        ("lab-emc", "取消场次"),
        ("chief", "添加媒体报道"),
        ("chief", "上传照片"),
    ] {
        assert!(
            log.lines().any(|l| l.contains(who) && l.contains(action)),
            "{who} {action} missing from:\n{log}"
        );
    }
    audit(&browser, &axe, "audit log").await;
    browser.close().await;
}

/// The console's pages pass axe in English too, and none of them scrolls sideways on a
/// 320 px phone (wide tables scroll inside their own box).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_pass_axe_in_english_and_reflow_at_320_px() {
    let (browser, server) = or_skip!(open_with_server_at((320, 640), true).await);
    server
        .add_staff(
            "chief",
            "Province bureau",
            "province-2026",
            Role::Organiser,
            None,
        )
        .await;
    let activity = server.storage.scheduled_activities(None).await.unwrap()[0].id;
    browser.open(&server, "/staff/").await;
    browser.click("button", "English").await;
    browser.wait_text("Staff sign-in").await;
    browser.fill("Username", "chief").await;
    browser.fill("Password", "province-2026").await;
    browser.click("button", "Sign in").await;
    browser.wait_text("Province bureau").await;
    let axe = axe_source();
    let mut problems = Vec::new();
    for (path, ready) in [
        ("/staff/", "Choose a session"),
        ("/staff/accounts", "New staff account"),
        ("/staff/organisations", "The organisations you act for"),
        ("/staff/password", "Current password"),
        ("/staff/media", "Media coverage and photos"),
        ("/staff/summary", "Figures for the event summary"),
        ("/staff/audit", "Every change, sign-in and export"),
    ] {
        browser.open(&server, path).await;
        browser.wait_text(ready).await;
        if path == "/staff/" {
            // With an activity chosen: its sessions, and the single-session form open.
            browser
                .select("Choose an activity", &activity.to_string())
                .await;
            browser.click("button", "Add a session").await;
            browser.wait_text("Meeting place").await;
        }
        if path == "/staff/organisations" {
            // With a node's form open beside it.
            browser.click("button", "Edit").await;
            browser.wait_text("Name (Chinese)").await;
        }
        if path == "/staff/media" {
            browser
                .select("Choose an activity", &activity.to_string())
                .await;
            browser.wait_text("Upload a photo").await;
        }
        let sideways = browser.sideways_overflow().await;
        if sideways > 0.0 {
            problems.push(format!("{path} scrolls sideways at 320 px by {sideways}"));
        }
        problems.extend(past_the_edge(&browser, path).await);
        if path == "/staff/" {
            // The new-activity form, and the series form beside the sessions.
            browser.click("button", "New activity").await;
            browser.wait_text("Last day").await;
            problems.extend(past_the_edge(&browser, "/staff/ (new activity)").await);
        }
        if let Some(axe) = &axe {
            for v in violations(&browser, axe).await {
                problems.push(format!("{path} [en]: {v}"));
            }
        }
    }
    // The forms with the widest fields again in Chinese, whose labels run longer in height
    // and whose date fields are wider.
    browser.open(&server, "/staff/").await;
    browser.click("button", "中文").await;
    browser.wait_text("选择场次").await;
    browser.select("选择活动", &activity.to_string()).await;
    browser.click("button", "新增场次").await;
    browser.wait_text("集合地点").await;
    problems.extend(past_the_edge(&browser, "/staff/ [zh]").await);
    browser.click("button", "新建活动").await;
    browser.wait_text("活动结束日期").await;
    problems.extend(past_the_edge(&browser, "/staff/ (new activity) [zh]").await);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    browser.close().await;
}
