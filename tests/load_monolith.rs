//! Reading the schema and the code at once (`load_monolith`): the same
//! result as reading them one after the other, and a clean error, not a
//! hang, when no schema comes.

use carve::ingest::rust::read_codebase;
use carve::ingest::{load_monolith, load_schema, LoadError, SchemaRequest};
use std::path::{Path, PathBuf};

fn shop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop")
}

fn request(root: &Path) -> SchemaRequest {
    SchemaRequest {
        root: root.to_path_buf(),
        ..SchemaRequest::default()
    }
}

#[test]
fn reading_together_gives_what_reading_in_turn_gives() {
    let root = shop();
    let mut sequential = load_schema(&request(&root)).expect("the shop's schema loads");
    let (code, code_diagnostics) = read_codebase(&root, &sequential.schema);
    sequential.diagnostics.extend(code_diagnostics);

    let (together, together_code) =
        load_monolith(&request(&root), Some(&root)).expect("the shop loads");
    let together_code = together_code.expect("code was asked for");

    assert!(code.modules.len() > 10, "{} modules", code.modules.len());
    assert_eq!(together_code, code);
    assert_eq!(together.schema, sequential.schema);
    assert_eq!(together.diagnostics, sequential.diagnostics);
    assert_eq!(together.used, sequential.used);
}

#[test]
fn without_a_code_root_only_the_schema_is_read() {
    let root = shop();
    let (loaded, code) = load_monolith(&request(&root), None).expect("the shop's schema loads");
    assert!(code.is_none());
    assert!(loaded.schema.tables.len() >= 16);
}

/// A crate with code but nothing that holds a schema.
fn crate_without_schema(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"lonely\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let mut lib = String::from("mod a;\nmod b;\npub fn top() { a::f(); }\n");
    lib.push_str("pub const Q: &str = \"SELECT * FROM users\";\n");
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    std::fs::write(dir.join("src/a.rs"), "pub fn f() { crate::b::g(); }\n").unwrap();
    std::fs::write(dir.join("src/b.rs"), "pub fn g() {}\n").unwrap();
}

#[test]
fn no_schema_found_is_an_error_and_the_code_readers_stop_waiting() {
    let dir = tempfile::tempdir().unwrap();
    crate_without_schema(dir.path());
    match load_monolith(&request(dir.path()), Some(dir.path())) {
        Err(LoadError::NothingFound(_)) => {}
        other => panic!(
            "expected NothingFound, got {:?}",
            other.map(|(l, _)| l.used)
        ),
    }
}

#[test]
fn a_schema_without_tables_is_an_error_and_the_code_readers_stop_waiting() {
    let dir = tempfile::tempdir().unwrap();
    crate_without_schema(dir.path());
    std::fs::write(
        dir.path().join("schema.sql"),
        "-- nothing here yet\nSELECT 1;\n",
    )
    .unwrap();
    match load_monolith(&request(dir.path()), Some(dir.path())) {
        Err(LoadError::NoTables(..)) => {}
        other => panic!("expected NoTables, got {:?}", other.map(|(l, _)| l.used)),
    }
}
