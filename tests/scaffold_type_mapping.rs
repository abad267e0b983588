//! SQL column types to Avro, per dialect, as Debezium encodes them: one row
//! per spelling, and each row's Avro must parse as a field of a record. And
//! every spelling read alike by the event schemas and the generated services.

use carve::model::Dialect;
use carve::scaffold::service::sql_types::{self, RustType, ValueKind};
use carve::scaffold::sql_type::{classify, spellings, SqlTypeClass};
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

/// What a column holds, read back from one mapper's output.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Integer,
    Boolean,
    Float,
    /// Precision and scale; `None` when any scale goes.
    Decimal(Option<(u64, u64)>),
    Text,
    Bytes,
    Uuid,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    Interval,
    Json,
    Enum,
    Array(Box<Kind>),
}

fn event_kind(avro: &Value) -> Kind {
    let field = |name: &str| avro.get(name).and_then(Value::as_str);
    match (
        avro.as_str(),
        field("type"),
        field("logicalType"),
        field("connect.name"),
    ) {
        (Some("int" | "long"), ..) => Kind::Integer,
        (Some("boolean"), ..) => Kind::Boolean,
        (Some("float" | "double"), ..) => Kind::Float,
        (Some("string"), ..) => Kind::Text,
        (Some("bytes"), ..) => Kind::Bytes,
        (_, _, Some("decimal"), _) => Kind::Decimal(Some((
            avro["precision"].as_u64().unwrap(),
            avro["scale"].as_u64().unwrap(),
        ))),
        (_, _, Some("uuid"), _) => Kind::Uuid,
        (_, _, Some("date"), _) => Kind::Date,
        (_, _, Some("time-micros"), _) => Kind::Time,
        (_, _, Some("timestamp-millis" | "timestamp-micros"), _) => Kind::Timestamp,
        (_, _, _, Some("io.debezium.time.ZonedTimestamp")) => Kind::TimestampTz,
        (_, _, _, Some("io.debezium.time.ZonedTime")) => Kind::TimeTz,
        (_, _, _, Some("io.debezium.time.MicroDuration")) => Kind::Interval,
        (_, _, _, Some("io.debezium.data.Json")) => Kind::Json,
        (_, Some("enum"), ..) => Kind::Enum,
        (_, Some("array"), ..) => Kind::Array(Box::new(event_kind(&avro["items"]))),
        _ => panic!("no kind for Avro {avro}"),
    }
}

fn service_kind(rust: &RustType, postgres: &str) -> Kind {
    match rust {
        RustType::I16 | RustType::I32 | RustType::I64 => Kind::Integer,
        RustType::F32 | RustType::F64 => Kind::Float,
        RustType::Bool => Kind::Boolean,
        RustType::String => Kind::Text,
        RustType::Decimal => {
            let digits = postgres
                .strip_prefix("NUMERIC(")
                .and_then(|rest| rest.strip_suffix(')'));
            Kind::Decimal(digits.map(|digits| {
                let mut parts = digits.split(',').map(|n| n.parse::<u64>().unwrap());
                (parts.next().unwrap(), parts.next().unwrap_or(0))
            }))
        }
        RustType::Date => Kind::Date,
        RustType::Time => Kind::Time,
        RustType::Timestamp => Kind::Timestamp,
        RustType::TimestampTz => Kind::TimestampTz,
        RustType::Uuid => Kind::Uuid,
        RustType::Json => Kind::Json,
        RustType::Bytes => Kind::Bytes,
        RustType::Array(inner) => Kind::Array(Box::new(service_kind(
            inner,
            postgres.strip_suffix("[]").unwrap_or(postgres),
        ))),
    }
}

/// Whether the event schema and the service read a column the same way.
/// Beyond equal kinds, each allowance is a representation one side chose on
/// purpose for the same class, never a different reading of the spelling.
fn kinds_agree(event: &Kind, event_noted: bool, service: &Kind, dialect: Dialect) -> bool {
    match (event, service) {
        (e, s) if e == s => true,
        (Kind::Array(e), Kind::Array(s)) => kinds_agree(e, event_noted, s, dialect),
        // The service keeps the text of values it has no faithful column for.
        (Kind::Interval | Kind::TimeTz | Kind::Enum, Kind::Text) => true,
        (Kind::Array(e), Kind::Text) => {
            matches!(**e, Kind::Json | Kind::Bytes | Kind::Array(_))
        }
        // A numeric of any scale: Avro's decimal needs one, so the event
        // carries decimal text (and says so).
        (Kind::Text, Kind::Decimal(None)) => event_noted,
        // SQLite stores dates and times as text; the service parses them.
        (Kind::Text, Kind::Time | Kind::Timestamp) => event_noted && dialect == Dialect::Sqlite,
        // MySQL's BIGINT UNSIGNED: Debezium sends a long, the service keeps
        // all 20 digits.
        (Kind::Integer, Kind::Decimal(Some((20, 0)))) => dialect == Dialect::Mysql,
        _ => false,
    }
}

