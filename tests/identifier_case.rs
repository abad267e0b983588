//! Identifier case by dialect: PostgreSQL folds unquoted names to lower
//! case; SQL Server, MySQL and SQLite keep every name as written and
//! compare names as the server does by default (SQL Server and SQLite:
//! case-insensitively; MySQL: table names exactly, column names
//! case-insensitively). Names spelled several ways that the server takes
//! for one object come out as one, in the spelling that created it.
//!
//! The `--dev-url` test reads its server from `CARVE_TEST_MYSQL_URL`;
//! without it it prints that it skipped, and with `CI=true` a missing URL
//! fails it.

#![allow(clippy::print_stdout)]

mod common;

use carve::ingest::rust::read_codebase;
use carve::ingest::sql::ingest_text;
use carve::ingest::{load_schema, SchemaRequest};
use carve::model::{Dialect, Schema, Table};
use common::scratch::scratch_databases;
use common::{carve_output, json_report, server_env};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const MYSQL_ENV: &str = "CARVE_TEST_MYSQL_URL";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/schemas")
        .join(name)
}

fn load(name: &str) -> Schema {
    let request = SchemaRequest {
        schema_paths: vec![fixture(name)],
        ..Default::default()
    };
    load_schema(&request)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .schema
}

fn ingest(text: &str, dialect: Dialect) -> (Schema, Vec<String>) {
    let ingested = ingest_text("schema.sql", text, Some(dialect));
    let codes = ingested
        .diagnostics
        .iter()
        .map(|d| d.code.clone())
        .collect();
    (ingested.schema, codes)
}

fn names(schema: &Schema) -> Vec<&str> {
    schema.tables.iter().map(|t| t.name.as_str()).collect()
}

fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    schema
        .table(name)
        .unwrap_or_else(|| panic!("no table {name} in {:?}", names(schema)))
}

fn columns(table: &Table) -> Vec<&str> {
    table.columns.iter().map(|c| c.name.as_str()).collect()
}

/// `table(a, b) -> target(c, d)` for every foreign key.
fn foreign_keys(schema: &Schema) -> BTreeSet<String> {
    schema
        .tables
        .iter()
        .flat_map(|t| {
            t.foreign_keys.iter().map(move |fk| {
                format!(
                    "{}({}) -> {}({})",
                    t.name,
                    fk.columns.join(", "),
                    fk.references.table,
                    fk.references.columns.join(", ")
                )
            })
        })
        .collect()
}

/// Every key column names a column of its table, and every foreign key a
/// table and columns of the schema, compared as plain strings.
fn assert_keys_match_columns_exactly(schema: &Schema) {
    for t in &schema.tables {
        let own = columns(t);
        let keys = t
            .primary_key
            .iter()
            .chain(t.unique_keys.iter().flat_map(|u| &u.columns))
            .chain(t.foreign_keys.iter().flat_map(|fk| &fk.columns));
        for key in keys {
            assert!(own.contains(&key.as_str()), "{}: key column {key}", t.name);
        }
        for fk in &t.foreign_keys {
            let target = table(schema, &fk.references.table);
            for c in &fk.references.columns {
                assert!(
                    columns(target).contains(&c.as_str()),
                    "{} -> {}.{c}",
                    t.name,
                    target.name
                );
            }
        }
    }
}

#[test]
fn sql_server_names_keep_their_spelling_and_other_case_names_the_same_table() {
    let (schema, codes) = ingest(
        "CREATE TABLE dbo.AreaCode (ID int NOT NULL PRIMARY KEY, Code nvarchar(8) NOT NULL)\n\
         GO\n\
         ALTER TABLE dbo.areacode ADD RegionName nvarchar(100) NULL\n\
         GO\n\
         CREATE TABLE [dbo].[Phone] ([PhoneID] int NOT NULL PRIMARY KEY, [AreaCodeID] int NOT NULL REFERENCES AREACODE(id))\n\
         GO\n",
        Dialect::Mssql,
    );
    assert_eq!(names(&schema), ["AreaCode", "Phone"], "{codes:?}");
    assert_eq!(
        columns(table(&schema, "AreaCode")),
        ["ID", "Code", "RegionName"]
    );
    assert_eq!(
        foreign_keys(&schema),
        BTreeSet::from(["Phone(AreaCodeID) -> AreaCode(ID)".to_string()])
    );
    assert!(!codes.iter().any(|c| c == "sql-unknown-table"), "{codes:?}");
}

