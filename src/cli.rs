//! The command line, as clap types. `Settings` resolution lives with each
//! command; this file only says what can be typed.

use crate::model::Dialect;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "carve",
    version,
    about = "Carve a monolith into event-driven services on Kafka",
    long_about = "carve reads a monolith's SQL schema and Rust code, proposes service boundaries and the \
                  order to extract them in, lets you review the plan, and scaffolds the services, topics, \
                  connectors and runbooks for each step."
)]
pub struct Cli {
    /// When to use colour: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print only results, no progress or notes.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the monolith's schema and Rust code; propose services, their order and the evidence.
    Analyze(AnalyzeArgs),
    /// Review and change the plan (carve.toml); scriptable with --answers.
    Plan(PlanArgs),
    /// Write the services, topics, connectors and runbooks of a plan (or of one service).
    Scaffold(ScaffoldArgs),
    /// Fail (exit 1) when the code crosses the planned boundaries beyond the known ones in carve-todo.toml.
    ///
    /// Re-reads the monolith's code and fails when a module runs a query on a table another
    /// service owns (reads of shared tables are allowed), when a table is in no service, or when
    /// a module that runs queries belongs to no service.
    ///
    /// The crossings the code already made when the plan was adopted are listed in
    /// carve-todo.toml beside the plan (written by `carve analyze --write-plan`): they pass,
    /// anything new fails with its file and line, and a listed crossing the code no longer makes
    /// is stale and fails until `carve check --update-todo` removes it, so the list only shrinks.
    /// `--strict` ignores the todo file. A table no service owns and a module that runs queries
    /// but belongs to no service are never listed: they always fail.
    ///
    /// Exit codes: 0 clean, 1 violations or stale todo entries, 2 a bad plan, todo file or
    /// monolith.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The monolith's checkout: its schema and Rust code are found by themselves
    /// [default: . unless --schema or --database-url is given].
    pub path: Option<PathBuf>,

    /// A schema file or folder to read instead of searching PATH (repeatable):
    /// .sql dumps, migration folders, SSDT projects, diesel schema.rs.
    #[arg(long, value_name = "FILE|DIR")]
    pub schema: Vec<PathBuf>,

    /// Read the schema from a running database: postgres://… or mysql://… (MariaDB too).
    #[arg(long, value_name = "URL", conflicts_with = "schema")]
    pub database_url: Option<String>,

    /// Apply the migrations to a scratch database on this server (postgres://, mysql://, mariadb://),
    /// read it back as --database-url does, drop it, and report where it differs from static replay.
    #[arg(long, value_name = "URL", conflicts_with = "database_url")]
    pub dev_url: Option<String>,

