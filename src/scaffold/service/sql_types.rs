//! The monolith's column types, in any dialect's spelling, mapped to what a
//! generated service stores and decodes: a PostgreSQL column type for its own
//! database and the Rust type sqlx-postgres decodes that column into.
//!
//! Types with no faithful PostgreSQL counterpart (enums, sets, intervals,
//! network addresses, user-defined types) become `TEXT`/`String`: the service
//! keeps their text form rather than failing to decode them.
//!
//! What a spelling means is `scaffold::sql_type`'s business; this module
//! only chooses the column and field for each class.

use crate::model::Dialect;
use crate::scaffold::sql_type::{classify, SqlTypeClass};

/// A Rust type a generated struct field can have (before `Option`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustType {
    I16,
    I32,
    I64,
    F32,
    F64,
    Bool,
    String,
    Decimal,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
    Json,
    Bytes,
    /// A PostgreSQL array of a scalar type.
    Array(Box<RustType>),
}

impl RustType {
    /// The type as Rust source, with the paths the generated crate uses.
    pub fn rust_path(&self) -> String {
        match self {
            RustType::I16 => "i16".into(),
            RustType::I32 => "i32".into(),
            RustType::I64 => "i64".into(),
            RustType::F32 => "f32".into(),
            RustType::F64 => "f64".into(),
            RustType::Bool => "bool".into(),
            RustType::String => "String".into(),
            RustType::Decimal => "rust_decimal::Decimal".into(),
            RustType::Date => "chrono::NaiveDate".into(),
            RustType::Time => "chrono::NaiveTime".into(),
            RustType::Timestamp => "chrono::NaiveDateTime".into(),
            RustType::TimestampTz => "chrono::DateTime<chrono::Utc>".into(),
            RustType::Uuid => "uuid::Uuid".into(),
            RustType::Json => "serde_json::Value".into(),
            RustType::Bytes => "Vec<u8>".into(),
            // Elements may be NULL in PostgreSQL arrays.
            RustType::Array(inner) => format!("Vec<Option<{}>>", inner.rust_path()),
        }
    }

    /// Whether the value can be a map key or compared for equality (`Eq`,
    /// `Hash`): false for floats and JSON.
    pub fn is_exact(&self) -> bool {
        match self {
            RustType::F32 | RustType::F64 | RustType::Json => false,
            RustType::Array(inner) => inner.is_exact(),
            _ => true,
        }
    }
}

/// How the CDC connector encodes a column's value in a change event (the
/// generated `debezium::ValueKind`): the Rust type alone does not say, since
/// a timestamp's unit follows the column's declared precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// A JSON number.
    Integer,
    /// A JSON number.
    Float,
    /// Exact decimal text (`"12.3400"`); a JSON number is read too.
    Decimal,
    Bool,
    /// Text kept as it arrives (also enums, intervals, `timetz`).
    Text,
    Uuid,
    /// Whole days since 1970-01-01.
    Date,
    /// Microseconds since midnight.
    Time,
    /// Epoch milliseconds: fractional-second precision 0 to 3.
    TimestampMillis,
    /// Epoch microseconds: precision 4 to 6, or not declared.
    TimestampMicros,
    /// Epoch nanoseconds: precision 7 and more (SQL Server's `datetime2`).
    TimestampNanos,
    /// ISO-8601 text.
    TimestampTz,
    /// JSON held in a string.
    Json,
    /// Base64 text.
    Bytes,
    /// A JSON array of the element's encoding.
    Array(Box<ValueKind>),
}

impl ValueKind {
    /// The kind for a timestamp without time zone of this declared precision.
    pub fn timestamp(precision: Option<u32>) -> ValueKind {
        match precision {
            Some(0..=3) => ValueKind::TimestampMillis,
            Some(7..) => ValueKind::TimestampNanos,
            Some(4..=6) | None => ValueKind::TimestampMicros,
        }
    }

    /// The generated crate's expression for this kind:
    /// `ValueKind::Date`, `ValueKind::Array(&ValueKind::Decimal)`.
    pub fn rust_expr(&self) -> String {
        match self {
            ValueKind::Array(element) => format!("ValueKind::Array(&{})", element.rust_expr()),
            other => format!("ValueKind::{other:?}"),
        }
    }
}

/// One column as the service stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The PostgreSQL column type for the service's own database.
    pub postgres: String,
    pub rust: RustType,
    /// How change events encode the column's values.
    pub kind: ValueKind,
}

