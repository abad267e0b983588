//! The service map: one node per service, sized by its tables; an arrow
//! from a service to each one it needs; the links cut to break cycles
//! dashed; services in a cycle outlined. Laid out by `report::layout`.

use super::escape;
use crate::model::Proposal;
use crate::report::layout::{layout, LayoutEdge, NodeSize, Point};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Labels longer than this are shortened on the map (the title has them whole).
const MAX_LABEL: usize = 28;

/// `position[i]`: the service's place in the order (1-based); `weights`:
/// the evidence between two services (foreign keys and accesses), by
/// service index, used for line widths and to pick which link to turn
/// around should the dependencies ever form a cycle.
pub(super) struct MapInput<'a> {
    pub proposal: &'a Proposal,
    pub steps: &'a [u32],
    pub in_cycle: &'a BTreeSet<usize>,
    pub weights: &'a BTreeMap<(usize, usize), usize>,
}

enum Kind {
    Needs,
    Cut { evidence: String },
}

pub(super) fn render(input: &MapInput<'_>) -> String {
    let proposal = input.proposal;
    let index: BTreeMap<&str, usize> = proposal
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let labels: Vec<String> = proposal
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| match input.steps[i] {
            0 => short(&s.name),
            step => format!("{step}. {}", short(&s.name)),
        })
        .collect();
    let sublabels: Vec<String> = proposal
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let tables = plural(s.tables.len(), "table");
            let modules = plural(s.modules.len(), "module");
            if input.in_cycle.contains(&i) {
                format!("{tables}, {modules} ↻")
            } else {
                format!("{tables}, {modules}")
            }
        })
        .collect();
    let sizes: Vec<NodeSize> = proposal
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let chars = labels[i]
                .chars()
                .count()
                .max(sublabels[i].chars().count() * 85 / 100);
            NodeSize {
                width: (chars as f64 * 7.6 + 28.0).clamp(110.0, 260.0).round(),
                height: (36.0 + 7.0 * (s.tables.len() as f64).sqrt())
                    .clamp(46.0, 110.0)
                    .round(),
            }
        })
        .collect();

    // A service's dependencies go before it: layout edges point from the
    // dependency to the dependent; the arrows drawn point the other way.
    let mut edges: Vec<LayoutEdge> = Vec::new();
    let mut kinds: Vec<(usize, usize, Kind)> = Vec::new();
    for step in &proposal.order {
        let Some(&service) = index.get(step.service.as_str()) else {
            continue;
        };
        for dependency in &step.depends_on {
            let Some(&needed) = index.get(dependency.as_str()) else {
                continue;
            };
            if needed == service {
                continue;
            }
            let weight = input.weights.get(&(service, needed)).copied().unwrap_or(1);
            edges.push(LayoutEdge {
                from: needed,
                to: service,
                weight: weight as f64,
                constrains: true,
            });
            kinds.push((service, needed, Kind::Needs));
        }
    }
    for cycle in &proposal.cycles {
        let (from, to) = &cycle.weakest_link;
        let (Some(&from), Some(&to)) = (index.get(from.as_str()), index.get(to.as_str())) else {
            continue;
        };
        if from == to {
            continue;
        }
        edges.push(LayoutEdge {
            from,
            to,
            weight: 0.0,
            constrains: false,
        });
        kinds.push((
            from,
            to,
            Kind::Cut {
                evidence: cycle.evidence.clone(),
            },
        ));
    }
    let placed = layout(&sizes, &edges);

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg id=\"map-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Service map: {n}\">",
        w = placed.width,
        h = placed.height,
        n = plural(proposal.services.len(), "service")
    );
    svg.push_str(
        "<defs>\
         <marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" \
         markerHeight=\"10\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" \
         class=\"arrowhead\"/></marker>\
         <marker id=\"arrow-cut\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" \
         markerHeight=\"10\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" \
         class=\"arrowhead-cut\"/></marker>\
         </defs>\n",
    );
    svg.push_str("<g class=\"edges\">\n");
    for (edge, (from, to, kind)) in kinds.iter().enumerate() {
        let mut route = placed.routes[edge].clone();
        if route.len() < 2 {
            continue;
        }
        // Routes run dependency → dependent; arrows point at what is needed.
        if matches!(kind, Kind::Needs) {
            route.reverse();
        }
        let names = format!(
            "{} → {}",
            proposal.services[*from].name, proposal.services[*to].name
        );
        let weight = input.weights.get(&(*from, *to)).copied().unwrap_or(0);
        let (class, marker, title) = match kind {
            Kind::Needs => (
                "edge needs",
                "arrow",
                format!("{names}: needs it{}", evidence_note(weight)),
            ),
            Kind::Cut { evidence } if evidence.is_empty() => (
                "edge cut",
                "arrow-cut",
                format!("{names}: cut to break a cycle"),
            ),
            Kind::Cut { evidence } => (
                "edge cut",
                "arrow-cut",
                format!("{names}: cut to break a cycle ({evidence})"),
            ),
        };
        // Should the dependencies themselves form a cycle, the edge the
        // layout turned around says so.
        let class = if placed.reversed[edge] {
            format!("{class} against-order")
        } else {
            class.to_string()
        };
        let stroke = 1.4 + (weight.min(12) as f64) * 0.2;
        let _ = writeln!(
            svg,
            "<path class=\"{class}\" data-from=\"{from}\" data-to=\"{to}\" d=\"{}\" \
             style=\"stroke-width:{stroke:.1}\" marker-end=\"url(#{marker})\"><title>{}</title></path>",
            curve(&route),
            escape(&title)
        );
        if matches!(kind, Kind::Cut { .. }) {
            let middle = midpoint(&route);
            let _ = writeln!(
                svg,
                "<text class=\"cut-label\" x=\"{:.1}\" y=\"{:.1}\">✂</text>",
                middle.x,
                middle.y - 4.0
            );
        }
    }
    svg.push_str("</g>\n<g class=\"nodes\">\n");
    for (i, service) in proposal.services.iter().enumerate() {
        let Point { x, y } = placed.centers[i];
        let NodeSize { width, height } = sizes[i];
        let class = if input.in_cycle.contains(&i) {
            "service-node in-cycle"
        } else {
            "service-node"
        };
        let _ = writeln!(
            svg,
            "<g class=\"{class}\" data-service=\"{name}\" data-index=\"{i}\" data-layer=\"{layer}\" tabindex=\"0\" \
             role=\"button\" aria-label=\"{name}\">\
             <title>{name}: {tables}, {modules}</title>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" rx=\"8\"/>\
             <text class=\"label\" x=\"{x:.1}\" y=\"{:.1}\">{}</text>\
             <text class=\"sub\" x=\"{x:.1}\" y=\"{:.1}\">{}</text></g>",
            x - width / 2.0,
            y - height / 2.0,
            y - 2.0,
            escape(&labels[i]),
            y + 14.0,
            escape(&sublabels[i]),
            name = escape(&service.name),
            layer = placed.layers[i],
            tables = plural(service.tables.len(), "table"),
            modules = plural(service.modules.len(), "module"),
        );
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}

