//! Health, the OpenAPI document, activities and sessions.

use crate::helpers::{now, Db, SessionSpec, TestApp};
use chrono::Duration;
use labday_domain::SessionFormat;
use serde_json::{json, Value};

async fn health_answers_and_openapi_describes_every_endpoint(db: Db) {
    let app = TestApp::spawn(db).await;
    let (status, body) = app.get("/api/v1/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], app.backend());
    assert_eq!(
        app.backend(),
        match db {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    );

    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/health",
        "/api/v1/activities",
        "/api/v1/activities/{id}",
        "/api/v1/sessions/{id}",
        "/api/v1/bookings",
        "/api/v1/bookings/lookup",
        "/api/v1/bookings/cancel",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ApiError"].is_object());
}

async fn demo_data_is_loaded_into_an_empty_database_only(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.no_demo_data = false).await;
    let (status, list) = app.get("/api/v1/activities").await;
    assert_eq!(status, 200);
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"]["zh"].as_str().unwrap())
        .collect();
    assert!(titles.iter().any(|t| t.contains("电子信息产品检测中心")));
    assert!(titles.iter().any(|t| t.contains("云课堂")));
    assert!(titles.iter().any(|t| t.contains("有机产品认证宣传周")));
    // The fixture activity (created after start-up) is listed too once it has sessions.
    let (_, cloud) = app.get("/api/v1/activities?category=cloud_classroom").await;
    assert_eq!(cloud.as_array().unwrap().len(), 2);
    let (_, ganzhou) = app.get("/api/v1/activities?city=Ganzhou").await;
    assert_eq!(ganzhou.as_array().unwrap().len(), 1);
    // The two trainings (培训讲座) have a filter of their own.
    let (_, trainings) = app.get("/api/v1/activities?category=training").await;
    let kinds: Vec<&Value> = trainings
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["kind"])
        .collect();
    assert_eq!(
        kinds,
        [&json!("training"), &json!("training")],
        "{trainings}"
    );
    // Something is bookable in the coming two weeks.
    let first = list[0]["id"].as_i64().unwrap();
    let (_, detail) = app.get(&format!("/api/v1/activities/{first}")).await;
    assert!(detail["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["window"] == "open"));
}

async fn unknown_things_get_a_json_404(db: Db) {
    let app = TestApp::spawn(db).await;
    for path in [
        "/api/v1/activities/999",
        "/api/v1/sessions/999",
        "/api/v1/nothing-here",
        "/api/v1/activities/abc",
        "/api/v1/sessions/99999999999999999999",
        "/api/v1/sessions/%FF",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["code"], "not_found", "{path}");
        let message = body["message"].as_str().unwrap_or_default();
        // What a caller reads, not the server's parser: no Rust type names.
        assert!(
            !message.is_empty() && !message.contains("i64"),
            "{path}: {message}"
        );
    }
}

async fn public_views_never_carry_the_join_link_or_personal_data(db: Db) {
    let app = TestApp::spawn(db).await;
    let link = "https://live.example.cn/secret-room-42";
    let s = app
        .session(SessionSpec {
            format: SessionFormat::CloudClassroom,
            join_link: Some(link.into()),
            ..Default::default()
        })
        .await;
    let (status, booked) = app.book(s, "13800138000", 1, 0).await;
    assert_eq!(status, 201);
    assert_eq!(booked["join_link"], link, "the holder sees the link");

    for path in [
        "/api/v1/activities".to_owned(),
        format!("/api/v1/activities/{}", app.activity_id),
        format!("/api/v1/sessions/{s}"),
    ] {
        let (_, body) = app.get(&path).await;
        let text = body.to_string();
        assert!(!text.contains("secret-room"), "{path} leaks the join link");
        assert!(
            !text.contains("13800138000") && !text.contains("张三"),
            "{path} leaks personal data"
        );
    }
    let (_, session) = app.get(&format!("/api/v1/sessions/{s}")).await;
    assert_eq!(session["booked"], 1);
    assert_eq!(session["places_left"], 9);
}

async fn repeat_views_are_answered_not_modified_until_a_booking_changes_them(db: Db) {
    let app = TestApp::spawn(db).await;
    let s = app.session(SessionSpec::default()).await;
    let url = format!("{}/api/v1/sessions/{s}", app.url);
    let first = app.http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let etag = first.headers()["etag"].clone();
    let again = app
        .http
        .get(&url)
        .header("If-None-Match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let (status, _) = app.book(s, "13800138000", 2, 0).await;
    assert_eq!(status, 201);
    let after = app
        .http
        .get(&url)
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200, "the booking shows at once");
    let view: serde_json::Value = after.json().await.unwrap();
    assert_eq!(view["booked"], 2);
}

/// Each page that shows a session's places shows a change to them at once, though it was
/// read (and kept) a moment before: the session's own, its activity's and the list; after
/// a move, both sessions'.
async fn every_page_showing_changed_places_shows_the_change_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let s1 = app.session(SessionSpec::default()).await;
    let s2 = app.session(SessionSpec::default()).await;
    // People booked as each page shows them: session 1's and 2's pages, the activity's page
    // for each, and the places left that the list shows for the activity.
    let shown = || async {
        let booked = |v: &serde_json::Value| v["booked"].as_u64().unwrap();
        let (_, one) = app.get(&format!("/api/v1/sessions/{s1}")).await;
        let (_, two) = app.get(&format!("/api/v1/sessions/{s2}")).await;
        let (_, activity) = app
            .get(&format!("/api/v1/activities/{}", app.activity_id))
            .await;
        let on_activity = |s: i64| {
            let sessions = activity["sessions"].as_array().unwrap();
            booked(sessions.iter().find(|x| x["id"] == s).unwrap())
        };
        let (_, list) = app.get("/api/v1/activities").await;
        let listed = list.as_array().unwrap().iter();
        let left = listed
            .filter(|a| a["id"] == app.activity_id)
            .map(|a| a["places_left"].as_u64().unwrap())
            .next();
        [
            booked(&one),
            booked(&two),
            on_activity(s1),
            on_activity(s2),
            left.unwrap(),
        ]
    };
    assert_eq!(shown().await, [0, 0, 0, 0, 20]);
    let (status, booking) = app.book(s1, "13800138000", 2, 0).await;
    assert_eq!(status, 201);
    assert_eq!(shown().await, [2, 0, 2, 0, 18], "after booking session 1");
    let code = booking["code"].as_str().unwrap();
    let (status, _) = crate::reschedule::reschedule(&app, code, "13800138000", s2, false).await;
    assert_eq!(status, 200);
    assert_eq!(
        shown().await,
        [0, 2, 0, 2, 18],
        "after the move to session 2"
    );
    let (status, _) = app.cancel(code, "13800138000").await;
    assert_eq!(status, 200);
    assert_eq!(shown().await, [0, 0, 0, 0, 20], "after cancelling");
}

