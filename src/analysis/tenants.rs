//! Tenant and owner tables: the workspace, organization or account that
//! nearly every table of a multi-tenant schema points at.
//!
//! A key to such a table says only "this row belongs to a tenant", never
//! which domain the row belongs to; counted as evidence, those keys (and
//! the sibling links between everything that holds one) glue the schema
//! into one service. So the graph leaves out the keys to a tenant table and
//! the code's links through it, and the proposal lists it as shared.

use super::tables::Tables;
use crate::model::ForeignKey;

/// A table is a tenant when at least this share of the other tables
/// reference it...
const REFERENCED_SHARE: f64 = 0.5;
/// ...or this share, through a column named like a tenant key...
const CONVENTION_SHARE: f64 = 0.3;
/// ...and never with fewer referencing tables than this: in a small schema
/// the most referenced table is usually a real aggregate root.
const MIN_REFERENCING: usize = 6;

/// Column names that say "the tenant (or owner) of this row".
const TENANT_COLUMNS: &[&str] = &[
    "tenant_id",
    "workspace_id",
    "organization_id",
    "organisation_id",
    "org_id",
    "account_id",
    "company_id",
];

/// Whether a key column names a tenant by convention.
fn is_tenant_column(column: &str) -> bool {
    TENANT_COLUMNS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(column))
}

/// Flags the tenant units from the declared keys and the inferred ones.
pub(crate) fn detect(tables: &Tables, inferred: &[(String, ForeignKey)]) -> Vec<bool> {
    let units = tables.units.len();
    let mut tenants = vec![false; units];
    if units <= MIN_REFERENCING {
        return tenants;
    }
    // Distinct referencing units per target, all keys and by convention.
    let mut referencing: Vec<Vec<usize>> = vec![Vec::new(); units];
    let mut by_convention: Vec<Vec<usize>> = vec![Vec::new(); units];
    let declared = tables
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t.name.as_str(), fk)));
    let found = inferred.iter().map(|(t, fk)| (t.as_str(), fk));
    for (from, fk) in declared.chain(found) {
        let (Some(a), Some(b)) = (tables.find(from), tables.find(&fk.references.table)) else {
            continue;
        };
        let (ua, ub) = (tables.unit_of[a], tables.unit_of[b]);
        if ua == ub {
            continue;
        }
        referencing[ub].push(ua);
        if fk.columns.len() == 1 && is_tenant_column(&fk.columns[0]) {
            by_convention[ub].push(ua);
        }
    }
    let others = (units - 1) as f64;
    for u in 0..units {
        let count = |list: &mut Vec<usize>| {
            list.sort_unstable();
            list.dedup();
            list.len()
        };
        let all = count(&mut referencing[u]);
        let conventional = count(&mut by_convention[u]);
        tenants[u] = (all >= MIN_REFERENCING && all as f64 >= REFERENCED_SHARE * others)
            || (conventional >= MIN_REFERENCING
                && conventional as f64 >= CONVENTION_SHARE * others);
    }
    tenants
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_columns_are_recognised_in_any_case() {
        assert!(is_tenant_column("tenant_id"));
        assert!(is_tenant_column("Workspace_ID"));
        assert!(!is_tenant_column("customer_id"));
    }
}
