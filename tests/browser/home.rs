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

    // A link to trainings in one city: the list and the filters both say so.
    browser.open(&server, "/?category=training&city=赣州").await;
    browser
        .wait_text("Ganzhou advertising-industry quality training")
        .await;
    assert_eq!(browser.count("li.card").await, 1);
    let chosen = "return [document.getElementById('filter-category').value, \
                  document.getElementById('filter-city').value];";
    for _ in 0..40 {
        if browser.js(chosen).await == serde_json::json!(["training", "赣州"]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        browser.js(chosen).await,
        serde_json::json!(["training", "赣州"])
    );
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

/// An organisation that gave no address or telephone shows neither: no empty line, and no
/// map link that would search for nothing. One that did shows both, the map searching it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_shows_only_the_address_and_telephone_it_has() {
    use labday_domain::activity::{ActivityKind, Localised};
    use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
    use labday_server::storage::{NewActivity, NewOrganisation};
    let (browser, server) = or_skip!(open_with_server(false).await);
    let today = venue_local(chrono::Utc::now(), SHANGHAI_OFFSET_MINUTES).date();
    let mut activities = Vec::new();
    for (address, contact) in [("", ""), ("南昌市测试路 1 号", "0791-0000")] {
        let org = server
            .storage
            .add_organisation(NewOrganisation {
                name: Localised::new(format!("检验院{}", activities.len()), ""),
                city: Localised::new("南昌", "Nanchang"),
                address: Localised::new(address, ""),
                contact: contact.into(),
                utc_offset_minutes: SHANGHAI_OFFSET_MINUTES,
            })
            .await
            .expect("organisation");
        let activity = server
            .storage
            .add_activity(NewActivity {
                organisation_id: org,
                kind: ActivityKind::LabOpenDay,
                title: Localised::new("开放日", "Open day"),
                description: Localised::new("参观。", "A tour."),
                safety_notes: Localised::new("", ""),
                starts_on: today,
                ends_on: today + chrono::Duration::days(3),
            })
            .await
            .expect("activity");
        activities.push(activity);
    }
    let facts = "return [...document.querySelectorAll('.facts dt')].map(d => d.textContent)
        .concat([...document.querySelectorAll('.facts a')].map(a => a.href));";
    browser.open_activity(&server, activities[0]).await;
    browser.wait_text("主办单位").await;
    let shown = browser.js(facts).await;
    assert_eq!(shown, serde_json::json!(["主办单位"]));
    browser.open_activity(&server, activities[1]).await;
    browser.wait_text("南昌市测试路 1 号").await;
    let shown = browser.js(facts).await;
    assert_eq!(
        shown,
        serde_json::json!([
            "主办单位",
            "地址",
            "咨询电话",
            "https://uri.amap.com/search?keyword=%E5%8D%97%E6%98%8C%E5%B8%82%E6%B5%8B%E8%AF%95%E8%B7%AF%201%20%E5%8F%B7"
        ])
    );
    browser.close().await;
}

/// A portal's link in English (`?lang=en`) keeps its language through the pages it leads
/// to: the address keeps the choice, so a reload or a bookmark opens in English too. The
/// device saves nothing: the app opened without it is in Chinese. A language picked on the
/// page is the device's, and leaves the address. A link opened in a new tab carries it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_chosen_by_the_address_stays_in_it() {
    let (browser, server) = or_skip!(open_with_server(true).await);
    browser.open(&server, "/?lang=en").await;
    browser.wait_text("Upcoming open days").await;
    browser.click_css("li.card a").await;
    for _ in 0..40 {
        if browser.js("return location.pathname").await != "/" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let title = browser.text_of("article.activity h1").await;
    assert!(title.is_ascii() && !title.is_empty(), "in English: {title}");
    let search = browser.js("return location.search").await;
    assert_eq!(search, "?lang=en", "the address keeps the language");
    browser.reload().await;
    browser.wait_text(&title).await;
    assert_eq!(
        browser.js("return document.documentElement.lang").await,
        "en",
        "reloaded in English"
    );
    // A link opened in a new tab (a middle click, the menu after a right click or a long
    // press) starts there in English too: a pointer going down on it gives it the language.
    browser.open(&server, "/?lang=en").await;
    browser.wait_text("Upcoming open days").await;
    let href = "return document.querySelector('li.card a').getAttribute('href')";
    let press = "document.querySelector('li.card a').dispatchEvent(new PointerEvent('pointerdown', {bubbles: true})); return '';";
    let link_now = || async { browser.js(href).await.as_str().map(str::to_owned) };
    let plain = link_now().await.unwrap_or_default();
    assert!(
        plain.starts_with("/activities/") && !plain.contains("lang"),
        "{plain}"
    );
    browser.js(press).await;
    let carried = link_now().await.unwrap_or_default();
    assert_eq!(carried, format!("{plain}?lang=en"));
    // Picking Chinese on the page takes the language off the link again.
    browser.click("button", "切换到中文").await;
    browser.wait_text("近期开放活动").await;
    browser.js(press).await;
    assert_eq!(link_now().await, Some(plain.clone()));
    browser.open(&server, &carried).await; // as a new tab: the device says nothing
    browser.wait_text(&title).await;
    browser.open(&server, "/").await;
    browser.wait_text("近期开放活动").await;

    // Picking a language on the page takes the address's out: the device keeps the pick.
    browser.open(&server, "/?lang=en&category=training").await;
    browser.wait_text("Upcoming open days").await;
    browser.click("button", "切换到中文").await;
    browser.wait_text("近期开放活动").await;
    let search = browser.js("return location.search").await;
    assert_eq!(search, "?category=training", "the other filters stay");
    browser.reload().await;
    browser.wait_text("近期开放活动").await;
    browser.close().await;
}
