//! `docker-compose.yml`, the local stack the runbooks' commands run against:
//! Kafka in KRaft mode, Kafka Connect with Debezium, the monolith's database
//! with change capture on, and a database and a container per service.
//! Images are pinned; passwords come from the environment (`.env`), never
//! from the file. Every connector names its own converters, so the worker's
//! defaults matter to none of them. With the Confluent sink,
//! `connect/Dockerfile` adds Confluent's JDBC sink to Debezium's image.
//! Events are JSON: no Schema Registry runs.

use super::connectors::SECRETS_DIR;
use super::connectors::{HEADER_CONVERTER, JSON_CONVERTER};
use super::spec::{GeneratedFile, ScaffoldSpec, SinkFlavour};
use super::templates::Templates;
use super::ScaffoldError;
use crate::model::Dialect;
use serde_json::json;

/// Pinned images; bump them together, deliberately.
pub const KAFKA_IMAGE: &str = "apache/kafka:4.1.0";
pub const DEBEZIUM_CONNECT_IMAGE: &str = "quay.io/debezium/connect:3.5.1.Final";
/// Where `connect/Dockerfile` installs Confluent's JDBC sink with `confluent-hub`.
pub const CONFLUENT_CONNECT_IMAGE: &str = "confluentinc/cp-kafka-connect:7.9.0";
pub const CONFLUENT_JDBC_PLUGIN: &str = "confluentinc/kafka-connect-jdbc:10.8.4";
pub const POSTGRES_IMAGE: &str = "postgres:17.2";
pub const MYSQL_IMAGE: &str = "mysql:8.4.3";
pub const MSSQL_IMAGE: &str = "mcr.microsoft.com/mssql/server:2022-CU16-ubuntu-22.04";

/// The environment variable holding a database password: `ORDERS_DB_PASSWORD`.
pub fn password_variable(prefix: &str) -> String {
    format!(
        "{}_DB_PASSWORD",
        prefix.replace('-', "_").to_ascii_uppercase()
    )
}

/// The `.env` variable switching a service's change consumer, passed to
/// its container as `CDC_CONSUMER_ENABLED`: `ORDERS_CDC_CONSUMER_ENABLED`.
pub fn cdc_consumer_variable(service: &str) -> String {
    format!(
        "{}_CDC_CONSUMER_ENABLED",
        service.replace('-', "_").to_ascii_uppercase()
    )
}

fn monolith_database(spec: &ScaffoldSpec) -> serde_json::Value {
    let db = &spec.monolith.database;
    let slots = spec.services.len() * 2 + 4;
    let (image, command, environment, port) = match spec.monolith.dialect {
        Dialect::Postgres => (
            POSTGRES_IMAGE,
            vec![
                "postgres".to_string(),
                "-c".into(),
                "wal_level=logical".into(),
                "-c".into(),
                format!("max_replication_slots={slots}"),
                "-c".into(),
                format!("max_wal_senders={slots}"),
            ],
            vec![
                ("POSTGRES_DB", db.name.clone()),
                (
                    "POSTGRES_PASSWORD",
                    "${MONOLITH_DB_PASSWORD:?set MONOLITH_DB_PASSWORD in .env}".to_string(),
                ),
            ],
            5432,
        ),
        Dialect::Mysql => (
            MYSQL_IMAGE,
            vec![
                "--server-id=1".to_string(),
                "--log-bin=mysql-bin".into(),
                "--binlog-format=ROW".into(),
                "--binlog-row-image=FULL".into(),
            ],
            vec![
                ("MYSQL_DATABASE", db.name.clone()),
                (
                    "MYSQL_ROOT_PASSWORD",
                    "${MONOLITH_DB_PASSWORD:?set MONOLITH_DB_PASSWORD in .env}".to_string(),
                ),
            ],
            3306,
        ),
        Dialect::Mssql => (
            MSSQL_IMAGE,
            Vec::new(),
            vec![
                ("ACCEPT_EULA", "Y".to_string()),
                // CDC's capture jobs run in SQL Server Agent.
                ("MSSQL_AGENT_ENABLED", "true".to_string()),
                (
                    "MSSQL_SA_PASSWORD",
                    "${MONOLITH_DB_PASSWORD:?set MONOLITH_DB_PASSWORD in .env}".to_string(),
                ),
            ],
            1433,
        ),
        Dialect::Sqlite => return serde_json::Value::Null,
    };
    json!({
        "host": db.host,
        "image": image,
        "command": command,
        "environment": environment.into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "port": port,
    })
}

