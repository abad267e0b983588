//! From the table graph to services: detect communities, place hubs with
//! most of their links, attach tables without any link, fold services too
//! small to stand alone, split services holding several of the data
//! layer's write families, and, when asked for K services, tune the
//! resolution and then merge or split until there are K.

use super::cluster::{self, Algorithm, Network};
use super::families;
use super::graph::{unit_schema, SignalGraph};
use super::hubs;
use super::tables::Tables;
use super::words::{bare, compact, key};
use crate::model::Schema;
use std::collections::{BTreeMap, BTreeSet};

/// Resolution used when no service count is asked for (plain modularity).
const DEFAULT_RESOLUTION: f64 = 1.0;
/// Services with fewer tables than this share of all tables, capped at
/// [`TINY_MAX`], are too small to extract on their own; so are single
/// tables.
const TINY_SHARE: f64 = 0.05;
const TINY_MAX: usize = 5;
/// Services below this share of all tables (capped at [`SATELLITE_MAX`])
/// that send most of their outside link weight to one service are a
/// sub-domain of it: modularity's resolution limit cuts such branches off
/// sparse foreign-key trees.
const SATELLITE_SHARE: f64 = 0.1;
const SATELLITE_MAX: usize = 10;
/// "Most" for satellites: at least this share of the outside link weight.
const SATELLITE_TIE: f64 = 0.8;
/// Bisection range for the resolution, as natural logarithms.
const LOG_RESOLUTION_RANGE: (f64, f64) = (-9.0, 9.0);
const BISECTION_STEPS: usize = 40;

pub(crate) struct Partition {
    /// The service number of each unit, `0..count`, numbered in unit order.
    pub(crate) of_unit: Vec<usize>,
    pub(crate) count: usize,
    pub(crate) hubs: Vec<bool>,
    /// Units without any edge in the signal graph.
    pub(crate) isolated: Vec<bool>,
    /// Isolated units the fallback finds no place for by schema or name:
    /// they form groups of their own.
    pub(crate) unattached: Vec<bool>,
}

/// Where the fallback puts a unit without links: with the community
/// holding most tables of its schema, or with the unit whose name its own
/// extends (or that extends its own). Neither depends on the clustering.
enum Anchor<'a> {
    Schema(&'a str),
    Unit(usize),
}

struct Context<'a, 't> {
    tables: &'t Tables<'a>,
    schema: &'t Schema,
    graph: &'t SignalGraph,
    network: Network,
    hubs: Vec<bool>,
    isolated: Vec<bool>,
    algorithm: Algorithm,
    /// The units each module writes directly.
    module_writes: &'t [BTreeSet<usize>],
    /// The data layer's write family of each unit.
    families: &'t [Option<Vec<String>>],
    /// Whether small services are folded (not when a count is asked for).
    fold: bool,
}

/// Partitions the units. `services` asks for exactly that many services
/// (clamped to `1..=units`); small services are only folded without it.
pub(crate) fn partition(
    tables: &Tables,
    schema: &Schema,
    graph: &SignalGraph,
    algorithm: Algorithm,
    services: Option<usize>,
    module_writes: &[BTreeSet<usize>],
    families: &[Option<Vec<String>>],
) -> Partition {
    let hubs = hubs::detect(graph);
    let network = Network::from_edges(graph.units, &graph.edges);
    let mut isolated = vec![true; graph.units];
    for &(a, b, _) in &graph.edges {
        isolated[a] = false;
        isolated[b] = false;
    }
    let context = Context {
        tables,
        schema,
        graph,
        network,
        hubs,
        isolated,
        algorithm,
        module_writes,
        families,
        fold: services.is_none(),
    };
    let mut of_unit = match services {
        None => context.at(DEFAULT_RESOLUTION),
        Some(k) => context.exactly(k.clamp(1, graph.units.max(1))),
    };
    let count = renumber(&mut of_unit);
    let unattached = context
        .anchors()
        .iter()
        .zip(&context.isolated)
        .map(|(anchor, &isolated)| isolated && anchor.is_none())
        .collect();
    Partition {
        of_unit,
        count,
        hubs: context.hubs,
        isolated: context.isolated,
        unattached,
    }
}

