//! Code-analysis benchmark: how fast and how lean carve analyzes a large Rust
//! monolith (schema from migrations, code, proposal), compared with the floor
//! any syn + sqlparser based analyzer pays: parsing every `.rs` file once
//! and every SQL text (query strings and migrations) once.
//!
//! Run with `cargo bench --bench analyze`. It generates a workspace (see
//! `support/generate_monolith.rs`), then re-runs itself as a fresh child
//! process per timed run (`--phase floor-seq|floor-par|full DIR`): the floor
//! sequentially and with rayon, and carve's phases, one run of each per
//! round so that a drift in the machine's speed hits all three alike; the
//! ratio to the floor is also given round by round. Each child reports its
//! wall time per part, its CPU time and its peak RSS. Last, in this process,
//! it checks that carve found the tables and accesses the generator planted.
//!
//! Knobs (environment): `CARVE_BENCH_LINES` (default 500000 Rust lines),
//! `CARVE_BENCH_TABLES` (default 2000), `CARVE_BENCH_RUNS` (default 5),
//! `CARVE_BENCH_WRITE=DIR` to generate into DIR and keep it for trying the
//! CLI (`carve analyze DIR/monolith`).

// A benchmark's report is its standard output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "support/generate_monolith.rs"]
mod generate_monolith;

use carve::analysis::{adjusted_rand_index, propose, AnalysisOptions};
use carve::ingest::{load_monolith, SchemaRequest};
use carve::model::{AccessMode, AccessVia, Codebase, Proposal, Schema, Severity};
use generate_monolith::{generate, Accesses, Monolith, Spec};
use rayon::prelude::*;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The allocator the `carve` binary uses, for the floor and carve alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Separates recorded SQL strings in the file the floor child reads; SQL
/// text never contains NUL.
const SQL_SEPARATOR: char = '\0';

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--phase") {
        let phase = args.get(i + 1).map(String::as_str).unwrap_or_default();
        let dir = PathBuf::from(args.get(i + 2).cloned().unwrap_or_default());
        std::process::exit(child(phase, &dir));
    }
    let lines = env_usize("CARVE_BENCH_LINES", 500_000);
    let tables = env_usize("CARVE_BENCH_TABLES", 2000);
    let runs = env_usize("CARVE_BENCH_RUNS", 5).max(1);
    let keep = std::env::var_os("CARVE_BENCH_WRITE").map(PathBuf::from);

    let temp = tempfile::tempdir().expect("temporary directory");
    let base = keep.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let root = base.join("monolith");
    if root.exists() {
        std::fs::remove_dir_all(&root).expect("clear the previous monolith");
    }
    std::fs::create_dir_all(&root).expect("create the monolith directory");
    let root = root.canonicalize().expect("canonical root");

    println!(
        "carve code-analysis benchmark: ~{lines} Rust lines, {tables} tables, {} rayon threads, \
         median of {runs} runs{}",
        rayon::current_num_threads(),
        load_average().map_or(String::new(), |l| format!(" (load average {l} at start)"))
    );
    let started = Instant::now();
    let monolith = generate(
        Spec {
            lines,
            tables,
            seed: 0xC0DE,
        },
        &root,
    )
    .expect("generate the monolith");
    let sql_file = base.join("sql-strings.txt");
    let joined: String = monolith
        .sql_strings
        .iter()
        .flat_map(|s| [s.as_str(), "\0"])
        .collect();
    std::fs::write(&sql_file, joined).expect("write the SQL strings");
    eprintln!(
        "  generated {} Rust files ({} lines), {} migrations in {:.1} s under {}",
        monolith.rust_files,
        monolith.rust_lines,
        monolith.migrations,
        started.elapsed().as_secs_f64(),
        root.display()
    );

    let input = FloorInput::gather(&root, Vec::new());
    let exe = std::env::current_exe().expect("own executable");
    let mut mismatches = Vec::new();

    // Every timed run is a fresh process: no allocator state or page of the
    // generator's data carried over, and its peak RSS is its own.
    let rounds = measure_rounds(&exe, &["floor-seq", "floor-par", "full"], &root, runs);
    let paired = paired_ratios(&rounds[1], &rounds[2]);
    let [seq, par, full] = [0, 1, 2].map(|phase| summarize(&rounds[phase]));
    if let (Some(s), Some(p)) = (&seq, &par) {
        if s.counts != p.counts {
            mismatches.push(format!(
                "!!! MISMATCH floor: sequential and parallel runs counted differently ({:?} vs {:?})",
                s.counts, p.counts
            ));
        }
        if s.counts.rust_failed > 0 || s.counts.sql_failed > 0 {
            mismatches.push(format!(
                "!!! MISMATCH generator: {} Rust files and {} SQL texts did not parse in the floor",
                s.counts.rust_failed, s.counts.sql_failed
            ));
        }
    }

    // The check runs in this process, untimed.
    let (_, result) = full_once(&root);
    check(&monolith, &result, &mut mismatches);

    print_table(
        &monolith,
        &input,
        [seq.as_ref(), par.as_ref(), full.as_ref()],
        &paired,
        &result,
    );
    print_sample(&monolith, &result.code);

    println!();
    if mismatches.is_empty() {
        println!(
            "All planted tables, foreign keys and module accesses were found; every generated file and SQL text parsed."
        );
    } else {
        for m in &mismatches {
            println!("{m}");
        }
    }
    if let Some(load) = load_average() {
        println!("(load average {load} at the end; above the core count, timings are inflated)");
    }
    if let Some(dir) = keep {
        println!("(monolith kept in {})", dir.join("monolith").display());
    }
}

