//! The plan (`carve.toml`) as data. Names keep their position in the file
//! (`Spanned`) so every validation error can point at a line and column.

use crate::model::UnplacedReason;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

pub const PLAN_FORMAT_VERSION: u32 = 1;

/// The one event format: carve's connectors and services exchange JSON.
pub const EVENT_FORMAT: &str = "json";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format_version: Spanned<u32>,
    pub monolith: Monolith,
    #[serde(default)]
    pub kafka: KafkaSettings,
    #[serde(default)]
    pub services: Vec<PlannedService>,
    #[serde(default)]
    pub shared: Vec<SharedDecision>,
    /// Order exceptions: a service may go before one it depends on.
    #[serde(default)]
    pub exceptions: Vec<OrderException>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monolith {
    pub name: String,
    /// The monolith's checkout, relative to the plan's directory; without
    /// it, the plan's directory is the checkout.
    #[serde(default)]
    pub root: Option<Spanned<String>>,
    /// Where the schema was read from, relative to the monolith's root.
    #[serde(default)]
    pub schema: Vec<String>,
    pub dialect: String,
    #[serde(default)]
    pub database: Option<DatabaseRef>,
    /// Modules that stay in the monolith (reports, job runners, routers
    /// serving several services). Their own queries on a service's table
    /// are crossings; a module also listed in a service belongs to it.
    #[serde(default)]
    pub modules: Vec<Spanned<String>>,
    /// Tables that stay in the monolith: no service owns them, and a
    /// service's query on one is a crossing.
    #[serde(default)]
    pub tables: Vec<Spanned<String>>,
    /// Table names or patterns (`*`, `?`) set aside: no service gets them
    /// and `carve check` ignores them. The migration tools' own tables are
    /// set aside without being listed.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseRef {
    pub host: String,
    pub port: u16,
    pub name: String,
    #[serde(default)]
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    #[serde(default = "default_bootstrap")]
    pub bootstrap_servers: String,
    /// Read for older plans; nothing carve generates uses a Schema Registry.
    #[serde(default = "default_registry")]
    pub schema_registry_url: String,
    #[serde(default = "default_prefix")]
    pub topic_prefix: String,
    /// Always `json`: carve's connectors and services exchange JSON.
    #[serde(default = "default_format")]
    pub event_format: Spanned<String>,
    #[serde(default = "default_partitions")]
    pub partitions: u32,
    #[serde(default = "default_replication")]
    pub replication_factor: u32,
    #[serde(default = "default_sink")]
    pub sink: Spanned<String>,
}

fn default_bootstrap() -> String {
    "kafka:9092".into()
}
fn default_registry() -> String {
    "http://schema-registry:8081".into()
}
fn default_prefix() -> String {
    "monolith".into()
}
fn default_format() -> Spanned<String> {
    Spanned::new(0..0, EVENT_FORMAT.into())
}
fn default_partitions() -> u32 {
    6
}
fn default_replication() -> u32 {
    3
}
fn default_sink() -> Spanned<String> {
    Spanned::new(0..0, "debezium-jdbc".into())
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            bootstrap_servers: default_bootstrap(),
            schema_registry_url: default_registry(),
            topic_prefix: default_prefix(),
            event_format: default_format(),
            partitions: default_partitions(),
            replication_factor: default_replication(),
            sink: default_sink(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedService {
    pub name: Spanned<String>,
    #[serde(default)]
    pub step: Option<Spanned<u32>>,
    #[serde(default)]
    pub tables: Vec<Spanned<String>>,
    #[serde(default)]
    pub modules: Vec<Spanned<String>>,
    /// Re-running the analysis keeps pinned services as they are.
    #[serde(default)]
    pub pinned: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedDecision {
    pub table: Spanned<String>,
    pub owner: Spanned<String>,
    /// `replicate` (a compacted topic other services read) or `api`.
    #[serde(default = "default_strategy")]
    pub strategy: Spanned<String>,
}

fn default_strategy() -> Spanned<String> {
    Spanned::new(0..0, "replicate".into())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderException {
    pub service: Spanned<String>,
    /// The service it may precede although it depends on it.
    pub before: Spanned<String>,
    #[serde(default)]
    pub reason: String,
}

impl Plan {
    /// The exclusion patterns, as written.
    pub fn exclude_patterns(&self) -> Vec<String> {
        self.monolith
            .exclude
            .iter()
            .map(|p| p.get_ref().clone())
            .collect()
    }

    /// Why no service owns `table`, when that is planned: a migration
    /// tool's table, excluded, or listed in `monolith.tables`.
    pub fn unplaced_reason(&self, table: &str) -> Option<UnplacedReason> {
        if self.monolith.tables.iter().any(|t| t.get_ref() == table) {
            Some(UnplacedReason::Monolith)
        } else if crate::analysis::excluded_by(table, &self.monolith.exclude).is_some() {
            Some(UnplacedReason::Excluded)
        } else if crate::analysis::bookkeeping_tool(table).is_some() {
            Some(UnplacedReason::Bookkeeping)
        } else {
            None
        }
    }

    /// Each owned table → the service owning it.
    pub fn table_owners(&self) -> BTreeMap<&str, &str> {
        self.services
            .iter()
            .flat_map(|s| {
                s.tables
                    .iter()
                    .map(move |t| (t.get_ref().as_str(), s.name.get_ref().as_str()))
            })
            .collect()
    }

    /// Each assigned module → its service.
    pub fn module_owners(&self) -> BTreeMap<&str, &str> {
        self.services
            .iter()
            .flat_map(|s| {
                s.modules
                    .iter()
                    .map(move |m| (m.get_ref().as_str(), s.name.get_ref().as_str()))
            })
            .collect()
    }
}
