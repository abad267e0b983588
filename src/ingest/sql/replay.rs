//! Replays schema [`Change`]s, in order, into the final [`Schema`].
//!
//! This is where migration semantics live: renames carry foreign keys along,
//! drops remove tables, `SET search_path` / `USE` decide where unqualified
//! names land, and the SQLite rebuild-by-rename idiom ends in the right table.

use super::change::{
    Change, ColumnPosition, ColumnSpec, ConstraintSpec, CreateTableSpec, ForeignKeySpec, RawName,
};
use crate::model::{
    Column, Diagnostic, Dialect, ForeignKey, Schema, SourceLocation, Table, TableRef, UniqueKey,
};
use std::collections::HashMap;

/// A table under construction, with what the model does not keep.
#[derive(Debug, Clone)]
struct TableState {
    table: Table,
    primary_key_name: Option<String>,
    /// The parent is an `INHERITS` parent, not a partitioned table: the child
    /// gets its columns but not its keys.
    inherits: bool,
}

/// Applies changes one at a time; call [`Replayer::finish`] for the schema.
pub struct Replayer {
    dialect: Dialect,
    /// Keyed by [`Replayer::key`] of the table's canonical name.
    tables: HashMap<String, TableState>,
    search_path: Vec<String>,
    schema_stack: Vec<String>,
    database: Option<String>,
    diagnostics: Vec<Diagnostic>,
}

impl Replayer {
    pub fn new(dialect: Dialect) -> Self {
        Replayer {
            dialect,
            tables: HashMap::new(),
            search_path: Vec::new(),
            schema_stack: Vec::new(),
            database: None,
            diagnostics: Vec::new(),
        }
    }

    /// Names compare case-insensitively outside PostgreSQL.
    fn key(&self, name: &str) -> String {
        if self.dialect.case_insensitive_names() {
            name.to_lowercase()
        } else {
            name.to_string()
        }
    }

    fn same(&self, a: &str, b: &str) -> bool {
        names_equal(a, b, self.dialect.case_insensitive_names())
    }

    /// `schema.table`, or bare when `schema` is the default one.
    fn canonical(&self, schema: Option<&str>, object: &str) -> String {
        match schema {
            None => object.to_string(),
            Some(schema) => {
                let is_default = match self.dialect {
                    Dialect::Mysql => self
                        .database
                        .as_deref()
                        .is_some_and(|db| self.same(db, schema)),
                    Dialect::Sqlite => self.same(schema, "main") || self.same(schema, "temp"),
                    other => other.default_schema().is_some_and(|d| self.same(d, schema)),
                };
                if is_default {
                    object.to_string()
                } else {
                    format!("{schema}.{object}")
                }
            }
        }
    }

    /// The schema an unqualified name is created in.
    fn creation_schema(&self) -> Option<String> {
        self.schema_stack.last().cloned().or_else(|| {
            self.search_path
                .iter()
                .find(|s| !s.starts_with('$'))
                .cloned()
        })
    }

    /// The canonical name a `CREATE` of `raw` gives.
    fn name_for_create(&self, raw: &RawName) -> String {
        match raw.qualifier() {
            Some(q) => self.canonical(Some(q), raw.object()),
            None => self.canonical(self.creation_schema().as_deref(), raw.object()),
        }
    }

    /// The canonical name `raw` refers to: the first existing table along
    /// the search path, else where it would be created.
    fn resolve(&self, raw: &RawName) -> String {
        if raw.qualifier().is_some() {
            return self.name_for_create(raw);
        }
        let candidates = self
            .schema_stack
            .iter()
            .rev()
            .chain(self.search_path.iter().filter(|s| !s.starts_with('$')))
            .map(|s| self.canonical(Some(s), raw.object()))
            .chain(std::iter::once(raw.object().to_string()));
        for candidate in candidates {
            if self.tables.contains_key(&self.key(&candidate)) {
                return candidate;
            }
        }
        self.name_for_create(raw)
    }

