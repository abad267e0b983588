//! Telling which SQL dialect a script is written in, from its text alone,
//! and mapping ours onto sqlparser's.

use crate::model::Dialect;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use sqlparser::dialect::{
    Dialect as SqlDialect, MsSqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use std::sync::OnceLock;

/// A marker and the dialect it votes for, with a weight: strong markers
/// (`ENGINE=`, a `GO` line, `$$`) outweigh common ones.
const MARKERS: &[(&str, Dialect, u32)] = &[
    ("`", Dialect::Mysql, 1),
    ("engine=", Dialect::Mysql, 20),
    ("engine =", Dialect::Mysql, 20),
    ("auto_increment", Dialect::Mysql, 10),
    ("delimiter ", Dialect::Mysql, 5),
    ("/*!4", Dialect::Mysql, 20),
    ("/*!5", Dialect::Mysql, 20),
    (" unsigned", Dialect::Mysql, 5),
    ("lock tables", Dialect::Mysql, 10),
    ("\ngo\n", Dialect::Mssql, 20),
    ("\ngo\r\n", Dialect::Mssql, 20),
    ("[dbo]", Dialect::Mssql, 20),
    ("identity(", Dialect::Mssql, 10),
    (" identity ", Dialect::Mssql, 5),
    ("nvarchar", Dialect::Mssql, 5),
    ("nonclustered", Dialect::Mssql, 10),
    ("clustered", Dialect::Mssql, 5),
    ("set ansi_nulls", Dialect::Mssql, 20),
    ("datetime2", Dialect::Mssql, 10),
    ("uniqueidentifier", Dialect::Mssql, 10),
    ("$$", Dialect::Postgres, 10),
    ("serial", Dialect::Postgres, 5),
    ("::", Dialect::Postgres, 3),
    ("\\connect", Dialect::Postgres, 20),
    ("from stdin", Dialect::Postgres, 20),
    ("create extension", Dialect::Postgres, 20),
    ("owner to", Dialect::Postgres, 10),
    ("search_path", Dialect::Postgres, 10),
    ("timestamptz", Dialect::Postgres, 10),
    ("jsonb", Dialect::Postgres, 10),
    ("pg_catalog", Dialect::Postgres, 10),
    ("plpgsql", Dialect::Postgres, 10),
    ("with time zone", Dialect::Postgres, 5),
    ("autoincrement", Dialect::Sqlite, 20),
    ("pragma ", Dialect::Sqlite, 20),
    ("without rowid", Dialect::Sqlite, 20),
    ("integer primary key", Dialect::Sqlite, 3),
];

fn matcher() -> &'static AhoCorasick {
    static MATCHER: OnceLock<AhoCorasick> = OnceLock::new();
    MATCHER.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(MARKERS.iter().map(|(m, _, _)| *m))
            .expect("the dialect markers are valid patterns")
    })
}

/// Votes per dialect; each marker counts at most a few times so a data
/// dump full of one token cannot drown the rest.
#[derive(Debug, Default, Clone)]
pub struct DialectVotes {
    scores: [u32; 4],
}

impl DialectVotes {
    pub fn add_text(&mut self, text: &str) {
        let mut seen = vec![0u32; MARKERS.len()];
        for m in matcher().find_iter(text) {
            let i = m.pattern().as_usize();
            if seen[i] < 5 {
                seen[i] += 1;
                let (_, dialect, weight) = MARKERS[i];
                self.scores[index(dialect)] += weight;
            }
        }
    }

    /// A hint from a path such as `migrations/postgresql/` or `mysql/`.
    pub fn add_path_hint(&mut self, path: &str) {
        let lower = path.to_ascii_lowercase();
        for (needle, dialect) in [
            ("postgres", Dialect::Postgres),
            ("/pg/", Dialect::Postgres),
            ("mysql", Dialect::Mysql),
            ("mariadb", Dialect::Mysql),
            ("sqlite", Dialect::Sqlite),
            ("mssql", Dialect::Mssql),
            ("sqlserver", Dialect::Mssql),
            ("sql-server", Dialect::Mssql),
            ("sql_server", Dialect::Mssql),
            (".sqlproj", Dialect::Mssql),
        ] {
            if lower.contains(needle) {
                self.scores[index(dialect)] += 50;
            }
        }
    }

    /// The winner, or PostgreSQL when nothing points anywhere (its grammar
    /// is the broadest of the four).
    pub fn winner(&self) -> (Dialect, bool) {
        let all = [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Sqlite,
            Dialect::Mssql,
        ];
        let best = all
            .iter()
            .copied()
            .max_by_key(|d| (self.scores[index(*d)], std::cmp::Reverse(index(*d))));
        match best {
            Some(d) if self.scores[index(d)] > 0 => (d, true),
            _ => (Dialect::Postgres, false),
        }
    }
}

fn index(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Postgres => 0,
        Dialect::Mysql => 1,
        Dialect::Sqlite => 2,
        Dialect::Mssql => 3,
    }
}

/// Detects the dialect of one script.
pub fn detect(text: &str) -> Dialect {
    let mut votes = DialectVotes::default();
    votes.add_text(text);
    votes.winner().0
}

/// sqlparser's dialect for ours.
pub fn sqlparser_dialect(dialect: Dialect) -> &'static dyn SqlDialect {
    match dialect {
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::Mysql => &MySqlDialect {},
        Dialect::Sqlite => &SQLiteDialect {},
        Dialect::Mssql => &MsSqlDialect {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_dialect_from_its_markers() {
        assert_eq!(
            detect("CREATE TABLE `a` (id int) ENGINE=InnoDB;"),
            Dialect::Mysql
        );
        assert_eq!(
            detect("CREATE TABLE [dbo].[a] (id int IDENTITY(1,1))\nGO\n"),
            Dialect::Mssql
        );
        assert_eq!(
            detect("CREATE FUNCTION f() RETURNS int AS $$ select 1 $$ LANGUAGE sql;"),
            Dialect::Postgres
        );
        assert_eq!(
            detect("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);"),
            Dialect::Sqlite
        );
        assert_eq!(detect("CREATE TABLE a (id int);"), Dialect::Postgres);
    }

    #[test]
    fn a_path_hint_outweighs_weak_markers() {
        let mut votes = DialectVotes::default();
        votes.add_text("CREATE TABLE a (id integer primary key);");
        votes.add_path_hint("migrations/mysql/2020_init/up.sql");
        assert_eq!(votes.winner(), (Dialect::Mysql, true));
    }
}
