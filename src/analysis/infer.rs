//! Foreign keys the schema does not declare but its column names imply:
//! `customer_id` → `customers.id`, `customerid` → `customer.customerid`,
//! `billtoaddressid` → `address.addressid`, `parent_id` → its own table.
//! Monoliths often skip constraints, and without these links whole parts of
//! the schema would look unrelated.

use super::words::{bare, compact, key, schema_of, singular, words};
use crate::model::{Column, ForeignKey, Schema, Table, TableRef};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Words that make a column point at its own table when used alone or
/// followed by the table's name (`parent_id`, `parent_category_id`).
const SELF_WORDS: &[&str] = &[
    "parent",
    "previous",
    "prev",
    "next",
    "original",
    "root",
    "predecessor",
    "successor",
    "replacedby",
    "supersededby",
];

/// Words that point at another row of a table of people (`manager_id` in
/// `employees`).
const PEOPLE_SELF_WORDS: &[&str] = &[
    "manager",
    "supervisor",
    "reportsto",
    "boss",
    "mentor",
    "leader",
    "referrer",
    "referredby",
];

/// Tables whose rows are people, for [`PEOPLE_SELF_WORDS`].
const PEOPLE_TABLES: &[&str] = &[
    "employee", "user", "person", "staff", "member", "worker", "account",
];

/// Audit columns (`created_by`) point at the users table when there is one.
const AUDIT_VERBS: &[&str] = &[
    "created",
    "updated",
    "modified",
    "deleted",
    "approved",
    "changed",
    "reviewed",
    "assigned",
    "requested",
    "submitted",
    "owned",
];

/// Primary-key names too generic to identify a table on their own.
const GENERIC_KEYS: &[&str] = &["id", "code", "name", "key", "uuid", "guid", "rowguid"];

/// A table as the inference sees it.
struct Target<'a> {
    table: &'a Table,
    schema: Option<&'a str>,
    key: String,
    /// Its single-column primary key, if it has one.
    pk: Option<&'a Column>,
}

/// How a candidate was found; lower is more certain.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Rank {
    /// The column's stem names the table (`customer_id` → `customers`).
    Name,
    /// The column is named like the table's primary key (`territoryid`).
    PrimaryKey,
    /// The stem ends with the table's name (`billtoaddressid` → `address`).
    Suffix,
}

/// The foreign keys implied by column names, as (referencing table, key),
/// sorted by table then column. Columns already in a declared foreign key
/// are left alone, so a declared key is never duplicated; a column that
/// could point at several tables equally well is skipped rather than
/// guessed.
pub fn inferred_foreign_keys(schema: &Schema) -> Vec<(String, ForeignKey)> {
    let mut tables: Vec<&Table> = schema.tables.iter().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let targets: Vec<Target> = tables
        .iter()
        .map(|t| Target {
            table: t,
            schema: schema_of(&t.name),
            key: key(bare(&t.name)),
            pk: single_pk(t),
        })
        .collect();
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_pk: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        by_key.entry(t.key.as_str()).or_default().push(i);
        if let Some(pk) = t.pk {
            let name = compact(&pk.name);
            if !GENERIC_KEYS.contains(&name.as_str()) {
                by_pk.entry(name).or_default().push(i);
            }
        }
    }
    let users: Vec<usize> = ["user", "account"]
        .iter()
        .flat_map(|k| by_key.get(k).cloned().unwrap_or_default())
        .collect();

    // Each table's columns are matched on their own: tables in parallel,
    // gathered back in name order.
    let per_table: Vec<Vec<(String, ForeignKey)>> = targets
        .par_iter()
        .enumerate()
        .map(|(ti, table)| {
            let declared: BTreeSet<String> = table
                .table
                .foreign_keys
                .iter()
                .flat_map(|fk| fk.columns.iter().map(|c| c.to_lowercase()))
                .collect();
            let mut found = Vec::new();
            for column in &table.table.columns {
                if declared.contains(&column.name.to_lowercase()) {
                    continue;
                }
                let Some(target) = infer_column(ti, column, &targets, &by_key, &by_pk, &users)
                else {
                    continue;
                };
                let to = &targets[target];
                let Some(pk) = to.pk.or_else(|| id_column(to.table)) else {
                    continue;
                };
                found.push((
                    table.table.name.clone(),
                    ForeignKey {
                        name: None,
                        columns: vec![column.name.clone()],
                        references: TableRef {
                            table: to.table.name.clone(),
                            columns: vec![pk.name.clone()],
                        },
                        inferred: true,
                    },
                ));
            }
            found
        })
        .collect();
    per_table.into_iter().flatten().collect()
}

