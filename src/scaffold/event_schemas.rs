//! The value schema of every topic, as JSON Schema (2020-12), written as
//! `schemas/<topic>-value.schema.json`. JSON is the only event format:
//! carve's connectors and services exchange JSON, so no Schema Registry is
//! needed. Each schema describes the topic's messages as its producer
//! encodes them:
//!
//! - changelog topics: the CDC source's flat row plus `__deleted`, plain
//!   JSON (decimals and intervals as text, temporal values by precision);
//! - entity topics: the entity source's row inside Kafka Connect's JSON
//!   envelope (`{"schema": …, "payload": …}`), which the JDBC sinks read;
//! - event topics: the service's own JSON of the entity, from its outbox.

use super::spec::{EntitySpec, GeneratedFile, ScaffoldSpec, ServiceSpec, SinkFlavour};
use super::sql_type::{classify, SqlTypeClass};
use super::type_mapping::map_class;
use crate::model::Dialect;
use serde_json::{json, Map, Value};

/// The field the CDC source adds to every changelog value: `"true"` on a
/// delete's before-image, `"false"` otherwise.
pub const DELETED_FIELD: &str = "__deleted";

/// Which producer's encoding a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// The CDC source on the monolith (step 1).
    Changelog,
    /// The entity source on the service's database (step 2).
    Entity,
    /// The service's outbox.
    Events,
}

fn integer(description: &str) -> Value {
    json!({"type": "integer", "description": description})
}

/// A date and time without a zone under `adaptive_time_microseconds`:
/// milliseconds up to precision 3, microseconds up to 6, nanoseconds above.
fn adaptive_timestamp(precision: Option<u32>) -> Value {
    match precision {
        Some(p) if p <= 3 => integer("milliseconds since the epoch, no time zone"),
        Some(p) if p > 6 => integer("nanoseconds since the epoch, no time zone"),
        _ => integer("microseconds since the epoch, no time zone"),
    }
}

/// A column's JSON Schema as `wire`'s producer encodes it.
fn column_schema(
    class: &SqlTypeClass,
    dialect: Dialect,
    wire: Wire,
    sink: SinkFlavour,
) -> (Value, Option<String>) {
    if dialect != Dialect::Sqlite || wire == Wire::Entity {
        match (wire, class) {
            // `decimal.handling.mode=string`: the exact value as text.
            (Wire::Changelog, SqlTypeClass::Decimal { .. }) => {
                return (
                    json!({"type": "string", "description": "exact decimal as text"}),
                    None,
                )
            }
            // `interval.handling.mode=string`; the service keeps it as text.
            (Wire::Changelog | Wire::Entity, SqlTypeClass::Interval) => {
                return (
                    json!({"type": "string", "description": "ISO-8601 duration"}),
                    None,
                )
            }
            (
                Wire::Changelog,
                SqlTypeClass::Timestamp {
                    with_time_zone: false,
                    precision,
                },
            ) => return (adaptive_timestamp(*precision), None),
            // `time.precision.mode=connect` for Confluent's sink.
            (
                Wire::Entity,
                SqlTypeClass::Time {
                    with_time_zone: false,
                },
            ) if sink == SinkFlavour::ConfluentJdbc => {
                return (integer("milliseconds past midnight"), None)
            }
            (
                Wire::Entity,
                SqlTypeClass::Timestamp {
                    with_time_zone: false,
                    precision,
                },
            ) => {
                return match sink {
                    SinkFlavour::ConfluentJdbc => {
                        (integer("milliseconds since the epoch, no time zone"), None)
                    }
                    SinkFlavour::DebeziumJdbc => (adaptive_timestamp(*precision), None),
                }
            }
            (_, SqlTypeClass::Array(element)) if wire != Wire::Events => {
                let (items, note) = column_schema(element, dialect, wire, sink);
                return (json!({"type": "array", "items": items}), note);
            }
            _ => {}
        }
    }
    // The service's database is PostgreSQL: the entity source encodes its
    // columns the PostgreSQL connector's way.
    let encoder = if wire == Wire::Entity && dialect != Dialect::Sqlite {
        Dialect::Postgres
    } else {
        dialect
    };
    let mapped = map_class(class, encoder, "");
    (mapped.json, mapped.note)
}

/// One column's schema, with its note, nullable when `nullable`.
fn field_schema(spec: &ScaffoldSpec, sql_type: &str, wire: Wire, nullable: bool) -> Value {
    let class = classify(spec.monolith.dialect, sql_type);
    let (mut schema, note) = column_schema(&class, spec.monolith.dialect, wire, spec.kafka.sink);
    if let (Some(note), Value::Object(map)) = (note, &mut schema) {
        map.insert("$comment".into(), json!(note));
    }
    if nullable {
        json!({"anyOf": [schema, {"type": "null"}]})
    } else {
        schema
    }
}

/// The row as an object schema: every column, the non-null ones required.
fn row_schema(
    spec: &ScaffoldSpec,
    entity: &EntitySpec,
    wire: Wire,
) -> (Map<String, Value>, Vec<Value>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in &entity.fields {
        if !field.nullable {
            required.push(json!(field.column));
        }
        properties.insert(
            field.column.clone(),
            field_schema(spec, &field.sql_type, wire, field.nullable),
        );
    }
    (properties, required)
}

fn description(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec) -> String {
    format!(
        "A row of `{}` in {}, owned by the {} service.",
        entity.table, spec.monolith.name, service.name
    )
}

