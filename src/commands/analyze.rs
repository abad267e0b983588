//! `carve analyze`: read the schema and report it.

use crate::cli::{AnalyzeArgs, Format};
use crate::exit::ExitStatus;
use crate::ingest::{load_schema, LoadError, SchemaRequest};
use crate::printer::Printer;
use crate::report::{self, AnalyzeReport};

pub fn run(args: &AnalyzeArgs, printer: &Printer) -> ExitStatus {
    let request = SchemaRequest {
        root: args.path.clone(),
        schema_paths: args.schema.clone(),
        database_url: args.database_url.clone(),
        db_schemas: args.db_schema.clone(),
        dialect: args.dialect.map(Into::into),
    };
    let loaded = match load_schema(&request) {
        Ok(loaded) => loaded,
        Err(error) => {
            if let LoadError::NoTables(_, diagnostics) = &error {
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
            let message = match &error {
                LoadError::Live(e) => format!("{e:#}"),
                other => other.to_string(),
            };
            printer.error(&message, Some(error.help()));
            return ExitStatus::Error;
        }
    };
    let report = AnalyzeReport {
        loaded: &loaded,
        codebase: None,
        proposal: None,
        agreement: None,
        signals: None,
    };
    let text = match args.format {
        Format::Human => report::human::render(&report, printer.color),
        Format::Json => report::json::render(&report),
        Format::Markdown => report::markdown::render(&report),
        Format::Dot => report::dot::render(&report),
        Format::Mermaid => report::mermaid::render(&report),
    };
    printer.result(&text);
    ExitStatus::Success
}

fn severity_label(d: &crate::model::Diagnostic) -> &'static str {
    match d.severity {
        crate::model::Severity::Error => "error",
        crate::model::Severity::Warning => "warning",
        crate::model::Severity::Info => "info",
    }
}