    fn warn(&mut self, at: &SourceLocation, code: &str, message: String) {
        self.diagnostics
            .push(Diagnostic::warning(code, message).at(at.file.clone(), at.line, 1));
    }

    /// The table `raw` refers to, or a warning that it does not exist.
    fn table_mut(&mut self, raw: &RawName, at: &SourceLocation) -> Option<&mut TableState> {
        let key = self.key(&self.resolve(raw));
        if !self.tables.contains_key(&key) {
            let shown = raw.parts.join(".");
            self.warn(
                at,
                "sql-unknown-table",
                format!("statement changes table `{shown}`, which does not exist at this point; the change is skipped"),
            );
            return None;
        }
        self.tables.get_mut(&key)
    }

    pub fn apply(&mut self, change: Change, at: &SourceLocation) {
        match change {
            Change::CreateTable(spec) => self.create_table(spec, at),
            Change::DropTables { names, cascade } => {
                for name in names {
                    self.drop_table(&name, cascade);
                }
            }
            Change::RenameTable { from, to } => self.rename_table(&from, &to, at),
            Change::AddColumn {
                table,
                column,
                position,
            } => {
                let dialect = self.dialect;
                let foreign_key = self.column_foreign_key(&column);
                let name = column.name.clone();
                if let Some(state) = self.table_mut(&table, at) {
                    add_column(state, column, dialect);
                    state.table.foreign_keys.extend(foreign_key);
                    name_constraints(state, dialect);
                    move_column(&mut state.table, &name, position.as_ref(), dialect);
                }
            }
            Change::DropColumn { table, column } => {
                let ci = self.dialect.case_insensitive_names();
                if let Some(state) = self.table_mut(&table, at) {
                    drop_column(&mut state.table, &column, ci);
                }
            }
            Change::RenameColumn { table, from, to } => self.rename_column(&table, &from, &to, at),
            Change::RedefineColumn {
                table,
                old_name,
                column,
                position,
            } => {
                let renamed = !names_equal(
                    &old_name,
                    &column.name,
                    self.dialect.case_insensitive_names(),
                );
                if renamed {
                    self.rename_column(&table, &old_name, &column.name, at);
                }
                let ci = self.dialect.case_insensitive_names();
                let dialect = self.dialect;
                if let Some(state) = self.table_mut(&table, at) {
                    if let Some(existing) = find_column_mut(&mut state.table, &column.name, ci) {
                        existing.data_type = column.data_type.clone();
                        existing.nullable = column.nullable.unwrap_or(true);
                    }
                    if column.primary_key {
                        set_primary_key(state, None, vec![column.name.clone()], ci);
                    }
                    move_column(&mut state.table, &column.name, position.as_ref(), dialect);
                }
            }
            Change::SetColumnNullable {
                table,
                column,
                nullable,
            } => {
                let ci = self.dialect.case_insensitive_names();
                if let Some(state) = self.table_mut(&table, at) {
                    if let Some(c) = find_column_mut(&mut state.table, &column, ci) {
                        c.nullable = nullable;
                    }
                }
            }
            Change::SetColumnType {
                table,
                column,
                data_type,
            } => {
                let ci = self.dialect.case_insensitive_names();
                if let Some(state) = self.table_mut(&table, at) {
                    if let Some(c) = find_column_mut(&mut state.table, &column, ci) {
                        c.data_type = data_type;
                    }
                }
            }
            Change::AddConstraint { table, constraint } => {
                let key = self.key(&self.resolve(&table));
                let resolved = self.resolve_constraint(constraint);
                let ci = self.dialect.case_insensitive_names();
                match self.tables.get_mut(&key) {
                    Some(state) => {
                        add_constraint(state, resolved, ci);
                        name_constraints(state, self.dialect);
                    }
                    None => {
                        self.table_mut(&table, at);
                    }
                }
            }
            Change::DropConstraint { table, name } => {
                let ci = self.dialect.case_insensitive_names();
                if let Some(state) = self.table_mut(&table, at) {
                    drop_constraint(state, &name, ci);
                }
            }
            Change::DropPrimaryKey { table } => {
                if let Some(state) = self.table_mut(&table, at) {
                    state.table.primary_key.clear();
                    state.primary_key_name = None;
                }
            }
            Change::DropForeignKey { table, name } => {
                let ci = self.dialect.case_insensitive_names();
                if let Some(state) = self.table_mut(&table, at) {
                    state.table.foreign_keys.retain(|fk| {
                        !fk.name
                            .as_deref()
                            .is_some_and(|n| names_equal(n, &name, ci))
                    });
                }
            }
            Change::RenameConstraint { table, from, to } => {
                let ci = self.dialect.case_insensitive_names();
                if let Some(state) = self.table_mut(&table, at) {
                    rename_constraint(state, &from, &to, ci);
                }
            }
            Change::AttachPartition {
                parent,
                partition,
                inherits,
            } => {
                let parent_name = self.resolve(&parent);
                if let Some(state) = self.table_mut(&partition, at) {
                    state.table.partition_of = Some(parent_name);
                    state.inherits = inherits;
                }
            }
            Change::DetachPartition { partition, .. } => {
                if let Some(state) = self.table_mut(&partition, at) {
                    state.table.partition_of = None;
                    state.inherits = false;
                }
            }
            Change::DropSchema { name, cascade } => {
                let prefix = self.key(&format!("{name}."));
                let doomed: Vec<String> = self
                    .tables
                    .keys()
                    .filter(|k| k.starts_with(&prefix))
                    .cloned()
                    .collect();
                for key in doomed {
                    let shown = self.tables[&key].table.name.clone();
                    self.drop_table(
                        &RawName::new(vec![name.clone(), unqualified(&shown).to_string()]),
                        cascade,
                    );
                }
            }
            Change::SetSearchPath(path) => self.search_path = path,
            Change::UseDatabase(db) => {
                if self.dialect == Dialect::Mysql {
                    self.database = Some(db);
                }
            }
            Change::PushSchema(schema) => self.schema_stack.push(schema),
            Change::PopSchema => {
                self.schema_stack.pop();
            }
        }
    }

