//! The schema migrations of both databases, embedded in the binary and run at start-up.
//!
//! Listed by hand rather than with `sqlx::migrate!`: that proc macro (and sqlx's other
//! macros) build sqlx with both database drivers, and SQLite's C, a second time for the host,
//! which was about a third of a cold release build. Each migration is the file's text as
//! `sqlx::migrate!` would embed it (same version, description and checksum), so databases
//! migrated by earlier builds stay valid. A test checks the lists against the folders: a new
//! migration file must be added below.

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

/// The migration files, in version order: the same names in both folders, since every schema
/// change is written for both databases. Embeds `SQLITE` and `POSTGRES`, the
/// `(file name, contents)` of each file in `migrations/sqlite/` and `migrations/postgres/`.
macro_rules! embed {
    ($($file:literal),* $(,)?) => {
        const SQLITE: &[(&str, &str)] =
            &[$(($file, include_str!(concat!("../../migrations/sqlite/", $file)))),*];
        const POSTGRES: &[(&str, &str)] =
            &[$(($file, include_str!(concat!("../../migrations/postgres/", $file)))),*];
    };
}

embed!(
    "0001_init.sql",
    "0002_staff.sql",
    "0003_console.sql",
    "0004_samples.sql",
    "0005_photos.sql",
    "0006_counts.sql",
    "0007_erasure.sql",
    "0008_throttles.sql",
    "0009_organisations.sql",
    "0010_walk_ins.sql",
    "0011_outbox.sql",
    "0012_phone_codes.sql",
    "0013_scale.sql",
    "0014_queue_length.sql",
);

/// SQLite's migrations (`migrations/sqlite`).
pub(super) async fn sqlite() -> Result<Migrator, MigrateError> {
    Migrator::new(Embedded(SQLITE)).await
}

/// PostgreSQL's migrations (`migrations/postgres`).
pub(super) async fn postgres() -> Result<Migrator, MigrateError> {
    Migrator::new(Embedded(POSTGRES)).await
}

#[derive(Debug)]
struct Embedded(&'static [(&'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async move {
            self.0
                .iter()
                .map(|&(file, sql)| migration(file, sql))
                .collect::<Result<Vec<_>, _>>()
                .map_err(BoxDynError::from)
        })
    }
}

/// `<version>_<description>.sql` → the migration sqlx's directory source would make of it.
fn migration(file: &'static str, sql: &'static str) -> Result<Migration, String> {
    let (version, rest) = file
        .split_once('_')
        .filter(|(_, rest)| rest.ends_with(".sql"))
        .ok_or_else(|| format!("migration {file}: expected <version>_<description>.sql"))?;
    let version: i64 = version
        .parse()
        .map_err(|_| format!("migration {file}: the version is not a number"))?;
    let migration_type = MigrationType::from_filename(rest);
    let description = rest
        .trim_end_matches(migration_type.suffix())
        .replace('_', " ");
    Ok(Migration::new(
        version,
        Cow::Owned(description),
        migration_type,
        Cow::Borrowed(sql),
        sql.starts_with("-- no-transaction"),
    ))
}

#[cfg(test)]
mod tests {
    use super::{migration, Embedded, POSTGRES, SQLITE};
    use sqlx::migrate::Migrator;
    use std::path::Path;

    /// Every `.sql` file in the folder is embedded, in order, with the folder's contents.
    fn matches_folder(dir: &str, embedded: &[(&str, &str)]) {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = embedded.iter().map(|(file, _)| *file).collect();
        assert_eq!(
            listed, files,
            "storage/migrations.rs must list every file in migrations/{dir}"
        );
        for (file, sql) in embedded {
            assert_eq!(*sql, std::fs::read_to_string(folder.join(file)).unwrap());
        }
    }

    #[test]
    fn sqlite_lists_every_migration_file() {
        matches_folder("sqlite", SQLITE);
    }

    #[test]
    fn postgres_lists_every_migration_file() {
        matches_folder("postgres", POSTGRES);
    }

