//! A sample row per entity for the generated crate's own tests: one fixed
//! value per column type, so the tests (and the files) are the same on every
//! run, and the aggregate id the outbox would give that row.

use super::model::ServiceEntity;
use super::sql_types::RustType;
use serde_json::{json, Value};

fn sample_value(rust: &RustType, index: usize) -> Value {
    match rust {
        RustType::I16 | RustType::I32 | RustType::I64 => json!(10 + index),
        RustType::F32 | RustType::F64 => json!(1.5),
        RustType::Decimal => json!("12.50"),
        RustType::Bool => json!(true),
        RustType::String => json!(format!("v{index}")),
        RustType::Date => json!("2024-01-31"),
        RustType::Time => json!("12:34:56"),
        RustType::Timestamp => json!("2024-01-31T12:34:56"),
        RustType::TimestampTz => json!("2024-01-31T12:34:56Z"),
        RustType::Uuid => json!(format!("00000000-0000-4000-8000-{index:012}")),
        RustType::Json => json!({"k": "v"}),
        RustType::Bytes => json!([1, 2, 3]),
        RustType::Array(inner) => json!([sample_value(inner, index)]),
    }
}

/// The row as JSON text, and a Rust expression for its aggregate id.
pub fn sample_row(entity: &ServiceEntity<'_>) -> (String, String) {
    let mut row = serde_json::Map::new();
    for (index, column) in entity.columns.iter().enumerate() {
        row.insert(
            column.spec.column.clone(),
            sample_value(&column.mapped.rust, index),
        );
    }
    let keys: Vec<Value> = entity
        .key_columns()
        .iter()
        .map(|c| row[&c.spec.column].clone())
        .collect();
    let aggregate_id = match keys.as_slice() {
        [] => "serde_json::to_value(&entity).unwrap().to_string()".to_string(),
        [Value::String(text)] => format!("{text:?}"),
        [one] => format!("{:?}", one.to_string()),
        many => format!("{:?}", Value::Array(many.to_vec()).to_string()),
    };
    (Value::Object(row).to_string(), aggregate_id)
}