/// The 1-minute load average: other work on the machine skews timings.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_string)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ----- the floor --------------------------------------------------------

/// What the floor parses: found on disk like carve finds it, plus the SQL
/// strings the generator planted in query calls.
struct FloorInput {
    rust: Vec<PathBuf>,
    migrations: Vec<PathBuf>,
    sql: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct FloorCounts {
    rust_files: usize,
    rust_failed: usize,
    sql_texts: usize,
    sql_statements: usize,
    sql_failed: usize,
}

impl FloorCounts {
    fn add(self, o: Self) -> Self {
        FloorCounts {
            rust_files: self.rust_files + o.rust_files,
            rust_failed: self.rust_failed + o.rust_failed,
            sql_texts: self.sql_texts + o.sql_texts,
            sql_statements: self.sql_statements + o.sql_statements,
            sql_failed: self.sql_failed + o.sql_failed,
        }
    }
}

/// Time for the Rust part and the SQL part of one floor run.
#[derive(Debug, Clone, Copy, Default)]
struct FloorTimes {
    rust: Duration,
    sql: Duration,
}

impl FloorInput {
    fn gather(root: &Path, sql: Vec<String>) -> Self {
        let mut rust = Vec::new();
        let mut migrations = Vec::new();
        walk(root, &mut |path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".rs") {
                rust.push(path.to_path_buf());
            } else if name == "up.sql" {
                migrations.push(path.to_path_buf());
            }
        });
        rust.sort();
        migrations.sort();
        FloorInput {
            rust,
            migrations,
            sql,
        }
    }

    fn run_seq(&self) -> (FloorTimes, FloorCounts) {
        let start = Instant::now();
        let rust = self
            .rust
            .iter()
            .map(|p| parse_rust(p))
            .fold(FloorCounts::default(), FloorCounts::add);
        let rust_time = start.elapsed();
        let start = Instant::now();
        let sql = self
            .sql
            .iter()
            .map(|s| parse_sql(s))
            .chain(self.migrations.iter().map(|p| parse_migration(p)))
            .fold(FloorCounts::default(), FloorCounts::add);
        let times = FloorTimes {
            rust: rust_time,
            sql: start.elapsed(),
        };
        (times, rust.add(sql))
    }

    fn run_par(&self) -> (FloorTimes, FloorCounts) {
        let start = Instant::now();
        let rust = self
            .rust
            .par_iter()
            .map(|p| parse_rust(p))
            .reduce(FloorCounts::default, FloorCounts::add);
        let rust_time = start.elapsed();
        let start = Instant::now();
        let strings = self
            .sql
            .par_iter()
            .map(|s| parse_sql(s))
            .reduce(FloorCounts::default, FloorCounts::add);
        let migrations = self
            .migrations
            .par_iter()
            .map(|p| parse_migration(p))
            .reduce(FloorCounts::default, FloorCounts::add);
        let times = FloorTimes {
            rust: rust_time,
            sql: start.elapsed(),
        };
        (times, rust.add(strings).add(migrations))
    }
}

