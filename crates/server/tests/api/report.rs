//! The Quality Month report: figures rolled up county → city → province within the
//! organiser's reach (403 outside it), the units without an open day, the deadlines, the
//! CSV roll-up and the Word document (opened as the zip it is); media items and photos
//! corrected and deleted within reach, audited.

use crate::helpers::{now, Db, TestApp};
use crate::organisations::{audit_lines, audited, cookie_of, create, field, ids, parse, tree};
use crate::photos::{black_png, upload, UNDRAWABLE_PNG};
use crate::staff::{expect_call, get_as};
use chrono::Datelike;
use serde_json::{json, Value};
use std::io::Read;

fn report_path(query: &str) -> String {
    format!("/api/v1/staff/report{query}")
}

/// A real photo-sized image: a 480 × 320 PNG, sky over a field.
pub(crate) fn real_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(480, 320, |x, y| {
        let shade = (y * 255 / 320) as u8;
        if y < 200 {
            image::Rgb([120 + shade / 3, 170 + shade / 4, 230])
        } else {
            image::Rgb([60, 140 - (x % 40) as u8, 60])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

fn media_body(activity: i64, outlet: &str) -> Value {
    json!({"activity_id": activity, "link": "https://news.example/open-day", "outlet": outlet,
        "headline": "实验室开放日", "published_on": now().date()})
}

/// Records a media item as `cookie`; its id.
async fn add_media(app: &TestApp, cookie: &str, activity: i64, outlet: &str) -> i64 {
    let body = Some(media_body(activity, outlet));
    let path = "/api/v1/staff/media";
    let text = expect_call(app, "POST", path, Some(cookie), body, 201).await;
    parse(&text)["id"].as_i64().unwrap()
}

/// Uploads a photo as `cookie`; its id.
async fn add_photo(
    app: &TestApp,
    cookie: &str,
    activity: i64,
    caption: &str,
    bytes: Vec<u8>,
) -> i64 {
    let (status, photo) = upload(app, Some(cookie), activity, caption, bytes).await;
    assert_eq!(status, 201, "{photo}");
    photo["id"].as_i64().unwrap()
}

fn unit(report: &Value, id: i64) -> &Value {
    let units = report["units"].as_array().unwrap();
    units
        .iter()
        .find(|u| u["organisation_id"] == id)
        .unwrap_or_else(|| panic!("unit {id} in {report}"))
}

async fn the_report_rolls_up_within_the_organisers_reach(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let county00 = t.counties[0][0];
    let idle = create(app, &t.root, county00, "lab", "新建实验室").await;
    add_media(app, &t.root, t.activities[0][1], "江西日报").await;

    // A county organiser: its county, its lab and the new one, nothing else.
    let county = Some(t.county.as_str());
    let r = parse(&expect_call(app, "GET", &report_path(""), county, None, 200).await);
    let mut units = ids(&r["units"], "organisation_id");
    units.sort_unstable();
    assert_eq!(units, vec![county00, t.labs[0][0], idle]);
    assert_eq!(
        (
            r["overall"]["open_days"].clone(),
            r["overall"]["sessions"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(
        unit(&r, county00)["total"]["places_offered"],
        unit(&r, t.labs[0][0])["own"]["places_offered"]
    );
    assert_eq!(ids(&r["without_open_day"], "organisation_id"), vec![idle]);
    let year = now().date().year();
    assert_eq!(r["year"], year);
    assert_eq!(r["period_from"], format!("{year}-09-01"));
    let deadlines = r["deadlines"].as_array().unwrap();
    assert_eq!(deadlines.len(), 1, "{r}");
    assert_eq!(deadlines[0]["filing"], "county_to_city");
    assert_eq!(deadlines[0]["due_on"], format!("{year}-09-30"));
    assert_eq!(
        deadlines[0]["missing"][0]["gaps"],
        json!(["no_figures", "no_photos", "no_media"])
    );
    let sibling = report_path(&format!("?organisation_id={}", t.counties[0][1]));
    expect_call(app, "GET", &sibling, county, None, 403).await;
    let text = expect_call(app, "GET", &report_path("?year=1999"), county, None, 422).await;
    assert_eq!(field(&text, "year"), "invalid");

    // The city: both its counties rolled up into its total, and the other city refused.
    let city = cookie_of(app, "city-0").await;
    let r = parse(&expect_call(app, "GET", &report_path(""), Some(&city), None, 200).await);
    let total = &unit(&r, t.cities[0])["total"];
    assert_eq!(
        (total["open_days"].clone(), total["sessions"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(total["media_items"], 1);
    assert_eq!(unit(&r, t.counties[0][1])["total"]["media_items"], 1);
    assert_eq!(unit(&r, county00)["total"]["media_items"], 0);
    let filings: Vec<&Value> = r["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["filing"])
        .collect();
    assert_eq!(filings, vec!["county_to_city", "city_to_province"]);
    assert!(r["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["organisation_id"] != t.cities[1]));
    let other = report_path(&format!("?organisation_id={}", t.cities[1]));
    expect_call(app, "GET", &other, Some(&city), None, 403).await;

    // The province adds up all four labs.
    let r = parse(&expect_call(app, "GET", &report_path(""), Some(&t.root), None, 200).await);
    assert_eq!(unit(&r, t.province)["total"]["open_days"], 4);
    assert_eq!(unit(&r, t.province)["depth"], 0);
    assert_eq!(unit(&r, t.labs[1][1])["depth"], 3);
    // The year before's and the year after's count none of this year's activities, nor
    // their media items; the CSV's roll-up says which year it is.
    for other in [year - 1, year + 1] {
        let path = report_path(&format!("?year={other}"));
        let r = parse(&expect_call(app, "GET", &path, Some(&t.root), None, 200).await);
        let overall = &r["overall"];
        assert_eq!(
            (&overall["open_days"], &overall["sessions"]),
            (&json!(0), &json!(0)),
            "{other}: {r}"
        );
        assert_eq!(unit(&r, t.cities[0])["total"]["media_items"], 0, "{r}");
        let path = format!("/api/v1/staff/summary.csv?year={other}");
        let csv = expect_call(app, "GET", &path, Some(&t.root), None, 200).await;
        let heading = format!("{other} 年逐级汇总 rolled up,编号 id");
        let city = format!("city_bureau,{},市0,0,0,", t.cities[0]);
        assert!(csv.contains(&heading) && csv.contains(&city), "{csv}");
    }

    // The CSV carries the roll-up after the summary.
    let csv = expect_call(
        app,
        "GET",
        "/api/v1/staff/summary.csv",
        Some(&city),
        None,
        200,
    )
    .await;
    assert!(
        csv.contains("逐级汇总 rolled up,编号 id,名称 name,开放日 Open days"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("city_bureau,{},市0,2,2,", t.cities[0])),
        "{csv}"
    );
    // The judgements in three columns of numbers: one cell "20/2/1" is a date to a
    // spreadsheet.
    assert!(
        csv.contains("快检样品 Samples,阴性 Negative,可疑 Suspicious,阳性 Positive,媒体报道 Media"),
        "{csv}"
    );
    let rolled_up = csv
        .lines()
        .skip_while(|l| !l.contains("逐级汇总 rolled up"));
    for line in rolled_up.skip(1) {
        let cells: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(cells.len(), 16, "{line}");
        assert!(
            cells[3..].iter().all(|c| c.parse::<u32>().is_ok()),
            "every figure a number: {line}"
        );
    }
    let lines = audit_lines(&t).await;
    assert!(
        audited(&lines, "export_summary", "summary.csv 20"),
        "{lines:?}"
    );
}

/// The names of the files in a zip, and one file's text.
fn unzip(bytes: &[u8], wanted: &str) -> (Vec<String>, String) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a .docx is a zip");
    let names = zip.file_names().map(str::to_owned).collect();
    let mut text = String::new();
    zip.by_name(wanted)
        .expect(wanted)
        .read_to_string(&mut text)
        .unwrap();
    (names, text)
}

async fn the_report_is_a_word_document_with_tables_and_captioned_photos(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let (ours, theirs) = (t.activities[0][0], t.activities[1][0]);
    add_photo(app, &t.root, ours, "市民参观检测大厅", real_png()).await;
    // A stored image that does not decode is listed by its caption, not a failure.
    add_photo(
        app,
        &t.root,
        ours,
        "无法解码的照片",
        UNDRAWABLE_PNG.to_vec(),
    )
    .await;
    add_photo(app, &t.root, theirs, "别市的照片", real_png()).await;
    add_media(app, &t.root, ours, "江西日报").await;

    let city = cookie_of(app, "city-0").await;
    let r = app
        .get_response("/api/v1/staff/report.docx", Some(&city))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".docx"));
    let bytes = r.bytes().await.unwrap();
    // `LABDAY_REPORT_DOCX_OUT=path` keeps the document to look at (docs/report-first-page.png).
    if let Ok(out) = std::env::var("LABDAY_REPORT_DOCX_OUT") {
        std::fs::write(out, &bytes).unwrap();
    }
    let (names, xml) = unzip(&bytes, "word/document.xml");
    for text in [
        "逐级汇总",
        "各单位情况",
        "尚未举办开放日",
        "报送时限",
        "市0",
        "县01",
        "实验室00",
        "江西日报",
        "市民参观检测大厅",
        "无法解码的照片",
    ] {
        assert!(xml.contains(text), "{text} in the document");
    }
    assert!(
        !xml.contains("实验室10") && !xml.contains("别市的照片"),
        "another city's"
    );
    assert_eq!(
        xml.matches("<w:tbl>").count(),
        3,
        "rolled up, per unit, media"
    );
    let images: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("word/media/") && !n.ends_with('/'))
        .collect();
    assert_eq!(images.len(), 1, "one decodable photo of ours: {names:?}");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
    let mut png = Vec::new();
    zip.by_name(images[0])
        .unwrap()
        .read_to_end(&mut png)
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "embedded as PNG");

    let other = format!("/api/v1/staff/report.docx?organisation_id={}", t.cities[1]);
    expect_call(app, "GET", &other, Some(&city), None, 403).await;
    // The export is in the audit log (the refused one is not).
    let lines = audit_lines(&t).await;
    let exports: Vec<_> = lines.iter().filter(|(a, _)| a == "export_report").collect();
    assert_eq!(exports.len(), 1, "{lines:?}");
    assert!(exports[0].1.starts_with("report.docx 20"), "{lines:?}");
}

/// Whether XML 1.0 allows `c` in a document.
fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `bytes` as a literal of the test's database.
fn bytes_literal(app: &TestApp, bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    match app.backend() {
        "postgres" => format!("'\\x{hex}'::bytea"),
        _ => format!("X'{hex}'"),
    }
}

/// Texts with control characters and a photo of 11000 × 11000 pixels, as an earlier version
/// kept them (they are refused now): the Word document is still well-formed XML, without
/// those characters, and lists the photo by its caption without decoding it.
async fn the_report_survives_controls_and_huge_photos_kept_by_earlier_versions(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let ours = t.activities[0][0];

    // Refused now, by field. (A vertical tab is Word's soft line break, copied.)
    let mut body = media_body(ours, "赣南日报");
    body["headline"] = json!("第一行\u{b}第二行");
    let path = "/api/v1/staff/media";
    let text = expect_call(app, "POST", path, Some(&t.root), Some(body), 422).await;
    assert_eq!(field(&text, "headline"), "text_invalid", "{text}");
    let text = expect_call(
        app,
        "POST",
        path,
        Some(&t.root),
        Some(media_body(ours, "日报\u{7}")),
        422,
    )
    .await;
    assert_eq!(field(&text, "outlet"), "text_invalid", "{text}");
    let (status, e) = upload(
        app,
        Some(&t.root),
        ours,
        "巨幅照片",
        black_png(11_000, 11_000),
    )
    .await;
    assert_eq!(
        (status, &e["fields"]["photo"]),
        (422, &json!("photo_too_large"))
    );

    // As an earlier version kept them.
    let media = add_media(app, &t.root, ours, "赣南日报").await;
    app.sql(&format!(
        "UPDATE media_items SET outlet = '日报\u{7}', headline = '第一行\u{b}第二行\u{1}' \
         WHERE id = {media}"
    ))
    .await;
    let photo = add_photo(app, &t.root, ours, "市民参观检测大厅", real_png()).await;
    app.sql(&format!(
        "UPDATE photos SET caption = '市民\u{c}参观' WHERE id = {photo}"
    ))
    .await;
    let huge = add_photo(app, &t.root, ours, "巨幅照片", real_png()).await;
    let bomb = black_png(11_000, 11_000);
    app.sql(&format!(
        "UPDATE photos SET image = {}, size_bytes = {} WHERE id = {huge}",
        bytes_literal(app, &bomb),
        bomb.len()
    ))
    .await;
    let r = app
        .get_response(&format!("/api/v1/staff/photos/{huge}"), Some(&t.root))
        .await;
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &bomb[..],
        "kept as an earlier version did"
    );

    let city = cookie_of(app, "city-0").await;
    let r = app
        .get_response("/api/v1/staff/report.docx", Some(&city))
        .await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let (names, xml) = unzip(&bytes, "word/document.xml");
    let forbidden: Vec<char> = xml.chars().filter(|&c| !xml_allows(c)).collect();
    assert_eq!(forbidden, Vec::<char>::new(), "well-formed XML");
    for text in ["日报", "第一行第二行", "市民参观", "巨幅照片"] {
        assert!(xml.contains(text), "{text} in the document");
    }
    let images = names
        .iter()
        .filter(|n| n.starts_with("word/media/") && !n.ends_with('/'))
        .count();
    assert_eq!(
        images, 1,
        "the huge photo is listed, not decoded: {names:?}"
    );
}

async fn media_and_photos_are_corrected_and_deleted_within_reach(db: Db) {
    let t = tree(db).await;
    let app = &t.app;
    let county = Some(t.county.as_str());
    let (ours, theirs) = (t.activities[0][0], t.activities[0][1]);
    let media = add_media(app, &t.root, ours, "江西日报").await;
    let their_media = add_media(app, &t.root, theirs, "南昌晚报").await;
    let photo = add_photo(app, &t.root, ours, "合影", real_png()).await;
    let their_photo = add_photo(app, &t.root, theirs, "别县合影", real_png()).await;

    // Corrected within reach.
    let path = format!("/api/v1/staff/media/{media}");
    let text = expect_call(
        app,
        "PUT",
        &path,
        county,
        Some(media_body(ours, " 中国质量报 ")),
        200,
    )
    .await;
    assert_eq!(parse(&text)["outlet"], "中国质量报");
    let listed = get_as(app, "/api/v1/staff/media", county).await;
    assert_eq!(listed[0]["outlet"], "中国质量报");
    let mut bad = media_body(ours, "");
    bad["link"] = json!("not a link");
    let text = expect_call(app, "PUT", &path, county, Some(bad), 422).await;
    assert_eq!(field(&text, "outlet"), "outlet_required");
    let photo_path = format!("/api/v1/staff/photos/{photo}");
    let caption = |caption: &str, status| {
        let body = json!({ "caption": caption });
        expect_call(app, "PUT", &photo_path, county, Some(body), status)
    };
    let text = caption(" 开放日合影 ", 200).await;
    assert_eq!(parse(&text)["caption"], "开放日合影");
    let text = caption(" ", 422).await;
    assert_eq!(field(&text, "caption"), "caption_required");

    // Outside reach (theirs, or ours moved to theirs): 403 for every write, nothing changes.
    let theirs_paths = [
        format!("/api/v1/staff/media/{their_media}"),
        format!("/api/v1/staff/photos/{their_photo}"),
    ];
    for path in theirs_paths.iter().chain([&path]) {
        let moved = Some(media_body(theirs, "x"));
        expect_call(app, "PUT", path, county, moved, 403).await;
    }
    for path in &theirs_paths {
        expect_call(app, "DELETE", path, county, None, 403).await;
    }

    // Deleted within reach: gone from the lists, then 404.
    for (path, list) in [
        (&path, "/api/v1/staff/media"),
        (&photo_path, "/api/v1/staff/photos"),
    ] {
        expect_call(app, "DELETE", path, county, None, 204).await;
        expect_call(app, "DELETE", path, county, None, 404).await;
        assert_eq!(get_as(app, list, county).await, json!([]), "{list}");
        let all = get_as(app, list, Some(&t.root)).await;
        assert_eq!(all.as_array().unwrap().len(), 1, "theirs kept: {all}");
    }
    expect_call(app, "GET", &photo_path, county, None, 404).await;

    let lines = audit_lines(&t).await;
    for (action, subject) in [
        ("update_media", format!("media {media}")),
        ("delete_media", format!("media {media}")),
        ("update_photo", format!("photo {photo}")),
        ("delete_photo", format!("photo {photo}")),
    ] {
        assert!(
            audited(&lines, action, &subject),
            "{action} {subject}: {lines:?}"
        );
    }
    assert!(!audited(
        &lines,
        "delete_media",
        &format!("media {their_media}")
    ));
}

crate::on_both_databases!(
    the_report_rolls_up_within_the_organisers_reach,
    the_report_is_a_word_document_with_tables_and_captioned_photos,
    media_and_photos_are_corrected_and_deleted_within_reach,
    the_report_survives_controls_and_huge_photos_kept_by_earlier_versions,
);