    fn resolve_constraint(&self, constraint: ConstraintSpec) -> ResolvedConstraint {
        match constraint {
            ConstraintSpec::PrimaryKey { name, columns } => {
                ResolvedConstraint::PrimaryKey { name, columns }
            }
            ConstraintSpec::Unique { name, columns } => {
                ResolvedConstraint::Unique { name, columns }
            }
            ConstraintSpec::ForeignKey(fk) => ResolvedConstraint::ForeignKey(self.foreign_key(fk)),
        }
    }

    fn foreign_key(&self, spec: ForeignKeySpec) -> ForeignKey {
        ForeignKey {
            name: spec.name,
            columns: spec.columns,
            references: TableRef {
                table: self.resolve(&spec.table),
                columns: spec.referenced_columns,
            },
            inferred: false,
        }
    }

    /// The foreign key of an inline `REFERENCES` on a column.
    fn column_foreign_key(&self, column: &ColumnSpec) -> Option<ForeignKey> {
        let reference = column.references.as_ref()?;
        Some(ForeignKey {
            name: reference.constraint.clone(),
            columns: vec![column.name.clone()],
            references: TableRef {
                table: self.resolve(&reference.table),
                columns: reference.columns.clone(),
            },
            inferred: false,
        })
    }

    fn create_table(&mut self, spec: CreateTableSpec, at: &SourceLocation) {
        let name = self.name_for_create(&spec.name);
        let key = self.key(&name);
        if self.tables.contains_key(&key) {
            if spec.if_not_exists {
                return;
            }
            if !spec.or_replace {
                self.diagnostics.push(
                    Diagnostic::info(
                        "sql-duplicate-table",
                        format!("table `{name}` is created again; the later definition wins"),
                    )
                    .at(at.file.clone(), at.line, 1),
                );
            }
        }
        let ci = self.dialect.case_insensitive_names();
        let mut state = TableState {
            table: Table {
                name: name.clone(),
                columns: Vec::new(),
                primary_key: Vec::new(),
                foreign_keys: Vec::new(),
                unique_keys: Vec::new(),
                partition_of: spec.partition_of.as_ref().map(|p| self.resolve(p)),
                source: Some(at.clone()),
            },
            primary_key_name: None,
            inherits: spec.inherits,
        };
        if let Some(like) = &spec.like {
            match self.tables.get(&self.key(&self.resolve(like))) {
                Some(template) => {
                    state.table.columns = template.table.columns.clone();
                    state.table.primary_key = template.table.primary_key.clone();
                    state.table.unique_keys = template.table.unique_keys.clone();
                }
                None => self.warn(
                    at,
                    "sql-unknown-table",
                    format!(
                        "`CREATE TABLE {name} LIKE {}`: the source table is unknown",
                        like.parts.join(".")
                    ),
                ),
            }
        }
        for column in spec.columns {
            let foreign_key = self.column_foreign_key(&column);
            add_column(&mut state, column, self.dialect);
            state.table.foreign_keys.extend(foreign_key);
        }
        for constraint in spec.constraints {
            let resolved = self.resolve_constraint(constraint);
            add_constraint(&mut state, resolved, ci);
        }
        name_constraints(&mut state, self.dialect);
        self.tables.insert(key, state);
    }

