//! The one way storage code talks to a database, whichever it is.
//!
//! Both schemas have the same tables and columns, and both databases understand the same
//! SQL for everything labday does but a few phrases (row locks, advisory locks). So every
//! statement is written once, with `?` placeholders, and run through a [`Db`] (a pool) or a
//! [`Tx`] (a transaction): the statement is numbered for PostgreSQL (`$1`, `$2`, …), and the
//! values and rows are encoded and decoded by the backend's own sqlx driver, without sqlx's
//! type-erased `Any` driver (which reads no dates). What does differ is asked of the
//! [`Dialect`], so a reader sees every difference in one place.
//!
//! Rows decode into any type that both drivers can decode (`from_row!` structs, tuples), and
//! values bind from any type both can encode.

use labday_domain::Localised;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, Decode, Encode, FromRow, Type};
use std::borrow::Cow;

/// A database: SQLite (a small pool of readers and the one writer connection) or a
/// PostgreSQL pool.
#[derive(Clone)]
pub enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// What differs between the two databases' SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Appended to a select whose rows a change depends on. PostgreSQL's writers run in
    /// parallel, so the rows are locked until the transaction ends; SQLite has one writer
    /// connection, which already serialises every change.
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// [`Dialect::for_update`], for rows a change only reads: PostgreSQL's share lock keeps
    /// them from changing until the transaction ends, while other readers taking it too go
    /// on side by side (a writer taking `FOR UPDATE` waits for all of them).
    pub fn for_share(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR SHARE",
        }
    }

    /// [`Dialect::for_update`] for a select that joins: only the rows of the table aliased
    /// `alias` are locked (the joined rows, read for context, are not).
    pub fn for_update_of(self, alias: &str) -> String {
        match self {
            Dialect::Sqlite => String::new(),
            Dialect::Postgres => format!(" FOR UPDATE OF {alias}"),
        }
    }

    /// [`Dialect::for_share`] for a select that joins: only the rows of the table aliased
    /// `alias` are share-locked (the joined rows, read for context, are not).
    pub fn for_share_of(self, alias: &str) -> String {
        match self {
            Dialect::Sqlite => String::new(),
            Dialect::Postgres => format!(" FOR SHARE OF {alias}"),
        }
    }

    /// Appended to a select that claims rows for work (the outbox): PostgreSQL locks them and
    /// passes over rows another process has locked, so several processes share the work
    /// without waiting on each other; SQLite's one writer claims alone.
    pub fn for_update_skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Takes a phone number's advisory lock for the rest of the transaction (binds: the
    /// lock class, the phone), as group commit does on PostgreSQL before it reads the
    /// phone's bookings; `None` on SQLite, whose one writer serialises them already.
    pub fn phone_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(?, hashtext(?))"),
        }
    }

    /// An expression for a new booking id, larger than every id given so far, for a row
    /// that must go to the back of its waiting list (served in id order). SQLite gives the
    /// next id as one past the largest (no AUTOINCREMENT), and its one writer holds it.
    pub fn next_booking_id(self) -> &'static str {
        match self {
            Dialect::Sqlite => "(SELECT MAX(id) + 1 FROM bookings)",
            Dialect::Postgres => "nextval(pg_get_serial_sequence('bookings', 'id'))",
        }
    }

    /// `values` as one JSON list to bind, and a subquery (with its one `?`) of its members
    /// as rows of one column: a statement names any number of values with the same text,
    /// so it stays prepared, where `IN (?, ?, …)` is a new statement for every length.
    pub fn json_list<T: Listed>(self, values: &[T]) -> JsonList {
        let json = serde_json::to_string(values).unwrap_or_else(|_| "[]".into());
        let subquery = match self {
            Dialect::Sqlite => "SELECT value FROM json_each(?)",
            Dialect::Postgres => T::POSTGRES,
        };
        JsonList { json, subquery }
    }

    /// The statement with this database's placeholders: `?` as written for SQLite,
    /// numbered `$1`, `$2`, … for PostgreSQL.
    pub fn placeholders(self, sql: &str) -> Cow<'_, str> {
        match self {
            Dialect::Sqlite => Cow::Borrowed(sql),
            Dialect::Postgres if !sql.contains('?') => Cow::Borrowed(sql),
            Dialect::Postgres => {
                let mut out = String::with_capacity(sql.len() + 16);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                Cow::Owned(out)
            }
        }
    }
}

