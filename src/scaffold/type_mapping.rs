//! SQL column types to event-schema types, per dialect, the way Debezium
//! encodes each column on the wire (default `time.precision.mode`,
//! `decimal.handling.mode=precise`, `bigint.unsigned.handling.mode=long`),
//! so the schemas carve writes describe what the connectors really produce.

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

/// A column type taken apart: `numeric(10, 2)` → base `numeric`, args `[10, 2]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SqlType {
    base: String,
    args: Vec<String>,
    unsigned: bool,
    array: bool,
}

fn parse(sql_type: &str) -> SqlType {
    let mut text = sql_type.trim().to_ascii_lowercase();
    let mut array = false;
    if let Some(stripped) = text.strip_suffix("[]") {
        text = stripped.trim().to_string();
        array = true;
    } else if let Some(stripped) = text.strip_suffix(" array") {
        text = stripped.trim().to_string();
        array = true;
    } else if text.starts_with('_') && !text.contains('(') {
        // PostgreSQL's internal array names: `_int4`, `_text`.
        text = text[1..].to_string();
        array = true;
    }
    let unsigned = text.split_whitespace().any(|w| w == "unsigned");
    let mut args = Vec::new();
    let mut base = text.clone();
    if let (Some(open), Some(close)) = (text.find('('), text.rfind(')')) {
        if open < close {
            args = split_args(&text[open + 1..close]);
            base = format!("{} {}", text[..open].trim(), text[close + 1..].trim());
        }
    }
    let base = base
        .split_whitespace()
        .filter(|w| !matches!(*w, "unsigned" | "signed" | "zerofill"))
        .collect::<Vec<_>>()
        .join(" ");
    SqlType {
        base,
        args,
        unsigned,
        array,
    }
}

/// Splits `'a','b,c'` or `10, 2` at top-level commas, keeping quoted text whole.
fn split_args(inner: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => {
                args.push(current.trim().to_string());
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        args.push(current.trim().to_string());
    }
    args
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

/// `decimal(p,s)`; without a precision the value's scale varies per row,
/// which Avro's decimal cannot express: a string then.
fn decimal_from(args: &[String], default_precision: Option<u32>) -> MappedType {
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u32>().ok());
    match (number(0).or(default_precision), number(1)) {
        (Some(p), s) if p > 0 => decimal(p, s.unwrap_or(0)),
        _ => noted(
            string(),
            "numeric without a precision: decimal text (Debezium's variable-scale decimal)",
        ),
    }
}

