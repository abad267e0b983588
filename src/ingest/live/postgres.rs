//! PostgreSQL introspection through pg_catalog.
//!
//! pg_catalog rather than information_schema because the latter hides tables
//! the connecting role does not own privileges on, has no notion of
//! partitions, and loses the key order of multi-column foreign keys. Needs
//! PostgreSQL 11 or newer (`pg_constraint.conparentid`).

use super::{LiveOptions, LiveSchema, Target};
use crate::model::{Column, Diagnostic, Dialect, ForeignKey, Schema, Table, TableRef, UniqueKey};
use anyhow::Result;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Connection, Row};
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

/// Ordinary and partitioned tables in user schemas. Tables that belong to an
/// extension (PostGIS's `spatial_ref_sys`, …) are left out: they are not part
/// of the application's model and its DDL never declares them. The parent is
/// the first `pg_inherits` entry, which covers both declarative partitions
/// and `INHERITS` children.
const TABLES_SQL: &str = r#"
SELECT c.oid::int8 AS oid,
       n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       parent.schema_name AS parent_schema,
       parent.table_name AS parent_table
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT pn.nspname::text AS schema_name, p.relname::text AS table_name
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
    JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
    WHERE i.inhrelid = c.oid
    ORDER BY i.inhseqno
    LIMIT 1
) parent ON true
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp%'
  AND (cardinality($1::text[]) = 0 OR n.nspname::text = ANY($1::text[]))
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::regclass
        AND d.objid = c.oid
        AND d.deptype = 'e'
  )
"#;

const COLUMNS_SQL: &str = r#"
SELECT a.attrelid::int8 AS rel,
       a.attname::text AS column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       a.attnotnull AS not_null
FROM pg_catalog.pg_attribute a
WHERE a.attrelid::int8 = ANY($1::int8[])
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"#;

/// Primary keys, unique constraints and foreign keys, with their columns in
/// key order (`unnest ... WITH ORDINALITY` keeps the conkey/confkey order).
///
/// A foreign key that points at a partitioned table is cloned by PostgreSQL
/// once per partition of the referenced table, on the same referencing table;
/// those clones are an implementation detail and are skipped. Clones made on
/// the partitions of a referencing partitioned table are real constraints of
/// those partitions and are kept, as are primary keys cloned onto partitions.
const CONSTRAINTS_SQL: &str = r#"
SELECT con.conrelid::int8 AS rel,
       con.conname::text AS constraint_name,
       con.contype::text AS kind,
       ARRAY(
           SELECT a.attname::text
           FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_catalog.pg_attribute a
             ON a.attrelid = con.conrelid AND a.attnum = k.attnum
           ORDER BY k.ord
       ) AS columns,
       fn.nspname::text AS ref_schema,
       fc.relname::text AS ref_table,
       ARRAY(
           SELECT a.attname::text
           FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_catalog.pg_attribute a
             ON a.attrelid = con.confrelid AND a.attnum = k.attnum
           ORDER BY k.ord
       ) AS ref_columns
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'u', 'f')
  AND con.conrelid::int8 = ANY($1::int8[])
  AND NOT (
      con.contype = 'f'
      AND con.conparentid <> 0
      AND EXISTS (
          SELECT 1 FROM pg_catalog.pg_constraint pc
          WHERE pc.oid = con.conparentid AND pc.conrelid = con.conrelid
      )
  )
ORDER BY con.conrelid, con.conname
"#;

/// Schemas that exist, to tell "no such schema" from "schema with no tables".
const SCHEMAS_SQL: &str = r#"
SELECT nspname::text AS schema_name
FROM pg_catalog.pg_namespace
WHERE nspname::text = ANY($1::text[])
"#;

/// Connects to `target` and reads its tables.
pub(crate) async fn introspect(target: &Target, options: &LiveOptions) -> Result<LiveSchema> {
    let connect_options = PgConnectOptions::from_str(&target.url)
        .map_err(|e| target.db_error("invalid PostgreSQL URL", e))?;
    let mut conn = target
        .connect(PgConnection::connect_with(&connect_options))
        .await?;
    let result = read_schema(&mut conn, target, options).await;
    // Closing politely is best effort: the schema is already read.
    let _ = conn.close().await;
    result
}

