//! `sql/<svc>-cdc-prerequisites.sql`: what the monolith's database needs
//! before a service's CDC source can start — a capture role and its grants,
//! and for PostgreSQL a publication holding exactly the service's tables and
//! full replica identity for tables without a primary key. Each script can
//! run again without changing anything; passwords come from client
//! variables, never from the file.

use super::connectors::{captured_tables, cdc_user, publication_name};
use super::spec::{GeneratedFile, ScaffoldSpec, ServiceSpec};
use super::templates::Templates;
use super::ScaffoldError;
use crate::model::Dialect;
use serde_json::json;

/// A PostgreSQL identifier, quoted when it has to be.
pub fn pg_ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `schema.table` with each part quoted as needed.
fn pg_qualified(table: &str) -> String {
    table.split('.').map(pg_ident).collect::<Vec<_>>().join(".")
}

/// A SQL string literal.
pub fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A MySQL identifier in backquotes.
fn my_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A SQL Server identifier in brackets.
fn ms_ident(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

fn data(spec: &ScaffoldSpec, service: &ServiceSpec) -> serde_json::Value {
    let db = &spec.monolith.database;
    let tables = captured_tables(spec, service);
    let schemas: std::collections::BTreeSet<String> = tables
        .iter()
        .filter_map(|t| t.rsplit_once('.').map(|(s, _)| s.to_string()))
        .collect();
    let entities: Vec<_> = service
        .entities
        .iter()
        .zip(&tables)
        .map(|(entity, table)| {
            let (schema, name) = table.rsplit_once('.').unwrap_or(("", table));
            json!({
                "table": table,
                "table_literal": sql_literal(table),
                "pg": pg_qualified(table),
                "my": my_ident(name),
                "ms_schema": ms_ident(schema),
                "ms_schema_literal": sql_literal(schema),
                "ms_name_literal": sql_literal(name),
                "without_primary_key": entity.primary_key.is_empty(),
            })
        })
        .collect();
    json!({
        "service": service.name,
        "database": db.name,
        "database_pg": pg_ident(&db.name),
        "database_my": my_ident(&db.name),
        "database_ms": ms_ident(&db.name),
        "role": cdc_user(service),
        "role_pg": pg_ident(&cdc_user(service)),
        "role_literal": sql_literal(&cdc_user(service)),
        "publication": publication_name(service),
        "publication_pg": pg_ident(&publication_name(service)),
        "publication_literal": sql_literal(&publication_name(service)),
        "table_list_pg": entities.iter().map(|e| e["pg"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>().join(", "),
        "schemas_pg": schemas.iter().map(|s| pg_ident(s)).collect::<Vec<_>>(),
        "entities": entities,
    })
}

/// One script per service, in the monolith's dialect (none for SQLite).
pub fn render(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ScaffoldError> {
    let template = match spec.monolith.dialect {
        Dialect::Postgres => "sql/cdc-prerequisites.postgres.sql",
        Dialect::Mysql => "sql/cdc-prerequisites.mysql.sql",
        Dialect::Mssql => "sql/cdc-prerequisites.mssql.sql",
        Dialect::Sqlite => return Ok(Vec::new()),
    };
    let mut files = Vec::new();
    for service in &spec.services {
        if service.entities.is_empty() {
            continue;
        }
        files.push(GeneratedFile {
            path: format!("sql/{}-cdc-prerequisites.sql", service.name),
            contents: templates.render(template, &data(spec, service))?,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_quoting() {
        assert_eq!(pg_ident("orders"), "orders");
        assert_eq!(pg_ident("Orders"), "\"Orders\"");
        assert_eq!(pg_qualified("sales.order items"), "sales.\"order items\"");
        assert_eq!(sql_literal("o'k"), "'o''k'");
        assert_eq!(my_ident("a`b"), "`a``b`");
    }
}
