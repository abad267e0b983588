//! The command line as users meet it: the bundled example, formats,
//! colour, exit codes, determinism.

mod common;

use assert_cmd::Command;
use serde_json::Value;

fn carve() -> Command {
    let mut cmd = Command::cargo_bin("carve").unwrap();
    cmd.env_remove("NO_COLOR").env_remove("FORCE_COLOR");
    cmd
}

fn shop() -> std::path::PathBuf {
    common::fixtures_dir().join("shop")
}

#[test]
fn the_bundled_example_replays_its_migrations() {
    let output = carve()
        .args(["analyze", "--format", "json"])
        .arg(shop())
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["schema"]["dialect"], "postgres");
    let tables = report["schema"]["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 16);
    let fks: usize = tables
        .iter()
        .map(|t| t["foreign_keys"].as_array().unwrap().len())
        .sum();
    assert_eq!(fks, 21);
    let products = tables.iter().find(|t| t["name"] == "products").unwrap();
    let columns: Vec<&str> = products["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        columns.contains(&"shop_sku") && !columns.contains(&"sku"),
        "the rename migration was replayed: {columns:?}"
    );
    let orders = tables.iter().find(|t| t["name"] == "orders").unwrap();
    assert_eq!(
        orders["source"]["file"],
        "migrations/2023-02-02-140000_create_orders/up.sql"
    );
    assert_eq!(orders["source"]["line"], 3);
    // The down migrations were not applied: the tables still exist.
    assert!(tables.iter().any(|t| t["name"] == "refunds"));
    assert_eq!(
        report["sources"]["used"][0],
        "migrations (diesel migrations, 9 files)"
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let run = || {
        carve()
            .args(["analyze", "--format", "json"])
            .arg(shop())
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    assert_eq!(first, run());
    let human = || {
        carve()
            .args(["analyze"])
            .arg(shop())
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(human(), human());
}

#[test]
fn human_output_is_plain_when_piped_and_coloured_when_asked() {
    let plain = carve().args(["analyze"]).arg(shop()).output().unwrap();
    let text = String::from_utf8(plain.stdout).unwrap();
    assert!(text.contains("16 tables, 21 foreign keys"), "{text}");
    assert!(!text.contains('\x1b'));
    let forced = carve()
        .args(["analyze", "--color", "always"])
        .arg(shop())
        .output()
        .unwrap();
    assert!(String::from_utf8(forced.stdout)
        .unwrap()
        .contains("\x1b[1m"));
    let no_color = carve()
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "1")
        .args(["analyze"])
        .arg(shop())
        .output()
        .unwrap();
    assert!(!String::from_utf8(no_color.stdout).unwrap().contains('\x1b'));
}

#[test]
fn scaffold_without_out_exits_2_naming_the_flag() {
    let output = carve().arg("scaffold").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--out"));
}

#[test]
fn check_without_a_plan_exits_2_and_says_how_to_write_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = carve()
        .current_dir(dir.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("carve.toml") && stderr.contains("--write-plan"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = carve()
        .args(["analyze", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = carve().args(["--help"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn dialect_can_be_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.sql");
    std::fs::write(&path, "CREATE TABLE a (id int);\n").unwrap();
    let output = carve()
        .args([
            "analyze",
            "--format",
            "json",
            "--dialect",
            "mysql",
            "--schema",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["schema"]["dialect"], "mysql");
}
