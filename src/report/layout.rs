//! A layered (Sugiyama-style) drawing of a small directed graph, left to
//! right: cycles are broken by reversing their weakest edges, layers come
//! from the longest path, long edges pass through placeholder points, a few
//! barycenter sweeps order each layer, and a few relaxation passes pull
//! nodes towards their neighbours. Pure arithmetic on the input order, so
//! the same graph always gets the same picture.

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

/// Horizontal room between two layers, and vertical room between two nodes.
const LAYER_GAP: f64 = 90.0;
const NODE_GAP: f64 = 28.0;
/// Room next to the points long edges pass through: bundles stay thin.
const DUMMY_GAP: f64 = 12.0;
const BUNDLE_GAP: f64 = 4.0;
const MARGIN: f64 = 24.0;
/// The height a placeholder point takes in its layer.
const DUMMY_HEIGHT: f64 = 10.0;
const SWEEPS: usize = 8;
const RELAX_PASSES: usize = 6;

/// A box to place: its size in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeSize {
    pub width: f64,
    pub height: f64,
}

/// An edge to route. `from` goes in an earlier (more left) layer than `to`
/// unless that closes a cycle; edges that do not `constrain` the layers
/// (links already cut) are routed between the placed nodes as they are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LayoutEdge {
    pub from: usize,
    pub to: usize,
    /// How much evidence the edge rests on: the lightest edges of a cycle
    /// are reversed first.
    pub weight: f64,
    pub constrains: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub x: f64,
    pub y: f64,
}

/// Where everything went: node centres, edge routes from `from`'s border
/// to `to`'s border, the drawing's size.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub centers: Vec<Point>,
    pub layers: Vec<usize>,
    pub routes: Vec<Vec<Point>>,
    /// Edges the layout turned around to break a cycle.
    pub reversed: Vec<bool>,
    pub width: f64,
    pub height: f64,
}

/// A node of the layered graph: a real node or a point a long edge passes.
struct Slot {
    layer: usize,
    height: f64,
    real: bool,
}

/// The room between two neighbours in a layer, centre to centre.
fn spacing(slots: &[Slot], a: usize, b: usize) -> f64 {
    let gap = match (slots[a].real, slots[b].real) {
        (true, true) => NODE_GAP,
        (false, false) => BUNDLE_GAP,
        _ => DUMMY_GAP,
    };
    (slots[a].height + slots[b].height) / 2.0 + gap
}