/// A smooth path through the points, leaving and entering horizontally.
fn curve(points: &[Point]) -> String {
    let mut d = format!("M{:.1},{:.1}", points[0].x, points[0].y);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let mut dx = (b.x - a.x) / 2.0;
        if dx.abs() < 20.0 {
            dx = if dx < 0.0 { -20.0 } else { 20.0 };
        }
        if points.len() == 3 && (points[0].x - points[2].x).abs() < 1.0 {
            // Out to the side and back, both ends on the same layer.
            let _ = write!(d, " Q{:.1},{:.1} {:.1},{:.1}", b.x, a.y, b.x, b.y);
            let c = points[2];
            let _ = write!(d, " Q{:.1},{:.1} {:.1},{:.1}", b.x, c.y, c.x, c.y);
            return d;
        }
        let _ = write!(
            d,
            " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            a.x + dx,
            a.y,
            b.x - dx,
            b.y,
            b.x,
            b.y
        );
    }
    d
}

fn midpoint(points: &[Point]) -> Point {
    if points.len() % 2 == 1 {
        return points[points.len() / 2];
    }
    let (a, b) = (points[points.len() / 2 - 1], points[points.len() / 2]);
    Point {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    }
}

fn evidence_note(weight: usize) -> String {
    match weight {
        0 => String::new(),
        1 => " (1 foreign key or access)".to_string(),
        n => format!(" ({n} foreign keys and accesses)"),
    }
}

pub(super) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn short(name: &str) -> String {
    if name.chars().count() <= MAX_LABEL {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(MAX_LABEL - 1).collect();
    cut.push('…');
    cut
}
