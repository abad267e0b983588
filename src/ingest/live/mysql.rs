//! MySQL / MariaDB introspection through information_schema.
//!
//! MySQL has no schemas inside a database: the database is the namespace.
//! Tables of the URL's database are named bare, tables of any other
//! requested database `db.table`, which is how static ingestion names a
//! script's tables once it has seen `USE db`. Partitions are not separate
//! tables in MySQL, so `partition_of` is always empty.

use super::{LiveOptions, LiveSchema, Target};
use crate::model::{Column, Diagnostic, Dialect, ForeignKey, Schema, Table, TableRef, UniqueKey};
use anyhow::{bail, Result};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::{Connection, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

/// Connects to `target` and reads the tables of the URL's database, or of
/// `options.schemas` when given.
pub(crate) async fn introspect(target: &Target, options: &LiveOptions) -> Result<LiveSchema> {
    let connect_options = MySqlConnectOptions::from_str(&target.url)
        .map_err(|e| target.db_error("invalid MySQL URL", e))?;
    let url_database = connect_options
        .get_database()
        .filter(|db| !db.is_empty())
        .map(str::to_string);
    let (databases, bare) = scope(url_database, options);
    if databases.is_empty() {
        bail!(
            "{} names no database: put one in the URL path (mysql://host/db) or list the databases to read",
            target.redacted
        );
    }

    let mut conn = target
        .connect(MySqlConnection::connect_with(&connect_options))
        .await?;
    let result = read_schema(&mut conn, target, &databases, bare.as_deref()).await;
    // Closing politely is best effort: the schema is already read.
    let _ = conn.close().await;
    result
}

/// The databases to read and the one whose tables are named bare. The URL's
/// database is bare; with no database in the URL, a single requested one is.
fn scope(url_database: Option<String>, options: &LiveOptions) -> (Vec<String>, Option<String>) {
    if options.schemas.is_empty() {
        return (url_database.iter().cloned().collect(), url_database);
    }
    let mut databases: Vec<String> = Vec::new();
    for db in &options.schemas {
        if !databases.contains(db) {
            databases.push(db.clone());
        }
    }
    let bare = match url_database {
        Some(db) => Some(db),
        None if databases.len() == 1 => Some(databases[0].clone()),
        None => None,
    };
    (databases, bare)
}

async fn read_schema(
    conn: &mut MySqlConnection,
    target: &Target,
    databases: &[String],
    bare: Option<&str>,
) -> Result<LiveSchema> {
    let err = |doing: &'static str| move |e: sqlx::Error| target.db_error(doing, e);
    let in_list = vec!["?"; databases.len()].join(", ");
    let qualify = |db: &str, table: &str| -> String {
        if Some(db) == bare {
            table.to_string()
        } else {
            format!("{db}.{table}")
        }
    };

    // MariaDB reports system-versioned tables with their own TABLE_TYPE;
    // they are ordinary tables for carve. Views and sequences are not.
    let tables_sql = format!(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA IN ({in_list}) \
           AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') \
         ORDER BY TABLE_SCHEMA, TABLE_NAME"
    );
    let rows = bind_all(sqlx::query(&tables_sql), databases)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("listing tables from information_schema.TABLES"))?;
    let mut tables: Vec<Table> = Vec::with_capacity(rows.len());
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut found_databases: BTreeSet<String> = BTreeSet::new();
    for row in &rows {
        let read = err("reading information_schema.TABLES");
        let db = text(row, 0).map_err(read)?;
        let name = text(row, 1).map_err(read)?;
        index.insert((db.clone(), name.clone()), tables.len());
        tables.push(Table {
            name: qualify(&db, &name),
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            unique_keys: Vec::new(),
            partition_of: None,
            source: None,
        });
        found_databases.insert(db);
    }

    if !tables.is_empty() {
        let columns_sql = format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA IN ({in_list}) \
             ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
        );
        let rows = bind_all(sqlx::query(&columns_sql), databases)
            .fetch_all(&mut *conn)
            .await
            .map_err(err("listing columns from information_schema.COLUMNS"))?;
        for row in &rows {
            let read = err("reading information_schema.COLUMNS");
            let key = (text(row, 0).map_err(read)?, text(row, 1).map_err(read)?);
            // Columns of views share the table; skip them.
            let Some(&i) = index.get(&key) else { continue };
            tables[i].columns.push(Column {
                name: text(row, 2).map_err(read)?,
                data_type: text(row, 3).map_err(read)?,
                nullable: text(row, 4).map_err(read)?.eq_ignore_ascii_case("YES"),
            });
        }

        // One row per key column; rows of one constraint arrive together in
        // key order, and a foreign key's REFERENCED_COLUMN_NAME pairs with
        // its COLUMN_NAME on the same row. Schema and table names are joined
        // as bytes: information_schema compares them case-insensitively, but
        // on a Linux server `Supplier` and `supplier` are two tables.
        let keys_sql = format!(
            "SELECT tc.TABLE_SCHEMA, tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, \
                    k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, \
                    k.REFERENCED_COLUMN_NAME \
             FROM information_schema.TABLE_CONSTRAINTS tc \
             JOIN information_schema.KEY_COLUMN_USAGE k \
               ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
              AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
              AND CAST(k.TABLE_SCHEMA AS BINARY) = CAST(tc.TABLE_SCHEMA AS BINARY) \
              AND CAST(k.TABLE_NAME AS BINARY) = CAST(tc.TABLE_NAME AS BINARY) \
             WHERE tc.TABLE_SCHEMA IN ({in_list}) \
               AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') \
             ORDER BY tc.TABLE_SCHEMA, tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION"
        );
        let rows = bind_all(sqlx::query(&keys_sql), databases)
            .fetch_all(&mut *conn)
            .await
            .map_err(err("listing keys from information_schema.KEY_COLUMN_USAGE"))?;
        let mut constraints: BTreeMap<(usize, String), Constraint> = BTreeMap::new();
        for row in &rows {
            let read = err("reading information_schema.KEY_COLUMN_USAGE");
            let key = (text(row, 0).map_err(read)?, text(row, 1).map_err(read)?);
            let Some(&i) = index.get(&key) else { continue };
            let name = text(row, 2).map_err(read)?;
            let kind = text(row, 3).map_err(read)?;
            let column = text(row, 4).map_err(read)?;
            let constraint = constraints.entry((i, name)).or_insert_with(|| Constraint {
                kind,
                columns: Vec::new(),
                referenced: None,
                referenced_columns: Vec::new(),
            });
            constraint.columns.push(column);
            let ref_db = opt_text(row, 5).map_err(read)?;
            let ref_table = opt_text(row, 6).map_err(read)?;
            if let (Some(ref_db), Some(ref_table)) = (ref_db, ref_table) {
                constraint.referenced = Some(qualify(&ref_db, &ref_table));
            }
            if let Some(ref_column) = opt_text(row, 7).map_err(read)? {
                constraint.referenced_columns.push(ref_column);
            }
        }
        // BTreeMap order gives constraints sorted by name within each table.
        for ((i, name), constraint) in constraints {
            let table = &mut tables[i];
            match constraint.kind.as_str() {
                "PRIMARY KEY" => table.primary_key = constraint.columns,
                "UNIQUE" => table.unique_keys.push(UniqueKey {
                    name: Some(name),
                    columns: constraint.columns,
                }),
                "FOREIGN KEY" => {
                    let Some(referenced) = constraint.referenced else {
                        continue;
                    };
                    table.foreign_keys.push(ForeignKey {
                        name: Some(name),
                        columns: constraint.columns,
                        references: TableRef {
                            table: referenced,
                            columns: constraint.referenced_columns,
                        },
                        inferred: false,
                    });
                }
                _ => {}
            }
        }
    }

    tables.sort_by(|a, b| a.name.cmp(&b.name));

    let mut diagnostics = Vec::new();
    if databases.len() > 1 || tables.is_empty() {
        for db in databases {
            if !found_databases.contains(db) {
                diagnostics.push(
                    Diagnostic::warning(
                        "live-no-tables",
                        format!(
                            "no tables found in database `{db}` of {}",
                            target.redacted
                        ),
                    )
                    .with_help(
                        "check the database name (it is case-sensitive on most servers) and that the user can see its tables",
                    ),
                );
            }
        }
    }

    respell_key_columns(&mut tables);
    Ok(LiveSchema {
        schema: Schema {
            dialect: Dialect::Mysql,
            tables,
        },
        diagnostics,
    })
}

