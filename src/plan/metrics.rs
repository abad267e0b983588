//! The figures a plan edit moves, so every action can say what it changed
//! ("cross-service FKs 7 → 4").

use super::model::Plan;
use crate::model::{Codebase, Schema};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanMetrics {
    pub services: usize,
    pub cross_service_foreign_keys: usize,
    pub cross_service_accesses: usize,
}

pub fn plan_metrics(plan: &Plan, schema: &Schema, code: &Codebase) -> PlanMetrics {
    let owner = plan.table_owners();
    let module_service = plan.module_owners();
    let cross_fks = schema
        .tables
        .iter()
        .flat_map(|t| {
            t.foreign_keys
                .iter()
                .map(move |fk| (t.name.as_str(), fk.references.table.as_str()))
        })
        .filter(|(a, b)| matches!((owner.get(a), owner.get(b)), (Some(x), Some(y)) if x != y))
        .count();
    let cross_accesses = code
        .modules
        .iter()
        .filter_map(|m| module_service.get(m.name.as_str()).map(|s| (m, *s)))
        .flat_map(|(m, s)| m.accesses.iter().map(move |a| (s, a.table.as_str())))
        .filter(|(s, t)| owner.get(t).is_some_and(|o| o != s))
        .count();
    PlanMetrics {
        services: plan.services.len(),
        cross_service_foreign_keys: cross_fks,
        cross_service_accesses: cross_accesses,
    }
}

/// "services 6 → 5, cross-service FKs 7 → 4" for what changed.
pub fn describe_change(before: PlanMetrics, after: PlanMetrics) -> String {
    let mut parts = Vec::new();
    for (name, a, b) in [
        ("services", before.services, after.services),
        (
            "cross-service FKs",
            before.cross_service_foreign_keys,
            after.cross_service_foreign_keys,
        ),
        (
            "cross-service accesses",
            before.cross_service_accesses,
            after.cross_service_accesses,
        ),
    ] {
        if a != b {
            parts.push(format!("{name} {a} → {b}"));
        }
    }
    if parts.is_empty() {
        "metrics unchanged".to_string()
    } else {
        parts.join(", ")
    }
}
