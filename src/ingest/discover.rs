//! Finding a monolith's schema by itself: migration folders, SSDT projects,
//! SQL dumps and diesel `schema.rs`, walking the tree the way git sees it
//! (`.gitignore` respected, build output skipped).

use super::migrations::{classify_file, diesel_folder_key, FileRole, MigrationKey};
use crate::model::Dialect;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What kind of schema source a set of files is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    DieselMigrations,
    FileMigrations,
    SsdtProject,
    SqlFiles,
    DieselSchema,
}

impl SourceKind {
    pub fn describe(self) -> &'static str {
        match self {
            SourceKind::DieselMigrations => "diesel migrations",
            SourceKind::FileMigrations => "migrations",
            SourceKind::SsdtProject => "SQL Server database project",
            SourceKind::SqlFiles => "SQL file",
            SourceKind::DieselSchema => "diesel schema.rs",
        }
    }

    /// Migrations and projects describe the schema best; loose SQL files
    /// next; a diesel `schema.rs` only when there is no SQL at all.
    fn tier(self) -> u8 {
        match self {
            SourceKind::DieselMigrations | SourceKind::FileMigrations | SourceKind::SsdtProject => {
                0
            }
            SourceKind::SqlFiles => 1,
            SourceKind::DieselSchema => 2,
        }
    }
}

/// One schema source: a folder of migrations, a project, or one file, with
/// its files in the order they apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaSource {
    pub kind: SourceKind,
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
}

/// What discovery found: the sources to use and those set aside, with why.
#[derive(Debug, Default)]
pub struct Discovery {
    pub used: Vec<SchemaSource>,
    pub skipped: Vec<(SchemaSource, String)>,
}

/// Directories never worth reading, even without a `.gitignore`.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".git", "vendor"];

/// All candidate sources under `root` (a directory).
pub fn find_sources(root: &Path) -> Vec<SchemaSource> {
    let mut sql_files: Vec<PathBuf> = Vec::new();
    let mut schema_rs: Vec<PathBuf> = Vec::new();
    let mut projects: Vec<PathBuf> = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.into_path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".sql") {
            sql_files.push(path);
        } else if name == "schema.rs" {
            schema_rs.push(path);
        } else if name.ends_with(".sqlproj") {
            projects.push(path);
        }
    }
    sql_files.sort();
    schema_rs.sort();
    projects.sort();

    let mut sources = Vec::new();
    // SSDT projects claim every .sql file below them.
    for project in &projects {
        let dir = project.parent().unwrap_or(root).to_path_buf();
        let (mine, rest): (Vec<PathBuf>, Vec<PathBuf>) =
            sql_files.into_iter().partition(|f| f.starts_with(&dir));
        sql_files = rest;
        if !mine.is_empty() {
            sources.push(SchemaSource {
                kind: SourceKind::SsdtProject,
                root: dir,
                files: order_ssdt(mine),
            });
        }
    }
    // diesel: <migrations>/<version>_<name>/up.sql
    let mut diesel: BTreeMap<PathBuf, Vec<(MigrationKey, PathBuf)>> = BTreeMap::new();
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in sql_files {
        let folder = file.parent().unwrap_or(root).to_path_buf();
        let file_name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let diesel_key = folder
            .file_name()
            .and_then(|n| diesel_folder_key(&n.to_string_lossy()));
        match (file_name.as_str(), diesel_key) {
            ("up.sql", Some(key)) => {
                let migrations = folder.parent().unwrap_or(root).to_path_buf();
                diesel.entry(migrations).or_default().push((key, file));
            }
            ("down.sql", Some(_)) => {}
            _ => by_dir.entry(folder).or_default().push(file),
        }
    }
    for (dir, mut ups) in diesel {
        ups.sort();
        sources.push(SchemaSource {
            kind: SourceKind::DieselMigrations,
            root: dir,
            files: ups.into_iter().map(|(_, f)| f).collect(),
        });
    }
    for (dir, files) in by_dir {
        let mut ups = Vec::new();
        let mut others = Vec::new();
        let mut downs = 0;
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match classify_file(&name) {
                FileRole::Up(key) => ups.push((key, file)),
                FileRole::Down => downs += 1,
                FileRole::Other => others.push(file),
            }
        }
        // A folder is a migration folder when migration names dominate it.
        if !ups.is_empty() && ups.len() + downs >= others.len() && (ups.len() >= 2 || downs > 0) {
            ups.sort();
            sources.push(SchemaSource {
                kind: SourceKind::FileMigrations,
                root: dir,
                files: ups.into_iter().map(|(_, f)| f).collect(),
            });
        } else {
            for file in ups.into_iter().map(|(_, f)| f).chain(others) {
                sources.push(SchemaSource {
                    kind: SourceKind::SqlFiles,
                    root: file.clone(),
                    files: vec![file],
                });
            }
        }
    }
    for file in schema_rs {
        sources.push(SchemaSource {
            kind: SourceKind::DieselSchema,
            root: file.clone(),
            files: vec![file],
        });
    }
    sources.sort_by(|a, b| (a.kind.tier(), &a.root).cmp(&(b.kind.tier(), &b.root)));
    sources
}

/// SSDT files: schemas (`Security/`) first, then tables, then the rest, so
/// each table's schema exists before it.
fn order_ssdt(mut files: Vec<PathBuf>) -> Vec<PathBuf> {
    files.sort_by_key(|f| {
        let s = f.to_string_lossy().to_ascii_lowercase();
        let rank = if s.contains("/security/") {
            0
        } else if s.contains("/tables/") {
            1
        } else {
            2
        };
        (rank, f.clone())
    });
    files
}

/// Chooses among candidates: the best tier present, and within it one
/// dialect (`wanted`, else the first of PostgreSQL, MySQL, SQLite, SQL
/// Server that appears). `dialect_of` tells a source's dialect.
pub fn choose(
    candidates: Vec<SchemaSource>,
    wanted: Option<Dialect>,
    dialect_of: impl Fn(&SchemaSource) -> Dialect,
) -> (Discovery, Option<Dialect>) {
    let mut discovery = Discovery::default();
    let Some(best_tier) = candidates.iter().map(|s| s.kind.tier()).min() else {
        return (discovery, wanted);
    };
    let dialects: Vec<(SchemaSource, Dialect)> = candidates
        .into_iter()
        .map(|s| {
            let d = if s.kind == SourceKind::DieselSchema {
                wanted.unwrap_or(Dialect::Postgres)
            } else {
                dialect_of(&s)
            };
            (s, d)
        })
        .collect();
    let in_tier = |s: &SchemaSource| s.kind.tier() == best_tier;
    let chosen = wanted.or_else(|| {
        [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Sqlite,
            Dialect::Mssql,
        ]
        .into_iter()
        .find(|d| dialects.iter().any(|(s, sd)| in_tier(s) && sd == d))
    });
    for (source, dialect) in dialects {
        if !in_tier(&source) {
            let reason = format!(
                "a {} is preferred",
                if best_tier == 0 {
                    "migration folder"
                } else {
                    "SQL file"
                }
            );
            discovery.skipped.push((source, reason));
        } else if Some(dialect) != chosen && source.kind != SourceKind::DieselSchema {
            let reason = format!(
                "written for {dialect}; the schema is read as {}",
                chosen.map_or("?", |d| d.name())
            );
            discovery.skipped.push((source, reason));
        } else {
            discovery.used.push(source);
        }
    }
    (discovery, chosen)
}
