//! What a type name says before its arguments are read, and how the
//! arguments complete it. Dialect tables pair each spelling with a rule;
//! the rule turns a declaration into its class.

use super::class::{Integer, SqlTypeClass};
use super::declared::Declared;

/// The meaning a type name carries in a dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rule {
    /// An integer of this width; `UNSIGNED` drops the sign.
    Int(Integer),
    Bool,
    Single,
    Double,
    /// `float(p)`: p binary digits, up to 24 single precision (the rule in
    /// PostgreSQL, MySQL and SQL Server alike); `double_by_default` when a
    /// bare `float` is double precision.
    FloatPrecision {
        double_by_default: bool,
    },
    /// `decimal(p,s)`, with the dialect's (precision, scale) when no
    /// precision is written.
    Decimal(Option<(u32, u32)>),
    /// A decimal whose precision and scale the type fixes (`money`).
    FixedDecimal(u32, u32),
    /// Blank-padded characters with an optional length.
    Char,
    /// Variable-length characters with an optional length.
    Varchar,
    /// Unbounded text, whatever the arguments.
    Text,
    /// `bit(n)`: one bit is a boolean, more are bytes.
    Bit,
    Binary,
    Uuid,
    Json,
    Date,
    Time,
    TimeTz,
    /// A date and time without a zone, with the dialect's fractional-second
    /// digits when none are written.
    Timestamp(Option<u32>),
    TimestampTz,
    Interval,
    Enum,
}

impl Rule {
    pub(super) fn apply(self, d: &Declared) -> SqlTypeClass {
        match self {
            Rule::Int(int) => SqlTypeClass::Integer(Integer {
                bits: int.bits,
                signed: int.signed && !d.unsigned,
            }),
            Rule::Bool => SqlTypeClass::Boolean,
            Rule::Single => SqlTypeClass::Float,
            Rule::Double => SqlTypeClass::Double,
            Rule::FloatPrecision { double_by_default } => {
                // Only the one-argument form is a precision: MySQL's
                // deprecated `FLOAT(M,D)` stays single precision.
                let double = match d.args.as_slice() {
                    [_] => d.number_arg(0).is_none_or(|p| p > 24),
                    _ => double_by_default,
                };
                if double {
                    SqlTypeClass::Double
                } else {
                    SqlTypeClass::Float
                }
            }
            // A scale carve cannot read (PostgreSQL 15's negative scales)
            // constrains nothing it could repeat: any scale then.
            Rule::Decimal(_) if d.args.len() > 1 && d.number_arg(1).is_none() => {
                SqlTypeClass::Decimal {
                    precision: None,
                    scale: None,
                }
            }
            Rule::Decimal(default) => match (d.number_arg(0).filter(|p| *p > 0), default) {
                (Some(precision), _) => SqlTypeClass::Decimal {
                    precision: Some(precision),
                    scale: d.number_arg(1),
                },
                (None, Some((precision, scale))) => SqlTypeClass::Decimal {
                    precision: Some(precision),
                    scale: Some(scale),
                },
                (None, None) => SqlTypeClass::Decimal {
                    precision: None,
                    scale: None,
                },
            },
            Rule::FixedDecimal(precision, scale) => SqlTypeClass::Decimal {
                precision: Some(precision),
                scale: Some(scale),
            },
            Rule::Char => SqlTypeClass::Text {
                length: length(d),
                fixed: true,
            },
            Rule::Varchar => SqlTypeClass::Text {
                length: length(d),
                fixed: false,
            },
            Rule::Text => SqlTypeClass::Text {
                length: None,
                fixed: false,
            },
            Rule::Bit if d.args.is_empty() || length(d) == Some(1) => SqlTypeClass::Boolean,
            Rule::Bit | Rule::Binary => SqlTypeClass::Binary,
            Rule::Uuid => SqlTypeClass::Uuid,
            Rule::Json => SqlTypeClass::Json,
            Rule::Date => SqlTypeClass::Date,
            Rule::Time => SqlTypeClass::Time {
                with_time_zone: false,
            },
            Rule::TimeTz => SqlTypeClass::Time {
                with_time_zone: true,
            },
            Rule::Timestamp(default_precision) => SqlTypeClass::Timestamp {
                with_time_zone: false,
                precision: d.number_arg(0).or(default_precision),
            },
            Rule::TimestampTz => SqlTypeClass::Timestamp {
                with_time_zone: true,
                precision: d.number_arg(0),
            },
            Rule::Interval => SqlTypeClass::Interval,
            Rule::Enum => SqlTypeClass::Enum(d.args.iter().map(|a| unquote(a)).collect()),
        }
    }
}

/// A length argument when it is a positive number (`varchar(255)`), not
/// `max` or `0`.
fn length(d: &Declared) -> Option<u32> {
    d.number_arg(0).filter(|n| *n > 0)
}

/// `'it''s'` → `it's`; unquoted text is kept as it is.
fn unquote(arg: &str) -> String {
    arg.strip_prefix('\'')
        .and_then(|a| a.strip_suffix('\''))
        .map_or_else(|| arg.to_string(), |inner| inner.replace("''", "'"))
}

/// Looks a declaration's base name up in a dialect's table.
pub(super) fn lookup(table: &[(&str, Rule)], d: &Declared) -> Option<SqlTypeClass> {
    table
        .iter()
        .find(|(name, _)| *name == d.base)
        .map(|(_, rule)| rule.apply(d))
}
