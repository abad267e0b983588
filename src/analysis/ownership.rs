//! Which service owns each module. Tables are owned by the service
//! clustering put them in; modules follow the tables they write.
//!
//! A module belongs to the service owning most of the tables it writes
//! directly; failing direct writes, those it writes through calls; then
//! those it reads directly; then those it reads through calls (ties go to
//! the service ahead in the following tiers, then to the first name). A
//! module touching no known table follows the modules it depends on (the
//! service most of its placed dependencies belong to, repeated until
//! nothing changes). A module with neither stays in the monolith: it is
//! listed in no service and its explanation names no service.

use super::tables::Tables;
use crate::model::{AccessMode, AccessVia, Codebase};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// How a module was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// By the tables of one access tier (0 direct writes … 3 transitive
    /// reads): `owned` of its `total` tables in that tier are the service's.
    Tables {
        tier: usize,
        owned: usize,
        total: usize,
    },
    /// By the modules it depends on.
    Dependencies {
        via: Vec<String>,
    },
    Unplaced,
}

pub(crate) const TIER_NAMES: [&str; 4] = [
    "writes",
    "writes (through calls)",
    "reads",
    "reads (through calls)",
];

fn tier(mode: AccessMode, via: AccessVia) -> usize {
    match (mode, via) {
        (AccessMode::Write, AccessVia::Direct) => 0,
        (AccessMode::Write, AccessVia::Transitive) => 1,
        (AccessMode::Read, AccessVia::Direct) => 2,
        (AccessMode::Read, AccessVia::Transitive) => 3,
    }
}

/// Places every module; `table_service` gives each table's service and
/// `names` each service's name (for ties).
pub(crate) fn place_modules(
    tables: &Tables,
    code: &Codebase,
    table_service: &[usize],
    names: &[String],
) -> Vec<(Option<usize>, Placement)> {
    let mut out: Vec<(Option<usize>, Placement)> = code
        .modules
        .iter()
        .map(|m| {
            // counts[tier][service] = distinct tables
            let mut seen: BTreeMap<(usize, usize), ()> = BTreeMap::new();
            let mut counts = vec![BTreeMap::<usize, usize>::new(); 4];
            for access in &m.accesses {
                let Some(t) = tables.find(&access.table) else {
                    continue;
                };
                let k = tier(access.mode, access.via);
                if seen.insert((k, t), ()).is_none() {
                    *counts[k].entry(table_service[t]).or_insert(0) += 1;
                }
            }
            let Some(first) = (0..4).find(|&k| !counts[k].is_empty()) else {
                return (None, Placement::Unplaced);
            };
            let best = *counts[first]
                .keys()
                .max_by(|&&a, &&b| {
                    let key = |s: usize| -> Vec<usize> {
                        (first..4)
                            .map(|k| counts[k].get(&s).copied().unwrap_or(0))
                            .collect()
                    };
                    key(a).cmp(&key(b)).then(names[b].cmp(&names[a]))
                })
                .expect("non-empty tier");
            (
                Some(best),
                Placement::Tables {
                    tier: first,
                    owned: counts[first][&best],
                    total: counts[first].values().sum(),
                },
            )
        })
        .collect();
    let index: FxHashMap<&str, usize> = code
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    loop {
        let mut changed = false;
        for (i, m) in code.modules.iter().enumerate() {
            if out[i].0.is_some() {
                continue;
            }
            let mut votes: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for dep in &m.depends_on {
                if let Some(&j) = index.get(dep.as_str()) {
                    if let Some(s) = out[j].0 {
                        votes.entry(s).or_default().push(dep.clone());
                    }
                }
            }
            if let Some((&s, via)) = votes.iter().max_by(|a, b| {
                a.1.len()
                    .cmp(&b.1.len())
                    .then(names[*b.0].cmp(&names[*a.0]))
            }) {
                out[i] = (Some(s), Placement::Dependencies { via: via.clone() });
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    out
}