    fn drop_table(&mut self, raw: &RawName, cascade: bool) {
        let name = self.resolve(raw);
        let key = self.key(&name);
        if self.tables.remove(&key).is_none() {
            return;
        }
        // Declarative partitions go with their parent.
        let partitions: Vec<String> = self
            .tables
            .iter()
            .filter(|(_, s)| {
                s.table
                    .partition_of
                    .as_deref()
                    .is_some_and(|p| self.key(p) == key)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for partition in partitions {
            self.tables.remove(&partition);
        }
        if cascade {
            // CASCADE drops the foreign keys that pointed at the table;
            // without it they stay, which is what SQLite's rebuild idiom needs.
            let ci = self.dialect.case_insensitive_names();
            for state in self.tables.values_mut() {
                state
                    .table
                    .foreign_keys
                    .retain(|fk| !names_equal(&fk.references.table, &name, ci));
            }
        }
    }

    fn rename_table(&mut self, from: &RawName, to: &RawName, at: &SourceLocation) {
        let old_name = self.resolve(from);
        let old_key = self.key(&old_name);
        let Some(mut state) = self.tables.remove(&old_key) else {
            self.table_mut(from, at);
            return;
        };
        // `ALTER TABLE s.a RENAME TO b` keeps the schema in PostgreSQL.
        let new_name = match (to.qualifier(), from.qualifier()) {
            (None, Some(q)) if self.dialect == Dialect::Postgres => {
                self.canonical(Some(q), to.object())
            }
            (None, _) => match old_name.rsplit_once('.') {
                Some((schema, _)) if self.dialect != Dialect::Mysql => {
                    format!("{schema}.{}", to.object())
                }
                _ => self.name_for_create(to),
            },
            _ => self.name_for_create(to),
        };
        let ci = self.dialect.case_insensitive_names();
        state.table.name = new_name.clone();
        for fk in &mut state.table.foreign_keys {
            if names_equal(&fk.references.table, &old_name, ci) {
                fk.references.table = new_name.clone();
            }
        }
        self.tables.insert(self.key(&new_name), state);
        for other in self.tables.values_mut() {
            for fk in &mut other.table.foreign_keys {
                if names_equal(&fk.references.table, &old_name, ci) {
                    fk.references.table = new_name.clone();
                }
            }
            if other
                .table
                .partition_of
                .as_deref()
                .is_some_and(|p| names_equal(p, &old_name, ci))
            {
                other.table.partition_of = Some(new_name.clone());
            }
        }
    }

    fn rename_column(&mut self, table: &RawName, from: &str, to: &str, at: &SourceLocation) {
        let ci = self.dialect.case_insensitive_names();
        let table_name = self.resolve(table);
        let Some(state) = self.table_mut(table, at) else {
            return;
        };
        let t = &mut state.table;
        let rename = |c: &mut String| {
            if names_equal(c, from, ci) {
                *c = to.to_string();
            }
        };
        if let Some(column) = find_column_mut(t, from, ci) {
            column.name = to.to_string();
        }
        t.primary_key.iter_mut().for_each(rename);
        for fk in &mut t.foreign_keys {
            fk.columns.iter_mut().for_each(rename);
        }
        for unique in &mut t.unique_keys {
            unique.columns.iter_mut().for_each(rename);
        }
        // Foreign keys elsewhere that name this column follow it.
        for other in self.tables.values_mut() {
            for fk in &mut other.table.foreign_keys {
                if names_equal(&fk.references.table, &table_name, ci) {
                    fk.references.columns.iter_mut().for_each(rename);
                }
            }
        }
    }

    /// Partitions and `INHERITS` children carry their parent's columns
    /// (first, in the parent's order) as the database gives them; partitions
    /// also carry the parent's primary key. Parents are merged before their
    /// children so multi-level hierarchies come out whole.
    fn inherit_from_parents(&mut self) {
        let ci = self.dialect.case_insensitive_names();
        let depth = |tables: &HashMap<String, TableState>, key: &str| -> usize {
            let mut depth = 0;
            let mut current = key.to_string();
            while let Some(parent) = tables
                .get(&current)
                .and_then(|s| s.table.partition_of.clone())
            {
                depth += 1;
                current = if ci { parent.to_lowercase() } else { parent };
                if depth > 32 {
                    break;
                }
            }
            depth
        };
        let mut keys: Vec<(usize, String)> = self
            .tables
            .keys()
            .map(|k| (depth(&self.tables, k), k.clone()))
            .filter(|(d, _)| *d > 0)
            .collect();
        keys.sort();
        for (_, key) in keys {
            let Some(parent_name) = self.tables[&key].table.partition_of.clone() else {
                continue;
            };
            let parent_key = self.key(&parent_name);
            let Some(parent) = self.tables.get(&parent_key).map(|p| p.table.clone()) else {
                continue;
            };
            let Some(child) = self.tables.get_mut(&key) else {
                continue;
            };
            let own = std::mem::take(&mut child.table.columns);
            let mut merged: Vec<Column> = parent
                .columns
                .iter()
                .map(
                    |pc| match own.iter().find(|c| names_equal(&c.name, &pc.name, ci)) {
                        Some(c) => Column {
                            nullable: c.nullable && pc.nullable,
                            ..pc.clone()
                        },
                        None => pc.clone(),
                    },
                )
                .collect();
            merged.extend(own.into_iter().filter(|c| {
                !parent
                    .columns
                    .iter()
                    .any(|pc| names_equal(&pc.name, &c.name, ci))
            }));
            child.table.columns = merged;
            if !child.inherits && child.table.primary_key.is_empty() {
                child.table.primary_key = parent.primary_key.clone();
            }
        }
    }

    /// The final schema: tables sorted by name, implicit referenced columns
    /// filled in with the target's primary key, dangling foreign keys
    /// reported and dropped.
    pub fn finish(mut self) -> (Schema, Vec<Diagnostic>) {
        self.inherit_from_parents();
        let primary_keys: HashMap<String, Vec<String>> = self
            .tables
            .iter()
            .map(|(k, s)| (k.clone(), s.table.primary_key.clone()))
            .collect();
        let mut tables: Vec<Table> = Vec::with_capacity(self.tables.len());
        let mut states: Vec<TableState> = self.tables.drain().map(|(_, s)| s).collect();
        states.sort_by(|a, b| a.table.name.cmp(&b.table.name));
        let ci = self.dialect.case_insensitive_names();
        for state in states {
            let mut table = state.table;
            let mut kept = Vec::with_capacity(table.foreign_keys.len());
            for mut fk in std::mem::take(&mut table.foreign_keys) {
                let target_key = if ci {
                    fk.references.table.to_lowercase()
                } else {
                    fk.references.table.clone()
                };
                match primary_keys.get(&target_key) {
                    Some(pk) => {
                        if fk.references.columns.is_empty() {
                            fk.references.columns = pk.clone();
                        }
                        kept.push(fk);
                    }
                    None => {
                        let mut d = Diagnostic::warning(
                            "sql-dangling-foreign-key",
                            format!(
                                "foreign key {}({}) references `{}`, which is not a table of the final schema; it is left out",
                                table.name,
                                fk.columns.join(", "),
                                fk.references.table
                            ),
                        );
                        if let Some(src) = &table.source {
                            d = d.at(src.file.clone(), src.line, 1);
                        }
                        self.diagnostics.push(d);
                    }
                }
            }
            table.foreign_keys = kept;
            if let Some(parent) = &table.partition_of {
                let parent_key = if ci {
                    parent.to_lowercase()
                } else {
                    parent.clone()
                };
                if !primary_keys.contains_key(&parent_key) {
                    table.partition_of = None;
                }
            }
            tables.push(table);
        }
        (
            Schema {
                dialect: self.dialect,
                tables,
            },
            self.diagnostics,
        )
    }
}

#[derive(Debug)]
enum ResolvedConstraint {
    PrimaryKey {
        name: Option<String>,
        columns: Vec<String>,
    },
    Unique {
        name: Option<String>,
        columns: Vec<String>,
    },
    ForeignKey(ForeignKey),
}

fn names_equal(a: &str, b: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

fn unqualified(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, t)| t)
}

fn find_column_mut<'a>(table: &'a mut Table, name: &str, ci: bool) -> Option<&'a mut Column> {
    table
        .columns
        .iter_mut()
        .find(|c| names_equal(&c.name, name, ci))
}