    /// With --database-url: only these schemas (PostgreSQL) or databases (MySQL); repeatable or comma-separated.
    #[arg(
        long,
        value_name = "NAME",
        value_delimiter = ',',
        requires = "database_url"
    )]
    pub db_schema: Vec<String>,

    /// The SQL dialect, when detection from the files is not enough.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// The signals to weigh: fk, inferred-fk, code, co-access, deps, names (comma-separated), or all.
    #[arg(long, value_name = "LIST", default_value = "all")]
    pub signals: String,

    /// Ask for exactly this many services.
    #[arg(long, value_name = "K")]
    pub services: Option<usize>,

    /// Set these tables aside: no service gets them (repeatable or comma-separated; `*` and `?`
    /// match any run of characters and one). The migration tools' own tables are always set aside.
    #[arg(long, value_name = "PATTERN", value_delimiter = ',')]
    pub exclude: Vec<String>,

    /// Community detection algorithm.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Leiden)]
    pub algorithm: AlgorithmArg,

    /// Compare the proposal with a grouping you already have: CSV `table,group` or TOML `[groups]`.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,

    /// Read the schema only; skip the Rust code and the proposal.
    #[arg(long)]
    pub schema_only: bool,

    /// Save the proposal as an editable plan (refuses to overwrite an existing file without --force),
    /// recording the monolith's root relative to it, and today's crossings in carve-todo.toml beside it.
    #[arg(long, value_name = "FILE")]
    pub write_plan: Option<PathBuf>,

    /// With --write-plan: overwrite an existing plan.
    #[arg(long, requires = "write_plan")]
    pub force: bool,

    /// Report the services as this plan (carve.toml) places them instead of proposing new ones;
    /// the monolith is PATH, else the plan's `monolith.root`, else the plan's directory.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = [
            "write_plan", "services", "algorithm", "signals", "schema", "database_url", "exclude",
            "dev_url", "dialect", "schema_only",
        ]
    )]
    pub plan: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    Leiden,
    Louvain,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The monolith's checkout [default: the plan's `monolith.root`, else the plan's directory].
    pub path: Option<PathBuf>,

    /// The plan to edit; created from a fresh analysis when it does not exist.
    #[arg(long, value_name = "FILE", default_value = "carve.toml")]
    pub plan: PathBuf,

    /// Apply the actions in this TOML file instead of prompting.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,

    /// Skip confirmations.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The monolith's checkout [default: the plan's `monolith.root`, else the plan's directory].
    pub path: Option<PathBuf>,

    /// The plan to check against; its todo file is carve-todo.toml beside it.
    #[arg(long, value_name = "FILE", default_value = "carve.toml")]
    pub plan: PathBuf,

    /// Output format: human, json, sarif (SARIF 2.1.0 for code scanning), junit (JUnit XML),
    /// github (workflow commands that annotate the pull request).
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// Ignore the todo file: every crossing fails, listed or not.
    #[arg(long, conflicts_with = "update_todo")]
    pub strict: bool,

    /// Rewrite the todo file from the code: remove the crossings it no longer makes (never adds
    /// new ones); when there is no todo file, record every crossing the code makes now.
    #[arg(long)]
    pub update_todo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ScaffoldArgs {
    #[command(subcommand)]
    pub command: Option<ScaffoldCommand>,

    /// The monolith's checkout [default: the plan's `monolith.root`, else the plan's directory].
    pub path: Option<PathBuf>,

    /// The plan to scaffold.
    #[arg(long, value_name = "FILE", default_value = "carve.toml")]
    pub plan: PathBuf,

    #[command(flatten)]
    pub output: ScaffoldOutput,
}

#[derive(Debug, Subcommand)]
pub enum ScaffoldCommand {
    /// Scaffold one service without a plan, owning the tables given.
    Service(ScaffoldServiceArgs),
}

#[derive(Debug, Args)]
pub struct ScaffoldServiceArgs {
    /// The service's name: lower-case letters, digits and `-`.
    pub name: String,

    /// The tables it owns, comma-separated, as `carve analyze` names them.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    pub tables: Vec<String>,

    /// The monolith's checkout [default: . unless --schema or --database-url is given].
    pub path: Option<PathBuf>,

    /// A schema file or folder to read instead of searching PATH (repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    pub schema: Vec<PathBuf>,

    /// Read the schema from a running database: postgres://… or mysql://….
    #[arg(long, value_name = "URL", conflicts_with = "schema")]
    pub database_url: Option<String>,

    /// The monolith's database, as the connectors and scripts name it
    /// [default: the database of --database-url, else the monolith's name].
    #[arg(long, value_name = "NAME")]
    pub database_name: Option<String>,

    /// The SQL dialect, when detection from the files is not enough.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,

    #[command(flatten)]
    pub output: ScaffoldOutput,
}

/// Where and how scaffold writes.
#[derive(Debug, Args)]
pub struct ScaffoldOutput {
    /// The directory to write into (created when missing).
    #[arg(long, value_name = "DIR", required = true)]
    pub out: Option<PathBuf>,

    /// Overwrite files that exist with other contents.
    #[arg(long)]
    pub force: bool,

    /// Write nothing; list what would be created, changed or left as is.
    #[arg(long)]
    pub dry_run: bool,

    /// Use DIR/NAME.hbs instead of the built-in template NAME where it exists.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
    Dot,
    Mermaid,
    // One self-contained page: the service map, services, order, metrics.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    #[value(alias = "postgresql", alias = "pg")]
    Postgres,
    #[value(alias = "mariadb")]
    Mysql,
    Sqlite,
    #[value(alias = "sqlserver", alias = "tsql")]
    Mssql,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::Mysql,
            DialectArg::Sqlite => Dialect::Sqlite,
            DialectArg::Mssql => Dialect::Mssql,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
