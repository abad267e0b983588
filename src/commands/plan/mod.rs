//! `carve plan`: review and change the plan, in the interactive wizard or
//! scripted with `--answers`. Never prompts without a terminal.

mod session;
mod wizard;

use crate::cli::PlanArgs;
use crate::exit::ExitStatus;
use crate::plan::answers::parse_answers;
use crate::printer::Printer;
use session::PlanSession;
use std::io::IsTerminal;

pub fn run(args: &PlanArgs, printer: &Printer) -> ExitStatus {
    if args.answers.is_none()
        && (!std::io::stdin().is_terminal() || !std::io::stderr().is_terminal())
    {
        printer.error(
            "carve plan prompts in a terminal and there is none",
            Some("script it with --answers FILE (a TOML list of [[actions]]), or run it in a terminal"),
        );
        return ExitStatus::Error;
    }
    // Read the answers before anything else: a bad file costs no analysis.
    let actions = match &args.answers {
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    printer.error(&format!("cannot read {}: {e}", path.display()), None);
                    return ExitStatus::Error;
                }
            };
            match parse_answers(&text, &path.display().to_string()) {
                Ok(a) => Some(a),
                Err(e) => {
                    printer.error(&e.to_string(), Some("fix the file at that line and column"));
                    return ExitStatus::Error;
                }
            }
        }
        None => None,
    };
    let mut session = match PlanSession::open(&args.plan, args.path.as_deref(), |m| printer.note(m))
    {
        Ok(s) => s,
        Err(e) => {
            printer.error(&e.message, e.help.as_deref());
            return ExitStatus::Error;
        }
    };
    match actions {
        Some(actions) => apply_answers(&mut session, &actions, printer),
        None => wizard::run(&mut session, args.yes, printer),
    }
}

/// Applies every action, then validates and saves; nothing is saved when
/// any action or the validation fails.
fn apply_answers(
    session: &mut PlanSession,
    actions: &[crate::plan::answers::Action],
    printer: &Printer,
) -> ExitStatus {
    for action in actions {
        match session.apply(action) {
            Ok(summary) => printer.note(&summary),
            Err(e) => {
                printer.error(
                    &format!("cannot {}: {e}", action.describe()),
                    Some("nothing was saved"),
                );
                return ExitStatus::Error;
            }
        }
    }
    let problems = session.problems();
    for warning in &problems.warnings {
        printer.warning(&warning.to_string());
    }
    if !problems.errors.is_empty() {
        for p in &problems.errors {
            printer.error(&p.to_string(), None);
        }
        printer.note("the plan was not saved");
        return ExitStatus::Error;
    }
    if !session.is_dirty() {
        printer.note("no change");
        return ExitStatus::Success;
    }
    match session.save() {
        Ok(()) => {
            printer.note(&format!("saved {}", session.plan_name));
            ExitStatus::Success
        }
        Err(e) => {
            printer.error(&e, None);
            ExitStatus::Error
        }
    }
}
