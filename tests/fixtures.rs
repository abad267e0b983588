//! Our own fixtures (fixtures/schemas/*): every layout and dialect carve
//! reads, each with an `expected.toml` stating the exact final schema.

mod common;

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, Deserialize)]
struct Expected {
    dialect: String,
    tables: Vec<String>,
    #[serde(default)]
    foreign_keys: Vec<String>,
    #[serde(default)]
    partitions: BTreeMap<String, String>,
    #[serde(default)]
    primary_keys: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    columns: BTreeMap<String, Vec<String>>,
}

/// Runs `carve analyze --format json FIXTURE` and returns the report.
fn analyze(dir: &Path) -> Value {
    let output = Command::cargo_bin("carve")
        .unwrap()
        .args(["analyze", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `table(a, b) -> target(c, d)`, the way expected.toml writes foreign keys.
fn foreign_keys(report: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for table in report["schema"]["tables"].as_array().unwrap() {
        for fk in table["foreign_keys"].as_array().unwrap() {
            out.insert(format!(
                "{}({}) -> {}({})",
                table["name"].as_str().unwrap(),
                strings(&fk["columns"]).join(", "),
                fk["references"]["table"].as_str().unwrap(),
                strings(&fk["references"]["columns"]).join(", "),
            ));
        }
    }
    out
}

fn normalize_fk(fk: &str) -> String {
    fk.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
}

fn check_fixture(dir: &Path) -> Vec<String> {
    let expected: Expected =
        toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let report = analyze(dir);
    let mut problems = Vec::new();
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let dialect = report["schema"]["dialect"].as_str().unwrap_or_default();
    if dialect != expected.dialect {
        problems.push(format!(
            "{name}: dialect {dialect}, expected {}",
            expected.dialect
        ));
    }
    let tables: BTreeSet<String> = report["schema"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = expected.tables.iter().cloned().collect();
    if tables != want {
        problems.push(format!(
            "{name}: tables missing {:?}, extra {:?}",
            want.difference(&tables).collect::<Vec<_>>(),
            tables.difference(&want).collect::<Vec<_>>()
        ));
    }
    let fks = foreign_keys(&report);
    // `target()` in expected.toml: the DDL names no columns, so the
    // reference is to the target's primary key.
    let primary_key = |name: &str| -> String {
        report["schema"]["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| strings(&t["primary_key"]).join(", "))
            .unwrap_or_default()
    };
    let want_fks: BTreeSet<String> = expected
        .foreign_keys
        .iter()
        .map(|f| {
            let f = normalize_fk(f);
            match f.strip_suffix("()") {
                Some(head) => {
                    let target = head.rsplit("-> ").next().unwrap_or_default();
                    format!("{head}({})", primary_key(target))
                }
                None => f,
            }
        })
        .collect();
    if fks != want_fks {
        problems.push(format!(
            "{name}: foreign keys missing {:?}, extra {:?}",
            want_fks.difference(&fks).collect::<Vec<_>>(),
            fks.difference(&want_fks).collect::<Vec<_>>()
        ));
    }
    let table = |n: &str| {
        report["schema"]["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == n)
            .cloned()
    };
    for (partition, parent) in &expected.partitions {
        let got = table(partition).map(|t| t["partition_of"].clone());
        if got.as_ref().and_then(Value::as_str) != Some(parent.as_str()) {
            problems.push(format!(
                "{name}: {partition} partition_of {got:?}, expected {parent}"
            ));
        }
    }
    let partitions = report["schema"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["partition_of"].is_null())
        .count();
    if partitions != expected.partitions.len() {
        problems.push(format!(
            "{name}: {partitions} partitions, expected {}",
            expected.partitions.len()
        ));
    }
    for (t, pk) in &expected.primary_keys {
        let got = table(t).map(|t| strings(&t["primary_key"]));
        if got.as_ref() != Some(pk) {
            problems.push(format!("{name}: {t} primary key {got:?}, expected {pk:?}"));
        }
    }
    for (t, columns) in &expected.columns {
        let got = table(t).map(|t| {
            t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        });
        if got.as_ref() != Some(columns) {
            problems.push(format!("{name}: {t} columns {got:?}, expected {columns:?}"));
        }
    }
    problems
}

#[test]
fn every_schema_fixture_yields_its_expected_tables_and_foreign_keys() {
    let root = common::fixtures_dir().join("schemas");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.toml").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 12,
        "expected at least 12 schema fixtures, found {}",
        dirs.len()
    );
    let problems: Vec<String> = dirs.iter().flat_map(|d| check_fixture(d)).collect();
    assert!(
        problems.is_empty(),
        "fixture mismatches:\n{}",
        problems.join("\n")
    );
}
