//! The weighted table graph: one node per unit (a table with its
//! partitions), one undirected edge per pair of units with evidence that
//! they belong together, weighted by how strong that evidence is.
//!
//! Weights are relative to one declared foreign key to a table nothing else
//! references (1.0). Links to a table are damped by how many tables link to
//! it ([`specificity`]), which keeps hubs from gluing everything together.
//! Signals that link whole groups (a module's tables, a co-access set, a
//! schema) spread a fixed budget over the group's pairs, `budget / (n − 1)`
//! each, so a table's pull from one group does not grow with its size.

use super::hubs::specificity;
use super::signals::Signal;
use super::tables::Tables;
use super::tenants;
use super::words::{bare, compact, key, schema_of};
use crate::model::{AccessMode, AccessVia, Codebase, ForeignKey, Schema};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};

/// The first declared foreign key from one table to another.
const FOREIGN_KEY: f64 = 1.0;
/// Each further declared foreign key between the same two tables.
const FOREIGN_KEY_MORE: f64 = 0.5;
/// An inferred foreign key is a guess: it counts a bit less.
const INFERRED_KEY: f64 = 0.7;
const INFERRED_KEY_MORE: f64 = 0.35;
/// Budget of the sibling links around one table: tables that reference the
/// same table, or are referenced by the same one, are a little related
/// (they are two steps apart). This densifies sparse foreign-key trees, on
/// which modularity otherwise shatters a domain into many small pieces.
const SIBLING: f64 = 0.25;
/// Budget of one module's tables, each weighted by how the module touches
/// it ([`access_weight`]).
const CODE: f64 = 2.0;
/// Tables one module writes itself belong together: in a data layer that
/// is the strongest evidence of an aggregate. Each pair of a module's direct
/// writes gets this much, for modules writing at most [`MAX_WRITE_SET`].
const WRITTEN_TOGETHER: f64 = 1.5;
const MAX_WRITE_SET: usize = 6;
/// Budget of one co-access set (tables used by one function).
const CO_ACCESS: f64 = 0.5;
/// Budget of one module dependency, spread over the two modules' tables.
const DEPENDENCY: f64 = 0.3;
/// Budget of one schema.
const SCHEMA: f64 = 1.0;
/// A table whose name extends another's (`order_items` ~ `orders`).
const STEM: f64 = 0.6;
/// Groups larger than this say little about which of their tables belong
/// together (a module touching every table) and would cost n² edges.
const MAX_GROUP: usize = 300;
/// Past `2 × SCHEMA_RING + 1` tables a schema links each table to this many
/// neighbors on each side in name order only, to stay linear.
const SCHEMA_RING: usize = 32;

/// How strongly a module touching a table ties it to the module's other
/// tables: writing says more than reading, running the query more than
/// calling code that does.
pub(crate) fn access_weight(mode: AccessMode, via: AccessVia) -> f64 {
    match (mode, via) {
        (AccessMode::Write, AccessVia::Direct) => 1.0,
        (AccessMode::Write, AccessVia::Transitive) => 0.5,
        (AccessMode::Read, AccessVia::Direct) => 0.25,
        (AccessMode::Read, AccessVia::Transitive) => 0.1,
    }
}

/// A weighted link between two units, `a < b`.
pub(crate) type Edge = (usize, usize, f64);

/// The table graph over units, edges sorted with `a < b`.
pub(crate) struct SignalGraph {
    pub(crate) units: usize,
    pub(crate) edges: Vec<(usize, usize, f64)>,
    /// Distinct units each unit is linked to by direct evidence (keys, code,
    /// co-access), for hub detection.
    pub(crate) degree: Vec<usize>,
    /// Those links, `a < b`, sorted.
    pub(crate) direct: Vec<(usize, usize)>,
    /// The tenant units ([`tenants`]): their key and code links are left
    /// out.
    pub(crate) tenants: Vec<bool>,
}

/// Accumulates edge weights between units. Every contribution is kept in
/// call order and summed per pair at the end, after a stable sort: each
/// pair's sum adds its contributions in the order they came, so sums are
/// repeatable, and the sorting runs on all cores.
struct Builder<'t, 'a> {
    tables: &'t Tables<'a>,
    contributions: Vec<Edge>,
    /// Pairs linked by direct evidence, for [`SignalGraph::degree`];
    /// repeated pairs are removed at the end.
    direct: Vec<(usize, usize)>,
}

