//! From the model to a proposal: the weighted graph of signals, clustering,
//! ownership, the extraction order, metrics and agreement with a known
//! grouping.
//!
//! [`propose`] runs, in order:
//! 1. `graph`: one node per table (partitions merged into their table),
//!    edges weighted by the signals switched on; links to much-referenced
//!    tables are damped (`hubs`).
//! 2. `partition`: Leiden (or Louvain) communities at resolution 1; hubs
//!    placed with most of their links; tables without links attached by
//!    schema or name; services too small to stand alone folded into their
//!    neighbor; services holding several of the data layer's write
//!    families split along them; or, with `--services K`, exactly K
//!    services.
//! 3. `naming`, `ownership` (modules follow the tables they write; modules
//!    touching no table follow their dependencies, else stay in the
//!    monolith and are listed in no service), `order` (extraction steps and
//!    cycles), `metrics` and `explain`.
//!
//! Everything is deterministic: tables are numbered by name, the clustering
//! has no randomness, maps are ordered and sums run in a fixed order, so
//! the same input gives byte-identical JSON.

mod agreement;
pub mod cluster;
mod data_layer;
mod explain;
mod families;
mod graph;
mod hubs;
mod infer;
mod metrics;
mod naming;
pub mod order;
mod ownership;
mod partition;
mod signals;
mod tables;
mod tenants;
mod truth;
mod unplaced;
mod words;

pub use agreement::{
    adjusted_mutual_information, adjusted_rand_index, agreement, mojo_distance, mojo_fm,
};
pub use cluster::Algorithm;
pub use data_layer::{reach as data_layer_reach, DataLayerReach};
pub use infer::inferred_foreign_keys;
pub use signals::{ParseSignalError, Signal};
pub use truth::{read_truth, Truth, TruthError};
pub use unplaced::{bookkeeping_tool, excluded_by};

use crate::model::{
    AccessMode, AccessVia, Codebase, Explanation, Proposal, Schema, Service, SharedTable,
    UnplacedReason, UnplacedTable,
};
use order::Evidence;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What to weigh and how to cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisOptions {
    /// The signals to use (`--signals`); default all.
    pub signals: BTreeSet<Signal>,
    /// Exactly this many services (`--services K`) when the schema allows;
    /// 0 counts as 1, more than the number of tables as that number.
    pub services: Option<usize>,
    pub algorithm: Algorithm,
    /// Table names or patterns (`*`, `?`) no service gets
    /// (`monolith.exclude`, `--exclude`).
    pub exclude: Vec<String>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            signals: Signal::all(),
            services: None,
            algorithm: Algorithm::Leiden,
            exclude: Vec::new(),
        }
    }
}

/// The metrics of a placement made elsewhere (a reviewed plan): `services`
/// lists each service's tables and modules. The signal graph is the one a
/// proposal with every signal weighs; tables no service lists form one
/// more group, as they stay in the monolith.
pub fn placement_metrics(
    schema: &Schema,
    code: &Codebase,
    services: &[(Vec<String>, Vec<String>)],
) -> crate::model::Metrics {
    let tables = tables::Tables::new(schema);
    let signals = Signal::all();
    let (_, schema_links) =
        graph::schema_links(&tables, schema, &signals, || inferred_foreign_keys(schema));
    let graph = graph::combine(schema_links, graph::code_links(&tables, code, &signals));
    let monolith = services.len();
    let mut table_service = vec![monolith; tables.len()];
    let module_index: BTreeMap<&str, usize> = code
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let mut module_service = vec![None; code.modules.len()];
    for (s, (service_tables, service_modules)) in services.iter().enumerate() {
        for t in service_tables.iter().filter_map(|name| tables.find(name)) {
            table_service[t] = s;
        }
        for m in service_modules
            .iter()
            .filter_map(|name| module_index.get(name.as_str()))
        {
            module_service[*m] = Some(s);
        }
    }
    let groups = if table_service.contains(&monolith) {
        monolith + 1
    } else {
        monolith
    };
    metrics::compute(&metrics::Inputs {
        tables: &tables,
        code,
        graph: &graph,
        table_service: &table_service,
        module_service: &module_service,
        services: groups,
    })
}

