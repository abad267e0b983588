//! `carve check`: the monolith's CI gate. Exit 1 when the code crosses a
//! boundary the plan does not allow and the todo file does not list, or
//! when the todo file lists a crossing the code no longer makes; 0 when
//! clean; 2 when the plan, the todo file or the monolith is unusable.

use super::monolith::{self, Planned};
use crate::cli::{CheckArgs, CheckFormat};
use crate::exit::ExitStatus;
use crate::plan::check::check;
use crate::plan::findings::{self, CheckOutcome};
use crate::plan::todo::{self, load_todo, parse_todo, ratchet, render_todo, todo_path};
use crate::printer::Printer;

pub fn run(args: &CheckArgs, printer: &Printer) -> ExitStatus {
    let Planned { loaded, monolith } =
        match monolith::load_planned(&args.plan, args.path.as_deref()) {
            Ok(planned) => planned,
            Err(failure) => {
                failure.report(printer);
                return ExitStatus::Error;
            }
        };
    let violations = check(&loaded.plan, &monolith.schema.schema, &monolith.code);
    let todo_file = todo_path(&args.plan);
    let shown = todo_file.display().to_string();
    let listed = if args.strict {
        None
    } else {
        match load_todo(&todo_file) {
            Ok(listed) => listed,
            Err(error) => {
                printer.error(
                    &error.to_string(),
                    Some("fix the todo file, or delete it and run `carve check --update-todo` to record today's crossings"),
                );
                return ExitStatus::Error;
            }
        }
    };
    let listed = if args.update_todo {
        let text = render_todo(&todo::updated(listed.as_ref(), &violations));
        if let Err(e) = crate::fsutil::write_atomically(&todo_file, text.as_bytes()) {
            printer.error(&format!("cannot write {shown}: {e}"), None);
            return ExitStatus::Error;
        }
        let written = match parse_todo(&text, &shown) {
            Ok(written) => written,
            Err(error) => {
                printer.error(&error.to_string(), None);
                return ExitStatus::Error;
            }
        };
        let before = listed.as_ref().map(|t| t.entries.len());
        match before {
            Some(before) => printer.note(&format!(
                "updated {shown}: {} crossing(s) listed, {} removed",
                written.entries.len(),
                before.saturating_sub(written.entries.len())
            )),
            None => printer.note(&format!(
                "wrote {shown}: {} crossing(s) the code makes today",
                written.entries.len()
            )),
        }
        Some(written)
    } else {
        listed
    };
    if listed.is_none() && !args.strict && !todo::crossings_of(&violations).is_empty() {
        printer.note(&format!(
            "no todo file at {shown}: every crossing fails; `carve check --update-todo` records today's"
        ));
    }
    let judged = ratchet(&violations, listed.as_ref());
    let outcome = CheckOutcome {
        ratchet: &judged,
        todo_file: (!args.strict).then_some(shown),
    };
    let text = match args.format {
        CheckFormat::Human => findings::human(&outcome),
        CheckFormat::Json => findings::json(&outcome),
        CheckFormat::Sarif => findings::sarif(&outcome),
        CheckFormat::Junit => findings::junit(&outcome),
        CheckFormat::Github => findings::github(&outcome),
    };
    printer.result(&text);
    if outcome.passes() {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    }
}
