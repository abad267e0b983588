//! Everything that reads the monolith's schema: SQL files, migration
//! folders, SSDT projects, diesel `schema.rs`, live databases.

pub mod dev_url;
pub mod diesel_schema;
pub mod discover;
pub mod live;
pub mod migrations;
pub mod read;
pub mod rust;
pub mod sql;

use crate::model::{Codebase, Diagnostic, Dialect, Schema, Severity};
use discover::{SchemaSource, SourceKind};
use rayon::prelude::*;
use rust::gate::{CloseOnDrop, SchemaGate};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where to read the schema from.
#[derive(Debug, Clone, Default)]
pub struct SchemaRequest {
    /// The monolith's checkout; discovery starts here.
    pub root: PathBuf,
    /// Explicit `--schema` files or folders (discovery is skipped for them).
    pub schema_paths: Vec<PathBuf>,
    pub database_url: Option<String>,
    pub db_schemas: Vec<String>,
    pub dialect: Option<Dialect>,
}

/// The schema, the diagnostics, and what was read.
#[derive(Debug)]
pub struct LoadedSchema {
    pub schema: Schema,
    pub diagnostics: Vec<Diagnostic>,
    /// One line per source used, e.g. `migrations (diesel migrations, 12 files)`.
    pub used: Vec<String>,
    /// Sources found but not used, with why.
    pub skipped: Vec<String>,
}

/// Why no schema could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0} does not exist")]
    MissingPath(String),
    #[error("no schema found under {0}: no migration folder, .sql file or diesel schema.rs")]
    NothingFound(String),
    #[error("no table could be read from {0}")]
    NoTables(String, Vec<Diagnostic>),
    #[error(transparent)]
    Live(#[from] anyhow::Error),
}

impl LoadError {
    pub fn help(&self) -> &'static str {
        match self {
            LoadError::MissingPath(_) => {
                "check the path, or run carve from the monolith's checkout"
            }
            LoadError::NothingFound(_) => {
                "name the schema with --schema FILE|DIR or --database-url URL"
            }
            LoadError::NoTables(..) => {
                "see the diagnostics above; --dialect may help if detection went wrong"
            }
            LoadError::Live(_) => {
                "check the URL, that the server runs and that the user may read its catalog"
            }
        }
    }
}

/// A path to print: relative to `root` when under it.
fn shown(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Loads the schema as requested.
pub fn load_schema(request: &SchemaRequest) -> Result<LoadedSchema, LoadError> {
    if let Some(url) = &request.database_url {
        let options = live::LiveOptions {
            schemas: request.db_schemas.clone(),
        };
        let live = live::introspect(url, &options)?;
        return Ok(LoadedSchema {
            used: vec![format!("live database {}", live::redact_url(url))],
            schema: live.schema,
            diagnostics: live.diagnostics,
            skipped: Vec::new(),
        });
    }
    let found = find_candidates(request)?;
    let root = found.root();
    load_sources(
        found.candidates,
        request.dialect,
        root,
        found.explicit,
        &found.where_,
    )
}

/// The candidate sources of a request, before one dialect is chosen.
struct Candidates<'a> {
    candidates: Vec<SchemaSource>,
    explicit: bool,
    request_root: &'a Path,
    where_: String,
}

impl<'a> Candidates<'a> {
    /// What printed paths are relative to.
    fn root(&self) -> &'a Path {
        if self.explicit {
            Path::new("")
        } else {
            self.request_root
        }
    }
}

fn find_candidates(request: &SchemaRequest) -> Result<Candidates<'_>, LoadError> {
    let explicit = !request.schema_paths.is_empty();
    let mut candidates = Vec::new();
    if explicit {
        for path in &request.schema_paths {
            if !path.exists() {
                return Err(LoadError::MissingPath(path.display().to_string()));
            }
            if path.is_dir() {
                candidates.extend(discover::find_sources(path));
            } else {
                let is_rust = path.extension().is_some_and(|e| e == "rs");
                let kind = if is_rust {
                    SourceKind::DieselSchema
                } else {
                    SourceKind::SqlFiles
                };
                candidates.push(SchemaSource {
                    kind,
                    root: path.clone(),
                    files: vec![path.clone()],
                });
            }
        }
    } else {
        if !request.root.exists() {
            return Err(LoadError::MissingPath(request.root.display().to_string()));
        }
        if request.root.is_file() {
            candidates.push(SchemaSource {
                kind: SourceKind::SqlFiles,
                root: request.root.clone(),
                files: vec![request.root.clone()],
            });
        } else {
            candidates = discover::find_sources(&request.root);
        }
    }
    let where_ = if explicit {
        request
            .schema_paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        request.root.display().to_string()
    };
    if candidates.is_empty() {
        return Err(LoadError::NothingFound(where_));
    }
    Ok(Candidates {
        candidates,
        explicit,
        request_root: request.root.as_path(),
        where_,
    })
}

