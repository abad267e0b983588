//! Ingestion benchmark: how fast carve turns SQL into a schema, compared with
//! the floor any sqlparser-based ingester pays (split + parse, nothing else).
//!
//! Run with `cargo bench --bench ingest [-- FILTER]`. For each dialect it
//! generates a large schema, once spread over many files (so parallelism
//! across files shows) and once as one big dump, then adds every `.sql` file
//! of the shared corpus. Each case reports the floor sequentially and with
//! rayon, carve's full ingestion, and their ratios.
//!
//! Knobs (environment): `CARVE_BENCH_TABLES` (default 5000),
//! `CARVE_BENCH_FKS` (default 4 per table), `CARVE_BENCH_FILES` (default 50),
//! `CARVE_BENCH_RUNS` (default 5), `CARVE_BENCH_WRITE=DIR` to also write the
//! generated corpora to disk for trying the CLI on them.

// A benchmark's report is its standard output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "support/generate_schema.rs"]
mod generate_schema;

use carve::ingest::sql::split::split_statements;
use carve::ingest::sql::{ingest_sources, Ingested, SqlSource};
use carve::model::{Dialect, Severity};
use generate_schema::{generate, Spec};
use rayon::prelude::*;
use sqlparser::dialect::{MsSqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserOptions};
use std::collections::HashSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DIALECTS: [Dialect; 4] = [
    Dialect::Postgres,
    Dialect::Mysql,
    Dialect::Sqlite,
    Dialect::Mssql,
];

/// A first run slower than this is repeated fewer times, which keeps the
/// whole benchmark within a few minutes even when one stage is slow.
const SLOW_RUN: Duration = Duration::from_millis(1500);
const VERY_SLOW_RUN: Duration = Duration::from_secs(6);

struct Case {
    name: String,
    dialect: Dialect,
    sources: Vec<SqlSource>,
    /// Generated cases know what must be found; corpus files do not.
    expected: Option<Expected>,
}

struct Expected {
    table_names: Vec<String>,
    foreign_keys: usize,
}

struct Row {
    name: String,
    mb: f64,
    statements: usize,
    parse_errors: usize,
    tables: usize,
    foreign_keys: usize,
    errors: usize,
    warnings: usize,
    floor_seq: Duration,
    floor_par: Duration,
    full: Duration,
    runs: usize,
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let tables = env_usize("CARVE_BENCH_TABLES", 5000);
    let fks = env_usize("CARVE_BENCH_FKS", tables * 4);
    let files = env_usize("CARVE_BENCH_FILES", 50);
    let runs = env_usize("CARVE_BENCH_RUNS", 5).max(1);
    let write_dir = std::env::var_os("CARVE_BENCH_WRITE").map(PathBuf::from);

    println!(
        "carve ingestion benchmark: {tables} tables, {fks} FKs per generated corpus, \
         {} rayon threads, up to {runs} runs per measurement (median)",
        rayon::current_num_threads()
    );

    let mut cases = Vec::new();
    for (i, dialect) in DIALECTS.into_iter().enumerate() {
        for file_count in [files, 1] {
            let generated = generate(Spec {
                dialect,
                tables,
                foreign_keys: fks,
                files: file_count,
                seed: 0xCA4E + i as u64,
            });
            let label = if file_count == 1 {
                "1 file".to_string()
            } else {
                format!("{file_count} files")
            };
            if let Some(dir) = &write_dir {
                write_corpus(dir, &generated.files);
            }
            cases.push(Case {
                name: format!("gen {dialect} {label}"),
                dialect,
                sources: generated
                    .files
                    .into_iter()
                    .map(|f| SqlSource {
                        path: f.path,
                        text: f.text,
                    })
                    .collect(),
                expected: Some(Expected {
                    table_names: generated.table_names,
                    foreign_keys: generated.foreign_keys,
                }),
            });
        }
    }
    cases.extend(corpus_cases());
    cases.retain(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())));

    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    for case in &cases {
        let row = run_case(case, runs, &mut mismatches);
        eprintln!(
            "  done {:<44} floor seq {:>8.1} ms  par {:>8.1} ms  full {:>8.1} ms",
            row.name,
            ms(row.floor_seq),
            ms(row.floor_par),
            ms(row.full)
        );
        rows.push(row);
    }
    print_table(&rows);
    if mismatches.is_empty() {
        println!(
            "\nAll generated corpora ingested with the expected table and foreign-key counts."
        );
    } else {
        println!();
        for m in &mismatches {
            println!("{m}");
        }
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn write_corpus(dir: &Path, files: &[generate_schema::GeneratedFile]) {
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Err(e) = std::fs::write(&path, &f.text) {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }
}

/// Every `.sql` file under `../shared/corpus`, one case each, with the
/// dialect read from its name (the corpus names files after their dialect).
fn corpus_cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        println!("(skipping corpus files: {} not found)", root.display());
        return Vec::new();
    }
    let mut paths = Vec::new();
    collect_sql(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let rel = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let dialect = dialect_from_name(&rel);
            Some(Case {
                name: format!("corpus {rel}"),
                dialect,
                sources: vec![SqlSource { path: rel, text }],
                expected: None,
            })
        })
        .collect()
}

