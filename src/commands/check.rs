//! `carve check`: the monolith's CI gate. Exit 1 when the code crosses a
//! boundary the plan does not allow, 0 when clean, 2 when the plan is bad.

use super::monolith::{self, Planned};
use crate::cli::{CheckArgs, CheckFormat};
use crate::exit::ExitStatus;
use crate::plan::check::{check, Violation};
use crate::printer::Printer;
use serde::Serialize;
use std::fmt::Write;

pub fn run(args: &CheckArgs, printer: &Printer) -> ExitStatus {
    let Planned { loaded, monolith } =
        match monolith::load_planned(&args.plan, args.path.as_deref()) {
            Ok(planned) => planned,
            Err(failure) => {
                match failure.problems.as_slice() {
                    [one] => printer.error(one, Some(failure.help)),
                    many => {
                        for problem in many {
                            printer.error(problem, None);
                        }
                        printer.note(failure.help);
                    }
                }
                return ExitStatus::Error;
            }
        };
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
