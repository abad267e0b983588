//! The entry points of carve's fuzz targets, one function per target.
//!
//! Each takes the raw input bytes and feeds them to a reader the way
//! carve itself does: bytes are decoded as files are, and a reader's
//! result, good or bad, is simply dropped. Only a panic, a hang or a
//! broken invariant of the reader counts as a finding.
//!
//! `tests/fuzz_regressions.rs` includes this file, so every stored
//! regression input runs through exactly the code its target ran.

use carve::ingest::read::decode;
use carve::ingest::rust::access::sql_strings::{accesses_of_sql, accesses_of_template};
use carve::ingest::rust::extract::{extract_syntax, parse_source, FileContext};
use carve::ingest::rust::macros::expand_all;
use carve::ingest::rust::modules::ModuleRecord;
use carve::ingest::rust::names::TableIndex;
use carve::ingest::sql::ingest_text;
use carve::ingest::sql::split::{line_col, split_statements};
use carve::model::Dialect;
use carve::plan::answers::parse_answers;
use carve::plan::edit::PlanDocument;
use carve::plan::load::{line_column, parse_plan, PlanError};
use carve::plan::validate::{validate, PlanContext};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

/// A plan every action of an answers file can apply to, and the plan
/// that plan inputs are validated against.
const SHOP_PLAN: &str = include_str!("../../fixtures/shop/carve.toml");

/// The dialects a leading selector byte picks from; `None` detects.
const DIALECTS: [Option<Dialect>; 5] = [
    None,
    Some(Dialect::Postgres),
    Some(Dialect::Mysql),
    Some(Dialect::Sqlite),
    Some(Dialect::Mssql),
];

/// The dialect a selector byte stands for.
pub fn dialect_of(selector: u8) -> Option<Dialect> {
    DIALECTS[usize::from(selector) % DIALECTS.len()]
}

/// `split_postgres`, `split_mysql`, `split_mssql`, `split_sqlite`: a
/// script decoded as a schema file is, split with one dialect's rules.
/// Checks what the splitter promises about positions.
pub fn split(data: &[u8], dialect: Dialect) {
    let Ok(read) = decode(data.to_vec(), "fuzz.sql") else {
        return;
    };
    let script = read.text.as_str();
    let split = split_statements(script, dialect);
    let mut positions = Positions::new(script);
    let mut end = 0;
    for statement in &split.statements {
        let at = statement.offset;
        assert!(
            at >= end,
            "statement at byte {at} overlaps the one ending at {end}"
        );
        end = at + statement.text.len();
        assert_eq!(
            script.get(at..end),
            Some(statement.text),
            "statement text is not the script's bytes at its offset"
        );
        assert_eq!(
            positions.at(at),
            (statement.line, statement.column),
            "statement position is not where its text starts"
        );
    }
    if let Some(last) = split.statements.last() {
        assert_eq!(
            line_col(script, last.offset),
            (last.line, last.column),
            "line_col disagrees with the splitter"
        );
    }
    for problem in &split.problems {
        assert!(
            problem.line >= 1 && problem.column >= 1,
            "{problem:?} is not 1-based"
        );
    }
}

/// Lines and columns of offsets visited in increasing order, counted as
/// the splitter documents them: 1-based, lines end at `\n`, columns count
/// characters, a leading byte-order mark does not count.
struct Positions<'a> {
    text: &'a str,
    offset: usize,
    line: u32,
    column: u32,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions {
            text,
            offset: if text.starts_with('\u{FEFF}') { 3 } else { 0 },
            line: 1,
            column: 1,
        }
    }

    fn at(&mut self, offset: usize) -> (u32, u32) {
        if offset > self.offset {
            for c in self.text[self.offset..offset].chars() {
                if c == '\n' {
                    self.line += 1;
                    self.column = 1;
                } else {
                    self.column += 1;
                }
            }
            self.offset = offset;
        }
        (self.line, self.column)
    }
}

