//! How far table access reaches past the data layer: the evidence that
//! reading the code through calls worked. A proposal built from a data
//! layer alone collapses into it; one built from the modules that use it
//! can follow the domains.
//!
//! A module belongs to the data layer when it runs queries itself and some
//! other module that uses it reaches one of those tables through calls.
//! Everything else is outside: domain modules, handlers, jobs, and modules
//! that run their own queries without anybody calling them for it.

use super::tables::Tables;
use crate::model::{AccessVia, Codebase, Schema};
use std::collections::BTreeSet;

/// What [`reach`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLayerReach {
    /// Modules in the data layer.
    pub data_layer_modules: usize,
    /// Tables of the schema some module outside the data layer reads or
    /// writes, itself or through calls.
    pub reached_from_outside: usize,
    pub tables: usize,
}

pub fn reach(schema: &Schema, code: &Codebase) -> DataLayerReach {
    let tables = Tables::new(schema);
    let index = code.module_index();
    let known = |table: &str| tables.find(table);
    let direct: Vec<BTreeSet<usize>> = code
        .modules
        .iter()
        .map(|m| {
            m.accesses
                .iter()
                .filter(|a| a.via == AccessVia::Direct)
                .filter_map(|a| known(&a.table))
                .collect()
        })
        .collect();
    let mut in_layer = vec![false; code.modules.len()];
    for caller in &code.modules {
        let through_calls: BTreeSet<usize> = caller
            .accesses
            .iter()
            .filter(|a| a.via == AccessVia::Transitive)
            .filter_map(|a| known(&a.table))
            .collect();
        if through_calls.is_empty() {
            continue;
        }
        for dependency in &caller.depends_on {
            if let Some(&d) = index.get(dependency.as_str()) {
                if !direct[d].is_disjoint(&through_calls) {
                    in_layer[d] = true;
                }
            }
        }
    }
    let reached: BTreeSet<usize> = code
        .modules
        .iter()
        .zip(&in_layer)
        .filter(|(_, &inside)| !inside)
        .flat_map(|(m, _)| m.accesses.iter().filter_map(|a| known(&a.table)))
        .collect();
    DataLayerReach {
        data_layer_modules: in_layer.iter().filter(|&&x| x).count(),
        reached_from_outside: reached.len(),
        tables: tables.len(),
    }
}
