//! `carve analyze`: read the schema and the code, propose services (or take
//! them from a reviewed plan with `--plan`), report.

use super::monolith::{self, Planned};
use crate::analysis::{self, Algorithm, AnalysisOptions, Signal};
use crate::cli::{AlgorithmArg, AnalyzeArgs, Format};
use crate::exit::ExitStatus;
use crate::ingest::{self, LoadError, LoadedSchema, SchemaRequest};
use crate::model::{Agreement, Codebase, Diagnostic, Proposal, Severity};
use crate::plan::check::check;
use crate::plan::load::parse_plan;
use crate::plan::proposal::plan_proposal;
use crate::plan::todo::{crossings_of, render_todo, todo_path};
use crate::plan::write::{relative_root, render_plan, staying_modules, MonolithInfo};
use crate::printer::Printer;
use crate::report::{self, AnalyzeReport};
use std::path::{Path, PathBuf};

/// `analyze`'s arguments, resolved once.
struct Settings {
    request: SchemaRequest,
    /// Where to read Rust code from; `None` skips code and proposal.
    code_root: Option<PathBuf>,
    propose: bool,
    options: AnalysisOptions,
    truth: Option<PathBuf>,
    write_plan: Option<PathBuf>,
    force: bool,
    format: Format,
}

fn settings(args: &AnalyzeArgs) -> Result<Settings, String> {
    let explicit_schema = !args.schema.is_empty() || args.database_url.is_some();
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let signals = Signal::parse_list(&args.signals).map_err(|e| e.to_string())?;
    let code_root = match (&args.path, explicit_schema, args.schema_only) {
        (_, _, true) => None,
        (Some(path), _, _) => Some(path.clone()),
        (None, false, _) => Some(root.clone()),
        (None, true, _) => None,
    };
    Ok(Settings {
        request: SchemaRequest {
            root,
            schema_paths: args.schema.clone(),
            database_url: args.database_url.clone(),
            db_schemas: args.db_schema.clone(),
            dialect: args.dialect.map(Into::into),
        },
        code_root,
        propose: !args.schema_only,
        options: AnalysisOptions {
            signals,
            services: args.services,
            algorithm: match args.algorithm {
                AlgorithmArg::Leiden => Algorithm::Leiden,
                AlgorithmArg::Louvain => Algorithm::Louvain,
            },
            exclude: args.exclude.clone(),
        },
        truth: args.truth.clone(),
        write_plan: args.write_plan.clone(),
        force: args.force,
        format: args.format,
    })
}

pub fn run(args: &AnalyzeArgs, printer: &Printer) -> ExitStatus {
    if let Some(plan) = &args.plan {
        return run_plan(plan, args, printer);
    }
    let settings = match settings(args) {
        Ok(s) => s,
        Err(message) => {
            printer.error(&message, Some("see `carve analyze --help`"));
            return ExitStatus::Error;
        }
    };
    let read = match &args.dev_url {
        Some(url) => load_with_dev_url(url, &settings, printer),
        None => ingest::load_monolith(&settings.request, settings.code_root.as_deref())
            .map_err(|error| report_load_error(&error, printer)),
    };
    let (loaded, codebase) = match read {
        Ok(read) => read,
        Err(status) => return status,
    };
    let empty = Codebase::default();
    let proposal = settings.propose.then(|| {
        analysis::propose(
            &loaded.schema,
            codebase.as_ref().unwrap_or(&empty),
            &settings.options,
        )
    });
    let agreement = match (&settings.truth, &proposal) {
        (Some(path), Some(proposal)) => match truth_agreement(path, proposal, printer) {
            Ok(agreement) => Some(agreement),
            Err(status) => return status,
        },
        _ => None,
    };
    if let (Some(path), Some(proposal)) = (&settings.write_plan, &proposal) {
        let code = codebase.as_ref().unwrap_or(&empty);
        if let Err(message) = write_plan(
            path,
            settings.force,
            proposal,
            &loaded,
            &settings.request,
            code,
            &settings.options.exclude,
        ) {
            printer.error(
                &message,
                Some("pass --force to replace it, or pick another file"),
            );
            return ExitStatus::Error;
        }
        printer.note(&format!(
            "wrote the plan to {} and today's crossings to {}",
            path.display(),
            todo_path(path).display()
        ));
    }
    let signals = settings.propose.then(|| {
        settings
            .options
            .signals
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(",")
    });
    let report = AnalyzeReport {
        loaded: &loaded,
        codebase: codebase.as_ref(),
        proposal: proposal.as_ref(),
        agreement: agreement.as_ref(),
        signals,
    };
    let text = render(&report, settings.format, printer);
    printer.result(&text);
    crate::memory::discard((loaded, codebase, proposal, agreement, text));
    ExitStatus::Success
}

