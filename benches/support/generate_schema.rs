//! Deterministic generator of large, realistic schemas in every dialect carve
//! reads, so the ingestion benchmark measures inputs shaped like real dumps
//! and migration folders rather than toy `CREATE TABLE t (a int)` loops.
//!
//! The schema is built once as a dialect-neutral model (tables grouped into
//! modules, foreign keys mostly pointing inside their module, a few hubs) and
//! then rendered with each dialect's own idioms. Every statement it emits is
//! one sqlparser accepts, so the benchmark's parse-only floor and carve's full
//! ingestion see the same work.

use carve::model::Dialect;
use std::collections::HashSet;
use std::fmt::Write as _;

/// A 64-bit linear congruential generator. The benchmark needs variety, not
/// statistical quality, and a fixed recurrence keeps corpora byte-identical
/// across machines and toolchains, so timings stay comparable between runs.
pub(crate) struct Lcg(u64);

impl Lcg {
    pub(crate) fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// 31 fresh bits: the low bits of an LCG cycle quickly, so use the top.
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift to avoid modulo bias.
    fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.next()) * n as u64) >> 31) as usize
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub(crate) dialect: Dialect,
    pub(crate) tables: usize,
    pub(crate) foreign_keys: usize,
    /// How many files to spread the tables over (1 = one big dump).
    pub(crate) files: usize,
    pub(crate) seed: u64,
}

pub(crate) struct GeneratedFile {
    pub(crate) path: String,
    pub(crate) text: String,
}

pub(crate) struct Generated {
    pub(crate) files: Vec<GeneratedFile>,
    /// Table names as carve reports them: `schema.table`, or bare in the
    /// dialect's default schema.
    pub(crate) table_names: Vec<String>,
    pub(crate) foreign_keys: usize,
}

/// Tables of one module share a schema (PostgreSQL, SQL Server) and most of
/// their foreign keys, the way a monolith's bounded contexts usually look.
const MODULE_SIZE: usize = 50;
/// Share of foreign keys that stay inside their module.
const LOCAL_FK_PERCENT: u32 = 80;
/// Share of foreign keys that point back at their own table (trees).
const SELF_FK_PERCENT: u32 = 3;

/// Index 0 is the dialect's default schema; rendered per dialect.
const SCHEMAS: &[&str] = &[
    "",
    "sales",
    "billing",
    "inventory",
    "identity",
    "shipping",
    "catalog",
    "support",
    "analytics",
    "hr",
];

const NOUNS: &[&str] = &[
    "customer",
    "order",
    "invoice",
    "payment",
    "product",
    "warehouse",
    "shipment",
    "address",
    "account",
    "session",
    "ticket",
    "employee",
    "department",
    "supplier",
    "category",
    "review",
    "coupon",
    "refund",
    "subscription",
    "plan",
    "event",
    "notification",
    "document",
    "attachment",
    "comment",
    "tag",
    "price",
    "stock",
    "carrier",
    "region",
    "contract",
    "device",
    "campaign",
    "lead",
    "payout",
    "ledger",
    "tax_rate",
    "currency",
    "voucher",
    "report",
];

/// Empty entries weight plain nouns higher, as in real schemas.
const SUFFIXES: &[&str] = &[
    "",
    "",
    "",
    "_item",
    "_line",
    "_history",
    "_log",
    "_detail",
    "_link",
    "_snapshot",
    "_version",
    "_setting",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Varchar(u16),
    Text,
    Decimal,
    Int,
    BigInt,
    Bool,
    Timestamp,
    Date,
    Json,
    Uuid,
    Status,
}

