//! SQLite, which has type affinities rather than types: the rules of its
//! "Determination Of Column Affinity" decide, in their order, except that
//! names whose meaning is plain (`BOOLEAN`, `DATE`, `DECIMAL(10,2)`,
//! `UUID`, `JSON`, `VARBINARY`) keep it, as the application that declared
//! them intends.

use super::class::{Integer, SqlTypeClass};
use super::declared::Declared;
use super::rule::{
    lookup,
    Rule::{self, *},
};

pub(super) const TABLE: &[(&str, Rule)] = &[
    ("datetime", Timestamp(None)),
    ("timestamp", Timestamp(None)),
    ("time", Time),
];

pub(super) fn classify(d: &Declared) -> SqlTypeClass {
    let name = d.base.as_str();
    // Rule 1: any name containing INT has integer affinity, and SQLite
    // integers are 64-bit whatever the declared width (`FLOATING POINT`
    // included, as SQLite's documentation points out).
    if name.contains("int") {
        return SqlTypeClass::Integer(Integer::signed(64));
    }
    if let Some(class) = lookup(TABLE, d).or_else(|| lookup(super::common::TABLE, d)) {
        return match class {
            SqlTypeClass::Integer(_) => SqlTypeClass::Integer(Integer::signed(64)),
            // REAL is an 8-byte float whatever it is called.
            SqlTypeClass::Float => SqlTypeClass::Double,
            other => other,
        };
    }
    if name.contains("char") || name.contains("clob") || name.contains("text") {
        Varchar.apply(d)
    } else if name.contains("blob") {
        SqlTypeClass::Binary
    } else if name.contains("real") || name.contains("floa") || name.contains("doub") {
        SqlTypeClass::Double
    } else {
        // No declared type (any value), or numeric affinity under a name
        // nothing recognises: unknown, carried as text.
        SqlTypeClass::Unknown(d.original.clone())
    }
}
