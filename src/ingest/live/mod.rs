//! Live introspection: reads tables, columns, keys and partitions from a
//! running PostgreSQL or MySQL/MariaDB database.

pub mod mysql;
pub mod postgres;

use crate::model::{Diagnostic, Schema};

/// What introspection found, plus anything worth telling the user.
#[derive(Debug)]
pub struct LiveSchema {
    pub schema: Schema,
    pub diagnostics: Vec<Diagnostic>,
}

/// Options for introspection.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Only these schemas (PostgreSQL) or databases (MySQL); empty means all
    /// user schemas (PostgreSQL) or the URL's database (MySQL).
    pub schemas: Vec<String>,
}