/// Data columns a table draws from. None ends in `_id`, so carve's naming
/// heuristics cannot invent foreign keys the generator did not declare.
const POOL: &[(&str, Kind)] = &[
    ("name", Kind::Varchar(120)),
    ("title", Kind::Varchar(200)),
    ("description", Kind::Text),
    ("email", Kind::Varchar(255)),
    ("status", Kind::Status),
    ("amount", Kind::Decimal),
    ("quantity", Kind::Int),
    ("unit_price", Kind::Decimal),
    ("total", Kind::Decimal),
    ("deleted_at", Kind::Timestamp),
    ("is_active", Kind::Bool),
    ("is_archived", Kind::Bool),
    ("notes", Kind::Text),
    ("code", Kind::Varchar(32)),
    ("reference_code", Kind::Varchar(64)),
    ("sort_order", Kind::Int),
    ("weight", Kind::Decimal),
    ("rating", Kind::Int),
    ("starts_on", Kind::Date),
    ("ends_on", Kind::Date),
    ("metadata", Kind::Json),
    ("external_ref", Kind::Uuid),
    ("version", Kind::BigInt),
    ("locale", Kind::Varchar(10)),
    ("group", Kind::Varchar(40)),
    ("phone", Kind::Varchar(32)),
    ("country_code", Kind::Varchar(2)),
    ("payload", Kind::Json),
];

/// Comments include a quote and a semicolon because real ones do, and both
/// must survive statement splitting.
const COMMENTS: &[&str] = &[
    "Soft-deleted rows are kept; purge after 90 days",
    "Amounts in minor units (cents)",
    "Customer's preferred locale",
    "Denormalized for reporting",
    "Written by the nightly sync job",
    "One row per state change",
];

/// Words that must be quoted as identifiers in at least one dialect.
const RESERVED: &[&str] = &["group", "order", "user", "desc"];

struct ColumnDef {
    /// snake_case; SQL Server renders it in PascalCase.
    name: String,
    kind: Kind,
    not_null: bool,
    default: bool,
    comment: Option<&'static str>,
}

struct FkDef {
    column: usize,
    parent: usize,
    on_delete: Option<&'static str>,
}

struct IndexDef {
    column: usize,
    unique: bool,
}

struct TableDef {
    schema: usize,
    name: String,
    /// Column 0 is always the `id` primary key.
    columns: Vec<ColumnDef>,
    fks: Vec<FkDef>,
    indexes: Vec<IndexDef>,
    comment: Option<&'static str>,
    /// SQLite only: quote every identifier or only the ones that need it.
    quoted: bool,
}

/// Generates the corpus described by `spec`.
pub(crate) fn generate(spec: Spec) -> Generated {
    let mut rng = Lcg::new(spec.seed);
    let tables = build_model(&spec, &mut rng);
    let files = spec.files.clamp(1, tables.len().max(1));
    let mut out = Vec::with_capacity(files);
    for f in 0..files {
        // Contiguous chunks: parents land in the same or an earlier file, as
        // in a migration history.
        let range = (f * tables.len() / files)..((f + 1) * tables.len() / files);
        let text = match spec.dialect {
            Dialect::Postgres => render_postgres(&tables, range, f, files),
            Dialect::Mysql => render_mysql(&tables, range, f, files),
            Dialect::Sqlite => render_sqlite(&tables, range),
            Dialect::Mssql => render_mssql(&tables, range, f),
        };
        let path = if files == 1 {
            format!("gen/{}/dump.sql", spec.dialect)
        } else {
            format!("gen/{}/{:03}_part.sql", spec.dialect, f + 1)
        };
        out.push(GeneratedFile { path, text });
    }
    let table_names = tables
        .iter()
        .map(|t| reported_name(spec.dialect, t))
        .collect();
    Generated {
        files: out,
        table_names,
        foreign_keys: spec.foreign_keys,
    }
}

