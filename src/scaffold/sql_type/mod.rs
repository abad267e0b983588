//! One reading of SQL column types for everything carve scaffolds: a
//! declared type, in its dialect's spelling, becomes a [`SqlTypeClass`]
//! (integer of a width and sign, decimal of a precision and scale, text of
//! a length, timestamp with or without a zone, …). The event-schema mapper
//! and the service mapper both start from the class, so they cannot read
//! the same column two ways; the spelling rules live here and nowhere else.

mod class;
mod common;
mod declared;
mod mssql;
mod mysql;
mod postgres;
mod rule;
mod sqlite;

pub use class::{Integer, SqlTypeClass};
pub use declared::Declared;

use crate::model::Dialect;
use rule::{lookup, Rule};

/// The class of a column declared as `sql_type` in `dialect`. Never fails:
/// what no rule knows is [`SqlTypeClass::Unknown`].
pub fn classify(dialect: Dialect, sql_type: &str) -> SqlTypeClass {
    let mut declared = Declared::parse(sql_type);
    // Only MySQL and MariaDB have unsigned integers; elsewhere the word is
    // not part of the type and is ignored.
    declared.unsigned &= dialect == Dialect::Mysql;
    let mut class = classify_element(dialect, &declared);
    for _ in 0..declared.array_depth {
        class = SqlTypeClass::Array(Box::new(class));
    }
    class
}

/// The class of the declared type without its array markers.
fn classify_element(dialect: Dialect, d: &Declared) -> SqlTypeClass {
    let in_tables = |own: &[(&str, Rule)]| lookup(own, d).or_else(|| lookup(common::TABLE, d));
    let class = match dialect {
        Dialect::Postgres => postgres::classify(d).or_else(|| in_tables(postgres::TABLE)),
        Dialect::Mysql => in_tables(mysql::TABLE),
        Dialect::Mssql => in_tables(mssql::TABLE),
        Dialect::Sqlite => Some(sqlite::classify(d)),
    };
    class.unwrap_or_else(|| SqlTypeClass::Unknown(d.original.clone()))
}

