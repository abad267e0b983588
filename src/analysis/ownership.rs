//! Which service owns each module. Tables are owned by the service
//! clustering put them in; modules follow the tables they write.
//!
//! A module that runs its own writes belongs to the service owning most of
//! the tables it writes directly (ties go to the service ahead in the later
//! tiers, then to the first name). A module that only reaches tables
//! through calls, or only reads, is placed by, in order:
//! 1. its name: a domain module named after one service's data layer
//!    (`shop::orders::lifecycle` next to `shop_db::orders`) belongs there,
//!    when it touches that service's tables at all; an order-lifecycle
//!    module that also moves stock is still the orders service's code;
//! 2. a majority: the service owning more than half of the tables of its
//!    strongest tier (writes through calls, then reads, then reads through
//!    calls);
//! 3. the modules it uses: the service more than half of its placed
//!    dependencies belong to, repeated until nothing changes.
//!
//! Otherwise it stays in the monolith and is listed in no service: a report
//! reading every service, a job runner, a router handing requests to every
//! service's handlers. Those become read models or API gateways, not part
//! of one service.

use super::tables::Tables;
use super::words::{module_words, singular};
use crate::model::{AccessMode, AccessVia, Codebase};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

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
    /// By a word of its path that names the service's data layer.
    Name {
        word: String,
    },
    /// By the modules it depends on.
    Dependencies {
        via: Vec<String>,
    },
    /// Touches tables of several services without a majority in any.
    Spread {
        tier: usize,
        services: usize,
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

/// The domain words of a module path, singular, for matching.
fn domain_words(module: &str) -> BTreeSet<String> {
    module_words(module).iter().map(|w| singular(w)).collect()
}

/// Distinct tables per tier and service: `counts[tier][service]`.
fn tier_counts(
    tables: &Tables,
    code: &Codebase,
    m: usize,
    table_service: &[usize],
) -> Vec<BTreeMap<usize, usize>> {
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut counts = vec![BTreeMap::<usize, usize>::new(); 4];
    for access in &code.modules[m].accesses {
        let Some(t) = tables.find(&access.table) else {
            continue;
        };
        let k = tier(access.mode, access.via);
        if seen.insert((k, t)) {
            *counts[k].entry(table_service[t]).or_insert(0) += 1;
        }
    }
    counts
}

/// Places every module; `table_service` gives each table's service and
/// `names` each service's name (for ties).
pub(crate) fn place_modules(
    tables: &Tables,
    code: &Codebase,
    table_service: &[usize],
    names: &[String],
) -> Vec<(Option<usize>, Placement)> {
    let counts: Vec<Vec<BTreeMap<usize, usize>>> = (0..code.modules.len())
        .into_par_iter()
        .map(|m| tier_counts(tables, code, m, table_service))
        .collect();
    let mut out: Vec<(Option<usize>, Placement)> = counts
        .iter()
        .map(|c| match c[0].is_empty() {
            false => by_plurality(c, 0, names),
            true => (None, Placement::Unplaced),
        })
        .collect();
    let words_of = service_words(code, &out, names.len());
    for (m, module) in code.modules.iter().enumerate() {
        if out[m].0.is_some() {
            continue;
        }
        let c = &counts[m];
        let Some(first) = (1..4).find(|&k| !c[k].is_empty()) else {
            continue;
        };
        let touched: BTreeSet<usize> = c.iter().flat_map(|k| k.keys().copied()).collect();
        out[m] = by_name(&module.name, &touched, &words_of)
            .or_else(|| by_majority(c, first))
            .unwrap_or((
                None,
                Placement::Spread {
                    tier: first,
                    services: c[first].len(),
                },
            ));
    }
    follow_dependencies(code, &mut out, names);
    out
}

/// The service owning most tables of `tier`, ties broken by the later
/// tiers, then by the first name.
fn by_plurality(
    counts: &[BTreeMap<usize, usize>],
    first: usize,
    names: &[String],
) -> (Option<usize>, Placement) {
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
}

/// The service owning more than half of the tables of `tier`.
fn by_majority(
    counts: &[BTreeMap<usize, usize>],
    tier: usize,
) -> Option<(Option<usize>, Placement)> {
    let total: usize = counts[tier].values().sum();
    counts[tier]
        .iter()
        .find(|(_, &n)| 2 * n > total)
        .map(|(&s, &owned)| (Some(s), Placement::Tables { tier, owned, total }))
}

/// Words naming exactly one service: the domain words of the modules that
/// write its tables themselves, when no other service's writers use them.
fn service_words(
    code: &Codebase,
    placed: &[(Option<usize>, Placement)],
    services: usize,
) -> BTreeMap<String, usize> {
    let mut users: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (module, (service, _)) in code.modules.iter().zip(placed) {
        if let Some(s) = service {
            for word in domain_words(&module.name) {
                users.entry(word).or_default().insert(*s);
            }
        }
    }
    users
        .into_iter()
        .filter(|(_, s)| s.len() == 1)
        .filter_map(|(w, s)| s.first().copied().filter(|&s| s < services).map(|s| (w, s)))
        .collect()
}

/// The one service among those the module touches that a word of its path
/// names.
fn by_name(
    module: &str,
    touched: &BTreeSet<usize>,
    words_of: &BTreeMap<String, usize>,
) -> Option<(Option<usize>, Placement)> {
    let mut named: BTreeMap<usize, String> = BTreeMap::new();
    for word in domain_words(module) {
        if let Some(&s) = words_of.get(&word) {
            if touched.contains(&s) {
                named.entry(s).or_insert(word);
            }
        }
    }
    if named.len() != 1 {
        return None;
    }
    let (s, word) = named.into_iter().next()?;
    Some((Some(s), Placement::Name { word }))
}

/// Modules not placed by their tables follow the service more than half
/// of their placed dependencies belong to, until nothing changes.
fn follow_dependencies(code: &Codebase, out: &mut [(Option<usize>, Placement)], names: &[String]) {
    let index = code.module_index();
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
            let cast: usize = votes.values().map(Vec::len).sum();
            if let Some((&s, via)) =
                votes
                    .iter()
                    .filter(|(_, via)| 2 * via.len() > cast)
                    .max_by(|a, b| {
                        a.1.len()
                            .cmp(&b.1.len())
                            .then(names[*b.0].cmp(&names[*a.0]))
                    })
            {
                out[i] = (Some(s), Placement::Dependencies { via: via.clone() });
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_words_skip_the_crate_and_the_layers() {
        let words = domain_words("shop_worker::jobs::expire_orders");
        assert_eq!(words.into_iter().collect::<Vec<_>>(), ["expire", "order"]);
        assert!(domain_words("shop_db::api::db::models").is_empty());
    }
}
