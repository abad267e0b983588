//! Hub tables: tables so many others point at (users, audit owners,
//! reference data, the product everything sells) that they would glue the
//! whole schema into one cluster.
//!
//! Two things keep them from doing so. While the graph is built, every link
//! to a table is damped by how many tables link to it ([`specificity`]): a
//! reference to a table referenced by 15 others says little about where
//! the referencing table belongs, one to a table nobody else references
//! says a lot. After clustering, the tables whose number of direct links
//! stands out ([`detect`]) are reported as shared, each with the one
//! service that owns it: the one holding most of its link weight.

use super::graph::SignalGraph;

/// A unit is a hub when its number of directly linked units is at least
/// this many standard deviations above the mean over connected units...
const Z_SCORE: f64 = 2.0;
/// ...and at least this many (a table with three links is no glue, even in
/// a schema where most tables have one).
const MIN_NEIGHBORS: usize = 5;

/// How much one link to a table linked from `linked_from` places counts:
/// `1 / log2(1 + n)`, so 1 for a table linked from one place, 0.5 from
/// three, 0.25 from fifteen. Like inverse document frequency: common
/// targets carry little information.
pub(crate) fn specificity(linked_from: usize) -> f64 {
    if linked_from <= 1 {
        1.0
    } else {
        1.0 / (1.0 + linked_from as f64).log2()
    }
}

/// Flags the hub units: those whose count of directly linked units (by
/// foreign keys, code or co-access; names and siblings do not count) is an
/// outlier.
pub(crate) fn detect(graph: &SignalGraph) -> Vec<bool> {
    let connected: Vec<f64> = graph
        .degree
        .iter()
        .filter(|&&d| d > 0)
        .map(|&d| d as f64)
        .collect();
    if connected.len() < 4 {
        return vec![false; graph.units];
    }
    let n = connected.len() as f64;
    let mean = connected.iter().sum::<f64>() / n;
    let variance = connected.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n;
    let threshold = mean + Z_SCORE * variance.sqrt();
    graph
        .degree
        .iter()
        .map(|&d| d >= MIN_NEIGHBORS && d as f64 > threshold)
        .collect()
}

/// Moves each hub to the community holding most of its link weight (ties
/// keep it where clustering put it). Clustering saw the hub's links damped;
/// where it belongs is still best told by the sum of all of them.
pub(crate) fn place(graph: &SignalGraph, hubs: &[bool], labels: &mut [usize]) {
    let before = labels.to_vec();
    let mut pull: Vec<Vec<(usize, f64)>> = vec![Vec::new(); graph.units];
    for &(a, b, w) in &graph.edges {
        if hubs[a] {
            pull[a].push((before[b], w));
        }
        if hubs[b] {
            pull[b].push((before[a], w));
        }
    }
    for (hub, links) in pull.into_iter().enumerate() {
        if links.is_empty() {
            continue;
        }
        let mut totals: std::collections::BTreeMap<usize, f64> = Default::default();
        for (c, w) in links {
            *totals.entry(c).or_insert(0.0) += w;
        }
        let mut best = before[hub];
        let mut best_weight = totals.get(&best).copied().unwrap_or(0.0);
        for (&c, &w) in &totals {
            if w > best_weight + 1e-12 {
                best = c;
                best_weight = w;
            }
        }
        labels[hub] = best;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specificity_falls_with_references() {
        assert_eq!(specificity(0), 1.0);
        assert_eq!(specificity(1), 1.0);
        assert!((specificity(3) - 0.5).abs() < 1e-12);
        assert!((specificity(15) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn star_center_is_a_hub() {
        // One center linked to 8 leaves, plus a few pairs.
        let mut edges: Vec<(usize, usize, f64)> = (1..9).map(|i| (0, i, 1.0)).collect();
        edges.extend([(9, 10, 1.0), (11, 12, 1.0), (13, 14, 1.0)]);
        let mut degree = vec![0; 15];
        for &(a, b, _) in &edges {
            degree[a] += 1;
            degree[b] += 1;
        }
        let graph = SignalGraph {
            units: 15,
            direct: edges.iter().map(|&(a, b, _)| (a, b)).collect(),
            edges,
            degree,
            tenants: vec![false; 15],
        };
        let hubs = detect(&graph);
        assert!(hubs[0]);
        assert_eq!(hubs.iter().filter(|&&h| h).count(), 1);
    }
}
