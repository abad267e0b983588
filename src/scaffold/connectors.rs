//! Kafka Connect payloads (`POST /connectors`), per service: the Debezium
//! source capturing its tables from the monolith (step 1), the outbox
//! source on its own database, and the JDBC sink writing its entity topics
//! back into the monolith (step 2). Every value is a string, as the Connect
//! REST API takes them; secrets are config-provider placeholders.
//!
//! Loop rule: a service's source and sink cover the same tables, but never
//! run together — step 2 deletes the source before it creates the sink (see
//! the runbooks), and other services' sources hold only their own tables.

use super::event_schemas::pretty;
use super::spec::{
    EntitySpec, GeneratedFile, ScaffoldSpec, ServiceSpec, SinkFlavour, OUTBOX_TABLE,
};
use crate::model::Dialect;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A connector's name and config, as Kafka Connect's REST API takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    pub name: String,
    pub config: BTreeMap<String, String>,
}

impl Connector {
    fn new(name: String, class: &str) -> Connector {
        let mut config = BTreeMap::new();
        config.insert("connector.class".into(), class.into());
        config.insert("tasks.max".into(), "1".into());
        Connector { name, config }
    }

    fn set(&mut self, key: &str, value: impl Into<String>) {
        self.config.insert(key.to_string(), value.into());
    }

    /// `{"name": …, "config": {…}}`, keys sorted.
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "config": self.config})
    }
}

/// Where the Connect worker finds secrets (mounted read-only in the dev stack).
pub const SECRETS_DIR: &str = "/opt/secrets";

/// A `FileConfigProvider` placeholder: `${file:/opt/secrets/FILE:KEY}`.
pub fn secret(file: &str, key: &str) -> String {
    format!("${{file:{SECRETS_DIR}/{file}:{key}}}")
}

/// The monolith role the CDC source of `service` logs in as.
pub fn cdc_user(service: &ServiceSpec) -> String {
    format!("carve_cdc_{}", service.crate_ident)
}

/// The replication slot of the service's CDC source (PostgreSQL).
pub fn slot_name(service: &ServiceSpec) -> String {
    format!("carve_{}", service.crate_ident)
}

/// The publication holding exactly the service's tables (PostgreSQL).
pub fn publication_name(service: &ServiceSpec) -> String {
    format!("carve_{}", service.crate_ident)
}

/// Debezium's `topic.prefix` for the service's CDC source: the plan's
/// prefix and the service, since Debezium wants it unique per connector.
pub fn cdc_topic_prefix(spec: &ScaffoldSpec, service: &ServiceSpec) -> String {
    format!("{}.{}", spec.kafka.topic_prefix, service.name)
}

/// A MySQL `server_id` for the service's CDC source: stable for a name,
/// distinct between services, clear of the small ids servers use.
pub fn server_id(service: &ServiceSpec) -> u32 {
    // FNV-1a: small, stable across platforms and releases.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in service.name.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    100_000 + hash % 2_000_000_000
}

/// The schema (PostgreSQL, SQL Server) or database (MySQL) tables are named in.
fn table_namespace(spec: &ScaffoldSpec) -> Option<String> {
    match spec.monolith.dialect {
        Dialect::Mysql => Some(spec.monolith.database.name.clone()),
        _ => spec.monolith.database.schema.clone(),
    }
}

/// The service's tables as the CDC source names them (`public.orders`).
pub fn captured_tables(spec: &ScaffoldSpec, service: &ServiceSpec) -> Vec<String> {
    let namespace = table_namespace(spec);
    service
        .entities
        .iter()
        .map(|e| e.qualified_table(namespace.as_deref()))
        .collect()
}

