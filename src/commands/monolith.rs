//! Loading the monolith a plan speaks of: its schema (where the plan says,
//! relative to the plan) and its code.

use crate::ingest::{self, load_schema, LoadedSchema, SchemaRequest};
use crate::model::{Codebase, Dialect};
use crate::plan::model::Plan;
use std::path::{Path, PathBuf};

pub(crate) struct Monolith {
    pub schema: LoadedSchema,
    pub code: Codebase,
}

fn dialect(name: &str) -> Option<Dialect> {
    match name {
        "postgres" => Some(Dialect::Postgres),
        "mysql" => Some(Dialect::Mysql),
        "sqlite" => Some(Dialect::Sqlite),
        "mssql" => Some(Dialect::Mssql),
        _ => None,
    }
}

/// The checkout: PATH when given, else the plan's directory.
pub(crate) fn root_for(path: Option<&Path>, plan_path: &Path) -> PathBuf {
    match path {
        Some(p) => p.to_path_buf(),
        None => match plan_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) => dir.to_path_buf(),
            None => PathBuf::from("."),
        },
    }
}

/// Reads schema and code. The plan's `monolith.schema` entries name the
/// schema sources relative to `root`; without them, discovery runs.
pub(crate) fn load(root: &Path, plan: Option<&Plan>) -> Result<Monolith, ingest::LoadError> {
    let schema_paths: Vec<PathBuf> = plan
        .map(|p| {
            p.monolith
                .schema
                .iter()
                .map(|s| root.join(s))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    let request = SchemaRequest {
        root: root.to_path_buf(),
        schema_paths,
        database_url: None,
        db_schemas: Vec::new(),
        dialect: plan.and_then(|p| dialect(&p.monolith.dialect)),
    };
    let mut schema = load_schema(&request)?;
    let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let (code, diagnostics) = ingest::rust::read_codebase(&absolute, &schema.schema);
    schema.diagnostics.extend(diagnostics);
    Ok(Monolith { schema, code })
}