/// The changelog value: the flat row and `__deleted`. A delete is the
/// before-image with `"__deleted": "true"` (only the key columns are sure
/// to be set), then a tombstone.
pub fn changelog_schema(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec) -> Value {
    let mut properties = Map::new();
    let mut present = Map::new();
    let mut required_when_present = Vec::new();
    for field in &entity.fields {
        let nullable = field.nullable || !field.in_primary_key;
        properties.insert(
            field.column.clone(),
            field_schema(spec, &field.sql_type, Wire::Changelog, nullable),
        );
        if !field.nullable && !field.in_primary_key {
            present.insert(field.column.clone(), json!({"not": {"type": "null"}}));
        }
        if !field.nullable {
            required_when_present.push(json!(field.column));
        }
    }
    properties.insert(
        DELETED_FIELD.into(),
        json!({
            "description": "\"true\" on a delete's before-image, \"false\" otherwise",
            "anyOf": [{"type": "string", "enum": ["true", "false"]}, {"type": "boolean"}],
        }),
    );
    let key: Vec<Value> = entity
        .fields
        .iter()
        .filter(|f| f.in_primary_key)
        .map(|f| json!(f.column))
        .chain([json!(DELETED_FIELD)])
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": entity.type_name,
        "description": format!(
            "{} Captured by the CDC source as plain JSON: the row's columns and `{DELETED_FIELD}`; a delete is the row before it with `{DELETED_FIELD}` \"true\", then a tombstone (no value).",
            description(spec, service, entity)
        ),
        "type": "object",
        "properties": properties,
        "required": key,
        "additionalProperties": false,
        "if": {"properties": {DELETED_FIELD: {"enum": ["true", true]}}},
        "else": {"properties": present, "required": required_when_present},
    })
}

/// The entity value: Kafka Connect's JSON envelope around the row, as the
/// entity source writes it for the JDBC sinks. A delete is a tombstone.
pub fn entity_schema(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec) -> Value {
    let (properties, required) = row_schema(spec, entity, Wire::Entity);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("{} (Connect JSON)", entity.type_name),
        "description": format!(
            "{} Published by the entity source as JSON with its Connect schema; a delete is a tombstone (no value).",
            description(spec, service, entity)
        ),
        "type": "object",
        "properties": {
            "schema": {"type": "object", "description": "the Connect schema of the payload"},
            "payload": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            },
        },
        "required": ["schema", "payload"],
        "additionalProperties": false,
    })
}

/// The JSON Schema (2020-12) of one entity's row as the service publishes
/// it in its domain events.
pub fn json_schema(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec) -> Value {
    let (properties, required) = row_schema(spec, entity, Wire::Events);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": entity.type_name,
        "description": description(spec, service, entity),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The value schema of `wire`'s topic for `entity`.
pub fn value_schema(
    spec: &ScaffoldSpec,
    service: &ServiceSpec,
    entity: &EntitySpec,
    wire: Wire,
) -> Value {
    match wire {
        Wire::Changelog => changelog_schema(spec, service, entity),
        Wire::Entity => entity_schema(spec, service, entity),
        Wire::Events => json_schema(spec, service, entity),
    }
}

/// The columns a message key holds: the primary key (the whole row's
/// columns when the table has none, as Debezium keys such rows).
fn key_fields(entity: &EntitySpec) -> impl Iterator<Item = &super::spec::FieldSpec> {
    entity
        .fields
        .iter()
        .filter(|f| f.in_primary_key || entity.primary_key.is_empty())
}

/// The JSON Schema of a message key as `wire`'s producer writes it: the
/// primary-key columns as plain JSON (changelog), in Connect's envelope
/// (entity), or the aggregate id as text (events).
pub fn wire_key_schema(spec: &ScaffoldSpec, entity: &EntitySpec, wire: Wire) -> Value {
    match wire {
        Wire::Events => json!({"type": "string", "description": "the aggregate id"}),
        Wire::Changelog | Wire::Entity => {
            let mut properties = Map::new();
            for field in key_fields(entity) {
                properties.insert(
                    field.column.clone(),
                    field_schema(spec, &field.sql_type, wire, false),
                );
            }
            let required: Vec<&String> = properties.keys().collect();
            let key = json!({"type": "object", "properties": properties, "required": required});
            if wire == Wire::Entity {
                json!({
                    "type": "object",
                    "properties": {"schema": {"type": "object"}, "payload": key},
                    "required": ["schema", "payload"],
                })
            } else {
                key
            }
        }
    }
}

/// The schema file of a topic: `schemas/<topic>-value.schema.json`.
pub fn schema_path(topic: &str) -> String {
    format!("schemas/{topic}-value.schema.json")
}

/// Pretty JSON with a final newline; keys sorted (serde_json's map is ordered).
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Every topic's value schema, for every service.
pub fn render(spec: &ScaffoldSpec) -> Vec<GeneratedFile> {
    let mut files = Vec::new();
    for service in &spec.services {
        for entity in &service.entities {
            for (topic, wire) in [
                (&entity.topics.changelog, Wire::Changelog),
                (&entity.topics.entity, Wire::Entity),
                (&entity.topics.events, Wire::Events),
            ] {
                files.push(GeneratedFile {
                    path: schema_path(topic),
                    contents: pretty(&value_schema(spec, service, entity, wire)),
                });
            }
        }
    }
    files
}
