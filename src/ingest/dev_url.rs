//! `--dev-url`: replays the migrations on a real server and reads the result.
//!
//! carve creates a scratch database (`carve_dev_<pid>_<n>`) on the server,
//! applies the SQL files static replay reads, in the same order, reads the
//! scratch database back exactly as `--database-url` does, then drops it,
//! also when a migration fails or the user presses Ctrl-C. Nothing else on
//! the server is written to: the only statements run outside the scratch
//! database are its `CREATE DATABASE` and `DROP DATABASE`, and migration
//! statements that create, drop or switch databases are refused.
//!
//! The live schema is then compared with static replay, table by table, and
//! every difference becomes a `dev-url-differs` warning.

use super::live::{self, Engine, LiveOptions, Target};
use super::{LoadError, LoadedSchema, ReplayFile, SchemaRequest};
use crate::ingest::sql::split::{split_statements, RawStatement};
use crate::model::{Diagnostic, Dialect, Schema, Table};
use sqlx::{Connection, Executor};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Every scratch database's name starts with this.
pub const SCRATCH_PREFIX: &str = "carve_dev_";
/// A difference between the server's reading and static replay.
pub const DIFFERS: &str = "dev-url-differs";
/// A file that was not applied on the server.
pub const SKIPPED: &str = "dev-url-skipped";

/// What `--dev-url` produced: the live schema as the report, and a one-line
/// summary for stderr.
#[derive(Debug)]
pub struct DevRun {
    pub loaded: LoadedSchema,
    pub summary: String,
}

/// Why `--dev-url` gave no schema.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    /// The migrations do not suit the server, or there is nothing to apply.
    #[error("{0}")]
    Mismatch(String),
    /// The server could not be reached, or refused the scratch database.
    #[error("{0}")]
    Server(String),
    /// A migration failed on the server.
    #[error("{0}")]
    Migration(String),
    #[error(transparent)]
    Load(LoadError),
}

impl DevError {
    pub fn help(&self) -> &str {
        match self {
            DevError::Mismatch(_) => {
                "point --dev-url at a server of the migrations' dialect, or name the folder with --schema"
            }
            DevError::Server(_) => {
                "check the URL, that the server runs and that the user may create databases"
            }
            DevError::Migration(_) => {
                "fix the migration, or compare with static replay alone (without --dev-url)"
            }
            DevError::Load(e) => e.help(),
        }
    }
}

/// Replays the migrations `request` finds on a scratch database of the
/// server at `dev_url`, reads it back and compares it with static replay.
pub fn load(dev_url: &str, request: &SchemaRequest) -> Result<DevRun, DevError> {
    let (engine, driver_url) =
        live::engine_for(dev_url).map_err(|e| DevError::Server(format!("{e:#}")))?;
    let dialect = match engine {
        Engine::Postgres => Dialect::Postgres,
        Engine::Mysql => Dialect::Mysql,
    };
    let target = Target::new(dev_url, driver_url);
    if let Some(wanted) = request.dialect {
        if wanted != dialect {
            return Err(DevError::Mismatch(format!(
                "--dialect {wanted} does not match the {dialect} server of --dev-url {}",
                target.redacted
            )));
        }
    }
    let mut request = request.clone();
    request.database_url = None;
    request.dialect = Some(dialect);
    let plan = super::replay_plan(&request).map_err(DevError::Load)?;
    if let Some((source, Some(other))) = plan
        .used
        .iter()
        .find(|(_, d)| d.is_some_and(|d| d != dialect))
    {
        return Err(DevError::Mismatch(format!(
            "{source} is written for {other}, but --dev-url {} is a {dialect} server",
            target.redacted
        )));
    }
    if plan.files.is_empty() {
        let found = if plan.skipped.is_empty() {
            String::new()
        } else {
            format!(" (found: {})", plan.skipped.join("; "))
        };
        return Err(DevError::Mismatch(format!(
            "no {dialect} SQL to apply on --dev-url {}{found}",
            target.redacted
        )));
    }
    let stat = super::load_schema(&request).map_err(DevError::Load)?;

    let scratch = Scratch::create(engine, &target)?;
    let applied = apply_all(&scratch, &target, &plan.files);
    let live = match applied {
        Ok(notes) => {
            let options = LiveOptions::default();
            match live::introspect(&scratch.url, &options) {
                Ok(live) => Ok((live, notes)),
                Err(e) => Err(DevError::Server(target.scrub(&format!("{e:#}")))),
            }
        }
        Err(e) => Err(e),
    };
    let dropped = scratch.drop_now(&target);
    let (live, notes) = live?;
    dropped?;

    let mut diagnostics = plan.diagnostics;
    diagnostics.extend(notes);
    diagnostics.extend(live.diagnostics);
    let differences = compare(&live.schema, &stat.schema);
    let differing: Vec<&str> = differences.iter().map(|(t, _)| t.as_str()).collect();
    let summary = if differences.is_empty() {
        format!(
            "--dev-url: {} file(s) applied on {}; the server and static replay agree on {} table(s)",
            plan.files.len(),
            target.redacted,
            live.schema.tables.len()
        )
    } else {
        format!(
            "--dev-url: {} file(s) applied on {}; the server ({} tables) and static replay ({} tables) differ on {} table(s): {}",
            plan.files.len(),
            target.redacted,
            live.schema.tables.len(),
            stat.schema.tables.len(),
            differing.len(),
            differing.join(", ")
        )
    };
    diagnostics.extend(differences.into_iter().map(|(_, d)| d));
    let used = plan.used.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>();
    Ok(DevRun {
        loaded: LoadedSchema {
            schema: live.schema,
            diagnostics,
            used: vec![format!(
                "scratch database on {} from {}",
                target.redacted,
                used.join(", ")
            )],
            skipped: plan.skipped,
        },
        summary,
    })
}

