//! The value schema of every topic: one record per entity (its row, as the
//! change-data-capture connector and the service both publish it), written
//! as `schemas/<topic>-value.avsc` (Avro) or `.schema.json` (JSON Schema)
//! following the plan's `event_format`.

use super::spec::{EntitySpec, EventFormat, GeneratedFile, ScaffoldSpec, ServiceSpec};
use super::type_mapping::map_type;
use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{json, Map, Value};

/// A legal Avro name: letters, digits and `_`, not starting with a digit.
/// Debezium adjusts column names the same way before writing Avro.
pub fn avro_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// The Avro namespace of a service's records: `shop.orders`.
pub fn namespace(spec: &ScaffoldSpec, service: &ServiceSpec) -> String {
    [
        spec.monolith.name.to_snake_case(),
        service.crate_ident.clone(),
    ]
    .iter()
    .map(|s| avro_name(s))
    .collect::<Vec<_>>()
    .join(".")
}

/// The Avro record of one entity's row.
pub fn avro_record(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec) -> Value {
    let record_name = avro_name(&entity.type_name);
    let fields: Vec<Value> = entity
        .fields
        .iter()
        .map(|field| {
            let enum_name = avro_name(&format!(
                "{record_name}{}",
                field.column.to_upper_camel_case()
            ));
            let mapped = map_type(&field.sql_type, spec.monolith.dialect, &enum_name);
            let mut out = Map::new();
            out.insert("name".into(), json!(avro_name(&field.column)));
            if field.nullable {
                out.insert("type".into(), json!(["null", mapped.avro]));
                out.insert("default".into(), Value::Null);
            } else {
                out.insert("type".into(), mapped.avro);
            }
            let doc = match mapped.note {
                Some(note) => format!("`{}` {}: {note}", field.column, field.sql_type),
                None => format!("`{}` {}", field.column, field.sql_type),
            };
            out.insert("doc".into(), json!(doc));
            Value::Object(out)
        })
        .collect();
    json!({
        "type": "record",
        "name": record_name,
        "namespace": namespace(spec, service),
        "doc": format!("A row of `{}` in {}, owned by the {} service.", entity.table, spec.monolith.name, service.name),
        "fields": fields,
    })
}

/// The JSON Schema (2020-12) of one entity's row.
pub fn json_schema(spec: &ScaffoldSpec, service: &ServiceSpec, entity: &EntitySpec) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in &entity.fields {
        let mapped = map_type(&field.sql_type, spec.monolith.dialect, &entity.type_name);
        let mut schema = mapped.json;
        if let (Some(note), Value::Object(map)) = (&mapped.note, &mut schema) {
            map.insert("$comment".into(), json!(note));
        }
        let schema = if field.nullable {
            json!({"anyOf": [schema, {"type": "null"}]})
        } else {
            required.push(json!(field.column));
            schema
        };
        properties.insert(field.column.clone(), schema);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": entity.type_name,
        "description": format!("A row of `{}` in {}, owned by the {} service.", entity.table, spec.monolith.name, service.name),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The JSON Schema of a message key: the primary-key columns (the whole
/// row's columns when the table has none, as Debezium keys such rows).
pub fn key_schema(spec: &ScaffoldSpec, entity: &EntitySpec) -> Value {
    let mut properties = Map::new();
    for field in entity
        .fields
        .iter()
        .filter(|f| f.in_primary_key || entity.primary_key.is_empty())
    {
        let mapped = map_type(&field.sql_type, spec.monolith.dialect, &entity.type_name);
        properties.insert(field.column.clone(), mapped.json);
    }
    let required: Vec<&String> = properties.keys().collect();
    json!({"type": "object", "properties": properties, "required": required})
}

/// The schema file of a topic: `schemas/<topic>-value.avsc` or `.schema.json`.
pub fn schema_path(format: EventFormat, topic: &str) -> String {
    match format {
        EventFormat::Avro => format!("schemas/{topic}-value.avsc"),
        EventFormat::Json => format!("schemas/{topic}-value.schema.json"),
    }
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
            let schema = match spec.kafka.event_format {
                EventFormat::Avro => avro_record(spec, service, entity),
                EventFormat::Json => json_schema(spec, service, entity),
            };
            let contents = pretty(&schema);
            for topic in [
                &entity.topics.changelog,
                &entity.topics.entity,
                &entity.topics.events,
            ] {
                files.push(GeneratedFile {
                    path: schema_path(spec.kafka.event_format, topic),
                    contents: contents.clone(),
                });
            }
        }
    }
    files
}
