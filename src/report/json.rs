//! The JSON report: the stable, versioned contract documented in the README.

use super::AnalyzeReport;
use crate::model::{
    Agreement, Cycle, Diagnostic, Explanation, Metrics, Module, Schema, Service, SharedTable, Step,
    UnplacedTable,
};
use serde::Serialize;

/// Bumped on any change that could break a consumer.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: u32,
    schema: &'a Schema,
    sources: Sources<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signals: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    modules: Option<&'a [Module]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    services: Option<&'a [Service]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shared_tables: Option<&'a [SharedTable]>,
    /// Tables no service gets: bookkeeping, excluded, orphans.
    #[serde(skip_serializing_if = "Option::is_none")]
    unplaced_tables: Option<&'a [UnplacedTable]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<&'a [Step]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cycles: Option<&'a [Cycle]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<&'a Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agreement: Option<&'a Agreement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanations: Option<&'a [Explanation]>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct Sources<'a> {
    used: &'a [String],
    skipped: &'a [String],
}

pub fn render(report: &AnalyzeReport<'_>) -> String {
    let loaded = report.loaded;
    let proposal = report.proposal;
    let json = JsonReport {
        format_version: FORMAT_VERSION,
        schema: &loaded.schema,
        sources: Sources {
            used: &loaded.used,
            skipped: &loaded.skipped,
        },
        signals: report.signals.as_deref(),
        modules: report.codebase.map(|c| c.modules.as_slice()),
        services: proposal.map(|p| p.services.as_slice()),
        shared_tables: proposal.map(|p| p.shared_tables.as_slice()),
        unplaced_tables: proposal
            .map(|p| p.unplaced_tables.as_slice())
            .filter(|u| !u.is_empty()),
        order: proposal.map(|p| p.order.as_slice()),
        cycles: proposal.map(|p| p.cycles.as_slice()),
        metrics: proposal.map(|p| &p.metrics),
        agreement: report.agreement,
        explanations: proposal.map(|p| p.explanations.as_slice()),
        diagnostics: &loaded.diagnostics,
    };
    let mut text =
        serde_json::to_string_pretty(&json).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
