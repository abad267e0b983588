//! `carve check`: the monolith's CI gate. Exit 1 when the code crosses a
//! boundary the plan does not allow, 0 when clean, 2 when the plan is bad.

use super::monolith;
use crate::cli::{CheckArgs, CheckFormat};
use crate::exit::ExitStatus;
use crate::plan::check::{check, Violation};
use crate::plan::load::load_plan;
use crate::plan::validate::{validate, PlanContext};
use crate::printer::Printer;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write;

pub fn run(args: &CheckArgs, printer: &Printer) -> ExitStatus {
    let loaded = match load_plan(&args.plan) {
        Ok(plan) => plan,
        Err(error) => {
            printer.error(
                &error.to_string(),
                Some("fix the plan, or write one with `carve analyze --write-plan carve.toml`"),
            );
            return ExitStatus::Error;
        }
    };
    let root = monolith::root_for(args.path.as_deref(), &args.plan);
    let monolith = match monolith::load(&root, Some(&loaded.plan)) {
        Ok(m) => m,
        Err(error) => {
            printer.error(&error.to_string(), Some(error.help()));
            return ExitStatus::Error;
        }
    };
    let tables: BTreeSet<String> = monolith
        .schema
        .schema
        .tables
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let modules: BTreeSet<String> = monolith
        .code
        .modules
        .iter()
        .map(|m| m.name.clone())
        .collect();
    // A table missing from the plan is a finding, not a broken plan.
    let problems: Vec<_> = validate(
        &loaded,
        &PlanContext {
            tables: &tables,
            modules: Some(&modules),
            dependencies: &[],
        },
    )
    .into_iter()
    .filter(|p| !p.message.contains("have no owner"))
    .collect();
    if !problems.is_empty() {
        for p in &problems {
            printer.error(&p.to_string(), None);
        }
        printer.note("the plan does not match the monolith; fix it before checking");
        return ExitStatus::Error;
    }
    let violations = check(&loaded.plan, &monolith.schema.schema, &monolith.code);
    let text = match args.format {
        CheckFormat::Json => json(&violations),
        CheckFormat::Human => human(&violations),
    };
    printer.result(&text);
    if violations.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    }
}

#[derive(Serialize)]
struct CheckReport<'a> {
    format_version: u32,
    violations: &'a [Violation],
}

fn json(violations: &[Violation]) -> String {
    let mut text = serde_json::to_string_pretty(&CheckReport {
        format_version: 1,
        violations,
    })
    .unwrap_or_default();
    text.push('\n');
    text
}

fn human(violations: &[Violation]) -> String {
    if violations.is_empty() {
        return "No boundary violations: the code respects the plan.\n".to_string();
    }
    let mut out = String::new();
    for v in violations {
        let at = v
            .evidence
            .first()
            .map(|e| format!("{}:{}: ", e.file, e.line))
            .unwrap_or_default();
        let _ = writeln!(out, "{at}{}", v.message);
        for more in v.evidence.iter().skip(1).take(4) {
            let _ = writeln!(out, "    also at {}:{}", more.file, more.line);
        }
    }
    let _ = writeln!(out, "\n{} violation(s)", violations.len());
    out
}
