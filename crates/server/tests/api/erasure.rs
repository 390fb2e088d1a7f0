//! Erasure that erases, over HTTP on both databases: after the retention run no table and no
//! column holds a citizen's name or phone (nor, on SQLite, the file's bytes), idempotency
//! records never held them, and no-shows recorded before erasure still pause the number.

use crate::helpers::{now, Db, SessionSpec, StoredBooking, TestApp, TestDb};
use chrono::{Duration, NaiveDateTime, Utc};
use labday_domain::SessionFormat;
use labday_server::config::Config;
use serde_json::{json, Value};

/// Distinctive enough that a hit is this citizen and nothing else.
const NAME: &str = "欧阳擦除测试";
const PHONE: &str = "13912345678";

fn booking(session: i64) -> Value {
    json!({"session_id": session, "name": NAME, "phone": PHONE, "adults": 1, "children": 0, "consent": true})
}

fn registration(session: i64) -> Value {
    json!({"session_id": session, "name": NAME, "phone": PHONE, "consent": true, "samples": [
        {"variety": "spinach", "variety_other": "", "bought_at": "青山湖农贸市场 12号摊", "bought_on": now().date()}
    ]})
}

/// Every `table.column` of the database whose text contains one of `needles`, tables and
/// columns read from the database's own catalogue so a new one cannot be missed.
pub(crate) async fn cells_containing(db: &TestDb, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    crate::on_connection!(db, |conn, postgres| {
        let (catalogue, placeholder) = if postgres {
            (
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) \
                 FROM information_schema.columns WHERE table_schema = current_schema()",
                "$1",
            )
        } else {
            (
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table'",
                "?",
            )
        };
        let columns: Vec<(String, String)> = sqlx::query_as(catalogue)
            .fetch_all(&mut conn)
            .await
            .expect("catalogue");
        assert!(columns.len() > 50, "the catalogue lists the schema");
        for (table, column) in columns {
            for needle in needles {
                let n: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE {placeholder}"
                ))
                .bind(format!("%{needle}%"))
                .fetch_one(&mut conn)
                .await
                .expect("scan");
                if n > 0 {
                    hits.push(format!("{table}.{column} holds {needle}"));
                }
            }
        }
    });
    hits
}

/// Whether the SQLite file or its WAL holds `needle`'s bytes anywhere, live or freed.
pub(crate) fn sqlite_files_hold(db: &TestDb, needle: impl AsRef<[u8]>) -> bool {
    let TestDb::Sqlite { path, .. } = db else {
        return false;
    };
    let needle = needle.as_ref();
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    [path.clone(), wal.into()].iter().any(|file| {
        std::fs::read(file)
            .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            .unwrap_or(false)
    })
}

/// Runs a statement as the server would: on SQLite with `secure_delete` on, as every
/// connection of the server has it (the setting belongs to the connection, not the file,
/// so a plain connection's updates would leave freed copies the server never made).
async fn sql(app: &TestApp, statement: &str) {
    match &app.db {
        sqlite @ TestDb::Sqlite { .. } => crate::on_connection!(sqlite, |conn| {
            sqlx::query("PRAGMA secure_delete = ON")
                .execute(&mut conn)
                .await
                .expect("pragma");
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect("sql");
        }),
        TestDb::Postgres { .. } => app.sql(statement).await,
    }
}

/// Moves sessions 40 days into the past (beyond the 30 days of retention), their bookings'
/// days with them.
pub(crate) async fn move_into_the_past(app: &TestApp, sessions: &[i64]) {
    let start = now() - Duration::days(40);
    let at = |d: Duration| (start + d).format("%F %T").to_string();
    let ids = sessions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    sql(
        app,
        &format!(
            "UPDATE sessions SET starts_at = '{}', ends_at = '{}', booking_opens_at = '{}', \
         booking_closes_at = '{}', cancel_deadline = '{}' WHERE id IN ({ids})",
            at(Duration::zero()),
            at(Duration::hours(1)),
            at(Duration::days(-3)),
            at(Duration::hours(-1)),
            at(Duration::hours(-2)),
        ),
    )
    .await;
    sql(
        app,
        &format!(
            "UPDATE bookings SET session_day = '{}' WHERE session_id IN ({ids})",
            start.date()
        ),
    )
    .await;
}

