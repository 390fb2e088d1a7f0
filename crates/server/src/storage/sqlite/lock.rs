//! One serving process per SQLite file. Bookings are admitted by one writer task per
//! process and the catalogue cache is per process: two servers on one file would each
//! believe they are the only one (and on a network share, SQLite's own locks may not hold
//! at all). A server therefore holds an exclusive advisory lock on `<database>.lock` for as
//! long as it serves; a second one refuses to start and says why.
//!
//! The lock is `flock`-style (`File::try_lock`): it belongs to the open file, so two opens
//! in one process conflict as two processes do, and the operating system releases it when
//! the process ends, however it ends — a crashed server leaves no stale lock behind. The
//! lock file itself is never removed (removing it would let a third process lock a new
//! file while the second still holds the old one).
//!
//! Command-line tools (`labday-server user add`) do not take the lock: they write a row or
//! two through SQLite's own locking while the server runs.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Why a server may not use a SQLite file, in words for whoever started it.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{database} is in use by another labday-server (it holds {lock}); stop that server \
         first, or give this one another --database"
    )]
    InUse { database: String, lock: String },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Held while a server uses a SQLite file; dropping it lets another server start.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
    path: PathBuf,
}

impl DatabaseLock {
    /// Takes the lock beside `database`, or says which file is in use.
    pub fn acquire(database: &Path) -> Result<DatabaseLock, LockError> {
        let path = lock_path(database);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(DatabaseLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse {
                database: database.display().to_string(),
                lock: path.display().to_string(),
            }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `labday.db` → `labday.db.lock`, in the same folder.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_server_on_the_same_file_is_refused_until_the_first_stops() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("data").join("labday.db");
        let first = DatabaseLock::acquire(&database).expect("the first server locks");
        assert_eq!(first.path(), dir.path().join("data").join("labday.db.lock"));

        // A second open of the lock file is a second open file, as in another process.
        let second = DatabaseLock::acquire(&database).expect_err("the second is refused");
        let message = second.to_string();
        assert!(
            message.contains("in use by another labday-server"),
            "{message}"
        );
        assert!(message.contains("labday.db.lock"), "{message}");

        let other = DatabaseLock::acquire(&dir.path().join("other.db"));
        assert!(other.is_ok(), "another file is another database");

        drop(first);
        DatabaseLock::acquire(&database).expect("free again once the first has stopped");
    }
}
