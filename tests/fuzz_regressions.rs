//! Inputs on which a fuzz target (see `fuzz/README.md`) once crashed or
//! hung, run through the same entry point as the target: each must now
//! return, quickly. They live in `tests/fuzz_regressions/<target>/`.

#[allow(unreachable_pub)]
#[path = "../fuzz/src/lib.rs"]
mod entries;

use carve::ingest::rust::extract::parse_source;
use carve::ingest::rust::nesting::MAX_NESTING;
use carve::model::Dialect;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Longer than this on one input is a hang (the fuzzers allow 10 s to an
/// optimized build; tests run unoptimized).
const LIMIT: Duration = Duration::from_secs(60);

/// Where the inputs of `target` are stored.
fn dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target)
}

/// The stored inputs of `target`, sorted by name.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir(target))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs `entry` on `path`'s bytes on a thread of its own, failing on a
/// panic and on an input that takes longer than [`LIMIT`].
fn run_one(path: &Path, entry: fn(&[u8])) {
    let data = std::fs::read(path).unwrap();
    let (done, finished) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(path.display().to_string())
        // The stack of a fuzzer's main thread.
        .stack_size(8 << 20)
        .spawn(move || {
            entry(&data);
            let _ = done.send(());
        })
        .unwrap();
    match finished.recv_timeout(LIMIT) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{} still runs after {LIMIT:?}", path.display())
        }
    }
}

/// Runs every stored input of `target`.
fn run_all(target: &str, entry: fn(&[u8])) {
    for path in inputs(target) {
        run_one(&path, entry);
    }
}

#[test]
fn split_postgres() {
    run_all("split_postgres", |d| entries::split(d, Dialect::Postgres));
}

#[test]
fn split_mysql() {
    run_all("split_mysql", |d| entries::split(d, Dialect::Mysql));
}

#[test]
fn split_mssql() {
    run_all("split_mssql", |d| entries::split(d, Dialect::Mssql));
}

#[test]
fn split_sqlite() {
    run_all("split_sqlite", |d| entries::split(d, Dialect::Sqlite));
}

#[test]
fn sql_replay() {
    run_all("sql_replay", entries::sql_replay);
}

#[test]
fn rust_file() {
    run_all("rust_file", entries::rust_file);
}

/// Parsing a file nested some thousands of levels deep (or chaining some
/// hundred thousand calls or `?`) overflowed the reader's stack and
/// aborted carve; such a file is now reported where it passes the limit.
#[test]
fn rust_file_nested_too_deep_is_reported() {
    for (name, line) in [
        ("nested_blocks", 1),
        ("nested_parens_past_the_limit", 2),
        ("try_chain_past_the_limit", 2),
    ] {
        let mut text = std::fs::read_to_string(dir("rust_file").join(name)).unwrap();
        let Err(facts) = parse_source("src/lib.rs", &mut text) else {
            panic!("{name} parsed")
        };
        let diagnostic = &facts.diagnostics[0];
        assert_eq!(diagnostic.code, "rust-unparsed", "{name}");
        assert!(
            diagnostic
                .message
                .contains(&format!("nests deeper than {MAX_NESTING} levels")),
            "{name}: {}",
            diagnostic.message
        );
        assert_eq!(diagnostic.line, Some(line), "{name}");
    }
}

#[test]
fn plan_load() {
    run_all("plan_load", entries::plan_load);
}

#[test]
fn answers_load() {
    run_all("answers_load", entries::answers_load);
}
