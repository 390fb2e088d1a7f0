//! What a pasted link shows: an activity's and a session's page carry their own `<title>`
//! and Open Graph card, escaped whatever the title holds; paths that are no page say so.

use crate::helpers::{add_fixture_session, Db, SessionSpec, TestApp};
use chrono::Duration;
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::SessionFormat;
use labday_server::storage::{NewActivity, NewOrganisation};

const HEAD: &str = include_str!("../../../../public/head.html");
const BOOT: &str = "import init from '/labday-0123456789abcdef.js';await init();";

/// A dist shaped like Trunk's: each citizen bundle's page with the shared head.
fn dist() -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    for dir in ["", "bundles/book", "bundles/mine", "bundles/samples"] {
        let dir = dist.path().join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let page = format!(
            "<!doctype html><html lang=\"zh-CN\"><head>{HEAD}<script type=\"module\">{BOOT}</script></head><body></body></html>"
        );
        std::fs::write(dir.join("index.html"), page).unwrap();
    }
    dist
}

/// The text between `<title>` and `</title>` (asserting there is exactly one title).
fn title(html: &str) -> &str {
    assert_eq!(html.matches("<title").count(), 1, "one title: {html}");
    let start = html.find("<title>").expect("a title") + "<title>".len();
    let end = html.find("</title>").expect("its end");
    &html[start..end]
}

/// The `content` of the one meta element with `key` (`property="og:title"`), unescaped.
fn meta(html: &str, key: &str) -> String {
    assert_eq!(html.matches(key).count(), 1, "one {key}: {html}");
    let at = html.find(key).expect("the meta element");
    let tag_start = html[..at].rfind('<').expect("tag start");
    let tag_end = at + html[at..].find('>').expect("tag end");
    let tag = &html[tag_start..tag_end];
    let value = tag
        .split_once("content=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v)
        .unwrap_or_else(|| panic!("no quoted content in {tag}"));
    assert!(!value.contains(['<', '>']), "escaped: {value}");
    unescape(value)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.get_response(path, None).await;
    let status = r.status().as_u16();
    if status == 200 {
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        let policy = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("'sha256-"),
            "{path} keeps the page's policy: {policy}"
        );
    }
    (status, r.text().await.unwrap())
}