// ---------------------------------------------------------------------------
// The scratch database
// ---------------------------------------------------------------------------

/// What is needed to drop a scratch database, from anywhere.
#[derive(Debug, Clone)]
struct ScratchInfo {
    engine: Engine,
    /// The driver URL of the server as given (its own database).
    admin_url: String,
    name: String,
}

/// The scratch database alive right now, for the Ctrl-C handler.
static ACTIVE: Mutex<Option<ScratchInfo>> = Mutex::new(None);

/// A scratch database, dropped when this goes (on every path out).
struct Scratch {
    info: ScratchInfo,
    /// The driver URL of the scratch database.
    url: String,
}

fn runtime() -> Result<tokio::runtime::Runtime, DevError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DevError::Server(format!("could not start the async runtime: {e}")))
}

fn quote(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("\"{name}\""),
        Engine::Mysql => format!("`{name}`"),
    }
}

impl Scratch {
    fn create(engine: Engine, target: &Target) -> Result<Scratch, DevError> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "{SCRATCH_PREFIX}{}_{:x}{}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut url = url::Url::parse(&target.url).map_err(|e| {
            DevError::Server(format!("--dev-url {} is not a URL: {e}", target.redacted))
        })?;
        url.set_path(&format!("/{name}"));
        let info = ScratchInfo {
            engine,
            admin_url: target.url.clone(),
            name: name.clone(),
        };
        let rt = runtime()?;
        let create = [format!("CREATE DATABASE {}", quote(engine, &name))];
        rt.block_on(async {
            let mut conn = target.connect(on_server(engine, &target.url)).await?;
            let done = conn
                .run_first_accepted(&create)
                .await
                .map_err(|e| target.db_error("could not create the scratch database", e));
            conn.close().await;
            done
        })
        .map_err(|e: anyhow::Error| DevError::Server(format!("{} on {}", e, target.redacted)))?;
        *ACTIVE.lock().unwrap_or_else(|p| p.into_inner()) = Some(info.clone());
        // Ctrl-C while the scratch database exists drops it, then exits as
        // shells expect (130). Only one handler may be installed per process;
        // a later `--dev-url` run in the same process reuses it.
        let _ = ctrlc::set_handler(|| {
            let active = ACTIVE.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(info) = active {
                let _ = drop_database(&info);
            }
            std::process::exit(130);
        });
        Ok(Scratch {
            info,
            url: url.to_string(),
        })
    }

    /// Drops the database now, reporting failure.
    fn drop_now(self, target: &Target) -> Result<(), DevError> {
        let active = ACTIVE.lock().unwrap_or_else(|p| p.into_inner()).take();
        let result = match active {
            Some(info) => drop_database(&info),
            None => Ok(()),
        };
        std::mem::forget(self);
        result.map_err(|e| DevError::Server(target.scrub(&e)))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let active = ACTIVE.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(info) = active {
            let _ = drop_database(&info);
        }
    }
}

