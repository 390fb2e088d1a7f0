//! Vegetable samples end to end: a citizen registers two vegetables for a quick-test session
//! and sees their codes and labels; lab staff sign in, see that the bench opens on the
//! session's day, and on that day receive both and enter results (one
//! negative; one positive with two re-tests and a corrected typo); the citizen looks both up
//! and sees the right judgement and the screening notice; the public board counts them.

use crate::accessibility::axe_source;
use crate::staff::{audit, sign_in};
use crate::support::{open_with_fixture, Journey};
use labday_domain::sample::SampleCode;
use labday_domain::SessionFormat;
use serde_json::json;

/// Types into the field with this DOM id (rows of the form share their labels).
async fn type_into(browser: &Journey, id: &str, text: &str) {
    let el = browser.wait_css(&format!("#{id}")).await;
    el.clear().await.expect("clears");
    el.send_keys(text).await.expect("types");
}

/// Tests listed on the staff bench for one sample.
async fn tests_listed(browser: &Journey, code: &str) -> usize {
    browser
        .count(&format!("li[data-code='{code}'] li.test"))
        .await
}

/// Enters an enzyme reading for one sample and waits until the bench lists it: the
/// "saved" notice alone may still be showing from the sample's previous test.
async fn enzyme_result(browser: &Journey, code: &str, percent: &str) {
    let before = tests_listed(browser, code).await;
    type_into(browser, &format!("reading-{code}"), percent).await;
    browser
        .click_css(&format!("li[data-code='{code}'] form button[type=submit]"))
        .await;
    browser
        .wait_text(&format!("已保存: {}", display(code)))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while tests_listed(browser, code).await <= before {
        assert!(
            std::time::Instant::now() < deadline,
            "the bench never listed test {} of {code}",
            before + 1
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Looks a sample up on "my bookings" with the last four digits of its phone (sent with
/// Enter from that field).
async fn look_up_with(browser: &Journey, last4: &str) {
    browser.fill("手机号后 4 位", last4).await;
    browser
        .wait_css("#sample-last4")
        .await
        .send_keys("\u{E007}")
        .await
        .expect("Enter");
}

fn display(code: &str) -> String {
    format!("{}-{}", &code[..4], &code[4..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_registers_vegetables_staff_test_them_and_the_board_counts_them() {
    let (browser, server, f) =
        or_skip!(open_with_fixture(SessionFormat::QuickTest, 40, None).await);
    server
        .add_lab_staff(f.session, "food-lab", "食品院 王工", "quick-test-2026")
        .await;
    let axe = axe_source();

    // Citizen: from the activity page to the registration form.
    browser.open_activity(&server, f.activity).await;
    browser.click("link", "登记送检蔬菜").await;
    browser.wait_text("蔬菜农残快检登记").await;
    // The results board is one link away, on the activity page.
    let board_link = browser.link_href("快检结果公示").await;
    assert_eq!(
        board_link.as_deref(),
        Some(format!("/activities/{}", f.activity).as_str())
    );
    // Sending nothing shows every missing field beside it, and loses nothing typed.
    browser.fill("姓名", "王芳").await;
    browser.click("button", "提交登记").await;
    browser.wait_text("请选择或填写蔬菜品种").await;
    browser.wait_text("请填写购买地点（市场、摊位）").await;
    audit(&browser, &axe, "sample form with errors").await;
    type_into(&browser, "variety-0", "菠菜").await;
    type_into(&browser, "bought-at-0", "青山湖农贸市场 12号摊").await;
    browser.click("button", "再加一份样品").await;
    type_into(&browser, "variety-1", "芹菜").await;
    // Celery is known to read falsely positive with the enzyme method.
    browser
        .wait_css("[data-testid=false-positive-warning]")
        .await;
    let place = browser
        .wait_css("#bought-at-1")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        place.as_deref(),
        Some("青山湖农贸市场 12号摊"),
        "same stall as the first row"
    );
    browser.fill("手机号码", "13900139000").await;
    browser.tick("我已阅读并同意隐私说明").await;
    browser.click("button", "提交登记").await;
    browser.wait_text("登记成功").await;
    let mut codes = Vec::new();
    for el in browser
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=sample-code]"))
        .await
        .unwrap()
    {
        codes.push(el.text().await.unwrap().replace('-', ""));
    }
    assert_eq!(codes.len(), 2, "two labels: {codes:?}");
    assert_eq!(
        browser.count("[data-testid=sample-label] svg.qr").await,
        2,
        "each label has its QR code"
    );
    browser.wait_text("打印标签").await;
    audit(&browser, &axe, "sample labels").await;
    let (spinach, celery) = (codes[0].clone(), codes[1].clone());

    // Staff: sign in. Two days ahead, the bench says that receiving waits for the session's
    // day (as the server would answer).
    browser.open(&server, "/staff/").await;
    sign_in(&browser, "food-lab", "quick-test-2026", "食品院 王工").await;
    let bench = format!("/staff/sessions/{}/samples", f.session);
    browser.open(&server, &bench).await;
    browser
        .wait_text("还没到本场次的日期：签到、现场预约和收样都从场次当天开始。")
        .await;
    // On the session's day: receive both, enter results. (The session's public view is
    // cached for a second, by the server and the browser, and the move went behind the
    // API's back: the bench reads it again once that second is over.)
    server.move_to_today(f.session, "food-lab").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    browser.open(&server, &bench).await;
    browser.wait_css("p.meta").await;
    assert_eq!(
        browser.count("[data-testid=before-session-day]").await,
        0,
        "the session's day has come"
    );
    browser.wait_text("未送样").await;
    // The bench's camera receives samples; it checks no one in.
    browser.wait_text("扫码收样").await;
    assert!(!browser.body_text().await.contains("签到"));
    browser
        .fill("扫码或输入样品码收样", &spinach.to_lowercase())
        .await;
    browser.click("button", "确认收样").await;
    browser
        .wait_text(&format!("已收样: {} · 菠菜", display(&spinach)))
        .await;
    browser
        .click("button", &format!("确认收样 {}", display(&celery)))
        .await;
    browser
        .wait_text(&format!("已收样: {} · 芹菜", display(&celery)))
        .await;
    // A walk-in without a smartphone: staff type the vegetable, and the code to write on the
    // bag is announced; the sample is received at once.
    type_into(&browser, "walk-in-variety", "番茄").await;
    type_into(&browser, "walk-in-bought-at", "青山湖农贸市场").await;
    browser.click("button", "登记并收样").await;
    browser.wait_text("（番茄）：请写在袋子上。").await;
    audit(&browser, &axe, "staff sample bench").await;

    // The bench's answer lost on the way back: the same form sent again is answered with
    // the sample the first send registered, and registers nothing more.
    let registered = || async {
        let samples = server.storage.session_samples(f.session).await;
        samples.expect("samples")
    };
    let before = registered().await.len();
    browser.lose_next_answer("/walk-in-samples").await;
    type_into(&browser, "walk-in-variety", "黄瓜").await;
    browser.click("button", "登记并收样").await;
    browser.wait_text("无法连接服务器").await;
    assert_eq!(
        registered().await.len(),
        before + 1,
        "the first send registered"
    );
    browser.click("button", "登记并收样").await;
    browser.wait_text("（黄瓜）：请写在袋子上。").await;
    assert_eq!(
        registered().await.len(),
        before + 1,
        "the second, nothing more"
    );
    // Lost again, and the form edited before it is sent again: nothing is sent, the desk
    // says the lost one landed, and the list shows it; the next tap registers the edit.
    browser.lose_next_answer("/walk-in-samples").await;
    type_into(&browser, "walk-in-variety", "茄子").await;
    browser.click("button", "登记并收样").await;
    browser.wait_text("无法连接服务器").await;
    type_into(&browser, "walk-in-variety", "辣椒").await;
    browser.click("button", "登记并收样").await;
    browser
        .wait_text("网络中断前发出的那次登记已经成功，已在名单中")
        .await;
    let landed = registered().await;
    assert_eq!(landed.len(), before + 2, "the edited form was not sent");
    let eggplant = landed.last().expect("the lost one").code.display();
    browser.wait_text(&eggplant).await;
    browser.click("button", "登记并收样").await;
    browser.wait_text("（辣椒）：请写在袋子上。").await;
    assert_eq!(registered().await.len(), before + 3);

    enzyme_result(&browser, &spinach, "12.5").await;
    enzyme_result(&browser, &celery, "62").await;
    // A typo on the first re-test, then its correction.
    enzyme_result(&browser, &celery, "5").await;
    browser.click("button", "更正 #2").await;
    browser.wait_text("更正这次检测").await;
    enzyme_result(&browser, &celery, "58.3").await;
    enzyme_result(&browser, &celery, "71").await;

    let stored = server
        .storage
        .session_samples(f.session)
        .await
        .expect("samples");
    let celery_view = stored
        .iter()
        .find(|s| s.code.as_str() == celery)
        .expect("celery stored");
    assert_eq!(
        celery_view.tests.len(),
        4,
        "the corrected test stays in history"
    );
    assert_eq!(celery_view.tests.iter().filter(|t| t.superseded).count(), 1);
    assert_eq!(
        celery_view.judgement,
        Some(labday_domain::sample::Judgement::Positive)
    );

    // Citizen: look both up by code and the phone's last four digits.
    browser.open(&server, "/my").await;
    browser.wait_text("我的样品").await;
    browser.fill("样品码", &display(&spinach)).await;
    look_up_with(&browser, "9999").await;
    browser
        .wait_text("未找到：请检查样品码和手机号后 4 位。")
        .await;
    look_up_with(&browser, "9000").await;
    browser.wait_text("判定：阴性").await;
    browser.wait_text("本次快检未发现农药残留超标。").await;
    browser
        .wait_text("快检是初步筛查，不是最终结论，只对本次检验的样品负责。")
        .await;
    audit(&browser, &axe, "negative result").await;
    assert!(
        !browser.body_text().await.contains("假阳性"),
        "spinach gives no false positives, and it read negative"
    );

    browser.open(&server, &format!("/samples/{celery}")).await;
    browser.wait_text("判定：阳性").await;
    browser
        .wait_text("快检显示农药残留可能超标，样品将送实验室用标准方法确认。")
        .await;
    browser.wait_text("复检").await;
    // Celery's own compounds can read positive by the enzyme method: the result says so.
    browser
        .wait_css("[data-testid=false-positive-warning]")
        .await;
    let body = browser.body_text().await;
    assert!(
        !body.contains("5.0 %"),
        "the corrected reading is not shown to the citizen"
    );
    assert!(body.contains("GB/T 5009.199-2003"), "the standard is named");

    // The public board of the activity counts both, by variety, with no personal data.
    browser.open_activity(&server, f.activity).await;
    let totals = browser.wait_css("[data-testid=board-totals]").await;
    let totals: Vec<String> = totals
        .text()
        .await
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        totals,
        ["合计", "2", "1", "0", "1"],
        "tested, negative, suspicious, positive"
    );
    let board = browser.text_of("[data-testid=sample-board]").await;
    assert!(board.contains("菠菜") && board.contains("芹菜"), "{board}");
    assert!(!board.contains("王") && !board.contains("9000"), "{board}");
    audit(&browser, &axe, "activity page with board").await;
    browser.close().await;
}

/// The samples form's promise: before a sample is handed in, or once its session is over,
/// its holder erases their details from its result page, proving the whole number (the
/// page opened with four digits); not while the lab holds it during the session. Afterwards
/// nothing of it is left on the server's lookup or on the phone; numbers that do not match
/// are never taken for an erasure, however many.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_erases_a_sample_with_the_whole_number() {
    let (browser, server, f) =
        or_skip!(open_with_fixture(SessionFormat::QuickTest, 40, None).await);
    browser
        .open(&server, &format!("/sessions/{}/samples", f.session))
        .await;
    browser
        .wait_text(
            "送样前，或场次结束、复检完成后，您也可以在样品结果页面输入完整手机号码，自行立即删除这些信息（送样前删除即撤回样品）。",
        )
        .await;
    let item = json!({"variety": "spinach", "variety_other": "", "bought_at": "删除测试市场", "bought_on": labday_server::auth::now_local().date()});
    let registration = json!({"session_id": f.session, "name": "令狐删样", "phone": "13900135678",
        "consent": true, "samples": [item.clone(), item.clone(), item]});
    let (status, made) = server.post("/api/v1/samples", &registration).await;
    assert_eq!(status, 201, "{made}");
    let [held, mine, probed] = [0, 1, 2].map(|i| made[i]["code"].as_str().unwrap().to_owned());
    let org = server.organisation_of(f.session).await;
    let role = labday_domain::staff::Role::LabStaff;
    let lab = server
        .add_staff(
            "erase-lab",
            "食品院 删工",
            "quick-test-2026",
            role,
            Some(org),
        )
        .await;
    let code = SampleCode::parse(&held).expect("a code");
    // The lab receives it on the session's day.
    server.move_to_today(f.session, "erase-lab").await;
    server
        .storage
        .receive_sample(lab, f.session, &code, chrono::Utc::now())
        .await
        .expect("received");

    // Held by the lab, its session still on: the page says when, and offers nothing.
    open_sample(&browser, &server, &held).await;
    browser
        .wait_text("样品已交给实验室：场次结束、复检完成之前，实验室可能还要复检或更正结果并通知您，之后才能删除您的信息。")
        .await;
    assert_eq!(browser.count("details.erase").await, 0);

    // Wrong numbers until the code's lookups are throttled: still not erased, still here.
    open_sample(&browser, &server, &probed).await;
    browser.click("summary", "删除我的信息").await;
    for n in 0..5 {
        browser.fill("手机号码", &format!("1381111{n}678")).await;
        browser.click("button", "确定删除").await;
        browser.wait_text("这不是登记这份样品时的手机号码。").await;
    }
    browser.fill("手机号码", "13811115678").await;
    browser.click("button", "确定删除").await;
    browser.wait_text("操作过于频繁，请稍后再试").await;
    let probed_code = SampleCode::parse(&probed).expect("a code");
    let still = server
        .storage
        .find_sample(&probed_code, "5678", chrono::Utc::now())
        .await
        .expect("storage");
    assert!(still.is_some(), "nothing was erased");

    open_sample(&browser, &server, &mine).await;
    browser.click("summary", "删除我的信息").await;
    browser
        .wait_text("删除后无法再查询这份样品的结果，我们也无法再通知您；送样前删除即撤回这份样品，它不能再送检。")
        .await;
    // The last four digits and another number with them erase nothing.
    browser.fill("手机号码", "5678").await;
    browser.click("button", "确定删除").await;
    browser.wait_text("请输入 11 位手机号码").await;
    browser.fill("手机号码", "13811115678").await;
    browser.click("button", "确定删除").await;
    browser.wait_text("这不是登记这份样品时的手机号码。").await;
    audit(&browser, &axe_source(), "sample erasure with an error").await;
    let lookup = json!({"code": mine, "phone_last4": "5678"});
    assert_eq!(server.post("/api/v1/samples/lookup", &lookup).await.0, 200);
    browser.fill("手机号码", "139 0013 5678").await;
    browser.click("button", "确定删除").await;
    browser.wait_text("您的信息已删除").await;
    browser
        .wait_text("姓名、手机号码、购买地点和您填写的蔬菜名称已删除，本设备也不再保存这份样品。")
        .await;
    assert!(
        !browser.body_text().await.contains(&display(&mine)),
        "nothing of the sample stays on screen"
    );
    assert_eq!(
        server.post("/api/v1/samples/lookup", &lookup).await.0,
        404,
        "erased on the server"
    );

    browser.open(&server, "/my").await;
    browser.wait_text("我的样品").await;
    let kept = browser.local_storage().await;
    assert!(
        kept.contains(&held) && kept.contains(&probed),
        "the samples not erased stay: {kept}"
    );
    assert!(
        !kept.contains(&mine),
        "the phone keeps nothing of the erased one: {kept}"
    );

    // The bench shows it withdrawn, with nothing to receive.
    browser.open(&server, "/staff/").await;
    sign_in(&browser, "erase-lab", "quick-test-2026", "食品院 删工").await;
    browser
        .open(&server, &format!("/staff/sessions/{}/samples", f.session))
        .await;
    browser
        .wait_text("登记人信息已删除，不能收样（登记人送样前撤回，或已过保存期）")
        .await;
    let receive = format!("button[aria-label='确认收样 {}']", display(&mine));
    assert_eq!(
        browser.count(&receive).await,
        0,
        "no receiving a withdrawn sample"
    );
    let other = format!("button[aria-label='确认收样 {}']", display(&probed));
    assert_eq!(browser.count(&other).await, 1, "the others wait as before");
    browser.close().await;
}

/// Opens a sample's result page with the last four digits of its phone.
async fn open_sample(browser: &Journey, server: &crate::support::TestServer, code: &str) {
    browser.open(server, &format!("/samples/{code}")).await;
    browser.fill("手机号后 4 位", "5678").await;
    browser.click("button", "查找").await;
    browser.wait_css("[data-testid=sample-code]").await;
}
