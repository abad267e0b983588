//! The human report: a compact summary for a terminal.

use super::cycles::{cycle_groups, describe_cuts};
use super::AnalyzeReport;
use crate::model::{Diagnostic, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How many tables and diagnostics to list before summarizing the rest.
const MAX_TABLES: usize = 40;
const MAX_DIAGNOSTICS: usize = 10;

struct Style {
    bold: &'static str,
    dim: &'static str,
    yellow: &'static str,
    red: &'static str,
    reset: &'static str,
}

impl Style {
    fn new(color: bool) -> Self {
        if color {
            Style {
                bold: "\x1b[1m",
                dim: "\x1b[2m",
                yellow: "\x1b[33m",
                red: "\x1b[31m",
                reset: "\x1b[0m",
            }
        } else {
            Style {
                bold: "",
                dim: "",
                yellow: "",
                red: "",
                reset: "",
            }
        }
    }
}

pub fn render(report: &AnalyzeReport<'_>, color: bool) -> String {
    let s = Style::new(color);
    let loaded = report.loaded;
    let schema = &loaded.schema;
    let mut out = String::new();
    let partitions = schema
        .tables
        .iter()
        .filter(|t| t.partition_of.is_some())
        .count();
    let _ = writeln!(
        out,
        "{}Schema{} ({}): {} tables{}, {} foreign keys",
        s.bold,
        s.reset,
        schema.dialect,
        schema.tables.len(),
        if partitions > 0 {
            format!(" ({partitions} of them partitions)")
        } else {
            String::new()
        },
        schema.foreign_key_count()
    );
    for used in &loaded.used {
        let _ = writeln!(out, "  {}read{} {used}", s.dim, s.reset);
    }
    for skipped in &loaded.skipped {
        let _ = writeln!(out, "  {}skipped{} {skipped}", s.dim, s.reset);
    }

    let mut per_schema: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for table in &schema.tables {
        let ns = table
            .name
            .rsplit_once('.')
            .map_or("(default)", |(ns, _)| ns);
        let entry = per_schema.entry(ns).or_default();
        entry.0 += 1;
        entry.1 += table.foreign_keys.len();
    }
    if per_schema.len() > 1 {
        let _ = writeln!(out, "\n{}Per schema{}", s.bold, s.reset);
        for (ns, (tables, fks)) in &per_schema {
            let _ = writeln!(out, "  {ns:<24} {tables:>5} tables {fks:>5} foreign keys");
        }
    }

    let max_tables = if report.proposal.is_some() {
        0
    } else {
        MAX_TABLES
    };
    if max_tables > 0 {
        let _ = writeln!(out, "\n{}Tables{}", s.bold, s.reset);
    }
    for table in schema.tables.iter().take(max_tables) {
        let mut targets: Vec<&str> = table
            .foreign_keys
            .iter()
            .map(|fk| fk.references.table.as_str())
            .collect();
        targets.dedup();
        let mut line = format!("  {:<32} {:>3} cols", table.name, table.columns.len());
        if let Some(parent) = &table.partition_of {
            let _ = write!(line, "  {}partition of {parent}{}", s.dim, s.reset);
        }
        if !targets.is_empty() {
            let _ = write!(line, "  → {}", targets.join(", "));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if max_tables > 0 && schema.tables.len() > max_tables {
        let _ = writeln!(
            out,
            "  … and {} more (--format json lists them all)",
            schema.tables.len() - MAX_TABLES
        );
    }

    if let Some(code) = report.codebase {
        let with_access = code
            .modules
            .iter()
            .filter(|m| !m.accesses.is_empty())
            .count();
        let _ = writeln!(
            out,
            "\n{}Code{}: {} crates, {} modules, {} of them touch tables",
            s.bold,
            s.reset,
            code.crates.len(),
            code.modules.len(),
            with_access
        );
        if with_access > 0 {
            let reach = crate::analysis::data_layer_reach(schema, code);
            let _ = writeln!(
                out,
                "  data layer: {} modules; {} of {} tables reached from outside it",
                reach.data_layer_modules, reach.reached_from_outside, reach.tables
            );
        }
    }
    if let Some(proposal) = report.proposal {
        render_proposal(&mut out, report, proposal, &s);
    }
    render_diagnostics(&mut out, &loaded.diagnostics, &s);
    out
}

fn render_proposal(
    out: &mut String,
    report: &AnalyzeReport<'_>,
    proposal: &crate::model::Proposal,
    s: &Style,
) {
    let _ = writeln!(
        out,
        "\n{}Services{} ({})",
        s.bold,
        s.reset,
        proposal.services.len()
    );
    for step in &proposal.order {
        let Some(service) = proposal.services.iter().find(|x| x.name == step.service) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {}{}. {}{}  {} tables, {} modules",
            s.bold,
            step.step,
            service.name,
            s.reset,
            service.tables.len(),
            service.modules.len()
        );
        let _ = writeln!(out, "     tables: {}", service.tables.join(", "));
        if !service.modules.is_empty() {
            let shown: Vec<&str> = service.modules.iter().take(6).map(String::as_str).collect();
            let more = service.modules.len().saturating_sub(6);
            let _ = writeln!(
                out,
                "     modules: {}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" … +{more}")
                } else {
                    String::new()
                }
            );
        }
        let _ = writeln!(out, "     {}why:{} {}", s.dim, s.reset, service.rationale);
        let _ = writeln!(out, "     {}order:{} {}", s.dim, s.reset, step.reason);
    }
    for group in cycle_groups(&proposal.cycles) {
        let links = match group.cuts.len() {
            1 => "the link with the least evidence".to_string(),
            n => format!("these {n} links, each the weakest still closing a cycle"),
        };
        let _ = writeln!(
            out,
            "  {}cycle{} {} depend on each other: cut {links}, for instance by replacing \
             those reads with events or an API call:\n     {}",
            s.yellow,
            s.reset,
            group.services.join(" ↔ "),
            describe_cuts(&group.cuts, "")
        );
    }
    if !proposal.shared_tables.is_empty() {
        let _ = writeln!(out, "\n{}Shared tables{}", s.bold, s.reset);
        for shared in &proposal.shared_tables {
            let _ = writeln!(
                out,
                "  {:<32} owner {} ({})",
                shared.table, shared.owner, shared.reason
            );
        }
    }
    if !proposal.unplaced_tables.is_empty() {
        let _ = writeln!(out, "\n{}Tables no service gets{}", s.bold, s.reset);
        for unplaced in &proposal.unplaced_tables {
            let _ = writeln!(
                out,
                "  {:<32} {} ({})",
                unplaced.table,
                unplaced.reason.label(),
                unplaced.detail
            );
        }
    }
    let m = &proposal.metrics;
    let _ = writeln!(
        out,
        "\n{}Metrics{}: modularity {:.3}, cross-service FKs {}, cross-service accesses {}, ICP {:.3}, IFN {:.2}, NED {:.3}",
        s.bold, s.reset, m.modularity, m.cross_service_foreign_keys, m.cross_service_accesses, m.icp, m.ifn, m.ned
    );
    if let Some(a) = report.agreement {
        let _ = writeln!(
            out,
            "{}Agreement{}: ARI {:.3}, AMI {:.3}, MoJoFM {:.1}",
            s.bold, s.reset, a.ari, a.ami, a.mojofm
        );
    }
    if let Some(signals) = &report.signals {
        let _ = writeln!(out, "  {}signals: {signals}{}", s.dim, s.reset);
    }
}

fn render_diagnostics(out: &mut String, diagnostics: &[Diagnostic], s: &Style) {
    let shown: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .collect();
    if shown.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}Diagnostics{} ({})", s.bold, s.reset, shown.len());
    for d in shown.iter().take(MAX_DIAGNOSTICS) {
        let (color, label) = match d.severity {
            Severity::Error => (s.red, "error"),
            Severity::Warning => (s.yellow, "warning"),
            Severity::Info => (s.dim, "info"),
        };
        let location = match (&d.file, d.line) {
            (Some(f), Some(l)) => format!("{f}:{l}: "),
            (Some(f), None) => format!("{f}: "),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {color}{label}[{}]{} {location}{}",
            d.code, s.reset, d.message
        );
        if let Some(help) = &d.help {
            let _ = writeln!(out, "    {}help:{} {help}", s.dim, s.reset);
        }
    }
    if shown.len() > MAX_DIAGNOSTICS {
        let _ = writeln!(
            out,
            "  … and {} more (--format json lists them all)",
            shown.len() - MAX_DIAGNOSTICS
        );
    }
}