    #[test]
    fn migrations_read_like_sqlx_reads_a_folder() {
        let m = migration("0003_console_and_more.sql", "CREATE TABLE t (x INT);").unwrap();
        assert_eq!(m.version, 3);
        assert_eq!(m.description, "console and more");
        assert!(!m.no_tx);
        // sqlx records SHA-384 of the text; an earlier build's database must still match.
        assert_eq!(m.checksum.len(), 48);
        let versions: Vec<i64> = SQLITE
            .iter()
            .map(|(f, s)| migration(f, s).unwrap().version)
            .collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]));
        assert!(migration("init.sql", "").is_err());
    }

    /// The values 0006 allows are the domain's: a status or bound added there and not here
    /// would be refused by the database.
    #[test]
    fn the_counts_migration_allows_exactly_the_domain_values() {
        use labday_domain::activity::ActivityKind;
        use labday_domain::booking::{BookingStatus, PARTY_HARD_LIMIT};
        use labday_domain::sample::{Judgement, Method};
        use labday_domain::schedule::CAPACITY_MAX;
        use labday_domain::staff::Role;
        use labday_domain::SessionFormat;
        let known: Vec<&str> = BookingStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .chain(SessionFormat::ALL.iter().map(|f| f.as_str()))
            .chain(ActivityKind::ALL.iter().map(|k| k.as_str()))
            .chain(Method::ALL.iter().map(|m| m.as_str()))
            .chain(Judgement::ALL.iter().map(|j| j.as_str()))
            .chain([Role::Organiser, Role::LabStaff].iter().map(|r| r.as_str()))
            .chain(["scheduled", "cancelled"])
            .collect();
        for list in [SQLITE, POSTGRES] {
            let (_, sql) = list
                .iter()
                .find(|(file, _)| *file == "0006_counts.sql")
                .unwrap();
            for value in &known {
                assert!(sql.contains(&format!("'{value}'")), "{value} missing");
            }
            assert!(sql.contains(&format!("BETWEEN 1 AND {PARTY_HARD_LIMIT}")));
            assert!(sql.contains(&format!("> {PARTY_HARD_LIMIT}")));
            assert!(sql.contains(&format!("BETWEEN 0 AND {CAPACITY_MAX}")));
        }
    }

    /// Rows as an old build stored them, the u32 overflow of issue 14 included: a booking of
    /// one adult and u32::MAX children, cancelled, that left session 1's counter at
    /// -4294967296 and let 36 people be confirmed for its 12 places.
    const OLD_ROWS: &[&str] = &[
        "INSERT INTO organisations (id, name_zh, city_zh) VALUES (1, '实验室', '南昌')",
        "INSERT INTO activities (id, organisation_id, kind, title_zh, starts_on, ends_on) \
         VALUES (1, 1, 'lab_open_day', '开放日', '2026-11-01', '2026-11-30')",
        "INSERT INTO sessions (id, activity_id, format, starts_at, ends_at, capacity, per_booking_limit, \
           booking_opens_at, booking_closes_at, cancel_deadline, booked, waiting) VALUES \
         (1, 1, 'visit', '2026-11-19 09:00:00', '2026-11-19 10:00:00', 12, 5, '2026-11-01 09:00:00', \
           '2026-11-19 08:00:00', '2026-11-19 07:00:00', -4294967260, 0), \
         (2, 1, 'demo', '2026-11-20 09:00:00', '2026-11-20 10:00:00', 10, 5, '2026-11-01 09:00:00', \
           '2026-11-20 08:00:00', '2026-11-20 07:00:00', 6, 5)",
        "INSERT INTO bookings (session_id, code, name, phone, adults, children, status, session_day, \
           booked_at, consent_at) VALUES \
         (1, 'ATTACK22', 'x', '13800000000', 1, 4294967295, 'cancelled', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA1', 'a', '13800000001', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA2', 'a', '13800000002', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA3', 'a', '13800000003', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA4', 'a', '13800000004', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA5', 'a', '13800000005', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA6', 'a', '13800000006', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA7', 'a', '13800000007', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA8', 'a', '13800000008', 2, 2, 'confirmed', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (1, 'AAAAAAA9', 'a', '13800000009', 2, 2, 'checked_in', '2026-11-19', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (2, 'BBBBBBB1', 'b', '13800000011', 2, 1, 'confirmed', '2026-11-20', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (2, 'BBBBBBB2', 'b', '13800000012', 3, 0, 'confirmed', '2026-11-20', '2026-11-02 10:00:00', '2026-11-02 10:00:00'), \
         (2, 'BBBBBBB3', 'b', '13800000013', 4, 1, 'waitlisted', '2026-11-20', '2026-11-02 10:00:00', '2026-11-02 10:00:00')",
        "INSERT INTO staff (id, username, password_hash, role, created_at) \
         VALUES (1, 'boss', 'x', 'organiser', '2026-11-01 09:00:00')",
    ];

    /// `(bookings, session 1's capacity, booked, waiting, session 2's capacity, booked,
    /// waiting, people in the attack booking, its status, the two sessions' queue lengths)`.
    const AFTER: &str = "SELECT (SELECT COUNT(*) FROM bookings), \
        s1.capacity, s1.booked, s1.waiting, s2.capacity, s2.booked, s2.waiting, \
        (SELECT adults + children FROM bookings WHERE code = 'ATTACK22'), \
        (SELECT status FROM bookings WHERE code = 'ATTACK22'), \
        CAST(s1.queue_length AS BIGINT), CAST(s2.queue_length AS BIGINT) \
        FROM sessions s1, sessions s2 WHERE s1.id = 1 AND s2.id = 2";

    type After = (i64, i64, i64, i64, i64, i64, i64, i64, String, i64, i64);

    /// What the repair must leave: every row kept; session 1 keeps its 36 confirmed people
    /// (capacity raised to them), session 2 is untouched; the attack booking stays cancelled
    /// with a possible party.
    fn assert_repaired(after: After) {
        assert_eq!(after.0, 13, "every booking is kept");
        assert_eq!(
            (after.1, after.2, after.3),
            (36, 36, 0),
            "session 1 recounted"
        );
        assert_eq!(
            (after.4, after.5, after.6),
            (10, 6, 5),
            "session 2 unchanged"
        );
        assert!(
            (1..=20).contains(&after.7),
            "attack party in range: {}",
            after.7
        );
        assert_eq!(after.8, "cancelled");
        assert_eq!(
            (after.9, after.10),
            (0, 1),
            "queue lengths counted from the waiting bookings"
        );
    }

    #[tokio::test]
    async fn an_old_sqlite_database_migrates_and_keeps_its_rows() {
        use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("old.db"))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        let old = Migrator::new(Embedded(&SQLITE[..5])).await.unwrap();
        old.run(&pool).await.unwrap();
        for statement in OLD_ROWS {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        super::sqlite().await.unwrap().run(&pool).await.unwrap();
        let after: After = sqlx::query_as(AFTER).fetch_one(&pool).await.unwrap();
        assert_repaired(after);
        let refused = sqlx::query("UPDATE sessions SET booked = -1 WHERE id = 2")
            .execute(&pool)
            .await;
        assert!(
            refused.is_err(),
            "a negative counter is refused after migrating"
        );
    }

    #[tokio::test]
    async fn an_old_postgres_database_migrates_and_keeps_its_rows() {
        use sqlx::postgres::PgPoolOptions;
        use sqlx::Connection;
        let base = std::env::var("LABDAY_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let mut admin = match sqlx::PgConnection::connect(&base).await {
            Ok(conn) => conn,
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("SKIPPED (not in CI): PostgreSQL unreachable: {e}");
                return;
            }
            Err(e) => panic!("PostgreSQL unreachable in CI: {e}"),
        };
        let schema = format!("t_migrate_{}", std::process::id());
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap();
        let old = Migrator::new(Embedded(&POSTGRES[..5])).await.unwrap();
        old.run(&pool).await.unwrap();
        for statement in OLD_ROWS {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        let migrated = super::postgres().await.unwrap().run(&pool).await;
        let after: Result<After, _> = sqlx::query_as(AFTER).fetch_one(&pool).await;
        let refused = sqlx::query("UPDATE sessions SET booked = -1 WHERE id = 2")
            .execute(&pool)
            .await;
        pool.close().await;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut admin)
            .await
            .unwrap();
        migrated.unwrap();
        assert_repaired(after.unwrap());
        assert!(
            refused.is_err(),
            "a negative counter is refused after migrating"
        );
    }
}