fn single_pk(table: &Table) -> Option<&Column> {
    match table.primary_key.as_slice() {
        [only] => table
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(only)),
        _ => None,
    }
}

/// A column named `id` when the table declares no primary key.
fn id_column(table: &Table) -> Option<&Column> {
    if !table.primary_key.is_empty() {
        return None;
    }
    table
        .columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case("id"))
}

/// The table a column points at, if its name says so clearly.
fn infer_column(
    own: usize,
    column: &Column,
    targets: &[Target],
    by_key: &BTreeMap<&str, Vec<usize>>,
    by_pk: &BTreeMap<String, Vec<usize>>,
    users: &[usize],
) -> Option<usize> {
    let name = compact(&column.name);
    let table = &targets[own];
    if GENERIC_KEYS.contains(&name.as_str()) {
        return None;
    }
    // Audit columns: `created_by` → the one users table.
    if let Some(verb) = name.strip_suffix("by") {
        if AUDIT_VERBS.contains(&verb) {
            return match users {
                [only] if *only != own && compatible(column, targets[*only].pk) => Some(*only),
                _ => None,
            };
        }
    }
    let stem = id_stem(&column.name);
    if let Some(stem) = stem.as_deref() {
        if let Some(target) = self_reference(own, stem, table) {
            return compatible(column, table.pk).then_some(target);
        }
        // The table's own identifier (`emailaddressid` in `emailaddress`).
        if key(stem) == table.key {
            return None;
        }
    }
    let mut candidates: Vec<(Rank, usize)> = Vec::new();
    if let Some(stem) = stem.as_deref() {
        let wanted = key(stem);
        for &i in by_key.get(wanted.as_str()).into_iter().flatten() {
            candidates.push((Rank::Name, i));
        }
        // Longest table name the stem ends with (`billtoaddress` → `address`).
        let mut best_len = 0;
        let mut suffix = Vec::new();
        for (k, list) in by_key.range::<str, _>(..) {
            if k.len() >= 4 && k.len() < wanted.len() && wanted.ends_with(k) {
                match k.len().cmp(&best_len) {
                    std::cmp::Ordering::Greater => {
                        best_len = k.len();
                        suffix = list.clone();
                    }
                    std::cmp::Ordering::Equal => suffix.extend(list),
                    std::cmp::Ordering::Less => {}
                }
            }
        }
        candidates.extend(suffix.into_iter().map(|i| (Rank::Suffix, i)));
    }
    for &i in by_pk.get(&name).into_iter().flatten() {
        candidates.push((Rank::PrimaryKey, i));
    }
    if candidates.iter().all(|(r, _)| *r == Rank::Suffix) {
        // Suffixes of primary-key names (`shiptoaddressid` → `addressid`).
        let mut best_len = 0;
        let mut suffix = Vec::new();
        for (pk, list) in by_pk {
            if pk.len() >= 6 && pk.len() < name.len() && name.ends_with(pk.as_str()) {
                match pk.len().cmp(&best_len) {
                    std::cmp::Ordering::Greater => {
                        best_len = pk.len();
                        suffix = list.clone();
                    }
                    std::cmp::Ordering::Equal => suffix.extend(list),
                    std::cmp::Ordering::Less => {}
                }
            }
        }
        candidates.extend(suffix.into_iter().map(|i| (Rank::Suffix, i)));
    }
    // A table's own key column only points elsewhere when its name says so
    // (`employee.person_id`); two tables keyed by the same column name say
    // nothing about which extends which.
    let own_key_column = table
        .pk
        .is_some_and(|pk| pk.name.eq_ignore_ascii_case(&column.name));
    candidates.retain(|&(rank, i)| {
        i != own && compatible(column, targets[i].pk) && (!own_key_column || rank == Rank::Name)
    });
    candidates.sort();
    candidates.dedup_by_key(|c| c.1);
    let best_rank = candidates.iter().map(|c| c.0).min()?;
    let mut best: Vec<usize> = candidates
        .iter()
        .filter(|c| c.0 == best_rank)
        .map(|c| c.1)
        .collect();
    best.sort();
    best.dedup();
    if best.len() > 1 {
        // Prefer the referencing table's own schema.
        let same: Vec<usize> = best
            .iter()
            .copied()
            .filter(|&i| targets[i].schema == table.schema)
            .collect();
        if !same.is_empty() {
            best = same;
        }
    }
    match best.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

/// The part of a column name before its `id` suffix: `customer_id` →
/// `customer`, `CustomerID` → `customer`, `billtoaddressid` → `billtoaddress`.
fn id_stem(column: &str) -> Option<String> {
    let w = words(column);
    match w.as_slice() {
        [.., last] if last == "id" && w.len() > 1 => Some(w[..w.len() - 1].concat()),
        [only] if only.len() > 4 && only.ends_with("id") => {
            Some(only[..only.len() - 2].to_string())
        }
        [.., last] if last.len() > 4 && last.ends_with("id") => {
            let mut s = w[..w.len() - 1].concat();
            s.push_str(&last[..last.len() - 2]);
            Some(s)
        }
        _ => None,
    }
}

/// `own` when the stem is a clear self-reference for this table.
fn self_reference(own: usize, stem: &str, table: &Target) -> Option<usize> {
    let own_key = table.key.as_str();
    for word in SELF_WORDS {
        if let Some(rest) = stem.strip_prefix(word) {
            if rest.is_empty() || key(rest) == own_key || singular(rest) == own_key {
                return Some(own);
            }
        }
    }
    let people = PEOPLE_TABLES
        .iter()
        .any(|p| own_key == *p || own_key.ends_with(p));
    if people && PEOPLE_SELF_WORDS.contains(&stem) {
        return Some(own);
    }
    None
}

/// Whether a column can hold the target's key: both numbers, both text, or
/// either unknown.
fn compatible(column: &Column, target: Option<&Column>) -> bool {
    let Some(target) = target else {
        return true;
    };
    match (family(&column.data_type), family(&target.data_type)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

#[derive(PartialEq, Eq)]
enum Family {
    Number,
    Text,
    Uuid,
}

fn family(data_type: &str) -> Option<Family> {
    let t = data_type.to_ascii_lowercase();
    let t = t.trim_start_matches('"');
    if t.contains("uuid") || t.contains("uniqueidentifier") {
        Some(Family::Uuid)
    } else if t.contains("int")
        || t.contains("serial")
        || t.starts_with("number")
        || t.starts_with("numeric")
        || t.starts_with("decimal")
    {
        Some(Family::Number)
    } else if t.contains("char") || t.contains("text") || t.contains("string") {
        Some(Family::Text)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(id_stem("customer_id").as_deref(), Some("customer"));
        assert_eq!(id_stem("CustomerID").as_deref(), Some("customer"));
        assert_eq!(id_stem("billtoaddressid").as_deref(), Some("billtoaddress"));
        assert_eq!(id_stem("id"), None);
        assert_eq!(id_stem("paid"), None);
    }
}