fn collect_sql(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_sql(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}

fn dialect_from_name(name: &str) -> Dialect {
    let lower = name.to_ascii_lowercase();
    if lower.contains("sqlite") {
        Dialect::Sqlite
    } else if lower.contains("mysql") {
        Dialect::Mysql
    } else if lower.contains("sqlserver") || lower.contains("sql-server") || lower.contains("mssql")
    {
        Dialect::Mssql
    } else {
        Dialect::Postgres
    }
}

/// Parses one split statement (for T-SQL, one `GO` batch that may hold
/// several statements without `;`). Returns whether sqlparser accepted it.
fn parse_one(dialect: Dialect, text: &str) -> bool {
    match dialect {
        Dialect::Postgres => black_box(Parser::parse_sql(&PostgreSqlDialect {}, text)).is_ok(),
        Dialect::Mysql => black_box(Parser::parse_sql(&MySqlDialect {}, text)).is_ok(),
        Dialect::Sqlite => black_box(Parser::parse_sql(&SQLiteDialect {}, text)).is_ok(),
        Dialect::Mssql => {
            // A batch strings statements together without semicolons.
            let options = ParserOptions {
                require_semicolon_stmt_delimiter: false,
                ..ParserOptions::new()
            };
            let parsed = Parser::new(&MsSqlDialect {})
                .with_options(options)
                .try_with_sql(text)
                .and_then(|mut p| p.parse_statements());
            black_box(parsed).is_ok()
        }
    }
}

/// (statements, parse errors) for one file.
fn floor_file_seq(dialect: Dialect, text: &str) -> (usize, usize) {
    let split = split_statements(text, dialect);
    let errors = split
        .statements
        .iter()
        .filter(|s| !parse_one(dialect, s.text))
        .count();
    (split.statements.len(), errors)
}

fn floor_seq(case: &Case) -> (usize, usize) {
    case.sources
        .iter()
        .map(|s| floor_file_seq(case.dialect, &s.text))
        .fold((0, 0), add)
}

/// Files in parallel, and statements within a file in parallel too, so one
/// big dump is not stuck on a single core.
fn floor_par(case: &Case) -> (usize, usize) {
    case.sources
        .par_iter()
        .map(|s| {
            let split = split_statements(&s.text, case.dialect);
            let errors = split
                .statements
                .par_iter()
                .filter(|st| !parse_one(case.dialect, st.text))
                .count();
            (split.statements.len(), errors)
        })
        .reduce(|| (0, 0), add)
}

fn add(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0 + b.0, a.1 + b.1)
}

/// Runs `routine` on fresh input from `setup` (untimed) up to `runs` times
/// and returns the median time with the last result. Slow first runs cut
/// the repetitions short.
fn measure<I, R>(
    runs: usize,
    mut setup: impl FnMut() -> I,
    mut routine: impl FnMut(I) -> R,
) -> (Duration, R, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut last;
    let input = setup();
    let start = Instant::now();
    last = routine(input);
    times.push(start.elapsed());
    let runs = if times[0] > VERY_SLOW_RUN {
        1
    } else if times[0] > SLOW_RUN {
        runs.min(3)
    } else {
        runs
    };
    while times.len() < runs {
        let input = setup();
        let start = Instant::now();
        last = routine(input);
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last, times.len())
}