/// A catalogue answer is sent compressed in the coding the browser takes, each coding
/// decoding to the same JSON, with one ETag; a booking changes every coding at once.
async fn catalogue_answers_come_compressed_and_every_coding_reads_the_same(db: Db) {
    fn read_all(mut decoder: impl std::io::Read) -> String {
        let mut text = String::new();
        decoder.read_to_string(&mut text).unwrap();
        text
    }
    let app = TestApp::spawn(db).await;
    let mut sessions = Vec::new();
    for day in 1..=8 {
        sessions.push(
            app.session_with(|s| s.starts_in = Duration::days(day))
                .await,
        );
    }
    let url = format!("{}/api/v1/activities/{}", app.url, app.activity_id);
    let fetch = |coding: &'static str| {
        let request = app.http.get(&url).header("accept-encoding", coding);
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 200, "{coding}");
            let header = |name: &str| {
                r.headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            };
            let (encoding, vary, etag) =
                (header("content-encoding"), header("vary"), header("etag"));
            let length = header("content-length");
            let bytes = r.bytes().await.unwrap();
            // A length known before sending: the coding was made once, not streamed
            // through a compressor for this request.
            assert_eq!(
                length.as_deref(),
                Some(bytes.len().to_string().as_str()),
                "{coding}"
            );
            let text = match encoding.as_deref() {
                Some("br") => read_all(brotli::Decompressor::new(&bytes[..], 4096)),
                Some("gzip") => read_all(flate2::read::GzDecoder::new(&bytes[..])),
                None => String::from_utf8(bytes.to_vec()).unwrap(),
                Some(other) => panic!("unexpected coding {other}"),
            };
            assert_eq!(vary.as_deref(), Some("accept-encoding"), "{coding}");
            (encoding, bytes.len(), etag.unwrap(), text)
        }
    };
    let (none, plain_len, etag, plain) = fetch("identity").await;
    assert_eq!(none, None);
    assert!(
        plain_len > 1024,
        "big enough to compress: {plain_len} bytes"
    );
    let detail: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(detail["sessions"].as_array().unwrap().len(), 8);
    for (coding, expected) in [
        ("gzip, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
    ] {
        let (encoding, len, same_etag, text) = fetch(coding).await;
        assert_eq!(encoding.as_deref(), Some(expected), "{coding}");
        assert!(len < plain_len / 2, "{coding}: {len} of {plain_len} bytes");
        assert_eq!(text, plain, "{coding} reads the same");
        assert_eq!(same_etag, etag, "one ETag for every coding");
    }

    let (status, _) = app.book(sessions[0], "13800138000", 2, 0).await;
    assert_eq!(status, 201);
    let (_, _, new_etag, text) = fetch("br").await;
    assert_ne!(new_etag, etag, "the booking shows at once");
    let after: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = after["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == sessions[0])
        .unwrap();
    assert_eq!(first["booked"], 2);
}

/// The date filter matches the days an activity holds sessions on, not every day between
/// its first and last: a ten-day activity with sessions on its 3rd and 7th day only (day 5
/// lies inside its range and matches nothing).
async fn the_date_filter_matches_days_with_sessions(db: Db) {
    let app = TestApp::spawn(db).await;
    for (day, capacity) in [(2, 10), (6, 20)] {
        app.session_with(|s| {
            s.starts_in = Duration::days(day);
            s.capacity = capacity;
        })
        .await;
    }
    // Each matching day counts its own sessions' places.
    assert_eq!(listed_on(&app, 2).await, [(app.activity_id, 10)]);
    assert_eq!(listed_on(&app, 6).await, [(app.activity_id, 20)]);
    for empty_day in [4, 8] {
        assert!(
            listed_on(&app, empty_day).await.is_empty(),
            "day {empty_day}"
        );
    }
}

/// The list reads fewer columns than an activity's page, for speed; what it shows of an
/// activity must be what the page shows, whatever state its sessions are in.
async fn the_list_shows_each_activity_as_its_own_page_does(db: Db) {
    let app = TestApp::spawn(db).await;
    let booked = app.session(SessionSpec::default()).await;
    let (status, _) = app.book(booked, "13800138000", 2, 0).await;
    assert_eq!(status, 201);
    app.session_with(|s| {
        s.capacity = 12;
        s.reserved_places = 3;
        s.format = SessionFormat::CloudClassroom;
    })
    .await;
    // Booking opens tomorrow; booking closed yesterday; ended an hour ago; cancelled.
    app.session_with(|s| s.opens_in = Duration::days(1)).await;
    app.session_with(|s| s.closes_before_start = Duration::days(3))
        .await;
    app.session(SessionSpec::started_3h_ago(2)).await;
    let cancelled = app.session(SessionSpec::default()).await;
    app.sql(&format!(
        "UPDATE sessions SET status = 'cancelled' WHERE id = {cancelled}"
    ))
    .await;

    let (_, list) = app.get("/api/v1/activities").await;
    let listed = list.as_array().unwrap();
    let listed = listed.iter().find(|a| a["id"] == app.activity_id).unwrap();
    let (_, page) = app
        .get(&format!("/api/v1/activities/{}", app.activity_id))
        .await;
    for field in listed.as_object().unwrap().keys() {
        assert_eq!(listed[field], page[field], "{field}");
    }
    // 8 of the booked session's 10, 9 of the other's 12 (3 kept for walk-ins), and 10
    // where booking opens tomorrow; none where booking closed, none of an ended or
    // cancelled session.
    assert_eq!(listed["places_left"], 27, "{listed}");
    assert_eq!(
        listed["formats"],
        serde_json::json!(["visit", "cloud_classroom"])
    );

    // Staff corrected the activity's dates to last week; its sessions to come stay, and so
    // does its place in the list.
    let last_week = |days: i64| (now() - Duration::days(days)).date();
    app.sql(&format!(
        "UPDATE activities SET starts_on = '{}', ends_on = '{}' WHERE id = {}",
        last_week(8),
        last_week(7),
        app.activity_id
    ))
    .await;
    // (Read for the sessions' day: the whole list read above is kept for a second.)
    assert_eq!(listed_on(&app, 2).await, [(app.activity_id, 27)]);
}

/// The activities listed for the day `days` from now, with their places left.
async fn listed_on(app: &TestApp, days: i64) -> Vec<(i64, u64)> {
    let date = (now() + Duration::days(days)).date();
    let (status, list) = app.get(&format!("/api/v1/activities?date={date}")).await;
    assert_eq!(status, 200, "{date}: {list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["places_left"].as_u64().unwrap(),
            )
        })
        .collect()
}

crate::on_both_databases!(
    the_date_filter_matches_days_with_sessions,
    health_answers_and_openapi_describes_every_endpoint,
    demo_data_is_loaded_into_an_empty_database_only,
    unknown_things_get_a_json_404,
    public_views_never_carry_the_join_link_or_personal_data,
    repeat_views_are_answered_not_modified_until_a_booking_changes_them,
    every_page_showing_changed_places_shows_the_change_at_once,
    the_list_shows_each_activity_as_its_own_page_does,
    catalogue_answers_come_compressed_and_every_coding_reads_the_same,
);