/// Drops a scratch database from the server's own database. PostgreSQL
/// closes connections left on it first (`WITH (FORCE)`, 13 and later).
fn drop_database(info: &ScratchInfo) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let name = quote(info.engine, &info.name);
    let plain = format!("DROP DATABASE IF EXISTS {name}");
    let statements = match info.engine {
        Engine::Postgres => vec![format!("{plain} WITH (FORCE)"), plain],
        Engine::Mysql => vec![plain],
    };
    rt.block_on(async {
        let mut conn = on_server(info.engine, &info.admin_url)
            .await
            .map_err(|e| e.to_string())?;
        let result = conn.run_first_accepted(&statements).await;
        conn.close().await;
        result.map_err(|e| format!("could not drop scratch database {}: {e}", info.name))
    })
}

/// A connection to the server's own database (the one `--dev-url` names),
/// where the scratch database is created and dropped.
enum ServerConnection {
    Postgres(sqlx::PgConnection),
    Mysql(sqlx::MySqlConnection),
}

async fn on_server(engine: Engine, url: &str) -> Result<ServerConnection, sqlx::Error> {
    Ok(match engine {
        Engine::Postgres => ServerConnection::Postgres(
            sqlx::PgConnection::connect_with(&sqlx::postgres::PgConnectOptions::from_str(url)?)
                .await?,
        ),
        Engine::Mysql => ServerConnection::Mysql(
            sqlx::MySqlConnection::connect_with(&sqlx::mysql::MySqlConnectOptions::from_str(url)?)
                .await?,
        ),
    })
}

impl ServerConnection {
    /// Runs the statements in turn until the server accepts one; the last
    /// refusal when none is accepted. (`DROP DATABASE … WITH (FORCE)` needs
    /// PostgreSQL 13; the plain form is the fallback.)
    async fn run_first_accepted(&mut self, statements: &[String]) -> Result<(), sqlx::Error> {
        let mut last = Err(sqlx::Error::Protocol("no statement to run".into()));
        for statement in statements {
            last = match self {
                ServerConnection::Postgres(conn) => {
                    conn.execute(sqlx::raw_sql(statement)).await.map(drop)
                }
                ServerConnection::Mysql(conn) => {
                    conn.execute(sqlx::raw_sql(statement)).await.map(drop)
                }
            };
            if last.is_ok() {
                break;
            }
        }
        last
    }

    async fn close(self) {
        let _ = match self {
            ServerConnection::Postgres(conn) => conn.close().await,
            ServerConnection::Mysql(conn) => conn.close().await,
        };
    }
}

// ---------------------------------------------------------------------------
// Applying the files
// ---------------------------------------------------------------------------

/// The first line of a statement, cut at about 80 characters.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() > 80 {
        let cut: String = line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        line.to_string()
    }
}

/// Statements that would create, drop or switch databases: refused, since
/// only the scratch database may be written to.
fn leaves_scratch(statement: &str, dialect: Dialect) -> bool {
    let words: Vec<String> = statement
        .split_whitespace()
        .take(3)
        .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
        .collect();
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    match w(0) {
        "use" => true,
        // In MySQL a schema is a database; in PostgreSQL it lives inside one.
        "create" | "drop" | "alter" => {
            w(1) == "database" || (w(1) == "schema" && dialect == Dialect::Mysql)
        }
        _ => false,
    }
}

/// psql-only syntax sqlx cannot send: meta-commands and `COPY … FROM stdin`.
fn psql_only(text: &str) -> Option<&'static str> {
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('\\') {
            return Some("psql meta-commands (\\set, \\connect, ...)");
        }
        let lower = t.to_ascii_lowercase();
        if lower.starts_with("copy ") && lower.contains("from stdin") {
            return Some("COPY ... FROM stdin data");
        }
    }
    None
}

/// The statement holding byte `offset` of the file.
fn statement_at<'a>(
    statements: &'a [RawStatement<'a>],
    offset: usize,
) -> Option<&'a RawStatement<'a>> {
    statements.iter().rev().find(|s| s.offset <= offset)
}

