//! Which tables a SQL string reads and writes: the targets of INSERT,
//! UPDATE, DELETE, MERGE and TRUNCATE are writes; every other relation
//! (FROM, JOIN, subqueries, CTE bodies, INSERT … SELECT sources, UPDATE …
//! FROM, DELETE … USING) is a read. CTE names, aliases and table functions
//! are not tables.

use crate::ingest::sql::from_ast::fold_ident;
use crate::model::{AccessMode, Dialect};
use rustc_hash::{FxHashMap, FxHashSet};
use sqlparser::ast::{
    FromTable, ObjectName, ObjectNamePart, Query, Statement, TableFactor, TableObject,
    TableWithJoins, Visit, Visitor,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// The identifier that stands in for `format!` placeholders; it is never
/// reported as a table.
pub const PLACEHOLDER: &str = "carve_placeholder";

/// The tables `sql` touches, each with how, sorted and deduplicated; empty
/// when the text does not parse. Names are folded the way the database
/// folds them (unquoted parts in lower case) and joined with `.`.
pub fn tables_in_sql(sql: &str, dialect: Dialect) -> Vec<(String, AccessMode)> {
    let parsed = Parser::parse_sql(crate::ingest::sql::dialect::sqlparser_dialect(dialect), sql)
        .or_else(|_| Parser::parse_sql(&GenericDialect {}, sql));
    let Ok(statements) = parsed else {
        return Vec::new();
    };
    let mut found = BTreeSet::new();
    for statement in &statements {
        statement_tables(statement, &mut found);
    }
    found.into_iter().collect()
}

/// Whether `text` starts like a statement that reads or writes data; a
/// cheap filter before the parser sees it.
pub fn looks_like_sql(text: &str) -> bool {
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
    let word: String = trimmed
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(9)
        .collect::<String>()
        .to_ascii_lowercase();
    let rest = &trimmed[word.len().min(trimmed.len())..];
    matches!(
        word.as_str(),
        "select" | "insert" | "update" | "delete" | "with" | "merge" | "replace" | "truncate"
    ) && rest.starts_with(char::is_whitespace)
}

/// A `format!` template as SQL: `{}`/`{name}`/`{0:?}` become a dummy
/// identifier, `{{`/`}}` become braces.
pub fn template_to_sql(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                for inner in chars.by_ref() {
                    if inner == '}' {
                        break;
                    }
                }
                out.push_str(PLACEHOLDER);
            }
            _ => out.push(c),
        }
    }
    out
}

