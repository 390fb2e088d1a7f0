//! The one storage type: a database (SQLite or PostgreSQL), the keyed hash under its server
//! secret, and the desk bookings queue at. Every aggregate's trait is written once, its
//! methods the implementation for anything that has these [`Parts`]; `sqlite.rs` and
//! `postgres.rs` only open a database and say how it admits a batch of bookings.

use super::admission::{BatchWriter, Desk};
use super::db::{Db, Dialect};
use super::{erasure, Storage, StorageError};
use crate::keyed_hash::KeyedHash;
use async_trait::async_trait;
use std::sync::Arc;

/// What the storage code of every aggregate runs on: the database, and the keyed hash
/// under its server secret. An aggregate's trait extends it and its methods have their
/// bodies in the trait, so each is written once (no signature list repeated in an `impl`).
/// Declared `pub` in this private module: nameable only inside the crate, yet allowed
/// under the public `Storage` trait.
pub trait Parts: Send + Sync {
    fn db(&self) -> &Db;
    fn keys(&self) -> &KeyedHash;
}

/// What booking needs besides the [`Parts`]: the queue bookings wait in to be admitted in
/// batches, and what admits a batch (the one part written per database, for its locking).
pub(crate) trait Admits: Parts {
    fn desk(&self) -> &Desk;
    fn admissions(&self) -> &dyn BatchWriter;
}

pub struct Store {
    db: Db,
    keys: Arc<KeyedHash>,
    admissions: Arc<dyn BatchWriter>,
    /// Bookings queue here and are admitted in batches (group commit, `admission.rs`).
    desk: Desk,
}

impl Store {
    /// A migrated database made ready: its server secret read (or made), earlier phones
    /// hashed, and a desk with `writers` batch writers from `admissions`.
    pub(super) async fn assemble(
        db: Db,
        admissions: impl FnOnce(Arc<KeyedHash>) -> Arc<dyn BatchWriter>,
        writers: usize,
    ) -> Result<Store, StorageError> {
        let keys = Arc::new(erasure::server_keys(&db).await?);
        let hashed = erasure::backfill_phone_hashes(&db, &keys).await?;
        if hashed > 0 {
            tracing::info!(
                rows = hashed,
                "hashed the phones of earlier bookings and samples"
            );
        }
        let admissions = admissions(keys.clone());
        let desk = Desk::open(admissions.clone(), writers);
        Ok(Store {
            db,
            keys,
            admissions,
            desk,
        })
    }
}

impl Parts for Store {
    fn db(&self) -> &Db {
        &self.db
    }

    fn keys(&self) -> &KeyedHash {
        &self.keys
    }
}

impl Admits for Store {
    fn desk(&self) -> &Desk {
        &self.desk
    }

    fn admissions(&self) -> &dyn BatchWriter {
        self.admissions.as_ref()
    }
}

#[async_trait]
impl Storage for Store {
    fn backend(&self) -> &'static str {
        match self.db.dialect() {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    fn keyed_hash(&self) -> &KeyedHash {
        &self.keys
    }

    /// On the readers: SQLite's writer is busy with bookings during a rush, which is not
    /// the database failing to answer.
    async fn ping(&self) -> Result<(), StorageError> {
        self.db.read("SELECT 1").execute().await?;
        Ok(())
    }

    async fn close(&self) {
        self.db.close().await;
    }
}
