//! SQL column types to event-schema types, per dialect, the way Debezium
//! encodes each column on the wire (default `time.precision.mode`,
//! `decimal.handling.mode=precise`, `bigint.unsigned.handling.mode=long`),
//! so the schemas carve writes describe what the connectors really produce.
//! What a spelling means is `sql_type`'s business; this module only encodes
//! each class the way the dialect's connector does.

use super::sql_type::{classify, SqlTypeClass};
use crate::model::Dialect;
use serde_json::{json, Value};

/// One column's type in an event schema.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedType {
    /// The Avro schema of a non-null value.
    pub avro: Value,
    /// The JSON Schema of a non-null value.
    pub json: Value,
    /// Why the mapping is approximate, when it is (goes into the schema's `doc`).
    pub note: Option<String>,
}

fn int() -> MappedType {
    plain(json!("int"), json!({"type": "integer"}))
}
fn long() -> MappedType {
    plain(json!("long"), json!({"type": "integer"}))
}
fn boolean() -> MappedType {
    plain(json!("boolean"), json!({"type": "boolean"}))
}
fn float() -> MappedType {
    plain(json!("float"), json!({"type": "number"}))
}
fn double() -> MappedType {
    plain(json!("double"), json!({"type": "number"}))
}
fn string() -> MappedType {
    plain(json!("string"), json!({"type": "string"}))
}
fn bytes() -> MappedType {
    plain(
        json!("bytes"),
        json!({"type": "string", "contentEncoding": "base64"}),
    )
}
fn plain(avro: Value, json: Value) -> MappedType {
    MappedType {
        avro,
        json,
        note: None,
    }
}
fn noted(mut mapped: MappedType, note: impl Into<String>) -> MappedType {
    mapped.note = Some(note.into());
    mapped
}