/// One contribution to the link between `a` and `b`, `a < b`; `None` for a
/// unit with itself or nothing to add.
fn contribution(a: usize, b: usize, w: f64) -> Option<Edge> {
    (a != b && w > 0.0).then(|| (a.min(b), a.max(b), w))
}

impl<'t, 'a> Builder<'t, 'a> {
    fn new(tables: &'t Tables<'a>) -> Self {
        Builder {
            tables,
            contributions: Vec::new(),
            direct: Vec::new(),
        }
    }

    /// Adds what `other` gathered, after what this one did.
    fn append(&mut self, other: Builder) {
        self.contributions.extend(other.contributions);
        self.direct.extend(other.direct);
    }

    fn add(&mut self, a: usize, b: usize, w: f64) {
        self.contributions.extend(contribution(a, b, w));
    }

    fn add_direct(&mut self, a: usize, b: usize, w: f64) {
        if let Some(c) = contribution(a, b, w) {
            self.contributions.push(c);
            self.direct.push((c.0, c.1));
        }
    }

    /// The summed edges, sorted by pair, and the distinct direct pairs.
    fn finish(mut self) -> (Vec<Edge>, Vec<(usize, usize)>) {
        // Stable: a pair's contributions stay in call order.
        self.contributions.par_sort_by_key(|&(a, b, _)| (a, b));
        let mut edges: Vec<Edge> = Vec::new();
        for (a, b, w) in self.contributions {
            match edges.last_mut() {
                Some(last) if (last.0, last.1) == (a, b) => last.2 += w,
                _ => edges.push((a, b, w)),
            }
        }
        self.direct.par_sort_unstable();
        self.direct.dedup();
        (edges, self.direct)
    }

    fn unit(&self, table: &str) -> Option<usize> {
        self.tables.find(table).map(|t| self.tables.unit_of[t])
    }

    /// Groups are listed on all cores and added in their order.
    fn add_groups(&mut self, groups: &[BTreeMap<usize, f64>], budget: f64) {
        let links: Vec<Edge> = groups
            .par_iter()
            .flat_map_iter(|members| group_links(members, budget))
            .collect();
        self.direct.extend(links.iter().map(|&(a, b, _)| (a, b)));
        self.contributions.extend(links);
    }

    /// Collects foreign keys as directed unit pairs: the first key between
    /// two units counts `first`, later ones `more`.
    fn collect_keys<'k>(
        &self,
        keys: impl Iterator<Item = (&'k str, &'k ForeignKey)>,
        first: f64,
        more: f64,
        into: &mut BTreeMap<(usize, usize), f64>,
    ) {
        let mut counts: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for (from, fk) in keys {
            if let (Some(a), Some(b)) = (self.unit(from), self.unit(&fk.references.table)) {
                if a != b {
                    *counts.entry((a, b)).or_insert(0) += 1;
                }
            }
        }
        for ((a, b), n) in counts {
            *into.entry((a, b)).or_insert(0.0) += first + more * (n - 1) as f64;
        }
    }

    /// Adds the foreign-key structure: each reference damped by how many
    /// units reference the same unit, then the sibling links.
    fn add_structure(&mut self, directed: &BTreeMap<(usize, usize), f64>) {
        let mut referenced_by = vec![0usize; self.tables.units.len()];
        for &(_, b) in directed.keys() {
            referenced_by[b] += 1;
        }
        let mut undirected: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        for (&(a, b), &w) in directed {
            *undirected.entry((a.min(b), a.max(b))).or_insert(0.0) +=
                w * specificity(referenced_by[b]);
        }
        let mut around: BTreeMap<usize, Vec<(usize, f64)>> = BTreeMap::new();
        for (&(a, b), &w) in &undirected {
            self.add_direct(a, b, w);
            around.entry(a).or_default().push((b, w));
            around.entry(b).or_default().push((a, w));
        }
        // Siblings: Adamic–Adar style, a shared neighbor linked to many
        // units relates each pair of them less. A hub's neighbors make
        // many pairs: listed on all cores, kept in neighbor order.
        let lists: Vec<&Vec<(usize, f64)>> = around.values().collect();
        let siblings: Vec<Edge> = lists
            .par_iter()
            .flat_map_iter(|list| sibling_links(list))
            .collect();
        self.contributions.extend(siblings);
    }
}

