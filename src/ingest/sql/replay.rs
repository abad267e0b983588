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
    /// The first spelling of each schema a table was created in, by
    /// [`Replayer::key`]: where schema names compare case-insensitively,
    /// `Sales.a` and `SALES.b` are both shown in the schema `Sales`.
    schemas: HashMap<String, String>,
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
            schemas: HashMap::new(),
            search_path: Vec::new(),
            schema_stack: Vec::new(),
            database: None,
            diagnostics: Vec::new(),
        }
    }

    /// The key of a table (or schema) name: two names with the same key
    /// are one table, by the dialect's rule for table names.
    fn key(&self, name: &str) -> String {
        table_key(name, self.dialect)
    }

    /// Whether two table, schema or database names name the same thing.
    fn same(&self, a: &str, b: &str) -> bool {
        names_equal(a, b, self.dialect.table_names_case_insensitive())
    }

    /// Whether column, index and constraint names compare case-insensitively.
    fn columns_ci(&self) -> bool {
        self.dialect.column_names_case_insensitive()
    }

    /// The spelling of `schema` that first created a table in it.
    fn schema_spelling<'a>(&'a self, schema: &'a str) -> &'a str {
        self.schemas
            .get(&self.key(schema))
            .map_or(schema, String::as_str)
    }

    /// The stored name of the existing table `name` refers to: the
    /// spelling that created it.
    fn existing_name(&self, name: &str) -> Option<&str> {
        self.tables
            .get(&self.key(name))
            .map(|s| s.table.name.as_str())
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
                    format!("{}.{object}", self.schema_spelling(schema))
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
    /// the search path (in the spelling that created it), else where it
    /// would be created.
    fn resolve(&self, raw: &RawName) -> String {
        if raw.qualifier().is_some() {
            let name = self.name_for_create(raw);
            return self.existing_name(&name).map_or(name, str::to_string);
        }
        let candidates = self
            .schema_stack
            .iter()
            .rev()
            .chain(self.search_path.iter().filter(|s| !s.starts_with('$')))
            .map(|s| self.canonical(Some(s), raw.object()))
            .chain(std::iter::once(raw.object().to_string()));
        for candidate in candidates {
            if let Some(existing) = self.existing_name(&candidate) {
                return existing.to_string();
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
                let ci = self.columns_ci();
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
                let ci = self.columns_ci();
                if !names_equal(&old_name, &column.name, ci) {
                    self.rename_column(&table, &old_name, &column.name, at);
                }
                let dialect = self.dialect;
                if let Some(state) = self.table_mut(&table, at) {
                    if let Some(existing) = find_column_mut(&mut state.table, &column.name, ci) {
                        // CHANGE and MODIFY respell the column as written
                        // (`MODIFY Abc …` of a column `abc` makes it `Abc`).
                        existing.name.clone_from(&column.name);
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
                let ci = self.columns_ci();
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
                let ci = self.columns_ci();
                if let Some(state) = self.table_mut(&table, at) {
                    if let Some(c) = find_column_mut(&mut state.table, &column, ci) {
                        c.data_type = data_type;
                    }
                }
            }
            Change::AddConstraint { table, constraint } => {
                let key = self.key(&self.resolve(&table));
                let resolved = self.resolve_constraint(constraint);
                let ci = self.columns_ci();
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
                let ci = self.columns_ci();
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
                let ci = self.columns_ci();
                if let Some(state) = self.table_mut(&table, at) {
                    state.table.foreign_keys.retain(|fk| {
                        !fk.name
                            .as_deref()
                            .is_some_and(|n| names_equal(n, &name, ci))
                    });
                }
            }
            Change::RenameConstraint { table, from, to } => {
                let ci = self.columns_ci();
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
        if self.dialect.table_names_case_insensitive() {
            if let Some((schema, _)) = name.rsplit_once('.') {
                self.schemas
                    .entry(self.key(schema))
                    .or_insert_with(|| schema.to_string());
            }
        }
        let ci = self.columns_ci();
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
        if self.dialect == Dialect::Postgres {
            drop_redundant_unique_keys(&mut state.table);
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
            let dialect = self.dialect;
            for state in self.tables.values_mut() {
                state
                    .table
                    .foreign_keys
                    .retain(|fk| table_key(&fk.references.table, dialect) != key);
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
        let ci = self.dialect.table_names_case_insensitive();
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
        let ci = self.columns_ci();
        let dialect = self.dialect;
        let renamed_table = self.key(&self.resolve(table));
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
                if table_key(&fk.references.table, dialect) == renamed_table {
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
        let ci = self.columns_ci();
        let dialect = self.dialect;
        let depth = |tables: &HashMap<String, TableState>, key: &str| -> usize {
            let mut depth = 0;
            let mut current = key.to_string();
            while let Some(parent) = tables
                .get(&current)
                .and_then(|s| s.table.partition_of.clone())
            {
                depth += 1;
                current = table_key(&parent, dialect);
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

    /// Writes every name that refers to a table or column the way that
    /// table or column was created, where the dialect compares such names
    /// case-insensitively: in SQL Server a `REFERENCES AREACODE (ID)` of
    /// the table created as `AreaCode (Id)` becomes `AreaCode (Id)`, and a
    /// MySQL `PRIMARY KEY (id)` of a column `ID` becomes `ID`. Keys then
    /// match table and column names as plain strings, as the rest of carve
    /// compares them.
    fn respell_references(&mut self) {
        let columns_ci = self.columns_ci();
        if !columns_ci && !self.dialect.table_names_case_insensitive() {
            return;
        }
        let dialect = self.dialect;
        let created: HashMap<String, (String, Vec<String>)> = self
            .tables
            .iter()
            .map(|(key, s)| {
                let columns = s.table.columns.iter().map(|c| c.name.clone()).collect();
                (key.clone(), (s.table.name.clone(), columns))
            })
            .collect();
        for state in self.tables.values_mut() {
            let table = &mut state.table;
            let own: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
            let respell_own = |names: &mut Vec<String>| respell(names, &own, columns_ci);
            respell_own(&mut table.primary_key);
            table
                .unique_keys
                .iter_mut()
                .for_each(|u| respell_own(&mut u.columns));
            for fk in &mut table.foreign_keys {
                respell_own(&mut fk.columns);
                let target = table_key(&fk.references.table, dialect);
                if let Some((name, columns)) = created.get(&target) {
                    fk.references.table.clone_from(name);
                    respell(&mut fk.references.columns, columns, columns_ci);
                }
            }
            if let Some(parent) = &mut table.partition_of {
                if let Some((name, _)) = created.get(&table_key(parent, dialect)) {
                    parent.clone_from(name);
                }
            }
        }
    }

    /// The final schema: tables sorted by name, implicit referenced columns
    /// filled in with the target's primary key, dangling foreign keys
    /// reported and dropped.
    pub fn finish(mut self) -> (Schema, Vec<Diagnostic>) {
        self.inherit_from_parents();
        self.respell_references();
        let primary_keys: HashMap<String, Vec<String>> = self
            .tables
            .iter()
            .map(|(k, s)| (k.clone(), s.table.primary_key.clone()))
            .collect();
        let mut tables: Vec<Table> = Vec::with_capacity(self.tables.len());
        let mut states: Vec<TableState> = self.tables.drain().map(|(_, s)| s).collect();
        states.sort_by(|a, b| a.table.name.cmp(&b.table.name));
        for state in states {
            let mut table = state.table;
            let mut kept = Vec::with_capacity(table.foreign_keys.len());
            for mut fk in std::mem::take(&mut table.foreign_keys) {
                match primary_keys.get(&self.key(&fk.references.table)) {
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
                if !primary_keys.contains_key(&self.key(parent)) {
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

/// The key of a table name in `dialect`: the name itself, or in lower case
/// where table names compare case-insensitively.
fn table_key(name: &str, dialect: Dialect) -> String {
    if dialect.table_names_case_insensitive() {
        name.to_lowercase()
    } else {
        name.to_string()
    }
}

fn names_equal(a: &str, b: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

/// Replaces each name in `names` by the spelling of the name in `created`
/// it refers to; names that refer to none stay as they are.
fn respell(names: &mut [String], created: &[String], case_insensitive: bool) {
    for name in names {
        if let Some(spelling) = created
            .iter()
            .find(|c| names_equal(c, name, case_insensitive))
        {
            name.clone_from(spelling);
        }
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
    let ci = dialect.column_names_case_insensitive();
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
    let ci = dialect.column_names_case_insensitive();
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

/// PostgreSQL's `CREATE TABLE` keeps one index per column list: a
/// `UNIQUE` on the primary key's columns, or repeating another `UNIQUE`,
/// creates no constraint (a later `ALTER TABLE ... ADD UNIQUE` does).
fn drop_redundant_unique_keys(table: &mut Table) {
    let mut seen: Vec<Vec<String>> = Vec::new();
    if !table.primary_key.is_empty() {
        seen.push(table.primary_key.clone());
    }
    table.unique_keys.retain(|unique| {
        if seen.contains(&unique.columns) {
            false
        } else {
            seen.push(unique.columns.clone());
            true
        }
    });
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
