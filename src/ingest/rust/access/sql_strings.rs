//! SQL in string literals (constants, `let` bindings, query arguments) and
//! `format!`-style templates: parsed when they look like a statement, kept
//! when they name tables of the schema.

use super::super::facts::{DirectAccess, SqlText};
use super::super::modules::ModuleRecord;
use super::super::names::TableIndex;
use super::super::sql_tables::{looks_like_sql, tables_in_sql, template_to_sql};
use crate::model::{Diagnostic, Dialect};
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
/// holds the text. A text the SQL parser fails on internally counts for
/// nothing and is reported.
pub fn match_all(
    records: &mut [ModuleRecord],
    tables: &TableIndex,
    dialect: Dialect,
) -> Vec<Diagnostic> {
    let matcher = Matcher { tables, dialect };
    records
        .par_iter_mut()
        .flat_map_iter(|record| {
            let file = record.file.as_str();
            let facts = &mut record.facts;
            let mut failed = Vec::new();
            for f in &mut facts.fns {
                let texts = std::mem::take(&mut f.sql);
                f.accesses.extend(matcher.accesses(&texts, &mut failed));
            }
            let texts = std::mem::take(&mut facts.sql);
            facts.accesses.extend(matcher.accesses(&texts, &mut failed));
            failed.into_iter().map(move |line| {
                Diagnostic::warning(
                    "rust-sql-unparsed",
                    "a SQL string could not be analyzed (internal error); its tables are not counted",
                )
                .at(file, line, 1)
            })
        })
        .collect()
}

struct Matcher<'t> {
    tables: &'t TableIndex,
    dialect: Dialect,
}

impl Matcher<'_> {
    /// The accesses `texts` make; the line of each text that failed goes to
    /// `failed`.
    fn accesses(&self, texts: &[SqlText], failed: &mut Vec<u32>) -> Vec<DirectAccess> {
        let mut found = Vec::new();
        for sql in texts {
            // A panic inside sqlparser on one odd string must not take the
            // analysis down.
            let accesses = std::panic::catch_unwind(|| {
                if sql.template {
                    accesses_of_template(&sql.text, sql.line, self.dialect, self.tables)
                } else {
                    accesses_of_sql(&sql.text, sql.line, self.dialect, self.tables)
                }
            });
            match accesses {
                Ok(accesses) => found.extend(accesses),
                Err(_) => failed.push(sql.line),
            }
        }
        found
    }
}