fn build_model(spec: &Spec, rng: &mut Lcg) -> Vec<TableDef> {
    let mut tables: Vec<TableDef> = (0..spec.tables)
        .map(|i| {
            let noun = rng.pick(NOUNS);
            let suffix = rng.pick(SUFFIXES);
            TableDef {
                schema: (i / MODULE_SIZE) % SCHEMAS.len(),
                // The index keeps names unique however the words fall.
                name: format!("{noun}{suffix}_{i:04}"),
                columns: vec![ColumnDef {
                    name: "id".into(),
                    kind: Kind::BigInt,
                    not_null: true,
                    default: false,
                    comment: None,
                }],
                fks: Vec::new(),
                indexes: Vec::new(),
                comment: rng.chance(30).then(|| *rng.pick(COMMENTS)),
                quoted: rng.chance(50),
            }
        })
        .collect();
    if tables.is_empty() {
        return tables;
    }

    // Foreign keys first, so their columns sit right after `id`.
    let mut names: Vec<HashSet<String>> = (0..tables.len())
        .map(|_| HashSet::from(["id".to_string()]))
        .collect();
    for _ in 0..spec.foreign_keys {
        let child = if tables.len() > 1 {
            1 + rng.below(tables.len() - 1)
        } else {
            0
        };
        let module_start = child - child % MODULE_SIZE;
        let parent = if child == 0 || rng.chance(SELF_FK_PERCENT) {
            child
        } else if child > module_start && rng.chance(LOCAL_FK_PERCENT) {
            module_start + rng.below(child - module_start)
        } else {
            rng.below(child)
        };
        let base = if parent == child {
            "parent".to_string()
        } else {
            noun_of(&tables[parent].name).to_string()
        };
        let column_name = unique_name(&mut names[child], &format!("{base}_id"));
        let not_null = parent != child && rng.chance(70);
        let on_delete = match rng.below(5) {
            0 => Some("CASCADE"),
            1 if !not_null => Some("SET NULL"),
            2 => Some("RESTRICT"),
            _ => None,
        };
        let table = &mut tables[child];
        table.columns.push(ColumnDef {
            name: column_name,
            kind: Kind::BigInt,
            not_null,
            default: false,
            comment: None,
        });
        let column = table.columns.len() - 1;
        table.fks.push(FkDef {
            column,
            parent,
            on_delete,
        });
        if rng.chance(60) {
            table.indexes.push(IndexDef {
                column,
                unique: false,
            });
        }
    }

    for (table, names) in tables.iter_mut().zip(&mut names) {
        let wanted = 2 + rng.below(9);
        for _ in 0..wanted {
            let (name, kind) = *rng.pick(POOL);
            if !names.insert(name.to_string()) {
                continue;
            }
            let not_null = rng.chance(50);
            table.columns.push(ColumnDef {
                name: name.into(),
                kind,
                not_null,
                default: not_null && rng.chance(60),
                comment: rng.chance(8).then(|| *rng.pick(COMMENTS)),
            });
            let column = table.columns.len() - 1;
            if matches!(name, "code" | "email" | "external_ref") && rng.chance(50) {
                table.indexes.push(IndexDef {
                    column,
                    unique: true,
                });
            }
        }
        if rng.chance(70) {
            for name in ["created_at", "updated_at"] {
                names.insert(name.to_string());
                table.columns.push(ColumnDef {
                    name: name.into(),
                    kind: Kind::Timestamp,
                    not_null: name == "created_at",
                    default: name == "created_at",
                    comment: None,
                });
            }
            if rng.chance(20) {
                let column = table.columns.len() - 2;
                table.indexes.push(IndexDef {
                    column,
                    unique: false,
                });
            }
        }
    }
    tables
}

fn unique_name(taken: &mut HashSet<String>, wanted: &str) -> String {
    let mut candidate = wanted.to_string();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{wanted}_{n}");
        n += 1;
    }
    candidate
}

/// `order_history_0042` → `order`: the word a referencing column is named for.
fn noun_of(table: &str) -> &str {
    NOUNS
        .iter()
        .filter(|n| table.starts_with(*n))
        .max_by_key(|n| n.len())
        .copied()
        .unwrap_or("ref")
}

