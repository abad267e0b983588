//! A reviewed plan seen as a proposal, so `carve analyze --plan` renders the
//! services where the plan places them with the same reports as a fresh
//! analysis.

use super::dependencies::plan_dependencies;
use super::model::Plan;
use crate::analysis::order::{extraction_order, Evidence};
use crate::analysis::placement_metrics;
use crate::model::{
    Codebase, Proposal, Schema, Service, SharedTable, Step, UnplacedReason, UnplacedTable,
};
use std::collections::BTreeMap;

/// The plan's services, shared tables and steps as a [`Proposal`].
///
/// Services keep the plan's tables and modules and read from the services
/// they depend on under the plan's ownership (foreign keys between their
/// tables, queries their modules run on the other's tables). The order
/// follows the plan's `step`s; services without one come last, by name.
/// Cycles are those the plan's dependencies form. The metrics are the
/// analysis's measures of this placement (modularity, ICP, IFN, NED and the
/// cross-service foreign keys and accesses, counted as a proposal counts them).
pub fn plan_proposal(plan: &Plan, schema: &Schema, code: &Codebase) -> Proposal {
    let dependencies = plan_dependencies(plan, schema, code);
    let mut services: Vec<Service> = plan
        .services
        .iter()
        .map(|s| {
            let name = s.name.get_ref().clone();
            let mut tables: Vec<String> = s.tables.iter().map(|t| t.get_ref().clone()).collect();
            tables.sort();
            tables.dedup();
            let mut modules: Vec<String> = s.modules.iter().map(|m| m.get_ref().clone()).collect();
            modules.sort();
            modules.dedup();
            let reads_from = depends_on(&dependencies, &name)
                .map(|(to, _)| to.to_string())
                .collect();
            Service {
                rationale: if s.pinned {
                    "placed by the plan (pinned)".to_string()
                } else {
                    "placed by the plan".to_string()
                },
                name,
                tables,
                modules,
                reads_from,
            }
        })
        .collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));

    let mut shared_tables: Vec<SharedTable> = plan
        .shared
        .iter()
        .map(|d| SharedTable {
            table: d.table.get_ref().clone(),
            owner: d.owner.get_ref().clone(),
            reason: shared_reason(d.strategy.get_ref()),
        })
        .collect();
    shared_tables.sort_by(|a, b| a.table.cmp(&b.table));

    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    let (_, cycles) = extraction_order(&names, &dependencies);
    let placement: Vec<(Vec<String>, Vec<String>)> = services
        .iter()
        .map(|s| (s.tables.clone(), s.modules.clone()))
        .collect();

    Proposal {
        services,
        shared_tables,
        order: plan_order(plan, &dependencies),
        cycles,
        metrics: placement_metrics(schema, code, &placement),
        explanations: Vec::new(),
        unplaced_tables: unplaced_tables(plan, schema),
    }
}

/// The schema's tables the plan gives no service on purpose, with why.
fn unplaced_tables(plan: &Plan, schema: &Schema) -> Vec<UnplacedTable> {
    let owned = plan.table_owners();
    let mut out: Vec<UnplacedTable> = schema
        .tables
        .iter()
        .filter(|t| !owned.contains_key(t.name.as_str()))
        .filter_map(|t| {
            let reason = plan.unplaced_reason(&t.name)?;
            let detail = match reason {
                UnplacedReason::Monolith => "listed in monolith.tables".to_string(),
                UnplacedReason::Excluded => "matches monolith.exclude".to_string(),
                UnplacedReason::Bookkeeping => format!(
                    "migration history of {}",
                    crate::analysis::bookkeeping_tool(&t.name).unwrap_or("a migration tool")
                ),
                UnplacedReason::Orphan => "no code touches it and no key links it".to_string(),
            };
            Some(UnplacedTable {
                table: t.name.clone(),
                reason,
                detail,
            })
        })
        .collect();
    out.sort_by(|a, b| a.table.cmp(&b.table));
    out
}

/// The services `from` depends on, by name, with the evidence.
fn depends_on<'a>(
    dependencies: &'a BTreeMap<(String, String), Evidence>,
    from: &'a str,
) -> impl Iterator<Item = (&'a str, &'a Evidence)> + 'a {
    dependencies
        .iter()
        .filter(move |((a, _), _)| a == from)
        .map(|((_, to), e)| (to.as_str(), e))
}

/// Why a table is shared, naming the plan's strategy for it.
fn shared_reason(strategy: &str) -> String {
    match strategy {
        "replicate" => {
            "plan strategy replicate: the owner publishes it on a compacted topic".to_string()
        }
        "api" => "plan strategy api: other services ask the owner".to_string(),
        other => format!("plan strategy {other}"),
    }
}

/// One step per service, in the plan's `step` order (then by name);
/// services without a step follow, numbered after the last.
fn plan_order(plan: &Plan, dependencies: &BTreeMap<(String, String), Evidence>) -> Vec<Step> {
    let mut planned: Vec<(Option<u32>, &str)> = plan
        .services
        .iter()
        .map(|s| {
            (
                s.step.as_ref().map(|n| *n.get_ref()),
                s.name.get_ref().as_str(),
            )
        })
        .collect();
    planned.sort_by(|a, b| (a.0.is_none(), a.0, a.1).cmp(&(b.0.is_none(), b.0, b.1)));
    let position: BTreeMap<&str, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, (_, name))| (*name, i))
        .collect();
    let mut last = 0;
    planned
        .iter()
        .enumerate()
        .map(|(i, &(step, name))| {
            let number = step.unwrap_or(last + 1);
            last = last.max(number);
            let needs: Vec<(&str, &Evidence)> = depends_on(dependencies, name).collect();
            let mut parts = vec![match step {
                Some(n) => format!("step {n} of the plan"),
                None => "no step in the plan".to_string(),
            }];
            if needs.is_empty() {
                parts.push("depends on nothing still in the monolith".to_string());
            } else {
                let list: Vec<String> = needs
                    .iter()
                    .map(|(to, e)| format!("{to} ({})", e.describe()))
                    .collect();
                parts.push(format!("needs {}", list.join(", ")));
                let later: Vec<&str> = needs
                    .iter()
                    .map(|(to, _)| *to)
                    .filter(|to| position.get(to).is_some_and(|&p| p > i))
                    .collect();
                if !later.is_empty() {
                    let excepted = |to: &str| {
                        plan.exceptions
                            .iter()
                            .any(|e| e.service.get_ref() == name && e.before.get_ref() == to)
                    };
                    let notes: Vec<String> = later
                        .iter()
                        .map(|to| {
                            if excepted(to) {
                                format!("{to} (an exception in the plan)")
                            } else {
                                to.to_string()
                            }
                        })
                        .collect();
                    parts.push(format!("goes before {}", notes.join(", ")));
                }
            }
            Step {
                step: number,
                service: name.to_string(),
                depends_on: needs.iter().map(|(to, _)| to.to_string()).collect(),
                reason: parts.join("; "),
            }
        })
        .collect()
}