pub(crate) fn layout(sizes: &[NodeSize], edges: &[LayoutEdge]) -> Layout {
    let n = sizes.len();
    let reversed = break_cycles(n, edges);
    // Edges as the layers see them: from an earlier layer to a later one.
    let oriented: Vec<Option<(usize, usize)>> = edges
        .iter()
        .zip(&reversed)
        .map(|(e, &rev)| {
            let pair = if rev { (e.to, e.from) } else { (e.from, e.to) };
            (e.constrains && e.from != e.to && e.from < n && e.to < n).then_some(pair)
        })
        .collect();
    let layers = longest_path_layers(n, &oriented);

    // Long edges pass through one placeholder per layer they cross.
    let mut slots: Vec<Slot> = (0..n)
        .map(|i| Slot {
            layer: layers[i],
            height: sizes[i].height,
            real: true,
        })
        .collect();
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    let mut links: Vec<(usize, usize)> = Vec::new();
    for (index, edge) in oriented.iter().enumerate() {
        let Some((from, to)) = *edge else { continue };
        let mut chain = vec![from];
        for layer in layers[from] + 1..layers[to] {
            slots.push(Slot {
                layer,
                height: DUMMY_HEIGHT,
                real: false,
            });
            chain.push(slots.len() - 1);
        }
        chain.push(to);
        for pair in chain.windows(2) {
            links.push((pair[0], pair[1]));
        }
        chains[index] = chain;
    }

    let layer_count = layers.iter().copied().max().map_or(0, |m| m + 1);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    for (slot, s) in slots.iter().enumerate() {
        order[s.layer].push(slot);
    }
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    for &(a, b) in &links {
        succs[a].push(b);
        preds[b].push(a);
    }
    reduce_crossings(&mut order, &preds, &succs, &links, slots.len());

    // Coordinates: layers left to right, each as wide as its widest node.
    let mut layer_width = vec![0.0f64; layer_count];
    for i in 0..n {
        layer_width[layers[i]] = layer_width[layers[i]].max(sizes[i].width);
    }
    let mut layer_x = vec![0.0f64; layer_count];
    let mut x = MARGIN;
    for l in 0..layer_count {
        layer_x[l] = x + layer_width[l] / 2.0;
        x += layer_width[l] + LAYER_GAP;
    }
    let mut y = vec![0.0f64; slots.len()];
    let tallest = order
        .iter()
        .map(|layer| stacked_height(layer, &slots))
        .fold(0.0, f64::max);
    for layer in &order {
        let mut centre = (tallest - stacked_height(layer, &slots)) / 2.0;
        for (i, &slot) in layer.iter().enumerate() {
            centre += if i == 0 {
                slots[slot].height / 2.0
            } else {
                spacing(&slots, layer[i - 1], slot)
            };
            y[slot] = centre;
        }
    }
    for _ in 0..RELAX_PASSES {
        for layer in &order {
            let wanted: Vec<f64> = layer
                .iter()
                .map(|&slot| {
                    let neighbours: Vec<f64> = preds[slot]
                        .iter()
                        .chain(&succs[slot])
                        .map(|&o| y[o])
                        .collect();
                    if neighbours.is_empty() {
                        y[slot]
                    } else {
                        neighbours.iter().sum::<f64>() / neighbours.len() as f64
                    }
                })
                .collect();
            place_in_order(layer, &wanted, &slots, &mut y);
        }
    }
    let top = slots
        .iter()
        .enumerate()
        .map(|(i, s)| y[i] - s.height / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = if top.is_finite() { MARGIN - top } else { 0.0 };
    for value in &mut y {
        *value = round(*value + shift);
    }
    let slot_x = |slot: usize| round(layer_x[slots[slot].layer]);
    let centers: Vec<Point> = (0..n)
        .map(|i| Point {
            x: slot_x(i),
            y: y[i],
        })
        .collect();
    let height = slots
        .iter()
        .enumerate()
        .map(|(i, s)| y[i] + s.height / 2.0)
        .fold(0.0, f64::max)
        + MARGIN;
    let width = (x - LAYER_GAP + MARGIN).max(2.0 * MARGIN);

    let routes = edges
        .iter()
        .enumerate()
        .map(|(index, edge)| {
            if edge.from >= n || edge.to >= n {
                return Vec::new();
            }
            if chains[index].is_empty() {
                return direct_route(sizes, &centers, edge.from, edge.to);
            }
            let mut points: Vec<Point> = chains[index]
                .iter()
                .map(|&slot| Point {
                    x: slot_x(slot),
                    y: y[slot],
                })
                .collect();
            let (first, last) = (chains[index][0], chains[index][chains[index].len() - 1]);
            points[0].x = round(points[0].x + sizes[first].width / 2.0);
            let end = points.len() - 1;
            points[end].x = round(points[end].x - sizes[last].width / 2.0);
            if reversed[index] {
                points.reverse();
            }
            points
        })
        .collect();
    Layout {
        centers,
        layers,
        routes,
        reversed,
        width: round(width),
        height: round(height.max(2.0 * MARGIN)),
    }
}

/// Reverses, while a cycle remains, the lightest edge inside a strongly
/// connected group (ties: the later edge), like cutting the weakest link.
fn break_cycles(n: usize, edges: &[LayoutEdge]) -> Vec<bool> {
    let mut reversed = vec![false; edges.len()];
    loop {
        let mut graph: DiGraph<(), usize> = DiGraph::new();
        let nodes: Vec<NodeIndex> = (0..n).map(|_| graph.add_node(())).collect();
        for (index, edge) in edges.iter().enumerate() {
            if !edge.constrains || edge.from == edge.to || edge.from >= n || edge.to >= n {
                continue;
            }
            let (a, b) = if reversed[index] {
                (edge.to, edge.from)
            } else {
                (edge.from, edge.to)
            };
            graph.add_edge(nodes[a], nodes[b], index);
        }
        let mut candidate: Option<usize> = None;
        for component in tarjan_scc(&graph) {
            if component.len() < 2 {
                continue;
            }
            for &node in &component {
                for edge in graph.edges(node) {
                    use petgraph::visit::EdgeRef;
                    if !component.contains(&edge.target()) {
                        continue;
                    }
                    let index = *edge.weight();
                    let better = match candidate {
                        None => true,
                        Some(c) => {
                            edges[index].weight < edges[c].weight
                                || (edges[index].weight == edges[c].weight && index > c)
                        }
                    };
                    if better {
                        candidate = Some(index);
                    }
                }
            }
        }
        match candidate {
            Some(index) => reversed[index] = true,
            None => return reversed,
        }
    }
}

/// Layer 0 for nodes nothing points at; each other node one past its
/// furthest predecessor.
fn longest_path_layers(n: usize, oriented: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut graph: DiGraph<(), ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..n).map(|_| graph.add_node(())).collect();
    for &(a, b) in oriented.iter().flatten() {
        graph.add_edge(nodes[a], nodes[b], ());
    }
    let mut layers = vec![0usize; n];
    // Acyclic by construction; should that ever fail, one layer is still a drawing.
    let Ok(sorted) = toposort(&graph, None) else {
        return layers;
    };
    for node in sorted {
        for next in graph.neighbors(node) {
            let (a, b) = (node.index(), next.index());
            layers[b] = layers[b].max(layers[a] + 1);
        }
    }
    layers
}

