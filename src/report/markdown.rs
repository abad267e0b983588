//! Markdown: a report to paste into a design document, with a Mermaid
//! diagram of the services and the order to extract them in.

use super::cycles::{cycle_groups, describe_cuts};
use super::AnalyzeReport;
use std::fmt::Write;

pub fn render(report: &AnalyzeReport<'_>) -> String {
    let schema = &report.loaded.schema;
    let mut out = String::new();
    let _ = writeln!(out, "# Proposed service decomposition\n");
    let _ = write!(
        out,
        "Schema: {} tables and {} foreign keys ({}), read from {}.",
        schema.tables.len(),
        schema.foreign_key_count(),
        schema.dialect,
        report.loaded.used.join(", ")
    );
    if let Some(code) = report.codebase {
        let accesses: usize = code.modules.iter().map(|m| m.accesses.len()).sum();
        let _ = write!(
            out,
            " Code: {} modules in {} crates, {accesses} table accesses.",
            code.modules.len(),
            code.crates.len()
        );
    }
    out.push_str("\n\n");
    let Some(proposal) = report.proposal else {
        out.push_str("No proposal: only the schema was analyzed.\n");
        return out;
    };
    if let Some(signals) = &report.signals {
        let _ = writeln!(out, "Signals: `{signals}`.\n");
    }

    out.push_str("## Extraction order\n\n```mermaid\n");
    out.push_str(&super::mermaid::render(report));
    out.push_str("```\n\n");
    for step in &proposal.order {
        let _ = writeln!(out, "{}. **{}** — {}", step.step, step.service, step.reason);
    }
    for group in cycle_groups(&proposal.cycles) {
        let _ = writeln!(
            out,
            "\n> Cycle between {}: cut {}, each the weakest still closing a cycle, for instance by \
             replacing those reads with events or an API call.",
            group.services.join(", "),
            describe_cuts(&group.cuts, "`")
        );
    }

    out.push_str(
        "\n## Services\n\n| Service | Tables | Modules | Reads from |\n|---|---|---|---|\n",
    );
    for service in &proposal.services {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            service.name,
            code_list(&service.tables),
            code_list(&service.modules),
            if service.reads_from.is_empty() {
                "—".to_string()
            } else {
                service.reads_from.join(", ")
            }
        );
    }
    for service in &proposal.services {
        let _ = writeln!(out, "\n### {}\n\n{}", service.name, service.rationale);
        let reasons: Vec<_> = proposal
            .explanations
            .iter()
            .filter(|e| e.service == service.name)
            .collect();
        if !reasons.is_empty() {
            out.push('\n');
            for e in reasons {
                let _ = writeln!(out, "- {} `{}`: {}", e.kind, e.name, e.evidence);
            }
        }
    }

    if !proposal.shared_tables.is_empty() {
        out.push_str("\n## Shared tables\n\n| Table | Owner | Why |\n|---|---|---|\n");
        for shared in &proposal.shared_tables {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                shared.table, shared.owner, shared.reason
            );
        }
    }

    if !proposal.unplaced_tables.is_empty() {
        out.push_str("\n## Tables no service gets\n\n| Table | Why | Detail |\n|---|---|---|\n");
        for unplaced in &proposal.unplaced_tables {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                unplaced.table,
                unplaced.reason.label(),
                unplaced.detail
            );
        }
    }

    let m = &proposal.metrics;
    out.push_str("\n## Metrics\n\n| Metric | Value |\n|---|---|\n");
    let _ = writeln!(out, "| Modularity | {:.3} |", m.modularity);
    let _ = writeln!(
        out,
        "| Cross-service foreign keys | {} |",
        m.cross_service_foreign_keys
    );
    let _ = writeln!(
        out,
        "| Cross-service accesses | {} |",
        m.cross_service_accesses
    );
    let _ = writeln!(out, "| ICP | {:.3} |", m.icp);
    let _ = writeln!(out, "| IFN | {:.3} |", m.ifn);
    let _ = writeln!(out, "| NED | {:.3} |", m.ned);
    if let Some(a) = report.agreement {
        let _ = writeln!(
            out,
            "\nAgainst the given grouping: ARI {:.3}, AMI {:.3}, MoJoFM {:.1}.",
            a.ari, a.ami, a.mojofm
        );
    }
    out
}

fn code_list(items: &[String]) -> String {
    if items.is_empty() {
        return "—".to_string();
    }
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
