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

/// `(file name, contents)` of each file in `migrations/<dir>/`, in version order.
macro_rules! embed {
    ($dir:literal: $($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../migrations/", $dir, "/", $file)))),*]
    };
}

const SQLITE: &[(&str, &str)] = embed!("sqlite":
    "0001_init.sql",
    "0002_staff.sql",
    "0003_console.sql",
    "0004_samples.sql",
    "0005_photos.sql",
    "0007_erasure.sql",
);

const POSTGRES: &[(&str, &str)] = embed!("postgres":
    "0001_init.sql",
    "0002_staff.sql",
    "0003_console.sql",
    "0004_samples.sql",
    "0005_photos.sql",
    "0007_erasure.sql",
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
    use super::{migration, POSTGRES, SQLITE};
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
}
