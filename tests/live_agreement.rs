//! Static and live agree: each corpus schema is loaded into a fresh database
//! on a real server, then `carve analyze` reads it twice, once from the SQL
//! file and once from the database, and the two table models must match.
//! Also checks live introspection on its own against small hand-made schemas.
//!
//! Servers come from `CARVE_TEST_POSTGRES_URL` and `CARVE_TEST_MYSQL_URL`
//! (any database on the server; the tests create and drop their own). The
//! `psql` and `mariadb` clients must be on PATH. Without a URL a test prints
//! why it skipped; with `CI=true` a missing URL, client or server fails it.

// These tests report what they compared and why anything was skipped; that
// output is the point, so printing is allowed here.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use carve::ingest::live::{introspect, redact_url, LiveOptions};
use common::skip;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;

const POSTGRES_ENV: &str = "CARVE_TEST_POSTGRES_URL";
const MYSQL_ENV: &str = "CARVE_TEST_MYSQL_URL";

// ---------------------------------------------------------------------------
// Environment and servers
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Postgres,
    Mysql,
}

/// A server the tests may create databases on.
struct Server {
    kind: Kind,
    url: Url,
}

fn server(kind: Kind) -> Option<Server> {
    let var = match kind {
        Kind::Postgres => POSTGRES_ENV,
        Kind::Mysql => MYSQL_ENV,
    };
    let raw = match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => return skip(&format!("{var} not set")),
    };
    let url = Url::parse(raw.trim()).unwrap_or_else(|e| panic!("{var} is not a URL: {e}"));
    let server = Server { kind, url };
    let client = server.client_name();
    if Command::new(client).arg("--version").output().is_err() {
        return skip(&format!("the `{client}` client is not on PATH"));
    }
    match server.run_sql(None, "SELECT 1;") {
        Ok(_) => Some(server),
        Err(e) => skip(&format!(
            "server at {} unreachable: {e}",
            redact_url(server.url.as_str())
        )),
    }
}

impl Server {
    fn client_name(&self) -> &'static str {
        match self.kind {
            Kind::Postgres => "psql",
            Kind::Mysql => "mariadb",
        }
    }

    /// The server URL pointed at another database.
    fn url_for(&self, database: &str) -> String {
        let mut url = self.url.clone();
        url.set_path(&format!("/{database}"));
        url.to_string()
    }

    /// A client command connected to `database` (the URL's own when None),
    /// reading SQL from stdin and continuing past errors so a corpus file
    /// loads as far as the server accepts it.
    fn client(&self, database: Option<&str>) -> Command {
        let mut cmd = self.connect(database);
        match self.kind {
            Kind::Postgres => cmd.args(["-q", "-v", "ON_ERROR_STOP=0", "-f", "-"]),
            Kind::Mysql => cmd.args(["--batch", "--force"]),
        };
        cmd
    }

    /// The client with connection arguments only.
    fn connect(&self, database: Option<&str>) -> Command {
        match self.kind {
            Kind::Postgres => {
                let url = match database {
                    Some(db) => self.url_for(db),
                    None => self.url.to_string(),
                };
                let mut cmd = Command::new("psql");
                cmd.args(["-X", "-d", &url]);
                cmd.env("PGCONNECT_TIMEOUT", "10");
                cmd
            }
            Kind::Mysql => {
                let mut cmd = Command::new("mariadb");
                cmd.args(["--protocol=TCP", "--connect-timeout=10"]);
                cmd.arg(format!(
                    "--host={}",
                    self.url.host_str().unwrap_or("127.0.0.1")
                ));
                cmd.arg(format!("--port={}", self.url.port().unwrap_or(3306)));
                if !self.url.username().is_empty() {
                    cmd.arg(format!("--user={}", decode(self.url.username())));
                }
                // Through the environment, not argv, so it stays out of `ps`.
                cmd.env(
                    "MYSQL_PWD",
                    self.url.password().map(decode).unwrap_or_default(),
                );
                let url_db = self.url.path().trim_start_matches('/');
                match database {
                    Some(db) => {
                        cmd.arg(format!("--database={db}"));
                    }
                    None if !url_db.is_empty() => {
                        cmd.arg(format!("--database={}", decode(url_db)));
                    }
                    None => {}
                }
                cmd
            }
        }
    }

    /// Feeds `sql` to the client; `Err` with the client's error lines when
    /// it fails to run or reports any error.
    fn run_sql(&self, database: Option<&str>, sql: &str) -> Result<(), String> {
        let output = feed(self.client(database), sql)?;
        let errors = error_lines(&output);
        if output.status.success() && errors.is_empty() {
            Ok(())
        } else if errors.is_empty() {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        } else {
            Err(errors.join("\n"))
        }
    }

    /// Creates an empty database that is dropped again when the guard goes.
    fn fresh_database(&self, label: &str) -> Database<'_> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "carve_live_{}_{}_{}_{}",
            label,
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let create = match self.kind {
            Kind::Postgres => format!("CREATE DATABASE \"{name}\";"),
            Kind::Mysql => format!("CREATE DATABASE `{name}`;"),
        };
        self.run_sql(None, &create)
            .unwrap_or_else(|e| panic!("could not create database {name}: {e}"));
        Database { server: self, name }
    }
}

