//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::print_stdout, clippy::print_stderr)]

pub(crate) mod scratch;

use std::path::PathBuf;
use std::process::Output;

/// Whether this is CI's run (`CI=true` or `CI=1`): there a test whose server
/// or tool is missing fails instead of skipping.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Outside CI: prints why the caller skips and gives `None`. Under CI: fails.
pub(crate) fn skip<T>(reason: &str) -> Option<T> {
    if in_ci() {
        panic!("CI=true but {reason}");
    }
    println!("skipped: {reason}");
    None
}

/// The trimmed value of the environment variable that names a server (a
/// URL, a bootstrap address); unset or empty, the caller skips (see [`skip`]).
pub(crate) fn server_env(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
        _ => skip(&format!("{var} is not set")),
    }
}

/// `carve ARGS`: its output, whatever its exit status.
pub(crate) fn carve_output(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("carve")
        .expect("carve binary")
        .args(args)
        .output()
        .expect("carve runs")
}

/// The JSON report carve printed; fails the test with carve's exit status
/// and standard error when there is none.
pub(crate) fn json_report(output: &Output, what: &str) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: no JSON report ({e}); exit {:?}; stderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `../shared/corpus` next to the crate, or `None` (with a note) when it is
/// absent outside CI. Under `CI=true` its absence fails the test.
pub(crate) fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if in_ci() {
        panic!(
            "the corpus is missing at {}; CI must provide ../shared/corpus",
            dir.display()
        );
    }
    eprintln!("skipped: {} not found", dir.display());
    None
}

/// `carve ARGS` run in `dir` without colours; its standard output. Fails
/// the test, with carve's standard error, unless carve succeeds.
pub(crate) fn carve_stdout<S: AsRef<std::ffi::OsStr>>(dir: &std::path::Path, args: &[S]) -> String {
    let output = assert_cmd::Command::cargo_bin("carve")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "carve failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Copies a directory tree (fixtures into a scratch dir).
pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A scratch copy of fixtures/shop, with its hand-reviewed plan.
pub(crate) fn shop_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    copy_dir(&fixtures_dir().join("shop"), &shop);
    (dir, shop)
}
