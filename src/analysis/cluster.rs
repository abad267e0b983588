//! Community detection on the weighted table graph: Louvain and Leiden,
//! maximizing modularity with a resolution parameter.
//!
//! Both are deterministic: nodes are visited in index order (the caller
//! numbers tables by name), ties go to the lowest community number, and
//! Leiden's refinement takes the best merge instead of a random one (the
//! limit of its randomness parameter going to zero). So the same graph
//! always gives the same communities.
//!
//! Modularity with resolution γ of a partition into communities c is
//! `Q = Σ_c [ in_c / m − γ (K_c / 2m)² ]`, where `in_c` is the weight of the
//! edges inside c, `K_c` the summed strength (weighted degree) of its nodes
//! and `m` the total edge weight. Higher γ favors more, smaller communities.

use petgraph::graph::UnGraph;
use petgraph::visit::EdgeRef;
use std::collections::VecDeque;

/// Gains below this are treated as ties, so rounding noise never makes a
/// node flip back and forth.
const EPSILON: f64 = 1e-12;

/// Which community detection algorithm to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// Leiden: Louvain plus a refinement step that guarantees connected,
    /// well-separated communities.
    #[default]
    Leiden,
    /// Louvain: local moving and aggregation.
    Louvain,
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Leiden => "leiden",
            Algorithm::Louvain => "louvain",
        })
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "leiden" => Ok(Algorithm::Leiden),
            "louvain" => Ok(Algorithm::Louvain),
            other => Err(format!(
                "unknown algorithm `{other}`: expected leiden or louvain"
            )),
        }
    }
}

/// A weighted undirected graph in compressed adjacency form, with the
/// weight folded inside each node (non-zero once nodes are aggregates).
#[derive(Debug, Clone)]
pub struct Network {
    offsets: Vec<usize>,
    neighbors: Vec<usize>,
    weights: Vec<f64>,
    /// Weight of the edges inside each node.
    inner: Vec<f64>,
    /// Weighted degree, inner edges counted twice.
    strength: Vec<f64>,
    /// Twice the total edge weight (the sum of strengths).
    total: f64,
}

impl Network {
    /// Reads a petgraph graph; node indices become network nodes.
    pub fn from_graph<N>(graph: &UnGraph<N, f64>) -> Self {
        let edges: Vec<(usize, usize, f64)> = graph
            .edge_references()
            .map(|e| (e.source().index(), e.target().index(), *e.weight()))
            .collect();
        Network::from_edges(graph.node_count(), &edges)
    }

    /// Builds from undirected edges; loops become inner weight and
    /// repeated edges add up.
    pub fn from_edges(nodes: usize, edges: &[(usize, usize, f64)]) -> Self {
        Network::build(nodes, edges, vec![0.0; nodes])
    }