/// Spreads `budget` over the pairs of a weighted group of units; a
/// pair gets the product of its members' weights, so two written
/// tables tie more than a written and a read one.
fn group_links(members: &BTreeMap<usize, f64>, budget: f64) -> Vec<Edge> {
    let n = members.len();
    if !(2..=MAX_GROUP).contains(&n) {
        return Vec::new();
    }
    let list: Vec<(usize, f64)> = members.iter().map(|(&u, &w)| (u, w)).collect();
    let share = budget / (n - 1) as f64;
    let mut links = Vec::with_capacity(n * (n - 1) / 2);
    for (i, &(a, wa)) in list.iter().enumerate() {
        for &(b, wb) in &list[i + 1..] {
            links.extend(contribution(a, b, share * wa * wb));
        }
    }
    links
}

/// The links between the units around one shared neighbor, each pair
/// once, in list order; none for a list too short or too long to say much.
fn sibling_links(list: &[(usize, f64)]) -> Vec<Edge> {
    let n = list.len();
    if !(2..=MAX_GROUP).contains(&n) {
        return Vec::new();
    }
    let share = SIBLING / (1.0 + n as f64).ln();
    let mut links = Vec::with_capacity(n * (n - 1) / 2);
    for (i, &(a, wa)) in list.iter().enumerate() {
        for &(c, wc) in &list[i + 1..] {
            links.extend(contribution(a, c, share * (wa * wc).sqrt()));
        }
    }
    links
}

/// The units each module touches, with the strongest access weight.
pub(crate) fn module_units(tables: &Tables, code: &Codebase) -> Vec<BTreeMap<usize, f64>> {
    code.modules
        .par_iter()
        .map(|m| {
            let mut units: BTreeMap<usize, f64> = BTreeMap::new();
            for access in &m.accesses {
                if let Some(t) = tables.find(&access.table) {
                    let w = access_weight(access.mode, access.via);
                    let slot = units.entry(tables.unit_of[t]).or_insert(0.0);
                    *slot = slot.max(w);
                }
            }
            units
        })
        .collect()
}

/// The schema a unit is filed under, unless it is the dialect's default
/// one (everything would share it).
pub(crate) fn unit_schema<'a>(
    tables: &Tables<'a>,
    schema: &Schema,
    unit: usize,
) -> Option<&'a str> {
    let name = tables.name(tables.unit_head(unit));
    schema_of(name).filter(|s| Some(*s) != schema.dialect.default_schema())
}

/// Scales each member of each group by how many groups it appears in.
fn damp_groups(groups: &mut [BTreeMap<usize, f64>]) {
    let mut appearances: FxHashMap<usize, usize> = FxHashMap::default();
    for group in groups.iter().filter(|g| g.len() >= 2) {
        for &u in group.keys() {
            *appearances.entry(u).or_insert(0) += 1;
        }
    }
    for group in groups.iter_mut() {
        for (u, w) in group.iter_mut() {
            *w *= specificity(appearances.get(u).copied().unwrap_or(0));
        }
    }
}

/// The links the schema alone gives: its foreign keys (declared and
/// inferred) and, apart, the links of its table names. They need no code,
/// so they are listed beside the code's links.
pub(crate) struct SchemaLinks<'t, 'a> {
    keys: Builder<'t, 'a>,
    names: Builder<'t, 'a>,
    tenants: Vec<bool>,
}

/// The links the code gives: tables accessed by one module, written
/// together, co-accessed, and module dependencies.
pub(crate) struct CodeLinks<'t, 'a>(Builder<'t, 'a>);

/// The schema's links, and the keys `infer` finds, which they include.
/// The names need no keys: they are listed while the keys are inferred.
pub(crate) fn schema_links<'t, 'a>(
    tables: &'t Tables<'a>,
    schema: &Schema,
    signals: &BTreeSet<Signal>,
    infer: impl FnOnce() -> Vec<(String, ForeignKey)> + Send,
) -> (Vec<(String, ForeignKey)>, SchemaLinks<'t, 'a>) {
    let ((inferred, keys, tenants), names) = rayon::join(
        || {
            let inferred = infer();
            let tenants = tenants::detect(tables, &inferred);
            let keys = key_links(tables, &inferred, signals, &tenants);
            (inferred, keys, tenants)
        },
        || name_links(tables, schema, signals),
    );
    (
        inferred,
        SchemaLinks {
            keys,
            names,
            tenants,
        },
    )
}