/// What [`Dialect::json_list`] lists: PostgreSQL reads a JSON list's members as text, and
/// casts them back to the column's type.
pub trait Listed: serde::Serialize {
    const POSTGRES: &'static str;
}
impl Listed for i64 {
    const POSTGRES: &'static str = "SELECT value::bigint FROM json_array_elements_text(?::json)";
}
impl Listed for String {
    const POSTGRES: &'static str = "SELECT value FROM json_array_elements_text(?::json)";
}

/// Values bound as one JSON list ([`Dialect::json_list`]).
pub struct JsonList {
    /// The list, to bind in place of the subquery's `?`.
    pub json: String,
    /// `SELECT value FROM …(?)`: the list's members, for `IN (…)`.
    pub subquery: &'static str,
}

/// A value both drivers can bind.
pub trait Value<'q>:
    Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres> + Send + 'q
{
}
impl<'q, T> Value<'q> for T where
    T: Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres> + Send + 'q
{
}

/// A row both drivers can decode.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// A single column value both drivers can decode.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

impl Db {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite { .. } => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A statement for the readers: SQLite's read pool, so a rush on the writer does not
    /// hold it up.
    pub fn read<'q>(&'q self, sql: &'q str) -> Statement<'q> {
        match self {
            Db::Sqlite { read, .. } => Statement::sqlite(On::SqlitePool(read), sql),
            Db::Postgres(pool) => Statement::postgres(On::PgPool(pool), sql),
        }
    }

    /// A statement that writes, on its own (autocommit): SQLite's writer connection.
    pub fn write<'q>(&'q self, sql: &'q str) -> Statement<'q> {
        match self {
            Db::Sqlite { write, .. } => Statement::sqlite(On::SqlitePool(write), sql),
            Db::Postgres(pool) => Statement::postgres(On::PgPool(pool), sql),
        }
    }

    /// On SQLite, copies the WAL back into the file and empties it, waiting at most `wait`
    /// for readers still on older pages: the writer is held while it waits, so every write
    /// waits as long. `Some(true)` when it emptied the WAL, `Some(false)` when readers were
    /// still busy, `None` on PostgreSQL (nothing to do).
    pub async fn empty_sqlite_wal(
        &self,
        wait: std::time::Duration,
    ) -> Result<Option<bool>, sqlx::Error> {
        use sqlx::Row as _;
        let Db::Sqlite { write, .. } = self else {
            return Ok(None);
        };
        let millis = |d: std::time::Duration| d.as_millis().min(i32::MAX as u128);
        // One connection throughout: no other statement runs with the shorter wait.
        let mut conn = write.acquire().await?;
        let set_wait = |d| format!("PRAGMA busy_timeout = {}", millis(d));
        sqlx::query(&set_wait(wait)).execute(&mut *conn).await?;
        let emptied = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await
            .map(|row| row.get::<i64, _>(0) == 0);
        let restored = sqlx::query(&set_wait(super::sqlite::BUSY_TIMEOUT))
            .execute(&mut *conn)
            .await;
        let emptied = emptied?;
        restored?;
        Ok(Some(emptied))
    }

    /// A write transaction (on SQLite's writer connection).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Closes every connection: once this returns, the database serves none of them.
    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                close_pool(read).await;
                close_pool(write).await;
            }
            Db::Postgres(pool) => close_pool(pool).await,
        }
    }
}

/// Closes `pool` until it holds no connection. sqlx 0.8's `Pool::close` alone may return
/// with one still open: a connection is given back to the pool by a task of its own, and
/// one given back while `close` runs can join the idle ones after `close` has emptied them.
/// It then stays open, held by nothing, as long as the pool exists (PostgreSQL lists its
/// backend; SQLite keeps its journal files). Closing again closes such late ones; a
/// connection still in use is waited for, as by `close` itself.
async fn close_pool<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) {
    pool.close().await;
    while pool.size() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        pool.close().await;
    }
}

