//! One owned table as a generated service sees it: the table's name in the
//! service's own database, each column's PostgreSQL and Rust type, and the
//! key the HTTP routes, the outbox and the change consumer address rows by.

use super::sql_types::{map_type, Mapped, RustType};
use crate::model::Dialect;
use crate::scaffold::spec::{EntitySpec, FieldSpec};

/// A column of an owned table, typed for the service.
#[derive(Debug, Clone)]
pub struct ServiceColumn<'a> {
    pub spec: &'a FieldSpec,
    pub mapped: Mapped,
    /// Primary-key columns are never null, whatever the monolith declared.
    pub nullable: bool,
}

impl ServiceColumn<'_> {
    /// The field's Rust type, `Option` included.
    pub fn field_type(&self) -> String {
        let inner = self.mapped.rust.rust_path();
        if self.nullable {
            format!("Option<{inner}>")
        } else {
            inner
        }
    }

    /// Whether reading the field by value needs `.clone()`.
    pub fn is_copy(&self) -> bool {
        !matches!(
            self.mapped.rust,
            RustType::String | RustType::Json | RustType::Bytes | RustType::Array(_)
        )
    }
}

/// An owned table, typed for the service.
#[derive(Debug, Clone)]
pub struct ServiceEntity<'a> {
    pub spec: &'a EntitySpec,
    /// The table's name in the service's database: the monolith's bare name,
    /// or `schema_table` when the monolith keeps it in a named schema.
    pub table: String,
    pub columns: Vec<ServiceColumn<'a>>,
}

impl<'a> ServiceEntity<'a> {
    pub fn new(dialect: Dialect, spec: &'a EntitySpec) -> ServiceEntity<'a> {
        let columns = spec
            .fields
            .iter()
            .map(|field| ServiceColumn {
                spec: field,
                mapped: map_type(dialect, &field.sql_type),
                nullable: field.nullable && !field.in_primary_key,
            })
            .collect();
        ServiceEntity {
            spec,
            table: spec.path_segment.replace('-', "_"),
            columns,
        }
    }

    /// The key columns, in primary-key order.
    pub fn key_columns(&self) -> Vec<&ServiceColumn<'a>> {
        self.spec
            .primary_key
            .iter()
            .filter_map(|name| self.columns.iter().find(|c| &c.spec.column == name))
            .collect()
    }

    /// The columns an update may change: all but the key.
    pub fn value_columns(&self) -> Vec<&ServiceColumn<'a>> {
        self.columns
            .iter()
            .filter(|c| !self.spec.primary_key.contains(&c.spec.column))
            .collect()
    }

    pub fn has_key(&self) -> bool {
        !self.key_columns().is_empty()
    }

    /// The axum route below the entity's path: `{id}`, or one segment per
    /// column of a composite key (`{order_id}/{line_no}`).
    pub fn key_route(&self) -> String {
        self.key_columns()
            .iter()
            .map(|c| format!("{{{}}}", c.spec.field))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The upper-case prefix of the entity's environment variables.
    pub fn env_prefix(&self) -> String {
        self.spec.ident.to_ascii_uppercase()
    }
}