/// Declared and inferred foreign keys, and the structure they give; keys
/// to a tenant table say nothing about a table's domain and are left out.
fn key_links<'t, 'a>(
    tables: &'t Tables<'a>,
    inferred: &[(String, ForeignKey)],
    signals: &BTreeSet<Signal>,
    tenants: &[bool],
) -> Builder<'t, 'a> {
    let mut keys = Builder::new(tables);
    let mut directed = BTreeMap::new();
    let to_tenant = |fk: &ForeignKey| {
        tables
            .find(&fk.references.table)
            .is_some_and(|t| tenants[tables.unit_of[t]])
    };
    if signals.contains(&Signal::ForeignKeys) {
        let declared = tables
            .tables
            .iter()
            .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t.name.as_str(), fk)))
            .filter(|(_, fk)| !to_tenant(fk));
        keys.collect_keys(declared, FOREIGN_KEY, FOREIGN_KEY_MORE, &mut directed);
    }
    if signals.contains(&Signal::InferredForeignKeys) {
        let found = inferred
            .iter()
            .map(|(t, fk)| (t.as_str(), fk))
            .filter(|(_, fk)| !to_tenant(fk));
        keys.collect_keys(found, INFERRED_KEY, INFERRED_KEY_MORE, &mut directed);
    }
    keys.add_structure(&directed);
    keys
}

/// Links between tables whose names say they belong together.
fn name_links<'t, 'a>(
    tables: &'t Tables<'a>,
    schema: &Schema,
    signals: &BTreeSet<Signal>,
) -> Builder<'t, 'a> {
    let mut names = Builder::new(tables);
    if signals.contains(&Signal::Names) {
        add_names(&mut names, schema);
    }
    names
}

pub(crate) fn code_links<'t, 'a>(
    tables: &'t Tables<'a>,
    code: &Codebase,
    signals: &BTreeSet<Signal>,
) -> CodeLinks<'t, 'a> {
    let mut b = Builder::new(tables);
    let touched = module_units(tables, code);
    if signals.contains(&Signal::CodeAccess) {
        let mut groups = touched.clone();
        damp_groups(&mut groups);
        b.add_groups(&groups, CODE);
        add_written_together(&mut b, tables, code);
    }
    if signals.contains(&Signal::CoAccess) {
        let mut groups: Vec<BTreeMap<usize, f64>> = code
            .co_access
            .par_iter()
            .map(|set| {
                set.iter()
                    .filter_map(|t| b.unit(t))
                    .map(|u| (u, 1.0))
                    .collect()
            })
            .collect();
        damp_groups(&mut groups);
        b.add_groups(&groups, CO_ACCESS);
    }
    if signals.contains(&Signal::ModuleDependencies) {
        add_dependencies(&mut b, code, &touched);
    }
    CodeLinks(b)
}

/// The signal graph: the schema's keys, the code's links and the names'
/// links, added in that order. The code's links through a tenant table
/// are left out: every module reads it to check whose rows it serves.
pub(crate) fn combine(schema: SchemaLinks, code: CodeLinks) -> SignalGraph {
    let SchemaLinks {
        mut keys,
        names,
        tenants,
    } = schema;
    let units = keys.tables.units.len();
    let mut code = code.0;
    if tenants.contains(&true) {
        code.contributions
            .retain(|&(a, b, _)| !tenants[a] && !tenants[b]);
        code.direct.retain(|&(a, b)| !tenants[a] && !tenants[b]);
    }
    keys.append(code);
    keys.append(names);
    let (edges, direct) = keys.finish();
    let mut degree = vec![0; units];
    for &(a, c) in &direct {
        degree[a] += 1;
        degree[c] += 1;
    }
    SignalGraph {
        units,
        edges,
        degree,
        direct,
        tenants,
    }
}