/// Renumbers labels `0..k` in order of first appearance; returns k.
fn renumber(labels: &mut [usize]) -> usize {
    let mut map: BTreeMap<usize, usize> = BTreeMap::new();
    for label in labels.iter_mut() {
        let next = map.len();
        *label = *map.entry(*label).or_insert(next);
    }
    map.len()
}

fn count(labels: &[usize]) -> usize {
    labels.iter().max().map_or(0, |m| m + 1)
}

/// Link weight between groups, both directions: `(a, b) → w`.
fn links_between(edges: &[(usize, usize, f64)], labels: &[usize]) -> BTreeMap<(usize, usize), f64> {
    let mut links = BTreeMap::new();
    for &(a, b, w) in edges {
        let (p, q) = (labels[a], labels[b]);
        if p != q {
            *links.entry((p, q)).or_insert(0.0) += w;
            *links.entry((q, p)).or_insert(0.0) += w;
        }
    }
    links
}

impl Context<'_, '_> {
    /// The full partition at one resolution.
    fn at(&self, resolution: f64) -> Vec<usize> {
        let mut labels = cluster::detect(&self.network, self.algorithm, resolution);
        hubs::place(self.graph, &self.hubs, &mut labels);
        self.attach_isolated(&mut labels);
        renumber(&mut labels);
        if self.fold {
            self.fold_small(&mut labels);
            families::split_by_families(
                &mut labels,
                self.graph,
                self.tables,
                self.families,
                self.tiny_size(),
            );
        }
        labels
    }

    /// Services smaller than this are too small to extract on their own.
    fn tiny_size(&self) -> usize {
        let tables = self.tables.tables.len() as f64;
        ((tables * TINY_SHARE).ceil() as usize).clamp(2, TINY_MAX)
    }

    fn sizes(&self, labels: &[usize]) -> Vec<usize> {
        let mut sizes = vec![0; count(labels)];
        for (u, &l) in labels.iter().enumerate() {
            sizes[l] += self.tables.units[u].len();
        }
        sizes
    }

    /// Tables without any link join the community holding most tables of
    /// their schema, else the one of a table whose name theirs extends (or
    /// that extends theirs); the rest are grouped by schema, and those
    /// without a schema form one group. This placement uses the schema
    /// even when the names signal is off: it is a fallback for tables no
    /// signal says anything about, not evidence weighed against others.
    fn attach_isolated(&self, labels: &mut [usize]) {
        let units = labels.len();
        let mut schema_count: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
        for u in (0..units).filter(|&u| !self.isolated[u]) {
            if let Some(s) = unit_schema(self.tables, self.schema, u) {
                *schema_count
                    .entry(s)
                    .or_default()
                    .entry(labels[u])
                    .or_insert(0) += 1;
            }
        }
        let anchors = self.anchors();
        let mut next = count(labels);
        let mut new_groups: BTreeMap<Option<&str>, usize> = BTreeMap::new();
        for u in (0..units).filter(|&u| self.isolated[u]) {
            let schema = unit_schema(self.tables, self.schema, u);
            let placed = match anchors[u] {
                Some(Anchor::Schema(s)) => schema_count.get(s).and_then(|counts| {
                    counts
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                        .map(|(&c, _)| c)
                }),
                Some(Anchor::Unit(v)) => Some(labels[v]),
                None => None,
            };
            labels[u] = placed.unwrap_or_else(|| {
                *new_groups.entry(schema).or_insert_with(|| {
                    next += 1;
                    next - 1
                })
            });
        }
    }

