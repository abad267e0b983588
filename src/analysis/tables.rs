//! The tables in a fixed order (sorted by name) and the units clustering
//! works on: a partitioned table and its partitions form one unit, because
//! they must land in the same service.

use crate::model::{Schema, Table};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

pub(crate) struct Tables<'a> {
    /// Sorted by name; a table's index is its position here.
    pub(crate) tables: Vec<&'a Table>,
    index: FxHashMap<&'a str, usize>,
    /// Lower-cased names, for references written in another case.
    folded: FxHashMap<String, usize>,
    /// The dialect's default schema: `public.orders` names `orders`.
    default_schema: Option<&'static str>,
    /// The unit of each table.
    pub(crate) unit_of: Vec<usize>,
    /// The tables of each unit, sorted; units are numbered in the order of
    /// their first table, so unit order follows table order.
    pub(crate) units: Vec<Vec<usize>>,
}

impl<'a> Tables<'a> {
    pub(crate) fn new(schema: &'a Schema) -> Self {
        let mut tables: Vec<&Table> = schema.tables.iter().collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        tables.dedup_by(|a, b| a.name == b.name);
        let index: FxHashMap<&str, usize> = tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        let mut folded = FxHashMap::default();
        for (i, t) in tables.iter().enumerate() {
            folded.entry(t.name.to_lowercase()).or_insert(i);
        }
        // Union-find over partition links: a partition joins its parent, and
        // partitions of a parent the schema lacks still join each other.
        let mut parent: Vec<usize> = (0..tables.len()).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        let mut orphans: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, t) in tables.iter().enumerate() {
            let Some(of) = t.partition_of.as_deref() else {
                continue;
            };
            let of = match (schema.dialect.default_schema(), of.split_once('.')) {
                (Some(default), Some((s, bare))) if s.eq_ignore_ascii_case(default) => bare,
                _ => of,
            };
            let other = index
                .get(of)
                .copied()
                .or_else(|| folded.get(&of.to_lowercase()).copied())
                .unwrap_or_else(|| *orphans.entry(of).or_insert(i));
            let (a, b) = (find(&mut parent, i), find(&mut parent, other));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
        let mut unit_of = vec![0; tables.len()];
        let mut units: Vec<Vec<usize>> = Vec::new();
        let mut unit_of_root: FxHashMap<usize, usize> = FxHashMap::default();
        for (i, slot) in unit_of.iter_mut().enumerate() {
            let root = find(&mut parent, i);
            let unit = *unit_of_root.entry(root).or_insert_with(|| {
                units.push(Vec::new());
                units.len() - 1
            });
            units[unit].push(i);
            *slot = unit;
        }
        Tables {
            tables,
            index,
            folded,
            default_schema: schema.dialect.default_schema(),
            unit_of,
            units,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.tables.len()
    }

    /// The index of a table named exactly, or differing only in case, or
    /// qualified with the default schema its name omits.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        let lookup = |n: &str| {
            self.index
                .get(n)
                .copied()
                .or_else(|| self.folded.get(&n.to_lowercase()).copied())
        };
        lookup(name).or_else(|| {
            let (schema, bare) = name.split_once('.')?;
            let default = self.default_schema?;
            schema.eq_ignore_ascii_case(default).then(|| lookup(bare))?
        })
    }

    pub(crate) fn name(&self, table: usize) -> &'a str {
        &self.tables[table].name
    }

    /// The table a unit is named after: the partitioned parent when there
    /// is one, else its first table.
    pub(crate) fn unit_head(&self, unit: usize) -> usize {
        let members = &self.units[unit];
        members
            .iter()
            .copied()
            .find(|&t| self.tables[t].partition_of.is_none())
            .unwrap_or(members[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dialect;

    fn table(name: &str, partition_of: Option<&str>) -> Table {
        Table {
            name: name.to_string(),
            columns: vec![],
            primary_key: vec![],
            foreign_keys: vec![],
            unique_keys: vec![],
            partition_of: partition_of.map(String::from),
            source: None,
        }
    }

    #[test]
    fn partitions_join_their_table() {
        let schema = Schema {
            dialect: Dialect::Postgres,
            tables: vec![
                table("events_2025", Some("public.events")),
                table("events", None),
                table("events_2024", Some("events")),
                table("logs_a", Some("logs")),
                table("logs_b", Some("logs")),
                table("users", None),
            ],
        };
        let t = Tables::new(&schema);
        let unit = |n: &str| t.unit_of[t.find(n).unwrap()];
        assert_eq!(unit("events"), unit("events_2024"));
        assert_eq!(unit("events"), unit("events_2025"));
        assert_eq!(unit("logs_a"), unit("logs_b"));
        assert_ne!(unit("users"), unit("events"));
        assert_eq!(t.units.len(), 3);
        assert_eq!(t.name(t.unit_head(unit("events_2024"))), "events");
        assert_eq!(t.find("public.users"), t.find("users"));
        assert_eq!(t.find("USERS"), t.find("users"));
        assert_eq!(t.find("other.users"), None);
    }
}
