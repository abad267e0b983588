//! `asyncapi/<svc>.yaml`: an AsyncAPI 3.0.0 document of a service's topics —
//! the changelog topics it receives from the monolith's CDC source, the
//! entity topics its entity source publishes, the event topics of its
//! outbox and the dead-letter topics its change consumer writes — with each
//! message's key and payload as JSON Schema, as its producer encodes it, and
//! Kafka bindings matching `topics/<svc>.yaml`.

use super::event_schemas::{value_schema, wire_key_schema, Wire};
use super::spec::{EntitySpec, GeneratedFile, ScaffoldSpec, ServiceSpec};
use super::templates::Templates;
use super::topics::{dead_letter_topic, service_topics, TopicKind, TopicSpec};
use super::ScaffoldError;
use serde_json::{json, Map, Value};

/// Kafka bindings version the document uses.
const BINDING_VERSION: &str = "0.5.0";

/// `value` as JSON (valid YAML flow style), each line after the first
/// indented by `indent` spaces so it nests under its key.
fn inline(value: &Value, indent: usize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let pad = " ".repeat(indent);
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                line.to_string()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A YAML scalar holding `text` exactly (JSON strings are YAML strings).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// The channel binding: topic, partitions, replicas and the configs AsyncAPI knows.
fn channel_binding(topic: &TopicSpec) -> Value {
    let mut configuration = Map::new();
    for config in &topic.config {
        match config.key.as_str() {
            "cleanup.policy" => {
                configuration.insert(config.key.clone(), json!([config.value]));
            }
            "retention.ms" | "retention.bytes" => {
                if let Ok(n) = config.value.parse::<i64>() {
                    configuration.insert(config.key.clone(), json!(n));
                }
            }
            _ => {}
        }
    }
    json!({
        "topic": topic.name,
        "partitions": topic.partitions,
        "replicas": topic.replicas,
        "topicConfiguration": configuration,
        "bindingVersion": BINDING_VERSION,
    })
}

/// The schema as AsyncAPI takes it: the draft is named by `schemaFormat`.
fn without_dialect(mut schema: Value) -> Value {
    if let Value::Object(map) = &mut schema {
        map.remove("$schema");
    }
    schema
}

fn payload(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec, wire: Wire) -> Value {
    json!({
        "schemaFormat": "application/schema+json;version=draft-07",
        "schema": without_dialect(value_schema(spec, service, entity, wire)),
    })
}

fn wire_of(kind: TopicKind) -> Option<Wire> {
    match kind {
        TopicKind::Changelog => Some(Wire::Changelog),
        TopicKind::Entity => Some(Wire::Entity),
        TopicKind::Events => Some(Wire::Events),
        TopicKind::DeadLetter | TopicKind::SchemaHistory => None,
    }
}

/// The headers the change consumer adds to a dead letter (the original
/// message's own headers come first), as a JSON Schema.
fn dead_letter_headers() -> Value {
    let text = |description: &str| json!({"type": "string", "description": description});
    json!({
        "type": "object",
        "properties": {
            "carve.dlq.topic": text("The topic the message was read from."),
            "carve.dlq.partition": text("Its partition, as decimal text."),
            "carve.dlq.offset": text("Its offset, as decimal text."),
            "carve.dlq.error": text("Why the service did not apply it."),
            "carve.dlq.stage": {
                "type": "string",
                "enum": ["decode", "apply"],
                "description": "`decode`: not a change of the table; `apply`: the database refused it."
            }
        },
        "required": ["carve.dlq.topic", "carve.dlq.partition", "carve.dlq.offset", "carve.dlq.error", "carve.dlq.stage"]
    })
}

/// A dead letter's payload: the changelog message's value, byte for byte,
/// which need not be JSON at all.
fn dead_letter_payload(entity: &EntitySpec) -> Value {
    json!({
        "schemaFormat": "application/schema+json;version=draft-07",
        "schema": {
            "description": format!(
                "The value of a message of `{}` as it was read; usually the changelog's JSON, but any bytes.",
                entity.topics.changelog
            )
        },
    })
}

/// What a message of `wire` is, in one sentence.
fn message_summary(entity: &EntitySpec, wire: Wire) -> String {
    match wire {
        Wire::Changelog => format!(
            "A row of `{}` captured by the CDC source: plain JSON with `__deleted`, keyed by its primary key; a delete is its before-image with `__deleted` \"true\", then a tombstone.",
            entity.table
        ),
        Wire::Entity => format!(
            "A row of `{}` published by the entity source: JSON with schemas, keyed by its primary key; a delete is a tombstone.",
            entity.table
        ),
        Wire::Events => format!(
            "A domain event about a row of `{}` from the outbox: plain JSON, keyed by the aggregate id, the event type in the `type` header.",
            entity.table
        ),
    }
}

fn channel_id(entity: &EntitySpec, kind: TopicKind) -> String {
    let kind = match kind {
        TopicKind::Changelog => "changelog",
        TopicKind::Entity => "entity",
        TopicKind::Events => "events",
        TopicKind::DeadLetter => "dead_letter",
        TopicKind::SchemaHistory => "schema_history",
    };
    format!("{}_{kind}", entity.ident)
}

fn data(spec: &ScaffoldSpec, service: &ServiceSpec) -> Value {
    let topics = service_topics(spec, service);
    let mut channels = Vec::new();
    let mut operations = Vec::new();
    let mut messages = Vec::new();
    for entity in &service.entities {
        let dead_letters = dead_letter_topic(&entity.topics.changelog);
        for topic in topics.iter().filter(|t| {
            [
                &entity.topics.changelog,
                &entity.topics.entity,
                &entity.topics.events,
                &dead_letters,
            ]
            .contains(&&t.name)
        }) {
            let id = channel_id(entity, topic.kind);
            let message = id.clone();
            if let Some(wire) = wire_of(topic.kind) {
                messages.push(json!({
                    "id": message,
                    "name": quoted(&entity.type_name),
                    "title": quoted(&format!("{} row", entity.type_name)),
                    "summary": quoted(&message_summary(entity, wire)),
                    "payload": inline(&payload(spec, service, entity, wire), 8),
                    "key": inline(&wire_key_schema(spec, entity, wire), 12),
                    "headers": null,
                    "binding_version": BINDING_VERSION,
                }));
            } else if topic.kind == TopicKind::DeadLetter {
                messages.push(json!({
                    "id": message,
                    "name": quoted(&format!("{}DeadLetter", entity.type_name)),
                    "title": quoted(&format!("{} change not applied", entity.type_name)),
                    "summary": quoted(&format!(
                        "A message of `{}` the service could not apply, with its original key, value and headers, and `carve.dlq.*` headers saying where it was and why.",
                        entity.topics.changelog
                    )),
                    "payload": inline(&dead_letter_payload(entity), 8),
                    "key": inline(&wire_key_schema(spec, entity, Wire::Changelog), 12),
                    "headers": inline(&dead_letter_headers(), 8),
                    "binding_version": BINDING_VERSION,
                }));
            } else {
                continue;
            }
            let action = if topic.kind == TopicKind::Changelog {
                "receive"
            } else {
                "send"
            };
            channels.push(json!({
                "id": id,
                "address": quoted(&topic.name),
                "description": quoted(&topic.description),
                "message": message,
                "binding": inline(&channel_binding(topic), 8),
            }));
            operations.push(json!({
                "id": format!("{action}_{id}"),
                "action": action,
                "channel": id,
                "message": message,
                "summary": quoted(&format!("{} {}", if action == "send" { "Publishes" } else { "Consumes" }, topic.description)),
            }));
        }
    }
    let host = spec
        .kafka
        .bootstrap_servers
        .split(',')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    json!({
        "title": quoted(&format!("{} service", service.name)),
        "description": quoted(&format!(
            "Topics of the {} service, carved out of {} (extraction step {}).",
            service.name, spec.monolith.name, service.step
        )),
        "host": quoted(&host),
        "channels": channels,
        "operations": operations,
        "messages": messages,
    })
}

/// One document per service.
pub fn render(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ScaffoldError> {
    let mut files = Vec::new();
    for service in &spec.services {
        files.push(GeneratedFile {
            path: format!("asyncapi/{}.yaml", service.name),
            contents: templates.render("asyncapi/service.yaml", &data(spec, service))?,
        });
    }
    Ok(files)
}