/// Loads the schema and, when `code_root` is given, reads the Rust code
/// under it, both at once: files are parsed while the schema loads (see
/// [`rust::gate`]). The code's diagnostics follow the schema's.
pub fn load_monolith(
    request: &SchemaRequest,
    code_root: Option<&Path>,
) -> Result<(LoadedSchema, Option<Codebase>), LoadError> {
    let Some(code_root) = code_root else {
        return load_schema(request).map(|loaded| (loaded, None));
    };
    // Relative roots like `.` are made absolute so every path the code
    // reader builds has a parent; reported paths stay relative to it.
    let code_root = std::path::absolute(code_root).unwrap_or_else(|_| code_root.to_path_buf());
    let gate = SchemaGate::pending();
    let (loaded, code) = std::thread::scope(|scope| {
        let loader = scope.spawn(|| {
            let _close = CloseOnDrop(&gate);
            let loaded = load_schema(request);
            if let Ok(loaded) = &loaded {
                gate.open(&loaded.schema);
            }
            loaded
        });
        let code = rust::read_codebase_while(&code_root, &gate);
        (loader.join(), code)
    });
    let mut loaded = match loaded {
        Ok(loaded) => loaded?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let code = code.map(|(code, diagnostics)| {
        loaded.diagnostics.extend(diagnostics);
        code
    });
    Ok((loaded, code))
}

/// A file read for ingestion.
struct ReadFile {
    path: PathBuf,
    shown: String,
    text: Option<String>,
    diagnostics: Vec<Diagnostic>,
}

fn read_all(sources: &[SchemaSource], root: &Path) -> Vec<ReadFile> {
    let paths: Vec<&PathBuf> = sources.iter().flat_map(|s| s.files.iter()).collect();
    paths
        .par_iter()
        .map(|path| {
            let shown = shown(path, root);
            match read::read_text(path, &shown) {
                Ok(read) => ReadFile {
                    path: (*path).clone(),
                    shown,
                    text: Some(read.text),
                    diagnostics: read.warnings,
                },
                Err(d) => ReadFile {
                    path: (*path).clone(),
                    shown,
                    text: None,
                    diagnostics: vec![d],
                },
            }
        })
        .collect()
}

fn load_sources(
    candidates: Vec<SchemaSource>,
    dialect: Option<Dialect>,
    root: &Path,
    explicit: bool,
    where_: &str,
) -> Result<LoadedSchema, LoadError> {
    let files = read_all(&candidates, root);
    // Migration folders hold hundreds of files: look them up by path rather
    // than by scanning the list for each (the first read of a path wins).
    let mut by_path: HashMap<&Path, &ReadFile> = HashMap::with_capacity(files.len());
    for file in &files {
        by_path.entry(file.path.as_path()).or_insert(file);
    }
    let text_of = |path: &PathBuf| by_path.get(path.as_path()).copied();
    let dialect_of = |source: &SchemaSource| source_dialect(source, root, &by_path);
    let (discovery, chosen) = if explicit {
        let everything = discover::Discovery {
            used: candidates,
            skipped: Vec::new(),
        };
        (everything, dialect)
    } else {
        discover::choose(candidates, dialect, dialect_of)
    };
    let mut diagnostics = Vec::new();
    let mut sql_sources = Vec::new();
    let mut diesel_parts = Vec::new();
    for source in &discovery.used {
        for path in &source.files {
            let Some(file) = text_of(path) else { continue };
            diagnostics.extend(file.diagnostics.iter().cloned());
            let Some(text) = &file.text else { continue };
            if source.kind == SourceKind::DieselSchema {
                match diesel_schema::parse(text, &file.shown) {
                    Ok(parsed) => diesel_parts.push(parsed),
                    Err(d) => diagnostics.push(d),
                }
            } else {
                sql_sources.push(sql::SqlSource {
                    path: file.shown.clone(),
                    text: text.clone(),
                });
            }
        }
    }
    let (schema, more) = if sql_sources.is_empty() {
        diesel_schema::to_schema(diesel_parts, chosen.unwrap_or(Dialect::Postgres))
    } else {
        let ingested = sql::ingest_sources(sql_sources, chosen);
        (ingested.schema, ingested.diagnostics)
    };
    diagnostics.extend(more);
    let used = discovery
        .used
        .iter()
        .map(|s| describe_source(s, root))
        .collect();
    let skipped = discovery
        .skipped
        .iter()
        .map(|(s, why)| format!("{}: {why}", describe_source(s, root)))
        .collect();
    if schema.tables.is_empty() {
        return Err(LoadError::NoTables(where_.to_string(), diagnostics));
    }
    diagnostics.sort_by(|a, b| (a.severity, &a.file, a.line).cmp(&(b.severity, &b.file, b.line)));
    Ok(LoadedSchema {
        schema,
        diagnostics,
        used,
        skipped,
    })
}

/// The dialect a source's files and path vote for.
fn source_dialect(
    source: &SchemaSource,
    root: &Path,
    by_path: &HashMap<&Path, &ReadFile>,
) -> Dialect {
    let mut votes = sql::dialect::DialectVotes::default();
    votes.add_path_hint(&shown(&source.root, root));
    for file in &source.files {
        if let Some(text) = by_path.get(file.as_path()).and_then(|f| f.text.as_deref()) {
            votes.add_text(text);
        }
    }
    votes.winner().0
}

/// One SQL file static replay reads, in replay order.
#[derive(Debug, Clone)]
pub struct ReplayFile {
    /// The path as reports print it (relative to the analyzed root).
    pub shown: String,
    pub text: String,
}

/// The SQL files static replay would read for a request, in the order it
/// reads them, with the sources they come from.
#[derive(Debug, Default)]
pub struct ReplayPlan {
    /// The dialect the files are read as.
    pub dialect: Option<Dialect>,
    pub files: Vec<ReplayFile>,
    /// The sources used, described as in [`LoadedSchema::used`], each with
    /// the dialect its files vote for (`None` for a diesel `schema.rs`).
    pub used: Vec<(String, Option<Dialect>)>,
    /// Sources set aside, with why.
    pub skipped: Vec<String>,
    /// Read problems (encoding, unreadable files).
    pub diagnostics: Vec<Diagnostic>,
}

/// Which SQL files static replay reads for `request`, and in what order:
/// the same discovery and dialect choice as [`load_schema`], without the
/// replay itself. A live `database_url` is ignored.
pub fn replay_plan(request: &SchemaRequest) -> Result<ReplayPlan, LoadError> {
    let found = find_candidates(request)?;
    let root = found.root();
    let files = read_all(&found.candidates, root);
    let mut by_path: HashMap<&Path, &ReadFile> = HashMap::with_capacity(files.len());
    for file in &files {
        by_path.entry(file.path.as_path()).or_insert(file);
    }
    let dialect_of = |source: &SchemaSource| source_dialect(source, root, &by_path);
    let (discovery, chosen) = if found.explicit {
        let everything = discover::Discovery {
            used: found.candidates.clone(),
            skipped: Vec::new(),
        };
        (everything, request.dialect)
    } else {
        discover::choose(found.candidates.clone(), request.dialect, dialect_of)
    };
    let mut plan = ReplayPlan {
        dialect: chosen,
        ..ReplayPlan::default()
    };
    for source in &discovery.used {
        let is_sql = source.kind != SourceKind::DieselSchema;
        let dialect = is_sql.then(|| source_dialect(source, root, &by_path));
        plan.used.push((describe_source(source, root), dialect));
        for path in &source.files {
            let Some(file) = by_path.get(path.as_path()) else {
                continue;
            };
            plan.diagnostics.extend(file.diagnostics.iter().cloned());
            if let (true, Some(text)) = (is_sql, &file.text) {
                plan.files.push(ReplayFile {
                    shown: file.shown.clone(),
                    text: text.clone(),
                });
            }
        }
    }
    for (source, why) in &discovery.skipped {
        let dialect = (source.kind != SourceKind::DieselSchema)
            .then(|| source_dialect(source, root, &by_path));
        let written = dialect.map_or(String::new(), |d| format!(" [{d}]"));
        plan.skipped
            .push(format!("{}{written}: {why}", describe_source(source, root)));
    }
    Ok(plan)
}

fn describe_source(source: &SchemaSource, root: &Path) -> String {
    let n = source.files.len();
    let files = if n == 1 {
        "1 file".to_string()
    } else {
        format!("{n} files")
    };
    format!(
        "{} ({}, {files})",
        shown(&source.root, root),
        source.kind.describe()
    )
}

/// How many diagnostics of each severity.
pub fn count_by_severity(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    (errors, warnings)
}