/// Key column lists in the spelling of the columns they name. Column names
/// compare without case, and the catalog keeps a key's list as the
/// statement wrote it when the key was added with key checks off; static
/// replay writes the columns' own spelling, and so does this.
fn respell_key_columns(tables: &mut [crate::model::Table]) {
    let columns: std::collections::HashMap<String, Vec<String>> = tables
        .iter()
        .map(|t| {
            let names = t.columns.iter().map(|c| c.name.clone()).collect();
            (t.name.clone(), names)
        })
        .collect();
    let respell = |names: &mut [String], spelled: &[String]| {
        for name in names {
            if let Some(s) = spelled.iter().find(|c| c.eq_ignore_ascii_case(name)) {
                name.clone_from(s);
            }
        }
    };
    for table in tables.iter_mut() {
        let Some(own) = columns.get(&table.name) else {
            continue;
        };
        respell(&mut table.primary_key, own);
        for unique in &mut table.unique_keys {
            respell(&mut unique.columns, own);
        }
        for fk in &mut table.foreign_keys {
            respell(&mut fk.columns, own);
            if let Some(target) = columns.get(&fk.references.table) {
                respell(&mut fk.references.columns, target);
            }
        }
    }
}

/// A key constraint being assembled from its KEY_COLUMN_USAGE rows.
struct Constraint {
    kind: String,
    columns: Vec<String>,
    referenced: Option<String>,
    referenced_columns: Vec<String>,
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments>,
    values: &'q [String],
) -> sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments> {
    for value in values {
        query = query.bind(value.as_str());
    }
    query
}