/// The topic Debezium writes a table's changes to before routing.
fn raw_topic(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec) -> String {
    let prefix = cdc_topic_prefix(spec, service);
    let table = entity.qualified_table(table_namespace(spec).as_deref());
    match spec.monolith.dialect {
        Dialect::Mssql => format!("{prefix}.{}.{table}", spec.monolith.database.name),
        _ => format!("{prefix}.{table}"),
    }
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() && c != '_' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One `RegexRouter` per entity, renaming `from(entity)` to `to(entity)`.
fn add_routes(
    connector: &mut Connector,
    chain: &mut Vec<String>,
    entities: &[EntitySpec],
    from: impl Fn(&EntitySpec) -> String,
    to: impl Fn(&EntitySpec) -> String,
) {
    for entity in entities {
        let name = format!("route_{}", entity.ident);
        connector.set(
            &format!("transforms.{name}.type"),
            "org.apache.kafka.connect.transforms.RegexRouter",
        );
        connector.set(
            &format!("transforms.{name}.regex"),
            regex_escape(&from(entity)),
        );
        connector.set(&format!("transforms.{name}.replacement"), to(entity));
        chain.push(name);
    }
}

/// The Debezium source capturing the service's tables from the monolith,
/// or `None` for SQLite, which Debezium cannot capture.
pub fn cdc_source(spec: &ScaffoldSpec, service: &ServiceSpec) -> Option<Connector> {
    if service.entities.is_empty() {
        return None;
    }
    let db = &spec.monolith.database;
    let class = match spec.monolith.dialect {
        Dialect::Postgres => "io.debezium.connector.postgresql.PostgresConnector",
        Dialect::Mysql => "io.debezium.connector.mysql.MySqlConnector",
        Dialect::Mssql => "io.debezium.connector.sqlserver.SqlServerConnector",
        Dialect::Sqlite => return None,
    };
    let mut c = Connector::new(format!("{}-cdc-source", service.name), class);
    c.set("topic.prefix", cdc_topic_prefix(spec, service));
    c.set("database.hostname", db.host.clone());
    c.set("database.port", db.port.to_string());
    c.set("database.user", cdc_user(service));
    c.set(
        "database.password",
        secret(&format!("{}-cdc.properties", service.name), "password"),
    );
    c.set(
        "table.include.list",
        captured_tables(spec, service).join(","),
    );
    c.set("snapshot.mode", "initial");
    match spec.monolith.dialect {
        Dialect::Postgres => {
            c.set("database.dbname", db.name.clone());
            c.set("plugin.name", "pgoutput");
            c.set("slot.name", slot_name(service));
            c.set("publication.name", publication_name(service));
            c.set("publication.autocreate.mode", "filtered");
        }
        Dialect::Mysql => {
            c.set("database.server.id", server_id(service).to_string());
            c.set("database.include.list", db.name.clone());
            c.set("include.schema.changes", "false");
            schema_history(&mut c, spec, service);
        }
        Dialect::Mssql => {
            c.set("database.names", db.name.clone());
            c.set("include.schema.changes", "false");
            // Pass-through to the JDBC driver: dev servers use self-signed certificates.
            c.set("driver.trustServerCertificate", "true");
            schema_history(&mut c, spec, service);
        }
        Dialect::Sqlite => {}
    }
    // Flatten Debezium's envelope to the row (a tombstone for a delete), so
    // the changelog topics carry the same record as the entity topics.
    let mut chain = vec!["unwrap".to_string()];
    c.set(
        "transforms.unwrap.type",
        "io.debezium.transforms.ExtractNewRecordState",
    );
    c.set(
        "transforms.unwrap.delete.tombstone.handling.mode",
        "tombstone",
    );
    add_routes(
        &mut c,
        &mut chain,
        &service.entities,
        |e| raw_topic(spec, service, e),
        |e| e.topics.changelog.clone(),
    );
    c.set("transforms", chain.join(","));
    Some(c)
}

fn schema_history(c: &mut Connector, spec: &ScaffoldSpec, service: &ServiceSpec) {
    c.set(
        "schema.history.internal.kafka.topic",
        service.schema_history_topic.clone(),
    );
    c.set(
        "schema.history.internal.kafka.bootstrap.servers",
        spec.kafka.bootstrap_servers.clone(),
    );
}

/// The outbox source on the service's own PostgreSQL database: the
/// EventRouter sends each outbox row to `<service>.<aggregatetype>.events.v1`,
/// so the service writes the entity's path segment (`order-items`) as the
/// row's `aggregatetype`.
pub fn outbox_source(spec: &ScaffoldSpec, service: &ServiceSpec) -> Connector {
    let mut c = Connector::new(
        format!("{}-outbox-source", service.name),
        "io.debezium.connector.postgresql.PostgresConnector",
    );
    c.set(
        "topic.prefix",
        format!("{}.{}.outbox", spec.kafka.topic_prefix, service.name),
    );
    c.set("database.hostname", service.database_host());
    c.set("database.port", "5432");
    c.set("database.user", service.database_name());
    c.set(
        "database.password",
        secret(&format!("{}-db.properties", service.name), "password"),
    );
    c.set("database.dbname", service.database_name());
    c.set("plugin.name", "pgoutput");
    c.set("slot.name", format!("carve_{}_outbox", service.crate_ident));
    c.set(
        "publication.name",
        format!("carve_{}_outbox", service.crate_ident),
    );
    c.set("publication.autocreate.mode", "filtered");
    c.set("table.include.list", format!("public.{OUTBOX_TABLE}"));
    // The service deletes outbox rows once written; those deletes are not events.
    c.set("tombstones.on.delete", "false");
    c.set("transforms", "outbox");
    c.set(
        "transforms.outbox.type",
        "io.debezium.transforms.outbox.EventRouter",
    );
    c.set("transforms.outbox.table.field.event.key", "aggregateid");
    c.set("transforms.outbox.route.by.field", "aggregatetype");
    c.set(
        "transforms.outbox.route.topic.replacement",
        format!("{}.${{routedByValue}}.events.v1", service.name),
    );
    c.set("transforms.outbox.table.expand.json.payload", "true");
    c.set("transforms.outbox.table.op.invalid.behavior", "warn");
    c
}

/// The JDBC URL of the monolith's database.
fn monolith_jdbc_url(spec: &ScaffoldSpec) -> Option<String> {
    let db = &spec.monolith.database;
    match spec.monolith.dialect {
        Dialect::Postgres => Some(format!(
            "jdbc:postgresql://{}:{}/{}",
            db.host, db.port, db.name
        )),
        Dialect::Mysql => Some(format!("jdbc:mysql://{}:{}/{}", db.host, db.port, db.name)),
        Dialect::Mssql => Some(format!(
            "jdbc:sqlserver://{}:{};databaseName={};trustServerCertificate=true",
            db.host, db.port, db.name
        )),
        Dialect::Sqlite => None,
    }
}

/// The tables the service's sink writes in the monolith (`public.orders`).
pub fn sink_tables(spec: &ScaffoldSpec, service: &ServiceSpec) -> Vec<String> {
    captured_tables(spec, service)
}

/// The JDBC sink writing the service's entity topics back into the
/// monolith's tables (step 2), or `None` for SQLite (no JDBC sink for it).
pub fn sink(spec: &ScaffoldSpec, service: &ServiceSpec) -> Option<Connector> {
    if service.entities.is_empty() {
        return None;
    }
    let url = monolith_jdbc_url(spec)?;
    let name = format!("{}-sink-to-monolith", service.name);
    let secrets = format!("{}-sink.properties", service.name);
    let topics: Vec<&str> = service
        .entities
        .iter()
        .map(|e| e.topics.entity.as_str())
        .collect();
    let namespace = table_namespace(spec);
    let mut c = match spec.kafka.sink {
        SinkFlavour::DebeziumJdbc => {
            let mut c = Connector::new(name, "io.debezium.connector.jdbc.JdbcSinkConnector");
            c.set("connection.url", url);
            c.set("connection.username", secret(&secrets, "user"));
            c.set("connection.password", secret(&secrets, "password"));
            c.set("insert.mode", "upsert");
            c.set("primary.key.mode", "record_key");
            c.set("delete.enabled", "true");
            // The monolith's tables exist and stay as they are.
            c.set("schema.evolution", "none");
            c.set("collection.name.format", "${topic}");
            c
        }
        SinkFlavour::ConfluentJdbc => {
            let mut c = Connector::new(name, "io.confluent.connect.jdbc.JdbcSinkConnector");
            c.set("connection.url", url);
            c.set("connection.user", secret(&secrets, "user"));
            c.set("connection.password", secret(&secrets, "password"));
            c.set("insert.mode", "upsert");
            // The record key is the primary key; deletes need it.
            c.set("pk.mode", "record_key");
            c.set("delete.enabled", "true");
            c.set("auto.create", "false");
            c.set("auto.evolve", "false");
            c.set("table.name.format", "${topic}");
            c
        }
    };
    c.set("topics", topics.join(","));
    let mut chain = Vec::new();
    add_routes(
        &mut c,
        &mut chain,
        &service.entities,
        |e| e.topics.entity.clone(),
        |e| e.qualified_table(namespace.as_deref()),
    );
    c.set("transforms", chain.join(","));
    Some(c)
}

/// The connector files of every service.
pub fn render(spec: &ScaffoldSpec) -> Vec<GeneratedFile> {
    let mut files = Vec::new();
    for service in &spec.services {
        let connectors = [
            cdc_source(spec, service),
            Some(outbox_source(spec, service)),
            sink(spec, service),
        ];
        for connector in connectors.into_iter().flatten() {
            files.push(GeneratedFile {
                path: format!("connectors/{}.json", connector.name),
                contents: pretty(&connector.to_json()),
            });
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_escape_keeps_names_literal() {
        assert_eq!(regex_escape("shop.public.orders"), "shop\\.public\\.orders");
        assert_eq!(regex_escape("a-b_c"), "a\\-b_c");
    }
}
