//! The schema changes a statement makes, independent of how it was read.
//!
//! Both the sqlparser path (`from_ast`) and the lenient fallback (`lenient`)
//! produce these, and `replay` applies them in order. Names are read the
//! dialect's way already (unquoted ones folded in PostgreSQL, kept as written
//! elsewhere) but not yet resolved against the current schema, because that
//! depends on `SET search_path` / `USE` statements seen earlier and, where
//! the server compares names case-insensitively, on how the table was created.

/// A possibly qualified name as written: `["sales", "orders"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawName {
    pub parts: Vec<String>,
}

impl RawName {
    pub fn new(parts: Vec<String>) -> Self {
        RawName { parts }
    }

    /// The last part: the object's own name.
    pub fn object(&self) -> &str {
        self.parts.last().map_or("", String::as_str)
    }

    /// The part before the object's name (a schema, or a MySQL database).
    pub fn qualifier(&self) -> Option<&str> {
        let n = self.parts.len();
        (n >= 2).then(|| self.parts[n - 2].as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    pub data_type: String,
    /// `Some(false)` for NOT NULL, `Some(true)` for an explicit NULL, `None`
    /// when the statement does not say (nullable, unless in the primary key).
    pub nullable: Option<bool>,
    /// Inline `PRIMARY KEY` on the column.
    pub primary_key: bool,
    /// Inline `UNIQUE` on the column.
    pub unique: bool,
    /// Inline `REFERENCES t (c)`.
    pub references: Option<ReferenceSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceSpec {
    pub constraint: Option<String>,
    pub table: RawName,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeySpec {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub table: RawName,
    pub referenced_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintSpec {
    PrimaryKey {
        name: Option<String>,
        columns: Vec<String>,
    },
    Unique {
        name: Option<String>,
        columns: Vec<String>,
    },
    ForeignKey(ForeignKeySpec),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTableSpec {
    pub name: RawName,
    pub if_not_exists: bool,
    pub or_replace: bool,
    pub columns: Vec<ColumnSpec>,
    pub constraints: Vec<ConstraintSpec>,
    /// `PARTITION OF parent` or the first `INHERITS (parent)`.
    pub partition_of: Option<RawName>,
    /// True for `INHERITS`: the child gets the parent's columns but not its keys.
    pub inherits: bool,
    /// MySQL `CREATE TABLE x LIKE y`: copy y's columns and keys.
    pub like: Option<RawName>,
}

/// MySQL's `FIRST` / `AFTER col` in ADD, CHANGE and MODIFY COLUMN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnPosition {
    First,
    After(String),
}

/// One change to the schema being replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateTable(CreateTableSpec),
    DropTables {
        names: Vec<RawName>,
        cascade: bool,
    },
    RenameTable {
        from: RawName,
        to: RawName,
    },
    AddColumn {
        table: RawName,
        column: ColumnSpec,
        position: Option<ColumnPosition>,
    },
    DropColumn {
        table: RawName,
        column: String,
    },
    RenameColumn {
        table: RawName,
        from: String,
        to: String,
    },
    /// MySQL CHANGE / MODIFY: replace a column's definition, maybe renaming it.
    RedefineColumn {
        table: RawName,
        old_name: String,
        column: ColumnSpec,
        position: Option<ColumnPosition>,
    },
    SetColumnNullable {
        table: RawName,
        column: String,
        nullable: bool,
    },
    SetColumnType {
        table: RawName,
        column: String,
        data_type: String,
    },
    AddConstraint {
        table: RawName,
        constraint: ConstraintSpec,
    },
    /// Drops a named constraint of any kind.
    DropConstraint {
        table: RawName,
        name: String,
    },
    DropPrimaryKey {
        table: RawName,
    },
    DropForeignKey {
        table: RawName,
        name: String,
    },
    RenameConstraint {
        table: RawName,
        from: String,
        to: String,
    },
    /// `ATTACH PARTITION` (`inherits: false`) or `ALTER TABLE … INHERIT` (`true`).
    AttachPartition {
        parent: RawName,
        partition: RawName,
        inherits: bool,
    },
    DetachPartition {
        parent: RawName,
        partition: RawName,
    },
    DropSchema {
        name: String,
        cascade: bool,
    },
    /// `SET search_path` (PostgreSQL): the schemas unqualified names resolve to.
    SetSearchPath(Vec<String>),
    /// `USE db` (MySQL, SQL Server).
    UseDatabase(String),
    /// Entering / leaving the elements of `CREATE SCHEMA x CREATE TABLE …`,
    /// during which `x` comes first in the search path.
    PushSchema(String),
    PopSchema,
}