fn run_case(case: &Case, runs: usize, mismatches: &mut Vec<String>) -> Row {
    let bytes: usize = case.sources.iter().map(|s| s.text.len()).sum();
    let (floor_seq_time, (statements, parse_errors), _) =
        measure(runs, || (), |()| floor_seq(case));
    let (floor_par_time, par_counts, _) = measure(runs, || (), |()| floor_par(case));
    debug_assert_eq!(par_counts, (statements, parse_errors));
    let (full_time, ingested, full_runs) = measure(
        runs,
        || case.sources.clone(),
        |sources| ingest_sources(sources, Some(case.dialect)),
    );
    let Ingested {
        schema,
        diagnostics,
    } = ingested;
    // Inferred keys are carve's guesses, not declarations; the generator
    // only knows about the declared ones.
    let declared_fks = schema
        .tables
        .iter()
        .flat_map(|t| &t.foreign_keys)
        .filter(|f| !f.inferred)
        .count();

    if let Some(expected) = &case.expected {
        check(case, expected, &schema, declared_fks, mismatches);
    }
    if parse_errors > 0 && case.expected.is_some() {
        mismatches.push(format!(
            "NOTE {}: {parse_errors} of {statements} split statements did not parse in the floor \
             (splitter or generator problem)",
            case.name
        ));
    }

    Row {
        name: case.name.clone(),
        mb: bytes as f64 / 1_000_000.0,
        statements,
        parse_errors,
        tables: schema.tables.len(),
        foreign_keys: declared_fks,
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        floor_seq: floor_seq_time,
        floor_par: floor_par_time,
        full: full_time,
        runs: full_runs,
    }
}

fn check(
    case: &Case,
    expected: &Expected,
    schema: &carve::model::Schema,
    declared_fks: usize,
    mismatches: &mut Vec<String>,
) {
    // Only PostgreSQL compares names case-sensitively.
    let fold = |s: &str| {
        if case.dialect.case_insensitive_names() {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let found: HashSet<String> = schema.tables.iter().map(|t| fold(&t.name)).collect();
    let missing: Vec<&String> = expected
        .table_names
        .iter()
        .filter(|n| !found.contains(&fold(n)))
        .collect();
    let table_count_ok = schema.tables.len() == expected.table_names.len();
    if !table_count_ok || !missing.is_empty() {
        let sample: Vec<&str> = missing.iter().take(3).map(|s| s.as_str()).collect();
        let msg = format!(
            "!!! MISMATCH {}: tables found {} expected {} ({} expected names missing, e.g. {:?}; found e.g. {:?})",
            case.name,
            schema.tables.len(),
            expected.table_names.len(),
            missing.len(),
            sample,
            schema.tables.iter().take(3).map(|t| t.name.as_str()).collect::<Vec<_>>()
        );
        println!("{msg}");
        mismatches.push(msg);
    }
    if declared_fks != expected.foreign_keys {
        let msg = format!(
            "!!! MISMATCH {}: foreign keys found {declared_fks} expected {}",
            case.name, expected.foreign_keys
        );
        println!("{msg}");
        mismatches.push(msg);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<46} {:>6} {:>7} {:>5} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9} {:>7} {:>8} {:>8} {:>8} {:>4}",
        "case",
        "MB",
        "stmts",
        "perr",
        "tables",
        "FKs",
        "diag e/w",
        "floor seq",
        "floor par",
        "full ms",
        "MB/s",
        "ms/1k t",
        "full/par",
        "full/seq",
        "runs"
    );
    println!("{}", "-".repeat(172));
    for r in rows {
        let per_k_tables = if r.tables == 0 {
            "-".to_string()
        } else {
            format!("{:.1}", ms(r.full) * 1000.0 / r.tables as f64)
        };
        println!(
            "{:<46} {:>6.2} {:>7} {:>5} {:>6} {:>6} {:>9} {:>9.1} {:>9.1} {:>9.1} {:>7.1} {:>8} {:>8.2} {:>8.2} {:>4}",
            r.name,
            r.mb,
            r.statements,
            r.parse_errors,
            r.tables,
            r.foreign_keys,
            format!("{}/{}", r.errors, r.warnings),
            ms(r.floor_seq),
            ms(r.floor_par),
            ms(r.full),
            r.mb / r.full.as_secs_f64().max(1e-9),
            per_k_tables,
            ratio(r.full, r.floor_par),
            ratio(r.full, r.floor_seq),
            r.runs
        );
    }
    println!(
        "\nfloor = split_statements + sqlparser on every statement (seq: one thread; par: rayon over \
         files and statements);\nfull = carve::ingest::sql::ingest_sources; perr = statements the \
         floor could not parse; MB/s and ms/1k t are for full."
    );
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}