#[test]
fn sql_server_fixture_resolves_every_spelling_to_the_creating_one() {
    let schema = load("mssql-mixed-case");
    assert_eq!(schema.dialect, Dialect::Mssql);
    assert_eq!(
        names(&schema),
        [
            "AreaCode",
            "Dispatch.WorkOrder",
            "Dispatch.WorkOrderLine",
            "Technician"
        ]
    );
    assert_eq!(
        foreign_keys(&schema),
        BTreeSet::from(
            [
                "Dispatch.WorkOrder(AreaCodeId) -> AreaCode(AreaCodeID)",
                "Dispatch.WorkOrder(TechnicianId) -> Technician(TechnicianID)",
                "Dispatch.WorkOrderLine(WorkOrderID) -> Dispatch.WorkOrder(WorkOrderId)",
                "Technician(BaseAreaCodeID) -> AreaCode(AreaCodeID)",
            ]
            .map(String::from)
        )
    );
    assert_eq!(
        table(&schema, "Dispatch.WorkOrderLine").primary_key,
        ["WorkOrderID", "LineNumber"]
    );
    assert_eq!(table(&schema, "Technician").primary_key, ["TechnicianID"]);
    assert_eq!(
        columns(table(&schema, "AreaCode")),
        ["AreaCodeID", "Code", "RegionName", "IsActive"]
    );
    assert_eq!(
        columns(table(&schema, "Technician")),
        ["TechnicianID", "FullName", "BaseAreaCodeID"]
    );
    assert_keys_match_columns_exactly(&schema);
}

#[test]
fn mysql_table_names_are_case_sensitive_and_column_names_are_not() {
    let schema = load("mysql-mixed-case");
    assert_eq!(schema.dialect, Dialect::Mysql);
    assert_eq!(
        names(&schema),
        [
            "ProductGroup",
            "StockItem",
            "StockLevel",
            "Supplier",
            "Warehouse",
            "supplier"
        ]
    );
    assert_eq!(
        foreign_keys(&schema),
        BTreeSet::from(
            [
                "StockItem(LegacyCode) -> supplier(legacy_code)",
                "StockItem(groupcode) -> ProductGroup(GroupCode)",
                "StockItem(supplierId) -> Supplier(SupplierID)",
                "StockLevel(stockitemid) -> StockItem(StockItemID)",
                "StockLevel(warehouseid) -> Warehouse(WarehouseID)",
            ]
            .map(String::from)
        )
    );
    assert_eq!(table(&schema, "Supplier").primary_key, ["SupplierID"]);
    assert_eq!(
        table(&schema, "Supplier").unique_keys[0].columns,
        ["VatNumber"]
    );
    assert_eq!(
        table(&schema, "StockLevel").primary_key,
        ["warehouseid", "stockitemid"]
    );
    assert_eq!(
        columns(table(&schema, "StockItem")),
        [
            "StockItemID",
            "supplierId",
            "groupcode",
            "SKU",
            "ReorderLevel",
            "LegacyCode"
        ]
    );
    assert_eq!(
        columns(table(&schema, "StockLevel")),
        ["warehouseid", "stockitemid", "OnHand"]
    );
    assert_keys_match_columns_exactly(&schema);
}

#[test]
fn mysql_alter_of_a_table_in_other_case_names_no_table() {
    let (schema, codes) = ingest(
        "CREATE TABLE Orders (ID int PRIMARY KEY) ENGINE=InnoDB;\n\
         ALTER TABLE orders ADD COLUMN Note varchar(20);\n\
         ALTER TABLE Orders ADD COLUMN Total int, ADD UNIQUE KEY uq_total (TOTAL);\n",
        Dialect::Mysql,
    );
    assert_eq!(names(&schema), ["Orders"]);
    assert_eq!(columns(table(&schema, "Orders")), ["ID", "Total"]);
    assert_eq!(table(&schema, "Orders").unique_keys[0].columns, ["Total"]);
    assert!(codes.iter().any(|c| c == "sql-unknown-table"), "{codes:?}");
}

#[test]
fn postgres_folds_unquoted_names_and_keeps_quoted_ones() {
    let (schema, codes) = ingest(
        "CREATE TABLE Customers (Id int PRIMARY KEY, FullName text);\n\
         CREATE TABLE \"Customers\" (\"Id\" int PRIMARY KEY);\n\
         CREATE TABLE \"Orders\" (\"CustomerId\" int REFERENCES CUSTOMERS (ID), \"VipId\" int REFERENCES \"Customers\" (\"Id\"));\n\
         ALTER TABLE customers ADD COLUMN Email text;\n",
        Dialect::Postgres,
    );
    assert_eq!(
        names(&schema),
        ["Customers", "Orders", "customers"],
        "{codes:?}"
    );
    assert_eq!(
        columns(table(&schema, "customers")),
        ["id", "fullname", "email"]
    );
    assert_eq!(columns(table(&schema, "Customers")), ["Id"]);
    assert_eq!(
        foreign_keys(&schema),
        BTreeSet::from(
            [
                "Orders(CustomerId) -> customers(id)",
                "Orders(VipId) -> Customers(Id)",
            ]
            .map(String::from)
        )
    );
}