async fn after_retention_no_table_or_column_holds_the_name_or_phone_and_no_shows_still_count(
    db: Db,
) {
    let app = TestApp::spawn(db).await;
    let visits = [
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
    ];
    let quick_test = app
        .session_with(|spec| spec.format = SessionFormat::QuickTest)
        .await;
    // As the app books: every request with an Idempotency-Key, and a retry answers the same.
    let mut codes = Vec::new();
    for (i, &session) in visits.iter().enumerate() {
        let key = format!("0b6f0e0c-booking-{i}");
        let (status, first) = app
            .post_with_key("/api/v1/bookings", &key, &booking(session))
            .await;
        assert_eq!(status, 201, "{first}");
        let (status, retry) = app
            .post_with_key("/api/v1/bookings", &key, &booking(session))
            .await;
        assert_eq!(
            (status, &retry["code"]),
            (201, &first["code"]),
            "a retry is the same booking"
        );
        codes.push(first["code"].as_str().unwrap().to_owned());
    }
    let other = json!({"session_id": visits[0], "name": NAME, "phone": PHONE, "adults": 2, "children": 0, "consent": true});
    let (status, other) = app
        .post_with_key("/api/v1/bookings", "0b6f0e0c-booking-0", &other)
        .await;
    assert_eq!(
        (status, other["code"].as_str()),
        (409, Some("idempotency_mismatch"))
    );
    let (path, key, body) = (
        "/api/v1/samples",
        "0b6f0e0c-samples",
        registration(quick_test),
    );
    let (status, samples) = app.post_with_key(path, key, &body).await;
    assert_eq!(status, 201, "{samples}");
    let (status, again) = app.post_with_key(path, key, &body).await;
    assert_eq!((status, &again[0]["code"]), (201, &samples[0]["code"]));

    // Before erasure the holder's own columns hold them, and the messages to the holder:
    // the idempotency records are keyed hashes, not the request.
    let mut before = cells_containing(&app.db, &[PHONE, NAME]).await;
    before.sort();
    assert_eq!(
        before,
        [
            format!("bookings.name holds {NAME}"),
            format!("bookings.phone holds {PHONE}"),
            // The confirmations' messages, until they are erased with the bookings.
            format!("outbox.phone holds {PHONE}"),
            format!("samples.name holds {NAME}"),
            format!("samples.phone holds {PHONE}"),
        ],
        "only the fields the citizen gave, where the form said"
    );
    if db == Db::Sqlite {
        assert!(
            sqlite_files_hold(&app.db, PHONE),
            "the scan of bytes can see a phone"
        );
    }

    // The three visits were missed; then they and the test point are past retention.
    let visit_ids = visits.map(|s| s.to_string()).join(", ");
    sql(
        &app,
        &format!("UPDATE bookings SET status = 'no_show' WHERE session_id IN ({visit_ids})"),
    )
    .await;
    move_into_the_past(&app, &[visits[0], visits[1], visits[2], quick_test]).await;
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;

    let after = cells_containing(&app.db, &[PHONE, NAME]).await;
    assert!(
        after.is_empty(),
        "personal data left after retention: {after:?}"
    );
    for needle in [PHONE, NAME] {
        assert!(
            !sqlite_files_hold(&app.db, needle),
            "the SQLite file or WAL still holds {needle}'s bytes"
        );
    }
    let (status, _) = app.lookup(&codes[0], PHONE).await;
    assert_eq!(status, 404, "nothing personal left to match");

    // Three no-shows within 180 days: the number is still paused, a month after erasure.
    let next = app.session(SessionSpec::default()).await;
    let refused = app
        .post_with_key("/api/v1/bookings", "0b6f0e0c-later", &booking(next))
        .await;
    app.assert_paused_alone(refused, next, "13912345679").await;
}

/// Rows written before phones were hashed get their hash when the server starts, so their
/// no-shows count.
async fn phones_stored_before_hashing_are_hashed_at_start(db: Db) {
    let test_db = TestDb::create(db).await;
    let session = test_db.add_session(SessionSpec::default()).await;
    // As an earlier version wrote them: a phone, no hash.
    let day = (now() - Duration::days(10)).date();
    for i in 0..3 {
        let code = format!("OLDNS{i}AB");
        let row = StoredBooking::no_show(session, &code, PHONE, day);
        test_db.insert_booking(row).await;
    }
    let (running, _handle) = labday_server::startup::start(&test_db.config())
        .await
        .expect("server starts");
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/v1/bookings", running.addr))
        .json(&booking(session))
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    assert_eq!(status, 403, "the earlier no-shows count");
}

