//! The generated Rust services: one crate per planned service under
//! `services/<name>/`, and the workspace `Cargo.toml` holding them all.
//! `events.rs` is generated as syntax (`quote!` + `prettyplease`), the
//! migration from the typed columns; everything else is a handlebars
//! template under `templates/service/`.

pub mod events;
pub mod migration;
pub mod model;
pub mod sample;
pub mod sql_types;
pub mod workspace;

use super::spec::{GeneratedFile, ScaffoldSpec, ServiceSpec};
use super::templates::{TemplateError, Templates};
use model::ServiceEntity;
use serde_json::{json, Value};

/// Why a service could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Events(#[from] events::EventsError),
    #[error("service `{0}` owns no tables: there is nothing to generate a service for")]
    NoTables(String),
}

/// The templates rendered into each service, and where each goes.
const SERVICE_TEMPLATES: &[(&str, &str)] = &[
    ("service/Cargo.toml", "Cargo.toml"),
    ("service/Dockerfile", "Dockerfile"),
    ("service/README.md", "README.md"),
    ("service/changes.rs", "src/changes.rs"),
    ("service/config.rs", "src/config.rs"),
    ("service/consumer.rs", "src/consumer.rs"),
    ("service/debezium.rs", "src/debezium.rs"),
    ("service/entity.rs", "src/entity.rs"),
    ("service/http.rs", "src/http.rs"),
    ("service/lib.rs", "src/lib.rs"),
    ("service/main.rs", "src/main.rs"),
    ("service/metrics.rs", "src/metrics.rs"),
    ("service/outbox.rs", "src/outbox.rs"),
    ("service/relay.rs", "src/relay.rs"),
    ("service/shutdown.rs", "src/shutdown.rs"),
    ("service/tests-entities.rs", "tests/entities.rs"),
];

fn entity_data(entity: &ServiceEntity<'_>) -> Value {
    let spec = entity.spec;
    let (sample_row, sample_aggregate_id) = sample::sample_row(entity);
    json!({
        "type_name": spec.type_name,
        "ident": spec.ident,
        "table": entity.table,
        "monolith_table": spec.table,
        "path_segment": spec.path_segment,
        "has_key": entity.has_key(),
        "updatable": entity.has_key() && !entity.value_columns().is_empty(),
        "key_route": entity.key_route(),
        "env_prefix": entity.env_prefix(),
        "changelog_topic": spec.topics.changelog,
        "events_topic": spec.topics.events,
        "sample_row": sample_row,
        "sample_aggregate_id": sample_aggregate_id,
    })
}

/// The files of one service, `services/<name>/…`, sorted by path.
pub fn render_service(
    spec: &ScaffoldSpec,
    service: &ServiceSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ServiceError> {
    if service.entities.is_empty() {
        return Err(ServiceError::NoTables(service.name.clone()));
    }
    let dialect = spec.monolith.dialect;
    let entities: Vec<ServiceEntity<'_>> = service
        .entities
        .iter()
        .map(|e| ServiceEntity::new(dialect, e))
        .collect();
    let entity_values: Vec<Value> = entities.iter().map(entity_data).collect();
    let data = json!({
        "service": service,
        "monolith": {"name": spec.monolith.name, "dialect": dialect.name()},
        "kafka": {"bootstrap_servers": spec.kafka.bootstrap_servers},
        "first_entity": entity_values[0],
        "entities": entity_values,
    });
    let root = format!("services/{}", service.name);
    let mut files = Vec::new();
    for (template, path) in SERVICE_TEMPLATES {
        files.push(GeneratedFile {
            path: format!("{root}/{path}"),
            contents: templates.render(template, &data)?,
        });
    }
    files.push(GeneratedFile {
        path: format!("{root}/src/events.rs"),
        contents: events::render_events(&entities)?,
    });
    files.push(GeneratedFile {
        path: format!("{root}/migrations/0001_init.sql"),
        contents: migration::render_migration(&service.name, &entities),
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// `Cargo.toml` at the output's root: the workspace of every service.
pub fn render_workspace(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<GeneratedFile, ServiceError> {
    let mut names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    let data = json!({
        "monolith": spec.monolith.name,
        "services": names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
        "dependencies": workspace::dependencies_data(),
    });
    Ok(GeneratedFile {
        path: "Cargo.toml".into(),
        contents: templates.render("service/workspace-Cargo.toml", &data)?,
    })
}

/// The workspace and every service of the plan, sorted by path.
pub fn render_all(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ServiceError> {
    let mut files = vec![render_workspace(spec, templates)?];
    for service in &spec.services {
        files.extend(render_service(spec, service, templates)?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
