//! Tables no service gets: the migration tools' bookkeeping tables, tables
//! excluded by pattern (`--exclude`, `monolith.exclude`), orphans nothing
//! links or touches, and `carve check` honouring all of them.

mod common;

use common::{carve_stdout, fixtures_dir};
use serde_json::Value;
use std::path::Path;

/// `carve analyze --format json` of one file or folder, schema only.
fn analyze_json(input: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["analyze".to_string(), "--schema".to_string()];
    args.push(input.display().to_string());
    args.extend(["--format".to_string(), "json".to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let dir = tempfile::tempdir().unwrap();
    serde_json::from_str(&carve_stdout(dir.path(), &args)).unwrap()
}

fn unplaced(report: &Value) -> Vec<(String, String, String)> {
    report["unplaced_tables"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|u| {
                    (
                        u["table"].as_str().unwrap().to_string(),
                        u["reason"].as_str().unwrap().to_string(),
                        u["detail"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn placed_tables(report: &Value) -> Vec<String> {
    let mut tables: Vec<String> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["tables"].as_array().unwrap().iter())
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    tables.sort();
    tables
}

#[test]
fn each_migration_tools_tables_are_set_aside_and_named() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("diesel.sql", &["__diesel_schema_migrations"], "diesel"),
        ("sqlx.sql", &["_sqlx_migrations"], "sqlx"),
        ("refinery.sql", &["refinery_schema_history"], "refinery"),
        (
            "golang-migrate.sql",
            &["schema_migrations"],
            "golang-migrate",
        ),
        (
            "rails.sql",
            &["ar_internal_metadata", "schema_migrations"],
            "Rails",
        ),
        ("seaorm.sql", &["seaql_migrations"], "SeaORM"),
        (
            "liquibase.sql",
            &["databasechangelog", "databasechangeloglock"],
            "Liquibase",
        ),
        ("alembic.sql", &["alembic_version"], "Alembic"),
        ("django.sql", &["django_migrations"], "Django"),
        (
            "knex.sql",
            &["knex_migrations", "knex_migrations_lock"],
            "Knex",
        ),
        ("prisma.sql", &["_prisma_migrations"], "Prisma"),
        ("goose.sql", &["goose_db_version"], "goose"),
        ("flyway-mysql.sql", &["flyway_schema_history"], "Flyway"),
        (
            "entity-framework-mssql.sql",
            &["__EFMigrationsHistory"],
            "Entity Framework",
        ),
    ];
    for (file, tool_tables, tool) in cases {
        let report = analyze_json(&fixtures_dir().join("bookkeeping").join(file), &[]);
        let found = unplaced(&report);
        let names: Vec<&str> = found.iter().map(|(t, _, _)| t.as_str()).collect();
        let mut expected: Vec<&str> = tool_tables.to_vec();
        expected.sort_by_key(|t| t.to_lowercase());
        let mut names_sorted = names.clone();
        names_sorted.sort_by_key(|t| t.to_lowercase());
        assert_eq!(names_sorted, expected, "{file}: set-aside tables");
        for (table, reason, detail) in &found {
            assert_eq!(reason, "bookkeeping", "{file}: {table}");
            assert!(detail.contains(tool), "{file}: `{detail}` names {tool}");
        }
        // The application's three tables are placed, nothing else.
        let placed = placed_tables(&report);
        assert_eq!(placed.len(), 3, "{file}: placed {placed:?}");
        assert!(
            placed.iter().all(|t| !tool_tables.contains(&t.as_str())),
            "{file}: a bookkeeping table got a service: {placed:?}"
        );
        // The schema itself still lists every table.
        assert_eq!(
            report["schema"]["tables"].as_array().unwrap().len(),
            3 + tool_tables.len(),
            "{file}"
        );
    }
}

#[test]
fn excluded_tables_are_set_aside_by_pattern() {
    let report = analyze_json(
        &fixtures_dir().join("saas/migrations"),
        &["--exclude", "audit_*,usage_records"],
    );
    let found = unplaced(&report);
    let excluded: Vec<&str> = found
        .iter()
        .filter(|(_, reason, _)| reason == "excluded")
        .map(|(t, _, _)| t.as_str())
        .collect();
    assert_eq!(excluded, ["audit_events", "audit_exports", "usage_records"]);
    assert!(found
        .iter()
        .any(|(t, _, d)| t == "audit_events" && d.contains("`audit_*`")));
    // Only usage_records referenced usage_meters: without it, the meters
    // are an orphan, like the legacy import table.
    let orphans: Vec<&str> = found
        .iter()
        .filter(|(_, reason, _)| reason == "orphan")
        .map(|(t, _, _)| t.as_str())
        .collect();
    assert_eq!(orphans, ["legacy_import_batches", "usage_meters"]);
    let placed = placed_tables(&report);
    assert!(!placed.iter().any(|t| t.starts_with("audit_")));
    assert_eq!(placed.len(), 37 - 5);
}

#[test]
fn an_orphan_table_is_unplaced_instead_of_becoming_a_service() {
    let report = analyze_json(&fixtures_dir().join("saas/migrations"), &[]);
    let found = unplaced(&report);
    assert_eq!(
        found
            .iter()
            .map(|(t, r, _)| (t.as_str(), r.as_str()))
            .collect::<Vec<_>>(),
        [("legacy_import_batches", "orphan")]
    );
    assert!(!placed_tables(&report).contains(&"legacy_import_batches".to_string()));
    for service in report["services"].as_array().unwrap() {
        assert_ne!(service["name"], "legacy-import-batches");
    }
}

#[test]
fn the_written_plan_keeps_orphans_and_exclusions_and_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let saas = dir.path().join("saas");
    common::copy_dir(&fixtures_dir().join("saas"), &saas);
    // A bookkeeping table as sqlx would leave it, in a later migration.
    std::fs::write(
        saas.join("migrations/20240401000000_bookkeeping.sql"),
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL);\n",
    )
    .unwrap();
    carve_stdout(
        &saas,
        &[
            "analyze",
            ".",
            "--exclude",
            "usage_*",
            "--write-plan",
            "carve.toml",
        ],
    );
    let plan = std::fs::read_to_string(saas.join("carve.toml")).unwrap();
    assert!(
        plan.contains("tables = [\"legacy_import_batches\"]"),
        "{plan}"
    );
    assert!(plan.contains("exclude = [\"usage_*\"]"), "{plan}");
    assert!(plan.contains("here: _sqlx_migrations."), "{plan}");
    assert!(!plan.contains("\"usage_meters\""), "{plan}");
    // The fresh plan checks clean: no unplanned table among the set-aside ones.
    let check = assert_cmd::Command::cargo_bin("carve")
        .unwrap()
        .current_dir(&saas)
        .env("NO_COLOR", "1")
        .args(["check", "--plan", "carve.toml", "--format", "json"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(!out.contains("unplanned-table"), "{out}");
    assert!(
        check.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // A service's query on a table kept in the monolith is a crossing.
    let billing = saas.join("src/billing/mod.rs");
    let mut code = std::fs::read_to_string(&billing).unwrap();
    code.push_str(
        "\npub async fn imports(db: &Db) -> anyhow::Result<i64> {\n    \
         let (n,): (i64,) = sqlx::query_as(\"SELECT count(*) FROM legacy_import_batches\")\n        \
         .fetch_one(db)\n        .await?;\n    Ok(n)\n}\n",
    );
    std::fs::write(&billing, code).unwrap();
    let check = assert_cmd::Command::cargo_bin("carve")
        .unwrap()
        .current_dir(&saas)
        .env("NO_COLOR", "1")
        .args(["check", "--plan", "carve.toml", "--strict"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&check.stdout).to_string()
        + &String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{out}");
    assert!(
        out.contains("reads `legacy_import_batches`, kept in the monolith"),
        "{out}"
    );
}