/// One secret per database: a restart, or another instance on the same PostgreSQL, hashes a
/// phone the same way (or no-shows would be forgotten, and retries misread).
async fn every_start_and_every_instance_share_one_secret(db: Db) {
    let test_db = TestDb::create(db).await;
    let first = test_db.open_storage().await.keyed_hash().phone(PHONE);
    let again = test_db.open_storage().await;
    assert_eq!(
        again.keyed_hash().phone(PHONE),
        first,
        "a restart keeps the secret"
    );
    if db == Db::Postgres {
        let fresh = TestDb::create(db).await;
        let (a, b, c) = tokio::join!(
            fresh.open_storage(),
            fresh.open_storage(),
            fresh.open_storage(),
        );
        let hashes: Vec<String> = [a, b, c]
            .into_iter()
            .map(|s| s.keyed_hash().phone(PHONE))
            .collect();
        assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");
        assert_ne!(hashes[0], first, "each database has its own secret");
    }
}

/// A phone photo's Exif (here a GPS latitude) is gone from what the server keeps and serves.
async fn an_uploaded_photo_keeps_no_position(db: Db) {
    let s = crate::staff::site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = crate::staff::sign_in(app, "lab-a", crate::staff::PASSWORD).await;
    // Exif with a GPS IFD: GPSLatitudeRef "N" and the marker text a scan can find.
    let mut tiff = b"II*\0\x08\0\0\0\x01\0\x25\x88\x04\0\x01\0\0\0\x1a\0\0\0\0\0\0\0".to_vec();
    tiff.extend(b"\x01\0\x01\0\x02\0\x02\0\0\0N\0\0\0\0\0\0\0GPS-28.68N-115.86E");
    let exif = [b"Exif\0\0".as_slice(), &tiff].concat();
    let mut photo = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    photo.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    photo.extend([0xFF, 0xE1]);
    photo.extend(u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    photo.extend(&exif);
    // The frame header (64 × 48, one component), then the scan.
    photo.extend([0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0]);
    photo.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xFF, 0xD9]);

    let (status, kept) =
        crate::photos::upload(app, lab.as_deref(), app.activity_id, "合影", photo.clone()).await;
    assert_eq!(status, 201, "{kept}");
    let id = kept["id"].as_i64().unwrap();
    let served = app
        .get_response(&format!("/api/v1/staff/photos/{id}"), lab.as_deref())
        .await
        .bytes()
        .await
        .unwrap();
    let has = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(has(&photo, b"GPS-28.68N"), "the upload carries a position");
    assert!(
        !has(&served, b"GPS-28.68N") && !has(&served, b"Exif"),
        "served with its Exif"
    );
    assert_eq!(kept["size_bytes"], served.len(), "the size is what is kept");
    assert!(
        served.ends_with(&[0x12, 0x34, 0xFF, 0xD9]),
        "the image itself is kept"
    );
    let hits = cells_containing(&app.db, &["GPS-28.68N"]).await;
    assert!(hits.is_empty(), "{hits:?}");
}

/// A retention of zero days would erase bookings of sessions still to come: the server says
/// so and does not start.
#[tokio::test]
async fn a_retention_of_zero_days_stops_the_server_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    for days in [0, -1] {
        let mut config = Config::for_tests(
            dir.path().join("labday.db").display().to_string(),
            dir.path().join("dist"),
        );
        config.retention_days = days;
        match labday_server::startup::start(&config).await {
            Err(labday_server::startup::StartupError::Settings(why)) => {
                assert!(why.contains("--retention-days"), "{why}")
            }
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(_) => panic!("started with a retention of {days} days"),
        }
    }
}