/// Proposes services for a schema and (possibly empty) codebase.
///
/// The migration tools' tables and the excluded ones are set aside first.
/// Tables that end up in a service of their own although nothing links or
/// touches them (orphans) are set aside too, and the rest is proposed
/// again without them, so they do not shape anything.
pub fn propose(schema: &Schema, code: &Codebase, options: &AnalysisOptions) -> Proposal {
    let mut unplaced = unplaced::set_aside(schema, &options.exclude);
    let removed: BTreeSet<String> = unplaced.iter().map(|u| u.table.clone()).collect();
    let kept = if removed.is_empty() {
        Cow::Borrowed(schema)
    } else {
        Cow::Owned(unplaced::without(schema, &removed))
    };
    let (mut proposal, orphans) = propose_placed(&kept, code, options);
    if !orphans.is_empty() {
        let rest = unplaced::without(&kept, &orphans);
        proposal = propose_placed(&rest, code, options).0;
        unplaced.extend(orphans.into_iter().map(|table| UnplacedTable {
            table,
            reason: UnplacedReason::Orphan,
            detail: "no code touches it and no key links it; it stays in the monolith".into(),
        }));
        unplaced.sort_by(|a, b| a.table.cmp(&b.table));
    }
    proposal.unplaced_tables = unplaced;
    proposal
}

/// The orphans: units without any link in the signal graph, without any
/// key to or from them (whichever signals are on) and no module's access,
/// which the fallback placing unlinked tables by schema or name could not
/// attach to a service, whatever the number of services asked for.
fn orphan_tables(
    tables: &tables::Tables,
    code: &Codebase,
    inferred: &[(String, crate::model::ForeignKey)],
    part: &partition::Partition,
) -> BTreeSet<String> {
    let mut linked = vec![false; tables.units.len()];
    let keys = tables
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t.name.as_str(), fk)))
        .chain(inferred.iter().map(|(t, fk)| (t.as_str(), fk)));
    for (from, fk) in keys {
        if let (Some(a), Some(b)) = (tables.find(from), tables.find(&fk.references.table)) {
            linked[tables.unit_of[a]] = true;
            linked[tables.unit_of[b]] = true;
        }
    }
    let accessed = code
        .modules
        .iter()
        .flat_map(|m| &m.accesses)
        .filter_map(|a| tables.find(&a.table));
    for t in accessed {
        linked[tables.unit_of[t]] = true;
    }
    (0..tables.len())
        .filter(|&t| {
            let unit = tables.unit_of[t];
            !linked[unit] && part.unattached[unit]
        })
        .map(|t| tables.name(t).to_string())
        .collect()
}