/// `analyze --dev-url`: the schema from replaying the migrations on a
/// scratch database of a real server, compared with static replay; then
/// the code, read against that schema.
fn load_with_dev_url(
    url: &str,
    settings: &Settings,
    printer: &Printer,
) -> Result<(LoadedSchema, Option<Codebase>), ExitStatus> {
    let run = match ingest::dev_url::load(url, &settings.request) {
        Ok(run) => run,
        Err(ingest::dev_url::DevError::Load(error)) => {
            return Err(report_load_error(&error, printer))
        }
        Err(error) => {
            printer.error(&error.to_string(), Some(error.help()));
            return Err(ExitStatus::Error);
        }
    };
    printer.note(&run.summary);
    let mut loaded = run.loaded;
    let codebase = settings.code_root.as_deref().map(|root| {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let (code, diagnostics) = ingest::rust::read_codebase(&root, &loaded.schema);
        loaded.diagnostics.extend(diagnostics);
        code
    });
    Ok((loaded, codebase))
}

/// `analyze --plan`: the services as the reviewed plan places them, in any
/// format. The plan and the monolith load and validate as for `carve check`.
fn run_plan(plan_path: &Path, args: &AnalyzeArgs, printer: &Printer) -> ExitStatus {
    let Planned { loaded, monolith } = match monolith::load_planned(plan_path, args.path.as_deref())
    {
        Ok(planned) => planned,
        Err(failure) => {
            failure.report(printer);
            return ExitStatus::Error;
        }
    };
    let proposal = plan_proposal(&loaded.plan, &monolith.schema.schema, &monolith.code);
    let agreement = match &args.truth {
        Some(path) => match truth_agreement(path, &proposal, printer) {
            Ok(agreement) => Some(agreement),
            Err(status) => return status,
        },
        None => None,
    };
    let report = AnalyzeReport {
        loaded: &monolith.schema,
        codebase: Some(&monolith.code),
        proposal: Some(&proposal),
        agreement: agreement.as_ref(),
        signals: None,
    };
    let text = render(&report, args.format, printer);
    printer.result(&text);
    crate::memory::discard((loaded, monolith, proposal, agreement, text));
    ExitStatus::Success
}

/// How far `proposal` agrees with the grouping in the truth file at `path`.
fn truth_agreement(
    path: &Path,
    proposal: &Proposal,
    printer: &Printer,
) -> Result<Agreement, ExitStatus> {
    match analysis::read_truth(path) {
        Ok(truth) => Ok(analysis::agreement(proposal, &truth)),
        Err(error) => {
            printer.error(
                &error.to_string(),
                Some("the truth file is CSV `table,group` or TOML `[groups]`"),
            );
            Err(ExitStatus::Error)
        }
    }
}

fn render(report: &AnalyzeReport, format: Format, printer: &Printer) -> String {
    match format {
        Format::Human => report::human::render(report, printer.color),
        Format::Json => report::json::render(report),
        Format::Markdown => report::markdown::render(report),
        Format::Dot => report::dot::render(report),
        Format::Mermaid => report::mermaid::render(report),
        Format::Html => report::html::render(report),
    }
}

fn report_load_error(error: &LoadError, printer: &Printer) -> ExitStatus {
    if let LoadError::NoTables(_, diagnostics) = error {
        for d in diagnostics.iter().take(10) {
            let at = match (&d.file, d.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                (Some(f), None) => format!("{f}: "),
                _ => String::new(),
            };
            printer.note(&format!(
                "{}[{}] {at}{}",
                severity_label(d),
                d.code,
                d.message
            ));
        }
    }
    let message = match error {
        LoadError::Live(e) => format!("{e:#}"),
        other => other.to_string(),
    };
    printer.error(&message, Some(error.help()));
    ExitStatus::Error
}

/// Saves the proposal as a plan, never clobbering without `--force` and
/// never leaving a half-written file; beside it, the todo file lists the
/// crossings the code makes under that plan today.
fn write_plan(
    path: &Path,
    force: bool,
    proposal: &Proposal,
    loaded: &LoadedSchema,
    request: &SchemaRequest,
    code: &Codebase,
    exclude: &[String],
) -> Result<(), String> {
    if path.exists() && !force {
        return Err(format!("{} already exists", path.display()));
    }
    let root = request
        .root
        .canonicalize()
        .unwrap_or_else(|_| request.root.clone());
    let name = root
        .file_name()
        .map_or("monolith".to_string(), |n| n.to_string_lossy().to_string());
    let info = MonolithInfo {
        name: heck::ToKebabCase::to_kebab_case(name.as_str()),
        root: relative_root(path, &request.root),
        schema: loaded
            .used
            .iter()
            .map(|u| u.split(" (").next().unwrap_or(u).to_string())
            .collect(),
        dialect: loaded.schema.dialect,
        modules: staying_modules(proposal, code),
        exclude: exclude.to_vec(),
    };
    let text = render_plan(proposal, &info);
    let plan = parse_plan(&text, &path.display().to_string())
        .map_err(|e| format!("the proposed plan does not parse: {e}"))?;
    let todo = render_todo(&crossings_of(&check(&plan.plan, &loaded.schema, code)));
    let todo_file = todo_path(path);
    crate::fsutil::write_atomically(path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    crate::fsutil::write_atomically(&todo_file, todo.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", todo_file.display()))
}

fn severity_label(d: &Diagnostic) -> &'static str {
    match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}