/// Every type name `dialect` has a rule for, its own first, each once. (SQLite
/// also reads names no table lists, by its affinity rules.)
pub fn spellings(dialect: Dialect) -> Vec<&'static str> {
    let own = match dialect {
        Dialect::Postgres => postgres::TABLE,
        Dialect::Mysql => mysql::TABLE,
        Dialect::Sqlite => sqlite::TABLE,
        Dialect::Mssql => mssql::TABLE,
    };
    let mut names: Vec<&'static str> = Vec::new();
    for (name, _) in own.iter().chain(common::TABLE) {
        if !names.contains(name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use SqlTypeClass::*;

    fn int(bits: u8, signed: bool) -> SqlTypeClass {
        Integer(class::Integer { bits, signed })
    }

    fn decimal(precision: Option<u32>, scale: Option<u32>) -> SqlTypeClass {
        Decimal { precision, scale }
    }

    fn text(length: Option<u32>, fixed: bool) -> SqlTypeClass {
        Text { length, fixed }
    }

    fn timestamp(with_time_zone: bool, precision: Option<u32>) -> SqlTypeClass {
        Timestamp {
            with_time_zone,
            precision,
        }
    }

    #[test]
    fn each_dialect_reads_its_own_spellings() {
        use Dialect::*;
        let cases: Vec<(Dialect, &str, SqlTypeClass)> = vec![
            (Postgres, "SERIAL", int(32, true)),
            (Postgres, "oid", int(32, false)),
            (Postgres, "bigint unsigned", int(64, true)),
            (Postgres, "float(24)", Float),
            (Postgres, "float", Double),
            (Postgres, "numeric", decimal(None, None)),
            (Postgres, "numeric(5)", decimal(Some(5), None)),
            (Postgres, "NUMERIC(10, 2)", decimal(Some(10), Some(2))),
            (Postgres, "money", decimal(Some(19), Some(2))),
            (Postgres, "numeric(10,-2)", decimal(None, None)),
            (Postgres, "CHARACTER VARYING(40)", text(Some(40), false)),
            (Postgres, "character(2)", text(Some(2), true)),
            (Postgres, "bit", Boolean),
            (Postgres, "bit(8)", Binary),
            (
                Postgres,
                "timestamp(3) with time zone",
                timestamp(true, Some(3)),
            ),
            (Postgres, "timestamp", timestamp(false, Some(6))),
            (
                Postgres,
                "time with time zone",
                Time {
                    with_time_zone: true,
                },
            ),
            (Postgres, "interval year to month", Interval),
            (Postgres, "_int8", Array(Box::new(int(64, true)))),
            (
                Postgres,
                "integer[][]",
                Array(Box::new(Array(Box::new(int(32, true))))),
            ),
            (Postgres, "text ARRAY", Array(Box::new(text(None, false)))),
            (Postgres, "order_status", Unknown("order_status".into())),
            (Mysql, "tinyint(1)", int(8, true)),
            (Mysql, "tinyint(1) unsigned", int(8, false)),
            (Mysql, "BOOLEAN", Boolean),
            (Mysql, "int(10) zerofill", int(32, false)),
            (Mysql, "serial", int(64, false)),
            (Mysql, "year", int(16, true)),
            (Mysql, "float(25)", Double),
            (Mysql, "float(7,2)", Float),
            (Mysql, "real", Double),
            (Mysql, "decimal", decimal(Some(10), Some(0))),
            (Mysql, "fixed(8,3)", decimal(Some(8), Some(3))),
            (Mysql, "datetime", timestamp(false, Some(0))),
            (Mysql, "datetime(6)", timestamp(false, Some(6))),
            (Mysql, "timestamp", timestamp(true, None)),
            (
                Mysql,
                "enum('Paid','it''s')",
                Enum(vec!["Paid".into(), "it's".into()]),
            ),
            (
                Mysql,
                "varchar(191) CHARACTER SET utf8mb4",
                text(Some(191), false),
            ),
            (Sqlite, "", Unknown(String::new())),
            (Sqlite, "tinyint(1)", int(64, true)),
            (Sqlite, "UNSIGNED BIG INT", int(64, true)),
            (Sqlite, "FLOATING POINT", int(64, true)),
            (Sqlite, "float", Double),
            (Sqlite, "VARYING CHARACTER(255)", text(Some(255), false)),
            (Sqlite, "NUMERIC", decimal(None, None)),
            (Sqlite, "DATETIME", timestamp(false, None)),
            (Sqlite, "varbinary(16)", Binary),
            (Sqlite, "STRING", Unknown("STRING".into())),
            (Mssql, "tinyint", int(8, false)),
            (Mssql, "DATETIME2(7)", timestamp(false, Some(7))),
            (Mssql, "datetime2", timestamp(false, Some(7))),
            (Mssql, "datetime", timestamp(false, Some(3))),
            (Mssql, "timestamp", Binary),
            (Mssql, "numeric", decimal(Some(18), Some(0))),
            (Mssql, "nvarchar(max)", text(None, false)),
            (Mssql, "character varying(10)", text(Some(10), false)),
            (Mssql, "float(53)", Double),
        ];
        for (dialect, sql, class) in cases {
            assert_eq!(classify(dialect, sql), class, "{dialect} `{sql}`");
        }
    }

    #[test]
    fn odd_input_is_unknown_not_a_panic() {
        for dialect in [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Sqlite,
            Dialect::Mssql,
        ] {
            for odd in [
                "",
                "(",
                ")(",
                "varchar(10",
                "int)",
                "[]",
                "_",
                "é(ü)[",
                "numeric(abc, -2)",
            ] {
                let _ = classify(dialect, odd);
            }
            // SQLite reads an affinity from any text, even this.
            if dialect != Dialect::Sqlite {
                assert_eq!(
                    classify(dialect, "varchar(10"),
                    Unknown("varchar(10".into())
                );
            }
        }
    }

    #[test]
    fn every_listed_spelling_is_known() {
        for dialect in [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Sqlite,
            Dialect::Mssql,
        ] {
            for name in spellings(dialect) {
                assert!(
                    !matches!(classify(dialect, name), Unknown(_)),
                    "{dialect} `{name}`"
                );
            }
        }
    }
}