/// Gives unnamed constraints the name the database would, so a later
/// `DROP CONSTRAINT orders_customer_id_fkey` finds them even after the table
/// is renamed: PostgreSQL's `<table>_<columns>_fkey` / `_key` / `_pkey`,
/// MySQL's `<table>_ibfk_<n>`.
fn name_constraints(state: &mut TableState, dialect: Dialect) {
    let table = unqualified(&state.table.name).to_string();
    match dialect {
        Dialect::Postgres => {
            for fk in &mut state.table.foreign_keys {
                if fk.name.is_none() {
                    fk.name = Some(format!("{table}_{}_fkey", fk.columns.join("_")));
                }
            }
            for unique in &mut state.table.unique_keys {
                if unique.name.is_none() {
                    unique.name = Some(format!("{table}_{}_key", unique.columns.join("_")));
                }
            }
            if state.primary_key_name.is_none() && !state.table.primary_key.is_empty() {
                state.primary_key_name = Some(format!("{table}_pkey"));
            }
        }
        Dialect::Mysql => {
            let prefix = format!("{table}_ibfk_");
            let mut next = state
                .table
                .foreign_keys
                .iter()
                .filter_map(|fk| {
                    fk.name
                        .as_deref()?
                        .strip_prefix(&prefix)?
                        .parse::<u32>()
                        .ok()
                })
                .max()
                .unwrap_or(0);
            for fk in &mut state.table.foreign_keys {
                if fk.name.is_none() {
                    next += 1;
                    fk.name = Some(format!("{prefix}{next}"));
                }
            }
        }
        Dialect::Sqlite | Dialect::Mssql => {}
    }
}