/// `sql_replay`: one SQL file ingested into a schema with diagnostics,
/// as `carve analyze --schema FILE` reads it. The first byte picks the
/// dialect ([`dialect_of`]); the rest is the file.
pub fn sql_replay(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let Ok(read) = decode(bytes.to_vec(), "fuzz.sql") else {
        return;
    };
    let ingested = ingest_text("fuzz.sql", &read.text, dialect_of(selector));
    std::hint::black_box(ingested);
}

/// Tables the Rust inputs may name: the shop's, and the usual suspects of
/// diesel, sqlx and SeaORM examples.
const RUST_SCHEMA: &str = "
CREATE TABLE users (id serial PRIMARY KEY, uuid text, name text, email text);
CREATE TABLE posts (id serial PRIMARY KEY, author_id int REFERENCES users (id), title text);
CREATE TABLE comments (id serial PRIMARY KEY, post_id int REFERENCES posts (id), body text);
CREATE TABLE accounts (id bigserial PRIMARY KEY, name text);
CREATE TABLE entries (id bigserial PRIMARY KEY, account_id bigint, amount bigint);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, message text);
CREATE TABLE sales.orders (id bigserial PRIMARY KEY, status text, total bigint);
CREATE TABLE archived_orders (id bigserial PRIMARY KEY, status text);
CREATE TABLE customers (id serial PRIMARY KEY, name text, active boolean);
CREATE TABLE sessions (id text PRIMARY KEY, expires_at timestamptz);
CREATE TABLE cake (id serial PRIMARY KEY, name text);
CREATE TABLE fruit (id serial PRIMARY KEY, name text, cake_id int REFERENCES cake (id));
CREATE TABLE tags (id serial PRIMARY KEY, name text);
CREATE TABLE products (id bigserial PRIMARY KEY, sku text, price bigint);
CREATE TABLE categories (id bigserial PRIMARY KEY, name text);
CREATE TABLE order_items (id bigserial PRIMARY KEY, order_id bigint, product_id bigint);
CREATE TABLE payments (id bigserial PRIMARY KEY, order_id bigint, amount bigint);
CREATE TABLE stock_levels (product_id bigint, warehouse_id bigint, quantity int);
CREATE TABLE warehouses (id bigserial PRIMARY KEY, name text);
";

/// Stack size of the thread that reads Rust files: the same as the
/// threads `carve::ingest::rust::read_codebase` reads them on.
const RUST_WORKER_STACK: usize = 64 << 20;

struct RustReader {
    tables: TableIndex,
    pool: rayon::ThreadPool,
}

fn rust_reader() -> &'static RustReader {
    static READER: OnceLock<RustReader> = OnceLock::new();
    READER.get_or_init(|| {
        let ingested = ingest_text("schema.sql", RUST_SCHEMA, Some(Dialect::Postgres));
        RustReader {
            tables: TableIndex::new(&ingested.schema),
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .stack_size(RUST_WORKER_STACK)
                .build()
                .expect("a reader thread"),
        }
    })
}

/// `rust_file`: one Rust source file read into its facts as the root of
/// a crate, its own `macro_rules!` expanded where it calls them, then
/// every SQL string it kept matched against the schema, as the code
/// reader does for each file of a workspace. Unlike the reader, nothing
/// here catches a panic: a panic the reader would turn into an "internal
/// error" diagnostic is a finding.
pub fn rust_file(data: &[u8]) {
    // Decoded as the reader decodes a file: without a byte-order mark,
    // and only when it is UTF-8.
    let bytes = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let reader = rust_reader();
    reader.pool.install(|| {
        read_rust(&reader.tables, text);
        // The parse's spans belong to this thread; free them as the
        // reader does after every file.
        proc_macro2::extra::invalidate_current_thread_spans();
    });
}

