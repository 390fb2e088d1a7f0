//! A first event from an empty database (issue 16, item 2), in Chinese and in English at a
//! phone viewport: the command line makes the province bureau and its organiser (the same
//! code `labday-server org add` and `user add` run, against the running server's database);
//! the organiser signs in, creates a city bureau and a lab under it, creates the lab's staff
//! account and resets its password; the lab staff member signs in, must choose a new
//! password first, creates an activity and a run of sessions; a citizen books in the citizen
//! app; the lab staff member checks the visitor in by the booking code.

use crate::staff::audit;
use crate::support::{open_browser, start_server_with, Journey, TestServer};
use labday::i18n::{self as c, Lang, Msg};
use labday::staff::i18n as s;
use labday_server::config::{OrgCommand, UserCommand};

const CHIEF_PASSWORD: &str = "province-2026";
const FIRST_PASSWORD: &str = "first-sample-day";
const TEMPORARY_PASSWORD: &str = "reset-for-today";
const OWN_PASSWORD: &str = "my-own-2026-key";

/// A name in both languages, as the journey types and reads it.
struct Named {
    zh: &'static str,
    en: &'static str,
}

impl Named {
    fn get(&self, lang: Lang) -> &'static str {
        if lang == Lang::En {
            self.en
        } else {
            self.zh
        }
    }
}

const PROVINCE: Named = Named {
    zh: "江西省市场监督管理局",
    en: "Jiangxi AMR",
};
const CITY: Named = Named {
    zh: "南昌市市场监督管理局",
    en: "Nanchang AMR",
};
const LAB: Named = Named {
    zh: "南昌市食品检验所",
    en: "Nanchang Food Testing Lab",
};

/// The id an `org add` line reports: "created … (id 7)".
fn id_in(said: &str) -> i64 {
    said.rsplit_once("(id ")
        .and_then(|(_, rest)| rest.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no id in {said:?}"))
}

/// The server on an empty database (no demo data), with the province bureau and its
/// organiser made by the command line's own code.
async fn empty_server_with_a_root_organiser() -> TestServer {
    let mut config = None;
    let server = start_server_with(false, |c| config = Some(c.clone())).await;
    let config = config.expect("the server's configuration");
    let org = OrgCommand::Add {
        kind: "province-bureau".into(),
        name_zh: PROVINCE.zh.into(),
        name_en: PROVINCE.en.into(),
        city_zh: "南昌".into(),
        parent: None,
    };
    let said = labday_server::users::run_org(&config, org)
        .await
        .expect("org add");
    let user = UserCommand::Add {
        username: "chief".into(),
        role: "organiser".into(),
        organisation: Some(id_in(&said)),
        display_name: "省局 李处".into(),
    };
    labday_server::users::run(&config, user, Some(CHIEF_PASSWORD.into()))
        .await
        .expect("user add");
    // A second organiser of the province: a fellow of the chief's, managed from above.
    let deputy = UserCommand::Add {
        username: "deputy".into(),
        role: "organiser".into(),
        organisation: Some(id_in(&said)),
        display_name: "省局 副处".into(),
    };
    labday_server::users::run(&config, deputy, Some(CHIEF_PASSWORD.into()))
        .await
        .expect("user add");
    server
}

/// The journey's words in one language.
struct Words(Lang);

impl Words {
    fn of(&self, msg: Msg) -> &'static str {
        msg.get(self.0)
    }

    fn fill(&self, msg: Msg, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        msg.fill(self.0, args)
    }
}

async fn sign_in(browser: &Journey, w: &Words, username: &str, password: &str) {
    browser.fill(w.of(s::USERNAME), username).await;
    browser.fill(w.of(s::PASSWORD), password).await;
    browser.click("button", w.of(s::SIGN_IN)).await;
}

async fn sign_out(browser: &Journey, w: &Words) {
    browser.click("button", w.of(s::SIGN_OUT)).await;
    browser.wait_text(w.of(s::STAFF_SIGN_IN)).await;
}

/// Opens the form under `parent` in the tree, fills it and creates the organisation.
async fn add_organisation(browser: &Journey, w: &Words, parent: &Named, kind: &str, org: &Named) {
    let under = w.fill(s::ORG_ADD_UNDER_NAMED, &[("name", &parent.get(w.0))]);
    browser.click("button", &under).await;
    browser.select(w.of(s::ORG_KIND), kind).await;
    browser.fill(w.of(s::ORG_NAME_ZH), org.zh).await;
    browser.fill(w.of(s::ORG_NAME_EN), org.en).await;
    browser.fill(w.of(s::ORG_CITY_ZH), "南昌").await;
    browser.click("button", w.of(s::ORG_CREATE)).await;
    let created = w.fill(s::ORG_CREATED_NAMED, &[("name", &org.get(w.0))]);
    browser.wait_text(&created).await;
}