/// The stack's own services; a carved service cannot take their names.
const INFRASTRUCTURE: &[&str] = &["kafka", "connect"];

/// Why two containers of the stack would share a name, if they would.
fn name_clash(spec: &ScaffoldSpec) -> Option<String> {
    let mut taken: Vec<String> = INFRASTRUCTURE.iter().map(|s| s.to_string()).collect();
    if spec.monolith.dialect != Dialect::Sqlite {
        taken.push(spec.monolith.database.host.clone());
    }
    for service in &spec.services {
        for name in [service.name.clone(), service.database_host()] {
            if taken.contains(&name) {
                return Some(format!(
                    "service `{}` would name a container `{name}`, which the dev stack already uses; rename the service in the plan",
                    service.name
                ));
            }
            taken.push(name);
        }
    }
    None
}

fn connect_needs_build(spec: &ScaffoldSpec) -> bool {
    spec.kafka.sink == SinkFlavour::ConfluentJdbc
}

fn data(spec: &ScaffoldSpec) -> serde_json::Value {
    let services: Vec<_> = spec
        .services
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "db_host": s.database_host(),
                "db_name": s.database_name(),
                "password_variable": password_variable(&s.name),
                "cdc_consumer_variable": cdc_consumer_variable(&s.name),
            })
        })
        .collect();
    json!({
        "kafka_image": KAFKA_IMAGE,
        "connect_image": DEBEZIUM_CONNECT_IMAGE,
        "connect_build": connect_needs_build(spec),
        "converter": JSON_CONVERTER,
        "header_converter": HEADER_CONVERTER,
        "bootstrap_servers": spec.kafka.bootstrap_servers,
        "secrets_dir": SECRETS_DIR,
        "monolith_db": monolith_database(spec),
        "postgres_image": POSTGRES_IMAGE,
        "services": services,
    })
}

/// `docker-compose.yml`, and `connect/Dockerfile` when Connect needs
/// Confluent's JDBC sink.
pub fn render(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ScaffoldError> {
    if let Some(problem) = name_clash(spec) {
        return Err(ScaffoldError::Spec(super::spec::SpecError(problem)));
    }
    let mut files = vec![GeneratedFile {
        path: "docker-compose.yml".into(),
        contents: templates.render("docker-compose.yml", &data(spec))?,
    }];
    if connect_needs_build(spec) {
        let data = json!({
            "connect_image": DEBEZIUM_CONNECT_IMAGE,
            "confluent_image": CONFLUENT_CONNECT_IMAGE,
            "confluent_jdbc": spec.kafka.sink == SinkFlavour::ConfluentJdbc,
            "jdbc_plugin": CONFLUENT_JDBC_PLUGIN,
        });
        files.push(GeneratedFile {
            path: "connect/Dockerfile".into(),
            contents: templates.render("connect/Dockerfile", &data)?,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schema;
    use crate::scaffold::spec::ServiceSpec;

    #[test]
    fn a_service_named_like_the_stack_is_refused() {
        let schema = Schema {
            dialect: Dialect::Postgres,
            tables: Vec::new(),
        };
        for name in ["kafka", "connect", "monolith"] {
            let service = ServiceSpec::new(name, 1, &[], &schema).unwrap();
            let spec = ScaffoldSpec::ad_hoc("shop", &schema, service).unwrap();
            assert!(name_clash(&spec).is_some(), "{name}");
        }
        let service = ServiceSpec::new("orders", 1, &[], &schema).unwrap();
        assert!(name_clash(&ScaffoldSpec::ad_hoc("shop", &schema, service).unwrap()).is_none());
    }
}