fn read_rust(tables: &TableIndex, text: &str) {
    let shown = "src/lib.rs";
    let mut text = text.to_string();
    let Ok(file) = parse_source(shown, &mut text) else {
        return;
    };
    let ctx = FileContext {
        tables,
        file: Path::new("/nonexistent/carve-fuzz/src/lib.rs"),
        shown,
        mod_rs: true,
    };
    let facts = extract_syntax(&ctx, &file);
    drop(file);
    // The file as a crate of its own: its modules, with the macros it
    // defines expanded where it calls them.
    let mut records: Vec<ModuleRecord> = facts
        .modules
        .into_iter()
        .map(|module| ModuleRecord {
            crate_index: 0,
            path: module.rel_path.clone(),
            file: shown.to_string(),
            parent: None,
            facts: module,
        })
        .collect();
    let cut = expand_all(&mut records, Path::new("/nonexistent/carve-fuzz"), tables);
    std::hint::black_box(cut);
    let dialects = [
        Dialect::Postgres,
        Dialect::Mysql,
        Dialect::Sqlite,
        Dialect::Mssql,
    ];
    let dialect = dialects[text.len() % dialects.len()];
    for record in &records {
        let module = &record.facts;
        let texts = module
            .sql
            .iter()
            .chain(module.fns.iter().flat_map(|f| &f.sql));
        for sql in texts {
            let found = if sql.template {
                accesses_of_template(&sql.text, sql.line, dialect, tables)
            } else {
                accesses_of_sql(&sql.text, sql.line, dialect, tables)
            };
            std::hint::black_box(found);
        }
    }
}

/// The monolith a plan input is validated against: the shop's tables and
/// modules, and dependencies between its services.
struct PlanWorld {
    tables: BTreeSet<String>,
    modules: BTreeSet<String>,
    dependencies: Vec<(String, String)>,
}

fn plan_world() -> &'static PlanWorld {
    static WORLD: OnceLock<PlanWorld> = OnceLock::new();
    WORLD.get_or_init(|| {
        let shop = parse_plan(SHOP_PLAN, "carve.toml").expect("the shop's plan loads");
        let plan = &shop.plan;
        let mut tables: BTreeSet<String> = plan
            .table_owners()
            .keys()
            .map(|t| (*t).to_string())
            .collect();
        tables.extend(plan.shared.iter().map(|s| s.table.get_ref().clone()));
        let mut modules: BTreeSet<String> = plan
            .module_owners()
            .keys()
            .map(|m| (*m).to_string())
            .collect();
        modules.extend(plan.monolith.modules.iter().map(|m| m.get_ref().clone()));
        let dependencies = [
            ("orders", "catalog"),
            ("orders", "customers"),
            ("payments", "orders"),
            ("shipping", "orders"),
            ("catalog", "shipping"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect();
        PlanWorld {
            tables,
            modules,
            dependencies,
        }
    })
}

/// Checks that a plan error points into the text it was read from.
fn assert_located(error: &PlanError, text: &str) {
    let (last_line, _) = line_column(text, text.len());
    assert!(
        error.line >= 1 && error.line <= last_line && error.column >= 1,
        "error outside the text ({} lines): {error}",
        last_line
    );
}

/// `plan_load`: a plan file loaded and, when it loads, validated as
/// `carve check` validates it.
pub fn plan_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    load_and_validate(text, data.len() % 2 == 0);
}

fn load_and_validate(text: &str, every_table_owned: bool) {
    let loaded = match parse_plan(text, "carve.toml") {
        Ok(loaded) => loaded,
        Err(error) => {
            assert_located(&error, text);
            return;
        }
    };
    let world = plan_world();
    let context = PlanContext {
        tables: &world.tables,
        modules: Some(&world.modules),
        dependencies: &world.dependencies,
        every_table_owned,
    };
    for problem in validate(&loaded, &context) {
        assert_located(&problem, text);
    }
}

/// `answers_load`: an `--answers` file loaded and its actions applied to
/// the shop's plan, as `carve plan --answers` does, up to the first
/// action that fails; the edited plan is then loaded and validated.
pub fn answers_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let actions = match parse_answers(text, "answers.toml") {
        Ok(actions) => actions,
        Err(error) => {
            assert_located(&error, text);
            return;
        }
    };
    let mut plan = PlanDocument::parse(SHOP_PLAN).expect("the shop's plan parses");
    for action in &actions {
        std::hint::black_box(action.describe());
        if action.apply(&mut plan).is_err() {
            return;
        }
    }
    load_and_validate(&plan.text(), true);
}