fn apply_all(
    scratch: &Scratch,
    target: &Target,
    files: &[ReplayFile],
) -> Result<Vec<Diagnostic>, DevError> {
    let rt = runtime()?;
    rt.block_on(async {
        match scratch.info.engine {
            Engine::Postgres => apply_postgres(scratch, target, files).await,
            Engine::Mysql => apply_mysql(scratch, target, files).await,
        }
    })
}

/// Checks a file's statements for ones that leave the scratch database.
fn refuse_other_databases(
    file: &ReplayFile,
    statements: &[RawStatement<'_>],
    dialect: Dialect,
) -> Result<(), DevError> {
    match statements.iter().find(|s| leaves_scratch(s.text, dialect)) {
        Some(s) => Err(DevError::Migration(format!(
            "{}:{}: `{}`: --dev-url applies migrations to its scratch database only and does not create, drop or switch databases",
            file.shown,
            s.line,
            first_line(s.text)
        ))),
        None => Ok(()),
    }
}

fn migration_error(
    target: &Target,
    file: &ReplayFile,
    at: Option<&RawStatement<'_>>,
    err: sqlx::Error,
) -> DevError {
    let message = match &err {
        sqlx::Error::Database(db) => target.scrub(db.message()),
        other => target.scrub(&other.to_string()),
    };
    let place = match at {
        Some(s) => format!("{}:{}: `{}`", file.shown, s.line, first_line(s.text)),
        None => format!("{}: (the server gave no position in the file)", file.shown),
    };
    DevError::Migration(format!("{place} failed on the server: {message}"))
}

/// PostgreSQL: each file as one simple query, the way diesel and sqlx run
/// a migration. A file that holds statements PostgreSQL refuses inside the
/// implicit transaction of a multi-statement query (`CREATE INDEX
/// CONCURRENTLY`, …) runs again statement by statement, as `psql -f` would.
async fn apply_postgres(
    scratch: &Scratch,
    target: &Target,
    files: &[ReplayFile],
) -> Result<Vec<Diagnostic>, DevError> {
    let options = sqlx::postgres::PgConnectOptions::from_str(&scratch.url)
        .map_err(|e| DevError::Server(target.db_error("invalid URL", e).to_string()))?;
    let mut conn = target
        .connect(sqlx::PgConnection::connect_with(&options))
        .await
        .map_err(|e| DevError::Server(format!("{e:#}")))?;
    let mut notes = Vec::new();
    let mut result = Ok(());
    for file in files {
        if let Some(what) = psql_only(&file.text) {
            notes.push(
                Diagnostic::warning(
                    SKIPPED,
                    format!("not applied on the --dev-url server: the file holds {what}, which only psql understands"),
                )
                .in_file(file.shown.clone()),
            );
            continue;
        }
        let split_dialect = Dialect::Postgres;
        let split = split_statements(&file.text, split_dialect);
        if let Err(e) = refuse_other_databases(file, &split.statements, split_dialect) {
            result = Err(e);
            break;
        }
        let whole = conn.execute(sqlx::raw_sql(&file.text)).await;
        let err = match whole {
            Ok(_) => continue,
            Err(err) => err,
        };
        let in_block =
            matches!(&err, sqlx::Error::Database(db) if db.code().as_deref() == Some("25001"));
        let position = match &err {
            sqlx::Error::Database(db) => db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .and_then(|pg| match pg.position() {
                    Some(sqlx::postgres::PgErrorPosition::Original(p)) => Some(p),
                    _ => None,
                }),
            _ => None,
        };
        // The failed query left nothing behind (it ran as one implicit
        // transaction), so running the file again statement by statement
        // also finds the statement the server gave no position for.
        if in_block || (position.is_none() && split.statements.len() > 1) {
            let mut failed = None;
            for statement in &split.statements {
                if let Err(err) = conn.execute(sqlx::raw_sql(statement.text)).await {
                    failed = Some(migration_error(target, file, Some(statement), err));
                    break;
                }
            }
            if let Some(e) = failed {
                result = Err(e);
                break;
            }
            continue;
        }
        // The position counts characters from 1; the statements are located
        // by byte offset.
        let offset = position.map(|p| {
            file.text
                .char_indices()
                .nth(p.saturating_sub(1))
                .map_or(file.text.len(), |(i, _)| i)
        });
        let at = offset.and_then(|o| statement_at(&split.statements, o)).or(
            match split.statements.as_slice() {
                [only] => Some(only),
                _ => None,
            },
        );
        result = Err(migration_error(target, file, at, err));
        break;
    }
    let _ = conn.close().await;
    result.map(|()| notes)
}

/// MySQL and MariaDB: statement by statement, split by carve's splitter
/// (which follows `DELIMITER`), the way the `mysql` client sends them.
async fn apply_mysql(
    scratch: &Scratch,
    target: &Target,
    files: &[ReplayFile],
) -> Result<Vec<Diagnostic>, DevError> {
    let options = sqlx::mysql::MySqlConnectOptions::from_str(&scratch.url)
        .map_err(|e| DevError::Server(target.db_error("invalid URL", e).to_string()))?;
    let mut conn = target
        .connect(sqlx::MySqlConnection::connect_with(&options))
        .await
        .map_err(|e| DevError::Server(format!("{e:#}")))?;
    // Tables may reference tables a later statement creates: MySQL parses
    // and ignores inline `REFERENCES`, MariaDB creates those keys and
    // refuses a missing target (errno 150) unless key checks are off, the
    // way dumps restore. Only the scratch database's schema is read.
    let mut result = conn
        .execute(sqlx::raw_sql("SET SESSION foreign_key_checks = 0"))
        .await
        .map(drop)
        .map_err(|e| DevError::Server(target.db_error("cannot relax key checks", e).to_string()));
    'files: for file in files {
        if result.is_err() {
            break;
        }
        let split_dialect = Dialect::Mysql;
        let split = split_statements(&file.text, split_dialect);
        if let Err(e) = refuse_other_databases(file, &split.statements, split_dialect) {
            result = Err(e);
            break;
        }
        for statement in &split.statements {
            if let Err(err) = conn.execute(sqlx::raw_sql(statement.text)).await {
                result = Err(migration_error(target, file, Some(statement), err));
                break 'files;
            }
        }
    }
    let _ = conn.close().await;
    result.map(|()| Vec::new())
}

