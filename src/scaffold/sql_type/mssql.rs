//! SQL Server's spellings.

use super::class::Integer;
use super::rule::Rule::{self, *};

pub(super) const TABLE: &[(&str, Rule)] = &[
    ("bit", Bool),
    // SQL Server's tinyint is unsigned: 0..=255.
    ("tinyint", Int(Integer::unsigned(8))),
    ("real", Single),
    (
        "float",
        FloatPrecision {
            double_by_default: true,
        },
    ),
    // Precision 18, scale 0 when not written.
    ("decimal", Decimal(Some((18, 0)))),
    ("numeric", Decimal(Some((18, 0)))),
    ("dec", Decimal(Some((18, 0)))),
    ("money", FixedDecimal(19, 4)),
    ("smallmoney", FixedDecimal(10, 4)),
    ("xml", Text),
    ("sysname", Text),
    ("uniqueidentifier", Uuid),
    // `timestamp` is SQL Server's old name for `rowversion`, not a time.
    ("rowversion", Binary),
    ("timestamp", Binary),
    ("time", Time),
    // Fractional-second digits when not written: datetime rounds to
    // 1/300 s, smalldatetime to the minute, datetime2 defaults to 7.
    ("datetime", Timestamp(Some(3))),
    ("smalldatetime", Timestamp(Some(0))),
    ("datetime2", Timestamp(Some(7))),
    ("datetimeoffset", TimestampTz),
];
