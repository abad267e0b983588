//! The data model every stage shares: the schema carve ingested, the
//! diagnostics it raised on the way. These are plain serde types; the JSON
//! report is their serialization, so tests and users see the same thing.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The SQL dialect a schema is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Postgres,
    Mysql,
    Sqlite,
    Mssql,
}

impl Dialect {
    /// The schema a bare table name lives in; names in it are written bare.
    pub fn default_schema(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some("public"),
            Dialect::Mssql => Some("dbo"),
            Dialect::Sqlite => Some("main"),
            Dialect::Mysql => None,
        }
    }

    /// Whether the server folds unquoted identifiers to lower case.
    /// PostgreSQL does; SQL Server, MySQL and SQLite store a name as it was
    /// written, quoted or not.
    pub fn folds_unquoted_names(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// Whether two table names (and schema or database names) that differ
    /// only in case name the same table, by the server's default rules:
    /// yes in SQL Server (its default collation) and SQLite; no in
    /// PostgreSQL (once folded) and MySQL, whose table names are file names
    /// on a Linux server (`lower_case_table_names=0`).
    pub fn table_names_case_insensitive(self) -> bool {
        matches!(self, Dialect::Mssql | Dialect::Sqlite)
    }

    /// Whether two column names (and index or constraint names) that differ
    /// only in case name the same column: everywhere but PostgreSQL, where
    /// names compare exactly once unquoted ones are folded.
    pub fn column_names_case_insensitive(self) -> bool {
        !matches!(self, Dialect::Postgres)
    }

    /// Whether some names that differ only in case can name the same object
    /// (columns at least): everywhere but PostgreSQL. For loose comparisons
    /// of whole schemas; replay uses the two finer rules above.
    pub fn case_insensitive_names(self) -> bool {
        self.column_names_case_insensitive()
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
            Dialect::Mssql => "mssql",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where something was declared: a file (relative to the analyzed root when
/// possible) and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub dialect: Dialect,
    pub tables: Vec<Table>,
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn foreign_key_count(&self) -> usize {
        self.tables.iter().map(|t| t.foreign_keys.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// `schema.table`, or bare when in the dialect's default schema.
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique_keys: Vec<UniqueKey>,
    /// The parent table when this table is a partition (or an inheriting child).
    pub partition_of: Option<String>,
    pub source: Option<SourceLocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The constraint name when the schema gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub references: TableRef,
    /// True when guessed from naming (`customer_id` → `customers.id`).
    pub inferred: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRef {
    pub table: String,
    /// Empty when the schema leaves them implicit (the referenced primary key).
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A problem found in the input, as data: rendered for people by the human
/// report and serialized as is in the JSON one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable kebab-case identifier such as `sql-unparsed`.
    pub code: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// What the user can do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: code.to_string(),
            message: message.into(),
            file: None,
            line: None,
            column: None,
            help: None,
        }
    }

    pub fn warning(code: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn info(code: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, message)
    }

    pub fn at(mut self, file: impl Into<String>, line: u32, column: u32) -> Self {
        self.file = Some(file.into());
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The monolith's Rust code as carve sees it: modules, their dependencies
/// and the tables they touch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Codebase {
    /// Crates of the workspace, by name.
    pub crates: Vec<CrateInfo>,
    /// Every module of every crate, sorted by name.
    pub modules: Vec<Module>,
    /// Tables touched together by one function (its direct and transitive
    /// accesses), for the co-access signal. Each set sorted; the list sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_access: Vec<Vec<String>>,
}

impl Codebase {
    /// Each module's position in [`Codebase::modules`], by name.
    pub fn module_index(&self) -> rustc_hash::FxHashMap<&str, usize> {
        self.modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.as_str(), i))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrateInfo {
    /// The crate name as used in paths (`-` replaced by `_`).
    pub name: String,
    /// The crate's directory, relative to the analyzed root.
    pub root: String,
}

/// One Rust module: `shop::orders::repo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    /// `crate_name::path::to::module`; a crate root is just `crate_name`.
    pub name: String,
    /// The file that holds it (relative to the analyzed root); inline
    /// modules name their parent's file.
    pub file: String,
    /// Modules of the workspace this one uses, sorted.
    pub depends_on: Vec<String>,
    /// Tables it reads or writes, sorted by table then mode.
    pub accesses: Vec<Access>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub table: String,
    pub mode: AccessMode,
    pub via: AccessVia,
    /// Where: the query for direct access, the call site for transitive.
    pub evidence: Vec<SourceLocation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessMode {
    Read,
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessVia {
    /// The module runs the query itself.
    Direct,
    /// The module calls code in another module that runs it.
    Transitive,
}

/// What carve proposes: services, shared tables, the extraction order and
/// how good the cut is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub services: Vec<Service>,
    pub shared_tables: Vec<SharedTable>,
    pub order: Vec<Step>,
    /// Dependency cycles between services, each with the weakest link to break.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycles: Vec<Cycle>,
    pub metrics: Metrics,
    /// Why each table and module was placed where it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanations: Vec<Explanation>,
    /// Tables no service gets, each with the reason: they stay in the
    /// monolith (or are the migration tools' own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unplaced_tables: Vec<UnplacedTable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnplacedTable {
    pub table: String,
    pub reason: UnplacedReason,
    /// The tool, the pattern or what is missing, in words.
    pub detail: String,
}

impl UnplacedReason {
    /// The reason as the JSON report spells it.
    pub fn label(self) -> &'static str {
        match self {
            UnplacedReason::Bookkeeping => "bookkeeping",
            UnplacedReason::Excluded => "excluded",
            UnplacedReason::Orphan => "orphan",
            UnplacedReason::Monolith => "monolith",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnplacedReason {
    /// A migration tool's history or lock table.
    Bookkeeping,
    /// Named by `monolith.exclude` (or `--exclude`).
    Excluded,
    /// No code touches it and no key links it.
    Orphan,
    /// Listed in a plan's `monolith.tables`.
    Monolith,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Letters, digits and `-`: usable as a directory, crate name and topic segment.
    pub name: String,
    pub tables: Vec<String>,
    pub modules: Vec<String>,
    /// Services whose tables this one's code reads or references.
    pub reads_from: Vec<String>,
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedTable {
    pub table: String,
    pub owner: String,
    /// `hub`: referenced or accessed from many services; `tenant`: the
    /// tenant or owner nearly every table points at.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub step: u32,
    pub service: String,
    pub depends_on: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    pub services: Vec<String>,
    /// `from -> to`: the dependency with the least evidence.
    pub weakest_link: (String, String),
    /// What that dependency rests on, e.g. `1 FK, 2 reads`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub modularity: f64,
    pub cross_service_foreign_keys: usize,
    pub cross_service_accesses: usize,
    /// Inter-partition call percentage: the share of code interactions that cross services.
    pub icp: f64,
    /// Interface number: the mean count of a service's tables other services touch.
    pub ifn: f64,
    /// Non-extreme distribution: the share of tables in services neither tiny nor huge.
    pub ned: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub ari: f64,
    pub ami: f64,
    pub mojofm: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// `table` or `module`.
    pub kind: String,
    pub name: String,
    pub service: String,
    /// The strongest evidence for the placement, in a sentence.
    pub evidence: String,
}
