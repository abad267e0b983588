//! Bad input gets a clear diagnostic, never a panic, and loses nothing that
//! is still usable. One test per case of the robustness list.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn carve(args: &[&str], path: &Path) -> Run {
    let output = Command::cargo_bin("carve")
        .unwrap()
        .args(args)
        .arg(path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let run = Run {
        code: output.status.code().expect("carve exited by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "carve panicked: {}",
        run.stderr
    );
    run
}

fn json(path: &Path) -> Value {
    let run = carve(&["analyze", "--format", "json", "--schema"], path);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn table_names(report: &Value) -> Vec<String> {
    report["schema"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

fn diagnostic<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} diagnostic in {}", report["diagnostics"]))
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn non_utf8_text_is_repaired_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "latin1.sql", b"-- schema\n-- r\xE9sum\xE9 of the caf\xE9\nCREATE TABLE a (id int PRIMARY KEY, note varchar(10) DEFAULT 'd\xE9j\xE0');\nCREATE TABLE b (id int, a_id int REFERENCES a(id));\n");
    let report = json(&path);
    assert_eq!(table_names(&report), ["a", "b"]);
    let d = diagnostic(&report, "file-not-utf8");
    assert_eq!(d["line"], 2);
    assert!(d["help"].as_str().unwrap().contains("UTF-8"));
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "bom.sql", b"\xEF\xBB\xBFCREATE TABLE a (id int);\n");
    let report = json(&path);
    assert_eq!(table_names(&report), ["a"]);
    assert!(report["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn a_binary_file_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let path = write(&dir, "dump.sql", &bytes);
    let run = carve(&["analyze", "--schema"], &path);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a text file"), "{}", run.stderr);
    assert!(run.stderr.contains("dump.sql"));
}

#[test]
fn a_binary_file_next_to_a_good_one_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "blob.sql", &[0, 159, 146, 150, 0, 1, 2]);
    write(&dir, "schema.sql", b"CREATE TABLE a (id int);\n");
    let report = json(dir.path());
    assert_eq!(table_names(&report), ["a"]);
    assert_eq!(diagnostic(&report, "file-binary")["severity"], "error");
}

#[test]
fn an_empty_folder_exits_2_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let run = carve(&["analyze"], dir.path());
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no schema found"), "{}", run.stderr);
    assert!(run.stderr.contains("--schema"), "{}", run.stderr);
}

#[test]
fn a_missing_path_exits_2() {
    let run = carve(&["analyze"], Path::new("/nonexistent/monolith"));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent/monolith does not exist"),
        "{}",
        run.stderr
    );
    let run = carve(
        &["analyze", "--schema"],
        Path::new("/nonexistent/schema.sql"),
    );
    assert_eq!(run.code, 2);
}

#[test]
fn an_unterminated_quote_is_located_and_earlier_tables_survive() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "q.sql",
        b"CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nINSERT INTO a VALUES ('oops);\n",
    );
    let report = json(&path);
    assert_eq!(table_names(&report), ["a", "b"]);
    let d = diagnostic(&report, "sql-unterminated-quote");
    assert_eq!(d["line"], 3);
}

#[test]
fn an_unterminated_dollar_quote_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "d.sql",
        b"CREATE TABLE a (id int);\nCREATE FUNCTION f() RETURNS int AS $body$\nSELECT 1;\n",
    );
    let report = json(&path);
    assert_eq!(table_names(&report), ["a"]);
    assert_eq!(
        diagnostic(&report, "sql-unterminated-dollar-quote")["line"],
        2
    );
}

#[test]
fn a_ten_megabyte_line_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"CREATE TABLE a (id int);\nINSERT INTO a VALUES ".to_vec();
    while text.len() < 10 * 1024 * 1024 {
        text.extend_from_slice(b"(1),(2),(3),(4),(5),(6),(7),(8),");
    }
    text.extend_from_slice(b"(9);\nCREATE TABLE b (id int);\n");
    let path = write(&dir, "big.sql", &text);
    let report = json(&path);
    assert_eq!(table_names(&report), ["a", "b"]);
}

#[test]
fn a_rejected_statement_is_reported_and_the_rest_of_the_file_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "r.sql",
        b"CREATE TABLE a (id int PRIMARY KEY);\nCREAT TABLEE x (id int);\nCREATE TABLE b (\n  id int PRIMARY KEY,\n  a_id int REFERENCES a (id)\n) TABLESPACE fast WITH OIDS = magic;\nCREATE TABLE c (id int);\n",
    );
    let report = json(&path);
    assert_eq!(table_names(&report), ["a", "b", "c"]);
    let unparsed: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "sql-unparsed")
        .collect();
    assert_eq!(unparsed.len(), 2, "{unparsed:?}");
    assert_eq!(unparsed[0]["line"], 2);
    assert!(unparsed[0]["message"]
        .as_str()
        .unwrap()
        .contains("CREAT TABLEE"));
    assert!(unparsed[0]["file"].as_str().unwrap().ends_with("r.sql"));
    // The lenient scan kept b's foreign key.
    let b = &report["schema"]["tables"][1];
    assert_eq!(b["foreign_keys"][0]["references"]["table"], "a");
}

#[test]
fn only_comments_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "c.sql", b"-- nothing here\n/* still nothing */\n");
    let run = carve(&["analyze", "--schema"], &path);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no table could be read"),
        "{}",
        run.stderr
    );
}
