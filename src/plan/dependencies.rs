//! Which planned service depends on which, under the plan's ownership: the
//! same evidence the analysis orders by (declared foreign keys between their
//! tables, and the queries their modules run on each other's tables), so a
//! plan written from a proposal validates against the order it came with.

use super::model::Plan;
use crate::analysis::order::Evidence;
use crate::model::{AccessMode, AccessVia, Codebase, Schema};
use std::collections::{BTreeMap, BTreeSet};

/// `(service, depends_on)` → the evidence for it.
pub fn plan_dependencies(
    plan: &Plan,
    schema: &Schema,
    code: &Codebase,
) -> BTreeMap<(String, String), Evidence> {
    let owner = plan.table_owners();
    let module_service = plan.module_owners();
    let mut evidence: BTreeMap<(String, String), Evidence> = BTreeMap::new();
    for table in &schema.tables {
        let Some(&from) = owner.get(table.name.as_str()) else {
            continue;
        };
        for fk in &table.foreign_keys {
            if let Some(&to) = owner.get(fk.references.table.as_str()) {
                if from != to {
                    evidence
                        .entry((from.to_string(), to.to_string()))
                        .or_default()
                        .foreign_keys += 1;
                }
            }
        }
    }
    for module in &code.modules {
        let Some(&from) = module_service.get(module.name.as_str()) else {
            continue;
        };
        let mut seen: BTreeSet<(&str, AccessMode)> = BTreeSet::new();
        for access in module
            .accesses
            .iter()
            .filter(|a| a.via == AccessVia::Direct)
        {
            let Some(&to) = owner.get(access.table.as_str()) else {
                continue;
            };
            if from != to && seen.insert((access.table.as_str(), access.mode)) {
                let entry = evidence
                    .entry((from.to_string(), to.to_string()))
                    .or_default();
                match access.mode {
                    AccessMode::Read => entry.reads += 1,
                    AccessMode::Write => entry.writes += 1,
                }
            }
        }
    }
    evidence
}

/// The pairs alone, as validation takes them.
pub fn dependency_pairs(evidence: &BTreeMap<(String, String), Evidence>) -> Vec<(String, String)> {
    evidence.keys().cloned().collect()
}