/// Tables a module and its submodules write themselves belong together:
/// `db::orders` and `db::orders::items` writing `orders` and `order_items`
/// is the data layer saying where an aggregate ends. Each module's writes
/// count for it and for every module above it; sets larger than
/// [`MAX_WRITE_SET`] (a crate root over everything) say nothing.
fn add_written_together(b: &mut Builder, tables: &Tables, code: &Codebase) {
    let mut written: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for module in &code.modules {
        let units: Vec<usize> = module
            .accesses
            .iter()
            .filter(|a| a.mode == AccessMode::Write && a.via == AccessVia::Direct)
            .filter_map(|a| tables.find(&a.table))
            .map(|t| tables.unit_of[t])
            .collect();
        if units.is_empty() {
            continue;
        }
        let mut path = module.name.as_str();
        loop {
            written
                .entry(path)
                .or_default()
                .extend(units.iter().copied());
            match path.rsplit_once("::") {
                Some((parent, _)) => path = parent,
                None => break,
            }
        }
    }
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for units in written
        .values()
        .filter(|u| u.len() >= 2 && u.len() <= MAX_WRITE_SET)
    {
        let units: Vec<usize> = units.iter().copied().collect();
        for (i, &x) in units.iter().enumerate() {
            for &y in &units[i + 1..] {
                pairs.insert((x, y));
            }
        }
    }
    for (x, y) in pairs {
        b.add(x, y, WRITTEN_TOGETHER);
    }
}

/// A module depending on another links their tables weakly.
fn add_dependencies(b: &mut Builder, code: &Codebase, touched: &[BTreeMap<usize, f64>]) {
    let index = code.module_index();
    let links: Vec<Edge> = code
        .modules
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, m)| {
            let mut links = Vec::new();
            for dep in &m.depends_on {
                let Some(&j) = index.get(dep.as_str()) else {
                    continue;
                };
                let (from, to) = (&touched[i], &touched[j]);
                if i == j
                    || from.is_empty()
                    || to.is_empty()
                    || from.len() * to.len() > MAX_GROUP * 4
                {
                    continue;
                }
                let share = DEPENDENCY / (from.len() * to.len()) as f64;
                for (&a, &wa) in from {
                    for (&c, &wc) in to {
                        links.extend(contribution(a, c, share * wa * wc));
                    }
                }
            }
            links
        })
        .collect();
    b.contributions.extend(links);
}

/// Same schema, and names that extend another table's name.
fn add_names(b: &mut Builder, schema: &Schema) {
    let tables = b.tables;
    let units = tables.units.len();
    let mut by_schema: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for unit in 0..units {
        if let Some(s) = unit_schema(tables, schema, unit) {
            by_schema.entry(s).or_default().push(unit);
        }
    }
    for members in by_schema.values() {
        let n = members.len();
        if n < 2 {
            continue;
        }
        if n <= 2 * SCHEMA_RING + 1 {
            let share = SCHEMA / (n - 1) as f64;
            for (i, &a) in members.iter().enumerate() {
                for &c in &members[i + 1..] {
                    b.add(a, c, share);
                }
            }
        } else {
            let share = SCHEMA / (2 * SCHEMA_RING) as f64;
            for (i, &a) in members.iter().enumerate() {
                for step in 1..=SCHEMA_RING {
                    b.add(a, members[(i + step) % n], share);
                }
            }
        }
    }
    for (u, v) in stems(tables) {
        b.add(u, v, STEM);
    }
}

/// Pairs `(u, v)` where v's name is the longest proper prefix of u's
/// (`order_items` → `orders`, `productcategory` → `product`), at least 4
/// letters long, preferring u's own schema.
pub(crate) fn stems(tables: &Tables) -> Vec<(usize, usize)> {
    let units = tables.units.len();
    let keys: Vec<(Option<&str>, String, String)> = (0..units)
        .map(|u| {
            let name = tables.name(tables.unit_head(u));
            (schema_of(name), key(bare(name)), compact(bare(name)))
        })
        .collect();
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (u, (_, k, _)) in keys.iter().enumerate() {
        by_key.entry(k.as_str()).or_default().push(u);
    }
    let mut out = Vec::new();
    for (u, (own_schema, own_key, own_compact)) in keys.iter().enumerate() {
        // (prefix length, same schema, unit)
        let mut best: Option<(usize, bool, usize)> = None;
        for end in (4..own_compact.len()).rev() {
            if !own_compact.is_char_boundary(end) {
                continue;
            }
            let prefix = &own_compact[..end];
            if prefix == own_key {
                continue;
            }
            for &v in by_key.get(prefix).into_iter().flatten() {
                let same = keys[v].0 == *own_schema;
                let better = match best {
                    None => true,
                    Some((_, s, _)) => same && !s,
                };
                if v != u && better {
                    best = Some((end, same, v));
                }
            }
            if best.is_some_and(|(_, same, _)| same) {
                break;
            }
        }
        if let Some((_, _, v)) = best {
            out.push((u, v));
        }
    }
    out
}
