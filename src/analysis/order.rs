//! The extraction order: which service to carve out of the monolith first.
//!
//! Service S depends on T when S's code queries T's tables itself (a call
//! into T's code is the seam extraction turns into an API call or event) or
//! S's tables reference T's by foreign key. A service goes after every service
//! it depends on, so the first ones depend on nothing still in the
//! monolith (in a shop, the catalog). Services that depend on each other
//! form a strongly connected component; each such cycle is reported with
//! its weakest link (least evidence), which is dropped from the ordering,
//! repeatedly, until no cycle is left. Ties go to names, so the order is
//! stable.

use crate::model::{Cycle, Step};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// Why one service depends on another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Declared foreign keys from its tables to the other's.
    pub foreign_keys: usize,
    /// Inferred foreign keys (when that signal is on).
    pub inferred_foreign_keys: usize,
    /// Tables of the other service its modules read (module–table pairs).
    pub reads: usize,
    /// Tables of the other service its modules write (module–table pairs).
    pub writes: usize,
}

impl Evidence {
    /// All pieces of evidence, each counting one.
    pub fn total(&self) -> usize {
        self.foreign_keys + self.inferred_foreign_keys + self.reads + self.writes
    }

    pub fn add(&mut self, other: &Evidence) {
        self.foreign_keys += other.foreign_keys;
        self.inferred_foreign_keys += other.inferred_foreign_keys;
        self.reads += other.reads;
        self.writes += other.writes;
    }

    /// `3 FKs, 5 reads`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.foreign_keys, "FK", "FKs"),
            (self.inferred_foreign_keys, "inferred FK", "inferred FKs"),
            (self.reads, "read", "reads"),
            (self.writes, "write", "writes"),
        ]
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|&(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
        if parts.is_empty() {
            "no evidence".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Orders `services` (names) given `dependencies`: `(from, to)` means
/// `from` depends on `to`. Self-dependencies and unknown names are ignored.
/// Returns the steps and the cycles that had to be broken.
pub fn extraction_order(
    services: &[String],
    dependencies: &BTreeMap<(String, String), Evidence>,
) -> (Vec<Step>, Vec<Cycle>) {
    let names: BTreeSet<&str> = services.iter().map(String::as_str).collect();
    let names: Vec<&str> = names.into_iter().collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut edges: BTreeMap<(usize, usize), Evidence> = BTreeMap::new();
    for ((from, to), evidence) in dependencies {
        if let (Some(&a), Some(&b)) = (index.get(from.as_str()), index.get(to.as_str())) {
            if a != b {
                edges.entry((a, b)).or_default().add(evidence);
            }
        }
    }
    let all_edges = edges.clone();
    let cycles = break_cycles(&names, &mut edges);
    let broken: BTreeSet<(usize, usize)> = all_edges
        .keys()
        .filter(|e| !edges.contains_key(e))
        .copied()
        .collect();

    // Kahn's algorithm: a service is ready once everything it depends on is
    // placed; the smallest name among the ready ones goes next.
    let n = names.len();
    let mut waiting_on = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges.keys() {
        waiting_on[a] += 1;
        dependents[b].push(a);
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..n)
        .filter(|&i| waiting_on[i] == 0)
        .map(Reverse)
        .collect();
    let mut steps = Vec::with_capacity(n);
    while let Some(Reverse(s)) = ready.pop() {
        let needs: Vec<(usize, Evidence)> = edges
            .range((s, 0)..(s + 1, 0))
            .map(|(&(_, t), &e)| (t, e))
            .collect();
        let mut reason = if needs.is_empty() {
            "depends on nothing still in the monolith".to_string()
        } else {
            let list: Vec<String> = needs
                .iter()
                .map(|(t, e)| format!("{} ({})", names[*t], e.describe()))
                .collect();
            format!("needs {}", list.join(", "))
        };
        for &(a, b) in broken.range((s, 0)..(s + 1, 0)) {
            reason.push_str(&format!(
                "; its dependency on {} ({}) closes a cycle: cut it first",
                names[b],
                all_edges[&(a, b)].describe()
            ));
        }
        steps.push(Step {
            step: steps.len() as u32 + 1,
            service: names[s].to_string(),
            depends_on: needs.iter().map(|(t, _)| names[*t].to_string()).collect(),
            reason,
        });
        for &d in &dependents[s] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    (steps, cycles)
}

/// Removes the weakest edge of every strongly connected component with
/// more than one service, until none is left; reports each removal.
fn break_cycles(names: &[&str], edges: &mut BTreeMap<(usize, usize), Evidence>) -> Vec<Cycle> {
    let mut cycles = Vec::new();
    loop {
        let mut graph: DiGraph<(), ()> = DiGraph::new();
        for _ in names {
            graph.add_node(());
        }
        for &(a, b) in edges.keys() {
            graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
        let mut components: Vec<Vec<usize>> = tarjan_scc(&graph)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut members: Vec<usize> = c.into_iter().map(NodeIndex::index).collect();
                members.sort_unstable();
                members
            })
            .collect();
        if components.is_empty() {
            return cycles;
        }
        components.sort();
        for members in components {
            let inside: BTreeSet<usize> = members.iter().copied().collect();
            let (&(a, b), evidence) = edges
                .iter()
                .filter(|((a, b), _)| inside.contains(a) && inside.contains(b))
                .min_by_key(|(&(a, b), e)| (e.total(), names[a], names[b]))
                .expect("a cycle has edges");
            let evidence = *evidence;
            let services: Vec<String> = members.iter().map(|&i| names[i].to_string()).collect();
            let reason = format!(
                "{} depend on each other; {} -> {} has the least evidence ({}): break it, for \
                 instance by replacing those reads with events or an API call",
                join_names(&services),
                names[a],
                names[b],
                evidence.describe()
            );
            cycles.push(Cycle {
                services,
                weakest_link: (names[a].to_string(), names[b].to_string()),
                evidence: evidence.describe(),
                reason,
            });
            edges.remove(&(a, b));
        }
    }
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(list: &[(&str, &str, usize)]) -> BTreeMap<(String, String), Evidence> {
        list.iter()
            .map(|&(a, b, n)| {
                (
                    (a.to_string(), b.to_string()),
                    Evidence {
                        reads: n,
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dependencies_come_first() {
        let (steps, cycles) = extraction_order(
            &names(&["orders", "catalog", "payments"]),
            &deps(&[("orders", "catalog", 3), ("payments", "orders", 1)]),
        );
        let order: Vec<&str> = steps.iter().map(|s| s.service.as_str()).collect();
        assert_eq!(order, ["catalog", "orders", "payments"]);
        assert!(cycles.is_empty());
        assert_eq!(steps[0].reason, "depends on nothing still in the monolith");
        assert_eq!(steps[1].reason, "needs catalog (3 reads)");
        assert_eq!(steps[1].depends_on, ["catalog"]);
    }

    #[test]
    fn cycles_break_at_the_weakest_link() {
        let (steps, cycles) = extraction_order(
            &names(&["a", "b", "c"]),
            &deps(&[("a", "b", 5), ("b", "a", 1), ("c", "a", 2)]),
        );
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].services, ["a", "b"]);
        assert_eq!(cycles[0].weakest_link, ("b".to_string(), "a".to_string()));
        let order: Vec<&str> = steps.iter().map(|s| s.service.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"]);
    }
}
