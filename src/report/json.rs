//! The JSON report: the stable, versioned contract documented in the README.

use super::AnalyzeReport;
use crate::model::{Diagnostic, Schema};
use serde::Serialize;

/// Bumped on any change that could break a consumer.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: u32,
    schema: &'a Schema,
    sources: Sources<'a>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct Sources<'a> {
    used: &'a [String],
    skipped: &'a [String],
}

pub fn render(report: &AnalyzeReport<'_>) -> String {
    let loaded = report.loaded;
    let json = JsonReport {
        format_version: FORMAT_VERSION,
        schema: &loaded.schema,
        sources: Sources {
            used: &loaded.used,
            skipped: &loaded.skipped,
        },
        diagnostics: &loaded.diagnostics,
    };
    let mut text =
        serde_json::to_string_pretty(&json).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