fn mapped(postgres: impl Into<String>, rust: RustType) -> Mapped {
    let kind = match &rust {
        RustType::I16 | RustType::I32 | RustType::I64 => ValueKind::Integer,
        RustType::F32 | RustType::F64 => ValueKind::Float,
        RustType::Bool => ValueKind::Bool,
        RustType::String => ValueKind::Text,
        RustType::Decimal => ValueKind::Decimal,
        RustType::Date => ValueKind::Date,
        RustType::Time => ValueKind::Time,
        RustType::Timestamp => ValueKind::TimestampMicros,
        RustType::TimestampTz => ValueKind::TimestampTz,
        RustType::Uuid => ValueKind::Uuid,
        RustType::Json => ValueKind::Json,
        RustType::Bytes => ValueKind::Bytes,
        // Set by `map_class`, which knows the element's class.
        RustType::Array(_) => ValueKind::Text,
    };
    Mapped {
        postgres: postgres.into(),
        rust,
        kind,
    }
}

fn text() -> Mapped {
    mapped("TEXT", RustType::String)
}

/// Maps a column type declared in `dialect` to the service's column.
pub fn map_type(dialect: Dialect, sql_type: &str) -> Mapped {
    map_class(&classify(dialect, sql_type))
}

/// The service's column for a value of class `class`.
pub fn map_class(class: &SqlTypeClass) -> Mapped {
    match class {
        SqlTypeClass::Integer(int) => match int.signed_bits_needed() {
            0..=16 => mapped("SMALLINT", RustType::I16),
            17..=32 => mapped("INTEGER", RustType::I32),
            33..=64 => mapped("BIGINT", RustType::I64),
            // MySQL's `BIGINT UNSIGNED` needs 20 digits.
            _ => mapped("NUMERIC(20,0)", RustType::Decimal),
        },
        SqlTypeClass::Boolean => mapped("BOOLEAN", RustType::Bool),
        SqlTypeClass::Float => mapped("REAL", RustType::F32),
        SqlTypeClass::Double => mapped("DOUBLE PRECISION", RustType::F64),
        SqlTypeClass::Decimal { precision, scale } => {
            let column = match (precision, scale) {
                (Some(p), Some(s)) => format!("NUMERIC({p},{s})"),
                (Some(p), None) => format!("NUMERIC({p})"),
                (None, _) => "NUMERIC".to_string(),
            };
            mapped(column, RustType::Decimal)
        }
        SqlTypeClass::Text {
            length: Some(n),
            fixed: true,
        } => mapped(format!("CHAR({n})"), RustType::String),
        SqlTypeClass::Text {
            length: Some(n),
            fixed: false,
        } => mapped(format!("VARCHAR({n})"), RustType::String),
        SqlTypeClass::Text { length: None, .. } => text(),
        SqlTypeClass::Binary => mapped("BYTEA", RustType::Bytes),
        SqlTypeClass::Uuid => mapped("UUID", RustType::Uuid),
        SqlTypeClass::Json => mapped("JSONB", RustType::Json),
        SqlTypeClass::Date => mapped("DATE", RustType::Date),
        SqlTypeClass::Time {
            with_time_zone: false,
        } => mapped("TIME", RustType::Time),
        // `timetz` has no chrono counterpart sqlx decodes; keep its text.
        SqlTypeClass::Time {
            with_time_zone: true,
        } => text(),
        SqlTypeClass::Timestamp {
            with_time_zone: false,
            precision,
        } => Mapped {
            kind: ValueKind::timestamp(*precision),
            ..mapped("TIMESTAMP", RustType::Timestamp)
        },
        SqlTypeClass::Timestamp {
            with_time_zone: true,
            ..
        } => mapped("TIMESTAMPTZ", RustType::TimestampTz),
        SqlTypeClass::Interval | SqlTypeClass::Enum(_) | SqlTypeClass::Unknown(_) => text(),
        SqlTypeClass::Array(element) => {
            let inner = map_class(element);
            match inner.rust {
                // Arrays of arrays, JSON or bytes have no row type the
                // generated code reads: keep their text.
                RustType::Array(_) | RustType::Json | RustType::Bytes => text(),
                rust => Mapped {
                    kind: ValueKind::Array(Box::new(inner.kind)),
                    ..mapped(
                        format!("{}[]", inner.postgres),
                        RustType::Array(Box::new(rust)),
                    )
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_spelling_maps_to_a_decodable_type() {
        use Dialect::*;
        let cases: &[(Dialect, &str, &str, &str)] = &[
            (Postgres, "BIGSERIAL", "BIGINT", "i64"),
            (Postgres, "SERIAL", "INTEGER", "i32"),
            (Postgres, "int2", "SMALLINT", "i16"),
            (Postgres, "INT", "INTEGER", "i32"),
            (Postgres, "real", "REAL", "f32"),
            (Postgres, "double precision", "DOUBLE PRECISION", "f64"),
            (Postgres, "float", "DOUBLE PRECISION", "f64"),
            (
                Postgres,
                "NUMERIC(10, 2)",
                "NUMERIC(10,2)",
                "rust_decimal::Decimal",
            ),
            (Postgres, "money", "NUMERIC(19,2)", "rust_decimal::Decimal"),
            (Postgres, "BOOLEAN", "BOOLEAN", "bool"),
            (Postgres, "CHAR(2)", "CHAR(2)", "String"),
            (Postgres, "character varying(40)", "VARCHAR(40)", "String"),
            (Postgres, "TEXT", "TEXT", "String"),
            (Postgres, "order_status", "TEXT", "String"),
            (
                Postgres,
                "TIMESTAMPTZ",
                "TIMESTAMPTZ",
                "chrono::DateTime<chrono::Utc>",
            ),
            (
                Postgres,
                "timestamp(3) with time zone",
                "TIMESTAMPTZ",
                "chrono::DateTime<chrono::Utc>",
            ),
            (
                Postgres,
                "timestamp without time zone",
                "TIMESTAMP",
                "chrono::NaiveDateTime",
            ),
            (Postgres, "date", "DATE", "chrono::NaiveDate"),
            (Postgres, "time", "TIME", "chrono::NaiveTime"),
            (Postgres, "UUID", "UUID", "uuid::Uuid"),
            (Postgres, "jsonb", "JSONB", "serde_json::Value"),
            (Postgres, "json", "JSONB", "serde_json::Value"),
            (Postgres, "bytea", "BYTEA", "Vec<u8>"),
            (Postgres, "text[]", "TEXT[]", "Vec<Option<String>>"),
            (Postgres, "integer[]", "INTEGER[]", "Vec<Option<i32>>"),
            (Postgres, "interval", "TEXT", "String"),
            (Mysql, "tinyint(1)", "SMALLINT", "i16"),
            (Mysql, "boolean", "BOOLEAN", "bool"),
            (Mysql, "tinyint", "SMALLINT", "i16"),
            (Mysql, "smallint unsigned", "INTEGER", "i32"),
            (Mysql, "mediumint", "INTEGER", "i32"),
            (Mysql, "int(11)", "INTEGER", "i32"),
            (Mysql, "int unsigned", "BIGINT", "i64"),
            (
                Mysql,
                "bigint(20) unsigned",
                "NUMERIC(20,0)",
                "rust_decimal::Decimal",
            ),
            (Mysql, "float", "REAL", "f32"),
            (Mysql, "double", "DOUBLE PRECISION", "f64"),
            (
                Mysql,
                "decimal(12,4)",
                "NUMERIC(12,4)",
                "rust_decimal::Decimal",
            ),
            (Mysql, "varchar(255)", "VARCHAR(255)", "String"),
            (Mysql, "longtext", "TEXT", "String"),
            (Mysql, "enum('a','b')", "TEXT", "String"),
            (Mysql, "datetime", "TIMESTAMP", "chrono::NaiveDateTime"),
            (
                Mysql,
                "timestamp",
                "TIMESTAMPTZ",
                "chrono::DateTime<chrono::Utc>",
            ),
            (Mysql, "year", "SMALLINT", "i16"),
            (Mysql, "json", "JSONB", "serde_json::Value"),
            (Mysql, "varbinary(16)", "BYTEA", "Vec<u8>"),
            (Mysql, "bit(1)", "BOOLEAN", "bool"),
            (Sqlite, "INTEGER", "BIGINT", "i64"),
            (Sqlite, "int", "BIGINT", "i64"),
            (Sqlite, "REAL", "DOUBLE PRECISION", "f64"),
            (Sqlite, "TEXT", "TEXT", "String"),
            (Sqlite, "BLOB", "BYTEA", "Vec<u8>"),
            (Sqlite, "NUMERIC", "NUMERIC", "rust_decimal::Decimal"),
            (Sqlite, "DATETIME", "TIMESTAMP", "chrono::NaiveDateTime"),
            (Sqlite, "BOOLEAN", "BOOLEAN", "bool"),
            (Sqlite, "", "TEXT", "String"),
            (Mssql, "tinyint", "SMALLINT", "i16"),
            (Mssql, "bit", "BOOLEAN", "bool"),
            (Mssql, "float", "DOUBLE PRECISION", "f64"),
            (Mssql, "float(24)", "REAL", "f32"),
            (Mssql, "money", "NUMERIC(19,4)", "rust_decimal::Decimal"),
            (Mssql, "nvarchar(max)", "TEXT", "String"),
            (Mssql, "nvarchar(100)", "VARCHAR(100)", "String"),
            (Mssql, "datetime2(7)", "TIMESTAMP", "chrono::NaiveDateTime"),
            (
                Mssql,
                "datetimeoffset",
                "TIMESTAMPTZ",
                "chrono::DateTime<chrono::Utc>",
            ),
            (Mssql, "uniqueidentifier", "UUID", "uuid::Uuid"),
            (Mssql, "varbinary(max)", "BYTEA", "Vec<u8>"),
            (Mssql, "rowversion", "BYTEA", "Vec<u8>"),
            (Mssql, "xml", "TEXT", "String"),
        ];
        for (dialect, declared, postgres, rust) in cases {
            let got = map_type(*dialect, declared);
            assert_eq!(
                (got.postgres.as_str(), got.rust.rust_path().as_str()),
                (*postgres, *rust),
                "{dialect} `{declared}`"
            );
        }
    }

    #[test]
    fn timestamps_are_read_in_the_unit_their_declared_precision_implies() {
        use Dialect::*;
        let cases: &[(Dialect, &str, &str)] = &[
            (Postgres, "timestamp", "ValueKind::TimestampMicros"),
            (Postgres, "timestamp(6)", "ValueKind::TimestampMicros"),
            (Postgres, "timestamp(4)", "ValueKind::TimestampMicros"),
            (Postgres, "timestamp(3)", "ValueKind::TimestampMillis"),
            (
                Postgres,
                "timestamp(0) without time zone",
                "ValueKind::TimestampMillis",
            ),
            (Postgres, "timestamptz", "ValueKind::TimestampTz"),
            (
                Postgres,
                "timestamp(3) with time zone",
                "ValueKind::TimestampTz",
            ),
            (Mysql, "datetime", "ValueKind::TimestampMillis"),
            (Mysql, "datetime(3)", "ValueKind::TimestampMillis"),
            (Mysql, "datetime(6)", "ValueKind::TimestampMicros"),
            (Mysql, "timestamp", "ValueKind::TimestampTz"),
            (Mssql, "datetime", "ValueKind::TimestampMillis"),
            (Mssql, "datetime2(3)", "ValueKind::TimestampMillis"),
            (Mssql, "datetime2", "ValueKind::TimestampNanos"),
            (Sqlite, "DATETIME", "ValueKind::TimestampMicros"),
            (
                Postgres,
                "timestamp(3)[]",
                "ValueKind::Array(&ValueKind::TimestampMillis)",
            ),
            (
                Postgres,
                "numeric(10,2)[]",
                "ValueKind::Array(&ValueKind::Decimal)",
            ),
            (Postgres, "date[]", "ValueKind::Array(&ValueKind::Date)"),
            (Postgres, "jsonb[]", "ValueKind::Text"),
            (Postgres, "smallint", "ValueKind::Integer"),
            (Postgres, "char(3)", "ValueKind::Text"),
            (Postgres, "order_status", "ValueKind::Text"),
            (Postgres, "numeric", "ValueKind::Decimal"),
            (Mysql, "bigint unsigned", "ValueKind::Decimal"),
            (Postgres, "bytea", "ValueKind::Bytes"),
            (Postgres, "jsonb", "ValueKind::Json"),
            (Postgres, "time", "ValueKind::Time"),
            (Postgres, "date", "ValueKind::Date"),
        ];
        for (dialect, declared, kind) in cases {
            assert_eq!(
                map_type(*dialect, declared).kind.rust_expr(),
                *kind,
                "{dialect} `{declared}`"
            );
        }
    }
}
