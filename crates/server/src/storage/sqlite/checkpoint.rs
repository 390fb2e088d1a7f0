//! Copying the WAL back into the database file, off the booking writer's path.
//!
//! SQLite appends every commit's pages to the WAL, and by default the connection that
//! commits copies them back into the file (a checkpoint) each time the WAL passes 1,000
//! pages. During a rush that is the booking writer, every few batches: a profile of a
//! sustained rush at 1,000 connections found a fifth of the writer thread's time in those
//! checkpoints, while every other booking waited behind it (BENCHMARKS.md). Here a reader
//! connection does it instead, a few times a second, alongside the writer (a checkpoint
//! takes no writer lock), and pages written several times between two checkpoints are
//! copied once. The writer still checkpoints itself should the WAL pass
//! [`WRITER_BACKSTOP_PAGES`] (the background one failing, or readers keeping it from
//! finishing), so the WAL stays bounded.

use sqlx::SqlitePool;
use std::time::Duration;

/// WAL pages after which the writer checkpoints itself (64 MB of 4 KB pages).
pub(super) const WRITER_BACKSTOP_PAGES: &str = "16384";

/// How often the background checkpoint runs. A quarter of a second of a rush is a few
/// thousand bookings, a WAL of a few tens of MB.
const EVERY: Duration = Duration::from_millis(250);

/// Starts checkpointing on `read`'s connections until the pool is closed.
pub(super) fn start(read: SqlitePool) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(EVERY).await;
            if read.is_closed() {
                break;
            }
            // PASSIVE: copies what no reader still needs and waits for nobody. A busy
            // answer (another checkpoint running) is a row, not an error.
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&read)
                .await
            {
                if read.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "background WAL checkpoint failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::super::store::Parts as _;
    use std::time::{Duration, Instant};

    /// Pages the writer commits reach the database file itself by the background
    /// checkpoint, well before the writer's own backstop would copy them: the WAL is not
    /// left to grow until then, and the writer is not the one copying.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_writers_pages_reach_the_file_without_the_writer_copying_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint.db");
        let store = super::super::open(&path).await.expect("open");
        let db = store.db();
        db.write("CREATE TABLE filler (text TEXT NOT NULL)")
            .execute()
            .await
            .unwrap();
        // Settle: the file as it stands once the migrations' pages are copied back.
        tokio::time::sleep(super::EVERY * 3).await;
        let before = std::fs::metadata(&path).unwrap().len();
        // About 2 MB in 400 commits: some 500 pages, far below the backstop of 16,384.
        for _ in 0..400 {
            db.write("INSERT INTO filler (text) VALUES (?)")
                .bind("x".repeat(5_000))
                .execute()
                .await
                .unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut size = before;
        while Instant::now() < deadline && size < before + 2_000_000 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            size = std::fs::metadata(&path).unwrap().len();
        }
        assert!(
            size >= before + 2_000_000,
            "the file grew from {before} to {size} bytes only"
        );
        db.close().await;
    }
}