// ---------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------

/// The parts of a table both readings must agree on.
#[derive(Debug, PartialEq)]
struct Shape {
    name: String,
    columns: Vec<(String, bool)>,
    primary_key: Vec<String>,
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>)>,
    unique_keys: BTreeSet<Vec<String>>,
}

/// A name folded for comparison: in lower case when the server compares
/// such names case-insensitively, as it is otherwise.
fn fold(name: &str, case_insensitive: bool) -> String {
    if case_insensitive {
        name.to_lowercase()
    } else {
        name.to_string()
    }
}

/// Each table's shape, keyed by its folded name. Table names and column
/// names are folded by the dialect's own rules (in MySQL table names are
/// case-sensitive, column names are not), so two readings differ only
/// where the server would tell the names apart.
fn shapes(schema: &Schema) -> BTreeMap<String, Shape> {
    let tables_ci = schema.dialect.table_names_case_insensitive();
    let columns_ci = schema.dialect.column_names_case_insensitive();
    let table = |s: &str| fold(s, tables_ci);
    let columns = |v: &[String]| v.iter().map(|s| fold(s, columns_ci)).collect::<Vec<_>>();
    let primary: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|t| (table(&t.name), columns(&t.primary_key)))
        .collect();
    let shape = |t: &Table| Shape {
        name: t.name.clone(),
        columns: t
            .columns
            .iter()
            .map(|c| (fold(&c.name, columns_ci), c.nullable))
            .collect(),
        primary_key: columns(&t.primary_key),
        foreign_keys: t
            .foreign_keys
            .iter()
            .filter(|fk| !fk.inferred)
            .map(|fk| {
                let target = table(&fk.references.table);
                let mut referenced = columns(&fk.references.columns);
                if referenced.is_empty() {
                    referenced = primary.get(&target).cloned().unwrap_or_default();
                }
                (columns(&fk.columns), target, referenced)
            })
            .collect(),
        unique_keys: t.unique_keys.iter().map(|u| columns(&u.columns)).collect(),
    };
    schema
        .tables
        .iter()
        .map(|t| (table(&t.name), shape(t)))
        .collect()
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

fn show_fk((columns, table, refs): &(Vec<String>, String, Vec<String>)) -> String {
    format!("({}) -> {table}({})", list(columns), list(refs))
}

