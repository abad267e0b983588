//! The monolith's column types, in any dialect's spelling, mapped to what a
//! generated service stores and decodes: a PostgreSQL column type for its own
//! database and the Rust type sqlx-postgres decodes that column into.
//!
//! Types with no faithful PostgreSQL counterpart (enums, sets, intervals,
//! network addresses, user-defined types) become `TEXT`/`String`: the service
//! keeps their text form rather than failing to decode them.

use crate::model::Dialect;

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
            RustType::Array(inner) => format!("Vec<{}>", inner.rust_path()),
        }
    }

    /// How the generated consumer reads a value of this type out of a
    /// Debezium change event (the name of a `debezium::ValueKind` variant).
    pub fn value_kind(&self) -> &'static str {
        match self {
            RustType::I16 | RustType::I32 | RustType::I64 => "Integer",
            RustType::F32 | RustType::F64 => "Float",
            RustType::Bool => "Bool",
            RustType::String => "Text",
            RustType::Decimal => "Decimal",
            RustType::Date => "Date",
            RustType::Time => "Time",
            RustType::Timestamp => "Timestamp",
            RustType::TimestampTz => "TimestampTz",
            RustType::Uuid => "Uuid",
            RustType::Json => "Json",
            RustType::Bytes => "Bytes",
            RustType::Array(_) => "Other",
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

/// One column as the service stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The PostgreSQL column type for the service's own database.
    pub postgres: String,
    pub rust: RustType,
}

fn mapped(postgres: impl Into<String>, rust: RustType) -> Mapped {
    Mapped {
        postgres: postgres.into(),
        rust,
    }
}

/// A declared type taken apart: `numeric(10, 2) unsigned` → base `numeric`,
/// arguments `[10, 2]`, unsigned.
struct Declared {
    base: String,
    args: Vec<String>,
    unsigned: bool,
    with_time_zone: bool,
}

