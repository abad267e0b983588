//! The human report: a compact summary for a terminal.

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

    let _ = writeln!(out, "\n{}Tables{}", s.bold, s.reset);
    for table in schema.tables.iter().take(MAX_TABLES) {
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
    if schema.tables.len() > MAX_TABLES {
        let _ = writeln!(
            out,
            "  … and {} more (--format json lists them all)",
            schema.tables.len() - MAX_TABLES
        );
    }

    render_diagnostics(&mut out, &loaded.diagnostics, &s);
    out
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
