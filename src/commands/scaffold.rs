//! `carve scaffold`: the plan (or one ad-hoc service) resolved against the
//! monolith's schema, rendered into every artifact, written under `--out`.
//! Exit 2 for a bad plan, name, template or a write that would clobber.

use super::monolith::{self, Planned};
use crate::cli::{ScaffoldArgs, ScaffoldCommand, ScaffoldOutput, ScaffoldServiceArgs};
use crate::exit::ExitStatus;
use crate::ingest::{load_schema, SchemaRequest};
use crate::plan::dependencies::{dependency_pairs, plan_dependencies};
use crate::plan::validate::service_name_problem;
use crate::printer::Printer;
use crate::scaffold::render_all;
use crate::scaffold::spec::{ScaffoldSpec, ServiceSpec};
use crate::scaffold::templates::Templates;
use crate::scaffold::writer::{write_files, WriteOptions, WriteReport};
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub fn run(args: &ScaffoldArgs, printer: &Printer) -> ExitStatus {
    let (spec, output) = match &args.command {
        Some(ScaffoldCommand::Service(service)) => (ad_hoc_spec(service), &service.output),
        None => (plan_spec(args), &args.output),
    };
    match spec {
        Ok(spec) => generate(&spec, output, printer),
        Err((message, help)) => {
            printer.error(&message, help.as_deref());
            ExitStatus::Error
        }
    }
}

/// A message and what to do about it.
type Failure = (String, Option<String>);

fn plan_spec(args: &ScaffoldArgs) -> Result<ScaffoldSpec, Failure> {
    let Planned { loaded, monolith } = monolith::load_planned(&args.plan, args.path.as_deref())
        .map_err(|f| (f.problems.join("\n"), Some(f.help.to_string())))?;
    let schema = &monolith.schema.schema;
    let dependencies = dependency_pairs(&plan_dependencies(&loaded.plan, schema, &monolith.code));
    ScaffoldSpec::from_plan(&loaded.plan, schema, &dependencies).map_err(|e| {
        (
            format!("{}: {e}", loaded.file),
            Some("fix the plan, then scaffold again".into()),
        )
    })
}

fn ad_hoc_spec(args: &ScaffoldServiceArgs) -> Result<ScaffoldSpec, Failure> {
    if let Some(problem) = service_name_problem(&args.name) {
        return Err((
            problem,
            Some("pick a name like `orders` or `order-history`".into()),
        ));
    }
    let explicit = !args.schema.is_empty() || args.database_url.is_some();
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let request = SchemaRequest {
        root: root.clone(),
        schema_paths: args.schema.clone(),
        database_url: args.database_url.clone(),
        db_schemas: Vec::new(),
        dialect: args.dialect.map(Into::into),
    };
    let loaded = load_schema(&request).map_err(|e| (e.to_string(), Some(e.help().to_string())))?;
    let tables: Vec<String> = args
        .tables
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let service = ServiceSpec::new(&args.name, 1, &tables, &loaded.schema).map_err(|e| {
        (
            e.to_string(),
            Some(
                "`carve analyze --schema-only` lists the tables by the names scaffold expects"
                    .into(),
            ),
        )
    })?;
    let name = monolith_name(&root, explicit);
    let mut spec =
        ScaffoldSpec::ad_hoc(&name, &loaded.schema, service).map_err(|e| (e.to_string(), None))?;
    if let Some(database) = database_name(args)? {
        spec.monolith.database.name = database;
    }
    Ok(spec)
}

/// The monolith's database: `--database-name`, else the one `--database-url`
/// names; `None` keeps the default (the monolith's name).
fn database_name(args: &ScaffoldServiceArgs) -> Result<Option<String>, Failure> {
    if let Some(name) = &args.database_name {
        let name = name.trim();
        if name.is_empty() {
            return Err((
                "--database-name is empty".into(),
                Some("name the monolith's database, e.g. --database-name shop".into()),
            ));
        }
        return Ok(Some(name.to_string()));
    }
    let from_url = args
        .database_url
        .as_deref()
        .and_then(|url| url::Url::parse(url).ok())
        .map(|url| url.path().trim_start_matches('/').to_string())
        .filter(|name| !name.is_empty());
    Ok(from_url)
}

/// The monolith's name from its checkout's directory, `monolith` otherwise.
fn monolith_name(root: &Path, explicit_schema: bool) -> String {
    let from_dir = std::path::absolute(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .filter(|n| !explicit_schema && !n.is_empty());
    from_dir.unwrap_or_else(|| "monolith".to_string())
}

fn generate(spec: &ScaffoldSpec, output: &ScaffoldOutput, printer: &Printer) -> ExitStatus {
    let Some(out) = &output.out else {
        printer.error(
            "--out DIR is required",
            Some("name the directory to write into"),
        );
        return ExitStatus::Error;
    };
    let templates = match Templates::load(output.templates.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            printer.error(&e.to_string(), Some("fix the template override"));
            return ExitStatus::Error;
        }
    };
    let files = match render_all(spec, &templates) {
        Ok(files) => files,
        Err(e) => {
            printer.error(
                &e.to_string(),
                Some("fix the template or the plan, then scaffold again"),
            );
            return ExitStatus::Error;
        }
    };
    let options = WriteOptions {
        force: output.force,
        dry_run: output.dry_run,
    };
    match write_files(out, &files, options) {
        Ok(report) => {
            printer.result(&summary(&report, out, output.dry_run));
            ExitStatus::Success
        }
        Err(e) => {
            printer.error(&e.to_string(), Some(e.help()));
            ExitStatus::Error
        }
    }
}

fn summary(report: &WriteReport, out: &Path, dry_run: bool) -> String {
    let mut text = String::new();
    if dry_run {
        let _ = writeln!(text, "Dry run: nothing written to {}.", out.display());
        for (label, paths) in [
            ("create", &report.created),
            ("change", &report.changed),
            ("unchanged", &report.unchanged),
        ] {
            for path in paths {
                let _ = writeln!(text, "  {label:<9} {path}");
            }
        }
    }
    let verb = if dry_run { "would be " } else { "" };
    let _ = writeln!(
        text,
        "{} {verb}created, {} {verb}changed, {} unchanged in {}",
        report.created.len(),
        report.changed.len(),
        report.unchanged.len(),
        out.display()
    );
    text
}