fn walk(dir: &Path, found: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                walk(&path, found);
            }
        } else {
            found(&path);
        }
    }
}

fn parse_rust(path: &Path) -> FloorCounts {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let ok = syn::parse_file(&text).map(black_box).is_ok();
    // span-locations is on (carve needs line numbers), so each parse adds
    // the file to a per-thread source map; carve clears it after each file
    // and so does the floor, or memory grows with the codebase.
    proc_macro2::extra::invalidate_current_thread_spans();
    FloorCounts {
        rust_files: 1,
        rust_failed: usize::from(!ok),
        ..FloorCounts::default()
    }
}

fn parse_sql(text: &str) -> FloorCounts {
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, text);
    FloorCounts {
        sql_texts: 1,
        sql_statements: parsed.as_ref().map_or(0, |s| s.len()),
        sql_failed: usize::from(black_box(parsed).is_err()),
        ..FloorCounts::default()
    }
}

fn parse_migration(path: &Path) -> FloorCounts {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    parse_sql(&text)
}

// ----- the full analysis -------------------------------------------------

struct FullResult {
    schema: Schema,
    schema_diagnostics: (usize, usize),
    code: Codebase,
    code_diagnostics: (usize, usize),
    code_diagnostic_sample: Vec<String>,
    proposal: Proposal,
}

fn severity_counts(diagnostics: &[carve::model::Diagnostic]) -> (usize, usize) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    (errors, warnings)
}

/// One analysis as `carve analyze` runs it: schema and code together, then
/// the proposal. Returns the time of each of the two.
fn full_once(root: &Path) -> ([Duration; 2], FullResult) {
    let start = Instant::now();
    let (loaded, code) = load_monolith(
        &SchemaRequest {
            root: root.to_path_buf(),
            ..SchemaRequest::default()
        },
        Some(root),
    )
    .unwrap_or_else(|e| panic!("carve could not load the generated schema: {e}"));
    let code = code.unwrap_or_default();
    let read_time = start.elapsed();
    let start = Instant::now();
    let proposal = propose(&loaded.schema, &code, &AnalysisOptions::default());
    let propose_time = start.elapsed();
    // load_monolith puts the code's diagnostics after the schema's: count
    // them apart by where they point.
    let (code_diagnostics, schema_diagnostics): (Vec<_>, Vec<_>) = loaded
        .diagnostics
        .iter()
        .cloned()
        .partition(|d| d.code.starts_with("rust-"));
    let result = FullResult {
        schema_diagnostics: severity_counts(&schema_diagnostics),
        schema: loaded.schema,
        code_diagnostics: severity_counts(&code_diagnostics),
        code_diagnostic_sample: code_diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Info)
            .take(3)
            .map(|d| format!("{} {}", d.code, d.message))
            .collect(),
        code,
        proposal,
    };
    ([read_time, propose_time], result)
}

// ----- child processes: timing, peak memory and CPU -------------------------

/// What one child run reports about itself.
#[derive(Debug, Clone, Default)]
struct ChildReport {
    wall: Duration,
    cpu: Duration,
    peak_kb: u64,
    /// floor: Rust, SQL; full: schema and code (read together), propose.
    parts: [Duration; 3],
    counts: FloorCounts,
}

/// The median of several child runs, field by field; the peak is the
/// highest seen.
#[derive(Debug, Clone, Default)]
struct Measured {
    wall: Duration,
    /// The fastest run: other load on the machine only ever adds time.
    best: Duration,
    cpu: Duration,
    peak_kb: u64,
    parts: [Duration; 3],
    counts: FloorCounts,
    runs: usize,
}

