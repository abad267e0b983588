//! `carve analyze --dev-url`: the migrations replayed on a scratch database
//! of a real server agree with static replay, a failing migration is
//! reported with its file, statement and the server's message, and no
//! scratch database is ever left behind.
//!
//! Servers come from `CARVE_TEST_POSTGRES_URL` and `CARVE_TEST_MYSQL_URL`.
//! Without a URL a test prints why it skipped; with `CI=true` a missing URL
//! fails it.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use common::scratch::scratch_databases;
use common::{carve_output, json_report, server_env};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const POSTGRES_ENV: &str = "CARVE_TEST_POSTGRES_URL";
const MYSQL_ENV: &str = "CARVE_TEST_MYSQL_URL";

/// The tests compare the scratch databases before and after a run, so runs
/// on one server must not overlap.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

type Shape = (
    Vec<(String, bool)>,
    Vec<String>,
    BTreeSet<String>,
    BTreeSet<String>,
);

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Tables, columns and keys of a JSON report.
fn shapes(report: &Value) -> BTreeMap<String, Shape> {
    let tables = report
        .pointer("/schema/tables")
        .and_then(Value::as_array)
        .expect("schema.tables");
    tables
        .iter()
        .map(|t| {
            let columns = t["columns"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            (
                                c["name"].as_str().unwrap_or("?").to_string(),
                                c["nullable"].as_bool().unwrap_or(true),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let fks = t["foreign_keys"]
                .as_array()
                .map(|fks| {
                    fks.iter()
                        .filter(|fk| !fk["inferred"].as_bool().unwrap_or(false))
                        .map(|fk| {
                            format!(
                                "({}) -> {}",
                                strings(&fk["columns"]).join(","),
                                fk["references"]["table"].as_str().unwrap_or("?")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let uniques = t["unique_keys"]
                .as_array()
                .map(|us| {
                    us.iter()
                        .map(|u| strings(&u["columns"]).join(","))
                        .collect()
                })
                .unwrap_or_default();
            (
                t["name"].as_str().unwrap_or("?").to_string(),
                (columns, strings(&t["primary_key"]), fks, uniques),
            )
        })
        .collect()
}

/// Runs `--dev-url` and static replay on `path`; both must agree.
fn check_agreement(url: &str, path: &Path) {
    let path_text = path.to_str().expect("UTF-8 path");
    let dev = carve_output(&[
        "analyze",
        path_text,
        "--schema-only",
        "--format",
        "json",
        "--dev-url",
        url,
    ]);
    let stderr = String::from_utf8_lossy(&dev.stderr);
    assert_eq!(dev.status.code(), Some(0), "{}: {stderr}", path.display());
    let dev_report = json_report(&dev, "--dev-url");
    let differs: Vec<&Value> = dev_report["diagnostics"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .filter(|d| d["code"] == "dev-url-differs")
                .collect()
        })
        .unwrap_or_default();
    assert!(
        differs.is_empty(),
        "{}: the server and static replay differ: {differs:#?}",
        path.display()
    );
    let dialect = if url.starts_with("postgres") {
        "postgres"
    } else {
        "mysql"
    };
    let stat = carve_output(&[
        "analyze",
        path_text,
        "--schema-only",
        "--format",
        "json",
        "--dialect",
        dialect,
    ]);
    let stat_report = json_report(&stat, "static replay");
    let (dev_shapes, stat_shapes) = (shapes(&dev_report), shapes(&stat_report));
    assert_eq!(
        dev_shapes,
        stat_shapes,
        "{}: tables, columns or keys differ",
        path.display()
    );
    println!(
        "{}: agree on {} tables ({})",
        path.display(),
        dev_shapes.len(),
        stderr.trim()
    );
}

/// Every migration fixture of a dialect, with the fixtures left out and why.
fn check_fixtures(url: &str, fixtures: &[&str], excluded: &[(&str, &str)]) {
    let _serial = serial();
    let before = scratch_databases(url);
    for fixture in fixtures {
        check_agreement(url, &repo(fixture));
    }
    for (fixture, why) in excluded {
        println!("excluded {fixture}: {why}");
    }
    let after = scratch_databases(url);
    assert!(
        after.difference(&before).next().is_none(),
        "scratch databases left behind: {after:?}"
    );
    assert!(
        after.is_empty(),
        "scratch databases on the server: {after:?}"
    );
}

#[test]
fn postgres_dev_url_agrees_with_static_replay() {
    let Some(url) = server_env(POSTGRES_ENV) else {
        return;
    };
    check_fixtures(
        &url,
        &[
            "fixtures/schemas/diesel-migrations",
            "fixtures/schemas/sqlx-migrations",
            "fixtures/schemas/golang-migrate",
            "fixtures/schemas/mixed-discovery",
            "fixtures/shop",
            "fixtures/saas",
            "fixtures/dev-url/postgres-redundant-unique",
        ],
        &[
            (
                "postgres-handwritten",
                "GRANTs to the role clinic_app, which this server does not have",
            ),
            (
                "postgres-pgdump, rails-structure",
                "dumps, not migration folders: psql meta-commands and COPY data",
            ),
            ("sqlx-reversible", "SQLite"),
        ],
    );
}

#[test]
fn mysql_dev_url_agrees_with_static_replay() {
    let Some(url) = server_env(MYSQL_ENV) else {
        return;
    };
    check_fixtures(
        &url,
        &[
            "fixtures/schemas/flyway",
            "fixtures/schemas/plain-numbered",
            "fixtures/dev-url/mysql-forward-references",
        ],
        &[
            (
                "mysql-handwritten",
                "creates and uses its own databases (hrdb, hr_archive); --dev-url refuses that",
            ),
            (
                "mysql-mysqldump",
                "a dump that creates and uses its own database",
            ),
        ],
    );
}

/// A migration folder whose second migration adds a key the server refuses.
fn failing_fixture(dialect_suffix: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let migrations = dir.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("mkdir");
    let (first, second) = if dialect_suffix == "postgres" {
        (
            "CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL);\n",
            "CREATE TABLE orders (id bigserial PRIMARY KEY);\nALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES missing_accounts (id);\n",
        )
    } else {
        (
            "CREATE TABLE customers (id BIGINT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(200) NOT NULL) ENGINE=InnoDB;\n",
            "CREATE TABLE orders (id BIGINT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLE orders ADD COLUMN customer_id BIGINT, ADD CONSTRAINT fk_orders_accounts FOREIGN KEY (account_id) REFERENCES missing_accounts (id);\n",
        )
    };
    std::fs::write(migrations.join("20240101000000_customers.sql"), first).expect("write");
    std::fs::write(migrations.join("20240102000000_orders.sql"), second).expect("write");
    dir
}

fn check_failure(url: &str, dialect: &str) {
    let _serial = serial();
    let dir = failing_fixture(dialect);
    let before = scratch_databases(url);
    let out = carve_output(&[
        "analyze",
        dir.path().to_str().expect("UTF-8"),
        "--schema-only",
        "--dev-url",
        url,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("20240102000000_orders.sql"), "{stderr}");
    assert!(
        stderr.contains("ALTER TABLE orders ADD COLUMN customer_id"),
        "{stderr}"
    );
    // The server's own message.
    let message = if dialect == "postgres" {
        "relation \"missing_accounts\" does not exist"
    } else {
        // The scratch session runs with key checks off (tables may
        // reference later ones), so a key on a column the table lacks is
        // what fails here.
        "Key column 'account_id' doesn't exist in table"
    };
    assert!(stderr.contains(message), "{stderr}");
    let after = scratch_databases(url);
    assert!(
        after.difference(&before).next().is_none(),
        "scratch database left behind: {after:?}"
    );
}

#[test]
fn postgres_failing_migration_names_file_statement_and_message() {
    if let Some(url) = server_env(POSTGRES_ENV) {
        check_failure(&url, "postgres");
    }
}

#[test]
fn mysql_failing_migration_names_file_statement_and_message() {
    if let Some(url) = server_env(MYSQL_ENV) {
        check_failure(&url, "mysql");
    }
}

#[test]
fn migrations_of_another_dialect_are_refused() {
    let Some(url) = server_env(MYSQL_ENV) else {
        return;
    };
    let out = carve_output(&[
        "analyze",
        repo("fixtures/schemas/golang-migrate")
            .to_str()
            .expect("UTF-8"),
        "--schema-only",
        "--dev-url",
        &url,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("postgres"), "{stderr}");
}

#[test]
fn postgres_dev_url_finds_the_table_dynamic_sql_creates() {
    let Some(url) = server_env(POSTGRES_ENV) else {
        return;
    };
    let _serial = serial();
    let before = scratch_databases(&url);
    // `EXECUTE format(...)` in a DO block creates `audit_2026`: static
    // replay cannot (sql-dynamic), the server does, and --dev-url says so.
    let out = carve_output(&[
        "analyze",
        repo("fixtures/schemas/postgres-do-blocks")
            .to_str()
            .expect("UTF-8 path"),
        "--schema-only",
        "--format",
        "json",
        "--dev-url",
        &url,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = json_report(&out, "--dev-url");
    let differs: Vec<&str> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "dev-url-differs")
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert_eq!(
        differs,
        ["table audit_2026: on the server, but not in static replay"],
        "{stderr}"
    );
    let after = scratch_databases(&url);
    assert!(
        after.difference(&before).next().is_none(),
        "scratch database left behind: {after:?}"
    );
}
