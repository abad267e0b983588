//! Kafka Connect payloads (`POST /connectors`), per service: the Debezium
//! source capturing its tables from the monolith (step 1); the entity
//! source and the outbox source on the service's own database, and the JDBC
//! sink writing the entity topics back into the monolith (step 2). Every
//! value is a string, as the Connect REST API takes them; secrets are
//! config-provider placeholders.
//!
//! Every connector names its key, value and header converters and the
//! encodings of decimals, times and binary values itself: nothing depends
//! on the Connect worker's defaults. The changelog and event topics carry
//! plain JSON (no schema envelope), which the service decodes; the entity
//! topics carry JSON with schemas, which the JDBC sinks need.
//!
//! Loop rule: a service's CDC source and sink cover the same monolith
//! tables, but never run together — step 2 deletes the CDC source before it
//! creates the sink (see the runbooks), and other services' sources hold
//! only their own tables. The entity source reads the service's database,
//! never the monolith.

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

/// Kafka's JSON converter: with `schemas.enable` every message carries its
/// Connect schema (`{"schema": …, "payload": …}`), without it the bare value.
pub const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";
/// Kafka's string converter (the outbox key: the aggregate id as text).
pub const STRING_CONVERTER: &str = "org.apache.kafka.connect.storage.StringConverter";
/// Kafka's header converter writing header values as plain text.
pub const HEADER_CONVERTER: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// The converter keys every connector states: Kafka Connect falls back to
/// the worker's configuration for any it leaves out.
pub const CONVERTER_KEYS: [&str; 3] = ["key.converter", "value.converter", "header.converter"];