fn uuid() -> MappedType {
    plain(
        json!({"type": "string", "logicalType": "uuid"}),
        json!({"type": "string", "format": "uuid"}),
    )
}
fn date() -> MappedType {
    plain(
        json!({"type": "int", "logicalType": "date"}),
        json!({"type": "integer", "description": "days since 1970-01-01"}),
    )
}
fn time_micros() -> MappedType {
    plain(
        json!({"type": "long", "logicalType": "time-micros"}),
        json!({"type": "integer", "description": "microseconds past midnight"}),
    )
}
fn timestamp_micros() -> MappedType {
    plain(
        json!({"type": "long", "logicalType": "timestamp-micros"}),
        json!({"type": "integer", "description": "microseconds since the epoch, no time zone"}),
    )
}
fn timestamp_millis() -> MappedType {
    plain(
        json!({"type": "long", "logicalType": "timestamp-millis"}),
        json!({"type": "integer", "description": "milliseconds since the epoch, no time zone"}),
    )
}
/// Debezium's `ZonedTimestamp`: an ISO-8601 string with its offset.
fn zoned_timestamp() -> MappedType {
    plain(
        json!({"type": "string", "connect.name": "io.debezium.time.ZonedTimestamp"}),
        json!({"type": "string", "format": "date-time"}),
    )
}
fn json_text() -> MappedType {
    plain(
        json!({"type": "string", "connect.name": "io.debezium.data.Json"}),
        json!({"type": "string", "contentMediaType": "application/json"}),
    )
}
fn decimal(precision: u32, scale: u32) -> MappedType {
    plain(
        json!({"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}),
        json!({"type": "string", "description": format!("decimal({precision},{scale}), base64 of the unscaled two's-complement value")}),
    )
}

/// An exact decimal. Without a precision the value's scale varies per row,
/// which Avro's decimal cannot express: a string then.
fn decimal_of(precision: Option<u32>, scale: Option<u32>) -> MappedType {
    match precision {
        Some(p) if p > 0 => decimal(p, scale.unwrap_or(0)),
        _ => noted(
            string(),
            "numeric without a precision: decimal text (Debezium's variable-scale decimal)",
        ),
    }
}

/// Avro `enum` when every value is a legal Avro symbol, else a string.
fn enumeration(symbols: &[String], name: &str) -> MappedType {
    let legal = |s: &String| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if symbols.is_empty() || !symbols.iter().all(legal) {
        return noted(string(), "enumeration whose values are not Avro symbols");
    }
    plain(
        json!({"type": "enum", "name": name, "symbols": symbols}),
        json!({"type": "string", "enum": symbols}),
    )
}

fn unknown(dialect: Dialect, sql_type: &str) -> MappedType {
    let note = if sql_type.trim().is_empty() {
        "the column declares no type: any value, carried as text".to_string()
    } else if dialect == Dialect::Sqlite {
        format!("SQLite numeric affinity for `{sql_type}`")
    } else {
        format!("SQL type `{sql_type}` has no known mapping; carried as text")
    };
    noted(string(), note)
}

/// The event-schema type of a column of type `sql_type`. `enum_name` names
/// an Avro enum when the column's values are listed in the type.
pub fn map_type(sql_type: &str, dialect: Dialect, enum_name: &str) -> MappedType {
    map_class(&classify(dialect, sql_type), dialect, enum_name)
}

/// The event-schema type of a column of class `class` as `dialect`'s
/// connector sends it.
pub fn map_class(class: &SqlTypeClass, dialect: Dialect, enum_name: &str) -> MappedType {
    match class {
        // Avro's `int` holds 32 signed bits; anything wider is a `long`.
        // MySQL's `BIGINT UNSIGNED` is a long too
        // (`bigint.unsigned.handling.mode=long`).
        SqlTypeClass::Integer(i) if i.signed_bits_needed() <= 32 => int(),
        SqlTypeClass::Integer(_) => long(),
        SqlTypeClass::Boolean => boolean(),
        SqlTypeClass::Float => float(),
        SqlTypeClass::Double => double(),
        SqlTypeClass::Decimal { precision, scale } => decimal_of(*precision, *scale),
        SqlTypeClass::Text { .. } => string(),
        SqlTypeClass::Binary => bytes(),
        SqlTypeClass::Uuid => uuid(),
        SqlTypeClass::Json => json_text(),
        SqlTypeClass::Date => date(),
        SqlTypeClass::Time { .. } | SqlTypeClass::Timestamp { .. }
            if dialect == Dialect::Sqlite =>
        {
            noted(string(), "SQLite date and time values are stored as text")
        }
        SqlTypeClass::Time {
            with_time_zone: false,
        } => time_micros(),
        SqlTypeClass::Time {
            with_time_zone: true,
        } => plain(
            json!({"type": "string", "connect.name": "io.debezium.time.ZonedTime"}),
            json!({"type": "string", "format": "time"}),
        ),
        SqlTypeClass::Timestamp {
            with_time_zone: true,
            ..
        } => zoned_timestamp(),
        SqlTypeClass::Timestamp { precision, .. } => match dialect {
            // MySQL's DATETIME and SQL Server's datetime types: Debezium
            // sends milliseconds up to precision 3 and microseconds above.
            Dialect::Mysql | Dialect::Mssql if precision.is_none_or(|p| p <= 3) => {
                timestamp_millis()
            }
            _ => timestamp_micros(),
        },
        SqlTypeClass::Interval => plain(
            json!({"type": "long", "connect.name": "io.debezium.time.MicroDuration"}),
            json!({"type": "integer", "description": "duration in microseconds"}),
        ),
        SqlTypeClass::Enum(values) => enumeration(values, enum_name),
        SqlTypeClass::Array(element) => {
            let element = map_class(element, dialect, enum_name);
            MappedType {
                avro: json!({"type": "array", "items": element.avro}),
                json: json!({"type": "array", "items": element.json}),
                note: element.note,
            }
        }
        SqlTypeClass::Unknown(original) => unknown(dialect, original),
    }
}