/// A reader held open on the SQLite file (a backup, a long export) while the retention run
/// empties the WAL does not hold bookings up for the lock's full 10 s: the run gives up on
/// the WAL after a short wait, and a later run, the reader gone, empties it.
#[tokio::test]
async fn a_reader_held_open_does_not_stall_bookings_behind_the_retention_run() {
    use sqlx::Connection as _;
    let app = TestApp::spawn(Db::Sqlite).await;
    let session = app.session(SessionSpec::default()).await;
    let (status, made) = app.book(session, PHONE, 1, 0).await;
    assert_eq!(status, 201, "{made}");
    let code = made["code"].as_str().unwrap();
    assert_eq!(app.cancel(code, PHONE).await.0, 200);
    assert_eq!(app.erase(code, PHONE).await.0, 200);
    let TestDb::Sqlite { path, .. } = &app.db else {
        unreachable!("a SQLite test")
    };
    let mut reader = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("a reader");
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bookings")
        .fetch_one(&mut reader)
        .await
        .unwrap();
    assert_eq!(n, 1, "the reader holds a snapshot");

    let started = std::time::Instant::now();
    let ((), (status, body)) = tokio::join!(
        labday_server::startup::erase_past_retention(app.storage.as_ref(), 30),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            app.book(session, "13912345670", 1, 0).await
        }
    );
    let took = started.elapsed();
    assert_eq!(status, 201, "{body}");
    assert!(
        took < std::time::Duration::from_secs(3),
        "the run and a booking behind it took {took:?} with a reader held open"
    );

    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    reader.close().await.unwrap();
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    assert!(
        !sqlite_files_hold(&app.db, PHONE),
        "the next run, the reader gone, empties the WAL"
    );
}

/// Rows of `sql` (a `SELECT COUNT(*)`), on a connection of its own.
async fn count(db: &TestDb, sql: &str) -> i64 {
    db.scalar(sql).await
}

/// The phone's keyed hash outlives the phone only as long as the no-show rule can read it.
async fn phone_hashes_go_once_the_no_show_window_has_passed(db: Db) {
    let app = TestApp::spawn(db).await;
    let [old, recent] = [
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
    ];
    for session in [old, recent] {
        let (status, _) = app.book(session, PHONE, 1, 0).await;
        assert_eq!(status, 201);
    }
    let hashed = |session: i64| {
        format!(
            "SELECT COUNT(*) FROM bookings WHERE session_id = {session} AND phone_hash IS NOT NULL"
        )
    };
    assert_eq!(
        count(&app.db, &hashed(old)).await,
        1,
        "written with the booking"
    );
    // The default rule reads a no-show for its window and its pause (180 + 60 days): a run
    // that began then may pause bookings until now.
    let digest = labday_domain::booking::NoShowPolicy::default().reads_for_days() + 1;
    assert_eq!(digest, 241);
    let start = now() - Duration::days(250);
    sql(
        &app,
        &format!(
            "UPDATE sessions SET starts_at = '{}', ends_at = '{}' WHERE id = {old}",
            start.format("%F %T"),
            (start + Duration::hours(1)).format("%F %T")
        ),
    )
    .await;
    labday_server::startup::forget_past_no_show_window(app.storage.as_ref(), digest).await;
    assert_eq!(
        count(&app.db, &hashed(old)).await,
        0,
        "250 days on, no rule reads it"
    );
    assert_eq!(
        count(&app.db, &hashed(recent)).await,
        1,
        "still within the window"
    );
}

/// The statuses of the bookings that hold a phone's keyed hash, sorted.
pub(crate) async fn statuses_with_a_phone_hash(db: &TestDb) -> Vec<String> {
    let sql = "SELECT status FROM bookings WHERE phone_hash IS NOT NULL ORDER BY status";
    crate::on_connection!(db, |conn| sqlx::query_scalar(sql)
        .fetch_all(&mut conn)
        .await
        .expect("statuses"))
}

