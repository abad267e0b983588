//! MySQL's and MariaDB's spellings.

use super::class::Integer;
use super::rule::Rule::{self, *};

pub(super) const TABLE: &[(&str, Rule)] = &[
    // `TINYINT(1)` is an integer: the display width limits nothing, the
    // column holds -128..=127, and Debezium sends it as an INT16. Only
    // columns declared `BOOL`/`BOOLEAN` are booleans; MySQL itself prints
    // those as `tinyint(1)` in dumps and `information_schema`, so schemas
    // read from there carry them as small integers.
    ("tinyint", Int(Integer::signed(8))),
    ("smallint", Int(Integer::signed(16))),
    ("mediumint", Int(Integer::signed(24))),
    ("int", Int(Integer::signed(32))),
    ("integer", Int(Integer::signed(32))),
    ("bigint", Int(Integer::signed(64))),
    // `SERIAL` is `BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE`.
    ("serial", Int(Integer::unsigned(64))),
    ("bit", Bit),
    (
        "float",
        FloatPrecision {
            double_by_default: false,
        },
    ),
    // `REAL` is `DOUBLE` unless the server runs with `REAL_AS_FLOAT`.
    ("real", Double),
    ("double", Double),
    ("double precision", Double),
    // Precision 10, scale 0 when not written.
    ("decimal", Decimal(Some((10, 0)))),
    ("numeric", Decimal(Some((10, 0)))),
    ("dec", Decimal(Some((10, 0)))),
    ("fixed", Decimal(Some((10, 0)))),
    ("national char", Char),
    ("national character", Char),
    ("national varchar", Varchar),
    ("national character varying", Varchar),
    ("nchar varchar", Varchar),
    // A set of values is stored and sent as their comma-joined text.
    ("set", Text),
    ("enum", Enum),
    ("time", Time),
    // 1901..=2155 (or 0).
    ("year", Int(Integer::signed(16))),
    // Fractional seconds: none unless written.
    ("datetime", Timestamp(Some(0))),
    // `TIMESTAMP` is stored in UTC: an instant.
    ("timestamp", TimestampTz),
    ("inet4", Text),
    ("inet6", Text),
];
