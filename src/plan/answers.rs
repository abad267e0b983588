//! Scripted planning: `carve plan --answers FILE` applies a list of the
//! wizard's actions without prompting.
//!
//! ```toml
//! [[actions]]
//! action = "rename"          # service, to
//! [[actions]]
//! action = "move-tables"     # tables, to      (also "move-modules": modules, to)
//! [[actions]]
//! action = "merge"           # into, from
//! [[actions]]
//! action = "split"           # service, tables, to
//! [[actions]]
//! action = "share"           # table, owner, strategy
//! [[actions]]
//! action = "reorder"         # service, step
//! [[actions]]
//! action = "pin"             # service (also "unpin")
//! [[actions]]
//! action = "kafka"           # key, value
//! [[actions]]
//! action = "reanalyze"       # re-run the analysis, keeping pinned services
//! ```

use super::edit::{EditError, PlanDocument};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    Rename {
        service: String,
        to: String,
    },
    MoveTables {
        tables: Vec<String>,
        to: String,
    },
    MoveModules {
        modules: Vec<String>,
        to: String,
    },
    Merge {
        into: String,
        from: String,
    },
    Split {
        service: String,
        tables: Vec<String>,
        to: String,
    },
    Share {
        table: String,
        owner: String,
        #[serde(default = "replicate")]
        strategy: String,
    },
    Reorder {
        service: String,
        step: usize,
    },
    Pin {
        service: String,
    },
    Unpin {
        service: String,
    },
    Kafka {
        key: String,
        value: String,
    },
    /// Propose the unpinned services again from the monolith.
    Reanalyze,
}

fn replicate() -> String {
    "replicate".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersFile {
    #[serde(default)]
    actions: Vec<Action>,
}

/// Parses an answers file; errors carry the line and column.
pub fn parse_answers(text: &str, file: &str) -> Result<Vec<Action>, super::load::PlanError> {
    toml::from_str::<AnswersFile>(text)
        .map(|a| a.actions)
        .map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |s| super::load::line_column(text, s.start));
            super::load::PlanError {
                file: file.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })
}

impl Action {
    /// Applies the action to the plan.
    pub fn apply(&self, plan: &mut PlanDocument) -> Result<(), EditError> {
        match self {
            Action::Rename { service, to } => plan.rename_service(service, to),
            Action::MoveTables { tables, to } => plan.move_tables(tables, to),
            Action::MoveModules { modules, to } => plan.move_modules(modules, to),
            Action::Merge { into, from } => plan.merge(into, from),
            Action::Split {
                service,
                tables,
                to,
            } => plan.split(service, tables, to),
            Action::Share {
                table,
                owner,
                strategy,
            } => plan.mark_shared(table, owner, strategy),
            Action::Reorder { service, step } => plan.set_step(service, *step),
            Action::Pin { service } => plan.set_pinned(service, true),
            Action::Unpin { service } => plan.set_pinned(service, false),
            Action::Kafka { key, value } => plan.set_kafka(key, value),
            Action::Reanalyze => Err(EditError(
                "re-running the analysis needs the monolith: apply it through `carve plan`".into(),
            )),
        }
    }

    /// One line for the user: what the action does.
    pub fn describe(&self) -> String {
        match self {
            Action::Rename { service, to } => format!("rename {service} to {to}"),
            Action::MoveTables { tables, to } => format!("move {} to {to}", tables.join(", ")),
            Action::MoveModules { modules, to } => format!("move {} to {to}", modules.join(", ")),
            Action::Merge { into, from } => format!("merge {from} into {into}"),
            Action::Split {
                service,
                tables,
                to,
            } => format!("split {} out of {service} as {to}", tables.join(", ")),
            Action::Share {
                table,
                owner,
                strategy,
            } => format!("share {table}, owned by {owner} ({strategy})"),
            Action::Reorder { service, step } => format!("move {service} to step {step}"),
            Action::Pin { service } => format!("pin {service}"),
            Action::Unpin { service } => format!("unpin {service}"),
            Action::Kafka { key, value } => format!("set kafka.{key} = {value}"),
            Action::Reanalyze => "re-run the analysis, keeping pinned services".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_action() {
        let text = r#"
[[actions]]
action = "rename"
service = "a"
to = "b"
[[actions]]
action = "move-tables"
tables = ["t"]
to = "b"
[[actions]]
action = "share"
table = "t"
owner = "b"
"#;
        let actions = parse_answers(text, "answers.toml").unwrap();
        assert_eq!(actions.len(), 3);
        assert_eq!(
            actions[2],
            Action::Share {
                table: "t".into(),
                owner: "b".into(),
                strategy: "replicate".into()
            }
        );
        let error =
            parse_answers("[[actions]]\naction = \"explode\"\n", "answers.toml").unwrap_err();
        assert_eq!(error.line, 2);
    }
}