/// A transaction on either database; dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A statement inside this transaction.
    pub fn query<'q>(&'q mut self, sql: &'q str) -> Statement<'q> {
        match self {
            Tx::Sqlite(tx) => Statement::sqlite(On::SqliteConn(tx), sql),
            Tx::Postgres(tx) => Statement::postgres(On::PgConn(tx), sql),
        }
    }

    /// This transaction as [`InTx`], for code written for both kinds of transaction.
    pub fn inside(&mut self) -> InTx<'_> {
        match self {
            Tx::Sqlite(tx) => InTx::Sqlite(tx),
            Tx::Postgres(tx) => InTx::Postgres(tx),
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// The connection of a transaction that is open, whoever began it: a [`Tx`], or the batch
/// writers' own sqlx transactions (`sqlite/admit.rs`, `postgres/admit.rs`), so statements
/// written once (the outbox's) run inside either.
pub enum InTx<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl InTx<'_> {
    pub fn query<'q>(&'q mut self, sql: &'q str) -> Statement<'q> {
        match self {
            InTx::Sqlite(conn) => Statement::sqlite(On::SqliteConn(conn), sql),
            InTx::Postgres(conn) => Statement::postgres(On::PgConn(conn), sql),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            InTx::Sqlite(_) => Dialect::Sqlite,
            InTx::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// Where a few statements run one after another: the readers, or a transaction (whose
/// changes the reads then see). For code that reads the same way inside and outside one.
pub enum Conn<'a> {
    Read(&'a Db),
    Tx(&'a mut Tx),
}

impl Conn<'_> {
    pub fn query<'q>(&'q mut self, sql: &'q str) -> Statement<'q> {
        match self {
            Conn::Read(db) => db.read(sql),
            Conn::Tx(tx) => tx.query(sql),
        }
    }
}

/// Where a statement runs.
enum On<'q> {
    SqlitePool(&'q SqlitePool),
    SqliteConn(&'q mut SqliteConnection),
    PgPool(&'q PgPool),
    PgConn(&'q mut PgConnection),
}

enum Args<'q> {
    Sqlite(SqliteArguments<'q>),
    Postgres(PgArguments),
}

/// One statement with its values, ready to run once.
pub struct Statement<'q> {
    on: On<'q>,
    sql: &'q str,
    args: Args<'q>,
    /// The first value that failed to encode: reported when the statement runs.
    unencodable: Option<sqlx::error::BoxDynError>,
}

/// Runs `$body` with `$query` bound to the sqlx query and `$on` to its executor, for
/// whichever database the statement is for.
macro_rules! run {
    ($statement:expr, |$query:ident, $on:ident| $body:expr) => {{
        let Statement {
            on,
            sql,
            args,
            unencodable,
        } = $statement;
        if let Some(e) = unencodable {
            return Err(sqlx::Error::Encode(e));
        }
        match (on, args) {
            (On::SqlitePool($on), Args::Sqlite(args)) => {
                let $query = sqlx::query_with::<Sqlite, _>(sql, args);
                $body
            }
            (On::SqliteConn($on), Args::Sqlite(args)) => {
                let $query = sqlx::query_with::<Sqlite, _>(sql, args);
                $body
            }
            (On::PgPool($on), Args::Postgres(args)) => {
                let sql = Dialect::Postgres.placeholders(sql);
                let $query = sqlx::query_with::<Postgres, _>(&sql, args);
                $body
            }
            (On::PgConn($on), Args::Postgres(args)) => {
                let sql = Dialect::Postgres.placeholders(sql);
                let $query = sqlx::query_with::<Postgres, _>(&sql, args);
                $body
            }
            _ => unreachable!("a statement's values are made for the database it runs on"),
        }
    }};
}

impl<'q> Statement<'q> {
    fn sqlite(on: On<'q>, sql: &'q str) -> Self {
        Statement {
            on,
            sql,
            args: Args::Sqlite(SqliteArguments::default()),
            unencodable: None,
        }
    }

    fn postgres(on: On<'q>, sql: &'q str) -> Self {
        Statement {
            on,
            sql,
            args: Args::Postgres(PgArguments::default()),
            unencodable: None,
        }
    }

    /// Binds the next `?`.
    pub fn bind<T: Value<'q>>(mut self, value: T) -> Self {
        let added = match &mut self.args {
            Args::Sqlite(args) => args.add(value),
            Args::Postgres(args) => args.add(value),
        };
        if let Err(e) = added {
            self.unencodable.get_or_insert(e);
        }
        self
    }

    /// Binds a text in both languages: its `_zh` column, then its `_en` column.
    pub fn bind_localised(self, text: &'q Localised) -> Self {
        self.bind(&text.zh).bind(&text.en)
    }

    /// Binds an optional filter, written `(CAST(? AS BIGINT) IS NULL OR column = ?)`: the id
    /// twice, so that one text serves both "every row" (`None`) and "rows of this id", and
    /// PostgreSQL can still infer the parameter's type.
    pub fn bind_filter(self, id: Option<i64>) -> Self {
        self.bind(id).bind(id)
    }

    /// Runs it; the number of rows it changed.
    pub async fn execute(self) -> Result<u64, sqlx::Error> {
        run!(self, |query, on| Ok(query
            .execute(on)
            .await?
            .rows_affected()))
    }

    pub async fn fetch_all<R: Row>(self) -> Result<Vec<R>, sqlx::Error> {
        run!(self, |query, on| query
            .fetch_all(on)
            .await?
            .iter()
            .map(R::from_row)
            .collect())
    }

    pub async fn fetch_optional<R: Row>(self) -> Result<Option<R>, sqlx::Error> {
        run!(self, |query, on| query
            .fetch_optional(on)
            .await?
            .as_ref()
            .map(R::from_row)
            .transpose())
    }

    pub async fn fetch_one<R: Row>(self) -> Result<R, sqlx::Error> {
        run!(self, |query, on| R::from_row(&query.fetch_one(on).await?))
    }

    /// The first column of the one row.
    pub async fn scalar<T: Scalar>(self) -> Result<T, sqlx::Error> {
        Ok(self.fetch_one::<(T,)>().await?.0)
    }

    /// The first column of the row, if there is one.
    pub async fn scalar_optional<T: Scalar>(self) -> Result<Option<T>, sqlx::Error> {
        Ok(self.fetch_optional::<(T,)>().await?.map(|(v,)| v))
    }

    /// The first column of every row.
    pub async fn scalars<T: Scalar>(self) -> Result<Vec<T>, sqlx::Error> {
        Ok(self
            .fetch_all::<(T,)>()
            .await?
            .into_iter()
            .map(|(v,)| v)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::{Db, Dialect};
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    /// A connection given back just as the pool closes is closed too: many rounds of
    /// queries on every connection, each ended by closing at once, leave no connection
    /// open. (With sqlx's `Pool::close` alone, some rounds leave one.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_leaves_no_connection_open() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("close.db"))
            .create_if_missing(true);
        for round in 0..300 {
            let pool = || {
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_lazy_with(options.clone())
            };
            let db = Db::Sqlite {
                read: pool(),
                write: pool(),
            };
            let Db::Sqlite { read, write } = db.clone() else {
                unreachable!()
            };
            let queries = (0..8).map(|i| {
                let pool = if i % 2 == 0 {
                    read.clone()
                } else {
                    write.clone()
                };
                tokio::spawn(async move { sqlx::query("SELECT 1").execute(&pool).await })
            });
            for query in queries {
                query.await.unwrap().unwrap();
            }
            db.close().await;
            assert_eq!(
                (read.size(), write.size()),
                (0, 0),
                "connections open after closing, round {round}"
            );
        }
    }

    #[test]
    fn postgres_placeholders_are_numbered_in_order() {
        assert_eq!(
            Dialect::Postgres.placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
        assert_eq!(Dialect::Sqlite.placeholders("x = ?"), "x = ?");
        assert_eq!(Dialect::Postgres.placeholders("SELECT 1"), "SELECT 1");
    }
}