fn parse(sql_type: &str) -> Declared {
    let lower = sql_type.trim().to_ascii_lowercase();
    let (head, args) = match (lower.find('('), lower.rfind(')')) {
        (Some(open), Some(close)) if close > open => (
            format!("{} {}", &lower[..open], &lower[close + 1..]),
            lower[open + 1..close]
                .split(',')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect(),
        ),
        _ => (lower.clone(), Vec::new()),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let unsigned = words.contains(&"unsigned");
    let with_time_zone = head.contains("with time zone") && !head.contains("without time zone");
    let base: Vec<&str> = words
        .iter()
        .copied()
        .take_while(|w| !matches!(*w, "unsigned" | "signed" | "zerofill" | "with" | "without"))
        .collect();
    Declared {
        base: base.join(" "),
        args,
        unsigned,
        with_time_zone,
    }
}

/// The length argument when it is a plain number (`varchar(255)`), not `max`.
fn length(args: &[String]) -> Option<u32> {
    args.first().and_then(|a| a.parse().ok()).filter(|n| *n > 0)
}

fn numeric(args: &[String]) -> Mapped {
    match args {
        [p] if p.parse::<u32>().is_ok() => mapped(format!("NUMERIC({p})"), RustType::Decimal),
        [p, s] if p.parse::<u32>().is_ok() && s.parse::<u32>().is_ok() => {
            mapped(format!("NUMERIC({p},{s})"), RustType::Decimal)
        }
        _ => mapped("NUMERIC", RustType::Decimal),
    }
}

fn text_like(args: &[String], fixed: bool) -> Mapped {
    match length(args) {
        Some(n) if fixed => mapped(format!("CHAR({n})"), RustType::String),
        Some(n) => mapped(format!("VARCHAR({n})"), RustType::String),
        None => mapped("TEXT", RustType::String),
    }
}

fn text() -> Mapped {
    mapped("TEXT", RustType::String)
}

/// Maps a column type declared in `dialect` to the service's column.
pub fn map_type(dialect: Dialect, sql_type: &str) -> Mapped {
    let trimmed = sql_type.trim();
    if let Some(element) = trimmed.strip_suffix("[]") {
        let inner = map_type(dialect, element);
        return match inner.rust {
            RustType::Array(_) | RustType::Json | RustType::Bytes => text(),
            rust => mapped(
                format!("{}[]", inner.postgres),
                RustType::Array(Box::new(rust)),
            ),
        };
    }
    let declared = parse(trimmed);
    match dialect {
        Dialect::Postgres => postgres(&declared),
        Dialect::Mysql => mysql(&declared),
        Dialect::Sqlite => sqlite(&declared),
        Dialect::Mssql => mssql(&declared),
    }
}

/// Types spelled the same way, with the same meaning, in several dialects.
fn common(d: &Declared) -> Option<Mapped> {
    Some(match d.base.as_str() {
        "smallint" | "int2" | "smallserial" | "serial2" => mapped("SMALLINT", RustType::I16),
        "int" | "integer" | "int4" | "serial" | "serial4" => mapped("INTEGER", RustType::I32),
        "bigint" | "int8" | "bigserial" | "serial8" => mapped("BIGINT", RustType::I64),
        "real" | "float4" => mapped("REAL", RustType::F32),
        "double precision" | "double" | "float8" => mapped("DOUBLE PRECISION", RustType::F64),
        "numeric" | "decimal" | "dec" => numeric(&d.args),
        "bool" | "boolean" => mapped("BOOLEAN", RustType::Bool),
        "char" | "character" | "bpchar" | "nchar" => text_like(&d.args, true),
        "varchar" | "character varying" | "nvarchar" | "varchar2" | "nvarchar2" => {
            text_like(&d.args, false)
        }
        "text" | "tinytext" | "mediumtext" | "longtext" | "ntext" | "clob" | "citext" => text(),
        "date" => mapped("DATE", RustType::Date),
        "uuid" => mapped("UUID", RustType::Uuid),
        "json" | "jsonb" => mapped("JSONB", RustType::Json),
        "bytea" | "blob" | "tinyblob" | "mediumblob" | "longblob" | "binary" | "varbinary"
        | "image" => mapped("BYTEA", RustType::Bytes),
        _ => return None,
    })
}

fn time_of_day(d: &Declared) -> Mapped {
    if d.with_time_zone {
        // `timetz` has no chrono counterpart sqlx decodes; keep its text.
        text()
    } else {
        mapped("TIME", RustType::Time)
    }
}

fn postgres(d: &Declared) -> Mapped {
    match d.base.as_str() {
        "timestamptz" => mapped("TIMESTAMPTZ", RustType::TimestampTz),
        "timestamp" if d.with_time_zone => mapped("TIMESTAMPTZ", RustType::TimestampTz),
        "timestamp" => mapped("TIMESTAMP", RustType::Timestamp),
        "time" => time_of_day(d),
        "timetz" => text(),
        "float" => match length(&d.args) {
            Some(n) if n <= 24 => mapped("REAL", RustType::F32),
            _ => mapped("DOUBLE PRECISION", RustType::F64),
        },
        // `money` decodes only as sqlx's own PgMoney; a decimal keeps its value.
        "money" => mapped("NUMERIC(19,2)", RustType::Decimal),
        _ => common(d).unwrap_or_else(text),
    }
}

fn mysql(d: &Declared) -> Mapped {
    let unsigned = d.unsigned;
    match d.base.as_str() {
        // MySQL's boolean is `tinyint(1)`.
        "tinyint" if d.args.first().is_some_and(|a| a == "1") && !unsigned => {
            mapped("BOOLEAN", RustType::Bool)
        }
        "tinyint" => mapped("SMALLINT", RustType::I16),
        "smallint" if unsigned => mapped("INTEGER", RustType::I32),
        "smallint" => mapped("SMALLINT", RustType::I16),
        "mediumint" => mapped("INTEGER", RustType::I32),
        "int" | "integer" if unsigned => mapped("BIGINT", RustType::I64),
        "bigint" if unsigned => mapped("NUMERIC(20,0)", RustType::Decimal),
        // `serial` is `bigint unsigned not null auto_increment` in MySQL.
        "serial" => mapped("BIGINT", RustType::I64),
        "float" => match d.args.first().and_then(|a| a.parse::<u32>().ok()) {
            Some(p) if p > 24 => mapped("DOUBLE PRECISION", RustType::F64),
            _ => mapped("REAL", RustType::F32),
        },
        "real" => mapped("DOUBLE PRECISION", RustType::F64),
        "bit" if length(&d.args).is_none_or(|n| n == 1) => mapped("BOOLEAN", RustType::Bool),
        "bit" => mapped("BYTEA", RustType::Bytes),
        "datetime" => mapped("TIMESTAMP", RustType::Timestamp),
        // MySQL stores `timestamp` in UTC.
        "timestamp" => mapped("TIMESTAMPTZ", RustType::TimestampTz),
        "time" => mapped("TIME", RustType::Time),
        "year" => mapped("SMALLINT", RustType::I16),
        "enum" | "set" => text(),
        _ => common(d).unwrap_or_else(text),
    }
}

fn sqlite(d: &Declared) -> Mapped {
    match d.base.as_str() {
        // SQLite integers are 64-bit whatever the declared width.
        "int" | "integer" | "tinyint" | "smallint" | "mediumint" | "bigint" | "int2" | "int8"
        | "unsigned big int" => mapped("BIGINT", RustType::I64),
        "real" | "float" | "double" | "double precision" => {
            mapped("DOUBLE PRECISION", RustType::F64)
        }
        "datetime" | "timestamp" => mapped("TIMESTAMP", RustType::Timestamp),
        "time" => mapped("TIME", RustType::Time),
        // No declared type means any value: its text form is safest.
        "" => text(),
        _ => common(d).unwrap_or_else(text),
    }
}

fn mssql(d: &Declared) -> Mapped {
    match d.base.as_str() {
        // SQL Server's tinyint is unsigned: 0..=255.
        "tinyint" => mapped("SMALLINT", RustType::I16),
        "bit" => mapped("BOOLEAN", RustType::Bool),
        "float" => match d.args.first().and_then(|a| a.parse::<u32>().ok()) {
            Some(p) if p <= 24 => mapped("REAL", RustType::F32),
            _ => mapped("DOUBLE PRECISION", RustType::F64),
        },
        "real" => mapped("REAL", RustType::F32),
        "money" => mapped("NUMERIC(19,4)", RustType::Decimal),
        "smallmoney" => mapped("NUMERIC(10,4)", RustType::Decimal),
        "datetime" | "datetime2" | "smalldatetime" => mapped("TIMESTAMP", RustType::Timestamp),
        "datetimeoffset" => mapped("TIMESTAMPTZ", RustType::TimestampTz),
        "time" => mapped("TIME", RustType::Time),
        "uniqueidentifier" => mapped("UUID", RustType::Uuid),
        "rowversion" | "timestamp" => mapped("BYTEA", RustType::Bytes),
        "xml" | "sql_variant" => text(),
        _ => common(d).unwrap_or_else(text),
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
            (Postgres, "text[]", "TEXT[]", "Vec<String>"),
            (Postgres, "integer[]", "INTEGER[]", "Vec<i32>"),
            (Postgres, "interval", "TEXT", "String"),
            (Mysql, "tinyint(1)", "BOOLEAN", "bool"),
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
}
