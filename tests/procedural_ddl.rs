//! DDL inside procedural blocks: PostgreSQL `DO` blocks and T-SQL `IF …
//! BEGIN … END` / `EXEC('…')`, and the diagnostics they raise.

use carve::ingest::sql::{ingest_text, Ingested};
use carve::model::{Dialect, Severity};

fn codes(ingested: &Ingested, code: &str) -> Vec<(u32, String)> {
    ingested
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| (d.line.unwrap_or(0), d.message.clone()))
        .collect()
}

fn table_line(ingested: &Ingested, name: &str) -> Option<u32> {
    ingested
        .schema
        .table(name)
        .and_then(|t| t.source.as_ref())
        .map(|s| s.line)
}

const DO_BLOCKS: &str = "CREATE TABLE accounts (id int PRIMARY KEY);
DO $$
BEGIN
    CREATE TABLE IF NOT EXISTS ledgers (
        id int PRIMARY KEY,
        account_id int REFERENCES accounts (id)
    );
EXCEPTION WHEN others THEN
    CREATE TABLE ledger_fallback (id int);
END $$;
DO $$ BEGIN
    IF to_regclass('payouts') IS NULL THEN
        CREATE TABLE payouts (id int PRIMARY KEY);
    END IF;
    IF current_setting('server_version_num')::int >= 150000 THEN
        CREATE TABLE payout_batches (id int PRIMARY KEY);
    END IF;
END $$;
ALTER TABLE ledgers ADD COLUMN note text;
ALTER TABLE payouts ADD COLUMN ledger_id int REFERENCES ledgers (id);
DO $$ DECLARE t text := 'refunds'; BEGIN EXECUTE 'CREATE TABLE ' || t || ' (id int)'; END $$;
CREATE FUNCTION make_scratch() RETURNS void LANGUAGE plpgsql AS $$
BEGIN CREATE TABLE scratch (id int); END $$;
";

#[test]
fn do_block_tables_are_replayed_and_later_changes_apply() {
    let ingested = ingest_text("m.sql", DO_BLOCKS, Some(Dialect::Postgres));
    let names: Vec<&str> = ingested
        .schema
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["accounts", "ledgers", "payout_batches", "payouts"],
        "{:#?}",
        ingested.diagnostics
    );
    assert!(codes(&ingested, "sql-unknown-table").is_empty());
    assert!(codes(&ingested, "sql-unparsed").is_empty());
    let ledgers = ingested.schema.table("ledgers").unwrap();
    assert_eq!(ledgers.columns.last().unwrap().name, "note");
}

#[test]
fn tables_in_blocks_report_their_own_line() {
    let ingested = ingest_text("m.sql", DO_BLOCKS, Some(Dialect::Postgres));
    assert_eq!(table_line(&ingested, "ledgers"), Some(4));
    assert_eq!(table_line(&ingested, "payouts"), Some(13));
    assert_eq!(table_line(&ingested, "payout_batches"), Some(16));
}

#[test]
fn guarded_tables_get_an_info_diagnostic() {
    let ingested = ingest_text("m.sql", DO_BLOCKS, Some(Dialect::Postgres));
    let conditional = codes(&ingested, "sql-conditional-table");
    let lines: Vec<u32> = conditional.iter().map(|c| c.0).collect();
    // ledgers: EXCEPTION handler; payout_batches: an unrelated condition.
    // payouts is created when missing, so it exists either way.
    assert_eq!(lines, [4, 16], "{conditional:#?}");
    assert!(conditional[0].1.contains("ledgers") && conditional[0].1.contains("EXCEPTION"));
    assert!(conditional[1].1.contains("may not exist on every server"));
    assert!(ingested
        .diagnostics
        .iter()
        .filter(|d| d.code == "sql-conditional-table")
        .all(|d| d.severity == Severity::Info && d.file.as_deref() == Some("m.sql")));
}

#[test]
fn non_literal_execute_stays_dynamic() {
    let ingested = ingest_text("m.sql", DO_BLOCKS, Some(Dialect::Postgres));
    let dynamic = codes(&ingested, "sql-dynamic");
    assert_eq!(dynamic.len(), 1, "{dynamic:#?}");
    assert_eq!(dynamic[0].0, 21);
    assert!(ingested.schema.table("refunds").is_none());
    assert!(ingested.schema.table("scratch").is_none());
}

#[test]
fn literal_execute_is_replayed() {
    let text = "DO $$\nBEGIN\n  EXECUTE E'CREATE TABLE notes (\\n  id int PRIMARY KEY,\\n  body text DEFAULT \\'\\')';\nEND $$;";
    let ingested = ingest_text("m.sql", text, Some(Dialect::Postgres));
    assert!(
        ingested.schema.table("notes").is_some(),
        "{:#?}",
        ingested.diagnostics
    );
    assert!(codes(&ingested, "sql-dynamic").is_empty());
}

#[test]
fn tsql_exec_literals_in_if_blocks_are_replayed() {
    let text = "IF OBJECT_ID(N'dbo.Parcel', N'U') IS NULL\nBEGIN\n    EXEC('CREATE TABLE dbo.Parcel (ParcelID int NOT NULL PRIMARY KEY, Label nvarchar(20) DEFAULT (''none''))')\nEND\nGO\nIF @@VERSION LIKE '%Azure%'\n    EXEC sp_executesql N'CREATE TABLE dbo.CloudOnly (id int)'\nGO\nEXEC('ALTER TABLE dbo.Parcel ADD Weight int NULL')\nGO\n";
    let ingested = ingest_text("deploy.sql", text, Some(Dialect::Mssql));
    let parcel = ingested.schema.table("Parcel").expect("Parcel");
    assert_eq!(
        parcel
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["ParcelID", "Label", "Weight"]
    );
    assert_eq!(table_line(&ingested, "Parcel"), Some(3));
    assert!(ingested.schema.table("CloudOnly").is_some());
    let conditional = codes(&ingested, "sql-conditional-table");
    assert_eq!(conditional.len(), 1, "{conditional:#?}");
    assert!(conditional[0].1.contains("CloudOnly"));
    assert!(codes(&ingested, "sql-dynamic").is_empty());
}
