//! Mermaid: the services and the dependencies between them, in extraction
//! order, to paste into a Markdown document that renders diagrams.

use super::{graph_id, AnalyzeReport};
use std::fmt::Write;

pub fn render(report: &AnalyzeReport<'_>) -> String {
    let mut out = String::from("flowchart LR\n");
    let Some(proposal) = report.proposal else {
        // Schema only: tables and their foreign keys.
        for table in &report.loaded.schema.tables {
            let _ = writeln!(out, "  {}[\"{}\"]", graph_id(&table.name), table.name);
        }
        for table in &report.loaded.schema.tables {
            for fk in &table.foreign_keys {
                let _ = writeln!(
                    out,
                    "  {} --> {}",
                    graph_id(&table.name),
                    graph_id(&fk.references.table)
                );
            }
        }
        return out;
    };
    for step in &proposal.order {
        let service = proposal.services.iter().find(|s| s.name == step.service);
        let tables = service.map_or(0, |s| s.tables.len());
        let _ = writeln!(
            out,
            "  {}[\"{}. {}<br/>{} tables\"]",
            graph_id(&step.service),
            step.step,
            step.service,
            tables
        );
    }
    for step in &proposal.order {
        for dependency in &step.depends_on {
            let _ = writeln!(
                out,
                "  {} --> {}",
                graph_id(&step.service),
                graph_id(dependency)
            );
        }
    }
    out
}