    /// The fallback's anchor of each isolated unit (`None` for linked units
    /// and for isolated ones nothing anchors).
    fn anchors(&self) -> Vec<Option<Anchor<'_>>> {
        let units = self.isolated.len();
        let mut schemas: BTreeSet<&str> = BTreeSet::new();
        let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
        for u in (0..units).filter(|&u| !self.isolated[u]) {
            if let Some(s) = unit_schema(self.tables, self.schema, u) {
                schemas.insert(s);
            }
            by_key
                .entry(key(bare(self.tables.name(self.tables.unit_head(u)))))
                .or_insert(u);
        }
        (0..units)
            .map(|u| {
                if !self.isolated[u] {
                    return None;
                }
                if let Some(s) = unit_schema(self.tables, self.schema, u) {
                    if let Some(&s) = schemas.get(s) {
                        return Some(Anchor::Schema(s));
                    }
                }
                let name = bare(self.tables.name(self.tables.unit_head(u)));
                let own = compact(name);
                let own_key = key(name);
                by_key
                    .iter()
                    .filter(|(k, _)| {
                        k.len() >= 4 && (own.starts_with(k.as_str()) || k.starts_with(&own_key))
                    })
                    .max_by(|a, b| a.0.len().cmp(&b.0.len()).then(b.0.cmp(a.0)))
                    .map(|(_, &v)| Anchor::Unit(v))
            })
            .collect()
    }

    /// Folds services too small to stand alone into the service they are
    /// most linked to, smallest first: tiny ones (below [`TINY_SHARE`] of
    /// the tables or [`TINY_MAX`], and single tables), then satellites
    /// (below [`SATELLITE_SHARE`] or [`SATELLITE_MAX`], sending
    /// [`SATELLITE_TIE`] of their outside link
    /// weight to one service) unless some module writes only their tables:
    /// then the code itself draws that boundary. Services without any link
    /// outside stay as they are.
    fn fold_small(&self, labels: &mut [usize]) {
        let tables = self.tables.tables.len() as f64;
        let tiny = self.tiny_size();
        let satellite = ((tables * SATELLITE_SHARE).ceil() as usize).min(SATELLITE_MAX);
        loop {
            let c = count(labels);
            let sizes = self.sizes(labels);
            let links = links_between(&self.graph.edges, labels);
            let outside = |l: usize| {
                links
                    .range((l, 0)..(l + 1, 0))
                    .map(|(&(_, to), &w)| (to, w))
            };
            let backed = |l: usize| {
                self.module_writes
                    .iter()
                    .any(|units| !units.is_empty() && units.iter().all(|&u| labels[u] == l))
            };
            let candidate = (0..c)
                .filter(|&l| {
                    let total: f64 = outside(l).map(|x| x.1).sum();
                    let top = outside(l).map(|x| x.1).fold(0.0, f64::max);
                    total > 0.0
                        && (sizes[l] < tiny
                            || (sizes[l] < satellite && top >= SATELLITE_TIE * total && !backed(l)))
                })
                .min_by_key(|&l| (sizes[l] >= tiny, sizes[l], l));
            let Some(small) = candidate else {
                break;
            };
            let mut best = (f64::NEG_INFINITY, small);
            for (to, w) in outside(small) {
                if w > best.0 + 1e-12 {
                    best = (w, to);
                }
            }
            for label in labels.iter_mut() {
                if *label == small {
                    *label = best.1;
                }
            }
            renumber(labels);
        }
    }

    /// Exactly `k` services when the graph allows: bisect the resolution
    /// (the count grows with it), then merge the most connected pair or
    /// split the largest service until the count is right.
    fn exactly(&self, k: usize) -> Vec<usize> {
        let mut best = self.at(DEFAULT_RESOLUTION);
        // On equal distance prefer too many: merging is gentler than
        // splitting.
        let distance = |labels: &[usize]| {
            let c = count(labels);
            (c.abs_diff(k), c < k)
        };
        if count(&best) != k {
            let (mut lo, mut hi) = LOG_RESOLUTION_RANGE;
            for _ in 0..BISECTION_STEPS {
                let mid = (lo + hi) / 2.0;
                let labels = self.at(mid.exp());
                let c = count(&labels);
                if distance(&labels) < distance(&best) {
                    best = labels;
                }
                match c.cmp(&k) {
                    std::cmp::Ordering::Less => lo = mid,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => break,
                }
            }
        }
        let sizes: Vec<usize> = self.tables.units.iter().map(Vec::len).collect();
        while count(&best) > k {
            merge_closest(&self.graph.edges, &sizes, &mut best);
        }
        while count(&best) < k {
            if !self.split_largest(&mut best) {
                break;
            }
        }
        best
    }

    /// Splits the largest service (by tables) in two along its weakest
    /// community boundary; false when no service has two units.
    fn split_largest(&self, labels: &mut [usize]) -> bool {
        let c = count(labels);
        let sizes = self.sizes(labels);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); c];
        for (u, &l) in labels.iter().enumerate() {
            members[l].push(u);
        }
        let Some(target) = (0..c)
            .filter(|&l| members[l].len() >= 2)
            .max_by(|&a, &b| sizes[a].cmp(&sizes[b]).then(b.cmp(&a)))
        else {
            return false;
        };
        let inside = &members[target];
        let local: BTreeMap<usize, usize> =
            inside.iter().enumerate().map(|(i, &u)| (u, i)).collect();
        let edges: Vec<(usize, usize, f64)> = self
            .graph
            .edges
            .iter()
            .filter_map(|&(a, b, w)| Some((*local.get(&a)?, *local.get(&b)?, w)))
            .collect();
        let sub = Network::from_edges(inside.len(), &edges);
        // Raise the resolution until the service falls apart.
        let mut parts: Option<Vec<usize>> = None;
        let mut resolution = DEFAULT_RESOLUTION;
        for _ in 0..16 {
            let found = cluster::detect(&sub, self.algorithm, resolution);
            if count(&found) >= 2 {
                parts = Some(found);
                break;
            }
            resolution *= 2.0;
        }
        let mut parts = parts.unwrap_or_else(|| {
            // No structure inside: cut it in name order.
            (0..inside.len())
                .map(|i| usize::from(i >= inside.len() / 2))
                .collect()
        });
        let inside_sizes: Vec<usize> = inside.iter().map(|&u| self.tables.units[u].len()).collect();
        while count(&parts) > 2 {
            merge_closest(&edges, &inside_sizes, &mut parts);
        }
        for (i, &u) in inside.iter().enumerate() {
            if parts[i] == 1 {
                labels[u] = c;
            }
        }
        renumber(labels);
        true
    }
}

