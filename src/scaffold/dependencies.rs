//! Which service depends on which under a plan's ownership: a service
//! depends on another when its tables reference the other's (foreign keys)
//! or its modules read or write the other's tables (code accesses).

use crate::model::{Codebase, Schema};
use crate::plan::model::Plan;
use std::collections::{BTreeMap, BTreeSet};

/// `(service, depends_on)` pairs, sorted and without repeats.
pub fn service_dependencies(
    plan: &Plan,
    schema: &Schema,
    code: &Codebase,
) -> Vec<(String, String)> {
    let owner: BTreeMap<&str, &str> = plan
        .services
        .iter()
        .flat_map(|s| {
            s.tables
                .iter()
                .map(move |t| (t.get_ref().as_str(), s.name.get_ref().as_str()))
        })
        .collect();
    let mut pairs = BTreeSet::new();
    for table in &schema.tables {
        let Some(from) = owner.get(table.name.as_str()) else {
            continue;
        };
        for fk in &table.foreign_keys {
            if let Some(to) = owner.get(fk.references.table.as_str()) {
                if from != to {
                    pairs.insert((from.to_string(), to.to_string()));
                }
            }
        }
    }
    for module in &code.modules {
        let Some(from) = plan.service_of_module(&module.name) else {
            continue;
        };
        for access in &module.accesses {
            if let Some(to) = owner.get(access.table.as_str()) {
                if from != *to {
                    pairs.insert((from.to_string(), to.to_string()));
                }
            }
        }
    }
    pairs.into_iter().collect()
}