/// Erasure keeps a phone's keyed hash only on a booking nobody came for (a no-show, or a
/// confirmed booking of a session over, which staff mark as one): a checked-in, cancelled
/// or waiting booking, a walk-in, or an online seat (no door tells who came, and no-shows
/// are not marked there), keeps nothing of the phone, and the no-shows still pause the
/// number.
async fn erasure_keeps_the_phones_keyed_hash_only_where_nobody_came(db: Db) {
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let visits = [
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
        app.session(SessionSpec::default()).await,
    ];
    for &visit in &visits {
        let (status, body) = app.book(visit, PHONE, 1, 0).await;
        assert_eq!(status, 201, "{body}");
    }
    // At the door today: one booking checked in, and a walk-in with a phone.
    let door = app.session(SessionSpec::default()).await;
    app.starts_today(door).await;
    let (status, came) = app.book(door, "13800138001", 1, 0).await;
    assert_eq!(status, 201, "{came}");
    let check_in = json!({"session_id": door, "code": came["code"]});
    let path = "/api/v1/staff/check-in";
    crate::staff::expect_call(app, "POST", path, lab, Some(check_in), 200).await;
    let walk_in = json!({"name": "王阿姨", "phone": "139 0013 9005", "adults": 1});
    let path = format!("/api/v1/staff/sessions/{door}/walk-ins");
    crate::staff::expect_call(app, "POST", &path, lab, Some(walk_in), 201).await;
    // One place: a confirmed booking, a waiting one, and one cancelled.
    let full = app.session(SessionSpec::sized(1, 1)).await;
    let [confirmed, waiting, cancelled] = app
        .book_in_turn(
            full,
            [
                ("13800138002", 1, 0),
                ("13800138003", 1, 0),
                ("13800138004", 1, 0),
            ],
        )
        .await;
    assert_eq!(
        (&confirmed["status"], &waiting["status"]),
        (&json!("confirmed"), &json!("waitlisted"))
    );
    let (status, _) = app
        .cancel(cancelled["code"].as_str().unwrap(), "13800138004")
        .await;
    assert_eq!(status, 200);

    // An online seat: no door, so nobody can tell whether its holder came.
    let online = app
        .session(SessionSpec {
            format: labday_domain::SessionFormat::CloudClassroom,
            join_link: Some("https://meeting.example/room/1".into()),
            ..SessionSpec::default()
        })
        .await;
    let (status, body) = app.book(online, "13800138007", 1, 0).await;
    assert_eq!(status, 201, "{body}");

    // The visits were missed: staff mark the no-shows once they are over. The online
    // session has none to mark: its seat stays confirmed.
    move_into_the_past(app, &[visits[0], visits[1], visits[2], door, full, online]).await;
    for visit in visits.into_iter().chain([online]) {
        let path = format!("/api/v1/staff/sessions/{visit}/no-shows");
        crate::staff::expect_call(app, "POST", &path, lab, None, 200).await;
    }
    assert_eq!(
        statuses_with_a_phone_hash(&app.db).await,
        [
            "cancelled",
            "checked_in",
            "checked_in",
            "confirmed",
            "confirmed",
            "no_show",
            "no_show",
            "no_show",
            "waitlisted"
        ],
        "every booking is written with its phone's keyed hash"
    );

    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    assert_eq!(
        statuses_with_a_phone_hash(&app.db).await,
        ["confirmed", "no_show", "no_show", "no_show"],
        "after erasure only the bookings nobody came for keep the hash: the no-shows, and the \
         confirmed booking staff have yet to mark as one; the online seat keeps nothing"
    );
    let erased = count(
        &app.db,
        "SELECT COUNT(*) FROM bookings WHERE erased_at IS NULL",
    )
    .await;
    assert_eq!(erased, 0, "every booking was erased");
    let next = app.session(SessionSpec::default()).await;
    let refused = app.book(next, PHONE, 1, 0).await;
    app.assert_paused_alone(refused, next, "13912345679").await;
}

/// Bookings erased before erasure kept no-shows' hashes alone lose the others' hashes when
/// the server is upgraded (migration 0015), and nothing else changes.
async fn bookings_erased_before_the_upgrade_keep_only_no_shows_hashes(db: Db) {
    let test_db = TestDb::create(db).await;
    let session = test_db.add_session(SessionSpec::default()).await;
    let day = (now() - Duration::days(40)).date();
    for (code, phone, status, hash) in [
        (
            "ERASEDC1",
            "13912345670",
            "confirmed",
            "hash-erased-confirmed",
        ),
        ("ERASEDN1", "13912345671", "no_show", "hash-erased-no-show"),
        ("KEPTCON1", "13912345672", "confirmed", "hash-not-erased"),
    ] {
        let mut row = StoredBooking::no_show(session, code, phone, day);
        row.status = status;
        row.phone_hash = Some(hash);
        test_db.insert_booking(row).await;
    }
    test_db
        .execute(&format!(
            "UPDATE bookings SET name = NULL, phone = NULL, erased_at = '{}' \
             WHERE code IN ('ERASEDC1', 'ERASEDN1')",
            now().format("%F %T")
        ))
        .await;
    // As a database an earlier build migrated: without the last migration.
    test_db
        .execute("DELETE FROM _sqlx_migrations WHERE version = 15")
        .await;
    test_db.open_storage().await;
    let hashed = |hash: &str| format!("SELECT COUNT(*) FROM bookings WHERE phone_hash = '{hash}'");
    assert_eq!(count(&test_db, &hashed("hash-erased-confirmed")).await, 0);
    assert_eq!(count(&test_db, &hashed("hash-erased-no-show")).await, 1);
    assert_eq!(count(&test_db, &hashed("hash-not-erased")).await, 1);
}