async fn activity_and_session_links_carry_their_own_escaped_card(db: Db) {
    let dist = dist();
    let app = TestApp::spawn_with(db, |c| c.dist = dist.path().to_path_buf()).await;
    let hostile_zh = "</title><script>alert(\"zh\")</script> \"引号\" & 'single' <!--";
    let hostile_en = "<img src=x onerror=alert(1)> \"Quoted\" &amp; open day";
    let org = app
        .storage
        .add_organisation(NewOrganisation {
            name: Localised::new("<b>食品</b>检验所", "Food <i>lab</i>"),
            city: Localised::new("南昌", "Nanchang"),
            address: Localised::new("测试路 1 号", "1 Test Road"),
            contact: "0791-0000".into(),
            utc_offset_minutes: 480,
        })
        .await
        .unwrap();
    let today = crate::helpers::now().date();
    let activity = app
        .storage
        .add_activity(NewActivity {
            organisation_id: org,
            kind: ActivityKind::LabOpenDay,
            title: Localised::new(hostile_zh, hostile_en),
            description: Localised::new("参观\n<script>x()</script>实验室。", ""),
            safety_notes: Localised::default(),
            starts_on: today,
            ends_on: today + Duration::days(2),
        })
        .await
        .unwrap();
    let session = add_fixture_session(app.storage.as_ref(), activity, SessionSpec::default()).await;

    let (status, html) = page(&app, &format!("/activities/{activity}")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<script>x()"), "{html}");
    assert!(!html.contains("<b>食品"), "{html}");
    assert_eq!(unescape(title(&html)), format!("{hostile_zh} · labday"));
    assert_eq!(meta(&html, "property=\"og:title\""), hostile_zh);
    let description = meta(&html, "name=\"description\"");
    assert_eq!(meta(&html, "property=\"og:description\""), description);
    assert!(
        description.starts_with("<b>食品</b>检验所 · 南昌 · "),
        "{description}"
    );
    assert!(
        description.ends_with("参观 <script>x()</script>实验室。"),
        "one line: {description}"
    );
    // The app still boots: the page's own script is there, once.
    assert_eq!(html.matches(BOOT).count(), 1);
    assert!(html.contains("rel=\"manifest\""));

    let (_, english) = page(&app, &format!("/activities/{activity}?lang=en")).await;
    assert_eq!(meta(&english, "property=\"og:title\""), hostile_en);
    assert_eq!(meta(&english, "property=\"og:locale\""), "en_US");
    assert!(!english.contains("<img"), "{english}");
    // No English description: the Chinese one stands in.
    assert!(meta(&english, "name=\"description\"").starts_with("Food <i>lab</i> · Nanchang · "));

    let (status, book) = page(&app, &format!("/sessions/{session}/book")).await;
    assert_eq!(status, 200);
    assert_eq!(
        unescape(title(&book)),
        format!("预约：测试场次 · {hostile_zh} · labday")
    );
    assert!(meta(&book, "name=\"description\"").ends_with(" · 一楼"));
    // A quick-test desk at a market: its card sends people to the market, not the lab.
    let quick_test = SessionSpec {
        format: SessionFormat::QuickTest,
        address: Localised::new("青山湖农贸市场东门", ""),
        ..SessionSpec::default()
    };
    let point = add_fixture_session(app.storage.as_ref(), activity, quick_test).await;
    let (_, samples) = page(&app, &format!("/sessions/{point}/samples?lang=en")).await;
    assert_eq!(
        meta(&samples, "property=\"og:title\""),
        format!("Register samples: Test session · {hostile_en}")
    );
    let card = meta(&samples, "property=\"og:description\"");
    assert!(
        card.ends_with(" · Ground floor · 青山湖农贸市场东门"),
        "{card}"
    );
    let (_, booking) = page(&app, &format!("/sessions/{point}/book")).await;
    let card = meta(&booking, "property=\"og:description\"");
    assert!(card.ends_with(" · 一楼 · 青山湖农贸市场东门"), "{card}");

    // A page the server has no card for keeps the app's own title: no such activity or
    // session, or a sample page of a session that takes no samples.
    let visit_samples = format!("/sessions/{session}/samples");
    for path in [
        "/activities/999999",
        "/sessions/999999/book",
        "/",
        "/my",
        &visit_samples,
    ] {
        let (status, html) = page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(title(&html), "实验室开放日预约 · labday", "{path}");
        assert_eq!(meta(&html, "property=\"og:title\""), "实验室开放日预约");
    }

    // Asked again with its ETag: not modified.
    let first = app
        .get_response(&format!("/activities/{activity}"), None)
        .await;
    let etag = first.headers()["etag"].clone();
    let again = app
        .get_conditional(&format!("/activities/{activity}"), "if-none-match", etag)
        .await;
    assert_eq!(again.status(), 304);
}

async fn paths_that_are_no_page_are_not_found(db: Db) {
    let dist = dist();
    let app = TestApp::spawn_with(db, |c| c.dist = dist.path().to_path_buf()).await;
    for stray in [
        "/favicon.ico",
        "/apple-touch-icon.png",
        "/sitemap.xml",
        "/activities/3/cover.jpg",
        "/wp-login.php",
    ] {
        let r = app.get_response(stray, None).await;
        assert_eq!(r.status(), 404, "{stray}");
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(!kind.starts_with("text/html"), "{stray} is no page: {kind}");
    }
    // Not a page either, but a reader may have typed it: the app says "not found" in a 404.
    for nowhere in ["/nowhere", "/sessions/3", "/my/extra"] {
        let r = app.get_response(nowhere, None).await;
        assert_eq!(r.status(), 404, "{nowhere}");
        assert!(
            r.text().await.unwrap().contains(BOOT),
            "{nowhere} boots the app"
        );
    }
    // A file that exists is served.
    let r = app.get_response("/index.html", None).await;
    assert_eq!(r.status(), 200);
}

crate::on_both_databases!(
    activity_and_session_links_carry_their_own_escaped_card,
    paths_that_are_no_page_are_not_found,
);
