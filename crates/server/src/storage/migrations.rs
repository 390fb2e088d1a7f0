//! The schema migrations of both databases, embedded in the binary and run at start-up.
//!
//! Each migration is written once, in `migrations/`, as a template: SQL with `{{token}}`s for
//! the type and function names that differ and `-- sqlite:` / `-- postgres:` … `-- end`
//! blocks for what differs wholesale (`migrations/README.md`). [`render`] turns a template
//! into one database's text at start-up; an unknown token or an unbalanced block is an error,
//! never SQL.
//!
//! Listed by hand rather than with `sqlx::migrate!`: that proc macro (and sqlx's other
//! macros) build sqlx with both database drivers, and SQLite's C, a second time for the host,
//! which was about a third of a cold release build. Each migration is the rendered text as
//! `sqlx::migrate!` would embed a file (same version, description and checksum), and renders
//! byte for byte to what earlier builds shipped in `migrations/sqlite/` and
//! `migrations/postgres/`, so databases they migrated stay valid: the tests pin every
//! migration's SHA-384 on both databases (`SHIPPED`). A test checks the list against the
//! folder: a new migration file must be added below.

use super::db::Dialect;
use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

/// The migration templates, in version order. Embeds `TEMPLATES`, the
/// `(file name, contents)` of each file in `migrations/`.
macro_rules! embed {
    ($($file:literal),* $(,)?) => {
        const TEMPLATES: &[(&str, &str)] =
            &[$(($file, include_str!(concat!("../../migrations/", $file)))),*];
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
    "0015_erased_hashes.sql",
    "0016_erased_sample_text.sql",
    "0017_keyed_throttles.sql",
    "0018_throttle_accounts.sql",
    "0019_sample_session_cancelled.sql",
    "0020_revisions.sql",
    "0021_sample_withdrawn.sql",
    "0022_session_address.sql",
    "0023_walk_in_message.sql",
    "0024_one_phone_index.sql",
    "0025_codes_from_keys.sql",
    "0026_sample_session_changed.sql",
);

/// SQLite's migrations (`migrations/`, rendered for SQLite).
pub(super) async fn sqlite() -> Result<Migrator, MigrateError> {
    Migrator::new(Embedded(Dialect::Sqlite, TEMPLATES)).await
}

/// PostgreSQL's migrations (`migrations/`, rendered for PostgreSQL).
pub(super) async fn postgres() -> Result<Migrator, MigrateError> {
    Migrator::new(Embedded(Dialect::Postgres, TEMPLATES)).await
}

#[derive(Debug)]
struct Embedded(Dialect, &'static [(&'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async move {
            self.1
                .iter()
                .map(|&(file, template)| {
                    let sql =
                        render(template, self.0).map_err(|e| format!("migration {file}: {e}"))?;
                    migration(file, sql)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(BoxDynError::from)
        })
    }
}

/// `<version>_<description>.sql` → the migration sqlx's directory source would make of it.
fn migration(file: &str, sql: String) -> Result<Migration, String> {
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
    let no_tx = sql.starts_with("-- no-transaction");
    Ok(Migration::new(
        version,
        Cow::Owned(description),
        migration_type,
        Cow::Owned(sql),
        no_tx,
    ))
}

/// The tokens a template may use: `{{name}}` → (SQLite's text, PostgreSQL's text). The table
/// in `migrations/README.md` lists them too.
const TOKENS: &[(&str, &str, &str)] = &[
    ("id", "INTEGER PRIMARY KEY", PG_ID),
    (
        "id_never_reused",
        "INTEGER PRIMARY KEY AUTOINCREMENT",
        PG_ID,
    ),
    ("int", "INTEGER", "BIGINT"),
    ("bool", "INTEGER", "BOOLEAN"),
    ("false", "0", "FALSE"),
    ("timestamp", "TEXT", "TIMESTAMP"),
    ("date", "TEXT", "DATE"),
    ("bytes", "BLOB", "BYTEA"),
    ("least", "MIN", "LEAST"),
    ("greatest", "MAX", "GREATEST"),
];

/// PostgreSQL's identity column, for `{{id}}` and `{{id_never_reused}}` alike: it never hands
/// an id out twice. SQLite's `INTEGER PRIMARY KEY` may hand out again the largest id once its
/// row is deleted; `AUTOINCREMENT` never does.
const PG_ID: &str = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";

/// A block's opening or closing line.
enum Marker {
    Open(Dialect),
    End,
}

/// A template → `dialect`'s SQL: every token expanded, the other database's blocks left out,
/// the marker lines dropped, and every other byte as written (line endings included).
/// Tokens are checked in both databases' blocks, so a mistake fails on either database.
fn render(template: &str, dialect: Dialect) -> Result<String, String> {
    let mut sql = String::with_capacity(template.len());
    // The database and line of the block open, if one is.
    let mut open: Option<(Dialect, usize)> = None;
    for (number, line) in (1..).zip(template.split_inclusive('\n')) {
        let at = |e: String| format!("line {number}: {e}");
        let expanded = expand(line, dialect).map_err(at)?;
        match marker(line).map_err(at)? {
            Some(Marker::Open(db)) => {
                if let Some((_, opened)) = open {
                    return Err(at(format!(
                        "a block inside the one opened on line {opened}: close that with \
                         `-- end` first"
                    )));
                }
                open = Some((db, number));
            }
            Some(Marker::End) => {
                if open.take().is_none() {
                    return Err(at("`-- end` with no block open".to_owned()));
                }
            }
            None => {
                if open.is_none_or(|(db, _)| db == dialect) {
                    sql.push_str(&expanded);
                }
            }
        }
    }
    match open {
        Some((_, opened)) => Err(format!(
            "line {opened}: the block opened here is never closed with `-- end`"
        )),
        None => Ok(sql),
    }
}

/// `-- sqlite:`, `-- postgres:` or `-- end` alone on a line (spaces around allowed). Any other
/// line `-- word:` is refused: a misspelt database would otherwise be a comment.
fn marker(line: &str) -> Result<Option<Marker>, String> {
    let line = line.trim();
    if line == "-- end" {
        return Ok(Some(Marker::End));
    }
    let Some(word) = line.strip_prefix("-- ").and_then(|l| l.strip_suffix(':')) else {
        return Ok(None);
    };
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Ok(None);
    }
    match word {
        "sqlite" => Ok(Some(Marker::Open(Dialect::Sqlite))),
        "postgres" => Ok(Some(Marker::Open(Dialect::Postgres))),
        _ => Err(format!(
            "`{line}` names no database: a block opens with `-- sqlite:` or `-- postgres:`"
        )),
    }
}