/// A database created for one test, dropped on drop (also when the test
/// panics) so the tests can be re-run against the same server.
struct Database<'a> {
    server: &'a Server,
    name: String,
}

impl Database<'_> {
    fn url(&self) -> String {
        self.server.url_for(&self.name)
    }
}

impl Drop for Database<'_> {
    fn drop(&mut self) {
        let drop = match self.server.kind {
            // FORCE: a connection left behind by a failed carve run must not
            // keep the database alive.
            Kind::Postgres => format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE);", self.name),
            Kind::Mysql => format!("DROP DATABASE IF EXISTS `{}`;", self.name),
        };
        if let Err(e) = self.server.run_sql(None, &drop) {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

fn decode(text: &str) -> String {
    // Test-only percent-decoding of URL user names and passwords.
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs `cmd` with `input` on stdin. Writing happens on its own thread so a
/// client that prints a lot while reading a large file cannot deadlock us.
fn feed(mut cmd: Command, input: &str) -> Result<Output, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run {program}: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        // A client that exits early closes the pipe; its stderr says why.
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{program} did not finish: {e}"))?;
    let _ = writer.join();
    Ok(output)
}

fn error_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("FATAL") || l.contains("error:"))
        .map(|l| l.trim().to_string())
        .collect()
}

// ---------------------------------------------------------------------------
// Corpus preparation
// ---------------------------------------------------------------------------

fn corpus_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(relative)
}

/// What the text piped to the client differs in from the file, and why.
struct Prepared {
    sql: String,
    notes: Vec<String>,
}

/// A table a file declares that this server cannot create, with the reason
/// and a fragment of the client error that proves it.
struct MayNotLoad {
    table: &'static str,
    reason: &'static str,
    error_contains: &'static str,
}

struct CorpusFile {
    label: &'static str,
    path: &'static str,
    prepare: fn(&str, &Server) -> Prepared,
    may_not_load: &'static [MayNotLoad],
}

const POSTGRES_CORPUS: &[CorpusFile] = &[
    CorpusFile {
        label: "adventureworks",
        path: "adventureworks-postgres/install.sql",
        prepare: prepare_adventureworks,
        may_not_load: &[],
    },
    CorpusFile {
        label: "sakila",
        path: "sakila/postgres-sakila-schema.sql",
        prepare: prepare_postgres,
        may_not_load: &[],
    },
    CorpusFile {
        label: "pagila",
        path: "pagila/pagila-schema.sql",
        prepare: prepare_pagila,
        may_not_load: &[MayNotLoad {
            table: "film_embedding",
            reason:
                "its column type comes from the pgvector extension, not installed on this server",
            error_contains: "vector",
        }],
    },
    CorpusFile {
        label: "chinook",
        path: "chinook/Chinook_PostgreSql.sql",
        prepare: prepare_postgres,
        may_not_load: &[],
    },
];

const MYSQL_CORPUS: &[CorpusFile] = &[
    CorpusFile {
        label: "sakila",
        path: "sakila/mysql-sakila-schema.sql",
        prepare: prepare_mysql,
        may_not_load: &[],
    },
    CorpusFile {
        label: "chinook",
        path: "chinook/Chinook_MySql.sql",
        prepare: prepare_mysql,
        may_not_load: &[],
    },
];

fn is_line_starting_with(line: &str, words: &[&str]) -> bool {
    let mut tokens = line.split_whitespace();
    words.iter().all(|w| {
        tokens
            .next()
            .is_some_and(|t| t.trim_end_matches(';').eq_ignore_ascii_case(w))
    })
}

/// Every PostgreSQL file loads into the database psql is connected to, so
/// lines that create, drop or switch databases go (chinook creates its own
/// and `\c`onnects to it), and `\copy` lines go because the data files are
/// not in the corpus (only the schema is compared).
fn prepare_postgres(text: &str, _server: &Server) -> Prepared {
    let mut notes = Vec::new();
    let mut dropped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sql = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        let what = if trimmed.starts_with("\\copy ") {
            Some("\\copy (data files are not in the corpus)")
        } else if trimmed.starts_with("\\c ") || trimmed.starts_with("\\connect ") {
            Some("\\connect (loaded into the test database instead)")
        } else if is_line_starting_with(trimmed, &["create", "database"])
            || is_line_starting_with(trimmed, &["drop", "database"])
        {
            Some("CREATE/DROP DATABASE (loaded into the test database instead)")
        } else {
            None
        };
        match what {
            Some(what) => *dropped.entry(what).or_default() += 1,
            None => {
                sql.push_str(line);
                sql.push('\n');
            }
        }
    }
    for (what, count) in dropped {
        notes.push(format!("removed {count} {what} line(s)"));
    }
    Prepared { sql, notes }
}

