//! `carve plan`: review and change the plan. Scripted with `--answers`;
//! never prompts without a terminal.

use super::monolith;
use crate::analysis::{self, AnalysisOptions};
use crate::cli::PlanArgs;
use crate::exit::ExitStatus;
use crate::plan::answers::parse_answers;
use crate::plan::edit::PlanDocument;
use crate::plan::load::{parse_plan, PlanError};
use crate::plan::metrics::{describe_change, plan_metrics, PlanMetrics};
use crate::plan::validate::{validate, PlanContext};
use crate::plan::write::{render_plan, MonolithInfo};
use crate::printer::Printer;
use std::collections::BTreeSet;
use std::io::IsTerminal;

pub fn run(args: &PlanArgs, printer: &Printer) -> ExitStatus {
    let Some(answers_path) = &args.answers else {
        if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
            printer.error(
                "carve plan prompts in a terminal and there is none",
                Some("script it with --answers FILE (a TOML list of [[actions]]), or run it in a terminal"),
            );
        } else {
            printer.error(
                "the interactive wizard is not available in this build",
                Some("apply changes with --answers FILE, or edit carve.toml by hand and run `carve check`"),
            );
        }
        return ExitStatus::Error;
    };
    let answers_text = match std::fs::read_to_string(answers_path) {
        Ok(t) => t,
        Err(e) => {
            printer.error(
                &format!("cannot read {}: {e}", answers_path.display()),
                None,
            );
            return ExitStatus::Error;
        }
    };
    let actions = match parse_answers(&answers_text, &answers_path.display().to_string()) {
        Ok(a) => a,
        Err(e) => return plan_error(&e, printer),
    };
    let root = monolith::root_for(args.path.as_deref(), &args.plan);
    let existing = args.plan.exists();
    let text = if existing {
        match std::fs::read_to_string(&args.plan) {
            Ok(t) => t,
            Err(e) => {
                printer.error(&format!("cannot read {}: {e}", args.plan.display()), None);
                return ExitStatus::Error;
            }
        }
    } else {
        String::new()
    };
    let plan_name = args.plan.display().to_string();
    let current = if existing {
        match parse_plan(&text, &plan_name) {
            Ok(p) => Some(p),
            Err(e) => return plan_error(&e, printer),
        }
    } else {
        None
    };
    let monolith = match monolith::load(&root, current.as_ref().map(|p| &p.plan)) {
        Ok(m) => m,
        Err(error) => {
            printer.error(&error.to_string(), Some(error.help()));
            return ExitStatus::Error;
        }
    };
    let text = if existing {
        text
    } else {
        printer.note(&format!(
            "{plan_name} does not exist: starting from a fresh analysis of {}",
            root.display()
        ));
        let proposal = analysis::propose(
            &monolith.schema.schema,
            &monolith.code,
            &AnalysisOptions::default(),
        );
        let name = root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()));
        let info = MonolithInfo {
            name: heck::ToKebabCase::to_kebab_case(name.as_deref().unwrap_or("monolith")),
            schema: monolith
                .schema
                .used
                .iter()
                .map(|u| u.split(" (").next().unwrap_or(u).to_string())
                .collect(),
            dialect: monolith.schema.schema.dialect,
        };
        render_plan(&proposal, &info)
    };
    let mut document = match PlanDocument::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            printer.error(&format!("{plan_name}: {e}"), None);
            return ExitStatus::Error;
        }
    };
    let metrics = |doc: &PlanDocument| -> PlanMetrics {
        parse_plan(&doc.text(), &plan_name)
            .map(|p| plan_metrics(&p.plan, &monolith.schema.schema, &monolith.code))
            .unwrap_or_default()
    };
    for action in &actions {
        let before = metrics(&document);
        if let Err(e) = action.apply(&mut document) {
            printer.error(
                &format!("cannot {}: {e}", action.describe()),
                Some("nothing was saved"),
            );
            return ExitStatus::Error;
        }
        let after = metrics(&document);
        printer.note(&format!(
            "{}: {}",
            action.describe(),
            describe_change(before, after)
        ));
    }
    let new_text = document.text();
    let reparsed = match parse_plan(&new_text, &plan_name) {
        Ok(p) => p,
        Err(e) => return plan_error(&e, printer),
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
    let problems = validate(
        &reparsed,
        &PlanContext {
            tables: &tables,
            modules: Some(&modules),
            dependencies: &[],
        },
    );
    if !problems.is_empty() {
        for p in &problems {
            printer.error(&p.to_string(), None);
        }
        printer.note("the plan was not saved");
        return ExitStatus::Error;
    }
    if existing && new_text == std::fs::read_to_string(&args.plan).unwrap_or_default() {
        printer.note("no change");
        return ExitStatus::Success;
    }
    if let Err(e) = crate::fsutil::write_atomically(&args.plan, new_text.as_bytes()) {
        printer.error(&format!("cannot write {plan_name}: {e}"), None);
        return ExitStatus::Error;
    }
    printer.note(&format!("saved {plan_name}"));
    ExitStatus::Success
}

fn plan_error(error: &PlanError, printer: &Printer) -> ExitStatus {
    printer.error(
        &error.to_string(),
        Some("fix the file at that line and column"),
    );
    ExitStatus::Error
}