/// `order_history_0042` → `OrderHistory_0042`, the SQL Server convention.
fn pascal(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    for part in snake.split('_') {
        if part.chars().all(|c| c.is_ascii_digit()) {
            out.push('_');
            out.push_str(part);
        } else {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

fn schema_name(dialect: Dialect, index: usize) -> Option<String> {
    match dialect {
        Dialect::Postgres => Some(if index == 0 {
            "public".into()
        } else {
            SCHEMAS[index].into()
        }),
        Dialect::Mssql => Some(if index == 0 {
            "dbo".into()
        } else {
            pascal(SCHEMAS[index])
        }),
        Dialect::Mysql | Dialect::Sqlite => None,
    }
}

fn reported_name(dialect: Dialect, table: &TableDef) -> String {
    let bare = if dialect == Dialect::Mssql {
        pascal(&table.name)
    } else {
        table.name.clone()
    };
    match schema_name(dialect, table.schema) {
        Some(schema) if table.schema != 0 => format!("{schema}.{bare}"),
        _ => bare,
    }
}

fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn pg_ident(name: &str) -> String {
    if RESERVED.contains(&name) {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

fn pg_table(t: &TableDef) -> String {
    format!(
        "{}.{}",
        schema_name(Dialect::Postgres, t.schema).unwrap_or_default(),
        t.name
    )
}

fn pg_type(kind: Kind) -> String {
    match kind {
        Kind::Varchar(n) => format!("character varying({n})"),
        Kind::Text => "text".into(),
        Kind::Decimal => "numeric(12,2)".into(),
        Kind::Int => "integer".into(),
        Kind::BigInt => "bigint".into(),
        Kind::Bool => "boolean".into(),
        Kind::Timestamp => "timestamp with time zone".into(),
        Kind::Date => "date".into(),
        Kind::Json => "jsonb".into(),
        Kind::Uuid => "uuid".into(),
        Kind::Status => "character varying(20)".into(),
    }
}

fn pg_default(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Decimal | Kind::Int => Some("0"),
        Kind::Bool => Some("false"),
        Kind::Timestamp => Some("now()"),
        Kind::Json => Some("'{}'::jsonb"),
        Kind::Uuid => Some("gen_random_uuid()"),
        Kind::Status => Some("'active'::character varying"),
        _ => None,
    }
}

/// pg_dump layout: tables (with sequences and comments), then primary keys,
/// then indexes, then foreign keys as `ALTER TABLE ONLY`.
fn render_postgres(
    tables: &[TableDef],
    range: std::ops::Range<usize>,
    file: usize,
    files: usize,
) -> String {
    let mut s = String::with_capacity(range.len() * 1400);
    let _ = write!(
        s,
        "--\n-- PostgreSQL database dump (part {} of {files})\n--\n\n\
         SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n\
         SET standard_conforming_strings = on;\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         SET check_function_bodies = false;\nSET client_min_messages = warning;\n\n",
        file + 1
    );
    if file == 0 {
        for schema in &SCHEMAS[1..] {
            let _ = write!(
                s,
                "--\n-- Name: {schema}; Type: SCHEMA; Schema: -; Owner: app\n--\n\n\
                 CREATE SCHEMA {schema};\n\nALTER SCHEMA {schema} OWNER TO app;\n\n"
            );
        }
        s.push_str("SET default_tablespace = '';\n\nSET default_table_access_method = heap;\n\n");
    }
    for t in &tables[range.clone()] {
        let qualified = pg_table(t);
        let schema = schema_name(Dialect::Postgres, t.schema).unwrap_or_default();
        let _ = write!(
            s,
            "--\n-- Name: {}; Type: TABLE; Schema: {schema}; Owner: app\n--\n\nCREATE TABLE {qualified} (\n",
            t.name
        );
        for (i, c) in t.columns.iter().enumerate() {
            let _ = write!(s, "    {} {}", pg_ident(&c.name), pg_type(c.kind));
            if c.default {
                if let Some(d) = pg_default(c.kind) {
                    let _ = write!(s, " DEFAULT {d}");
                }
            }
            if c.not_null {
                s.push_str(" NOT NULL");
            }
            s.push_str(if i + 1 < t.columns.len() { ",\n" } else { "\n" });
        }
        let _ = write!(s, ");\n\n\nALTER TABLE {qualified} OWNER TO app;\n\n");
        if let Some(comment) = t.comment {
            let _ = write!(
                s,
                "COMMENT ON TABLE {qualified} IS {};\n\n",
                sql_string(comment)
            );
        }
        for c in t.columns.iter().filter(|c| c.comment.is_some()) {
            let _ = write!(
                s,
                "COMMENT ON COLUMN {qualified}.{} IS {};\n\n",
                pg_ident(&c.name),
                sql_string(c.comment.unwrap_or_default())
            );
        }
        let _ = write!(
            s,
            "CREATE SEQUENCE {qualified}_id_seq\n    START WITH 1\n    INCREMENT BY 1\n    \
             NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n\n\
             ALTER TABLE {qualified}_id_seq OWNER TO app;\n\n\
             ALTER TABLE ONLY {qualified} ALTER COLUMN id SET DEFAULT nextval('{qualified}_id_seq'::regclass);\n\n"
        );
    }
    for t in &tables[range.clone()] {
        let _ = write!(
            s,
            "ALTER TABLE ONLY {}\n    ADD CONSTRAINT {}_pkey PRIMARY KEY (id);\n\n",
            pg_table(t),
            t.name
        );
    }
    for t in &tables[range.clone()] {
        for ix in &t.indexes {
            let col = &t.columns[ix.column].name;
            let (kind, suffix) = if ix.unique {
                ("UNIQUE INDEX", "key")
            } else {
                ("INDEX", "idx")
            };
            let _ = write!(
                s,
                "CREATE {kind} {}_{col}_{suffix} ON {} USING btree ({});\n\n",
                t.name,
                pg_table(t),
                pg_ident(col)
            );
        }
    }
    for t in &tables[range] {
        for fk in &t.fks {
            let col = &t.columns[fk.column].name;
            let _ = write!(
                s,
                "ALTER TABLE ONLY {}\n    ADD CONSTRAINT {}_{col}_fkey FOREIGN KEY ({}) REFERENCES {}(id)",
                pg_table(t),
                t.name,
                pg_ident(col),
                pg_table(&tables[fk.parent])
            );
            if let Some(action) = fk.on_delete {
                let _ = write!(s, " ON DELETE {action}");
            }
            s.push_str(";\n\n");
        }
    }
    s.push_str("--\n-- PostgreSQL database dump complete\n--\n\n");
    s
}

fn mysql_type(kind: Kind) -> String {
    match kind {
        Kind::Varchar(n) => format!("varchar({n})"),
        Kind::Text => "text".into(),
        Kind::Decimal => "decimal(12,2)".into(),
        Kind::Int => "int".into(),
        Kind::BigInt => "bigint unsigned".into(),
        Kind::Bool => "tinyint(1)".into(),
        Kind::Timestamp => "datetime(6)".into(),
        Kind::Date => "date".into(),
        Kind::Json => "json".into(),
        Kind::Uuid => "char(36) CHARACTER SET ascii COLLATE ascii_bin".into(),
        Kind::Status => "enum('active','suspended','closed')".into(),
    }
}

fn mysql_default(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Decimal => Some("'0.00'"),
        Kind::Int => Some("'0'"),
        Kind::Bool => Some("'1'"),
        Kind::Timestamp => Some("CURRENT_TIMESTAMP(6)"),
        Kind::Status => Some("'active'"),
        _ => None,
    }
}

/// mysqldump layout: version-gated `/*!…*/` settings, then one
/// `DROP TABLE IF EXISTS` + `CREATE TABLE` per table with keys and foreign
/// keys inline, with checks off so order does not matter.
fn render_mysql(
    tables: &[TableDef],
    range: std::ops::Range<usize>,
    file: usize,
    files: usize,
) -> String {
    let mut s = String::with_capacity(range.len() * 1300);
    let _ = write!(
        s,
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n\
         -- Host: localhost    Database: app    (part {} of {files})\n\
         -- ------------------------------------------------------\n\
         -- Server version\t8.0.36\n\n\
         /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n\
         /*!50503 SET NAMES utf8mb4 */;\n\
         /*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n\
         /*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n\n",
        file + 1
    );
    for (n, t) in tables[range].iter().enumerate() {
        let _ = write!(
            s,
            "--\n-- Table structure for table `{0}`\n--\n\n\
             DROP TABLE IF EXISTS `{0}`;\n\
             /*!40101 SET @saved_cs_client     = @@character_set_client */;\n\
             /*!50503 SET character_set_client = utf8mb4 */;\n\
             CREATE TABLE `{0}` (\n",
            t.name
        );
        for (i, c) in t.columns.iter().enumerate() {
            let _ = write!(s, "  `{}` {}", c.name, mysql_type(c.kind));
            if c.not_null {
                s.push_str(" NOT NULL");
            }
            if i == 0 {
                s.push_str(" AUTO_INCREMENT");
            } else if c.default {
                if let Some(d) = mysql_default(c.kind) {
                    let _ = write!(s, " DEFAULT {d}");
                }
            } else if !c.not_null {
                s.push_str(" DEFAULT NULL");
            }
            if let Some(comment) = c.comment {
                let _ = write!(s, " COMMENT {}", sql_string(comment));
            }
            s.push_str(",\n");
        }
        s.push_str("  PRIMARY KEY (`id`)");
        for ix in &t.indexes {
            let col = &t.columns[ix.column].name;
            let kind = if ix.unique { "UNIQUE KEY" } else { "KEY" };
            let _ = write!(s, ",\n  {kind} `{}_{col}` (`{col}`)", t.name);
        }
        for (k, fk) in t.fks.iter().enumerate() {
            let col = &t.columns[fk.column].name;
            let _ = write!(
                s,
                ",\n  CONSTRAINT `{}_ibfk_{}` FOREIGN KEY (`{col}`) REFERENCES `{}` (`id`)",
                t.name,
                k + 1,
                tables[fk.parent].name
            );
            if let Some(action) = fk.on_delete {
                let _ = write!(s, " ON DELETE {action}");
            }
        }
        let _ = write!(
            s,
            "\n) ENGINE=InnoDB AUTO_INCREMENT={} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
            1 + n * 37
        );
        if let Some(comment) = t.comment {
            let _ = write!(s, " COMMENT={}", sql_string(comment));
        }
        s.push_str(";\n/*!40101 SET character_set_client = @saved_cs_client */;\n\n");
    }
    s.push_str(
        "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n\
         /*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n\
         /*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n\n-- Dump completed\n",
    );
    s
}

fn sqlite_type(kind: Kind) -> String {
    match kind {
        Kind::Varchar(n) => format!("VARCHAR({n})"),
        Kind::Text | Kind::Json | Kind::Uuid | Kind::Status => "TEXT".into(),
        Kind::Decimal => "NUMERIC".into(),
        Kind::Int | Kind::BigInt => "INTEGER".into(),
        Kind::Bool => "BOOLEAN".into(),
        Kind::Timestamp => "DATETIME".into(),
        Kind::Date => "DATE".into(),
    }
}

fn sqlite_default(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Decimal | Kind::Int => Some("0"),
        Kind::Bool => Some("1"),
        Kind::Timestamp => Some("CURRENT_TIMESTAMP"),
        Kind::Status => Some("'active'"),
        _ => None,
    }
}

/// `.dump` layout: one transaction, `CREATE TABLE IF NOT EXISTS` with
/// foreign keys mostly inline as `REFERENCES`, some as table constraints,
/// identifiers quoted or bare table by table, comments inside the body.
fn render_sqlite(tables: &[TableDef], range: std::ops::Range<usize>) -> String {
    let mut s = String::with_capacity(range.len() * 900);
    s.push_str("PRAGMA foreign_keys = 0;\nBEGIN TRANSACTION;\n");
    let ident = |t: &TableDef, name: &str| {
        if t.quoted || RESERVED.contains(&name) {
            format!("\"{name}\"")
        } else {
            name.to_string()
        }
    };
    for t in &tables[range.clone()] {
        let _ = writeln!(s, "CREATE TABLE IF NOT EXISTS {} (", ident(t, &t.name));
        // Every third table declares its foreign keys as table constraints,
        // the style some migration tools emit.
        let table_level = t.name.len() % 3 == 0;
        let mut lines = Vec::with_capacity(t.columns.len() + t.fks.len());
        for (i, c) in t.columns.iter().enumerate() {
            let mut line = format!("  {} {}", ident(t, &c.name), sqlite_type(c.kind));
            if i == 0 {
                line.push_str(" PRIMARY KEY AUTOINCREMENT");
            }
            if c.not_null {
                line.push_str(" NOT NULL");
            }
            if c.default {
                if let Some(d) = sqlite_default(c.kind) {
                    let _ = write!(line, " DEFAULT {d}");
                }
            }
            if c.kind == Kind::Status {
                let _ = write!(
                    line,
                    " CHECK ({} IN ('active', 'suspended', 'closed'))",
                    ident(t, &c.name)
                );
            }
            if !table_level {
                if let Some(fk) = t.fks.iter().find(|fk| fk.column == i) {
                    let parent = &tables[fk.parent];
                    let _ = write!(
                        line,
                        " REFERENCES {} ({})",
                        ident(t, &parent.name),
                        ident(t, "id")
                    );
                    if let Some(action) = fk.on_delete {
                        let _ = write!(line, " ON DELETE {action}");
                    }
                }
            }
            lines.push((line, c.comment));
        }
        if table_level {
            for fk in &t.fks {
                let mut line = format!(
                    "  FOREIGN KEY ({}) REFERENCES {} ({})",
                    ident(t, &t.columns[fk.column].name),
                    ident(t, &tables[fk.parent].name),
                    ident(t, "id")
                );
                if let Some(action) = fk.on_delete {
                    let _ = write!(line, " ON DELETE {action}");
                }
                lines.push((line, None));
            }
        }
        let last = lines.len() - 1;
        for (i, (line, comment)) in lines.iter().enumerate() {
            s.push_str(line);
            if i != last {
                s.push(',');
            }
            if let Some(comment) = comment {
                let _ = write!(s, " -- {comment}");
            }
            s.push('\n');
        }
        s.push_str(");\n");
    }
    for t in &tables[range] {
        for ix in &t.indexes {
            let col = &t.columns[ix.column].name;
            let unique = if ix.unique { "UNIQUE " } else { "" };
            let _ = writeln!(
                s,
                "CREATE {unique}INDEX IF NOT EXISTS {} ON {} ({});",
                ident(t, &format!("ix_{}_{col}", t.name)),
                ident(t, &t.name),
                ident(t, col)
            );
        }
    }
    s.push_str("COMMIT;\n");
    s
}

fn mssql_table(t: &TableDef) -> String {
    format!(
        "[{}].[{}]",
        schema_name(Dialect::Mssql, t.schema).unwrap_or_default(),
        pascal(&t.name)
    )
}

fn mssql_type(kind: Kind) -> String {
    match kind {
        Kind::Varchar(n) => format!("[nvarchar]({n})"),
        Kind::Text | Kind::Json => "[nvarchar](max)".into(),
        Kind::Decimal => "[decimal](12, 2)".into(),
        Kind::Int => "[int]".into(),
        Kind::BigInt => "[bigint]".into(),
        Kind::Bool => "[bit]".into(),
        Kind::Timestamp => "[datetime2](7)".into(),
        Kind::Date => "[date]".into(),
        Kind::Uuid => "[uniqueidentifier]".into(),
        Kind::Status => "[nvarchar](20)".into(),
    }
}

fn mssql_default(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Decimal | Kind::Int | Kind::Bool => Some("((0))"),
        Kind::Timestamp => Some("(sysutcdatetime())"),
        Kind::Uuid => Some("(newid())"),
        Kind::Status => Some("(N'active')"),
        _ => None,
    }
}

/// "Generate Scripts" layout: `GO`-separated batches without semicolons,
/// `[bracketed]` names, descriptions as extended properties, and each
/// table's foreign keys as `ALTER TABLE … ADD CONSTRAINT` in one batch.
fn render_mssql(tables: &[TableDef], range: std::ops::Range<usize>, file: usize) -> String {
    let mut s = String::with_capacity(range.len() * 1500);
    s.push_str("USE [App]\nGO\n");
    if file == 0 {
        for schema in &SCHEMAS[1..] {
            let schema = pascal(schema);
            let _ = write!(
                s,
                "/****** Object:  Schema [{schema}]    Script Date: 3/4/2024 10:12:01 AM ******/\n\
                 IF NOT EXISTS (SELECT * FROM sys.schemas WHERE name = N'{schema}')\n\
                 EXEC('CREATE SCHEMA [{schema}]')\nGO\n"
            );
        }
    }
    for t in &tables[range.clone()] {
        let table = mssql_table(t);
        let bare = pascal(&t.name);
        let _ = write!(
            s,
            "/****** Object:  Table {table}    Script Date: 3/4/2024 10:12:01 AM ******/\n\
             SET ANSI_NULLS ON\nGO\nSET QUOTED_IDENTIFIER ON\nGO\nCREATE TABLE {table}(\n"
        );
        for (i, c) in t.columns.iter().enumerate() {
            let col = pascal(&c.name);
            let _ = write!(s, "\t[{col}] {}", mssql_type(c.kind));
            if i == 0 {
                s.push_str(" IDENTITY(1,1)");
            }
            s.push_str(if c.not_null { " NOT NULL" } else { " NULL" });
            if c.default {
                if let Some(d) = mssql_default(c.kind) {
                    let _ = write!(s, " CONSTRAINT [DF_{bare}_{col}] DEFAULT {d}");
                }
            }
            s.push_str(",\n");
        }
        let _ = write!(
            s,
            " CONSTRAINT [PK_{bare}] PRIMARY KEY CLUSTERED \n(\n\t[Id] ASC\n)\n)\nGO\n"
        );
        if let Some(comment) = t.comment {
            let schema = schema_name(Dialect::Mssql, t.schema).unwrap_or_default();
            let _ = write!(
                s,
                "EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N{} , \
                 @level0type=N'SCHEMA',@level0name=N'{schema}', @level1type=N'TABLE',@level1name=N'{bare}'\nGO\n",
                sql_string(comment)
            );
        }
    }
    for t in &tables[range.clone()] {
        for ix in &t.indexes {
            let col = pascal(&t.columns[ix.column].name);
            let (kind, prefix) = if ix.unique {
                ("UNIQUE INDEX", "UX")
            } else {
                ("INDEX", "IX")
            };
            let _ = write!(
                s,
                "CREATE {kind} [{prefix}_{}_{col}] ON {}([{col}] ASC)\nGO\n",
                pascal(&t.name),
                mssql_table(t)
            );
        }
    }
    for t in &tables[range] {
        if t.fks.is_empty() {
            continue;
        }
        for fk in &t.fks {
            let col = pascal(&t.columns[fk.column].name);
            let parent = &tables[fk.parent];
            let _ = write!(
                s,
                "ALTER TABLE {} ADD CONSTRAINT [FK_{}_{col}] FOREIGN KEY([{col}])\nREFERENCES {} ([Id])\n",
                mssql_table(t),
                pascal(&t.name),
                mssql_table(parent)
            );
            if let Some(action) = fk.on_delete.filter(|a| *a != "RESTRICT") {
                // SQL Server spells RESTRICT as NO ACTION, its default.
                let _ = writeln!(s, "ON DELETE {action}");
            }
        }
        s.push_str("GO\n");
    }
    s
}
