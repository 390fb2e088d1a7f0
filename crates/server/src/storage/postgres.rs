//! PostgreSQL storage, for running several server processes against one database. Unlike
//! SQLite, writers here really run in parallel, so every booking or cancellation first takes
//! its session's row lock (`SELECT ... FOR UPDATE`): capacity checks and the `booked` /
//! `waiting` counters of one session are serialised across all processes, while different
//! sessions book in parallel. The per-phone daily limit spans sessions, so a transaction-scoped
//! advisory lock on the phone number serialises one number's bookings too.

mod admit;

use super::db::Db;
use super::store::Store;
use super::StorageError;
use admit::PgAdmissions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The bookings of a batch's phones that the booking rules count, by the phones' keyed
/// hashes (`$1`, one a phone). Cancelled ones too: `Held::of` leaves them out. A status
/// condition here would let the planner read the bookings in those statuses through
/// `bookings_session`, the whole table, and filter the phones: on a table nothing has
/// analysed it chose that for a batch of 256 phones (measured: 8,500 rows read for none
/// found), where the phone's index reads a few rows a phone. Public for the test that
/// checks this plan on 100,000 bookings (`tests/api/at_scale.rs`).
pub const PHONES_HELD: &str = "SELECT phone_hash, session_id, session_day, adults + children, \
    status FROM bookings WHERE phone_hash = ANY($1)";

/// The bookings a batch's idempotency keys may have made (`admission::CodeDraws`): those
/// holding the codes the keys draw this round, and those made before codes were drawn, by
/// their key (a partial index holds only those, and walk-ins' keys, kept under a purpose of
/// their own that no citizen's key hashes to: `= ANY` is never true of NULL, so the planner
/// may read it, for an empty list too). Public for the test that checks its plan on
/// 100,000 bookings (`tests/api/at_scale.rs`).
pub const KEYED_BOOKINGS: &str = "SELECT code_key, code, request_digest FROM bookings \
    WHERE code = ANY($1) \
    UNION ALL SELECT idempotency_key, code, request_digest FROM bookings \
    WHERE idempotency_key = ANY($2)";

/// Connections per server process. Bookings of one session queue on its row lock anyway, so
/// a few connections keep the database busy; several processes must stay well below
/// PostgreSQL's default `max_connections` of 100.
const POOL_SIZE: u32 = 8;

/// Batches of bookings in flight at once per process: while one commits (a WAL flush),
/// the next takes its phone locks and reads, then queues on the session locks.
const BOOKING_WRITERS: usize = 3;

/// Advisory-lock class for "one phone number's bookings" (the two-key form, so it cannot
/// collide with the single-key lock sqlx takes while migrating).
pub(super) const PHONE_LOCK_CLASS: i32 = 0x6c62_6431;

/// Every statement is planned for the parameters it runs with and the tables' size at the
/// time (`plan_cache_mode`), never with a generic plan cached earlier. sqlx prepares each
/// statement once per connection, and PostgreSQL then switches to a generic plan after five
/// runs: one made while `bookings` was empty is a sequential scan, and nothing replaces it
/// until the table is analysed (never, with autovacuum off) — so every batch of bookings read
/// the whole table (issue 19). Custom plans cost a little planning per statement and follow
/// the table as it grows (docs/postgres-at-scale.md). A URL that sets `plan_cache_mode` in its
/// `options` keeps its own.
const PLAN_CACHE_MODE: (&str, &str) = ("plan_cache_mode", "force_custom_plan");

/// The options of every connection to `url`: its own, the application name (`labday` unless
/// the URL names one) and [`PLAN_CACHE_MODE`].
fn connect_options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    let mut options = PgConnectOptions::from_str(url)?;
    if options.get_application_name().is_none() {
        options = options.application_name("labday");
    }
    let chosen = options
        .get_options()
        .is_some_and(|o| o.contains(PLAN_CACHE_MODE.0));
    Ok(if chosen {
        options
    } else {
        options.options([PLAN_CACHE_MODE])
    })
}

/// Connects to `url` (`postgres://...`) and runs migrations. Several processes may start
/// at once: sqlx serialises migrations with an advisory lock.
pub async fn open(url: &str) -> Result<Store, StorageError> {
    let options = connect_options(url)?;
    let pool = PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    super::migrations::postgres().await?.run(&pool).await?;
    let db = Db::Postgres(pool.clone());
    Store::assemble(
        db,
        |keys| Arc::new(PgAdmissions { pool, keys }),
        BOOKING_WRITERS,
    )
    .await
}