/// AdventureWorks inserts product reviews inline; with the `\copy`d product
/// rows absent, the foreign key added later would reject them, so the
/// reviews are emptied before the table's constraints are added.
fn prepare_adventureworks(text: &str, server: &Server) -> Prepared {
    let mut prepared = prepare_postgres(text, server);
    let anchor = "ALTER TABLE Production.ProductReview ADD";
    let at = prepared
        .sql
        .find(anchor)
        .expect("AdventureWorks corpus changed: no ProductReview constraints");
    prepared
        .sql
        .insert_str(at, "TRUNCATE Production.ProductReview;\n");
    prepared.notes.push(
        "emptied Production.ProductReview before its keys (its inline rows reference \\copy data)"
            .into(),
    );
    prepared
}

/// Pagila is dumped from PostgreSQL 18. On older servers two expressions
/// that do not affect anything compared are swapped for equivalents: the
/// `uuidv7()` default and `VIRTUAL` generated columns (made `STORED`).
fn prepare_pagila(text: &str, server: &Server) -> Prepared {
    let mut prepared = prepare_postgres(text, server);
    let version = postgres_version(server);
    if version < 180000 {
        let before = prepared.sql.clone();
        prepared.sql = prepared
            .sql
            .replace("DEFAULT uuidv7()", "DEFAULT gen_random_uuid()");
        if prepared.sql != before {
            prepared.notes.push(format!(
                "server {version} < 18: replaced uuidv7() defaults with gen_random_uuid()"
            ));
        }
        let mut out = String::with_capacity(prepared.sql.len());
        let mut virtual_columns = 0;
        for line in prepared.sql.lines() {
            if line.contains("GENERATED ALWAYS AS") && line.trim_end().ends_with(") VIRTUAL") {
                out.push_str(&line.trim_end().replace(") VIRTUAL", ") STORED"));
                virtual_columns += 1;
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        prepared.sql = out;
        if virtual_columns > 0 {
            prepared.notes.push(format!(
                "server {version} < 18: made {virtual_columns} VIRTUAL generated column(s) STORED"
            ));
        }
    }
    prepared
}

fn postgres_version(server: &Server) -> u32 {
    let output = server
        .connect(None)
        .args(["-A", "-t", "-c", "SHOW server_version_num"])
        .stdin(Stdio::null())
        .output()
        .expect("psql runs");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("unexpected server_version_num output: {output:?}"))
}

/// The MySQL files create their own database and `USE` it; the text is
/// rewritten to use the test database instead, including `db.table`
/// references in views, so each run is isolated and re-runnable.
fn prepare_mysql(text: &str, _server: &Server) -> Prepared {
    let own = text
        .lines()
        .find_map(|l| {
            let t = l.trim();
            if is_line_starting_with(t, &["use"]) {
                t.split_whitespace()
                    .nth(1)
                    .map(|n| n.trim_end_matches(';').trim_matches('`').to_string())
            } else {
                None
            }
        })
        .expect("MySQL corpus file without USE");
    let mut sql = String::with_capacity(text.len());
    let mut removed = 0;
    for line in text.lines() {
        let t = line.trim_start();
        if ["database", "schema"].iter().any(|w| {
            is_line_starting_with(t, &["create", w]) || is_line_starting_with(t, &["drop", w])
        }) {
            removed += 1;
            continue;
        }
        if is_line_starting_with(t, &["use"]) {
            sql.push_str("USE @@TEST_DB@@;\n");
            continue;
        }
        sql.push_str(line);
        sql.push('\n');
    }
    // Qualified references to the file's own database, bare or backquoted.
    let sql = replace_qualifier(&sql, &own);
    Prepared {
        sql,
        notes: vec![format!(
            "removed {removed} CREATE/DROP DATABASE line(s); database `{own}` renamed to the test database"
        )],
    }
}

/// Replaces `own.` and `` `own`. `` (at an identifier boundary) with the
/// placeholder the loader swaps for the test database's name.
fn replace_qualifier(sql: &str, own: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let patterns = [format!("`{own}`."), format!("{own}.")];
    let mut rest = sql;
    'scan: while !rest.is_empty() {
        for pattern in &patterns {
            if rest.starts_with(pattern.as_str()) {
                let boundary = out
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '`'));
                if boundary {
                    out.push_str("@@TEST_DB@@.");
                    rest = &rest[pattern.len()..];
                    continue 'scan;
                }
            }
        }
        let c = rest.chars().next().expect("non-empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Loads a prepared corpus file; returns the client's error lines.
fn load(server: &Server, db: &Database<'_>, prepared: &Prepared) -> Vec<String> {
    let sql = prepared
        .sql
        .replace("@@TEST_DB@@", &format!("`{}`", db.name));
    let output = feed(server.client(Some(&db.name)), &sql)
        .unwrap_or_else(|e| panic!("loading into {}: {e}", db.name));
    error_lines(&output)
}

// ---------------------------------------------------------------------------
// Running carve and comparing
// ---------------------------------------------------------------------------

fn carve_json(args: &[&str]) -> Result<Value, String> {
    let mut cmd = assert_cmd::Command::cargo_bin("carve").map_err(|e| e.to_string())?;
    let output = cmd
        .args(["analyze", "--format", "json"])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "carve {} gave no JSON report ({e}); exit {:?}; stderr:\n{}",
            args.iter()
                .map(|a| redact_url(a))
                .collect::<Vec<_>>()
                .join(" "),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

type ForeignKeyShape = (Vec<String>, String, Vec<String>);

/// The part of a table both sides must agree on.
#[derive(Debug, PartialEq)]
struct TableShape {
    columns: Vec<(String, bool)>,
    primary_key: Vec<String>,
    foreign_keys: BTreeSet<ForeignKeyShape>,
    partition_of: Option<String>,
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Reduces a report's `schema.tables` to [`TableShape`]s. A foreign key
/// that leaves its referenced columns implicit means the referenced primary
/// key, so it is resolved against the same report before comparing.
fn shapes(report: &Value) -> Result<BTreeMap<String, TableShape>, String> {
    let tables = report
        .pointer("/schema/tables")
        .and_then(Value::as_array)
        .ok_or("report has no schema.tables array")?;
    let mut primary_keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for table in tables {
        if let Some(name) = table["name"].as_str() {
            primary_keys.insert(name.to_string(), strings(&table["primary_key"]));
        }
    }
    let mut out = BTreeMap::new();
    for table in tables {
        let name = table["name"].as_str().ok_or("table without a name")?;
        let columns = table["columns"]
            .as_array()
            .map(|cols| {
                cols.iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap_or("?").to_string(),
                            c["nullable"].as_bool().unwrap_or(true),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let foreign_keys = table["foreign_keys"]
            .as_array()
            .map(|fks| {
                fks.iter()
                    .map(|fk| {
                        let target = fk["references"]["table"]
                            .as_str()
                            .unwrap_or("?")
                            .to_string();
                        let mut ref_columns = strings(&fk["references"]["columns"]);
                        if ref_columns.is_empty() {
                            ref_columns = primary_keys.get(&target).cloned().unwrap_or_default();
                        }
                        (strings(&fk["columns"]), target, ref_columns)
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(
            name.to_string(),
            TableShape {
                columns,
                primary_key: strings(&table["primary_key"]),
                foreign_keys,
                partition_of: table["partition_of"].as_str().map(str::to_string),
            },
        );
    }
    Ok(out)
}

fn show_columns(columns: &[(String, bool)]) -> String {
    columns
        .iter()
        .map(|(name, nullable)| {
            if *nullable {
                format!("{name}?")
            } else {
                name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_fk((columns, table, ref_columns): &ForeignKeyShape) -> String {
    format!(
        "({}) -> {table}({})",
        columns.join(", "),
        ref_columns.join(", ")
    )
}

/// How two readings of one table differ, one line per aspect.
fn table_diff(l: &TableShape, s: &TableShape) -> Vec<String> {
    let mut out = Vec::new();
    if l.columns != s.columns {
        out.push(format!("columns live:   {}", show_columns(&l.columns)));
        out.push(format!("columns static: {}", show_columns(&s.columns)));
        let at = l
            .columns
            .iter()
            .zip(&s.columns)
            .position(|(a, b)| a != b)
            .unwrap_or(l.columns.len().min(s.columns.len()));
        let show = |cols: &[(String, bool)]| {
            cols.get(at)
                .map(|c| show_columns(std::slice::from_ref(c)))
                .unwrap_or_else(|| "(none)".into())
        };
        out.push(format!(
            "first difference at column {}: live {} static {}",
            at + 1,
            show(&l.columns),
            show(&s.columns)
        ));
    }
    if l.primary_key != s.primary_key {
        out.push(format!(
            "primary_key live {:?} static {:?}",
            l.primary_key, s.primary_key
        ));
    }
    for fk in l.foreign_keys.difference(&s.foreign_keys) {
        out.push(format!("fk only live:   {}", show_fk(fk)));
    }
    for fk in s.foreign_keys.difference(&l.foreign_keys) {
        out.push(format!("fk only static: {}", show_fk(fk)));
    }
    if l.partition_of != s.partition_of {
        out.push(format!(
            "partition_of live {:?} static {:?}",
            l.partition_of, s.partition_of
        ));
    }
    out
}

/// A readable list of differences, one entry per problem; empty when the
/// sides agree. Tables that differ in exactly the same way (the partitions
/// of one parent, typically) are reported together.
fn diff(live: &BTreeMap<String, TableShape>, stat: &BTreeMap<String, TableShape>) -> Vec<String> {
    let mut out = Vec::new();
    let only_live: Vec<&String> = live.keys().filter(|k| !stat.contains_key(*k)).collect();
    let only_static: Vec<&String> = stat.keys().filter(|k| !live.contains_key(*k)).collect();
    if !only_live.is_empty() {
        out.push(format!("tables only live: {only_live:?}"));
    }
    if !only_static.is_empty() {
        out.push(format!("tables only static: {only_static:?}"));
    }
    let mut grouped: Vec<(Vec<String>, Vec<&String>)> = Vec::new();
    for (name, l) in live {
        let Some(s) = stat.get(name) else { continue };
        let lines = table_diff(l, s);
        if lines.is_empty() {
            continue;
        }
        match grouped.iter_mut().find(|(seen, _)| *seen == lines) {
            Some((_, names)) => names.push(name),
            None => grouped.push((lines, vec![name])),
        }
    }
    for (lines, names) in grouped {
        let header = match names.as_slice() {
            [one] => format!("table {one}:"),
            many => format!(
                "{} tables ({}):",
                many.len(),
                many.iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let body: Vec<String> = lines.iter().map(|l| format!("  {l}")).collect();
        out.push(format!("{header}\n{}", body.join("\n")));
    }
    out
}

/// Loads every corpus file of one dialect into its own database, compares
/// the two readings, prints a per-file summary and fails on any difference.
fn check_corpus(server: &Server, corpus: &[CorpusFile]) {
    let mut summary = Vec::new();
    let mut failures = Vec::new();
    for file in corpus {
        let path = corpus_path(file.path);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let prepared = (file.prepare)(&text, server);
        let db = server.fresh_database(file.label);
        let errors = load(server, &db, &prepared);

        println!("== {} ({})", file.label, file.path);
        for note in &prepared.notes {
            println!("   prepared: {note}");
        }
        if !errors.is_empty() {
            println!("   the server rejected {} statement(s):", errors.len());
            for e in errors.iter().take(12) {
                println!("     {e}");
            }
        }

        let live = carve_json(&["--database-url", &db.url()]).and_then(|r| shapes(&r));
        let stat =
            carve_json(&["--schema", path.to_str().expect("UTF-8 path")]).and_then(|r| shapes(&r));
        let (live, mut stat) = match (live, stat) {
            (Ok(l), Ok(s)) => (l, s),
            (l, s) => {
                for e in [l.err(), s.err()].into_iter().flatten() {
                    println!("   {e}");
                    failures.push(format!("{}: {e}", file.label));
                }
                summary.push(format!("{}: FAILED (carve did not report)", file.label));
                continue;
            }
        };

        // Compare only over what loaded: a table the server could not create
        // is dropped from the static side, with the foreign keys into it,
        // but only when the expected error really happened.
        let mut excluded = Vec::new();
        for may in file.may_not_load {
            let failed = errors.iter().any(|e| e.contains(may.error_contains));
            if failed && !live.contains_key(may.table) && stat.remove(may.table).is_some() {
                for shape in stat.values_mut() {
                    shape
                        .foreign_keys
                        .retain(|(_, target, _)| target != may.table);
                }
                excluded.push(format!("{} ({})", may.table, may.reason));
            }
        }
        for e in &excluded {
            println!("   excluded table: {e}");
        }

        let differences = diff(&live, &stat);
        if differences.is_empty() {
            println!(
                "   agree: {} tables, {} foreign keys",
                live.len(),
                live.values().map(|t| t.foreign_keys.len()).sum::<usize>()
            );
            summary.push(format!(
                "{}: compared {} tables{}",
                file.label,
                live.len(),
                if excluded.is_empty() {
                    String::new()
                } else {
                    format!(", excluded {}", excluded.join("; "))
                }
            ));
        } else {
            println!("   DIFFERENT (live vs static):");
            for d in &differences {
                for line in d.lines() {
                    println!("     {line}");
                }
            }
            summary.push(format!(
                "{}: FAILED ({} differences)",
                file.label,
                differences.len()
            ));
            failures.push(format!("{}: {} differences", file.label, differences.len()));
        }
    }
    println!("summary:");
    for line in &summary {
        println!("  {line}");
    }
    assert!(
        failures.is_empty(),
        "static and live disagree: {failures:#?}"
    );
}

#[test]
fn postgres_static_and_live_agree() {
    let Some(server) = server(Kind::Postgres) else {
        return;
    };
    check_corpus(&server, POSTGRES_CORPUS);
}

#[test]
fn mysql_static_and_live_agree() {
    let Some(server) = server(Kind::Mysql) else {
        return;
    };
    check_corpus(&server, MYSQL_CORPUS);
}

// ---------------------------------------------------------------------------
// Live introspection on its own
// ---------------------------------------------------------------------------

const POSTGRES_FIXTURE: &str = r#"
CREATE SCHEMA sales;
CREATE TABLE customers (
    id integer PRIMARY KEY,
    email text NOT NULL UNIQUE,
    legacy_code integer
);
-- A dropped column must vanish and must not shift the order.
ALTER TABLE customers DROP COLUMN legacy_code;
ALTER TABLE customers ADD COLUMN name varchar(80);
-- Classic inheritance: a parent, but no inherited keys.
CREATE TABLE vip_customers (perk text) INHERITS (customers);
CREATE TABLE sales.orders (
    region text NOT NULL,
    order_no integer NOT NULL,
    customer_id integer REFERENCES customers (id),
    placed_at date NOT NULL,
    PRIMARY KEY (region, order_no)
) PARTITION BY LIST (region);
CREATE TABLE sales.orders_eu PARTITION OF sales.orders FOR VALUES IN ('eu');
CREATE TABLE sales.orders_us PARTITION OF sales.orders FOR VALUES IN ('us');
-- Columns listed in a different order than the referenced key, and a
-- partitioned target (PostgreSQL adds hidden per-partition clones).
CREATE TABLE sales.order_lines (
    order_no integer NOT NULL,
    region text NOT NULL,
    line_no smallint NOT NULL,
    note varchar(40),
    PRIMARY KEY (region, order_no, line_no),
    CONSTRAINT order_lines_order_fk FOREIGN KEY (order_no, region)
        REFERENCES sales.orders (order_no, region)
);
CREATE TABLE sales."Refund" ("Id" integer PRIMARY KEY, "Amount" numeric(10, 2));
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders;
CREATE MATERIALIZED VIEW order_counts AS SELECT region, count(*) FROM sales.orders GROUP BY region;
"#;

fn postgres_expected() -> Value {
    let orders_columns = json!([
        {"name": "region", "type": "text", "nullable": false},
        {"name": "order_no", "type": "integer", "nullable": false},
        {"name": "customer_id", "type": "integer", "nullable": true},
        {"name": "placed_at", "type": "date", "nullable": false}
    ]);
    let customer_fk = json!([{
        "name": "orders_customer_id_fkey",
        "columns": ["customer_id"],
        "references": {"table": "customers", "columns": ["id"]},
        "inferred": false
    }]);
    let partition = |name: &str| {
        json!({
            "name": name,
            "columns": orders_columns,
            "primary_key": ["region", "order_no"],
            "foreign_keys": customer_fk,
            "partition_of": "sales.orders",
            "source": null
        })
    };
    json!({
        "dialect": "postgres",
        "tables": [
            {
                "name": "customers",
                "columns": [
                    {"name": "id", "type": "integer", "nullable": false},
                    {"name": "email", "type": "text", "nullable": false},
                    {"name": "name", "type": "character varying(80)", "nullable": true}
                ],
                "primary_key": ["id"],
                "foreign_keys": [],
                "unique_keys": [{"name": "customers_email_key", "columns": ["email"]}],
                "partition_of": null,
                "source": null
            },
            {
                "name": "sales.Refund",
                "columns": [
                    {"name": "Id", "type": "integer", "nullable": false},
                    {"name": "Amount", "type": "numeric(10,2)", "nullable": true}
                ],
                "primary_key": ["Id"],
                "foreign_keys": [],
                "partition_of": null,
                "source": null
            },
            {
                "name": "sales.order_lines",
                "columns": [
                    {"name": "order_no", "type": "integer", "nullable": false},
                    {"name": "region", "type": "text", "nullable": false},
                    {"name": "line_no", "type": "smallint", "nullable": false},
                    {"name": "note", "type": "character varying(40)", "nullable": true}
                ],
                "primary_key": ["region", "order_no", "line_no"],
                "foreign_keys": [{
                    "name": "order_lines_order_fk",
                    "columns": ["order_no", "region"],
                    "references": {"table": "sales.orders", "columns": ["order_no", "region"]},
                    "inferred": false
                }],
                "partition_of": null,
                "source": null
            },
            {
                "name": "sales.orders",
                "columns": orders_columns,
                "primary_key": ["region", "order_no"],
                "foreign_keys": customer_fk,
                "partition_of": null,
                "source": null
            },
            partition("sales.orders_eu"),
            partition("sales.orders_us"),
            {
                "name": "vip_customers",
                "columns": [
                    {"name": "id", "type": "integer", "nullable": false},
                    {"name": "email", "type": "text", "nullable": false},
                    {"name": "name", "type": "character varying(80)", "nullable": true},
                    {"name": "perk", "type": "text", "nullable": true}
                ],
                "primary_key": [],
                "foreign_keys": [],
                "partition_of": "customers",
                "source": null
            }
        ]
    })
}

/// Prints both sides when they differ, so a failure is readable.
fn assert_json_eq(actual: &Value, expected: &Value) {
    if actual != expected {
        panic!(
            "introspection result differs\n--- actual\n{}\n--- expected\n{}",
            serde_json::to_string_pretty(actual).unwrap(),
            serde_json::to_string_pretty(expected).unwrap()
        );
    }
}

#[test]
fn postgres_introspection_reads_exact_schema() {
    let Some(server) = server(Kind::Postgres) else {
        return;
    };
    let db = server.fresh_database("pgfixture");
    server
        .run_sql(Some(&db.name), POSTGRES_FIXTURE)
        .unwrap_or_else(|e| panic!("creating the fixture: {e}"));

    // postgresql:// is the same as postgres://.
    let long_url = db.url().replacen("postgres://", "postgresql://", 1);
    for url in [db.url(), long_url] {
        let live = introspect(&url, &LiveOptions::default()).expect("introspection");
        assert!(live.diagnostics.is_empty(), "{:?}", live.diagnostics);
        let actual = serde_json::to_value(&live.schema).unwrap();
        assert_json_eq(&actual, &postgres_expected());
    }

    // Narrowed to one schema: only its tables, still fully named.
    let sales = introspect(
        &db.url(),
        &LiveOptions {
            schemas: vec!["sales".into()],
        },
    )
    .expect("introspection of sales");
    let names: Vec<&str> = sales
        .schema
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "sales.Refund",
            "sales.order_lines",
            "sales.orders",
            "sales.orders_eu",
            "sales.orders_us"
        ]
    );

    // A schema with no tables is a diagnostic, not an error.
    let empty = introspect(
        &db.url(),
        &LiveOptions {
            schemas: vec!["nowhere".into()],
        },
    )
    .expect("introspection of a missing schema");
    assert!(empty.schema.tables.is_empty());
    let codes: Vec<&str> = empty.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["live-schema-missing", "live-no-tables"]);
}

/// A refused connection with a password in the URL: the error must name
/// the server but never the password.
fn check_error_hides_password(kind: Kind) {
    let Some(server) = server(kind) else {
        return;
    };
    let mut url = server.url.clone();
    url.set_path("/carve_no_such_database");
    url.set_password(Some("Sup3rS3cret")).unwrap();
    let err = introspect(url.as_str(), &LiveOptions::default()).unwrap_err();
    let text = format!("{err:#}");
    println!("error shown to users: {text}");
    assert!(!text.contains("Sup3rS3cret"), "{text}");
    assert!(text.contains(":***@"), "{text}");
}

#[test]
fn postgres_errors_never_show_the_password() {
    check_error_hides_password(Kind::Postgres);
}

#[test]
fn mysql_errors_never_show_the_password() {
    check_error_hides_password(Kind::Mysql);
}

const MYSQL_FIXTURE: &str = r#"
CREATE TABLE customers (
    id INT NOT NULL,
    email VARCHAR(100) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_customers_email (email)
) ENGINE=InnoDB;
CREATE TABLE orders (
    id INT NOT NULL,
    customer_id INT NULL,
    placed_at DATE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE order_lines (
    order_id INT NOT NULL,
    line_no SMALLINT NOT NULL,
    note TEXT,
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT fk_lines_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB;
-- Partitions live inside one table in MySQL: still a single table.
CREATE TABLE events (
    id INT NOT NULL,
    kind VARCHAR(20) NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 2;
CREATE VIEW big_orders AS SELECT * FROM orders;
"#;

/// MariaDB and MySQL 5.7 print integer display widths (`int(11)`), MySQL 8
/// does not; the expectation is written without them.
fn without_display_width(mut schema: Value) -> Value {
    for table in schema["tables"].as_array_mut().into_iter().flatten() {
        for column in table["columns"].as_array_mut().into_iter().flatten() {
            if let Some(ty) = column["type"].as_str() {
                let base = ty.split('(').next().unwrap_or(ty);
                if base.ends_with("int") {
                    column["type"] = Value::String(base.to_string());
                }
            }
        }
    }
    schema
}

#[test]
fn mysql_introspection_reads_exact_schema() {
    let Some(server) = server(Kind::Mysql) else {
        return;
    };
    let db = server.fresh_database("myfixture");
    let other = server.fresh_database("myother");
    server
        .run_sql(Some(&db.name), MYSQL_FIXTURE)
        .unwrap_or_else(|e| panic!("creating the fixture: {e}"));
    server
        .run_sql(
            Some(&other.name),
            &format!(
                "CREATE TABLE audit (id INT PRIMARY KEY, customer_id INT NOT NULL, \
                 CONSTRAINT fk_audit_customer FOREIGN KEY (customer_id) \
                 REFERENCES `{}`.customers (id)) ENGINE=InnoDB;",
                db.name
            ),
        )
        .unwrap_or_else(|e| panic!("creating the second database: {e}"));

    let customers = json!({
        "name": "customers",
        "columns": [
            {"name": "id", "type": "int", "nullable": false},
            {"name": "email", "type": "varchar(100)", "nullable": false}
        ],
        "primary_key": ["id"],
        "foreign_keys": [],
        "unique_keys": [{"name": "uq_customers_email", "columns": ["email"]}],
        "partition_of": null,
        "source": null
    });
    let events = json!({
        "name": "events",
        "columns": [
            {"name": "id", "type": "int", "nullable": false},
            {"name": "kind", "type": "varchar(20)", "nullable": false}
        ],
        "primary_key": ["id"],
        "foreign_keys": [],
        "partition_of": null,
        "source": null
    });
    let order_lines = json!({
        "name": "order_lines",
        "columns": [
            {"name": "order_id", "type": "int", "nullable": false},
            {"name": "line_no", "type": "smallint", "nullable": false},
            {"name": "note", "type": "text", "nullable": true}
        ],
        "primary_key": ["order_id", "line_no"],
        "foreign_keys": [{
            "name": "fk_lines_order",
            "columns": ["order_id"],
            "references": {"table": "orders", "columns": ["id"]},
            "inferred": false
        }],
        "partition_of": null,
        "source": null
    });
    let orders = json!({
        "name": "orders",
        "columns": [
            {"name": "id", "type": "int", "nullable": false},
            {"name": "customer_id", "type": "int", "nullable": true},
            {"name": "placed_at", "type": "date", "nullable": false}
        ],
        "primary_key": ["id"],
        "foreign_keys": [{
            "name": "fk_orders_customer",
            "columns": ["customer_id"],
            "references": {"table": "customers", "columns": ["id"]},
            "inferred": false
        }],
        "partition_of": null,
        "source": null
    });

    // mariadb:// is accepted and read like mysql://.
    let mariadb_url = db.url().replacen("mysql://", "mariadb://", 1);
    for url in [db.url(), mariadb_url] {
        let live = introspect(&url, &LiveOptions::default()).expect("introspection");
        assert!(live.diagnostics.is_empty(), "{:?}", live.diagnostics);
        let actual = without_display_width(serde_json::to_value(&live.schema).unwrap());
        assert_json_eq(
            &actual,
            &json!({
                "dialect": "mysql",
                "tables": [customers, events, order_lines, orders]
            }),
        );
    }

    // Two databases: the URL's stays bare, the other is qualified, and a
    // reference back into the URL's database is bare too.
    let both = introspect(
        &db.url(),
        &LiveOptions {
            schemas: vec![db.name.clone(), other.name.clone()],
        },
    )
    .expect("introspection of two databases");
    let actual = without_display_width(serde_json::to_value(&both.schema).unwrap());
    let audit = json!({
        "name": format!("{}.audit", other.name),
        "columns": [
            {"name": "id", "type": "int", "nullable": false},
            {"name": "customer_id", "type": "int", "nullable": false}
        ],
        "primary_key": ["id"],
        "foreign_keys": [{
            "name": "fk_audit_customer",
            "columns": ["customer_id"],
            "references": {"table": "customers", "columns": ["id"]},
            "inferred": false
        }],
        "partition_of": null,
        "source": null
    });
    assert_json_eq(
        &actual,
        &json!({
            "dialect": "mysql",
            "tables": [audit, customers, events, order_lines, orders]
        }),
    );

    // An empty database is a diagnostic, not an error.
    let empty_db = server.fresh_database("myempty");
    let empty = introspect(&empty_db.url(), &LiveOptions::default()).expect("empty database");
    assert!(empty.schema.tables.is_empty());
    assert_eq!(empty.diagnostics.len(), 1, "{:?}", empty.diagnostics);
    assert_eq!(empty.diagnostics[0].code, "live-no-tables");
}
