//! How good a cut is, as numbers. Each formula is documented where it is
//! computed; every sum runs in a fixed order so results are repeatable.

use super::cluster::{modularity, Network};
use super::graph::{access_weight, SignalGraph};
use super::tables::Tables;
use crate::model::{Codebase, Metrics};
use std::collections::{BTreeMap, BTreeSet};

/// Services with fewer tables than this are "tiny" for [`Metrics::ned`].
pub(crate) const NED_MIN_TABLES: usize = 2;
/// Services with more than this share of all tables are "huge" for NED.
pub(crate) const NED_MAX_SHARE: f64 = 0.5;

pub(crate) struct Inputs<'a> {
    pub(crate) tables: &'a Tables<'a>,
    pub(crate) code: &'a Codebase,
    pub(crate) graph: &'a SignalGraph,
    /// Service of each table.
    pub(crate) table_service: &'a [usize],
    /// Service of each module, if placed.
    pub(crate) module_service: &'a [Option<usize>],
    pub(crate) services: usize,
}

pub(crate) fn compute(inputs: &Inputs) -> Metrics {
    let Inputs {
        tables,
        code,
        graph,
        table_service,
        module_service,
        services,
    } = *inputs;

    // Modularity (Newman, resolution 1) of the table graph with the signals
    // in use, under the final services: Σ_s [in_s / m − (K_s / 2m)²], with
    // in_s the weight inside service s, K_s its summed weighted degree and m
    // the total weight. Above ~0.3 is a clear community structure.
    let mut unit_service = vec![0; tables.units.len()];
    for (u, members) in tables.units.iter().enumerate() {
        unit_service[u] = table_service[members[0]];
    }
    let network = Network::from_edges(graph.units, &graph.edges);
    let modularity = modularity(&network, &unit_service, 1.0);

    // Declared foreign keys whose two tables have different owners.
    let mut cross_service_foreign_keys = 0;
    for (t, table) in tables.tables.iter().enumerate() {
        for fk in table.foreign_keys.iter().filter(|fk| !fk.inferred) {
            if let Some(r) = tables.find(&fk.references.table) {
                if table_service[t] != table_service[r] {
                    cross_service_foreign_keys += 1;
                }
            }
        }
    }

    // Module–table pairs (any mode) where a placed module touches a table
    // another service owns.
    let mut access_weights: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (m, module) in code.modules.iter().enumerate() {
        if module_service[m].is_none() {
            continue;
        }
        for access in &module.accesses {
            if let Some(t) = tables.find(&access.table) {
                let w = access_weight(access.mode, access.via);
                let slot = access_weights.entry((m, t)).or_insert(0.0);
                *slot = slot.max(w);
            }
        }
    }
    let crosses = |m: usize, t: usize| module_service[m] != Some(table_service[t]);
    let cross_service_accesses = access_weights
        .keys()
        .filter(|&&(m, t)| crosses(m, t))
        .count();

    // ICP, inter-partition call percentage: the share of the weighted
    // interactions of placed modules that cross services. Interactions are
    // each module–table access, weighted by its strongest mode (direct
    // write 1, transitive write 0.5, direct read 0.4, transitive read 0.2),
    // and each dependency between two placed modules, weighted 1.
    // ICP = Σ crossing weight / Σ all weight; 0 without code.
    let mut total = 0.0;
    let mut crossing = 0.0;
    for (&(m, t), &w) in &access_weights {
        total += w;
        if crosses(m, t) {
            crossing += w;
        }
    }
    let index = code.module_index();
    for (a, module) in code.modules.iter().enumerate() {
        for dep in &module.depends_on {
            let Some(&b) = index.get(dep.as_str()) else {
                continue;
            };
            if let (Some(sa), Some(sb)) = (module_service[a], module_service[b]) {
                if a != b {
                    total += 1.0;
                    if sa != sb {
                        crossing += 1.0;
                    }
                }
            }
        }
    }
    let icp = if total > 0.0 { crossing / total } else { 0.0 };

    // IFN, interface number: for each service, the number of its tables
    // that modules of other services read or write (its de facto
    // interface); IFN is the mean over services. 0 without code.
    let mut exposed: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); services];
    for &(m, t) in access_weights.keys() {
        if crosses(m, t) {
            exposed[table_service[t]].insert(t);
        }
    }
    let ifn = if services > 0 {
        exposed.iter().map(|e| e.len() as f64).sum::<f64>() / services as f64
    } else {
        0.0
    };

    // NED, non-extreme distribution: the share of tables in services that
    // are neither tiny (fewer than NED_MIN_TABLES tables) nor huge (more
    // than NED_MAX_SHARE of all tables). 1 is best; one service holding
    // everything scores 0.
    let mut sizes = vec![0usize; services];
    for &s in table_service {
        sizes[s] += 1;
    }
    let n = table_service.len();
    let ned = if n > 0 {
        let fine: usize = sizes
            .iter()
            .filter(|&&s| s >= NED_MIN_TABLES && (s as f64) <= NED_MAX_SHARE * n as f64)
            .sum();
        fine as f64 / n as f64
    } else {
        0.0
    };

    Metrics {
        modularity,
        cross_service_foreign_keys,
        cross_service_accesses,
        icp,
        ifn,
        ned,
    }
}
