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

pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}