/// Merges the two groups whose merge costs least modularity
/// (`w_ab − K_a K_b / 2m` largest, K the summed weighted degree), ties to
/// the pair with fewer tables, then the lowest numbers. `sizes` are the
/// table counts of the nodes.
fn merge_closest(edges: &[(usize, usize, f64)], sizes: &[usize], labels: &mut [usize]) {
    let c = count(labels);
    let links = links_between(edges, labels);
    let mut strength = vec![0.0; c];
    for &(a, b, w) in edges {
        strength[labels[a]] += w;
        strength[labels[b]] += w;
    }
    let mut size = vec![0; c];
    for (i, &l) in labels.iter().enumerate() {
        size[l] += sizes[i];
    }
    let two_m: f64 = strength.iter().sum();
    let mut best = (f64::NEG_INFINITY, usize::MAX, 0, 0);
    for a in 0..c {
        for b in a + 1..c {
            let w = links.get(&(a, b)).copied().unwrap_or(0.0);
            let gain = if two_m > 0.0 {
                w - strength[a] * strength[b] / two_m
            } else {
                0.0
            };
            let s = size[a] + size[b];
            if gain > best.0 + 1e-12 || ((gain - best.0).abs() <= 1e-12 && s < best.1) {
                best = (gain, s, a, b);
            }
        }
    }
    let (_, _, a, b) = best;
    for label in labels.iter_mut() {
        if *label == b {
            *label = a;
        }
    }
    renumber(labels);
}