    fn build(nodes: usize, edges: &[(usize, usize, f64)], mut inner: Vec<f64>) -> Self {
        // Both ends of every edge, laid out node by node in edge order (a
        // counting sort: one allocation, however many nodes).
        let kept = |w: f64| w > 0.0 && w.is_finite();
        let mut starts = vec![0usize; nodes + 1];
        for &(a, b, w) in edges {
            if kept(w) && a != b {
                starts[a + 1] += 1;
                starts[b + 1] += 1;
            }
        }
        for node in 0..nodes {
            starts[node + 1] += starts[node];
        }
        let mut next = starts.clone();
        let mut ends = vec![(0usize, 0.0f64); starts[nodes]];
        for &(a, b, w) in edges {
            if !kept(w) {
                continue;
            }
            if a == b {
                inner[a] += w;
            } else {
                ends[next[a]] = (b, w);
                next[a] += 1;
                ends[next[b]] = (a, w);
                next[b] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(nodes + 1);
        let mut neighbors = Vec::with_capacity(ends.len());
        let mut weights = Vec::with_capacity(ends.len());
        let mut strength = Vec::with_capacity(nodes);
        offsets.push(0);
        for node in 0..nodes {
            let list = &mut ends[starts[node]..starts[node + 1]];
            // Sorted (stably: equal neighbors keep edge order), duplicates
            // merged: a fixed order makes sums repeatable.
            list.sort_by_key(|x| x.0);
            let mut k = 2.0 * inner[node];
            let mut last: Option<usize> = None;
            for &(to, w) in list.iter() {
                k += w;
                if last == Some(to) {
                    *weights.last_mut().expect("pushed") += w;
                } else {
                    neighbors.push(to);
                    weights.push(w);
                    last = Some(to);
                }
            }
            strength.push(k);
            offsets.push(neighbors.len());
        }
        Network::from_lists(offsets, neighbors, weights, inner, strength)
    }

    /// A network from its adjacency lists; the total is the strengths'
    /// sum.
    fn from_lists(
        offsets: Vec<usize>,
        neighbors: Vec<usize>,
        weights: Vec<f64>,
        inner: Vec<f64>,
        strength: Vec<f64>,
    ) -> Self {
        let total = strength.iter().sum();
        Network {
            offsets,
            neighbors,
            weights,
            inner,
            strength,
            total,
        }
    }

    pub fn node_count(&self) -> usize {
        self.strength.len()
    }

    /// Weighted degree of a node.
    pub fn strength(&self, node: usize) -> f64 {
        self.strength[node]
    }

    /// Neighbors of a node with edge weights, in index order.
    pub fn neighbors(&self, node: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[node]..self.offsets[node + 1];
        self.neighbors[range.clone()]
            .iter()
            .copied()
            .zip(self.weights[range].iter().copied())
    }

    /// The network whose nodes are the communities of `membership`
    /// (numbered `0..count`). A link's weight is summed once, from its
    /// lower-numbered community, in node order, and given to both ends, so
    /// the network stays symmetric; no list needs sorting but the set of
    /// each community's higher-numbered neighbors.
    fn aggregate(&self, membership: &[usize], count: usize) -> Network {
        let n = self.node_count();
        let mut inner = vec![0.0; count];
        for node in 0..n {
            let c = membership[node];
            inner[c] += self.inner[node];
            for (to, w) in self.neighbors(node) {
                if to > node && membership[to] == c {
                    inner[c] += w;
                }
            }
        }
        // The nodes of each community, in node order.
        let mut starts = vec![0usize; count + 1];
        for &c in membership {
            starts[c + 1] += 1;
        }
        for c in 0..count {
            starts[c + 1] += starts[c];
        }
        let mut members = vec![0usize; n];
        let mut next = starts.clone();
        for (node, &c) in membership.iter().enumerate() {
            members[next[c]] = node;
            next[c] += 1;
        }
        // Links from lower-numbered communities, added in their order.
        let mut lower: Vec<Vec<(usize, f64)>> = vec![Vec::new(); count];
        let mut weight_to = vec![0.0; count];
        let mut touched: Vec<usize> = Vec::new();
        let mut touched_bits = vec![0u64; count.div_ceil(64)];
        let mut offsets = Vec::with_capacity(count + 1);
        let mut neighbors = Vec::new();
        let mut weights = Vec::new();
        let mut strength = Vec::with_capacity(count);
        offsets.push(0);
        for c in 0..count {
            for &node in &members[starts[c]..starts[c + 1]] {
                for (to, w) in self.neighbors(node) {
                    let d = membership[to];
                    if d > c {
                        // Weights are positive: zero means not seen yet.
                        if weight_to[d] == 0.0 {
                            touched.push(d);
                        }
                        weight_to[d] += w;
                    }
                }
            }
            sort_communities(&mut touched, &mut touched_bits);
            let mut k = 2.0 * inner[c];
            for &(d, w) in &std::mem::take(&mut lower[c]) {
                neighbors.push(d);
                weights.push(w);
                k += w;
            }
            for &d in &touched {
                let w = std::mem::replace(&mut weight_to[d], 0.0);
                neighbors.push(d);
                weights.push(w);
                k += w;
                lower[d].push((c, w));
            }
            touched.clear();
            strength.push(k);
            offsets.push(neighbors.len());
        }
        Network::from_lists(offsets, neighbors, weights, inner, strength)
    }
}

/// Modularity of a partition (see the module comment); 0 for a graph
/// without edges.
pub fn modularity(network: &Network, membership: &[usize], resolution: f64) -> f64 {
    if network.total <= 0.0 {
        return 0.0;
    }
    let count = membership.iter().copied().max().map_or(0, |m| m + 1);
    let mut inside = vec![0.0; count];
    let mut strength = vec![0.0; count];
    for node in 0..network.node_count() {
        let c = membership[node];
        strength[c] += network.strength[node];
        inside[c] += 2.0 * network.inner[node];
        for (to, w) in network.neighbors(node) {
            if membership[to] == c {
                inside[c] += w;
            }
        }
    }
    let two_m = network.total;
    (0..count)
        .map(|c| inside[c] / two_m - resolution * (strength[c] / two_m).powi(2))
        .sum()
}

/// Runs the chosen algorithm; returns each node's community, numbered in
/// order of first appearance.
pub fn detect(network: &Network, algorithm: Algorithm, resolution: f64) -> Vec<usize> {
    match algorithm {
        Algorithm::Leiden => leiden(network, resolution),
        Algorithm::Louvain => louvain(network, resolution),
    }
}

/// Renumbers communities in order of first appearance; returns the count.
fn renumber(membership: &mut [usize]) -> usize {
    let mut map = vec![usize::MAX; membership.len().max(1)];
    let mut next = 0;
    for c in membership.iter_mut() {
        if *c >= map.len() {
            map.resize(*c + 1, usize::MAX);
        }
        if map[*c] == usize::MAX {
            map[*c] = next;
            next += 1;
        }
        *c = map[*c];
    }
    next
}

/// Per-move bookkeeping shared by the local moving phases.
struct Moves<'a> {
    network: &'a Network,
    resolution: f64,
    membership: Vec<usize>,
    /// Summed strength of each community.
    community_strength: Vec<f64>,
    size: Vec<usize>,
    /// Empty community numbers, smallest last.
    empty: Vec<usize>,
    /// Scratch: weight from the moving node to each community.
    weight_to: Vec<f64>,
    touched: Vec<usize>,
    /// Scratch: `touched` as a bitmap, for putting long lists in order.
    touched_bits: Vec<u64>,
}

impl<'a> Moves<'a> {
    fn new(network: &'a Network, membership: Vec<usize>, resolution: f64) -> Self {
        let n = network.node_count();
        let mut community_strength = vec![0.0; n];
        let mut size = vec![0; n];
        for (node, &c) in membership.iter().enumerate() {
            community_strength[c] += network.strength[node];
            size[c] += 1;
        }
        let empty = (0..n).rev().filter(|&c| size[c] == 0).collect();
        Moves {
            network,
            resolution,
            membership,
            community_strength,
            size,
            empty,
            weight_to: vec![0.0; n],
            touched: Vec::new(),
            touched_bits: vec![0; n.div_ceil(64)],
        }
    }

