//! The data layer's write families: which module subtree writes each table.
//!
//! A data layer written by people groups its code by aggregate:
//! `db::orders` with `db::orders::items` writes `orders` and `order_items`,
//! `db::customers` with `db::customers::addresses` writes the customer
//! tables. Foreign keys and cross-calls pull neighbouring aggregates into
//! one community (an order references its customer), but the code already
//! says where one ends. After clustering, a service holding two or more
//! such families, each big enough to stand alone, is split along them.
//!
//! A table's family is the deepest module path that contains every module
//! writing it directly (`db::orders` for a table written by `db::orders`
//! and `db::orders::items`). Two tables are in one family when one family
//! contains the other. A family that is a crate root says nothing (a data
//! layer in one file), and neither does a table nobody writes.

use super::graph::SignalGraph;
use super::tables::Tables;
use crate::model::{AccessMode, AccessVia, Codebase};
use std::collections::{BTreeMap, BTreeSet};

/// The write family of each unit: module path segments, or `None` when
/// the code says nothing about it.
pub(crate) fn unit_families(tables: &Tables, code: &Codebase) -> Vec<Option<Vec<String>>> {
    let mut writers: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); tables.units.len()];
    for module in &code.modules {
        for access in &module.accesses {
            if access.mode != AccessMode::Write || access.via != AccessVia::Direct {
                continue;
            }
            if let Some(t) = tables.find(&access.table) {
                writers[tables.unit_of[t]].insert(module.name.as_str());
            }
        }
    }
    writers
        .iter()
        .map(|modules| {
            let mut paths = modules.iter().map(|m| m.split("::").collect::<Vec<_>>());
            let mut common = paths.next()?;
            for path in paths {
                let shared = common.iter().zip(&path).take_while(|(a, b)| a == b).count();
                common.truncate(shared);
            }
            (common.len() >= 2).then(|| common.into_iter().map(str::to_string).collect())
        })
        .collect()
}

/// Splits every service that holds two or more write families of at
/// least `min_size` tables each. Smaller families then join the family
/// they are most linked to inside the service (smallest first), and
/// tables without a family follow, so each new service stands alone. Returns
/// whether any service was split; labels stay `0..count` with new
/// services numbered after the existing ones.
pub(crate) fn split_by_families(
    labels: &mut [usize],
    graph: &SignalGraph,
    tables: &Tables,
    families: &[Option<Vec<String>>],
    min_size: usize,
) -> bool {
    let services = labels.iter().max().map_or(0, |m| m + 1);
    let mut next = services;
    let mut split = false;
    for service in 0..services {
        let members: Vec<usize> = (0..labels.len())
            .filter(|&u| labels[u] == service)
            .collect();
        let Some(groups) = family_groups(&members, graph, tables, families, min_size) else {
            continue;
        };
        // The group holding the service's first unit keeps its number.
        for (i, group) in groups.iter().enumerate().skip(1) {
            for &u in group {
                labels[u] = next + i - 1;
            }
        }
        next += groups.len() - 1;
        split = true;
    }
    split
}

/// The service's units grouped by family, or `None` when fewer than two
/// groups are big enough to stand alone. Groups are sorted by their
/// first unit.
fn family_groups(
    members: &[usize],
    graph: &SignalGraph,
    tables: &Tables,
    families: &[Option<Vec<String>>],
    min_size: usize,
) -> Option<Vec<Vec<usize>>> {
    // Families present in this service, each merged into the one that
    // contains it: `db::orders::items` into `db::orders`.
    let present: BTreeSet<&[String]> = members
        .iter()
        .filter_map(|&u| families[u].as_deref())
        .collect();
    let root_of = |family: &[String]| -> usize {
        // The shortest present family containing this one; `present` is
        // sorted, so prefixes come first.
        present
            .iter()
            .position(|f| family.starts_with(f))
            .expect("a family contains itself")
    };
    let mut group_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut loose: Vec<usize> = Vec::new();
    for &u in members {
        match families[u].as_deref() {
            Some(family) => {
                let root = root_of(family);
                groups.entry(root).or_default().push(u);
                group_of.insert(u, root);
            }
            None => loose.push(u),
        }
    }
    let size = |group: &[usize]| -> usize { group.iter().map(|&u| tables.units[u].len()).sum() };
    // Only families the code itself made big enough count: one model per
    // file says little about where an aggregate ends.
    if groups.values().filter(|g| size(g) >= min_size).count() < 2 {
        return None;
    }

    // Fold small groups, smallest first, into their best-linked group
    // (small ones too: two single-table families that belong together
    // make one that stands), then loose units.
    let inside: BTreeSet<usize> = members.iter().copied().collect();
    let mut links: BTreeMap<usize, Vec<(usize, f64)>> = BTreeMap::new();
    for &(a, b, w) in &graph.edges {
        if inside.contains(&a) && inside.contains(&b) {
            links.entry(a).or_default().push((b, w));
            links.entry(b).or_default().push((a, w));
        }
    }
    loop {
        let small = groups
            .iter()
            .filter(|(_, g)| size(g) < min_size)
            .min_by_key(|(&k, g)| (size(g), k))
            .map(|(&k, _)| k);
        let Some(small) = small else {
            break;
        };
        let target = best_linked(&groups[&small], &groups, small, &links, &group_of)?;
        let moved = groups.remove(&small).unwrap_or_default();
        for &u in &moved {
            group_of.insert(u, target);
        }
        groups.entry(target).or_default().extend(moved);
    }
    // Loose units, in unit order, each to the group it is most linked to.
    for u in loose {
        let target = best_linked(&[u], &groups, usize::MAX, &links, &group_of)?;
        group_of.insert(u, target);
        groups.entry(target).or_default().push(u);
    }
    let mut out: Vec<Vec<usize>> = groups
        .into_values()
        .map(|mut g| {
            g.sort_unstable();
            g
        })
        .collect();
    out.sort();
    (out.len() >= 2).then_some(out)
}