/// The proposal for the tables left after setting tables aside, and the
/// orphans among them.
fn propose_placed(
    schema: &Schema,
    code: &Codebase,
    options: &AnalysisOptions,
) -> (Proposal, BTreeSet<String>) {
    let tables = tables::Tables::new(schema);
    if tables.len() == 0 {
        return (Proposal::default(), BTreeSet::new());
    }
    let signals = &options.signals;
    // The schema's links (after the inferred keys) and the code's are
    // listed on two cores; what modules write needs neither.
    let ((inferred, schema_links), (code_links, (writes, families))) = rayon::join(
        || {
            graph::schema_links(&tables, schema, signals, || {
                if signals.contains(&Signal::InferredForeignKeys) {
                    inferred_foreign_keys(schema)
                } else {
                    Vec::new()
                }
            })
        },
        || {
            rayon::join(
                || graph::code_links(&tables, code, signals),
                || {
                    (
                        direct_writes(&tables, code),
                        families::unit_families(&tables, code),
                    )
                },
            )
        },
    );
    let graph = graph::combine(schema_links, code_links);
    let part = partition::partition(
        &tables,
        schema,
        &graph,
        options.algorithm,
        options.services,
        &writes,
        &families,
    );
    let orphans = orphan_tables(&tables, code, &inferred, &part);
    if !orphans.is_empty() {
        return (Proposal::default(), orphans);
    }

    // Centrality: weighted degree inside the service.
    let mut inner_strength = vec![0.0; tables.units.len()];
    for &(a, b, w) in &graph.edges {
        if part.of_unit[a] == part.of_unit[b] {
            inner_strength[a] += w;
            inner_strength[b] += w;
        }
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); part.count];
    for t in 0..tables.len() {
        members[part.of_unit[tables.unit_of[t]]].push(t);
    }
    // The aggregate root first: the table most referenced from its own
    // service (`orders` before `order_items`), then the best linked.
    let mut referenced_inside = vec![0usize; tables.len()];
    let keys = tables
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t.name.as_str(), fk)))
        .chain(inferred.iter().map(|(t, fk)| (t.as_str(), fk)));
    for (from, fk) in keys {
        if let (Some(a), Some(b)) = (tables.find(from), tables.find(&fk.references.table)) {
            let (ua, ub) = (tables.unit_of[a], tables.unit_of[b]);
            if ua != ub && part.of_unit[ua] == part.of_unit[ub] {
                referenced_inside[b] += 1;
            }
        }
    }
    let central: Vec<Vec<usize>> = members
        .iter()
        .map(|list| {
            let mut sorted = list.clone();
            sorted.sort_by(|&x, &y| {
                let (ux, uy) = (tables.unit_of[x], tables.unit_of[y]);
                (tables.unit_head(ux) != x)
                    .cmp(&(tables.unit_head(uy) != y))
                    .then(referenced_inside[y].cmp(&referenced_inside[x]))
                    .then(inner_strength[uy].total_cmp(&inner_strength[ux]))
                    .then(tables.name(x).cmp(tables.name(y)))
            });
            sorted
        })
        .collect();
    // Modules whose own writes all land in one service: its data layer.
    let mut writers: Vec<Vec<&str>> = vec![Vec::new(); part.count];
    for (module, written) in code.modules.iter().zip(&writes) {
        let services: BTreeSet<usize> = written.iter().map(|&u| part.of_unit[u]).collect();
        if let (1, Some(&s)) = (services.len(), services.first()) {
            writers[s].push(module.name.as_str());
        }
    }
    let inputs: Vec<naming::NamingInput> = (0..part.count)
        .map(|s| naming::NamingInput {
            tables: members[s].iter().map(|&t| tables.name(t)).collect(),
            central: central[s].iter().map(|&t| tables.name(t)).collect(),
            writers: std::mem::take(&mut writers[s]),
        })
        .collect();
    let raw_names = naming::name_services(&inputs, schema.dialect.default_schema());

    // Renumber services in name order.
    let mut by_name: Vec<usize> = (0..part.count).collect();
    by_name.sort_by(|&a, &b| raw_names[a].cmp(&raw_names[b]));
    let mut rank = vec![0; part.count];
    for (r, &s) in by_name.iter().enumerate() {
        rank[s] = r;
    }
    let names: Vec<String> = by_name.iter().map(|&s| raw_names[s].clone()).collect();
    let table_service: Vec<usize> = (0..tables.len())
        .map(|t| rank[part.of_unit[tables.unit_of[t]]])
        .collect();
    let central_table: Vec<&str> = by_name
        .iter()
        .map(|&s| tables.name(central[s][0]))
        .collect();

    let modules = ownership::place_modules(&tables, code, &table_service, &names);
    let module_service: Vec<Option<usize>> = modules.iter().map(|m| m.0).collect();

    // The metrics need only the placement: computed beside the rest.
    let (metrics, (dependencies, (order, cycles), explainer, mut explanations)) = rayon::join(
        || {
            metrics::compute(&metrics::Inputs {
                tables: &tables,
                code,
                graph: &graph,
                table_service: &table_service,
                module_service: &module_service,
                services: names.len(),
            })
        },
        || {
            let dependencies = service_dependencies(
                &tables,
                code,
                &inferred,
                &table_service,
                &module_service,
                &names,
            );
            let order = order::extraction_order(&names, &dependencies);
            let explainer = explain::Explainer::new(explain::Context {
                tables: &tables,
                code,
                signals,
                inferred: &inferred,
                graph: &graph,
                table_service: &table_service,
                names: &names,
                modules: &modules,
                hubs: &part.hubs,
                isolated: &part.isolated,
                default_schema: schema.dialect.default_schema(),
            });
            let explanations = explain_all(
                &explainer,
                &tables,
                code,
                &table_service,
                &module_service,
                &names,
            );
            (dependencies, order, explainer, explanations)
        },
    );
    explanations.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));

    let services: Vec<Service> = (0..names.len())
        .map(|s| {
            let mut service_tables: Vec<String> = (0..tables.len())
                .filter(|&t| table_service[t] == s)
                .map(|t| tables.name(t).to_string())
                .collect();
            service_tables.sort();
            let mut service_modules: Vec<String> = code
                .modules
                .iter()
                .enumerate()
                .filter(|(m, _)| module_service[*m] == Some(s))
                .map(|(_, module)| module.name.clone())
                .collect();
            service_modules.sort();
            let reads_from: Vec<String> = dependencies
                .keys()
                .filter(|(from, _)| *from == names[s])
                .map(|(_, to)| to.clone())
                .collect();
            Service {
                name: names[s].clone(),
                rationale: explainer.rationale(s, central_table[s], service_modules.len()),
                tables: service_tables,
                modules: service_modules,
                reads_from,
            }
        })
        .collect();

    let mut shared_tables: Vec<SharedTable> = (0..tables.len())
        .filter_map(|t| {
            let unit = tables.unit_of[t];
            let reason = if graph.tenants[unit] {
                "tenant"
            } else if part.hubs[unit] {
                "hub"
            } else {
                return None;
            };
            Some(SharedTable {
                table: tables.name(t).to_string(),
                owner: names[table_service[t]].clone(),
                reason: reason.to_string(),
            })
        })
        .collect();
    shared_tables.sort_by(|a, b| a.table.cmp(&b.table));

    let proposal = Proposal {
        services,
        shared_tables,
        order,
        cycles,
        metrics,
        explanations,
        unplaced_tables: Vec::new(),
    };
    (proposal, BTreeSet::new())
}

