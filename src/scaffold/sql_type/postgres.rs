//! PostgreSQL's spellings, including the ones `format_type` prints
//! (`character varying(40)`, `timestamp(3) with time zone`, `integer[]`).

use super::class::{Integer, SqlTypeClass};
use super::declared::Declared;
use super::rule::{
    lookup,
    Rule::{self, *},
};

pub(super) const TABLE: &[(&str, Rule)] = &[
    // An object identifier is an unsigned 32-bit number.
    ("oid", Int(Integer::unsigned(32))),
    (
        "float",
        FloatPrecision {
            double_by_default: true,
        },
    ),
    // Debezium reads money with `money.fraction.digits` (2) as its scale.
    ("money", FixedDecimal(19, 2)),
    ("name", Text),
    ("xml", Text),
    ("inet", Text),
    ("cidr", Text),
    ("macaddr", Text),
    ("macaddr8", Text),
    ("tsvector", Text),
    ("ltree", Text),
    ("time", Time),
    ("time without time zone", Time),
    ("timetz", TimeTz),
    ("time with time zone", TimeTz),
    ("timestamp", Timestamp(Some(6))),
    ("timestamp without time zone", Timestamp(Some(6))),
    ("timestamptz", TimestampTz),
    ("timestamp with time zone", TimestampTz),
    ("interval", Interval),
    // A bare `bit` is `bit(1)`.
    ("bit", Bit),
    ("bit varying", Binary),
    ("varbit", Binary),
];

/// PostgreSQL-only shapes a table cannot hold: `interval` with its field
/// qualifiers (`interval day to second(3)`) and the internal array names
/// (`_int4` is `int4[]`).
pub(super) fn classify(d: &Declared) -> Option<SqlTypeClass> {
    if d.base.starts_with("interval ") {
        return Some(SqlTypeClass::Interval);
    }
    if let Some(element) = d.base.strip_prefix('_').filter(|_| d.args.is_empty()) {
        let element = Declared {
            base: element.to_string(),
            ..d.clone()
        };
        let class = lookup(TABLE, &element).or_else(|| lookup(super::common::TABLE, &element))?;
        return Some(SqlTypeClass::Array(Box::new(class)));
    }
    None
}
