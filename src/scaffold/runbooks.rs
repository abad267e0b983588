//! `MIGRATION-PLAN.md` (the extraction order and what each step does) and
//! `runbooks/<n>-<svc>.md` per service: step 0 prerequisites, step 1 route
//! reads, step 2 move writes, step 3 retire — what to deploy, the exact
//! commands, how to verify, how to roll back.

use super::compose::{cdc_consumer_variable, password_variable};
use super::connectors::{
    cdc_source, cdc_user, entity_source, outbox_source, publication_name, sink, slot_name,
};
use super::spec::{GeneratedFile, ScaffoldSpec, ServiceSpec, SinkFlavour};
use super::templates::Templates;
use super::topics::dead_letter_topic;
use super::ScaffoldError;
use crate::model::Dialect;
use serde_json::{json, Value};

/// `runbooks/01-catalog.md`: numbered in extraction order.
pub fn runbook_path(position: usize, service: &ServiceSpec) -> String {
    format!("runbooks/{position:02}-{}.md", service.name)
}

/// The client command applying the prerequisites script, per dialect.
fn prerequisites_command(spec: &ScaffoldSpec, service: &ServiceSpec) -> Option<String> {
    let file = format!("sql/{}-cdc-prerequisites.sql", service.name);
    match spec.monolith.dialect {
        Dialect::Postgres => Some(format!(
            "psql \"$MONOLITH_DATABASE_URL\" -v ON_ERROR_STOP=1 -v cdc_password=\"$CDC_PASSWORD\" -f {file}"
        )),
        Dialect::Mysql => Some(format!(
            "mysql -h {} -P {} -u root -p --init-command=\"SET @cdc_password='$CDC_PASSWORD'\" < {file}",
            spec.monolith.database.host, spec.monolith.database.port
        )),
        Dialect::Mssql => Some(format!(
            "sqlcmd -S {},{} -U sa -v CDC_PASSWORD=\"$CDC_PASSWORD\" -i {file}",
            spec.monolith.database.host, spec.monolith.database.port
        )),
        Dialect::Sqlite => None,
    }
}

/// The consumer group of the service's change consumer (its `KAFKA_GROUP_ID`).
pub fn read_model_group(service: &ServiceSpec) -> String {
    format!("{}-read-model", service.name)
}

/// A query a person runs against the monolith to count a table's rows.
fn count_query(table: &str) -> String {
    format!("SELECT count(*) FROM {table};")
}

fn service_data(spec: &ScaffoldSpec, position: usize, service: &ServiceSpec) -> Value {
    let source = cdc_source(spec, service);
    let entity = entity_source(spec, service);
    let sink = sink(spec, service);
    let outbox = outbox_source(spec, service);
    let service_slot = |c: &super::connectors::Connector| c.config.get("slot.name").cloned();
    let tables: Vec<Value> = service
        .entities
        .iter()
        .map(|e| {
            json!({
                "table": e.table,
                "count": count_query(&e.table),
                "changelog": e.topics.changelog,
                "entity": e.topics.entity,
                "events": e.topics.events,
                "dead_letter": dead_letter_topic(&e.topics.changelog),
                "aggregate_type": e.path_segment,
                "without_primary_key": e.primary_key.is_empty(),
            })
        })
        .collect();
    json!({
        "position": position,
        "name": service.name,
        "step": service.step,
        "runbook": runbook_path(position, service),
        "modules": service.modules,
        "depends_on": service.depends_on,
        "reads_shared": service.reads_shared,
        "tables": tables,
        "has_pk_less": service.entities.iter().any(|e| e.primary_key.is_empty()),
        "db_host": service.database_host(),
        "db_name": service.database_name(),
        "password_variable": password_variable(&service.name),
        "cdc_source": source.as_ref().map(|c| c.name.clone()),
        "entity_source": entity.as_ref().map(|c| c.name.clone()),
        "entity_slot": entity.as_ref().and_then(service_slot),
        "sink": sink.as_ref().map(|c| c.name.clone()),
        "outbox": outbox.name,
        "outbox_slot": service_slot(&outbox),
        "cdc_consumer_variable": cdc_consumer_variable(&service.name),

        "cdc_user": cdc_user(service),
        "prerequisites": prerequisites_command(spec, service),
        "postgres": spec.monolith.dialect == Dialect::Postgres,
        "slot": slot_name(service),
        "publication": publication_name(service),
        "consumer_group": read_model_group(service),
        "confluent_sink": spec.kafka.sink == SinkFlavour::ConfluentJdbc,
    })
}

fn plan_data(spec: &ScaffoldSpec) -> Value {
    let services: Vec<Value> = spec
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| service_data(spec, i + 1, s))
        .collect();
    json!({
        "monolith": spec.monolith.name,
        "dialect": spec.monolith.dialect.name(),
        "bootstrap_servers": spec.kafka.bootstrap_servers,
        "sqlite": spec.monolith.dialect == Dialect::Sqlite,
        "services": services,
    })
}

/// The plan and one runbook per service.
pub fn render(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ScaffoldError> {
    let data = plan_data(spec);
    let mut files = vec![GeneratedFile {
        path: "MIGRATION-PLAN.md".into(),
        contents: templates.render("MIGRATION-PLAN.md", &data)?,
    }];
    if let Some(services) = data["services"].as_array() {
        for service in services {
            let mut page = data.clone();
            page["service"] = service.clone();
            files.push(GeneratedFile {
                path: service["runbook"].as_str().unwrap_or_default().to_string(),
                contents: templates.render("runbooks/service.md", &page)?,
            });
        }
    }
    Ok(files)
}
