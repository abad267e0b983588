//! Why each table and module sits where it does, and each service's
//! rationale, in one sentence each. A table's explanation is its strongest
//! piece of evidence for its service, in this order: being a partition,
//! being a hub, a module of the service writing it, a declared then an
//! inferred foreign key to a table of the service, other code access,
//! co-access, names, and the fallbacks for tables without links.

use super::graph::SignalGraph;
use super::ownership::{Placement, TIER_NAMES};
use super::signals::Signal;
use super::tables::Tables;
use super::words::schema_of;
use crate::model::{AccessMode, AccessVia, Codebase, ForeignKey, Module};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Context<'a> {
    pub(crate) tables: &'a Tables<'a>,
    pub(crate) code: &'a Codebase,
    pub(crate) signals: &'a BTreeSet<Signal>,
    pub(crate) inferred: &'a [(String, ForeignKey)],
    pub(crate) graph: &'a SignalGraph,
    pub(crate) table_service: &'a [usize],
    pub(crate) names: &'a [String],
    pub(crate) modules: &'a [(Option<usize>, Placement)],
    /// Per unit.
    pub(crate) hubs: &'a [bool],
    /// Per unit.
    pub(crate) isolated: &'a [bool],
    pub(crate) default_schema: Option<&'a str>,
}

/// A foreign key seen from one of its two tables.
struct KeyEnd<'a> {
    from: usize,
    to: usize,
    key: &'a ForeignKey,
}

pub(crate) struct Explainer<'a> {
    cx: Context<'a>,
    /// Per table: keys from or to it (declared, then inferred).
    declared: Vec<Vec<KeyEnd<'a>>>,
    inferred: Vec<Vec<KeyEnd<'a>>>,
    /// Per table: (module, mode, via) of each access.
    accesses: Vec<Vec<(usize, AccessMode, AccessVia)>>,
    /// Per unit: linked units.
    neighbors: Vec<Vec<(usize, f64)>>,
    /// Per unit: units linked by direct evidence.
    direct: Vec<Vec<usize>>,
}

impl<'a> Explainer<'a> {
    pub(crate) fn new(cx: Context<'a>) -> Self {
        let n = cx.tables.tables.len();
        let mut declared: Vec<Vec<KeyEnd>> = (0..n).map(|_| Vec::new()).collect();
        let mut inferred: Vec<Vec<KeyEnd>> = (0..n).map(|_| Vec::new()).collect();
        for (t, table) in cx.tables.tables.iter().enumerate() {
            for key in &table.foreign_keys {
                if let Some(r) = cx.tables.find(&key.references.table) {
                    declared[t].push(KeyEnd {
                        from: t,
                        to: r,
                        key,
                    });
                    if r != t {
                        declared[r].push(KeyEnd {
                            from: t,
                            to: r,
                            key,
                        });
                    }
                }
            }
        }
        for (from, key) in cx.inferred {
            if let (Some(t), Some(r)) =
                (cx.tables.find(from), cx.tables.find(&key.references.table))
            {
                inferred[t].push(KeyEnd {
                    from: t,
                    to: r,
                    key,
                });
                if r != t {
                    inferred[r].push(KeyEnd {
                        from: t,
                        to: r,
                        key,
                    });
                }
            }
        }
        let mut accesses: Vec<Vec<(usize, AccessMode, AccessVia)>> = vec![Vec::new(); n];
        for (m, module) in cx.code.modules.iter().enumerate() {
            for a in &module.accesses {
                if let Some(t) = cx.tables.find(&a.table) {
                    accesses[t].push((m, a.mode, a.via));
                }
            }
        }
        let mut neighbors = vec![Vec::new(); cx.graph.units];
        for &(a, b, w) in &cx.graph.edges {
            neighbors[a].push((b, w));
            neighbors[b].push((a, w));
        }
        let mut direct = vec![Vec::new(); cx.graph.units];
        for &(a, b) in &cx.graph.direct {
            direct[a].push(b);
            direct[b].push(a);
        }
        Explainer {
            cx,
            declared,
            inferred,
            accesses,
            neighbors,
            direct,
        }
    }