/// Avro `enum` when every value is a legal Avro symbol, else a string.
fn enumeration(args: &[String], name: &str) -> MappedType {
    let symbols: Vec<String> = args
        .iter()
        .map(|a| a.trim_matches('\'').to_string())
        .collect();
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

fn unknown(sql_type: &str) -> MappedType {
    noted(
        string(),
        format!("SQL type `{sql_type}` has no known mapping; carried as text"),
    )
}

/// The event-schema type of a column of type `sql_type`. `enum_name` names
/// an Avro enum when the column's values are listed in the type.
pub fn map_type(sql_type: &str, dialect: Dialect, enum_name: &str) -> MappedType {
    let parsed = parse(sql_type);
    let element = match dialect {
        Dialect::Postgres => postgres(&parsed, sql_type),
        Dialect::Mysql => mysql(&parsed, sql_type, enum_name),
        Dialect::Sqlite => sqlite(&parsed),
        Dialect::Mssql => mssql(&parsed, sql_type),
    };
    if parsed.array {
        MappedType {
            avro: json!({"type": "array", "items": element.avro}),
            json: json!({"type": "array", "items": element.json}),
            note: element.note,
        }
    } else {
        element
    }
}

fn postgres(t: &SqlType, original: &str) -> MappedType {
    match t.base.as_str() {
        "smallint" | "int2" | "smallserial" | "serial2" | "integer" | "int" | "int4" | "serial"
        | "serial4" => int(),
        "bigint" | "int8" | "bigserial" | "serial8" | "oid" => long(),
        "boolean" | "bool" => boolean(),
        "real" | "float4" => float(),
        "double precision" | "float8" => double(),
        // `float(p)`: p ≤ 24 is real, otherwise double precision.
        "float" => match t.args.first().and_then(|a| a.parse::<u32>().ok()) {
            Some(p) if p <= 24 => float(),
            _ => double(),
        },
        "numeric" | "decimal" => decimal_from(&t.args, None),
        // Debezium reads money with `money.fraction.digits` (2) as its scale.
        "money" => decimal(19, 2),
        "text" | "varchar" | "character varying" | "char" | "character" | "bpchar" | "citext"
        | "name" | "xml" | "inet" | "cidr" | "macaddr" | "macaddr8" | "tsvector" | "ltree" => {
            string()
        }
        "uuid" => uuid(),
        "json" | "jsonb" => json_text(),
        "bytea" => bytes(),
        "date" => date(),
        "time" | "time without time zone" => time_micros(),
        "timetz" | "time with time zone" => plain(
            json!({"type": "string", "connect.name": "io.debezium.time.ZonedTime"}),
            json!({"type": "string", "format": "time"}),
        ),
        "timestamp" | "timestamp without time zone" => timestamp_micros(),
        "timestamptz" | "timestamp with time zone" => zoned_timestamp(),
        "interval" => plain(
            json!({"type": "long", "connect.name": "io.debezium.time.MicroDuration"}),
            json!({"type": "integer", "description": "duration in microseconds"}),
        ),
        "bit" if t.args.first().is_none_or(|a| a == "1") => boolean(),
        "bit" | "bit varying" | "varbit" => bytes(),
        _ => unknown(original),
    }
}

/// MySQL's and MariaDB's spellings.
fn mysql(t: &SqlType, original: &str, enum_name: &str) -> MappedType {
    let precision = t.args.first().and_then(|a| a.parse::<u32>().ok());
    match t.base.as_str() {
        // Debezium reads tinyint(1) as a small integer, not a boolean; only
        // columns declared BOOLEAN arrive as booleans.
        "tinyint" | "smallint" => int(),
        "mediumint" | "int" | "integer" if !t.unsigned => int(),
        "mediumint" => int(),
        "int" | "integer" => long(),
        "bigint" => long(),
        "boolean" | "bool" => boolean(),
        "bit" if precision.is_none_or(|p| p == 1) => boolean(),
        "bit" => bytes(),
        "float" => float(),
        "double" | "double precision" | "real" => double(),
        "decimal" | "numeric" | "dec" | "fixed" => decimal_from(&t.args, Some(10)),
        "char" | "varchar" | "character" | "character varying" | "nchar" | "nvarchar"
        | "national char" | "national varchar" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "set" => string(),
        "enum" => enumeration(&t.args, enum_name),
        "json" => json_text(),
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => bytes(),
        "date" => date(),
        "time" => time_micros(),
        "year" => int(),
        // DATETIME has no zone; Debezium sends milliseconds up to
        // precision 3 and microseconds above.
        "datetime" if precision.is_none_or(|p| p <= 3) => timestamp_millis(),
        "datetime" => timestamp_micros(),
        // TIMESTAMP is stored in UTC: Debezium's ZonedTimestamp.
        "timestamp" => zoned_timestamp(),
        "uuid" => uuid(),
        "inet4" | "inet6" => string(),
        _ => unknown(original),
    }
}

/// SQLite has type affinities, not types: its own rules decide.
fn sqlite(t: &SqlType) -> MappedType {
    let base = t.base.as_str();
    match base {
        "boolean" | "bool" => return boolean(),
        "date" => return date(),
        "datetime" | "timestamp" => {
            return noted(string(), "SQLite date and time values are stored as text")
        }
        "decimal" | "numeric" => return decimal_from(&t.args, None),
        "uuid" => return uuid(),
        "json" => return json_text(),
        _ => {}
    }
    if base.contains("int") {
        long()
    } else if base.contains("char") || base.contains("clob") || base.contains("text") {
        string()
    } else if base.contains("blob") || base.is_empty() {
        bytes()
    } else if base.contains("real") || base.contains("floa") || base.contains("doub") {
        double()
    } else {
        noted(string(), format!("SQLite numeric affinity for `{base}`"))
    }
}

/// SQL Server's spellings.
fn mssql(t: &SqlType, original: &str) -> MappedType {
    let precision = t.args.first().and_then(|a| a.parse::<u32>().ok());
    match t.base.as_str() {
        "bit" => boolean(),
        "tinyint" | "smallint" | "int" => int(),
        "bigint" => long(),
        "real" => float(),
        "float" if precision.is_some_and(|p| p <= 24) => float(),
        "float" => double(),
        "decimal" | "numeric" => decimal_from(&t.args, Some(18)),
        "money" => decimal(19, 4),
        "smallmoney" => decimal(10, 4),
        "char" | "varchar" | "nchar" | "nvarchar" | "text" | "ntext" | "xml" | "sysname" => {
            string()
        }
        "uniqueidentifier" => uuid(),
        "binary" | "varbinary" | "image" | "rowversion" | "timestamp" => bytes(),
        "date" => date(),
        "time" => time_micros(),
        "datetime" | "smalldatetime" => timestamp_millis(),
        "datetime2" if precision.is_some_and(|p| p <= 3) => timestamp_millis(),
        "datetime2" => timestamp_micros(),
        "datetimeoffset" => zoned_timestamp(),
        _ => unknown(original),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments_arrays_and_unsigned() {
        let t = parse("NUMERIC(10, 2)");
        assert_eq!((t.base.as_str(), t.args.len()), ("numeric", 2));
        assert!(parse("int unsigned").unsigned);
        assert!(parse("integer[]").array);
        assert!(parse("_int4").array);
        assert_eq!(parse("enum('a','b,c')").args, ["'a'", "'b,c'"]);
        assert_eq!(parse("nvarchar(max)").base, "nvarchar");
    }
}