/// The converter settings of a connector config: every key under
/// `key.converter`, `value.converter` and `header.converter`, with its value.
pub fn converter_settings(config: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    config
        .iter()
        .filter(|(key, _)| {
            CONVERTER_KEYS
                .iter()
                .any(|c| *key == c || key.starts_with(&format!("{c}.")))
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// The converter keys a connector config leaves to the worker's defaults:
/// any of `key.converter`, `value.converter`, `header.converter` missing,
/// and `<side>.converter.schemas.enable` missing where the side uses the
/// JSON converter (whose default the worker decides too).
pub fn unstated_converter_keys(config: &BTreeMap<String, String>) -> Vec<String> {
    let mut missing = Vec::new();
    for key in CONVERTER_KEYS {
        match config.get(key) {
            None => missing.push(key.to_string()),
            Some(class) if class == JSON_CONVERTER => {
                let schemas = format!("{key}.schemas.enable");
                if !config.contains_key(&schemas) {
                    missing.push(schemas);
                }
            }
            Some(_) => {}
        }
    }
    missing
}

/// Sets the key and value converters to JSON (`schemas` says whether each
/// message carries its Connect schema) and the header converter to text.
fn json_converters(c: &mut Connector, schemas: bool) {
    let schemas = if schemas { "true" } else { "false" };
    c.set("key.converter", JSON_CONVERTER);
    c.set("key.converter.schemas.enable", schemas);
    c.set("value.converter", JSON_CONVERTER);
    c.set("value.converter.schemas.enable", schemas);
    c.set("header.converter", HEADER_CONVERTER);
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

/// Flattens a Debezium source's change events to the row
/// (`ExtractNewRecordState`, deletes as `delete_mode` says), with tombstones
/// on and truncates skipped; gives the transform chain, which the routes extend.
fn flatten_rows(c: &mut Connector, delete_mode: &str) -> Vec<String> {
    c.set("tombstones.on.delete", "true");
    c.set("skipped.operations", "t");
    c.set("transforms.unwrap.type", EXTRACT_NEW_RECORD_STATE);
    c.set(
        "transforms.unwrap.delete.tombstone.handling.mode",
        delete_mode,
    );
    vec!["unwrap".to_string()]
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

/// Debezium's transformation flattening a change event to its row.
const EXTRACT_NEW_RECORD_STATE: &str = "io.debezium.transforms.ExtractNewRecordState";

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
    // Plain JSON the service decodes: no schema envelope, text headers.
    json_converters(&mut c, false);
    // Exact decimals as strings ("12.3400"); dates as days, times as
    // microseconds, timestamps as epoch millis or micros by the column's
    // precision; zoned values as ISO-8601 text.
    c.set("decimal.handling.mode", "string");
    c.set("time.precision.mode", "adaptive_time_microseconds");
    match spec.monolith.dialect {
        Dialect::Postgres => {
            c.set("binary.handling.mode", "base64");
            c.set("interval.handling.mode", "string");
        }
        // The MySQL connector has no binary mode of its own: its bytes reach
        // the JSON converter, which writes them as base64 text all the same.
        Dialect::Mysql => {}
        Dialect::Mssql => c.set("binary.handling.mode", "base64"),
        Dialect::Sqlite => {}
    }
    // Flatten Debezium's envelope to the row plus `__deleted`, so the
    // service reads the row's columns directly: a delete is its
    // before-image with `"__deleted": "true"` and then a tombstone.
    let mut chain = flatten_rows(&mut c, "rewrite-with-tombstone");
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
    let mut c = service_database_source(
        service,
        "outbox",
        format!("{}.{}.outbox", spec.kafka.topic_prefix, service.name),
    );
    c.set("table.include.list", format!("public.{OUTBOX_TABLE}"));
    // The key is the aggregate id as text, the value the expanded JSON
    // payload without a schema envelope, the headers text.
    c.set("key.converter", STRING_CONVERTER);
    c.set("value.converter", JSON_CONVERTER);
    c.set("value.converter.schemas.enable", "false");
    c.set("header.converter", HEADER_CONVERTER);
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
    // The event type travels as the header `type`, next to the router's `id`.
    c.set(
        "transforms.outbox.table.fields.additional.placement",
        "type:header:type",
    );
    c.set("transforms.outbox.table.op.invalid.behavior", "warn");
    c
}

/// A Debezium PostgreSQL source `<service>-<role>-source` on the service's
/// own database, with its own slot and publication (`carve_<service>_<role>`):
/// the outbox and the entity source each read the WAL at their own pace.
fn service_database_source(service: &ServiceSpec, role: &str, topic_prefix: String) -> Connector {
    let mut c = Connector::new(
        format!("{}-{role}-source", service.name),
        "io.debezium.connector.postgresql.PostgresConnector",
    );
    c.set("topic.prefix", topic_prefix);
    c.set("database.hostname", service.database_host());
    c.set("database.port", "5432");
    c.set("database.user", service.database_name());
    c.set(
        "database.password",
        secret(&format!("{}-db.properties", service.name), "password"),
    );
    c.set("database.dbname", service.database_name());
    c.set("plugin.name", "pgoutput");
    let slot = format!("carve_{}_{role}", service.crate_ident);
    c.set("slot.name", slot.clone());
    c.set("publication.name", slot);
    c.set("publication.autocreate.mode", "filtered");
    c
}

/// The schema the service's own database keeps its tables in.
pub const SERVICE_SCHEMA: &str = "public";

/// Debezium's `topic.prefix` for the service's entity source.
pub fn entity_topic_prefix(spec: &ScaffoldSpec, service: &ServiceSpec) -> String {
    format!("{}.{}.entity", spec.kafka.topic_prefix, service.name)
}

/// The service's tables as its entity source names them, in its own
/// database (`public.order_items`).
pub fn entity_source_tables(service: &ServiceSpec) -> Vec<String> {
    service
        .entities
        .iter()
        .map(|e| format!("{SERVICE_SCHEMA}.{}", e.service_table()))
        .collect()
}

/// The Debezium source on the service's own PostgreSQL database (step 2):
/// each owned table's rows, flattened, to `<service>.<entity>.entity.v1` as
/// JSON with schemas, keyed by the primary key, a delete as a tombstone —
/// what the JDBC sink writes back into the monolith. `None` when the
/// service owns no table.
pub fn entity_source(spec: &ScaffoldSpec, service: &ServiceSpec) -> Option<Connector> {
    if service.entities.is_empty() {
        return None;
    }
    let prefix = entity_topic_prefix(spec, service);
    let mut c = service_database_source(service, "entity", prefix.clone());
    c.set(
        "table.include.list",
        entity_source_tables(service).join(","),
    );
    // The monolith already holds these rows: only changes from now on.
    c.set("snapshot.mode", "no_data");
    // The JDBC sinks need each message's schema.
    json_converters(&mut c, true);
    // Connect's own logical types, which both JDBC sinks write exactly.
    c.set("decimal.handling.mode", "precise");
    c.set(
        "time.precision.mode",
        match spec.kafka.sink {
            SinkFlavour::DebeziumJdbc => "adaptive_time_microseconds",
            // Confluent's sink understands only Connect's logical types.
            SinkFlavour::ConfluentJdbc => "connect",
        },
    );
    c.set("binary.handling.mode", "bytes");
    // A delete becomes a null value alone, which the sink turns into a DELETE.
    let mut chain = flatten_rows(&mut c, "tombstone");
    add_routes(
        &mut c,
        &mut chain,
        &service.entities,
        |e| format!("{prefix}.{SERVICE_SCHEMA}.{}", e.service_table()),
        |e| e.topics.entity.clone(),
    );
    c.set("transforms", chain.join(","));
    Some(c)
}

/// The JDBC URL of the monolith's database. PostgreSQL's driver sends
/// strings untyped (`stringtype=unspecified`), so the server casts the
/// entity topics' text into the monolith's enum, UUID, JSON and interval
/// columns instead of refusing `character varying` for them.
fn monolith_jdbc_url(spec: &ScaffoldSpec) -> Option<String> {
    let db = &spec.monolith.database;
    match spec.monolith.dialect {
        Dialect::Postgres => Some(format!(
            "jdbc:postgresql://{}:{}/{}?stringtype=unspecified",
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
    // The entity source's encoding: JSON with schemas, keyed by the primary key.
    json_converters(&mut c, true);
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
            entity_source(spec, service),
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
    use crate::model::{Column, Schema, Table};

    fn spec(dialect: Dialect, sink: SinkFlavour) -> ScaffoldSpec {
        let column = |name: &str, data_type: &str| Column {
            name: name.into(),
            data_type: data_type.into(),
            nullable: false,
        };
        let schema = Schema {
            dialect,
            tables: vec![Table {
                name: "order_items".into(),
                columns: vec![
                    column("order_id", "BIGINT"),
                    column("line_no", "INT"),
                    column("price", "NUMERIC(10,2)"),
                ],
                primary_key: vec!["order_id".into(), "line_no".into()],
                foreign_keys: Vec::new(),
                unique_keys: Vec::new(),
                partition_of: None,
                source: None,
            }],
        };
        let service = ServiceSpec::new("order-desk", 1, &["order_items".into()], &schema).unwrap();
        let mut spec = ScaffoldSpec::ad_hoc("shop", &schema, service).unwrap();
        spec.kafka.sink = sink;
        spec
    }

    fn all(spec: &ScaffoldSpec) -> Vec<Connector> {
        let service = &spec.services[0];
        [
            cdc_source(spec, service),
            entity_source(spec, service),
            Some(outbox_source(spec, service)),
            sink(spec, service),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    #[test]
    fn every_connector_names_its_converters() {
        for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Mssql] {
            for flavour in [SinkFlavour::DebeziumJdbc, SinkFlavour::ConfluentJdbc] {
                let spec = spec(dialect, flavour);
                let connectors = all(&spec);
                assert_eq!(connectors.len(), 4);
                for c in &connectors {
                    assert_eq!(
                        unstated_converter_keys(&c.config),
                        Vec::<String>::new(),
                        "{}",
                        c.name
                    );
                    let settings = converter_settings(&c.config);
                    assert!(settings.contains_key("header.converter"), "{}", c.name);
                    assert!(settings.keys().all(|k| k.contains("converter")));
                }
            }
        }
        let mut bare = BTreeMap::new();
        bare.insert("value.converter".to_string(), JSON_CONVERTER.to_string());
        assert_eq!(
            unstated_converter_keys(&bare),
            vec![
                "key.converter",
                "value.converter.schemas.enable",
                "header.converter"
            ]
        );
    }

    #[test]
    fn the_cdc_source_sends_plain_json_with_exact_values() {
        let spec = spec(Dialect::Postgres, SinkFlavour::DebeziumJdbc);
        let c = cdc_source(&spec, &spec.services[0]).unwrap();
        for (key, value) in [
            ("key.converter.schemas.enable", "false"),
            ("value.converter.schemas.enable", "false"),
            ("decimal.handling.mode", "string"),
            ("time.precision.mode", "adaptive_time_microseconds"),
            ("binary.handling.mode", "base64"),
            ("interval.handling.mode", "string"),
            (
                "transforms.unwrap.delete.tombstone.handling.mode",
                "rewrite-with-tombstone",
            ),
        ] {
            assert_eq!(c.config[key], value, "{key}");
        }
        // MySQL's connector has no binary or interval mode.
        let spec = self::spec(Dialect::Mysql, SinkFlavour::DebeziumJdbc);
        let c = cdc_source(&spec, &spec.services[0]).unwrap();
        assert!(!c.config.contains_key("binary.handling.mode"));
        assert!(!c.config.contains_key("interval.handling.mode"));
    }

    #[test]
    fn the_entity_source_reads_the_service_tables_and_feeds_the_sink() {
        for flavour in [SinkFlavour::DebeziumJdbc, SinkFlavour::ConfluentJdbc] {
            let spec = spec(Dialect::Postgres, flavour);
            let service = &spec.services[0];
            let source = entity_source(&spec, service).unwrap();
            let sink = sink(&spec, service).unwrap();
            assert_eq!(source.name, "order-desk-entity-source");
            assert_eq!(source.config["table.include.list"], "public.order_items");
            assert_eq!(source.config["database.hostname"], "order-desk-db");
            assert_eq!(source.config["slot.name"], "carve_order_desk_entity");
            assert_eq!(source.config["topic.prefix"], "monolith.order-desk.entity");
            assert_eq!(
                source.config["transforms.route_order_item.regex"],
                "monolith\\.order\\-desk\\.entity\\.public\\.order_items"
            );
            assert_eq!(
                source.config["transforms.route_order_item.replacement"],
                sink.config["topics"]
            );
            assert_eq!(
                converter_settings(&source.config),
                converter_settings(&sink.config)
            );
            assert_eq!(
                source.config["time.precision.mode"],
                match flavour {
                    SinkFlavour::DebeziumJdbc => "adaptive_time_microseconds",
                    SinkFlavour::ConfluentJdbc => "connect",
                }
            );
        }
    }

    #[test]
    fn regex_escape_keeps_names_literal() {
        assert_eq!(regex_escape("shop.public.orders"), "shop\\.public\\.orders");
        assert_eq!(regex_escape("a-b_c"), "a\\-b_c");
    }
}
