//! The default storage: one SQLite file in WAL mode. Reads use a small pool; every write
//! goes through a single connection, so booking transactions are serialised and capacity
//! checks cannot race. Bookings are admitted in batches on that connection (group commit,
//! `admit.rs`). One server process per file.

mod admit;
mod lock;

use super::db::Db;
use super::store::Store;
use super::StorageError;
use admit::SqliteAdmissions;
pub use lock::{lock_path, DatabaseLock, LockError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Opens (creating if needed) the database file and runs migrations.
/// How long a statement waits for a lock before it fails: only the WAL's emptying after an
/// erasure waits on readers (and a command-line write on the server's writer), and that one
/// waits less (`Db::empty_sqlite_wal`).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn open(path: &Path) -> Result<Store, StorageError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::new(format!("cannot create {}: {e}", dir.display())))?;
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Deleted and overwritten content is zeroed, so erased names and phones do not
        // linger in free space of the file.
        .pragma("secure_delete", "ON")
        // Statement journals and temporary tables in memory, not in temporary files: a
        // booking batch's multi-row statements wrote one to disk each, about a tenth of a
        // booking's CPU (BENCHMARKS.md), and no personal data lands in a temporary file.
        .pragma("temp_store", "MEMORY")
        .busy_timeout(BUSY_TIMEOUT);
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await?;
    super::migrations::sqlite().await?.run(&write).await?;
    let read = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    let db = Db::Sqlite {
        read,
        write: write.clone(),
    };
    Store::assemble(db, |keys| Arc::new(SqliteAdmissions { write, keys }), 1).await
}
