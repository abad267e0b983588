//! SQL in string literals (constants, `let` bindings, query arguments) and
//! `format!`-style templates: parsed when they look like a statement, kept
//! when they name tables of the schema.

use super::super::facts::DirectAccess;
use super::super::names::TableIndex;
use super::super::sql_tables::{looks_like_sql, tables_in_sql, template_to_sql};
use crate::model::Dialect;

/// Macros whose first string literal is a format template.
pub const FORMAT_MACROS: &[&str] = &["format", "write", "writeln", "format_args"];

/// The accesses a literal's SQL makes; nothing when it is not SQL.
pub fn accesses_of_sql(
    text: &str,
    line: u32,
    dialect: Dialect,
    tables: &TableIndex,
) -> Vec<DirectAccess> {
    if !looks_like_sql(text) {
        return Vec::new();
    }
    tables_in_sql(text, dialect)
        .into_iter()
        .filter_map(|(name, mode)| {
            tables
                .canonical(&name)
                .map(|table| DirectAccess { table, mode, line })
        })
        .collect()
}

/// The same for a `format!` template, placeholders replaced first.
pub fn accesses_of_template(
    template: &str,
    line: u32,
    dialect: Dialect,
    tables: &TableIndex,
) -> Vec<DirectAccess> {
    if !looks_like_sql(template) {
        return Vec::new();
    }
    accesses_of_sql(&template_to_sql(template), line, dialect, tables)
}
