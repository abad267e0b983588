//! What scaffold generates from: the plan's services resolved against the
//! monolith's schema, with every name the artifacts share (crate names, Rust
//! type names, topic names) decided once, here, so the service skeleton, the
//! topics, the schemas and the connectors always agree.

use crate::model::{Dialect, Schema, Table};
use crate::plan::model::Plan;
use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use serde::Serialize;

/// One file scaffold writes: a path relative to `--out` ('/'-separated) and
/// its full contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Everything scaffold needs, in plan order.
#[derive(Debug, Clone, Serialize)]
pub struct ScaffoldSpec {
    pub monolith: MonolithSpec,
    pub kafka: KafkaSpec,
    /// Sorted by step, then name.
    pub services: Vec<ServiceSpec>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonolithSpec {
    pub name: String,
    pub dialect: Dialect,
    pub database: DatabaseSpec,
}

/// Where the monolith's database runs, as the connectors reach it.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseSpec {
    pub host: String,
    pub port: u16,
    pub name: String,
    /// The schema bare table names live in (`public`, `dbo`), if the dialect has one.
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SinkFlavour {
    DebeziumJdbc,
    ConfluentJdbc,
}

#[derive(Debug, Clone, Serialize)]
pub struct KafkaSpec {
    pub bootstrap_servers: String,
    /// Debezium `topic.prefix` for the monolith's change data capture.
    pub topic_prefix: String,
    pub partitions: u32,
    pub replication_factor: u32,
    pub sink: SinkFlavour,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceSpec {
    /// The plan's name: lower-case letters, digits and `-`.
    pub name: String,
    /// The Rust crate name (same as `name`) and its library identifier (`_`).
    pub crate_name: String,
    pub crate_ident: String,
    pub step: u32,
    /// Services this one reads from or references (by plan ownership).
    pub depends_on: Vec<String>,
    /// The monolith modules that move with it (for the runbooks).
    pub modules: Vec<String>,
    /// The tables it owns, in the plan's order.
    pub entities: Vec<EntitySpec>,
    /// Tables owned elsewhere that this service reads through a replicated topic.
    pub reads_shared: Vec<String>,
    /// The Debezium schema-history topic of this service's source connector.
    pub schema_history_topic: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntitySpec {
    /// The table's name in the monolith, as carve reports it (`sales.orders` or `orders`).
    pub table: String,
    /// The schema part, if the name has one.
    pub table_schema: Option<String>,
    /// The bare table name.
    pub table_name: String,
    /// The Rust type of one row: `OrderItem` for `order_items`.
    pub type_name: String,
    /// A snake_case identifier for functions and modules: `order_item`.
    pub ident: String,
    /// The URL path segment: `order-items`.
    pub path_segment: String,
    pub fields: Vec<FieldSpec>,
    /// Primary-key columns; empty when the table has none.
    pub primary_key: Vec<String>,
    pub topics: EntityTopics,
}

/// The topics of one entity, named `<service>.<entity>.<kind>.v1`.
#[derive(Debug, Clone, Serialize)]
pub struct EntityTopics {
    /// The monolith's row changes, captured by Debezium (step 1). Compacted.
    pub changelog: String,
    /// The service's current state of each entity (step 2, sunk back into
    /// the monolith). Compacted.
    pub entity: String,
    /// Domain events from the service's outbox. Delete retention.
    pub events: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldSpec {
    /// The column's name in the database.
    pub column: String,
    /// A Rust-safe snake_case field name (`r#type` is avoided: `type_`).
    pub field: String,
    /// The column type as declared, in the monolith's dialect.
    pub sql_type: String,
    pub nullable: bool,
    pub in_primary_key: bool,
}

/// Why the plan cannot be scaffolded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

/// The most a Kafka topic name may hold.
pub const MAX_TOPIC_LENGTH: usize = 249;

/// Why `name` cannot be a Kafka topic, if it cannot.
pub fn topic_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name == "." || name == ".." {
        return Some(format!("`{name}` is not a legal topic name"));
    }
    if name.len() > MAX_TOPIC_LENGTH {
        return Some(format!(
            "topic `{name}` is longer than Kafka's {MAX_TOPIC_LENGTH} characters"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Some(format!(
            "topic `{name}` holds `{c}`; Kafka allows letters, digits, `.`, `_` and `-`"
        ));
    }
    None
}

/// `<service>.<entity>.<kind>.v1`.
pub fn topic_name(service: &str, entity_segment: &str, kind: &str) -> String {
    format!("{service}.{entity_segment}.{kind}.v1")
}

/// A table name's singular form, for type names: `categories` → `category`.
/// Deliberately simple: English plurals of the kinds tables are named with.
pub fn singular(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let cut = |n: usize, add: &str| format!("{}{add}", &word[..word.len() - n]);
    if lower.ends_with("ies") && word.len() > 3 {
        cut(3, "y")
    } else if lower.ends_with("sses")
        || lower.ends_with("xes")
        || lower.ends_with("ches")
        || lower.ends_with("shes")
        || lower.ends_with("uses")
    {
        cut(2, "")
    } else if lower.ends_with('s')
        && !lower.ends_with("ss")
        && !lower.ends_with("us")
        && word.len() > 1
    {
        cut(1, "")
    } else {
        word.to_string()
    }
}

/// Rust keywords a field may not be named as.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A snake_case Rust identifier for a column.
pub fn field_ident(column: &str) -> String {
    let mut ident = column.to_snake_case();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert_str(0, "c_");
    }
    if RUST_KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

fn split_name(table: &str) -> (Option<String>, String) {
    match table.rsplit_once('.') {
        Some((schema, name)) => (Some(schema.to_string()), name.to_string()),
        None => (None, table.to_string()),
    }
}

impl EntitySpec {
    pub fn from_table(service: &str, table: &Table) -> EntitySpec {
        let (table_schema, table_name) = split_name(&table.name);
        let singular_name = singular(&table_name);
        // Two schemas may hold a table of the same name: keep the schema in
        // the entity's names then (`sales.orders` → `sales-orders`).
        let qualified = match &table_schema {
            Some(schema) => format!("{schema}_{table_name}"),
            None => table_name.clone(),
        };
        let segment = qualified.to_kebab_case();
        let type_base = match &table_schema {
            Some(schema) => format!("{schema}_{singular_name}"),
            None => singular_name.clone(),
        };
        EntitySpec {
            table: table.name.clone(),
            table_schema,
            table_name: table_name.clone(),
            type_name: type_base.to_upper_camel_case(),
            ident: type_base.to_snake_case(),
            path_segment: segment.clone(),
            fields: table
                .columns
                .iter()
                .map(|c| FieldSpec {
                    column: c.name.clone(),
                    field: field_ident(&c.name),
                    sql_type: c.data_type.clone(),
                    nullable: c.nullable,
                    in_primary_key: table.primary_key.contains(&c.name),
                })
                .collect(),
            primary_key: table.primary_key.clone(),
            topics: EntityTopics {
                changelog: topic_name(service, &segment, "changelog"),
                entity: topic_name(service, &segment, "entity"),
                events: topic_name(service, &segment, "events"),
            },
        }
    }
}

fn dialect_named(name: &str) -> Result<Dialect, SpecError> {
    match name {
        "postgres" | "postgresql" => Ok(Dialect::Postgres),
        "mysql" | "mariadb" => Ok(Dialect::Mysql),
        "sqlite" => Ok(Dialect::Sqlite),
        "mssql" | "sqlserver" => Ok(Dialect::Mssql),
        other => Err(SpecError(format!(
            "the plan's monolith.dialect `{other}` is not one of postgres, mysql, sqlite, mssql"
        ))),
    }
}

fn default_port(dialect: Dialect) -> u16 {
    match dialect {
        Dialect::Postgres => 5432,
        Dialect::Mysql => 3306,
        Dialect::Mssql => 1433,
        Dialect::Sqlite => 0,
    }
}

impl KafkaSpec {
    pub fn from_plan(kafka: &crate::plan::model::KafkaSettings) -> Result<KafkaSpec, SpecError> {
        // The connectors and the services exchange JSON; there is no other format.
        let format = kafka.event_format.get_ref();
        if format != "json" {
            return Err(SpecError(format!(
                "kafka.event_format `{format}` is not supported: carve's connectors and services exchange JSON; set event_format = \"json\""
            )));
        }
        let sink = match kafka.sink.get_ref().as_str() {
            "debezium-jdbc" => SinkFlavour::DebeziumJdbc,
            "confluent-jdbc" => SinkFlavour::ConfluentJdbc,
            other => {
                return Err(SpecError(format!(
                    "kafka.sink `{other}` is not debezium-jdbc or confluent-jdbc"
                )))
            }
        };
        Ok(KafkaSpec {
            bootstrap_servers: kafka.bootstrap_servers.clone(),
            topic_prefix: kafka.topic_prefix.clone(),
            partitions: kafka.partitions,
            replication_factor: kafka.replication_factor,
            sink,
        })
    }
}

impl ServiceSpec {
    /// A service owning `tables` (names as in `schema`).
    pub fn new(
        name: &str,
        step: u32,
        tables: &[String],
        schema: &Schema,
    ) -> Result<ServiceSpec, SpecError> {
        if let Some(problem) = crate::plan::validate::service_name_problem(name) {
            return Err(SpecError(problem));
        }
        let mut entities = Vec::new();
        for table in tables {
            let found = schema.table(table).ok_or_else(|| {
                SpecError(format!(
                    "service `{name}` owns table `{table}`, which the schema does not have"
                ))
            })?;
            let entity = EntitySpec::from_table(name, found);
            for topic in [
                &entity.topics.changelog,
                &entity.topics.entity,
                &entity.topics.events,
            ] {
                if let Some(problem) = topic_name_problem(topic) {
                    return Err(SpecError(format!(
                        "table `{table}` of service `{name}`: {problem}"
                    )));
                }
            }
            entities.push(entity);
        }
        Ok(ServiceSpec {
            name: name.to_string(),
            crate_name: name.to_string(),
            crate_ident: name.replace('-', "_"),
            step,
            depends_on: Vec::new(),
            modules: Vec::new(),
            entities,
            reads_shared: Vec::new(),
            schema_history_topic: format!("{name}.schema-history.v1"),
        })
    }
}

impl ScaffoldSpec {
    /// Resolves a (validated) plan against the schema it was made from.
    /// `dependencies` are `(service, depends_on)` pairs under the plan's ownership.
    pub fn from_plan(
        plan: &Plan,
        schema: &Schema,
        dependencies: &[(String, String)],
    ) -> Result<ScaffoldSpec, SpecError> {
        let dialect = dialect_named(&plan.monolith.dialect)?;
        let database = match &plan.monolith.database {
            Some(db) => DatabaseSpec {
                host: db.host.clone(),
                port: db.port,
                name: db.name.clone(),
                schema: db
                    .schema
                    .clone()
                    .or_else(|| dialect.default_schema().map(str::to_string)),
            },
            None => DatabaseSpec {
                host: "monolith-db".into(),
                port: default_port(dialect),
                name: plan.monolith.name.to_snake_case(),
                schema: dialect.default_schema().map(str::to_string),
            },
        };
        let mut services = Vec::new();
        for (index, planned) in plan.services.iter().enumerate() {
            let name = planned.name.get_ref();
            let tables: Vec<String> = planned.tables.iter().map(|t| t.get_ref().clone()).collect();
            let step = planned
                .step
                .as_ref()
                .map_or(index as u32 + 1, |s| *s.get_ref());
            let mut service = ServiceSpec::new(name, step, &tables, schema)?;
            service.modules = planned
                .modules
                .iter()
                .map(|m| m.get_ref().clone())
                .collect();
            service.depends_on = dependencies
                .iter()
                .filter(|(from, to)| from == name && to != name)
                .map(|(_, to)| to.clone())
                .collect();
            service.depends_on.sort();
            service.depends_on.dedup();
            service.reads_shared = plan
                .shared
                .iter()
                .filter(|s| s.owner.get_ref() != name)
                .map(|s| s.table.get_ref().clone())
                .collect();
            services.push(service);
        }
        services.sort_by(|a, b| (a.step, &a.name).cmp(&(b.step, &b.name)));
        Ok(ScaffoldSpec {
            monolith: MonolithSpec {
                name: plan.monolith.name.clone(),
                dialect,
                database,
            },
            kafka: KafkaSpec::from_plan(&plan.kafka)?,
            services,
        })
    }
}

/// The table of a service's own database its domain events go through:
/// Debezium's outbox EventRouter reads it (columns `id`, `aggregatetype`,
/// `aggregateid`, `type`, `payload`, the router's defaults).
pub const OUTBOX_TABLE: &str = "outbox";

impl ServiceSpec {
    /// The host of the service's own PostgreSQL database in the dev stack.
    pub fn database_host(&self) -> String {
        format!("{}-db", self.name)
    }

    /// The name of the service's own database (and its owner role).
    pub fn database_name(&self) -> String {
        self.crate_ident.clone()
    }
}

impl EntitySpec {
    /// The table's name in the service's own database (schema `public`):
    /// the bare name, or `schema_table` when the monolith keeps it in a
    /// named schema — the entity's path segment with `_` for `-`.
    pub fn service_table(&self) -> String {
        self.path_segment.replace('-', "_")
    }

    /// The table's name with its schema: `public.orders`, `sales.orders`;
    /// bare when neither the name nor the database has a schema (MySQL).
    pub fn qualified_table(&self, default_schema: Option<&str>) -> String {
        match (&self.table_schema, default_schema) {
            (Some(schema), _) => format!("{schema}.{}", self.table_name),
            (None, Some(schema)) => format!("{schema}.{}", self.table_name),
            (None, None) => self.table_name.clone(),
        }
    }
}

impl ScaffoldSpec {
    /// One service without a plan (`carve scaffold service`): the monolith's
    /// database at its dev-stack defaults, the default Kafka settings.
    pub fn ad_hoc(
        monolith_name: &str,
        schema: &Schema,
        service: ServiceSpec,
    ) -> Result<ScaffoldSpec, SpecError> {
        let dialect = schema.dialect;
        Ok(ScaffoldSpec {
            monolith: MonolithSpec {
                name: monolith_name.to_string(),
                dialect,
                database: DatabaseSpec {
                    host: "monolith-db".into(),
                    port: default_port(dialect),
                    name: monolith_name.to_snake_case(),
                    schema: dialect.default_schema().map(str::to_string),
                },
            },
            kafka: KafkaSpec::from_plan(&crate::plan::model::KafkaSettings::default())?,
            services: vec![service],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_forms_of_table_names() {
        for (plural, single) in [
            ("categories", "category"),
            ("addresses", "address"),
            ("orders", "order"),
            ("boxes", "box"),
            ("statuses", "status"),
            ("status", "status"),
            ("stock", "stock"),
            ("Customers", "Customer"),
        ] {
            assert_eq!(singular(plural), single, "{plural}");
        }
    }

    #[test]
    fn keywords_and_digits_become_safe_fields() {
        assert_eq!(field_ident("type"), "type_");
        assert_eq!(field_ident("2fa_secret"), "c_2fa_secret");
        assert_eq!(field_ident("CustomerID"), "customer_id");
    }

    #[test]
    fn topic_names_respect_kafka_rules() {
        assert_eq!(
            topic_name("orders", "order-items", "events"),
            "orders.order-items.events.v1"
        );
        assert!(topic_name_problem("orders.order-items.events.v1").is_none());
        assert!(topic_name_problem("orders/evil").is_some());
        assert!(topic_name_problem(&"x".repeat(250)).is_some());
    }
}