fn name_of(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => fold_ident(ident),
            ObjectNamePart::Function(f) => f.name.value.to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The write targets of one statement, as pointers to the names in the
/// tree (so the visitor can tell them from reads of the same table).
fn write_targets(statement: &Statement) -> Vec<&ObjectName> {
    fn relation(t: &TableWithJoins) -> Option<&ObjectName> {
        match &t.relation {
            TableFactor::Table { name, .. } => Some(name),
            _ => None,
        }
    }
    match statement {
        Statement::Insert(insert) => match &insert.table {
            TableObject::TableName(name) => vec![name],
            _ => Vec::new(),
        },
        Statement::Update(update) => relation(&update.table).into_iter().collect(),
        Statement::Delete(delete) => {
            if !delete.tables.is_empty() {
                delete.tables.iter().collect()
            } else {
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &delete.from;
                from.iter().filter_map(relation).collect()
            }
        }
        Statement::Merge(merge) => match &merge.table {
            TableFactor::Table { name, .. } => vec![name],
            _ => Vec::new(),
        },
        Statement::Truncate(truncate) => truncate.table_names.iter().map(|t| &t.name).collect(),
        _ => Vec::new(),
    }
}

#[derive(Default)]
struct Relations {
    /// Names that are not tables: write targets (counted apart) and table
    /// functions such as `generate_series(…)`.
    skip: FxHashSet<*const ObjectName>,
    ctes: FxHashSet<String>,
    aliases: FxHashMap<String, String>,
    reads: Vec<String>,
    writes: Vec<String>,
}

impl Visitor for Relations {
    type Break = ();

    // Data-modifying statements also nest inside queries (`WITH x AS
    // (DELETE …) INSERT …`), so targets are taken wherever a statement starts.
    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        for target in write_targets(statement) {
            self.skip.insert(target as *const ObjectName);
            self.writes.push(name_of(target));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(fold_ident(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name, alias, args, ..
        } = factor
        {
            if args.is_some() {
                self.skip.insert(name as *const ObjectName);
            } else if let Some(alias) = alias {
                self.aliases.insert(fold_ident(&alias.name), name_of(name));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        if !self.skip.contains(&(relation as *const ObjectName)) {
            self.reads.push(name_of(relation));
        }
        ControlFlow::Continue(())
    }
}

fn statement_tables(statement: &Statement, found: &mut BTreeSet<(String, AccessMode)>) {
    if !matches!(
        statement,
        Statement::Query(_)
            | Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
            | Statement::Truncate(_)
    ) {
        // DDL and the rest name tables without reading or writing rows.
        return;
    }
    let mut relations = Relations::default();
    let _ = statement.visit(&mut relations);
    let is_table =
        |name: &str| name != PLACEHOLDER && !name.is_empty() && !relations.ctes.contains(name);
    for name in &relations.writes {
        // `UPDATE o … FROM orders o`, `DELETE o FROM orders o`: the target is an alias.
        let name = relations.aliases.get(name).unwrap_or(name);
        if is_table(name) {
            found.insert((name.clone(), AccessMode::Write));
        }
    }
    for name in &relations.reads {
        if is_table(name) {
            found.insert((name.clone(), AccessMode::Read));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccessMode::{Read, Write};

    fn pg(sql: &str) -> Vec<(String, AccessMode)> {
        tables_in_sql(sql, Dialect::Postgres)
    }

    fn list(items: &[(&str, AccessMode)]) -> Vec<(String, AccessMode)> {
        let mut v: Vec<_> = items.iter().map(|(n, m)| (n.to_string(), *m)).collect();
        v.sort();
        v
    }

    #[test]
    fn select_reads_from_and_joins() {
        assert_eq!(
            pg("SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id LEFT JOIN tags ON true"),
            list(&[("posts", Read), ("tags", Read), ("users", Read)])
        );
    }

    #[test]
    fn writes_are_the_targets() {
        assert_eq!(
            pg("INSERT INTO posts (title) VALUES ($1) RETURNING id"),
            list(&[("posts", Write)])
        );
        assert_eq!(
            pg("UPDATE posts SET title = $1 WHERE id = $2"),
            list(&[("posts", Write)])
        );
        assert_eq!(
            pg("DELETE FROM sessions WHERE expires < now()"),
            list(&[("sessions", Write)])
        );
        assert_eq!(
            tables_in_sql("TRUNCATE TABLE audit_log", Dialect::Postgres),
            list(&[("audit_log", Write)])
        );
        assert_eq!(
            tables_in_sql("REPLACE INTO settings (k, v) VALUES (?, ?)", Dialect::Mysql),
            list(&[("settings", Write)])
        );
    }

    #[test]
    fn sources_of_writes_are_reads() {
        assert_eq!(
            pg("INSERT INTO archive (id) SELECT id FROM posts WHERE old"),
            list(&[("archive", Write), ("posts", Read)])
        );
        assert_eq!(
            pg("UPDATE orders SET total = s.sum FROM order_sums s WHERE s.id = orders.id"),
            list(&[("order_sums", Read), ("orders", Write)])
        );
        assert_eq!(
            pg("DELETE FROM carts USING users WHERE carts.user_id = users.id AND users.banned"),
            list(&[("carts", Write), ("users", Read)])
        );
    }

    #[test]
    fn subqueries_in_expressions_are_reads() {
        assert_eq!(
            pg(
                "SELECT * FROM posts WHERE author_id IN (SELECT id FROM users WHERE admin) \
                AND EXISTS (SELECT 1 FROM likes l WHERE l.post_id = posts.id)"
            ),
            list(&[("likes", Read), ("posts", Read), ("users", Read)])
        );
        assert_eq!(
            pg("SELECT n FROM (SELECT count(*) AS n FROM comments) AS c"),
            list(&[("comments", Read)])
        );
    }

    #[test]
    fn cte_names_are_not_tables_but_their_bodies_are_read() {
        assert_eq!(
            pg(
                "WITH recent AS (SELECT * FROM posts WHERE created > now()) \
                SELECT * FROM recent JOIN users ON users.id = recent.author_id"
            ),
            list(&[("posts", Read), ("users", Read)])
        );
        assert_eq!(
            pg("WITH moved AS (DELETE FROM inbox WHERE read RETURNING *) \
                INSERT INTO archive SELECT * FROM moved"),
            list(&[("archive", Write), ("inbox", Write)])
        );
    }

    #[test]
    fn aliases_resolve_to_their_tables() {
        assert_eq!(
            tables_in_sql(
                "UPDATE o SET o.total = 0 FROM orders o JOIN customers c ON c.id = o.customer_id",
                Dialect::Mssql
            ),
            list(&[("customers", Read), ("orders", Read), ("orders", Write)])
        );
        assert_eq!(
            tables_in_sql(
                "DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.gone",
                Dialect::Mysql
            ),
            list(&[("customers", Read), ("orders", Read), ("orders", Write)])
        );
    }

    #[test]
    fn table_functions_are_not_tables() {
        assert_eq!(
            pg("SELECT * FROM generate_series(1, 10) AS g(n) JOIN posts ON posts.id = g.n"),
            list(&[("posts", Read)])
        );
        assert_eq!(
            pg("INSERT INTO tags (name) SELECT * FROM unnest($1::text[])"),
            list(&[("tags", Write)])
        );
        assert_eq!(
            pg("SELECT * FROM users u, LATERAL (SELECT * FROM posts p WHERE p.author_id = u.id) x"),
            list(&[("posts", Read), ("users", Read)])
        );
        assert_eq!(
            pg("SELECT * FROM json_to_recordset($1) AS x(a int, b text)"),
            Vec::new()
        );
    }

    #[test]
    fn merge_writes_its_target_and_reads_its_source() {
        assert_eq!(
            tables_in_sql(
                "MERGE INTO stock s USING deliveries d ON s.item = d.item \
                 WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty \
                 WHEN NOT MATCHED THEN INSERT (item, qty) VALUES (d.item, d.qty)",
                Dialect::Mssql
            ),
            list(&[("deliveries", Read), ("stock", Write)])
        );
    }

    #[test]
    fn qualified_and_quoted_names_keep_their_parts() {
        assert_eq!(
            pg(r#"SELECT * FROM sales.orders JOIN "Audit"."Log" ON true"#),
            list(&[("Audit.Log", Read), ("sales.orders", Read)])
        );
    }

    #[test]
    fn placeholders_of_every_driver_parse() {
        assert_eq!(
            tables_in_sql("SELECT * FROM users WHERE id = ?", Dialect::Mysql),
            list(&[("users", Read)])
        );
        assert_eq!(
            tables_in_sql("SELECT * FROM users WHERE id = ?1", Dialect::Sqlite),
            list(&[("users", Read)])
        );
        assert_eq!(
            pg("SELECT * FROM users WHERE id = $1"),
            list(&[("users", Read)])
        );
    }

    #[test]
    fn non_sql_and_ddl_give_nothing() {
        assert!(pg("delete the user when asked").is_empty());
        assert!(pg("CREATE TABLE t (id int)").is_empty());
        assert!(pg("not sql at all").is_empty());
    }

    #[test]
    fn format_templates_become_sql() {
        let sql = template_to_sql("SELECT * FROM {table} WHERE id = {} AND x = '{{a}}'");
        assert_eq!(
            sql,
            format!("SELECT * FROM {PLACEHOLDER} WHERE id = {PLACEHOLDER} AND x = '{{a}}'")
        );
        assert!(pg(&sql).is_empty(), "the placeholder is never a table");
        assert_eq!(
            pg(&template_to_sql("SELECT * FROM posts WHERE id IN ({ids})")),
            list(&[("posts", Read)])
        );
    }

    #[test]
    fn recognizes_statement_starts() {
        assert!(looks_like_sql("  SELECT 1"));
        assert!(looks_like_sql("\n(select * from t)"));
        assert!(looks_like_sql("WITH x AS (SELECT 1) SELECT * FROM x"));
        assert!(!looks_like_sql("selection of items"));
        assert!(!looks_like_sql("update"));
        assert!(!looks_like_sql("CREATE TABLE t (id int)"));
    }
}