/// The group (other than `own`) with the most link weight to `units`;
/// ties and unlinked units go to the largest group, then the lowest key.
fn best_linked(
    units: &[usize],
    groups: &BTreeMap<usize, Vec<usize>>,
    own: usize,
    links: &BTreeMap<usize, Vec<(usize, f64)>>,
    group_of: &BTreeMap<usize, usize>,
) -> Option<usize> {
    // Sums run over units and their links in a fixed order: repeatable.
    let mut weight: BTreeMap<usize, f64> = BTreeMap::new();
    for u in units {
        for &(v, w) in links.get(u).into_iter().flatten() {
            if let Some(&g) = group_of.get(&v) {
                if g != own && groups.contains_key(&g) {
                    *weight.entry(g).or_insert(0.0) += w;
                }
            }
        }
    }
    groups
        .iter()
        .filter(|(&k, _)| k != own)
        .max_by(|(ka, ga), (kb, gb)| {
            let wa = weight.get(ka).copied().unwrap_or(0.0);
            let wb = weight.get(kb).copied().unwrap_or(0.0);
            wa.total_cmp(&wb)
                .then(ga.len().cmp(&gb.len()))
                .then(kb.cmp(ka))
        })
        .map(|(&k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::sql::ingest_text;
    use crate::model::{Access, Module};

    const SQL: &str = "
        CREATE TABLE customers (id INT PRIMARY KEY);
        CREATE TABLE customer_addresses (id INT PRIMARY KEY, customer_id INT REFERENCES customers);
        CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT REFERENCES customers);
        CREATE TABLE order_items (id INT PRIMARY KEY, order_id INT REFERENCES orders);
        CREATE TABLE order_notes (id INT PRIMARY KEY, order_id INT REFERENCES orders);
        CREATE TABLE audit_log (id INT PRIMARY KEY);
    ";

    fn writer(name: &str, tables: &[&str]) -> Module {
        Module {
            name: name.to_string(),
            file: "src/db.rs".to_string(),
            depends_on: vec![],
            accesses: tables
                .iter()
                .map(|t| Access {
                    table: t.to_string(),
                    mode: AccessMode::Write,
                    via: AccessVia::Direct,
                    evidence: vec![],
                })
                .collect(),
        }
    }

    fn code() -> Codebase {
        Codebase {
            modules: vec![
                writer("app::db::customers", &["customers"]),
                writer("app::db::customers::addresses", &["customer_addresses"]),
                writer("app::db::orders", &["orders"]),
                writer("app::db::orders::items", &["order_items"]),
                // Written from two places under one family.
                writer("app::db::orders::notes", &["order_notes"]),
                writer("app::db::orders", &["order_notes"]),
                // One crate-wide writer says nothing.
                writer("app", &["audit_log"]),
            ],
            ..Codebase::default()
        }
    }

    #[test]
    fn a_family_is_the_deepest_path_holding_every_writer() {
        let schema = ingest_text("s.sql", SQL, None).schema;
        let tables = Tables::new(&schema);
        let families = unit_families(&tables, &code());
        let family = |table: &str| {
            families[tables.unit_of[tables.find(table).unwrap()]]
                .as_ref()
                .map(|f| f.join("::"))
        };
        assert_eq!(
            family("order_items").as_deref(),
            Some("app::db::orders::items")
        );
        assert_eq!(family("order_notes").as_deref(), Some("app::db::orders"));
        assert_eq!(family("customers").as_deref(), Some("app::db::customers"));
        assert_eq!(family("audit_log"), None);
    }

    #[test]
    fn one_service_with_two_families_splits_and_loose_tables_follow_their_links() {
        let schema = ingest_text("s.sql", SQL, None).schema;
        let tables = Tables::new(&schema);
        let families = unit_families(&tables, &code());
        let unit = |t: &str| tables.unit_of[tables.find(t).unwrap()];
        // Everything in one service; audit_log linked to orders only.
        let mut edges = vec![
            (unit("customer_addresses"), unit("customers"), 1.0),
            (unit("customers"), unit("orders"), 1.0),
            (unit("order_items"), unit("orders"), 1.0),
            (unit("order_notes"), unit("orders"), 1.0),
            (unit("audit_log"), unit("orders"), 0.5),
        ];
        for e in &mut edges {
            *e = (e.0.min(e.1), e.0.max(e.1), e.2);
        }
        edges.sort_by_key(|e| (e.0, e.1));
        let graph = SignalGraph {
            units: tables.units.len(),
            edges,
            degree: vec![0; tables.units.len()],
            direct: vec![],
            tenants: vec![false; tables.units.len()],
        };
        let mut labels = vec![0; tables.units.len()];
        assert!(split_by_families(
            &mut labels,
            &graph,
            &tables,
            &families,
            2
        ));
        let service = |t: &str| labels[unit(t)];
        assert_eq!(service("customers"), service("customer_addresses"));
        assert_eq!(service("orders"), service("order_items"));
        assert_eq!(service("orders"), service("order_notes"));
        assert_eq!(service("orders"), service("audit_log"));
        assert_ne!(service("orders"), service("customers"));

        // With a family of one table on one side, nothing splits.
        let mut labels = vec![0; tables.units.len()];
        assert!(!split_by_families(
            &mut labels,
            &graph,
            &tables,
            &families,
            3
        ));
        assert!(labels.iter().all(|&l| l == 0));
    }
}