    /// Moves `node` to the community that gains most; returns whether it
    /// changed community.
    fn move_node(&mut self, node: usize) -> bool {
        let network = self.network;
        let two_m = network.total;
        let k = network.strength[node];
        let current = self.membership[node];
        for (to, w) in network.neighbors(node) {
            let c = self.membership[to];
            if self.weight_to[c] == 0.0 {
                self.touched.push(c);
            }
            self.weight_to[c] += w;
        }
        self.community_strength[current] -= k;
        self.size[current] -= 1;
        let gain = |weight: f64, strength: f64| weight - self.resolution * k * strength / two_m;
        let mut best = current;
        let mut best_gain = gain(self.weight_to[current], self.community_strength[current]);
        sort_communities(&mut self.touched, &mut self.touched_bits);
        // Strictly better only: ties keep the node where it is, or go to
        // the lowest community number (candidates come in order).
        for &c in &self.touched {
            let g = gain(self.weight_to[c], self.community_strength[c]);
            if g > best_gain + EPSILON {
                best = c;
                best_gain = g;
            }
        }
        // Alone in a fresh community: gain 0.
        if self.size[current] > 0 && best_gain < -EPSILON {
            if let Some(&fresh) = self.empty.last() {
                best = fresh;
            }
        }
        for &c in &self.touched {
            self.weight_to[c] = 0.0;
        }
        self.touched.clear();
        if self.size[best] == 0 && best != current {
            self.empty.retain(|&c| c != best);
        }
        self.community_strength[best] += k;
        self.size[best] += 1;
        self.membership[node] = best;
        if self.size[current] == 0 && best != current {
            // Keep the stack sorted so the smallest empty number is reused.
            let at = self.empty.partition_point(|&c| c > current);
            self.empty.insert(at, current);
        }
        best != current
    }
}

/// Puts community numbers in increasing order: a short list is sorted, a
/// long one read back from a bitmap (all zero before and after), which
/// costs a word per 64 communities instead of a comparison sort.
fn sort_communities(list: &mut Vec<usize>, bits: &mut [u64]) {
    const SHORT: usize = 32;
    if list.len() <= SHORT {
        list.sort_unstable();
        return;
    }
    let (mut low, mut high) = (usize::MAX, 0);
    for &c in list.iter() {
        bits[c / 64] |= 1 << (c % 64);
        low = low.min(c / 64);
        high = high.max(c / 64);
    }
    list.clear();
    for (w, word) in bits.iter_mut().enumerate().take(high + 1).skip(low) {
        let mut rest = std::mem::take(word);
        while rest != 0 {
            list.push(w * 64 + rest.trailing_zeros() as usize);
            rest &= rest - 1;
        }
    }
}

/// Louvain: sweep nodes in order moving each to its best neighboring
/// community until a sweep moves nothing, then aggregate communities into
/// nodes and repeat until aggregation changes nothing.
pub fn louvain(network: &Network, resolution: f64) -> Vec<usize> {
    let n = network.node_count();
    let mut of_original: Vec<usize> = (0..n).collect();
    let mut level = network.clone();
    loop {
        let mut moves = Moves::new(&level, (0..level.node_count()).collect(), resolution);
        let mut sweeps = 0;
        loop {
            let mut moved = false;
            for node in 0..level.node_count() {
                moved |= moves.move_node(node);
            }
            sweeps += 1;
            if !moved || sweeps > 1000 {
                break;
            }
        }
        let mut membership = moves.membership;
        let count = renumber(&mut membership);
        if count == level.node_count() {
            break;
        }
        for c in of_original.iter_mut() {
            *c = membership[*c];
        }
        level = level.aggregate(&membership, count);
    }
    renumber(&mut of_original);
    of_original
}

/// Leiden: fast local moving (a queue of nodes whose neighborhood changed),
/// then refinement of each community into well-connected sub-communities,
/// aggregation on the refined partition, with the unrefined one as the
/// starting point of the next level.
pub fn leiden(network: &Network, resolution: f64) -> Vec<usize> {
    let n = network.node_count();
    let mut of_original: Vec<usize> = (0..n).collect();
    let mut level = network.clone();
    let mut partition: Vec<usize> = (0..n).collect();
    for _ in 0..1000 {
        partition = fast_local_move(&level, partition, resolution);
        let count = renumber(&mut partition);
        if count == level.node_count() {
            break;
        }
        let mut refined = refine(&level, &partition, resolution);
        let mut refined_count = renumber(&mut refined);
        if refined_count == level.node_count() {
            // Refinement merged nothing: aggregate on the partition itself
            // so the next level is smaller.
            refined = partition.clone();
            refined_count = count;
        }
        let mut next_partition = vec![0; refined_count];
        for node in 0..level.node_count() {
            next_partition[refined[node]] = partition[node];
        }
        for c in of_original.iter_mut() {
            *c = refined[*c];
        }
        level = level.aggregate(&refined, refined_count);
        partition = next_partition;
    }
    let mut result: Vec<usize> = of_original.iter().map(|&c| partition[c]).collect();
    renumber(&mut result);
    result
}

fn fast_local_move(network: &Network, membership: Vec<usize>, resolution: f64) -> Vec<usize> {
    let n = network.node_count();
    let mut moves = Moves::new(network, membership, resolution);
    let mut queue: VecDeque<usize> = (0..n).collect();
    let mut queued = vec![true; n];
    while let Some(node) = queue.pop_front() {
        queued[node] = false;
        if moves.move_node(node) {
            let now = moves.membership[node];
            for (to, _) in network.neighbors(node) {
                if !queued[to] && moves.membership[to] != now {
                    queued[to] = true;
                    queue.push_back(to);
                }
            }
        }
    }
    moves.membership
}

/// Splits each community into sub-communities, starting from singletons
/// and merging a singleton node into the sub-community of the same
/// community that gains most, when both are well connected to the rest of
/// their community.
fn refine(network: &Network, partition: &[usize], resolution: f64) -> Vec<usize> {
    let n = network.node_count();
    let two_m = network.total;
    let mut refined: Vec<usize> = (0..n).collect();
    let mut sub_strength: Vec<f64> = network.strength.clone();
    let mut sub_size = vec![1usize; n];
    let mut community_strength = vec![0.0; n];
    for node in 0..n {
        community_strength[partition[node]] += network.strength[node];
    }
    // Weight from each sub-community to the rest of its community.
    let mut sub_external = vec![0.0; n];
    for (node, external) in sub_external.iter_mut().enumerate() {
        *external = network
            .neighbors(node)
            .filter(|&(to, _)| partition[to] == partition[node])
            .map(|(_, w)| w)
            .sum();
    }
    let mut weight_to = vec![0.0; n];
    let mut touched: Vec<usize> = Vec::new();
    for node in 0..n {
        let own = refined[node];
        if sub_size[own] != 1 {
            continue;
        }
        let c = partition[node];
        let k = network.strength[node];
        let threshold =
            |strength: f64| resolution * strength * (community_strength[c] - strength) / two_m;
        if sub_external[own] < threshold(k) - EPSILON {
            continue;
        }
        for (to, w) in network.neighbors(node) {
            if partition[to] == c {
                let s = refined[to];
                if weight_to[s] == 0.0 {
                    touched.push(s);
                }
                weight_to[s] += w;
            }
        }
        touched.sort_unstable();
        let mut best = own;
        let mut best_gain = 0.0;
        for &s in &touched {
            if s == own || sub_external[s] < threshold(sub_strength[s]) - EPSILON {
                continue;
            }
            let gain = weight_to[s] - resolution * k * sub_strength[s] / two_m;
            if gain > best_gain + EPSILON {
                best = s;
                best_gain = gain;
            }
        }
        if best != own {
            sub_external[best] += sub_external[own] - 2.0 * weight_to[best];
            sub_strength[best] += k;
            sub_size[best] += 1;
            sub_strength[own] = 0.0;
            sub_size[own] = 0;
            sub_external[own] = 0.0;
            refined[node] = best;
        }
        for &s in &touched {
            weight_to[s] = 0.0;
        }
        touched.clear();
    }
    refined
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two triangles joined by one edge.
    fn two_triangles() -> Network {
        Network::from_edges(
            6,
            &[
                (0, 1, 1.0),
                (1, 2, 1.0),
                (0, 2, 1.0),
                (3, 4, 1.0),
                (4, 5, 1.0),
                (3, 5, 1.0),
                (2, 3, 1.0),
            ],
        )
    }

    #[test]
    fn finds_two_triangles() {
        for algorithm in [Algorithm::Louvain, Algorithm::Leiden] {
            let m = detect(&two_triangles(), algorithm, 1.0);
            assert_eq!(m, [0, 0, 0, 1, 1, 1], "{algorithm}");
        }
    }

    #[test]
    fn aggregating_keeps_weights_symmetric_and_strengths_whole() {
        let net = two_triangles();
        let agg = net.aggregate(&[0, 0, 0, 1, 1, 1], 2);
        assert_eq!(agg.inner, [3.0, 3.0]);
        assert_eq!(agg.neighbors(0).collect::<Vec<_>>(), [(1, 1.0)]);
        assert_eq!(agg.neighbors(1).collect::<Vec<_>>(), [(0, 1.0)]);
        assert_eq!(agg.strength, [7.0, 7.0]);
        assert_eq!(agg.total, net.total);
        // Three communities over a path 0-1-2-3-4 with a repeated link.
        let path = Network::from_edges(5, &[(0, 1, 1.0), (1, 2, 2.0), (2, 3, 3.0), (3, 4, 4.0)]);
        let agg = path.aggregate(&[0, 1, 1, 2, 0], 3);
        assert_eq!(agg.neighbors(0).collect::<Vec<_>>(), [(1, 1.0), (2, 4.0)]);
        assert_eq!(agg.neighbors(1).collect::<Vec<_>>(), [(0, 1.0), (2, 3.0)]);
        assert_eq!(agg.neighbors(2).collect::<Vec<_>>(), [(0, 4.0), (1, 3.0)]);
        assert_eq!(agg.inner, [0.0, 2.0, 0.0]);
        assert_eq!(agg.total, path.total);
    }

    #[test]
    fn communities_come_in_order_from_short_and_long_lists() {
        let mut bits = vec![0u64; 4];
        let mut short = vec![5, 3, 9];
        sort_communities(&mut short, &mut bits);
        assert_eq!(short, [3, 5, 9]);
        let mut long: Vec<usize> = (0..100).map(|i| (i * 37) % 251).collect();
        let mut expected = long.clone();
        expected.sort_unstable();
        sort_communities(&mut long, &mut bits);
        assert_eq!(long, expected);
        assert!(bits.iter().all(|&w| w == 0));
    }

    #[test]
    fn modularity_of_two_triangles() {
        // 7 edges; each triangle has 3 inside and strength 7: 2·(3/7 − (7/14)²).
        let q = modularity(&two_triangles(), &[0, 0, 0, 1, 1, 1], 1.0);
        assert!((q - (6.0 / 7.0 - 0.5)).abs() < 1e-12, "{q}");
    }

    #[test]
    fn resolution_controls_count() {
        let net = two_triangles();
        let low = detect(&net, Algorithm::Leiden, 0.01);
        assert!(low.iter().all(|&c| c == 0));
        let high = detect(&net, Algorithm::Leiden, 10.0);
        assert!(high.iter().copied().max().unwrap() >= 2);
    }

    #[test]
    fn isolated_nodes_stay_alone() {
        let net = Network::from_edges(3, &[(0, 1, 1.0)]);
        assert_eq!(detect(&net, Algorithm::Leiden, 1.0), [0, 0, 1]);
        assert_eq!(detect(&net, Algorithm::Louvain, 1.0), [0, 0, 1]);
    }
}