impl Measured {
    fn cpu_percent(&self) -> f64 {
        100.0 * self.cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// The child side: runs one measurement and prints one `RESULT key=value…`
/// line on standard output (times in microseconds).
fn child(phase: &str, dir: &Path) -> i32 {
    let mut fields: Vec<(&str, u128)> = Vec::new();
    let start = match phase {
        "floor-seq" | "floor-par" => {
            // The SQL strings the generator recorded beside the monolith,
            // read before timing. Without them the floor would time the
            // migrations alone: refuse rather than report a floor too low.
            let dir = &std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            let sql_file = dir.parent().unwrap_or(dir).join("sql-strings.txt");
            let text = match std::fs::read_to_string(&sql_file) {
                Ok(text) => text,
                Err(e) => {
                    eprintln!(
                        "cannot read {}: {e}; the floor needs the SQL strings the generator \
                         wrote beside the monolith (generate one with CARVE_BENCH_WRITE=DIR)",
                        sql_file.display()
                    );
                    return 2;
                }
            };
            let sql: Vec<String> = text
                .split(SQL_SEPARATOR)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let start = Instant::now();
            let input = FloorInput::gather(dir, sql);
            let (times, counts) = if phase == "floor-seq" {
                input.run_seq()
            } else {
                input.run_par()
            };
            fields.extend([
                ("part0_us", times.rust.as_micros()),
                ("part1_us", times.sql.as_micros()),
                ("rust_files", counts.rust_files as u128),
                ("rust_failed", counts.rust_failed as u128),
                ("sql_texts", counts.sql_texts as u128),
                ("sql_statements", counts.sql_statements as u128),
                ("sql_failed", counts.sql_failed as u128),
            ]);
            start
        }
        "full" => {
            // As the `carve` binary runs: the process exits when done, so
            // large values are left to its exit rather than freed one by one.
            carve::memory::free_nothing_before_exit();
            let start = Instant::now();
            let (times, result) = full_once(dir);
            carve::memory::discard(black_box(result));
            for (i, name) in ["part0_us", "part1_us"].into_iter().enumerate() {
                fields.push((name, times[i].as_micros()));
            }
            start
        }
        other => {
            eprintln!("unknown phase {other:?}");
            return 2;
        }
    };
    fields.push(("wall_us", start.elapsed().as_micros()));
    fields.push(("cpu_us", own_cpu_time().map_or(0, |d| d.as_micros())));
    fields.push(("hwm_kb", u128::from(own_peak_kb().unwrap_or(0))));
    let line: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("RESULT {}", line.join(" "));
    0
}

/// `VmHWM` of this process: the resident set's high-water mark.
fn own_peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of this process from `/proc/self/stat`, whose
/// times are in clock ticks of USER_HZ, 100 on Linux whatever the kernel's HZ.
fn own_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces; the fields after it do not.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn run_child(exe: &Path, phase: &str, root: &Path) -> Option<ChildReport> {
    let output = match Command::new(exe)
        .args(["--phase", phase])
        .arg(root)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("  cannot run the {phase} child: {e}");
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT ")) else {
        eprintln!(
            "  the {phase} child reported nothing ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    };
    let values: HashMap<&str, u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k, v.parse().ok()?))
        })
        .collect();
    let get = |k: &str| values.get(k).copied().unwrap_or(0);
    let us = |k: &str| Duration::from_micros(get(k));
    Some(ChildReport {
        wall: us("wall_us"),
        cpu: us("cpu_us"),
        peak_kb: get("hwm_kb"),
        parts: [us("part0_us"), us("part1_us"), us("part2_us")],
        counts: FloorCounts {
            rust_files: get("rust_files") as usize,
            rust_failed: get("rust_failed") as usize,
            sql_texts: get("sql_texts") as usize,
            sql_statements: get("sql_statements") as usize,
            sql_failed: get("sql_failed") as usize,
        },
    })
}

/// Runs `phase` in `runs` fresh child processes.
/// Runs each phase once per round, round after round: when the machine's
/// speed drifts during the benchmark (other load, a throttled CPU), every
/// phase sees the same drift instead of the phase measured last taking all
/// of it. Returns each phase's reports, `None` for a run that failed.
fn measure_rounds(
    exe: &Path,
    phases: &[&str],
    root: &Path,
    runs: usize,
) -> Vec<Vec<Option<ChildReport>>> {
    let mut reports: Vec<Vec<Option<ChildReport>>> = vec![Vec::new(); phases.len()];
    for _ in 0..runs {
        for (i, phase) in phases.iter().enumerate() {
            let report = run_child(exe, phase, root);
            if let Some(r) = &report {
                eprintln!(
                    "  {phase:<9} wall {:>7.0} ms  cpu {:>7.0} ms  peak {:>5.0} MB  parts {:.0}/{:.0}/{:.0} ms",
                    ms(r.wall),
                    ms(r.cpu),
                    r.peak_kb as f64 / 1024.0,
                    ms(r.parts[0]),
                    ms(r.parts[1]),
                    ms(r.parts[2])
                );
            }
            reports[i].push(report);
        }
    }
    reports
}