/// Barycenter sweeps down and up the layers; keeps the order with the
/// fewest crossings seen.
fn reduce_crossings(
    order: &mut [Vec<usize>],
    preds: &[Vec<usize>],
    succs: &[Vec<usize>],
    links: &[(usize, usize)],
    slot_count: usize,
) {
    let mut position = vec![0usize; slot_count];
    let index_positions = |order: &[Vec<usize>], position: &mut [usize]| {
        for layer in order {
            for (p, &slot) in layer.iter().enumerate() {
                position[slot] = p;
            }
        }
    };
    index_positions(order, &mut position);
    let mut best = order.to_vec();
    let mut best_crossings = crossings(order, links, &position);
    for sweep in 0..SWEEPS {
        let downward = sweep % 2 == 0;
        let layer_indices: Vec<usize> = if downward {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        for l in layer_indices {
            let neighbours = if downward { preds } else { succs };
            let mut keyed: Vec<(f64, usize, usize)> = order[l]
                .iter()
                .map(|&slot| {
                    let around = &neighbours[slot];
                    let key = if around.is_empty() {
                        position[slot] as f64
                    } else {
                        around.iter().map(|&o| position[o] as f64).sum::<f64>()
                            / around.len() as f64
                    };
                    (key, position[slot], slot)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order[l] = keyed.into_iter().map(|(_, _, slot)| slot).collect();
            for (p, &slot) in order[l].iter().enumerate() {
                position[slot] = p;
            }
        }
        let now = crossings(order, links, &position);
        if now < best_crossings {
            best_crossings = now;
            best = order.to_vec();
        }
    }
    order.clone_from_slice(&best);
}

/// Pairs of links between the same two layers that cross.
fn crossings(order: &[Vec<usize>], links: &[(usize, usize)], position: &[usize]) -> usize {
    let mut by_layer: Vec<Vec<(usize, usize)>> = vec![Vec::new(); order.len()];
    let mut layer_of = vec![0usize; position.len()];
    for (l, layer) in order.iter().enumerate() {
        for &slot in layer {
            layer_of[slot] = l;
        }
    }
    for &(a, b) in links {
        by_layer[layer_of[a]].push((position[a], position[b]));
    }
    let mut count = 0;
    for pairs in &by_layer {
        for (i, &(a1, b1)) in pairs.iter().enumerate() {
            for &(a2, b2) in &pairs[i + 1..] {
                if (a1 < a2 && b1 > b2) || (a1 > a2 && b1 < b2) {
                    count += 1;
                }
            }
        }
    }
    count
}

fn stacked_height(layer: &[usize], slots: &[Slot]) -> f64 {
    let (Some(&first), Some(&last)) = (layer.first(), layer.last()) else {
        return 0.0;
    };
    let between: f64 = layer.windows(2).map(|w| spacing(slots, w[0], w[1])).sum();
    between + (slots[first].height + slots[last].height) / 2.0
}

/// Moves a layer's nodes towards where they want to be without changing
/// their order or letting them overlap: down from the top, then up from
/// the bottom, averaging the two.
fn place_in_order(layer: &[usize], wanted: &[f64], slots: &[Slot], y: &mut [f64]) {
    if layer.is_empty() {
        return;
    }
    let gap = |a: usize, b: usize| spacing(slots, a, b);
    let mut down = wanted.to_vec();
    for i in 1..layer.len() {
        down[i] = down[i].max(down[i - 1] + gap(layer[i - 1], layer[i]));
    }
    let mut up = wanted.to_vec();
    for i in (0..layer.len() - 1).rev() {
        up[i] = up[i].min(up[i + 1] - gap(layer[i], layer[i + 1]));
    }
    let mut placed: Vec<f64> = down.iter().zip(&up).map(|(d, u)| (d + u) / 2.0).collect();
    for i in 1..layer.len() {
        placed[i] = placed[i].max(placed[i - 1] + gap(layer[i - 1], layer[i]));
    }
    for (i, &slot) in layer.iter().enumerate() {
        y[slot] = placed[i];
    }
}

/// A link the layers did not place (a cut one): border to border, or out
/// to the right and back when both ends share a layer.
fn direct_route(sizes: &[NodeSize], centers: &[Point], from: usize, to: usize) -> Vec<Point> {
    let (a, b) = (centers[from], centers[to]);
    if from == to {
        return Vec::new();
    }
    if (a.x - b.x).abs() < 1.0 {
        let side = a.x + sizes[from].width.max(sizes[to].width) / 2.0;
        return vec![
            Point {
                x: round(a.x + sizes[from].width / 2.0),
                y: a.y,
            },
            Point {
                x: round(side + 36.0),
                y: round((a.y + b.y) / 2.0),
            },
            Point {
                x: round(b.x + sizes[to].width / 2.0),
                y: b.y,
            },
        ];
    }
    let direction = if b.x > a.x { 1.0 } else { -1.0 };
    vec![
        Point {
            x: round(a.x + direction * sizes[from].width / 2.0),
            y: a.y,
        },
        Point {
            x: round(b.x - direction * sizes[to].width / 2.0),
            y: b.y,
        },
    ]
}

/// Coordinates to a tenth of a pixel: stable text, no float noise.
fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size() -> NodeSize {
        NodeSize {
            width: 100.0,
            height: 40.0,
        }
    }

    fn edge(from: usize, to: usize, weight: f64) -> LayoutEdge {
        LayoutEdge {
            from,
            to,
            weight,
            constrains: true,
        }
    }

    #[test]
    fn a_chain_goes_left_to_right_one_layer_per_node() {
        let l = layout(&[size(); 3], &[edge(0, 1, 1.0), edge(1, 2, 1.0)]);
        assert_eq!(l.layers, [0, 1, 2]);
        assert!(l.centers[0].x < l.centers[1].x && l.centers[1].x < l.centers[2].x);
        assert_eq!(l.reversed, [false, false]);
    }

    #[test]
    fn the_lightest_edge_of_a_cycle_is_reversed() {
        let edges = [edge(0, 1, 3.0), edge(1, 2, 2.0), edge(2, 0, 1.0)];
        let l = layout(&[size(); 3], &edges);
        assert_eq!(l.reversed, [false, false, true]);
        assert_eq!(l.layers, [0, 1, 2]);
        // The reversed edge is still routed from its own start to its end.
        let route = &l.routes[2];
        assert!(route[0].x > route[route.len() - 1].x);
    }

    #[test]
    fn long_edges_pass_through_every_layer_they_cross() {
        let edges = [edge(0, 1, 1.0), edge(1, 2, 1.0), edge(0, 2, 1.0)];
        let l = layout(&[size(); 3], &edges);
        assert_eq!(l.routes[2].len(), 3);
    }

    #[test]
    fn nodes_in_a_layer_never_overlap_and_the_output_is_stable() {
        let sizes = [size(); 6];
        let edges = [
            edge(0, 3, 1.0),
            edge(1, 3, 1.0),
            edge(2, 4, 1.0),
            edge(0, 5, 1.0),
            edge(2, 5, 1.0),
        ];
        let a = layout(&sizes, &edges);
        let b = layout(&sizes, &edges);
        assert_eq!(a.centers, b.centers);
        let mut first: Vec<f64> = (0..3).map(|i| a.centers[i].y).collect();
        first.sort_by(f64::total_cmp);
        for pair in first.windows(2) {
            assert!(pair[1] - pair[0] >= 40.0 + NODE_GAP - 0.2);
        }
    }

    #[test]
    fn crossing_edges_are_untangled() {
        // 0→3 and 1→2 cross in input order; a sweep swaps them.
        let sizes = [size(); 4];
        let edges = [edge(0, 3, 1.0), edge(1, 2, 1.0)];
        let l = layout(&sizes, &edges);
        let (a, b) = (
            l.centers[0].y < l.centers[1].y,
            l.centers[3].y < l.centers[2].y,
        );
        assert_eq!(a, b);
    }
}