/// The evidence for every table's and every module's placement, tables
/// first, each in its own order.
fn explain_all(
    explainer: &explain::Explainer,
    tables: &tables::Tables,
    code: &Codebase,
    table_service: &[usize],
    module_service: &[Option<usize>],
    names: &[String],
) -> Vec<Explanation> {
    let mut explanations: Vec<Explanation> = (0..tables.len())
        .into_par_iter()
        .map(|t| Explanation {
            kind: "table".to_string(),
            name: tables.name(t).to_string(),
            service: names[table_service[t]].clone(),
            evidence: explainer.table(t),
        })
        .collect();
    let modules: Vec<Explanation> = code
        .modules
        .par_iter()
        .enumerate()
        .map(|(m, module)| Explanation {
            kind: "module".to_string(),
            name: module.name.clone(),
            service: module_service[m]
                .map(|s| names[s].clone())
                .unwrap_or_default(),
            evidence: explainer.module_reason(m),
        })
        .collect();
    explanations.extend(modules);
    explanations
}

/// The units each module writes with its own queries.
fn direct_writes(tables: &tables::Tables, code: &Codebase) -> Vec<BTreeSet<usize>> {
    code.modules
        .iter()
        .map(|m| {
            m.accesses
                .iter()
                .filter(|a| a.mode == AccessMode::Write && a.via == AccessVia::Direct)
                .filter_map(|a| tables.find(&a.table))
                .map(|t| tables.unit_of[t])
                .collect()
        })
        .collect()
}

/// Evidence that one service depends on another: declared foreign keys
/// (and inferred ones when that signal is on) from its tables to the
/// other's, and its modules' reads and writes of the other's tables
/// (distinct module–table–mode triples, direct or through calls).
fn service_dependencies(
    tables: &tables::Tables,
    code: &Codebase,
    inferred: &[(String, crate::model::ForeignKey)],
    table_service: &[usize],
    module_service: &[Option<usize>],
    names: &[String],
) -> BTreeMap<(String, String), Evidence> {
    let mut raw: BTreeMap<(usize, usize), Evidence> = BTreeMap::new();
    for (t, table) in tables.tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            if let Some(r) = tables.find(&fk.references.table) {
                let (a, b) = (table_service[t], table_service[r]);
                if a != b {
                    raw.entry((a, b)).or_default().foreign_keys += 1;
                }
            }
        }
    }
    for (from, fk) in inferred {
        if let (Some(t), Some(r)) = (tables.find(from), tables.find(&fk.references.table)) {
            let (a, b) = (table_service[t], table_service[r]);
            if a != b {
                raw.entry((a, b)).or_default().inferred_foreign_keys += 1;
            }
        }
    }
    for (m, module) in code.modules.iter().enumerate() {
        let Some(a) = module_service[m] else {
            continue;
        };
        let mut seen: BTreeSet<(usize, AccessMode)> = BTreeSet::new();
        // The queries a module runs itself: a call into another service's
        // code is the seam extraction turns into an API call or an event,
        // and counting it too would make every orchestrating module a cycle.
        for access in module
            .accesses
            .iter()
            .filter(|a| a.via == AccessVia::Direct)
        {
            let Some(t) = tables.find(&access.table) else {
                continue;
            };
            let b = table_service[t];
            if a != b && seen.insert((t, access.mode)) {
                let evidence = raw.entry((a, b)).or_default();
                match access.mode {
                    AccessMode::Read => evidence.reads += 1,
                    AccessMode::Write => evidence.writes += 1,
                }
            }
        }
    }
    raw.into_iter()
        .map(|((a, b), e)| ((names[a].clone(), names[b].clone()), e))
        .collect()
}