/// MySQL's `FIRST` / `AFTER col`: moves an existing column into place.
fn move_column(table: &mut Table, name: &str, position: Option<&ColumnPosition>, dialect: Dialect) {
    let Some(position) = position else { return };
    let ci = dialect.case_insensitive_names();
    let Some(from) = table
        .columns
        .iter()
        .position(|c| names_equal(&c.name, name, ci))
    else {
        return;
    };
    let column = table.columns.remove(from);
    let to = match position {
        ColumnPosition::First => 0,
        ColumnPosition::After(after) => table
            .columns
            .iter()
            .position(|c| names_equal(&c.name, after, ci))
            .map_or(table.columns.len(), |i| i + 1),
    };
    table.columns.insert(to, column);
}

fn add_column(state: &mut TableState, spec: ColumnSpec, dialect: Dialect) {
    let ci = dialect.case_insensitive_names();
    let ColumnSpec {
        name,
        data_type,
        nullable,
        primary_key,
        unique,
        references: _,
    } = spec;
    let column = Column {
        name: name.clone(),
        data_type,
        nullable: nullable.unwrap_or(true),
    };
    match state
        .table
        .columns
        .iter_mut()
        .find(|c| names_equal(&c.name, &name, ci))
    {
        Some(existing) => *existing = column,
        None => state.table.columns.push(column),
    }
    if primary_key {
        set_primary_key(state, None, vec![name.clone()], ci);
    }
    if unique {
        state.table.unique_keys.push(UniqueKey {
            name: None,
            columns: vec![name],
        });
    }
}

