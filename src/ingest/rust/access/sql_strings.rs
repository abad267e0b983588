//! SQL in string literals (constants, `let` bindings, query arguments) and
//! `format!`-style templates: parsed when they look like a statement, kept
//! when they name tables of the schema.

use super::super::facts::{DirectAccess, SqlText};
use super::super::modules::ModuleRecord;
use super::super::names::TableIndex;
use super::super::sql_tables::{looks_like_sql, tables_in_sql, template_to_sql};
use crate::model::Dialect;
use rayon::prelude::*;

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

/// Matches every SQL text the modules kept against the schema, on all
/// cores, and adds the accesses found to the function (or module) that
/// holds the text.
pub fn match_all(records: &mut [ModuleRecord], tables: &TableIndex, dialect: Dialect) {
    records.par_iter_mut().for_each(|record| {
        let facts = &mut record.facts;
        for f in &mut facts.fns {
            let texts = std::mem::take(&mut f.sql);
            f.accesses
                .extend(accesses_of_texts(&texts, dialect, tables));
        }
        let texts = std::mem::take(&mut facts.sql);
        facts
            .accesses
            .extend(accesses_of_texts(&texts, dialect, tables));
    });
}

fn accesses_of_texts(
    texts: &[SqlText],
    dialect: Dialect,
    tables: &TableIndex,
) -> Vec<DirectAccess> {
    let mut found = Vec::new();
    for sql in texts {
        // sqlparser on an odd string must not take the analysis down: that
        // text then counts for nothing.
        let accesses = std::panic::catch_unwind(|| {
            if sql.template {
                accesses_of_template(&sql.text, sql.line, dialect, tables)
            } else {
                accesses_of_sql(&sql.text, sql.line, dialect, tables)
            }
        });
        found.extend(accesses.unwrap_or_default());
    }
    found
}