/// Every spelling a dialect's rules know, bare and with the arguments,
/// modifiers and array markers declarations carry, plus spellings read from
/// real schemas and odd input.
fn every_spelling(dialect: Dialect) -> Vec<String> {
    let mut all = Vec::new();
    for name in spellings(dialect) {
        for variant in [
            name.to_string(),
            name.to_ascii_uppercase(),
            format!("{name}(1)"),
            format!("{name}(2)"),
            format!("{name}(4)"),
            format!("{name}(25)"),
            format!("{name}(10, 2)"),
            format!("{name}(max)"),
            format!("{name} unsigned"),
            format!("{name}(3) unsigned zerofill"),
            format!("{name}[]"),
            format!("{name}(12,4)[]"),
            format!("_{name}"),
            format!("{name} character set utf8mb4"),
        ] {
            all.push(variant);
        }
    }
    let extra = [
        "",
        "   ",
        "(",
        "varchar(10",
        ")(",
        "[]",
        "order_status",
        "geometry(Point,4326)",
        "enum('pending','paid')",
        "ENUM('Pending', 'it''s')",
        "set('a','b')",
        "timestamp(3) with time zone",
        "TIMESTAMP(3) WITHOUT TIME ZONE",
        "time(6) with time zone",
        "interval day to second(3)",
        "integer[][]",
        "text ARRAY",
        "jsonb[]",
        "bytea[]",
        "character varying(40)[]",
        "bigint(20) unsigned",
        "int(11) unsigned",
        "double precision",
        "datetime2(7)",
        "datetime2(3)",
        "nvarchar(max)",
        // SQLite's own examples of its affinity rules.
        "UNSIGNED BIG INT",
        "VARYING CHARACTER(255)",
        "NATIVE CHARACTER(70)",
        "DECIMAL(10,5)",
        "FLOATING POINT",
        "STRING",
    ];
    all.extend(extra.iter().map(|s| (*s).to_string()));
    all
}

#[test]
fn event_schemas_and_services_read_every_spelling_alike() {
    let mut wrong = Vec::new();
    for dialect in [
        Dialect::Postgres,
        Dialect::Mysql,
        Dialect::Sqlite,
        Dialect::Mssql,
    ] {
        for sql in every_spelling(dialect) {
            let event = map_type(&sql, dialect, "RowStatus");
            let service = sql_types::map_type(dialect, &sql);
            let (e, s) = (
                event_kind(&event.avro),
                service_kind(&service.rust, &service.postgres),
            );
            if !kinds_agree(&e, event.note.is_some(), &s, dialect) {
                wrong.push(format!(
                    "{dialect} `{sql}` ({:?}): event {e:?} {}, service {s:?} {}",
                    classify(dialect, &sql),
                    event.avro,
                    service.postgres
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_boolean_stays_boolean_and_a_decimal_keeps_its_scale() {
    use Dialect::*;
    for (dialect, sql) in [
        (Postgres, "boolean"),
        (Postgres, "bit"),
        (Mysql, "bool"),
        (Mysql, "bit(1)"),
        (Sqlite, "BOOLEAN"),
        (Mssql, "bit"),
    ] {
        assert_eq!(
            classify(dialect, sql),
            SqlTypeClass::Boolean,
            "{dialect} `{sql}`"
        );
        assert_eq!(map_type(sql, dialect, "X").avro, json!("boolean"));
        assert_eq!(sql_types::map_type(dialect, sql).rust, RustType::Bool);
    }
    for (dialect, sql, precision, scale) in [
        (Postgres, "numeric(12,4)", 12, 4),
        (Mysql, "decimal", 10, 0),
        (Mysql, "fixed(8,3)", 8, 3),
        (Sqlite, "DECIMAL(10,5)", 10, 5),
        (Mssql, "numeric", 18, 0),
        (Mssql, "smallmoney", 10, 4),
    ] {
        assert_eq!(map_type(sql, dialect, "X").avro, decimal(precision, scale));
        assert_eq!(
            sql_types::map_type(dialect, sql).postgres,
            format!("NUMERIC({precision},{scale})"),
            "{dialect} `{sql}`"
        );
    }
}

/// Whether the generated consumer's decoding of `kind` yields what a field
/// of type `rust` reads.
fn kind_fits(kind: &ValueKind, rust: &RustType) -> bool {
    match (kind, rust) {
        (ValueKind::Integer, RustType::I16 | RustType::I32 | RustType::I64)
        | (ValueKind::Float, RustType::F32 | RustType::F64)
        | (ValueKind::Decimal, RustType::Decimal)
        | (ValueKind::Bool, RustType::Bool)
        | (ValueKind::Text, RustType::String)
        | (ValueKind::Uuid, RustType::Uuid)
        | (ValueKind::Date, RustType::Date)
        | (ValueKind::Time, RustType::Time)
        | (
            ValueKind::TimestampMillis | ValueKind::TimestampMicros | ValueKind::TimestampNanos,
            RustType::Timestamp,
        )
        | (ValueKind::TimestampTz, RustType::TimestampTz)
        | (ValueKind::Json, RustType::Json)
        | (ValueKind::Bytes, RustType::Bytes) => true,
        (ValueKind::Array(kind), RustType::Array(rust)) => kind_fits(kind, rust),
        _ => false,
    }
}

#[test]
fn every_spelling_decodes_from_the_connector_into_its_rust_type() {
    let mut wrong = Vec::new();
    for dialect in [
        Dialect::Postgres,
        Dialect::Mysql,
        Dialect::Sqlite,
        Dialect::Mssql,
    ] {
        for sql in every_spelling(dialect) {
            let service = sql_types::map_type(dialect, &sql);
            if !kind_fits(&service.kind, &service.rust) {
                wrong.push(format!(
                    "{dialect} `{sql}`: decoded as {:?}, stored as {:?}",
                    service.kind, service.rust
                ));
            }
            // The connector sends a timestamp without time zone in the unit
            // its declared precision implies.
            if let SqlTypeClass::Timestamp {
                with_time_zone: false,
                precision,
            } = classify(dialect, &sql)
            {
                let expected = match precision {
                    Some(0..=3) => ValueKind::TimestampMillis,
                    Some(7..) => ValueKind::TimestampNanos,
                    _ => ValueKind::TimestampMicros,
                };
                if service.kind != expected {
                    wrong.push(format!(
                        "{dialect} `{sql}`: {:?}, expected {expected:?}",
                        service.kind
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
