//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::print_stderr)]

use std::path::PathBuf;

/// `../shared/corpus` next to the crate, or `None` (with a note) when it is
/// absent outside CI. Under `CI=true` its absence fails the test.
pub(crate) fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
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