/// Sets the primary key; its columns become NOT NULL, as every database does.
fn set_primary_key(state: &mut TableState, name: Option<String>, columns: Vec<String>, ci: bool) {
    for column in &columns {
        if let Some(c) = find_column_mut(&mut state.table, column, ci) {
            c.nullable = false;
        }
    }
    state.table.primary_key = columns;
    state.primary_key_name = name;
}

fn add_constraint(state: &mut TableState, constraint: ResolvedConstraint, ci: bool) {
    match constraint {
        ResolvedConstraint::PrimaryKey { name, columns } => {
            set_primary_key(state, name, columns, ci)
        }
        ResolvedConstraint::Unique { name, columns } => {
            state.table.unique_keys.push(UniqueKey { name, columns })
        }
        ResolvedConstraint::ForeignKey(fk) => {
            // Re-adding a constraint of the same name replaces it.
            if let Some(n) = &fk.name {
                state
                    .table
                    .foreign_keys
                    .retain(|f| !f.name.as_deref().is_some_and(|m| names_equal(m, n, ci)));
            }
            state.table.foreign_keys.push(fk);
        }
    }
}

fn drop_column(table: &mut Table, column: &str, ci: bool) {
    table.columns.retain(|c| !names_equal(&c.name, column, ci));
    if table.primary_key.iter().any(|c| names_equal(c, column, ci)) {
        table.primary_key.clear();
    }
    table
        .foreign_keys
        .retain(|fk| !fk.columns.iter().any(|c| names_equal(c, column, ci)));
    table
        .unique_keys
        .retain(|u| !u.columns.iter().any(|c| names_equal(c, column, ci)));
}

fn drop_constraint(state: &mut TableState, name: &str, ci: bool) {
    let matches = |n: &Option<String>| n.as_deref().is_some_and(|m| names_equal(m, name, ci));
    let t = &mut state.table;
    t.foreign_keys.retain(|fk| !matches(&fk.name));
    t.unique_keys.retain(|u| !matches(&u.name));
    if matches(&state.primary_key_name) {
        t.primary_key.clear();
        state.primary_key_name = None;
    }
}

fn rename_constraint(state: &mut TableState, from: &str, to: &str, ci: bool) {
    let rename = |n: &mut Option<String>| {
        if n.as_deref().is_some_and(|m| names_equal(m, from, ci)) {
            *n = Some(to.to_string());
        }
    };
    state
        .table
        .foreign_keys
        .iter_mut()
        .for_each(|fk| rename(&mut fk.name));
    state
        .table
        .unique_keys
        .iter_mut()
        .for_each(|u| rename(&mut u.name));
    rename(&mut state.primary_key_name);
}
