//! Loading the monolith a plan speaks of: its root (where the plan says,
//! relative to the plan), its schema (relative to the root) and its code.

use crate::ingest::{self, LoadedSchema, SchemaRequest};
use crate::model::{Codebase, Dialect};
use crate::plan::load::{load_plan, LoadedPlan, PlanError};
use crate::plan::model::Plan;
use crate::plan::validate::{validate, PlanContext};
use crate::plan::write::plan_dir;
use crate::printer::Printer;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub(crate) struct Monolith {
    pub schema: LoadedSchema,
    pub code: Codebase,
}

impl Monolith {
    /// The schema's table names, which a plan's tables must be among.
    pub(crate) fn table_names(&self) -> BTreeSet<String> {
        self.schema
            .schema
            .tables
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// The code's module names, which a plan's modules must be among.
    pub(crate) fn module_names(&self) -> BTreeSet<String> {
        self.code.modules.iter().map(|m| m.name.clone()).collect()
    }
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

/// The checkout: PATH when given, else the plan's `monolith.root`
/// (relative to the plan's directory), else the plan's directory. A root
/// that does not exist is an error at its line in the plan.
pub(crate) fn root_for(
    path: Option<&Path>,
    plan_path: &Path,
    plan: Option<&LoadedPlan>,
) -> Result<PathBuf, PlanError> {
    if let Some(p) = path {
        return Ok(p.to_path_buf());
    }
    let dir = plan_dir(plan_path);
    let Some(root) = plan.and_then(|p| p.plan.monolith.root.as_ref().map(|r| (p, r))) else {
        return Ok(dir);
    };
    let (loaded, root) = root;
    let resolved = dir.join(root.get_ref());
    if resolved.is_dir() {
        return Ok(resolved);
    }
    Err(loaded.error_at(
        root.span(),
        format!(
            "monolith.root = {:?} resolves to {}, which is not a directory; \
             set it to the monolith's checkout, relative to the plan's directory",
            root.get_ref(),
            std::path::absolute(&resolved)
                .unwrap_or_else(|_| resolved.clone())
                .display()
        ),
    ))
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
    let (schema, code) = ingest::load_monolith(&request, Some(root))?;
    Ok(Monolith {
        schema,
        code: code.unwrap_or_default(),
    })
}

/// A plan and the monolith it speaks of, checked against each other.
pub(crate) struct Planned {
    pub loaded: LoadedPlan,
    pub monolith: Monolith,
}

/// Why a plan could not be used, with what to do about it.
pub(crate) struct PlannedFailure {
    /// One line per problem.
    pub problems: Vec<String>,
    pub help: &'static str,
}

impl PlannedFailure {
    /// Prints the problems: one with its help, several followed by the help.
    pub(crate) fn report(&self, printer: &Printer) {
        match self.problems.as_slice() {
            [one] => printer.error(one, Some(self.help)),
            many => {
                for problem in many {
                    printer.error(problem, None);
                }
                printer.note(self.help);
            }
        }
    }
}

/// Loads the plan at `plan_path` and the monolith it speaks of (PATH, else
/// the plan's `monolith.root`, else the plan's directory), and checks the plan against it. Tables the plan
/// gives no owner stay in the monolith: `check` and `scaffold` accept
/// them; anything else wrong is a failure.
pub(crate) fn load_planned(
    plan_path: &Path,
    path: Option<&Path>,
) -> Result<Planned, PlannedFailure> {
    let loaded = load_plan(plan_path).map_err(|e| PlannedFailure {
        problems: vec![e.to_string()],
        help: "fix the plan, or write one with `carve analyze --write-plan carve.toml`",
    })?;
    let root = root_for(path, plan_path, Some(&loaded)).map_err(|e| PlannedFailure {
        problems: vec![e.to_string()],
        help: "fix `monolith.root` in the plan, or give the monolith's checkout as PATH",
    })?;
    let monolith = load(&root, Some(&loaded.plan)).map_err(|e| PlannedFailure {
        problems: vec![e.to_string()],
        help: e.help(),
    })?;
    let tables = monolith.table_names();
    let modules = monolith.module_names();
    let problems: Vec<String> = validate(
        &loaded,
        &PlanContext {
            tables: &tables,
            modules: Some(&modules),
            dependencies: &[],
            every_table_owned: false,
        },
    )
    .iter()
    .map(ToString::to_string)
    .collect();
    if !problems.is_empty() {
        return Err(PlannedFailure {
            problems,
            help: "the plan does not match the monolith; fix it (`carve plan` helps) and run again",
        });
    }
    Ok(Planned { loaded, monolith })
}