/// How the server's reading of one table differs from static replay's.
fn table_differences(live: &Shape, stat: &Shape) -> Vec<String> {
    let mut out = Vec::new();
    let names = |s: &Shape| s.columns.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let (live_cols, stat_cols) = (names(live), names(stat));
    let only_live: Vec<String> = live_cols
        .iter()
        .filter(|c| !stat_cols.contains(c))
        .cloned()
        .collect();
    let only_stat: Vec<String> = stat_cols
        .iter()
        .filter(|c| !live_cols.contains(c))
        .cloned()
        .collect();
    if !only_live.is_empty() {
        out.push(format!("columns only on the server: {}", list(&only_live)));
    }
    if !only_stat.is_empty() {
        out.push(format!(
            "columns only in static replay: {}",
            list(&only_stat)
        ));
    }
    if only_live.is_empty() && only_stat.is_empty() && live_cols != stat_cols {
        out.push(format!(
            "column order: server ({}), static replay ({})",
            list(&live_cols),
            list(&stat_cols)
        ));
    }
    for (name, nullable) in &live.columns {
        if let Some((_, other)) = stat.columns.iter().find(|(n, _)| n == name) {
            if other != nullable {
                let say = |n: bool| if n { "NULL" } else { "NOT NULL" };
                out.push(format!(
                    "column {name} is {} on the server, {} in static replay",
                    say(*nullable),
                    say(*other)
                ));
            }
        }
    }
    if live.primary_key != stat.primary_key {
        out.push(format!(
            "primary key: server ({}), static replay ({})",
            list(&live.primary_key),
            list(&stat.primary_key)
        ));
    }
    for fk in live.foreign_keys.difference(&stat.foreign_keys) {
        out.push(format!("foreign key only on the server: {}", show_fk(fk)));
    }
    for fk in stat.foreign_keys.difference(&live.foreign_keys) {
        out.push(format!(
            "foreign key only in static replay: {}",
            show_fk(fk)
        ));
    }
    for key in live.unique_keys.difference(&stat.unique_keys) {
        out.push(format!("unique key only on the server: ({})", list(key)));
    }
    for key in stat.unique_keys.difference(&live.unique_keys) {
        out.push(format!("unique key only in static replay: ({})", list(key)));
    }
    out
}

/// Every difference between the server's schema and static replay's, one
/// warning per table, in table-name order, with the table's name.
pub fn compare(live: &Schema, stat: &Schema) -> Vec<(String, Diagnostic)> {
    let live = shapes(live);
    let stat = shapes(stat);
    let keys: BTreeSet<&String> = live.keys().chain(stat.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let message = match (live.get(key), stat.get(key)) {
            (Some(l), None) => format!("table {}: on the server, but not in static replay", l.name),
            (None, Some(s)) => format!("table {}: in static replay, but not on the server", s.name),
            (Some(l), Some(s)) => {
                let lines = table_differences(l, s);
                if lines.is_empty() {
                    continue;
                }
                format!("table {}: {}", l.name, lines.join("; "))
            }
            (None, None) => continue,
        };
        let name = live
            .get(key)
            .or(stat.get(key))
            .map_or(key.clone(), |s| s.name.clone());
        out.push((
            name,
            Diagnostic::warning(DIFFERS, message)
                .with_help("the server and carve's static replay read the migrations differently"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_database_statements() {
        let (pg, my) = (Dialect::Postgres, Dialect::Mysql);
        assert!(leaves_scratch("USE hrdb", my));
        assert!(leaves_scratch("create database x", pg));
        assert!(leaves_scratch("DROP DATABASE IF EXISTS x", my));
        assert!(leaves_scratch("CREATE SCHEMA hr_archive", my));
        assert!(!leaves_scratch("CREATE TABLE database_logs (id int)", pg));
        assert!(!leaves_scratch("CREATE SCHEMA billing", pg));
    }

    #[test]
    fn finds_psql_only_files() {
        assert!(psql_only("\\set ON_ERROR_STOP 1\nCREATE TABLE t (id int);").is_some());
        assert!(psql_only("COPY t (id) FROM stdin;\n1\n\\.\n").is_some());
        assert!(psql_only("CREATE TABLE t (id int);").is_none());
    }

    #[test]
    fn cuts_long_first_lines() {
        let long = format!("CREATE TABLE {} (id int)", "x".repeat(100));
        assert!(first_line(&long).chars().count() <= 80);
        assert_eq!(first_line("ALTER TABLE t\n ADD c int"), "ALTER TABLE t");
    }
}