async fn from_an_empty_database_to_a_visitor_checked_in(lang: Lang) {
    let browser = or_skip!(open_browser().await);
    let server = empty_server_with_a_root_organiser().await;
    let w = Words(lang);
    let axe = crate::accessibility::axe_source();

    browser.open(&server, "/staff/").await;
    if lang == Lang::En {
        let switch = c::SWITCH_LANG_LABEL.get(Lang::Zh);
        browser.click("button", switch).await;
    }
    browser.wait_text(w.of(s::STAFF_SIGN_IN)).await;
    sign_in(&browser, &w, "chief", CHIEF_PASSWORD).await;
    browser.wait_text("省局 李处").await;

    // The organiser builds the tree: a city bureau under the province, a lab under the city.
    browser.click("link", w.of(s::NAV_ORGANISATIONS)).await;
    browser.wait_text(PROVINCE.get(lang)).await;
    let under = w.fill(s::ORG_ADD_UNDER_NAMED, &[("name", &PROVINCE.get(lang))]);
    browser.click("button", &under).await;
    browser.click("button", w.of(s::ORG_CREATE)).await;
    let beside = browser.wait_css("#org-name-zh-error:not(:empty)").await;
    assert_eq!(beside.text().await.unwrap(), w.of(s::ORG_NAME_REQUIRED));
    audit(&browser, &axe, "organisation form with a field error").await;
    browser.click("button", &under).await; // closes it; add_organisation opens it afresh
    add_organisation(&browser, &w, &PROVINCE, "city_bureau", &CITY).await;
    add_organisation(&browser, &w, &CITY, "lab", &LAB).await;
    // The tree is drawn again after the answer that says the lab was created.
    browser.wait_css(".org-tree .org-tree .org-tree > li").await;
    assert_eq!(
        browser.count(".org-tree .org-tree .org-tree > li").await,
        1,
        "the lab sits under the city, under the province"
    );
    assert!(browser.sideways_overflow().await <= 0.5, "fits the phone");
    audit(&browser, &axe, "organisation tree").await;

    // The lab's staff account, on the lab picked from the tree.
    let orgs = server.storage.organisations(None).await.unwrap();
    let lab = orgs
        .iter()
        .find(|o| o.name.zh == LAB.zh)
        .expect("the lab")
        .id;
    browser.click("link", w.of(s::NAV_ACCOUNTS)).await;
    browser.wait_text(w.of(s::ACCOUNTS_TITLE)).await;
    browser.fill(w.of(s::USERNAME), "food-lab").await;
    browser.fill(w.of(s::DISPLAY_NAME), "食品所 王工").await;
    browser
        .select(w.of(s::ORGANISATION), &lab.to_string())
        .await;
    // A password a guesser would try first (the username and a year) is refused beside
    // its field; the rest of the form stays as typed.
    browser.fill(w.of(s::NEW_PASSWORD), "Food-Lab-2026").await;
    browser.click("button", w.of(s::CREATE_ACCOUNT)).await;
    browser.wait_text(w.of(s::FIELD_PASSWORD_WEAK)).await;
    browser.fill(w.of(s::NEW_PASSWORD), FIRST_PASSWORD).await;
    browser.click("button", w.of(s::CREATE_ACCOUNT)).await;
    let created = w.fill(s::ACCOUNT_CREATED_NAMED, &[("username", &"food-lab")]);
    browser.wait_text(&created).await;
    browser.wait_text(LAB.get(lang)).await; // in the list, with its organisation

    // Reset: the holder must choose a new password at the next sign-in.
    let action = w.of(s::RESET_PASSWORD);
    let reset = w.fill(
        s::ACTION_ON_NAMED,
        &[("action", &action), ("username", &"food-lab")],
    );
    browser.click("button", &reset).await;
    browser
        .fill(w.of(s::TEMPORARY_PASSWORD), TEMPORARY_PASSWORD)
        .await;
    browser.click("button", w.of(s::RESET_YES)).await;
    let done = w.fill(s::RESET_NAMED, &[("username", &"food-lab")]);
    browser.wait_text(&done).await;
    browser.wait_text(w.of(s::ACCOUNT_MUST_CHANGE)).await;
    // The fellow organiser is listed, but the chief can neither lock them out nor reset
    // their password: the bureau above runs that account.
    browser.wait_text(w.of(s::ACCOUNT_FROM_ABOVE)).await;
    let reset_button = |username: &str| {
        let label = w.fill(
            s::ACTION_ON_NAMED,
            &[("action", &action), ("username", &username)],
        );
        format!("button[aria-label='{label}']")
    };
    assert_eq!(browser.count(&reset_button("food-lab")).await, 1);
    assert_eq!(
        browser.count(&reset_button("deputy")).await,
        0,
        "no reset offered on a fellow organiser"
    );
    assert_eq!(
        browser.count(&reset_button("chief")).await,
        0,
        "nor on one's own account: its password changes with the current one"
    );
    audit(&browser, &axe, "accounts page").await;
    sign_out(&browser, &w).await;

    // The lab staff member: only the password form until a new one is chosen.
    sign_in(&browser, &w, "food-lab", TEMPORARY_PASSWORD).await;
    browser.wait_text(w.of(s::PASSWORD_FORCED)).await;
    assert_eq!(browser.count("header a[href='/staff/summary']").await, 0);
    browser
        .fill(w.of(s::CURRENT_PASSWORD), TEMPORARY_PASSWORD)
        .await;
    browser.fill(w.of(s::CHOSEN_PASSWORD), OWN_PASSWORD).await;
    browser.click("button", w.of(s::CHANGE_PASSWORD)).await;

    // An activity and a run of sessions.
    browser.click("button", w.of(s::NEW_ACTIVITY)).await;
    browser
        .fill(w.of(s::ACTIVITY_TITLE), "食品实验室开放日")
        .await;
    browser
        .fill(w.of(s::ACTIVITY_TITLE_EN), "Food lab open day")
        .await;
    browser.click("button", w.of(s::CREATE_ACTIVITY)).await;
    browser.wait_text(w.of(s::ACTIVITY_CREATED)).await;
    // The single-session form opens next; a run of sessions is generated instead.
    browser.click("button", w.of(s::CLOSE_FORM)).await;
    browser.wait_text(w.of(s::SERIES_TITLE)).await;
    browser
        .fill(w.of(s::SERIES_SESSION_TITLE), "周间参观")
        .await;
    browser.fill(w.of(c::WHERE), "食品检验所 一楼大厅").await;
    browser.click("button", w.of(s::SERIES_PREVIEW)).await;
    // Any seven days hold five weekdays; two sessions a day by default.
    browser
        .wait_text(&w.fill(s::SERIES_WILL_CREATE_N, &[("n", &10)]))
        .await;
    browser.click("button", w.of(s::SERIES_CREATE)).await;
    browser
        .wait_text(&w.fill(s::SERIES_CREATED_N, &[("n", &10)]))
        .await;

    // A citizen books the first session in the citizen app.
    browser.open(&server, "/").await;
    browser.click_css("li.card a").await;
    let book = w.fill(c::BOOK_SESSION, &[("session", &"周间参观")]);
    browser.click("link", &book).await;
    browser.wait_text(w.of(c::BOOK_TITLE)).await;
    let url = browser.client.current_url().await.unwrap();
    let session: i64 = url
        .path()
        .trim_start_matches("/sessions/")
        .trim_end_matches("/book")
        .parse()
        .unwrap_or_else(|_| panic!("a booking address: {url}"));
    browser.fill(w.of(c::NAME), "王小明").await;
    browser.fill(w.of(c::PHONE), "13800138000").await;
    browser.tick(w.of(c::CONSENT)).await;
    browser.click("button", w.of(c::SUBMIT_BOOKING)).await;
    browser.wait_text(w.of(c::BOOKED_TITLE)).await;
    let code = browser.code_in("[data-testid=booking-code]").await;

    // The lab staff member checks the visitor in at the door, on the session's day.
    server.move_to_today(session, "food-lab").await;
    browser
        .open(&server, &format!("/staff/sessions/{session}"))
        .await;
    browser.wait_text("王小明").await;
    browser.fill(w.of(s::CHECK_IN_BY_CODE), &code).await;
    browser.click("button", w.of(s::CHECK_IN)).await;
    let arrived = w.fill(
        s::CHECKED_IN_ANNOUNCE,
        &[("name", &"王小明"), ("people", &1)],
    );
    browser.wait_text(&arrived).await;
    let roster = server.storage.roster(session).await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].checked_in, 1);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_event_from_an_empty_database_in_chinese() {
    from_an_empty_database_to_a_visitor_checked_in(Lang::Zh).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_event_from_an_empty_database_in_english() {
    from_an_empty_database_to_a_visitor_checked_in(Lang::En).await;
}
