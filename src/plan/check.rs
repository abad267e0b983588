//! `carve check`'s rules: the code, as analyzed now, against the plan.
//!
//! A module may read and write its own service's tables, and read tables the
//! plan shares; any other query it runs itself crosses a planned boundary.
//! Calling the owner's code is the seam the extraction turns into an API
//! call or an event, so an access through a call is judged where the query is.

use super::model::Plan;
use crate::model::{AccessMode, AccessVia, Codebase, Schema, SourceLocation};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// A module reads or writes a table another service owns, unshared.
    ForeignTableAccess,
    /// A table of the schema that no service owns.
    UnplannedTable,
    /// A module of the code that belongs to no service.
    UnassignedModule,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// For a table access: whether the module reads or writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<AccessMode>,
    /// Where it happens: the query or call sites (file:line).
    pub evidence: Vec<SourceLocation>,
}

/// What a module listed in `monolith.modules` belongs to.
const MONOLITH: &str = "\0monolith";

/// Every boundary the code crosses, sorted.
pub fn check(plan: &Plan, schema: &Schema, code: &Codebase) -> Vec<Violation> {
    let mut owner = plan.table_owners();
    // Tables the plan keeps in the monolith belong to it like its modules:
    // a service's query on one is a crossing.
    for table in &plan.monolith.tables {
        owner.entry(table.get_ref().as_str()).or_insert(MONOLITH);
    }
    let mut module_service = plan.module_owners();
    for module in &plan.monolith.modules {
        module_service
            .entry(module.get_ref().as_str())
            .or_insert(MONOLITH);
    }
    let shared: BTreeSet<&str> = plan
        .shared
        .iter()
        .map(|s| s.table.get_ref().as_str())
        .collect();
    let mut violations = Vec::new();

    for table in &schema.tables {
        if !owner.contains_key(table.name.as_str()) && plan.unplaced_reason(&table.name).is_none() {
            violations.push(Violation {
                kind: ViolationKind::UnplannedTable,
                message: format!(
                    "table `{}` is not in the plan; add it to a service",
                    table.name
                ),
                module: None,
                table: Some(table.name.clone()),
                mode: None,
                evidence: table.source.iter().cloned().collect(),
            });
        }
    }
    for module in &code.modules {
        let Some(service) = module_service.get(module.name.as_str()) else {
            // Modules that run no query themselves (routers, job schedulers
            // that call into services) may stay in the monolith's shell.
            if module.accesses.iter().any(|a| a.via == AccessVia::Direct) {
                violations.push(Violation {
                    kind: ViolationKind::UnassignedModule,
                    message: format!(
                        "module `{}` queries tables but belongs to no service; add it to one",
                        module.name
                    ),
                    module: Some(module.name.clone()),
                    table: None,
                    mode: None,
                    evidence: vec![SourceLocation {
                        file: module.file.clone(),
                        line: 1,
                    }],
                });
            }
            continue;
        };
        // Only the queries a module runs itself: an access through a call
        // lands on the module that runs the query, and is checked there.
        for access in module
            .accesses
            .iter()
            .filter(|a| a.via == AccessVia::Direct)
        {
            let Some(table_owner) = owner.get(access.table.as_str()) else {
                continue;
            };
            if table_owner == service {
                continue;
            }
            let allowed_read =
                access.mode == AccessMode::Read && shared.contains(access.table.as_str());
            if allowed_read {
                continue;
            }
            let who = if *service == MONOLITH {
                "stays in the monolith".to_string()
            } else {
                format!("service `{service}`")
            };
            let verb = if access.mode == AccessMode::Write {
                "writes"
            } else {
                "reads"
            };
            let how = if access.mode == AccessMode::Read {
                "; share it in the plan or go through the owner's API or events"
            } else {
                "; only the owner may write it"
            };
            let owned_by = if *table_owner == MONOLITH {
                "kept in the monolith (monolith.tables)".to_string()
            } else {
                format!("owned by `{table_owner}`")
            };
            violations.push(Violation {
                kind: ViolationKind::ForeignTableAccess,
                message: format!(
                    "`{}` ({who}) {verb} `{}`, {owned_by}{how}",
                    module.name, access.table
                ),
                module: Some(module.name.clone()),
                table: Some(access.table.clone()),
                mode: Some(access.mode),
                evidence: access.evidence.clone(),
            });
        }
    }
    violations.sort();
    violations
}
