//! Mapping table names found in Rust code (diesel paths, SQL strings,
//! SeaORM attributes) onto the schema's canonical table names.

use crate::model::Schema;
use rustc_hash::{FxHashMap, FxHashSet};

/// The schema's tables, indexed for the lookups code analysis needs.
#[derive(Debug, Default)]
pub struct TableIndex {
    exact: FxHashMap<String, usize>,
    /// Lower-cased full names; `None` when two tables fold to the same name.
    folded: FxHashMap<String, Option<usize>>,
    /// Lower-cased unqualified names; `None` when ambiguous.
    bare: FxHashMap<String, Option<usize>>,
    names: Vec<String>,
    /// Lower-cased column names per table.
    columns: Vec<FxHashSet<String>>,
    /// The answer for every lower-case name without a `.` that any of the
    /// maps above knows: code asks mostly about such names, and mostly
    /// about names that are no table, so one lookup settles them.
    plain: FxHashMap<String, Option<usize>>,
}

impl TableIndex {
    pub fn new(schema: &Schema) -> Self {
        let mut index = TableIndex::default();
        for (i, table) in schema.tables.iter().enumerate() {
            index.exact.entry(table.name.clone()).or_insert(i);
            let folded = table.name.to_lowercase();
            index
                .folded
                .entry(folded.clone())
                .and_modify(|e| *e = None)
                .or_insert(Some(i));
            let bare = folded.rsplit('.').next().unwrap_or_default().to_string();
            index
                .bare
                .entry(bare)
                .and_modify(|e| *e = None)
                .or_insert(Some(i));
            index.names.push(table.name.clone());
            index.columns.push(
                table
                    .columns
                    .iter()
                    .map(|c| c.name.to_lowercase())
                    .collect(),
            );
        }
        let plain: FxHashMap<String, Option<usize>> = index
            .exact
            .keys()
            .chain(index.folded.keys())
            .chain(index.bare.keys())
            .filter(|k| is_plain(k))
            .map(|k| (k.clone(), index.find_by_maps(k)))
            .collect();
        index.plain = plain;
        index
    }

    /// True when the schema has no table: then every name found in SQL
    /// counts as a table.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn find(&self, name: &str) -> Option<usize> {
        if is_plain(name) {
            return self.plain.get(name).copied().flatten();
        }
        self.find_by_maps(name)
    }

    /// Exact name first, then folded to lower case, then without schema.
    fn find_by_maps(&self, name: &str) -> Option<usize> {
        if let Some(&i) = self.exact.get(name) {
            return Some(i);
        }
        // Most names in code are lower case already: look them up as they
        // are rather than allocating a folded copy for every identifier.
        let folded: std::borrow::Cow<'_, str> =
            if name.bytes().any(|b| b.is_ascii_uppercase()) || !name.is_ascii() {
                name.to_lowercase().into()
            } else {
                name.into()
            };
        if let Some(&found) = self.folded.get(folded.as_ref()) {
            return found;
        }
        let bare = folded.rsplit('.').next().unwrap_or_default();
        self.bare.get(bare).copied().flatten()
    }

    /// The canonical name for `name`: exact, else case-insensitive, else a
    /// unique match on the unqualified part. With an empty schema the name
    /// itself; otherwise `None` for names that are not tables.
    pub fn canonical(&self, name: &str) -> Option<String> {
        if self.is_empty() {
            return (!name.is_empty()).then(|| name.to_string());
        }
        self.find(name).map(|i| self.names[i].clone())
    }

    /// Whether `name` could name a table: used to filter identifiers cheaply
    /// before recording them.
    pub fn knows(&self, name: &str) -> bool {
        !self.is_empty() && self.find(name).is_some()
    }

    /// Whether the table `name` has a column `column`.
    pub fn has_column(&self, name: &str, column: &str) -> bool {
        self.find(name)
            .is_some_and(|i| self.columns[i].contains(&column.to_lowercase()))
    }
}

/// Lower-case ASCII without a schema: the names [`TableIndex::plain`] holds.
fn is_plain(name: &str) -> bool {
    !name
        .bytes()
        .any(|b| b == b'.' || b.is_ascii_uppercase() || !b.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Dialect, Table};

    fn table(name: &str, columns: &[&str]) -> Table {
        Table {
            name: name.to_string(),
            columns: columns
                .iter()
                .map(|c| Column {
                    name: c.to_string(),
                    data_type: "int".into(),
                    nullable: false,
                })
                .collect(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            unique_keys: Vec::new(),
            partition_of: None,
            source: None,
        }
    }

    #[test]
    fn resolves_exact_then_folded_then_unqualified() {
        let schema = Schema {
            dialect: Dialect::Postgres,
            tables: vec![
                table("users", &["id", "Email"]),
                table("sales.orders", &["id"]),
                table("a.items", &[]),
                table("b.items", &[]),
            ],
        };
        let index = TableIndex::new(&schema);
        assert_eq!(index.canonical("users").as_deref(), Some("users"));
        assert_eq!(index.canonical("USERS").as_deref(), Some("users"));
        assert_eq!(index.canonical("public.users").as_deref(), Some("users"));
        assert_eq!(index.canonical("orders").as_deref(), Some("sales.orders"));
        assert_eq!(index.canonical("items"), None, "ambiguous");
        assert_eq!(index.canonical("a.items").as_deref(), Some("a.items"));
        assert_eq!(index.canonical("posts"), None);
        assert!(index.has_column("users", "email"));
        assert!(!index.has_column("users", "name"));
    }

    #[test]
    fn finds_mixed_case_tables_in_any_spelling() {
        // SQL Server and MySQL schemas keep names as created.
        let schema = Schema {
            dialect: Dialect::Mssql,
            tables: vec![
                table("AreaCode", &["AreaCodeID"]),
                table("Dispatch.WorkOrder", &["WorkOrderId"]),
            ],
        };
        let index = TableIndex::new(&schema);
        for spelling in ["AreaCode", "areacode", "AREACODE", "dbo.AreaCode"] {
            assert_eq!(
                index.canonical(spelling).as_deref(),
                Some("AreaCode"),
                "{spelling}"
            );
        }
        for spelling in ["dispatch.workorder", "WorkOrder", "workorder"] {
            assert_eq!(
                index.canonical(spelling).as_deref(),
                Some("Dispatch.WorkOrder"),
                "{spelling}"
            );
        }
        assert!(index.knows("areacode"));
        assert!(index.has_column("areacode", "areacodeid"));
    }

    #[test]
    fn tables_that_differ_only_in_case_are_found_by_exact_name() {
        // MySQL on Linux: `Supplier` and `supplier` are two tables.
        let schema = Schema {
            dialect: Dialect::Mysql,
            tables: vec![table("Supplier", &[]), table("supplier", &[])],
        };
        let index = TableIndex::new(&schema);
        assert_eq!(index.canonical("Supplier").as_deref(), Some("Supplier"));
        assert_eq!(index.canonical("supplier").as_deref(), Some("supplier"));
        assert_eq!(index.canonical("SUPPLIER"), None, "ambiguous");
    }

    #[test]
    fn an_empty_schema_accepts_every_name() {
        let index = TableIndex::new(&Schema {
            dialect: Dialect::Postgres,
            tables: Vec::new(),
        });
        assert_eq!(index.canonical("posts").as_deref(), Some("posts"));
        assert!(!index.knows("posts"));
    }
}