/// The board of `session`'s samples: the final judgements' counts, and the vegetables' names
/// in Chinese, sorted. Read after the catalogue's second of caching has passed.
async fn board_of(app: &TestApp, session: i64) -> (Value, Vec<String>) {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, board) = app
        .get(&format!("/api/v1/sessions/{session}/samples/board"))
        .await;
    assert_eq!(status, 200, "{board}");
    let mut names: Vec<String> = board["by_variety"]
        .as_array()
        .expect("by variety")
        .iter()
        .map(|line| line["variety"]["name"]["zh"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    (board["counts"].clone(), names)
}

/// What a citizen types on a sample besides the name and phone (where it was bought, the
/// name of a vegetable not in the list) may hold anything, a phone number too: the public
/// board never shows it, erasure empties it, and the board still counts every sample, an
/// `other` one as 其他.
async fn erasure_empties_what_was_typed_on_a_sample_and_the_board_still_counts_it(db: Db) {
    const TYPED_NAME: &str = "野苋菜4001234567";
    const TYPED_PLACE: &str = "八一菜场 联系13987654321";
    let (s, lab) = crate::staff::site_with_lab(db).await;
    let (app, lab) = (&s.app, lab.as_deref());
    let point = app
        .session_with(|spec| spec.format = SessionFormat::QuickTest)
        .await;
    // On today: the lab receives samples from the session's day on.
    app.starts_today(point).await;
    let item = |variety: &str, other: &str| json!({"variety": variety, "variety_other": other, "bought_at": TYPED_PLACE, "bought_on": now().date()});
    let body = json!({"session_id": point, "name": NAME, "phone": PHONE, "consent": true,
        "samples": [item("other", TYPED_NAME), item("spinach", "")]});
    let (status, samples) = app.post("/api/v1/samples", &body).await;
    assert_eq!(status, 201, "{samples}");
    for sample in samples.as_array().unwrap() {
        let code = sample["code"].as_str().unwrap();
        crate::samples::tested_negative(app, lab, point, code).await;
    }
    let negatives = json!({"tested": 2, "negative": 2, "suspicious": 0, "positive": 0});
    // The public board never shows what was typed: the vegetable is the list's 其他.
    assert_eq!(
        board_of(app, point).await,
        (
            negatives.clone(),
            vec!["其他".to_owned(), "菠菜".to_owned()]
        )
    );
    let (_, board) = app
        .get(&format!("/api/v1/sessions/{point}/samples/board"))
        .await;
    assert!(!board.to_string().contains("4001234567"), "{board}");
    let before = cells_containing(&app.db, &[TYPED_NAME, TYPED_PLACE]).await;
    for column in ["samples.variety_other", "samples.bought_at"] {
        assert!(
            before.iter().any(|hit| hit.starts_with(column)),
            "{column} holds what was typed: {before:?}"
        );
    }

    move_into_the_past(app, &[point]).await;
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    let after = cells_containing(&app.db, &[TYPED_NAME, TYPED_PLACE]).await;
    assert!(
        after.is_empty(),
        "typed text left after retention: {after:?}"
    );
    for needle in [TYPED_NAME, TYPED_PLACE] {
        assert!(
            !sqlite_files_hold(&app.db, needle),
            "the SQLite file or WAL still holds {needle}'s bytes"
        );
    }
    assert_eq!(
        board_of(app, point).await,
        (negatives, vec!["其他".to_owned(), "菠菜".to_owned()]),
        "the same counts, the typed vegetable as 其他"
    );
}

/// Samples erased before erasure emptied their typed text lose it when the server is
/// upgraded (migration 0016); samples not erased keep theirs.
async fn samples_erased_before_the_upgrade_lose_their_typed_text(db: Db) {
    let test_db = TestDb::create(db).await;
    let spec = SessionSpec {
        format: SessionFormat::QuickTest,
        ..SessionSpec::default()
    };
    let point = test_db.add_session(spec).await;
    // As an earlier build left them: one erased with its typed text, one not yet erased.
    let at = (now() - Duration::days(40)).format("%F %T");
    for (code, name, phone, erased_at) in [
        ("ERASEDS1", "NULL", "NULL", format!("'{at}'")),
        ("KEPTSAM1", "'王芳'", "'13912345670'", "NULL".to_owned()),
    ] {
        test_db
            .execute(&format!(
                "INSERT INTO samples (session_id, code, variety, variety_other, bought_at, \
                 bought_on, name, phone, registered_at, consent_at, erased_at) VALUES \
                 ({point}, '{code}', 'other', '野苋菜', '八一菜场 5号摊', '{day}', {name}, \
                 {phone}, '{at}', '{at}', {erased_at})",
                day = (now() - Duration::days(41)).date()
            ))
            .await;
    }
    test_db
        .execute("DELETE FROM _sqlx_migrations WHERE version = 16")
        .await;
    test_db.open_storage().await;
    let rows = |code: &str| {
        format!(
            "SELECT COUNT(*) FROM samples WHERE code = '{code}' \
             AND variety_other = '野苋菜' AND bought_at = '八一菜场 5号摊'"
        )
    };
    assert_eq!(
        count(&test_db, &rows("ERASEDS1")).await,
        0,
        "erased: emptied"
    );
    assert_eq!(
        count(&test_db, &rows("KEPTSAM1")).await,
        1,
        "not erased: kept"
    );
}

/// Every `erased_at` of `table`, read as text on a connection of its own.
async fn erased_at(db: &TestDb, table: &str) -> Vec<NaiveDateTime> {
    let sql = format!("SELECT CAST(erased_at AS TEXT) FROM {table} WHERE erased_at IS NOT NULL");
    let texts: Vec<String> = crate::on_connection!(db, |conn| sqlx::query_scalar(&sql)
        .fetch_all(&mut conn)
        .await
        .expect("erased_at"));
    texts
        .iter()
        .map(|t| {
            NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
                .unwrap_or_else(|e| panic!("{table}.erased_at {t}: {e}"))
        })
        .collect()
}

/// A booking's and a sample's `erased_at` say when the retention run erased them (in UTC),
/// not the cutoff a month before it.
async fn erased_at_is_the_time_of_the_erasure_for_bookings_and_samples(db: Db) {
    let app = TestApp::spawn(db).await;
    let visit = app.session(SessionSpec::default()).await;
    let quick_test = app
        .session_with(|spec| spec.format = SessionFormat::QuickTest)
        .await;
    let (status, body) = app.post("/api/v1/bookings", &booking(visit)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.post("/api/v1/samples", &registration(quick_test)).await;
    assert_eq!(status, 201, "{body}");
    move_into_the_past(&app, &[visit, quick_test]).await;

    let before = Utc::now().naive_utc();
    labday_server::startup::erase_past_retention(app.storage.as_ref(), 30).await;
    let after = Utc::now().naive_utc();
    for table in ["bookings", "samples"] {
        let stamps = erased_at(&app.db, table).await;
        assert_eq!(stamps.len(), 1, "{table}: one erased row");
        let at = stamps[0];
        assert!(
            at >= before - Duration::minutes(1) && at <= after + Duration::minutes(1),
            "{table}.erased_at {at} is not the run's time ({before} to {after})"
        );
    }
}

crate::on_both_databases!(
    after_retention_no_table_or_column_holds_the_name_or_phone_and_no_shows_still_count,
    phones_stored_before_hashing_are_hashed_at_start,
    every_start_and_every_instance_share_one_secret,
    an_uploaded_photo_keeps_no_position,
    phone_hashes_go_once_the_no_show_window_has_passed,
    erased_at_is_the_time_of_the_erasure_for_bookings_and_samples,
    erasure_keeps_the_phones_keyed_hash_only_where_nobody_came,
    bookings_erased_before_the_upgrade_keep_only_no_shows_hashes,
    erasure_empties_what_was_typed_on_a_sample_and_the_board_still_counts_it,
    samples_erased_before_the_upgrade_lose_their_typed_text,
);
