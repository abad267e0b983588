//! Real public schemas (../shared/corpus) ingest completely: every table,
//! every foreign key, partitions marked, in every dialect they come in.

mod common;

use carve::ingest::{load_schema, SchemaRequest};
use carve::model::{Dialect, Schema};
use std::collections::BTreeSet;
use std::path::Path;

fn ingest(corpus: &Path, file: &str) -> (Schema, Vec<carve::model::Diagnostic>) {
    let request = SchemaRequest {
        schema_paths: vec![corpus.join(file)],
        ..Default::default()
    };
    let loaded = load_schema(&request).unwrap_or_else(|e| panic!("{file}: {e}"));
    (loaded.schema, loaded.diagnostics)
}

fn assert_counts(schema: &Schema, file: &str, dialect: Dialect, tables: usize, fks: usize) {
    assert_eq!(schema.dialect, dialect, "{file}: dialect");
    assert_eq!(
        schema.tables.len(),
        tables,
        "{file}: tables {:?}",
        schema.tables.iter().map(|t| &t.name).collect::<Vec<_>>()
    );
    assert_eq!(schema.foreign_key_count(), fks, "{file}: foreign keys");
    // Every foreign key points at a table and at columns that exist there.
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            let target = schema
                .table(&fk.references.table)
                .unwrap_or_else(|| panic!("{file}: {} -> {}", table.name, fk.references.table));
            for column in &fk.references.columns {
                assert!(
                    target
                        .columns
                        .iter()
                        .any(|c| c.name.eq_ignore_ascii_case(column)),
                    "{file}: {}.{column}",
                    target.name
                );
            }
        }
    }
}

#[test]
fn adventureworks_has_68_tables_in_five_schemas_and_90_foreign_keys() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let (schema, _) = ingest(&corpus, "adventureworks-postgres/install.sql");
    assert_counts(&schema, "adventureworks", Dialect::Postgres, 68, 90);
    let schemas: BTreeSet<&str> = schema
        .tables
        .iter()
        .map(|t| t.name.split_once('.').unwrap().0)
        .collect();
    assert_eq!(
        schemas,
        BTreeSet::from([
            "humanresources",
            "person",
            "production",
            "purchasing",
            "sales"
        ])
    );
    let address = schema.table("person.address").expect("person.address");
    assert_eq!(address.primary_key, ["addressid"]);
    assert_eq!(
        address.foreign_keys[0].references.table,
        "person.stateprovince"
    );
    // Every table of the truth file is found.
    let truth = std::fs::read_to_string(corpus.join("adventureworks-postgres/truth.csv")).unwrap();
    for line in truth.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let table = line.split(',').next().unwrap().trim();
        assert!(
            schema.table(table).is_some(),
            "truth table {table} not found"
        );
    }
}

#[test]
fn chinook_has_11_tables_and_11_foreign_keys_in_each_dialect() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    for (file, dialect) in [
        ("chinook/Chinook_PostgreSql.sql", Dialect::Postgres),
        ("chinook/Chinook_MySql.sql", Dialect::Mysql),
        ("chinook/Chinook_Sqlite.sql", Dialect::Sqlite),
        ("chinook/Chinook_SqlServer.sql", Dialect::Mssql),
    ] {
        let (schema, diagnostics) = ingest(&corpus, file);
        assert_counts(&schema, file, dialect, 11, 11);
        assert!(
            diagnostics
                .iter()
                .all(|d| d.severity != carve::model::Severity::Error),
            "{file}: {diagnostics:?}"
        );
    }
}

#[test]
fn sakila_has_16_tables_and_22_foreign_keys_outside_postgres() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    for (file, dialect) in [
        ("sakila/mysql-sakila-schema.sql", Dialect::Mysql),
        ("sakila/sqlite-sakila-schema.sql", Dialect::Sqlite),
        ("sakila/sql-server-sakila-schema.sql", Dialect::Mssql),
    ] {
        let (schema, _) = ingest(&corpus, file);
        assert_counts(&schema, file, dialect, 16, 22);
    }
}

#[test]
fn sakila_postgres_has_15_tables_plus_6_partitions_of_payment() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let (schema, _) = ingest(&corpus, "sakila/postgres-sakila-schema.sql");
    let partitions: Vec<&str> = schema
        .tables
        .iter()
        .filter(|t| t.partition_of.is_some())
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(partitions.len(), 6, "{partitions:?}");
    assert!(schema
        .tables
        .iter()
        .filter(|t| t.partition_of.is_some())
        .all(|t| t.partition_of.as_deref() == Some("payment")));
    assert_eq!(schema.tables.len() - partitions.len(), 15);
}

#[test]
fn pagila_marks_every_payment_partition() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let (schema, diagnostics) = ingest(&corpus, "pagila/pagila-schema.sql");
    let text = std::fs::read_to_string(corpus.join("pagila/pagila-schema.sql")).unwrap();
    // Every table pg_dump attaches as a partition is marked as one.
    let attached: BTreeSet<String> = text
        .lines()
        .filter(|l| l.starts_with("ALTER TABLE ONLY public.payment ATTACH PARTITION"))
        .map(|l| {
            l.split_whitespace()
                .nth(6)
                .unwrap()
                .trim_start_matches("public.")
                .to_string()
        })
        .collect();
    assert!(!attached.is_empty());
    for partition in &attached {
        let table = schema
            .table(partition)
            .unwrap_or_else(|| panic!("{partition} missing"));
        assert_eq!(
            table.partition_of.as_deref(),
            Some("payment"),
            "{partition}"
        );
    }
    let ordinary: BTreeSet<&str> = schema
        .tables
        .iter()
        .filter(|t| t.partition_of.is_none())
        .map(|t| t.name.as_str())
        .collect();
    let expected = [
        "actor",
        "address",
        "category",
        "city",
        "country",
        "customer",
        "film",
        "film_actor",
        "film_category",
        "inventory",
        "language",
        "payment",
        "rental",
        "staff",
        "store",
    ];
    for table in expected {
        assert!(
            ordinary.contains(table),
            "{table} missing from {ordinary:?}"
        );
    }
    // The PostgreSQL 18 virtual column is reported with its line, and the table still recovered.
    let film = diagnostics
        .iter()
        .find(|d| d.code == "sql-unparsed")
        .expect("a diagnostic for the virtual column");
    assert!(film.line.unwrap() > 400);
    assert!(schema
        .table("film")
        .unwrap()
        .columns
        .iter()
        .any(|c| c.name == "length_hours"));
}