/// Wall time of `full` over `floor` within each round where both ran.
fn paired_ratios(floor: &[Option<ChildReport>], full: &[Option<ChildReport>]) -> Vec<f64> {
    let mut ratios: Vec<f64> = floor
        .iter()
        .zip(full)
        .filter_map(|(floor, full)| {
            let (floor, full) = (floor.as_ref()?, full.as_ref()?);
            Some(full.wall.as_secs_f64() / floor.wall.as_secs_f64().max(1e-9))
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios
}

/// The median of one phase's runs, field by field; the peak is the highest.
fn summarize(reports: &[Option<ChildReport>]) -> Option<Measured> {
    let reports: Vec<&ChildReport> = reports.iter().flatten().collect();
    let first = reports.first()?;
    let of = |f: &dyn Fn(&ChildReport) -> Duration| median(reports.iter().map(|r| f(r)).collect());
    Some(Measured {
        wall: of(&|r| r.wall),
        best: reports.iter().map(|r| r.wall).min().unwrap_or_default(),
        cpu: of(&|r| r.cpu),
        peak_kb: reports.iter().map(|r| r.peak_kb).max().unwrap_or(0),
        parts: [
            of(&|r| r.parts[0]),
            of(&|r| r.parts[1]),
            of(&|r| r.parts[2]),
        ],
        counts: first.counts,
        runs: reports.len(),
    })
}

// ----- checking what was found --------------------------------------------

fn found_accesses(module: &carve::model::Module, direct_only: bool) -> Accesses {
    module
        .accesses
        .iter()
        .filter(|a| !direct_only || a.via == AccessVia::Direct)
        .map(|a| (a.table.clone(), a.mode))
        .collect()
}

fn tables_of(accesses: &Accesses) -> BTreeSet<&str> {
    accesses.iter().map(|(t, _)| t.as_str()).collect()
}

/// What carve misses of `planted`, and tables it reports that were not
/// planted at all. A write reported also as a read is fine: diesel's
/// `update(…).set(col.eq(…))` names the table outside the write too.
fn compare(planted: &Accesses, found: &Accesses) -> (Vec<String>, Vec<String>) {
    let missing = planted
        .difference(found)
        .map(|(t, m)| format!("{t} {m:?}"))
        .collect();
    let planted_tables = tables_of(planted);
    let extra = tables_of(found)
        .into_iter()
        .filter(|t| !planted_tables.contains(t))
        .map(str::to_string)
        .collect();
    (missing, extra)
}

fn check(monolith: &Monolith, result: &FullResult, mismatches: &mut Vec<String>) {
    let found: BTreeSet<&str> = result
        .schema
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let missing: Vec<&String> = monolith
        .table_names
        .iter()
        .filter(|n| !found.contains(n.as_str()))
        .collect();
    if result.schema.tables.len() != monolith.table_names.len() || !missing.is_empty() {
        mismatches.push(format!(
            "!!! MISMATCH schema: {} tables found, {} planted ({} planted missing, e.g. {:?})",
            result.schema.tables.len(),
            monolith.table_names.len(),
            missing.len(),
            missing.iter().take(3).collect::<Vec<_>>()
        ));
    }
    let declared = result
        .schema
        .tables
        .iter()
        .flat_map(|t| &t.foreign_keys)
        .filter(|f| !f.inferred)
        .count();
    if declared != monolith.foreign_keys {
        mismatches.push(format!(
            "!!! MISMATCH schema: {declared} declared foreign keys found, {} planted",
            monolith.foreign_keys
        ));
    }
    let by_name: HashMap<&str, &carve::model::Module> = result
        .code
        .modules
        .iter()
        .map(|m| (m.name.as_str(), m))
        .collect();
    let mut absent = Vec::new();
    let mut direct_bad = Vec::new();
    let mut all_bad = Vec::new();
    for expected in &monolith.modules {
        let Some(module) = by_name.get(expected.name.as_str()) else {
            absent.push(expected.name.clone());
            continue;
        };
        let (missing, extra) = compare(&expected.direct, &found_accesses(module, true));
        if !missing.is_empty() || !extra.is_empty() {
            direct_bad.push(format!(
                "{}: missing {missing:?}, unexpected {extra:?}",
                expected.name
            ));
        }
        let (missing, extra) = compare(&expected.all, &found_accesses(module, false));
        if !missing.is_empty() || !extra.is_empty() {
            all_bad.push(format!(
                "{}: missing {missing:?}, unexpected {extra:?}",
                expected.name
            ));
        }
    }
    let extra_modules = result.code.modules.len() as i64 - monolith.modules.len() as i64;
    if !absent.is_empty() || extra_modules != 0 {
        mismatches.push(format!(
            "!!! MISMATCH modules: {} found, {} generated; {} generated ones absent (e.g. {:?})",
            result.code.modules.len(),
            monolith.modules.len(),
            absent.len(),
            absent.iter().take(3).collect::<Vec<_>>()
        ));
    }
    for (what, bad) in [("direct", &direct_bad), ("direct+transitive", &all_bad)] {
        if !bad.is_empty() {
            mismatches.push(format!(
                "!!! MISMATCH {what} accesses differ in {} of {} modules, e.g.\n      {}",
                bad.len(),
                monolith.modules.len(),
                bad.iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n      ")
            ));
        }
    }
    let (code_errors, code_warnings) = result.code_diagnostics;
    if code_errors + code_warnings > 0 {
        mismatches.push(format!(
            "!!! MISMATCH code diagnostics: {code_errors} errors, {code_warnings} warnings, e.g. {:?}",
            result.code_diagnostic_sample
        ));
    }
}

/// How well the proposed services follow the generated areas (1 = exactly).
fn area_agreement(monolith: &Monolith, proposal: &Proposal) -> Option<f64> {
    let service_of: HashMap<&str, usize> = proposal
        .services
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.tables.iter().map(move |t| (t.as_str(), i)))
        .collect();
    let mut areas = Vec::new();
    let mut services = Vec::new();
    for (i, name) in monolith.table_names.iter().enumerate() {
        let s = *service_of.get(name.as_str())?;
        areas.push(i / 50);
        services.push(s);
    }
    Some(adjusted_rand_index(&areas, &services))
}

fn print_sample(monolith: &Monolith, code: &Codebase) {
    let wanted = ["acme::api::", "acme_db::"];
    println!("\nsample modules (planted vs found; R = read, W = write; * = via calls):");
    for prefix in wanted {
        let Some(expected) = monolith
            .modules
            .iter()
            .filter(|m| m.name.starts_with(prefix) && m.name.matches("::").count() >= 2)
            .nth(7)
        else {
            continue;
        };
        let found = code.modules.iter().find(|m| m.name == expected.name);
        let show = |all: &Accesses, direct: &Accesses| -> String {
            let mut by_table: BTreeMap<&str, String> = BTreeMap::new();
            for (t, m) in all {
                let mark = match m {
                    AccessMode::Read => "R",
                    AccessMode::Write => "W",
                };
                let star = if direct.contains(&(t.clone(), *m)) {
                    ""
                } else {
                    "*"
                };
                by_table
                    .entry(t)
                    .or_default()
                    .push_str(&format!("{mark}{star}"));
            }
            by_table
                .iter()
                .map(|(t, m)| format!("{t} {m}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!("  {}", expected.name);
        println!("    planted: {}", show(&expected.all, &expected.direct));
        match found {
            Some(m) => println!(
                "    found:   {}",
                show(&found_accesses(m, false), &found_accesses(m, true))
            ),
            None => println!("    found:   MISMATCH: module not found"),
        }
    }
}

// ----- the report ------------------------------------------------------------

fn print_table(
    monolith: &Monolith,
    input: &FloorInput,
    [seq, par, full]: [Option<&Measured>; 3],
    paired: &[f64],
    result: &FullResult,
) {
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    let accesses: usize = result.code.modules.iter().map(|m| m.accesses.len()).sum();
    let declared_fks = result
        .schema
        .tables
        .iter()
        .flat_map(|t| &t.foreign_keys)
        .filter(|f| !f.inferred)
        .count();
    println!();
    println!("input");
    println!(
        "  Rust       {:>8} lines in {} files ({:.1} MB); carve found {} crates, {} modules",
        monolith.rust_lines,
        monolith.rust_files,
        monolith.rust_bytes as f64 / 1e6,
        result.code.crates.len(),
        result.code.modules.len()
    );
    println!(
        "  SQL        {:>8} lines in {} migrations; {} SQL strings in the code",
        monolith.sql_lines,
        input.migrations.len(),
        monolith.sql_strings.len()
    );
    println!(
        "  schema     {:>8} tables found ({} planted), {} foreign keys ({} planted)",
        result.schema.tables.len(),
        monolith.table_names.len(),
        declared_fks,
        monolith.foreign_keys
    );
    println!(
        "  code       {:>8} module accesses, {} co-access sets; diagnostics (errors/warnings) schema {}/{}, code {}/{}",
        accesses,
        result.code.co_access.len(),
        result.schema_diagnostics.0,
        result.schema_diagnostics.1,
        result.code_diagnostics.0,
        result.code_diagnostics.1
    );
    println!(
        "  proposal   {:>8} services, {} shared tables, modularity {:.3}, ARI vs generated areas {}",
        result.proposal.services.len(),
        result.proposal.shared_tables.len(),
        result.proposal.metrics.modularity,
        area_agreement(monolith, &result.proposal).map_or("-".to_string(), |a| format!("{a:.3}"))
    );
    println!();
    println!(
        "{:<38} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "fresh process per run", "wall ms", "best ms", "CPU ms", "peak MB", "CPU %"
    );
    println!("{}", "-".repeat(86));
    let row = |name: &str, m: &Measured| {
        println!(
            "{:<38} {:>9.0} {:>9.0} {:>9.0} {:>9.0} {:>7.0}",
            name,
            ms(m.wall),
            ms(m.best),
            ms(m.cpu),
            m.peak_kb as f64 / 1024.0,
            m.cpu_percent()
        );
    };
    let part = |name: &str, d: Duration| println!("{:<38} {:>9.0}", format!("  {name}"), ms(d));
    for (name, m) in [("floor, sequential", seq), ("floor, parallel (rayon)", par)] {
        let Some(m) = m else {
            println!("{name:<38} (no report)");
            continue;
        };
        row(name, m);
        part(
            &format!("read + syn::parse_file x{}", m.counts.rust_files),
            m.parts[0],
        );
        part(&format!("sqlparser x{}", m.counts.sql_texts), m.parts[1]);
    }
    match full {
        Some(m) => {
            row("full analysis", m);
            part("load_monolith (schema + code)", m.parts[0]);
            part("propose", m.parts[1]);
        }
        None => println!("{:<38} (no report)", "full analysis"),
    }
    if let (Some(f), Some(s), Some(p)) = (full, seq, par) {
        println!("{}", "-".repeat(86));
        println!(
            "{:<38} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            "full / floor parallel",
            ratio(f.wall, p.wall),
            ratio(f.best, p.best),
            ratio(f.cpu, p.cpu),
            f.peak_kb as f64 / (p.peak_kb as f64).max(1.0)
        );
        println!(
            "{:<38} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            "full / floor sequential",
            ratio(f.wall, s.wall),
            ratio(f.best, s.best),
            ratio(f.cpu, s.cpu),
            f.peak_kb as f64 / (s.peak_kb as f64).max(1.0)
        );
        println!(
            "{:<38} {:>9.0} {:>9.0}",
            "Rust lines per second, full",
            monolith.rust_lines as f64 / f.wall.as_secs_f64().max(1e-9),
            monolith.rust_lines as f64 / f.best.as_secs_f64().max(1e-9)
        );
        if let (Some(low), Some(high)) = (paired.first(), paired.last()) {
            println!(
                "{:<38} {:>9.2}   (each round's full / floor parallel; {low:.2} to {high:.2})",
                "paired by round, median",
                paired[paired.len() / 2]
            );
        }
        println!(
            "(wall, CPU: median of {} runs; best: fastest run; peak: highest; the phases run in \
             rounds, one run of each per round)",
            f.runs.min(s.runs).min(p.runs)
        );
    }
    println!(
        "\nfloor = read every .rs file + syn::parse_file, and sqlparser (PostgreSQL) on every SQL string the \
         generator put in code and every up.sql;\nfull = load_monolith (schema and code at once) + propose as `carve analyze` \
         runs them, leaving large values to the process's exit as the binary does (carve::memory). \
         CPU % = median (user + sys) / median wall, {} cores available.",
        rayon::current_num_threads()
    );
}