#[test]
fn sqlite_keeps_spelling_and_compares_names_case_insensitively() {
    let (schema, codes) = ingest(
        "CREATE TABLE Author (AuthorId INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT);\n\
         CREATE TABLE book (id INTEGER PRIMARY KEY, authorid INTEGER REFERENCES AUTHOR (authorID));\n\
         ALTER TABLE author ADD COLUMN Born TEXT;\n",
        Dialect::Sqlite,
    );
    assert_eq!(names(&schema), ["Author", "book"], "{codes:?}");
    assert_eq!(
        columns(table(&schema, "Author")),
        ["AuthorId", "Name", "Born"]
    );
    assert_eq!(
        foreign_keys(&schema),
        BTreeSet::from(["book(authorid) -> Author(AuthorId)".to_string()])
    );
}

#[test]
fn code_finds_mixed_case_tables_in_any_spelling() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).expect("mkdir");
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"dispatch\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    std::fs::write(root.join("src/lib.rs"), "pub mod areas;\npub mod orders;\n").expect("write");
    std::fs::write(
        root.join("src/areas.rs"),
        "pub async fn all(pool: &sqlx::MssqlPool) {\n    \
         let _ = sqlx::query(\"SELECT * FROM AreaCode\").fetch_all(pool).await;\n}\n",
    )
    .expect("write");
    std::fs::write(
        root.join("src/orders.rs"),
        "pub async fn open(pool: &sqlx::MssqlPool) {\n    \
         let _ = sqlx::query(\"INSERT INTO dispatch.workorder (areacodeid) SELECT areacodeid FROM areacode\").execute(pool).await;\n}\n",
    )
    .expect("write");
    let schema = load("mssql-mixed-case");
    let (codebase, _) = read_codebase(root, &schema);
    let accessed = |module: &str| -> BTreeSet<String> {
        codebase
            .modules
            .iter()
            .find(|m| m.name == module)
            .unwrap_or_else(|| panic!("no module {module}"))
            .accesses
            .iter()
            .map(|a| a.table.clone())
            .collect()
    };
    assert_eq!(
        accessed("dispatch::areas"),
        BTreeSet::from(["AreaCode".to_string()])
    );
    assert_eq!(
        accessed("dispatch::orders"),
        BTreeSet::from(["AreaCode".to_string(), "Dispatch.WorkOrder".to_string()])
    );
}

// ---------------------------------------------------------------------------
// --dev-url on MariaDB
// ---------------------------------------------------------------------------

/// `(table, columns, primary key, foreign keys)` of a JSON report, names
/// exactly as reported.
fn report_shape(report: &Value) -> BTreeSet<String> {
    let strings = |v: &Value| -> String {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default()
    };
    let mut out = BTreeSet::new();
    for t in report["schema"]["tables"].as_array().expect("tables") {
        let name = t["name"].as_str().unwrap_or("?");
        let columns: Vec<&str> = t["columns"]
            .as_array()
            .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        out.insert(format!("{name}: columns {}", columns.join(",")));
        out.insert(format!(
            "{name}: primary key {}",
            strings(&t["primary_key"])
        ));
        for fk in t["foreign_keys"].as_array().into_iter().flatten() {
            out.insert(format!(
                "{name}: ({}) -> {}({})",
                strings(&fk["columns"]),
                fk["references"]["table"].as_str().unwrap_or("?"),
                strings(&fk["references"]["columns"])
            ));
        }
    }
    out
}

#[test]
fn mysql_dev_url_agrees_with_static_replay_on_mixed_case_names() {
    let Some(url) = server_env(MYSQL_ENV) else {
        return;
    };
    let path = fixture("mysql-mixed-case");
    let path = path.to_str().expect("UTF-8 path");
    let before = scratch_databases(&url);
    let dev = carve_output(&[
        "analyze",
        path,
        "--schema-only",
        "--format",
        "json",
        "--dev-url",
        &url,
    ]);
    let stderr = String::from_utf8_lossy(&dev.stderr);
    assert_eq!(dev.status.code(), Some(0), "{stderr}");
    let dev_report = json_report(&dev, "--dev-url");
    let differs: Vec<&Value> = dev_report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "dev-url-differs")
        .collect();
    assert!(differs.is_empty(), "{differs:#?}");
    let stat = carve_output(&[
        "analyze",
        path,
        "--schema-only",
        "--format",
        "json",
        "--dialect",
        "mysql",
    ]);
    let stat_report = json_report(&stat, "static replay");
    let live = report_shape(&dev_report);
    assert_eq!(live, report_shape(&stat_report));
    // The server's own spelling, both tables that differ only in case.
    assert!(
        live.contains("Supplier: primary key SupplierID"),
        "{live:#?}"
    );
    assert!(
        live.contains("supplier: primary key legacy_code"),
        "{live:#?}"
    );
    assert!(
        live.contains("StockLevel: (stockitemid) -> StockItem(StockItemID)"),
        "{live:#?}"
    );
    let after = scratch_databases(&url);
    assert!(
        after.difference(&before).next().is_none(),
        "scratch databases left behind: {after:?}"
    );
    println!("agree on {} facts ({})", live.len(), stderr.trim());
}