/// One line with its `{{token}}`s replaced by `dialect`'s text.
fn expand(line: &str, dialect: Dialect) -> Result<String, String> {
    let stray = || "`}}` with no `{{` before it".to_owned();
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        let (before, after) = (&rest[..start], &rest[start + 2..]);
        if before.contains("}}") {
            return Err(stray());
        }
        let end = after
            .find("}}")
            .ok_or_else(|| "`{{` with no `}}` after it on the line".to_owned())?;
        let name = &after[..end];
        let &(_, sqlite, postgres) = TOKENS
            .iter()
            .find(|(token, ..)| *token == name)
            .ok_or_else(|| {
                let known: Vec<&str> = TOKENS.iter().map(|(token, ..)| *token).collect();
                format!(
                    "unknown token `{{{{{name}}}}}` (known: {})",
                    known.join(", ")
                )
            })?;
        out.push_str(before);
        out.push_str(match dialect {
            Dialect::Sqlite => sqlite,
            Dialect::Postgres => postgres,
        });
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err(stray());
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{migration, render, Dialect, Embedded, TEMPLATES, TOKENS};
    use sqlx::migrate::Migrator;
    use std::path::Path;

    /// Every `.sql` file in `migrations/` is embedded, in order, with the folder's contents.
    #[test]
    fn lists_every_migration_file() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = TEMPLATES.iter().map(|(file, _)| *file).collect();
        assert_eq!(
            listed, files,
            "storage/migrations.rs must list every file in migrations/"
        );
        for (file, template) in TEMPLATES {
            assert_eq!(
                *template,
                std::fs::read_to_string(folder.join(file)).unwrap()
            );
        }
    }

    /// The SHA-384 of each migration's text as shipped, `(file, SQLite's, PostgreSQL's)`:
    /// what every database migrated by an earlier build recorded in `_sqlx_migrations`
    /// (`sha384sum` of `migrations/sqlite/*.sql` and `migrations/postgres/*.sql` before the
    /// two folders became one). sqlx refuses to start on a database whose recorded checksum
    /// differs from the migration's, so these must never change: a shipped migration is fixed
    /// by a new one. A new migration adds its line once written.
    const SHIPPED: &[(&str, &str, &str)] = &[
        (
            "0001_init.sql",
            "0d8e7bcbeab67159031d118fb5e5030769ec0a9133829d38c794395f9ebe6db5aaebc896e1a68afa5871100e267af271",
            "b0105a797e57caa6ddf9495e0fb01ef1aa96a22bf886762e7f3ec8eb94d91c52d876dfc81d2c5985dace1d281ef0cf6f",
        ),
        (
            "0002_staff.sql",
            "326652da634b946db7d03b5093640145402195b51f021399865fad8b5526a2b27dfadbc64a644e98a07710c77c1ec37d",
            "22e1559f7e70433fe6b0d185f03421e49cc82043f65739f0abde3d866258e80b7868a1645282635845ef13b8f4321c18",
        ),
        (
            "0003_console.sql",
            "d2a78a9cd3ebd947cb1ff2d10d36b09ceee46069c792383730c6fbbef8e3e35892f3469be27543912eee929d949cde37",
            "fdefeace2390442935bf219bd7cd1d4dfc72d975d08402ddb65fe6d655d3e1f83f8bf5a2ed551323ed1ddfc910f57c44",
        ),
        (
            "0004_samples.sql",
            "8da5b907c4c7279fc02c423e0af00e6def80f62c7c4c3dc9136e6f08efdc5fbc0c1289095c9dfaa23a74a4386bae1baa",
            "e3945f1a941dd2dce54b50a75cf92e2c91301271e0a16054ea07a21a9a1cb6dacd59849957087372cb2bf7fac3ffda55",
        ),
        (
            "0005_photos.sql",
            "3258e7b4e4309d23afe95a329e33c0cb572409ea9cb7797096ca8ef3d66da8201adfda54257776c34c7632f8d28eca9c",
            "659fe72c60cda313b7628e6431a208cd4afe39290d604623687c9ac603b847ed94e72d82f5a00b14ec5987b44efd5051",
        ),
        (
            "0006_counts.sql",
            "cce373369fee0bf16a637af860a57a2c9261971faeae7c3b67b8ba04dd7918505fb79d35a5e2561875e1d5c5284da5ff",
            "05aee461704e5e70a8ddf0e1ce4529854607a0636f2c215c5fe1875729dbcf3cda9a5610765799ad6e990f15ebb8ade1",
        ),
        (
            "0007_erasure.sql",
            "30a105b08a57884e8d8661c6dafa2483b5a9c0dc57c5118f217153cc0dbbf2ab2e6d4bf35515edfb7cb52354cacd8f05",
            "eff933a8536bf218dd1089287f51dd1be2280ed586b3568691d6ea3c1b833cc617424ca057483ce51245d1983ce6f979",
        ),
        (
            "0008_throttles.sql",
            "bd73bcedc43e39c471a48102fd18c3eeca8f6d0aa5ac1763176fea7788a22587ed16bb89eac2eebabeba42bad5a4889c",
            "bd73bcedc43e39c471a48102fd18c3eeca8f6d0aa5ac1763176fea7788a22587ed16bb89eac2eebabeba42bad5a4889c",
        ),
        (
            "0009_organisations.sql",
            "970d7ea737d123ed82e88cfe59dafa5bb5fc2dff285e38c2812475c6f7a7a9b13c3fdfc11f379a16d04919ad3e21aa6c",
            "436f1236cc39a8704b576b07f4f2fe2c3031803a82f7336fd6c7c9c4dbb1b894a594c4bf76f59a0a2b4cf92db5f0f386",
        ),
        (
            "0010_walk_ins.sql",
            "9db4fb6b59dccd05ffb152297d1605f0fcc8b7dc56cf693aec7ba9901615e5cf2ec1dd9236a101e5a5bc17af6c071dab",
            "b3e3736c923e6b17939861d64afffcfa4ce6910b24d2bcd615fa1e6479a95e72d6cf0ffe32a8243fbead0054785ee3cf",
        ),
        (
            "0011_outbox.sql",
            "c755681ddea297bba5c7fdccfff9865944a3d45bd03393c418f227ce0d6a16e887d453ba22f27bea0a194b52cefafd1f",
            "54bc4123e91b588eb58afd435531eea522dbe035f07859a7145bd32ab4a415f4c1813a5fbbbd875ebd8a2440f225849a",
        ),
        (
            "0012_phone_codes.sql",
            "42f56e5b5f377ab4af9dcd8e7fd2ce5ccb4d2bd9872bce2306437d3c0090168930549debd52b022f835195c50316b400",
            "5c96ce63227ae9a9069922cf05e9e7a3d3794bfc46dcd03ef7d090ff0b28f7eb8327af964fb0616e810bbff6915b7301",
        ),
        (
            "0013_scale.sql",
            "4732ac8cdb736abb1ad2b4e33cd006b4bb9d79294a428c66b418998651861df91a86daac87e35675a73123f316b02af8",
            "d39894fae34699a5878e3115f502800db0092f7e0590b8c36abe84cd6f68e5398f03da1fd3dd14de69118c94513e9f5f",
        ),
        (
            "0014_queue_length.sql",
            "fc1add1e09fcef9e85221dfa89009ecf04cb4d80c524afc3f401667732ec0f86109ea83991d963b18c69eada69146eac",
            "1171404afc46d02ded1b822c3ba905639a4610f146b2098d0c413b24859012f177f82882c03077bef7bf70738649976b",
        ),
        (
            "0015_erased_hashes.sql",
            "88155e660007cb28eeffed4e9822bd47b3b26b44e4b688a86138dd1e7a8a762331d2b436ff19ba4215ef6c86d22f651b",
            "88155e660007cb28eeffed4e9822bd47b3b26b44e4b688a86138dd1e7a8a762331d2b436ff19ba4215ef6c86d22f651b",
        ),
        (
            "0016_erased_sample_text.sql",
            "72f91cdbf3d086b502d22c66d6be5f8827b47941409901ae141f79911074a9635f7297afe60a1f6035924bbdb6265e8f",
            "72f91cdbf3d086b502d22c66d6be5f8827b47941409901ae141f79911074a9635f7297afe60a1f6035924bbdb6265e8f",
        ),
        (
            "0017_keyed_throttles.sql",
            "2bdfa6862db6659b838e225cef0ca49e978a01ed9eee09bfc154e147bc0293e9f0f533d250418efe15e115a6a829f1d4",
            "2bdfa6862db6659b838e225cef0ca49e978a01ed9eee09bfc154e147bc0293e9f0f533d250418efe15e115a6a829f1d4",
        ),
        (
            "0018_throttle_accounts.sql",
            "ebae0ca434facd1d00d72822c87394cb90d125346bf741cca16d6b9027d482ccc5c1666e26b673acd7c8d4bea4cd7a31",
            "ebae0ca434facd1d00d72822c87394cb90d125346bf741cca16d6b9027d482ccc5c1666e26b673acd7c8d4bea4cd7a31",
        ),
        (
            "0019_sample_session_cancelled.sql",
            "a83fa4ae98f12d736dbcccb29348083176274d2ec9fa262b9361df595451a1f1bbee8f7c41477f7660793fa5e3a32488",
            "99084e10fdd087dc41da7894766b281ef5d2b733ab8af25d35d4fc66a1d298248ee27d0f206310c67e92f7fd0104cc00",
        ),
        (
            "0020_revisions.sql",
            "4fe1845d22f7fcd905ab5e2c06c5a005e93fc0b5de7cb6ec6ae82b84376bb18690228302e9cc7381e9ba26639d5e499a",
            "6cea05ce763cf5f2534dbbda75381ad064ded6c39b38d709f375360eb87b9269c63eb92da9e3815d2463e59acbe84351",
        ),
        (
            "0021_sample_withdrawn.sql",
            "5adc1a1568b5dd00ab11068eef174dc3d375d776438e6d5ab4d7cf75e268e1c60f2f29a091ac9c0943f98eb46a855c7c",
            "aa8b1e211d55c5effbffe1ef442828ffcacf07c6f40fcb651cba5a6b520b0482ec532ae0c5b5321d72d65139824f246f",
        ),
        (
            "0022_session_address.sql",
            "d4cde1d6167989b969a2a13b685f8492d20ff9bde928a825e97e0348f35d1032a430ce5b5660c27785324a608e40052c",
            "d4cde1d6167989b969a2a13b685f8492d20ff9bde928a825e97e0348f35d1032a430ce5b5660c27785324a608e40052c",
        ),
        (
            "0023_walk_in_message.sql",
            "033be3592276e6939fe9ed491b99efbc508e4af54ab9d9976fe0128663aa10a0eb6c72bf4956ce9ecfd3ab0291340331",
            "0ffc2bffa985155d420743752a6594f301688f569289b6505c9a722c7aa31ad136472a36cf9a9d30f917871c1a48a072",
        ),
        (
            "0024_one_phone_index.sql",
            "2caab871bf527b7a20b74bdc8d389a3a011f1a8279928ac0f58e0c657425ee1e4a6910ea2435f9f720c39db517a319e3",
            "2caab871bf527b7a20b74bdc8d389a3a011f1a8279928ac0f58e0c657425ee1e4a6910ea2435f9f720c39db517a319e3",
        ),
        (
            "0025_codes_from_keys.sql",
            "feca52237ecdcdc2ccff3dc2f489a7ee5da9fa65c5fb4778d1144b93bc0b2bc7acbb88f1212d35b1bce512119b1135ae",
            "7ac379b2f9dcdc826d4cc0c1cd7b95b2a4ebafe23f4530a4c3f3f7bbab640b7a36472d355cfbe5dd8a4c83524e8cd299",
        ),
        (
            "0026_sample_session_changed.sql",
            "3d03a32b62909b621a61a61ec6268f467ba6991f2882b0824844d3a4f5e2da7ec3a9db7bf315134426dc34691071e045",
            "86b7a2089e0614e5c083046c5248e9f56e81d0d501fd0616108ce2082dcb0bca8b1004de49b34a1ab2b97e2337eb910a",
        ),
    ];

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Every migration renders, on each database, to exactly the text earlier builds ran: the
    /// checksum sqlx computes from the rendered text is the one deployed databases hold.
    #[test]
    fn shipped_migrations_keep_their_checksums() {
        let mut wrong = Vec::new();
        for (file, template) in TEMPLATES {
            let [sqlite, postgres] = [Dialect::Sqlite, Dialect::Postgres].map(|dialect| {
                let sql = render(template, dialect).unwrap();
                hex(&migration(file, sql).unwrap().checksum)
            });
            let pinned = SHIPPED.iter().find(|(shipped, ..)| shipped == file);
            if pinned != Some(&(*file, sqlite.as_str(), postgres.as_str())) {
                wrong.push(format!(
                    "{file}: pinned {pinned:?}, renders to\n        (\n            \
                     \"{file}\",\n            \"{sqlite}\",\n            \"{postgres}\",\n        ),"
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "a migration no longer renders to what shipped (deployed databases would refuse \
             to start; fix a shipped migration with a new one), or a new one is not in SHIPPED \
             yet:\n{}",
            wrong.join("\n")
        );
        let pinned: Vec<&str> = SHIPPED.iter().map(|(file, ..)| *file).collect();
        let listed: Vec<&str> = TEMPLATES.iter().map(|(file, _)| *file).collect();
        assert_eq!(pinned, listed, "SHIPPED lists every migration, in order");
    }

    #[test]
    fn migrations_read_like_sqlx_reads_a_folder() {
        let m = migration(
            "0003_console_and_more.sql",
            "CREATE TABLE t (x INT);".into(),
        )
        .unwrap();
        assert_eq!(m.version, 3);
        assert_eq!(m.description, "console and more");
        assert!(!m.no_tx);
        // sqlx records SHA-384 of the text; an earlier build's database must still match.
        assert_eq!(m.checksum.len(), 48);
        let versions: Vec<i64> = TEMPLATES
            .iter()
            .map(|(f, s)| {
                migration(f, render(s, Dialect::Sqlite).unwrap())
                    .unwrap()
                    .version
            })
            .collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]));
        assert!(migration("init.sql", String::new()).is_err());
        assert!(
            migration("0001_x.sql", "-- no-transaction\nVACUUM;".into())
                .unwrap()
                .no_tx
        );
    }

    #[test]
    fn tokens_expand_per_database() {
        let template =
            "    id {{id}},\n    at {{timestamp}} NOT NULL DEFAULT {{false}}, x {{int}}\n";
        assert_eq!(
            render(template, Dialect::Sqlite).unwrap(),
            "    id INTEGER PRIMARY KEY,\n    at TEXT NOT NULL DEFAULT 0, x INTEGER\n"
        );
        assert_eq!(
            render(template, Dialect::Postgres).unwrap(),
            "    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n    \
             at TIMESTAMP NOT NULL DEFAULT FALSE, x BIGINT\n"
        );
        for &(name, sqlite, postgres) in TOKENS {
            let template = format!("a {{{{{name}}}}}b");
            assert_eq!(
                render(&template, Dialect::Sqlite).unwrap(),
                format!("a {sqlite}b")
            );
            assert_eq!(
                render(&template, Dialect::Postgres).unwrap(),
                format!("a {postgres}b")
            );
        }
    }

    #[test]
    fn blocks_keep_one_database_s_lines_and_drop_the_markers() {
        let template = "shared 1\n\
                        -- sqlite:\n\
                        only sqlite {{int}}\n\
                        -- end\n  \
                          -- postgres:\n\
                        only postgres {{int}}\n\
                        second postgres\n  \
                          -- end  \n\
                        -- a comment: stays\n\
                        shared 2 {{bool}}";
        assert_eq!(
            render(template, Dialect::Sqlite).unwrap(),
            "shared 1\nonly sqlite INTEGER\n-- a comment: stays\nshared 2 INTEGER"
        );
        assert_eq!(
            render(template, Dialect::Postgres).unwrap(),
            "shared 1\nonly postgres BIGINT\nsecond postgres\n-- a comment: stays\n\
             shared 2 BOOLEAN"
        );
        // Without notation, the text passes byte for byte, line endings and all.
        let plain = "-- no-transaction\r\nSELECT '{' || '}';\r\n\r\n-- end of file\n";
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            assert_eq!(render(plain, dialect).unwrap(), plain);
            assert_eq!(render("", dialect).unwrap(), "");
        }
    }

    #[test]
    fn mistakes_are_errors_not_sql() {
        let cases = [
            ("a\nx {{serial}} y\n", "line 2: unknown token `{{serial}}`"),
            ("x {{INT}}\n", "line 1: unknown token `{{INT}}`"),
            ("x {{ int }}\n", "line 1: unknown token `{{ int }}`"),
            ("x {{int\n}}\n", "line 1: `{{` with no `}}` after it"),
            ("x int}}\n", "line 1: `}}` with no `{{` before it"),
            ("x {{int}} }}\n", "line 1: `}}` with no `{{` before it"),
            (
                "a\n-- sqlite:\nb\n",
                "line 2: the block opened here is never closed",
            ),
            ("a\n-- end\n", "line 2: `-- end` with no block open"),
            (
                "-- sqlite:\na\n-- postgres:\nb\n-- end\n-- end\n",
                "line 3: a block inside the one opened on line 1",
            ),
            (
                "-- sqlite:\n-- sqlite:\n-- end\n-- end\n",
                "line 2: a block inside the one opened on line 1",
            ),
            (
                "-- postgresql:\na\n-- end\n",
                "line 1: `-- postgresql:` names no database",
            ),
            ("-- mysql:\n", "line 1: `-- mysql:` names no database"),
            // A mistake in the other database's block fails too.
            (
                "-- postgres:\nx {{serial}}\n-- end\n",
                "line 2: unknown token",
            ),
            (
                "-- sqlite:\nx {{serial}}\n-- end\n",
                "line 2: unknown token",
            ),
        ];
        for (template, expected) in cases {
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                let error = render(template, dialect).unwrap_err();
                assert!(
                    error.starts_with(expected),
                    "{template:?} on {dialect:?}: {error}"
                );
            }
        }
    }

    /// A mistake in a template stops start-up, named, rather than reaching the database.
    #[tokio::test]
    async fn a_broken_template_stops_the_migrator() {
        const BROKEN: &[(&str, &str)] = &[("0001_x.sql", "CREATE TABLE t (id {{serial}});\n")];
        let error = Migrator::new(Embedded(Dialect::Sqlite, BROKEN))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("migration 0001_x.sql: line 1: unknown token `{{serial}}`"),
            "{error}"
        );
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
        let (_, template) = TEMPLATES
            .iter()
            .find(|(file, _)| *file == "0006_counts.sql")
            .unwrap();
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let sql = render(template, dialect).unwrap();
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

    /// A SQLite database in a folder of its own, migrated to the first `migrations` templates.
    async fn old_sqlite(migrations: usize) -> (tempfile::TempDir, sqlx::SqlitePool) {
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
        let old = Migrator::new(Embedded(Dialect::Sqlite, &TEMPLATES[..migrations]))
            .await
            .unwrap();
        old.run(&pool).await.unwrap();
        (dir, pool)
    }

    #[tokio::test]
    async fn an_old_sqlite_database_migrates_and_keeps_its_rows() {
        let (_dir, pool) = old_sqlite(5).await;
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

    /// A PostgreSQL schema of its own (`t_migrate_<name>_<pid>`), migrated to the first
    /// `migrations` templates: the admin connection that drops it, the pool and the schema.
    /// `None` outside CI when PostgreSQL is unreachable (said on stderr).
    async fn old_postgres(
        name: &str,
        migrations: usize,
    ) -> Option<(sqlx::PgConnection, sqlx::PgPool, String)> {
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
                return None;
            }
            Err(e) => panic!("PostgreSQL unreachable in CI: {e}"),
        };
        let schema = format!("t_migrate_{name}_{}", std::process::id());
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
        let old = Migrator::new(Embedded(Dialect::Postgres, &TEMPLATES[..migrations]))
            .await
            .unwrap();
        old.run(&pool).await.unwrap();
        Some((admin, pool, schema))
    }

    /// Ends [`old_postgres`]'s pool and drops its schema.
    async fn drop_postgres(mut admin: sqlx::PgConnection, pool: sqlx::PgPool, schema: &str) {
        pool.close().await;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut admin)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_old_postgres_database_migrates_and_keeps_its_rows() {
        let Some((admin, pool, schema)) = old_postgres("rows", 5).await else {
            return;
        };
        for statement in OLD_ROWS {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        let migrated = super::postgres().await.unwrap().run(&pool).await;
        let after: Result<After, _> = sqlx::query_as(AFTER).fetch_one(&pool).await;
        let refused = sqlx::query("UPDATE sessions SET booked = -1 WHERE id = 2")
            .execute(&pool)
            .await;
        drop_postgres(admin, pool, &schema).await;
        migrated.unwrap();
        assert_repaired(after.unwrap());
        assert!(
            refused.is_err(),
            "a negative counter is refused after migrating"
        );
    }

    /// A state migration 0023 allowed: a phone's online booking marked a no-show, a walk-in
    /// of the same phone let in on the same session in the moment before (its clock read
    /// before the session's lock), then the no-show erased by its holder (its hash kept for
    /// the no-show pause) and checked in late by a desk that was offline. Two bookings of one
    /// phone hold a place on one session, one of them erased.
    const ERASED_BESIDE_A_WALK_IN: &[&str] = &[
        "INSERT INTO organisations (id, name_zh, city_zh) VALUES (1, '实验室', '南昌')",
        "INSERT INTO activities (id, organisation_id, kind, title_zh, starts_on, ends_on) \
         VALUES (1, 1, 'lab_open_day', '开放日', '2026-06-01', '2026-06-30')",
        "INSERT INTO sessions (id, activity_id, format, starts_at, ends_at, capacity, per_booking_limit, \
           booking_opens_at, booking_closes_at, cancel_deadline, booked) VALUES \
         (1, 1, 'visit', '2026-06-01 10:00:00', '2026-06-01 12:00:00', 10, 5, '2026-05-01 00:00:00', \
           '2026-06-01 09:00:00', '2026-06-01 08:00:00', 2)",
        "INSERT INTO bookings (session_id, code, name, phone, phone_hash, adults, children, status, \
           session_day, booked_at, consent_at, checked_in, erased_at) VALUES \
         (1, 'ERASED01', NULL, NULL, 'c0ffee', 1, 0, 'checked_in', '2026-06-01', \
           '2026-05-02 10:00:00', '2026-05-02 10:00:00', 1, '2026-06-01 12:10:00'), \
         (1, 'WALKIN01', NULL, '13800138000', 'c0ffee', 1, 0, 'checked_in', '2026-06-01', \
           '2026-06-01 11:59:59', '2026-06-01 11:59:59', 1, NULL)",
    ];

    /// After migrating: both bookings kept, and the rule holds for those that name their
    /// holder: a second booking of the phone that holds a place on the session is refused.
    const ONE_MORE_OF_THE_PHONE: &str = "INSERT INTO bookings (session_id, code, name, phone, \
        phone_hash, adults, children, status, session_day, booked_at, consent_at) VALUES \
        (1, 'ONEMORE1', 'x', '13800138000', 'c0ffee', 1, 0, 'waitlisted', '2026-06-01', \
        '2026-06-01 11:00:00', '2026-06-01 11:00:00')";

    #[tokio::test]
    async fn an_erased_booking_beside_a_walk_in_of_its_phone_migrates() {
        let (_dir, pool) = old_sqlite(23).await;
        for statement in ERASED_BESIDE_A_WALK_IN {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        super::sqlite().await.unwrap().run(&pool).await.unwrap();
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bookings")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(kept, 2);
        let refused = sqlx::query(ONE_MORE_OF_THE_PHONE).execute(&pool).await;
        assert!(
            matches!(&refused, Err(sqlx::Error::Database(e)) if e.is_unique_violation()),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn an_erased_booking_beside_a_walk_in_of_its_phone_migrates_on_postgres() {
        let Some((admin, pool, schema)) = old_postgres("erased", 23).await else {
            return;
        };
        for statement in ERASED_BESIDE_A_WALK_IN {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        let migrated = super::postgres().await.unwrap().run(&pool).await;
        let kept: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM bookings")
            .fetch_one(&pool)
            .await;
        let refused = sqlx::query(ONE_MORE_OF_THE_PHONE).execute(&pool).await;
        drop_postgres(admin, pool, &schema).await;
        migrated.unwrap();
        assert_eq!(kept.unwrap(), 2);
        assert!(
            matches!(&refused, Err(sqlx::Error::Database(e)) if e.is_unique_violation()),
            "{refused:?}"
        );
    }

    /// A booking made with an Idempotency-Key before codes were drawn from keys, and one
    /// made without: the first's key is what its retry is looked up by after migrating.
    const KEYED_BEFORE_DRAWS: &[&str] = &[
        ERASED_BESIDE_A_WALK_IN[0],
        ERASED_BESIDE_A_WALK_IN[1],
        ERASED_BESIDE_A_WALK_IN[2],
        "INSERT INTO bookings (session_id, code, name, phone, phone_hash, adults, children, status, \
           session_day, booked_at, consent_at, idempotency_key, request_digest) VALUES \
         (1, 'KEYED001', 'x', '13800138000', 'c0ffee', 1, 0, 'confirmed', '2026-06-01', \
           '2026-05-02 10:00:00', '2026-05-02 10:00:00', 'key-hash', 'digest'), \
         (1, 'UNKEYED1', 'y', '13800138001', 'decaf0', 1, 0, 'confirmed', '2026-06-01', \
           '2026-05-02 10:00:00', '2026-05-02 10:00:00', NULL, NULL)",
    ];

    /// `(code, key of a random code, key the code was drawn from)` of every booking, by code.
    const KEYS_AFTER: &str = "SELECT code, idempotency_key, code_key \
        FROM bookings ORDER BY code";

    type KeysAfter = Vec<(String, Option<String>, Option<String>)>;

    fn assert_keys_moved(after: KeysAfter) {
        assert_eq!(
            after,
            vec![
                ("KEYED001".into(), Some("key-hash".into()), None),
                ("UNKEYED1".into(), None, None),
            ],
            "an earlier booking's key stays where a retry looks it up"
        );
    }

    #[tokio::test]
    async fn an_earlier_bookings_key_stays_where_its_retry_is_looked_up() {
        let (_dir, pool) = old_sqlite(24).await;
        for statement in KEYED_BEFORE_DRAWS {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        super::sqlite().await.unwrap().run(&pool).await.unwrap();
        let after: KeysAfter = sqlx::query_as(KEYS_AFTER).fetch_all(&pool).await.unwrap();
        assert_keys_moved(after);
    }

    #[tokio::test]
    async fn an_earlier_bookings_key_stays_where_its_retry_is_looked_up_on_postgres() {
        let Some((admin, pool, schema)) = old_postgres("keys", 24).await else {
            return;
        };
        for statement in KEYED_BEFORE_DRAWS {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        let migrated = super::postgres().await.unwrap().run(&pool).await;
        let after: Result<KeysAfter, _> = sqlx::query_as(KEYS_AFTER).fetch_all(&pool).await;
        drop_postgres(admin, pool, &schema).await;
        migrated.unwrap();
        assert_keys_moved(after.unwrap());
    }
}