    fn name(&self, t: usize) -> &'a str {
        self.cx.tables.name(t)
    }

    fn module(&self, m: usize) -> &'a Module {
        &self.cx.code.modules[m]
    }

    /// `shop::orders::repo (src/orders/repo.rs:40)`.
    fn module_at(&self, m: usize, table: usize, mode: AccessMode, via: AccessVia) -> String {
        let module = self.module(m);
        let location = module
            .accesses
            .iter()
            .filter(|a| {
                a.mode == mode && a.via == via && self.cx.tables.find(&a.table) == Some(table)
            })
            .flat_map(|a| a.evidence.iter())
            .min()
            .map(|l| format!("{}:{}", l.file, l.line))
            .unwrap_or_else(|| module.file.clone());
        format!("{} ({location})", module.name)
    }

    fn key_text(&self, end: &KeyEnd, inferred: bool) -> String {
        format!(
            "{}FK {}.{} → {}",
            if inferred { "inferred " } else { "" },
            self.name(end.from),
            end.key.columns.join(", "),
            self.name(end.to)
        )
    }

    /// The strongest evidence for a table's placement.
    pub(crate) fn table(&self, t: usize) -> String {
        let cx = &self.cx;
        let table = cx.tables.tables[t];
        let service = cx.table_service[t];
        let unit = cx.tables.unit_of[t];
        let same = |other: usize| cx.table_service[other] == service && other != t;
        if let Some(parent) = &table.partition_of {
            return format!("partition of {parent}: partitions stay with their table");
        }
        if cx.hubs[unit] {
            let services: BTreeSet<usize> = self.direct[unit]
                .iter()
                .map(|&v| cx.table_service[cx.tables.units[v][0]])
                .collect();
            return format!(
                "hub linked to {} tables across {} services; owned by the one holding most of \
                 its links",
                self.direct[unit].len(),
                services.len()
            );
        }
        let placed_here = |m: usize| cx.modules[m].0 == Some(service);
        let code = cx.signals.contains(&Signal::CodeAccess);
        let by_module = |mode: AccessMode, via: AccessVia| {
            self.accesses[t]
                .iter()
                .filter(|&&(m, md, v)| md == mode && v == via && placed_here(m))
                .map(|&(m, _, _)| m)
                .min_by_key(|&m| &self.module(m).name)
        };
        if code {
            if let Some(m) = by_module(AccessMode::Write, AccessVia::Direct) {
                return format!(
                    "written by {}",
                    self.module_at(m, t, AccessMode::Write, AccessVia::Direct)
                );
            }
        }
        for (signal, keys, inferred) in [
            (Signal::ForeignKeys, &self.declared[t], false),
            (Signal::InferredForeignKeys, &self.inferred[t], true),
        ] {
            if !cx.signals.contains(&signal) {
                continue;
            }
            // Its own references first, then references to it.
            let mut found: Vec<&KeyEnd> = keys
                .iter()
                .filter(|e| (e.from == t && same(e.to)) || (e.to == t && same(e.from)))
                .collect();
            found.sort_by_key(|e| (e.from != t, self.name(e.from), self.name(e.to)));
            if let Some(end) = found.first() {
                return self.key_text(end, inferred);
            }
        }
        if code {
            for (mode, via, verb) in [
                (
                    AccessMode::Write,
                    AccessVia::Transitive,
                    "written through calls by",
                ),
                (AccessMode::Read, AccessVia::Direct, "read by"),
                (
                    AccessMode::Read,
                    AccessVia::Transitive,
                    "read through calls by",
                ),
            ] {
                if let Some(m) = by_module(mode, via) {
                    return format!("{verb} {}", self.module_at(m, t, mode, via));
                }
            }
        }
        if cx.signals.contains(&Signal::CoAccess) {
            let name = self.name(t);
            let partner = cx
                .code
                .co_access
                .iter()
                .filter(|set| set.iter().any(|x| x == name))
                .flat_map(|set| set.iter())
                .filter_map(|x| cx.tables.find(x))
                .filter(|&x| same(x))
                .min();
            if let Some(p) = partner {
                return format!("used together with {} by one function", self.name(p));
            }
        }
        if cx.signals.contains(&Signal::Names) {
            if let Some(s) = schema_of(self.name(t)).filter(|s| Some(*s) != cx.default_schema) {
                let mates = (0..cx.tables.len())
                    .filter(|&x| same(x) && schema_of(self.name(x)) == Some(s))
                    .count();
                if mates > 0 {
                    return format!("same schema `{s}` as {mates} other table(s) of the service");
                }
            }
        }
        if cx.isolated[unit] {
            let schema = schema_of(self.name(t)).filter(|s| Some(*s) != cx.default_schema);
            return match schema {
                Some(s) => format!("no link to any other table; placed with the tables of schema `{s}`"),
                None => "no link to any other table; placed by name, or grouped with the other unlinked tables".to_string(),
            };
        }
        let strongest = self.neighbors[unit]
            .iter()
            .filter(|&&(v, _)| same(cx.tables.units[v][0]))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match strongest {
            Some(&(v, _)) => format!(
                "most strongly linked to {} in this service",
                self.name(cx.tables.unit_head(v))
            ),
            None => format!(
                "its group was too small or too loosely tied to stand alone and was folded into \
                 {}",
                cx.names[service]
            ),
        }
    }

    /// Why a module sits in its service (or in none).
    pub(crate) fn module_reason(&self, m: usize) -> String {
        let cx = &self.cx;
        let (service, placement) = &cx.modules[m];
        match placement {
            Placement::Tables { tier, owned, total } => {
                let service = service.expect("placed");
                let verb = TIER_NAMES[*tier];
                let wanted = |a: &crate::model::Access| match tier {
                    0 => a.mode == AccessMode::Write && a.via == AccessVia::Direct,
                    1 => a.mode == AccessMode::Write && a.via == AccessVia::Transitive,
                    2 => a.mode == AccessMode::Read && a.via == AccessVia::Direct,
                    _ => a.mode == AccessMode::Read && a.via == AccessVia::Transitive,
                };
                let mut here: Vec<&str> = self
                    .module(m)
                    .accesses
                    .iter()
                    .filter(|a| wanted(a))
                    .filter_map(|a| cx.tables.find(&a.table))
                    .filter(|&t| cx.table_service[t] == service)
                    .map(|t| self.name(t))
                    .collect();
                here.sort_unstable();
                here.dedup();
                let shown = if here.len() > 3 {
                    format!("{}, …", here[..3].join(", "))
                } else {
                    here.join(", ")
                };
                format!(
                    "{verb} {shown} ({owned} of the {total} tables it {verb} belong to {})",
                    cx.names[service]
                )
            }
            Placement::Name { word } => format!(
                "reaches {}'s tables and its path names that service's data layer (\"{word}\")",
                cx.names[service.expect("placed")]
            ),
            Placement::Dependencies { via } => {
                let own = if self.module(m).accesses.is_empty() {
                    "touches no table itself"
                } else {
                    "touches several services' tables without a majority"
                };
                format!("{own}; follows the modules it uses: {}", via.join(", "))
            }
            Placement::Spread { tier, services } => format!(
                "{} tables of {services} services without a majority, and the modules it uses \
                 name no single service: stays in the monolith (a report, a job runner or a \
                 router serving several services)",
                TIER_NAMES[*tier]
            ),
            Placement::Unplaced => {
                "touches no table, and the modules it uses name no single service: stays in the \
                 monolith"
                    .to_string()
            }
        }
    }

    /// A service's rationale.
    pub(crate) fn rationale(&self, service: usize, central: &str, modules: usize) -> String {
        let cx = &self.cx;
        let mine: Vec<usize> = (0..cx.tables.len())
            .filter(|&t| cx.table_service[t] == service)
            .collect();
        let mut schemas: BTreeMap<&str, usize> = BTreeMap::new();
        for &t in &mine {
            if let Some(s) = schema_of(self.name(t)).filter(|s| Some(*s) != cx.default_schema) {
                *schemas.entry(s).or_insert(0) += 1;
            }
        }
        let mut text = format!(
            "{} table{}",
            mine.len(),
            if mine.len() == 1 { "" } else { "s" }
        );
        if let Some((s, n)) = schemas
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        {
            if 2 * n > mine.len() {
                text.push_str(&format!(" of schema `{s}`"));
            }
        }
        text.push_str(&format!(" around {central}"));
        let hubs: Vec<&str> = mine
            .iter()
            .filter(|&&t| cx.hubs[cx.tables.unit_of[t]])
            .map(|&t| self.name(t))
            .collect();
        if !hubs.is_empty() {
            text.push_str(&format!("; owns the shared hub {}", hubs.join(", ")));
        }
        let (mut inside, mut outside) = (0, 0);
        for &t in &mine {
            for end in self.declared[t].iter().filter(|e| e.from == t) {
                if cx.table_service[end.to] == service {
                    inside += 1;
                } else {
                    outside += 1;
                }
            }
        }
        if inside + outside > 0 {
            text.push_str(&format!(
                "; foreign keys from its tables: {inside} inside, {outside} to other services"
            ));
        }
        if modules > 0 {
            text.push_str(&format!(
                "; {modules} module{} follow{} its tables",
                if modules == 1 { "" } else { "s" },
                if modules == 1 { "s" } else { "" }
            ));
        }
        text
    }
}