async fn read_schema(
    conn: &mut PgConnection,
    target: &Target,
    options: &LiveOptions,
) -> Result<LiveSchema> {
    let err = |doing: &'static str| move |e: sqlx::Error| target.db_error(doing, e);

    let table_rows = sqlx::query(TABLES_SQL)
        .bind(&options.schemas)
        .fetch_all(&mut *conn)
        .await
        .map_err(err("listing tables from pg_class"))?;

    let mut tables: Vec<Table> = Vec::with_capacity(table_rows.len());
    let mut by_oid: HashMap<i64, usize> = HashMap::new();
    let mut found_schemas: BTreeSet<String> = BTreeSet::new();
    for row in &table_rows {
        let oid: i64 = row.try_get("oid").map_err(err("reading pg_class"))?;
        let schema: String = row
            .try_get("schema_name")
            .map_err(err("reading pg_class"))?;
        let name: String = row.try_get("table_name").map_err(err("reading pg_class"))?;
        let parent_schema: Option<String> = row
            .try_get("parent_schema")
            .map_err(err("reading pg_inherits"))?;
        let parent_table: Option<String> = row
            .try_get("parent_table")
            .map_err(err("reading pg_inherits"))?;
        let partition_of = match (parent_schema, parent_table) {
            (Some(s), Some(t)) => Some(qualify(&s, &t)),
            _ => None,
        };
        by_oid.insert(oid, tables.len());
        tables.push(Table {
            name: qualify(&schema, &name),
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            unique_keys: Vec::new(),
            partition_of,
            source: None,
        });
        found_schemas.insert(schema);
    }
    let oids: Vec<i64> = by_oid.keys().copied().collect();

    if !oids.is_empty() {
        let column_rows = sqlx::query(COLUMNS_SQL)
            .bind(&oids)
            .fetch_all(&mut *conn)
            .await
            .map_err(err("listing columns from pg_attribute"))?;
        for row in &column_rows {
            let Some(table) = table_for(row, &by_oid, &mut tables, target)? else {
                continue;
            };
            let not_null: bool = row
                .try_get("not_null")
                .map_err(err("reading pg_attribute"))?;
            table.columns.push(Column {
                name: row
                    .try_get("column_name")
                    .map_err(err("reading pg_attribute"))?,
                data_type: row
                    .try_get("data_type")
                    .map_err(err("reading pg_attribute"))?,
                nullable: !not_null,
            });
        }

        let constraint_rows = sqlx::query(CONSTRAINTS_SQL)
            .bind(&oids)
            .fetch_all(&mut *conn)
            .await
            .map_err(err("listing constraints from pg_constraint"))?;
        for row in &constraint_rows {
            let Some(table) = table_for(row, &by_oid, &mut tables, target)? else {
                continue;
            };
            let read = err("reading pg_constraint");
            let name: String = row.try_get("constraint_name").map_err(read)?;
            let kind: String = row.try_get("kind").map_err(read)?;
            let columns: Vec<String> = row.try_get("columns").map_err(read)?;
            match kind.as_str() {
                "p" => table.primary_key = columns,
                "u" => table.unique_keys.push(UniqueKey {
                    name: Some(name),
                    columns,
                }),
                "f" => {
                    let ref_schema: Option<String> = row.try_get("ref_schema").map_err(read)?;
                    let ref_table: Option<String> = row.try_get("ref_table").map_err(read)?;
                    let ref_columns: Vec<String> = row.try_get("ref_columns").map_err(read)?;
                    let (Some(ref_schema), Some(ref_table)) = (ref_schema, ref_table) else {
                        continue;
                    };
                    table.foreign_keys.push(ForeignKey {
                        name: Some(name),
                        columns,
                        references: TableRef {
                            table: qualify(&ref_schema, &ref_table),
                            columns: ref_columns,
                        },
                        inferred: false,
                    });
                }
                _ => {}
            }
        }
    }

    for table in &mut tables {
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.unique_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));

    let mut diagnostics = Vec::new();
    if !options.schemas.is_empty() {
        let existing: BTreeSet<String> = sqlx::query(SCHEMAS_SQL)
            .bind(&options.schemas)
            .fetch_all(&mut *conn)
            .await
            .map_err(err("listing schemas from pg_namespace"))?
            .iter()
            .map(|row| row.try_get::<String, _>("schema_name"))
            .collect::<Result<_, _>>()
            .map_err(err("reading pg_namespace"))?;
        for wanted in &options.schemas {
            if !existing.contains(wanted) {
                diagnostics.push(
                    Diagnostic::warning(
                        "live-schema-missing",
                        format!("schema `{wanted}` does not exist in {}", target.redacted),
                    )
                    .with_help("schema names are case-sensitive in the catalog; unquoted names are stored in lower case"),
                );
            } else if !found_schemas.contains(wanted) {
                diagnostics.push(Diagnostic::info(
                    "live-schema-empty",
                    format!("schema `{wanted}` has no tables"),
                ));
            }
        }
    }
    if tables.is_empty() {
        diagnostics.push(no_tables(target, options));
    }

    Ok(LiveSchema {
        schema: Schema {
            dialect: Dialect::Postgres,
            tables,
        },
        diagnostics,
    })
}

/// The table a catalog row belongs to; `None` for a relation that appeared
/// between two queries (concurrent DDL), which is skipped.
fn table_for<'a>(
    row: &PgRow,
    by_oid: &HashMap<i64, usize>,
    tables: &'a mut [Table],
    target: &Target,
) -> Result<Option<&'a mut Table>> {
    let rel: i64 = row
        .try_get("rel")
        .map_err(|e| target.db_error("reading catalog row", e))?;
    Ok(by_oid.get(&rel).map(|&i| &mut tables[i]))
}

fn no_tables(target: &Target, options: &LiveOptions) -> Diagnostic {
    let scope = if options.schemas.is_empty() {
        "any user schema".to_string()
    } else {
        format!("schema(s) {}", options.schemas.join(", "))
    };
    Diagnostic::warning(
        "live-no-tables",
        format!("no tables found in {scope} of {}", target.redacted),
    )
    .with_help("check the database name in the URL and that the role can see the tables")
}

/// `schema.table`, or bare in PostgreSQL's default schema, exactly as static
/// ingestion names tables.
fn qualify(schema: &str, name: &str) -> String {
    if Some(schema) == Dialect::Postgres.default_schema() {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::qualify;

    #[test]
    fn public_tables_are_bare() {
        assert_eq!(qualify("public", "orders"), "orders");
        assert_eq!(qualify("sales", "orders"), "sales.orders");
        assert_eq!(qualify("Public", "orders"), "Public.orders");
    }
}
