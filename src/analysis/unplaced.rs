//! Tables no service should get: the history tables of migration tools,
//! tables the plan excludes, and orphans (nothing links or touches them).
//!
//! The first two are set aside before the analysis sees the schema, so they
//! neither become services nor pull tables together. Orphans are found by
//! the analysis itself (see [`super::propose`]): a table without any key,
//! code access or name that would place it.

use crate::model::{Schema, UnplacedReason, UnplacedTable};
use std::collections::BTreeSet;

/// The history and lock tables migration tools create in the database they
/// manage, by bare table name, with the tools that create them. Names are
/// compared without case: some tools quote mixed-case names, dumps and
/// other dialects may fold them.
const BOOKKEEPING: &[(&str, &str)] = &[
    ("__diesel_schema_migrations", "diesel"),
    ("_sqlx_migrations", "sqlx"),
    ("refinery_schema_history", "refinery"),
    ("flyway_schema_history", "Flyway"),
    ("schema_migrations", "golang-migrate, dbmate or Rails"),
    ("ar_internal_metadata", "Rails"),
    ("seaql_migrations", "SeaORM"),
    ("databasechangelog", "Liquibase"),
    ("databasechangeloglock", "Liquibase"),
    ("alembic_version", "Alembic"),
    ("django_migrations", "Django"),
    ("knex_migrations", "Knex"),
    ("knex_migrations_lock", "Knex"),
    ("_prisma_migrations", "Prisma"),
    ("__efmigrationshistory", "Entity Framework"),
    ("goose_db_version", "goose"),
    ("atlas_schema_revisions", "Atlas"),
    ("sequelizemeta", "Sequelize"),
    ("phinxlog", "Phinx"),
    ("doctrine_migration_versions", "Doctrine Migrations"),
];

/// The tool whose bookkeeping table `table` (`schema.table` or bare) is.
pub fn bookkeeping_tool(table: &str) -> Option<&'static str> {
    let bare = table.rsplit_once('.').map_or(table, |(_, t)| t);
    BOOKKEEPING
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(bare))
        .map(|&(_, tool)| tool)
}

/// Whether `table` matches an exclusion pattern: `*` stands for any run of
/// characters, `?` for one. A pattern without a `.` also matches the bare
/// name of a table in a schema (`audit_*` matches `ops.audit_log`).
pub fn excluded_by<'p, P: std::borrow::Borrow<str>>(
    table: &str,
    patterns: &'p [P],
) -> Option<&'p str> {
    let bare = table.rsplit_once('.').map_or(table, |(_, t)| t);
    patterns
        .iter()
        .map(|p| p.borrow())
        .find(|p| glob_match(p, table) || (!p.contains('.') && glob_match(p, bare)))
}

/// Glob matching with `*` and `?` over characters, iterative with one
/// backtracking point, so it stays linear-ish on any input.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The tables set aside before the analysis: bookkeeping tables, then the
/// ones `exclude` names, sorted by table.
pub(crate) fn set_aside(schema: &Schema, exclude: &[String]) -> Vec<UnplacedTable> {
    let mut out: Vec<UnplacedTable> = schema
        .tables
        .iter()
        .filter_map(|table| {
            if let Some(pattern) = excluded_by(&table.name, exclude) {
                return Some(UnplacedTable {
                    table: table.name.clone(),
                    reason: UnplacedReason::Excluded,
                    detail: format!("matches `{pattern}` in monolith.exclude"),
                });
            }
            bookkeeping_tool(&table.name).map(|tool| UnplacedTable {
                table: table.name.clone(),
                reason: UnplacedReason::Bookkeeping,
                detail: format!("migration history of {tool}"),
            })
        })
        .collect();
    out.sort_by(|a, b| a.table.cmp(&b.table));
    out
}

/// The schema without `removed`, and without the foreign keys pointing at
/// them (a key to a table set aside links nothing the analysis places).
pub(crate) fn without(schema: &Schema, removed: &BTreeSet<String>) -> Schema {
    let tables = schema
        .tables
        .iter()
        .filter(|t| !removed.contains(t.name.as_str()))
        .map(|t| {
            let mut table = t.clone();
            table
                .foreign_keys
                .retain(|fk| !removed.contains(fk.references.table.as_str()));
            if table
                .partition_of
                .as_deref()
                .is_some_and(|p| removed.contains(p))
            {
                table.partition_of = None;
            }
            table
        })
        .collect();
    Schema {
        dialect: schema.dialect,
        tables,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("audit_*", "audit_log"));
        assert!(glob_match("*_archive", "orders_archive"));
        assert!(glob_match("tmp_??", "tmp_01"));
        assert!(!glob_match("tmp_??", "tmp_001"));
        assert!(!glob_match("audit_*", "my_audit_log"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn bare_patterns_match_tables_in_schemas() {
        let patterns = vec!["audit_*".to_string(), "ops.jobs".to_string()];
        assert_eq!(excluded_by("ops.audit_log", &patterns), Some("audit_*"));
        assert_eq!(excluded_by("ops.jobs", &patterns), Some("ops.jobs"));
        assert_eq!(excluded_by("jobs", &patterns), None);
    }

    #[test]
    fn bookkeeping_tables_are_known_by_any_case_and_schema() {
        assert_eq!(bookkeeping_tool("_sqlx_migrations"), Some("sqlx"));
        assert_eq!(
            bookkeeping_tool("dbo.__EFMigrationsHistory"),
            Some("Entity Framework")
        );
        assert_eq!(bookkeeping_tool("migrations"), None);
    }
}