/// A text column that must be present.
fn text(row: &MySqlRow, index: usize) -> Result<String, sqlx::Error> {
    opt_text(row, index)?.ok_or_else(|| sqlx::Error::ColumnDecode {
        index: index.to_string(),
        source: "unexpected NULL in information_schema".into(),
    })
}

/// Reads a text column whatever the server typed it as: MariaDB and some
/// MySQL versions return information_schema columns as BLOB/VARBINARY with a
/// binary collation, which sqlx refuses to decode as `String`.
fn opt_text(row: &MySqlRow, index: usize) -> Result<Option<String>, sqlx::Error> {
    match row.try_get::<Option<String>, _>(index) {
        Ok(value) => Ok(value),
        Err(_) => row
            .try_get::<Option<Vec<u8>>, _>(index)
            .map(|bytes| bytes.map(|b| String::from_utf8_lossy(&b).into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(schemas: &[&str]) -> LiveOptions {
        LiveOptions {
            schemas: schemas.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn url_database_is_bare() {
        assert_eq!(
            scope(Some("shop".into()), &opts(&[])),
            (vec!["shop".to_string()], Some("shop".to_string()))
        );
        assert_eq!(
            scope(Some("shop".into()), &opts(&["shop", "billing"])),
            (
                vec!["shop".to_string(), "billing".to_string()],
                Some("shop".to_string())
            )
        );
    }

    #[test]
    fn single_requested_database_is_bare_without_url_database() {
        assert_eq!(
            scope(None, &opts(&["billing"])),
            (vec!["billing".to_string()], Some("billing".to_string()))
        );
        assert_eq!(scope(None, &opts(&["a", "b"])).1, None);
        assert!(scope(None, &opts(&[])).0.is_empty());
    }
}
