//! SQL column types to Avro, per dialect, as Debezium encodes them: one row
//! per spelling, and each row's Avro must parse as a field of a record.

use carve::model::Dialect;
use carve::scaffold::type_mapping::map_type;
use serde_json::{json, Value};

fn decimal(precision: u32, scale: u32) -> Value {
    json!({"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale})
}

fn logical(base: &str, logical: &str) -> Value {
    json!({"type": base, "logicalType": logical})
}

fn zoned() -> Value {
    json!({"type": "string", "connect.name": "io.debezium.time.ZonedTimestamp"})
}

fn json_text() -> Value {
    json!({"type": "string", "connect.name": "io.debezium.data.Json"})
}

fn table() -> Vec<(Dialect, &'static str, Value)> {
    use Dialect::*;
    vec![
        // PostgreSQL
        (Postgres, "smallint", json!("int")),
        (Postgres, "integer", json!("int")),
        (Postgres, "INT4", json!("int")),
        (Postgres, "serial", json!("int")),
        (Postgres, "bigint", json!("long")),
        (Postgres, "bigserial", json!("long")),
        (Postgres, "boolean", json!("boolean")),
        (Postgres, "real", json!("float")),
        (Postgres, "double precision", json!("double")),
        (Postgres, "numeric(10,2)", decimal(10, 2)),
        (Postgres, "DECIMAL(12, 4)", decimal(12, 4)),
        (Postgres, "money", decimal(19, 2)),
        (Postgres, "text", json!("string")),
        (Postgres, "character varying(40)", json!("string")),
        (Postgres, "varchar(255)", json!("string")),
        (Postgres, "char(2)", json!("string")),
        (Postgres, "uuid", logical("string", "uuid")),
        (Postgres, "json", json_text()),
        (Postgres, "jsonb", json_text()),
        (Postgres, "bytea", json!("bytes")),
        (Postgres, "date", logical("int", "date")),
        (Postgres, "time", logical("long", "time-micros")),
        (Postgres, "timestamp", logical("long", "timestamp-micros")),
        (
            Postgres,
            "timestamp without time zone",
            logical("long", "timestamp-micros"),
        ),
        (Postgres, "timestamptz", zoned()),
        (Postgres, "timestamp with time zone", zoned()),
        (Postgres, "TIMESTAMP(3) WITH TIME ZONE", zoned()),
        (
            Postgres,
            "integer[]",
            json!({"type": "array", "items": "int"}),
        ),
        (
            Postgres,
            "text[]",
            json!({"type": "array", "items": "string"}),
        ),
        (Postgres, "_int8", json!({"type": "array", "items": "long"})),
        (Postgres, "order_status", json!("string")),
        // MySQL and MariaDB
        (Mysql, "tinyint(1)", json!("int")),
        (Mysql, "tinyint", json!("int")),
        (Mysql, "boolean", json!("boolean")),
        (Mysql, "smallint", json!("int")),
        (Mysql, "mediumint", json!("int")),
        (Mysql, "int", json!("int")),
        (Mysql, "int unsigned", json!("long")),
        (Mysql, "int(11) unsigned", json!("long")),
        (Mysql, "bigint", json!("long")),
        (Mysql, "bigint unsigned", json!("long")),
        (Mysql, "float", json!("float")),
        (Mysql, "double", json!("double")),
        (Mysql, "decimal(10,2)", decimal(10, 2)),
        (Mysql, "decimal", decimal(10, 0)),
        (Mysql, "varchar(255)", json!("string")),
        (Mysql, "longtext", json!("string")),
        (Mysql, "json", json_text()),
        (Mysql, "blob", json!("bytes")),
        (Mysql, "varbinary(16)", json!("bytes")),
        (Mysql, "bit(1)", json!("boolean")),
        (Mysql, "date", logical("int", "date")),
        (Mysql, "time", logical("long", "time-micros")),
        (Mysql, "datetime", logical("long", "timestamp-millis")),
        (Mysql, "datetime(6)", logical("long", "timestamp-micros")),
        (Mysql, "timestamp", zoned()),
        (Mysql, "year", json!("int")),
        (
            Mysql,
            "enum('pending','paid')",
            json!({"type": "enum", "name": "RowStatus", "symbols": ["pending", "paid"]}),
        ),
        (Mysql, "enum('a b','c')", json!("string")),
        // SQLite
        (Sqlite, "INTEGER", json!("long")),
        (Sqlite, "int", json!("long")),
        (Sqlite, "REAL", json!("double")),
        (Sqlite, "TEXT", json!("string")),
        (Sqlite, "varchar(20)", json!("string")),
        (Sqlite, "BLOB", json!("bytes")),
        (Sqlite, "boolean", json!("boolean")),
        (Sqlite, "numeric(8,3)", decimal(8, 3)),
        // SQL Server
        (Mssql, "bit", json!("boolean")),
        (Mssql, "tinyint", json!("int")),
        (Mssql, "int", json!("int")),
        (Mssql, "bigint", json!("long")),
        (Mssql, "real", json!("float")),
        (Mssql, "float", json!("double")),
        (Mssql, "decimal(18,2)", decimal(18, 2)),
        (Mssql, "money", decimal(19, 4)),
        (Mssql, "smallmoney", decimal(10, 4)),
        (Mssql, "nvarchar(max)", json!("string")),
        (Mssql, "varchar(50)", json!("string")),
        (Mssql, "uniqueidentifier", logical("string", "uuid")),
        (Mssql, "varbinary(max)", json!("bytes")),
        (Mssql, "date", logical("int", "date")),
        (Mssql, "time", logical("long", "time-micros")),
        (Mssql, "datetime", logical("long", "timestamp-millis")),
        (Mssql, "datetime2", logical("long", "timestamp-micros")),
        (Mssql, "datetime2(3)", logical("long", "timestamp-millis")),
        (Mssql, "datetimeoffset", zoned()),
    ]
}

#[test]
fn each_dialect_spelling_maps_like_debezium() {
    let mut wrong = Vec::new();
    for (dialect, sql, expected) in table() {
        let mapped = map_type(sql, dialect, "RowStatus");
        if mapped.avro != expected {
            wrong.push(format!(
                "{dialect} `{sql}`: {} (expected {expected})",
                mapped.avro
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_mapping_is_valid_avro() {
    for (dialect, sql, _) in table() {
        let mapped = map_type(sql, dialect, "RowStatus");
        let record = json!({
            "type": "record",
            "name": "Row",
            "fields": [
                {"name": "value", "type": mapped.avro},
                {"name": "maybe", "type": ["null", mapped.avro], "default": null},
            ],
        });
        // An enum may be defined once per record: the nullable copy refers to it by name.
        let record = if mapped.avro.get("type") == Some(&json!("enum")) {
            json!({"type": "record", "name": "Row", "fields": [{"name": "value", "type": mapped.avro}]})
        } else {
            record
        };
        apache_avro::Schema::parse(&record).unwrap_or_else(|e| panic!("{dialect} `{sql}`: {e}"));
    }
}

#[test]
fn unknown_types_are_text_with_a_note() {
    let mapped = map_type("geometry(Point,4326)", Dialect::Postgres, "X");
    assert_eq!(mapped.avro, json!("string"));
    assert!(mapped.note.unwrap().contains("geometry"));
}
