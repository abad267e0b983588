//! The interactive planning wizard: a menu of the plan's actions over
//! dialoguer prompts on the terminal (stderr). Every action says what it
//! changed in the metrics; nothing reaches the file until "Save".
//! Ctrl-C restores the cursor and leaves the plan file as it was.

use super::session::PlanSession;
use crate::exit::ExitStatus;
use crate::plan::answers::Action;
use crate::plan::validate::service_name_problem;
use crate::printer::Printer;
use console::{style, Term};
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, MultiSelect, Select};

/// The menu, in the order it is shown.
const MENU: &[&str] = &[
    "Show the overview",
    "Rename a service",
    "Move tables to another service",
    "Move modules to another service",
    "Merge two services",
    "Split a service",
    "Mark a table shared",
    "Reorder the steps",
    "Pin or unpin a service",
    "Re-run the analysis (keeps pinned services)",
    "Kafka and Connect settings",
    "Validate",
    "Save",
    "Quit",
];

const KAFKA_KEYS: &[&str] = &[
    "bootstrap_servers",
    "topic_prefix",
    "partitions",
    "replication_factor",
    "sink",
];

/// Runs the wizard until the user quits.
pub(super) fn run(session: &mut PlanSession, yes: bool, printer: &Printer) -> ExitStatus {
    let term = Term::stderr();
    let plan_name = session.plan_name.clone();
    // Prompts hide the cursor; an interrupt must give it back, and must not
    // save: the file is only ever written by "Save", atomically. Ctrl-C
    // arrives as SIGINT between prompts, and as a key the prompt reports
    // as an interrupted read while it holds the terminal in raw mode; both
    // end the same way.
    let interrupted_plan = plan_name.clone();
    let _ = ctrlc::set_handler(move || {
        report_interrupt(&Term::stderr(), &interrupted_plan);
        std::process::exit(130);
    });
    let mut wizard = Wizard {
        session,
        term,
        theme: ColorfulTheme::default(),
        yes,
    };
    match wizard.main_loop() {
        Ok(status) => status,
        Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
            report_interrupt(&wizard.term, &plan_name);
            ExitStatus::Interrupted
        }
        Err(e) => {
            let _ = wizard.term.show_cursor();
            printer.error(
                &format!("the terminal failed: {e}"),
                Some("the plan was not saved"),
            );
            ExitStatus::Error
        }
    }
}

/// Gives the cursor back and says that nothing was saved.
fn report_interrupt(term: &Term, plan_name: &str) {
    let _ = term.show_cursor();
    let _ = term.write_line(&format!("\ninterrupted: {plan_name} was left as it was"));
}

struct Wizard<'a> {
    session: &'a mut PlanSession,
    term: Term,
    theme: ColorfulTheme,
    yes: bool,
}

type Step<T> = Result<T, dialoguer::Error>;

impl Wizard<'_> {
    fn say(&self, text: &str) {
        let _ = self.term.write_line(text);
    }

    fn main_loop(&mut self) -> Step<ExitStatus> {
        self.say(&self.session.overview());
        loop {
            let choice = Select::with_theme(&self.theme)
                .with_prompt("What next?")
                .items(MENU)
                .default(0)
                .interact_on(&self.term)?;
            let action = match MENU[choice] {
                "Show the overview" => {
                    self.say(&self.session.overview());
                    None
                }
                "Rename a service" => self.rename()?,
                "Move tables to another service" => self.move_tables()?,
                "Move modules to another service" => self.move_modules()?,
                "Merge two services" => self.merge()?,
                "Split a service" => self.split()?,
                "Mark a table shared" => self.share()?,
                "Reorder the steps" => self.reorder()?,
                "Pin or unpin a service" => self.pin()?,
                "Re-run the analysis (keeps pinned services)" => self
                    .confirm("Replace every unpinned service with a fresh proposal?")?
                    .then_some(Action::Reanalyze),
                "Kafka and Connect settings" => self.kafka()?,
                "Validate" => {
                    self.validate();
                    None
                }
                "Save" => {
                    self.save()?;
                    None
                }
                _ => {
                    if self.quit()? {
                        return Ok(ExitStatus::Success);
                    }
                    None
                }
            };
            if let Some(action) = action {
                match self.session.apply(&action) {
                    Ok(summary) => self.say(&format!("{} {summary}", style("✔").green())),
                    Err(e) => self.say(&format!(
                        "{} cannot {}: {e}",
                        style("✘").red(),
                        action.describe()
                    )),
                }
            }
        }
    }

    fn confirm(&self, question: &str) -> Step<bool> {
        if self.yes {
            return Ok(true);
        }
        Confirm::with_theme(&self.theme)
            .with_prompt(question)
            .default(true)
            .interact_on(&self.term)
    }

    /// Picks one service.
    fn pick_service(&self, prompt: &str, except: Option<&str>) -> Step<Option<String>> {
        let names: Vec<String> = self
            .session
            .document
            .service_names()
            .into_iter()
            .filter(|n| Some(n.as_str()) != except)
            .collect();
        if names.is_empty() {
            self.say("there is no service to pick");
            return Ok(None);
        }
        let i = Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(&names)
            .default(0)
            .interact_on(&self.term)?;
        Ok(Some(names[i].clone()))
    }

    /// Asks for a new service name until it is a valid one.
    fn new_name(&self, prompt: &str) -> Step<String> {
        let taken = self.session.document.service_names();
        Input::<String>::with_theme(&self.theme)
            .with_prompt(prompt)
            .validate_with(move |name: &String| -> Result<(), String> {
                if let Some(problem) = service_name_problem(name) {
                    return Err(problem);
                }
                if taken.contains(name) {
                    return Err(format!("a service named `{name}` already exists"));
                }
                Ok(())
            })
            .interact_text_on(&self.term)
    }

    fn rename(&self) -> Step<Option<Action>> {
        let Some(service) = self.pick_service("Rename which service?", None)? else {
            return Ok(None);
        };
        let to = self.new_name(&format!("New name for {service}"))?;
        Ok(Some(Action::Rename { service, to }))
    }

    /// Tables labelled with their owner: `orders (orders)`.
    fn pick_items(&self, prompt: &str, items: &[(String, Option<String>)]) -> Step<Vec<String>> {
        let labels: Vec<String> = items
            .iter()
            .map(|(item, owner)| match owner {
                Some(o) => format!("{item}  ({o})"),
                None => format!("{item}  (unassigned)"),
            })
            .collect();
        let picked = MultiSelect::with_theme(&self.theme)
            .with_prompt(format!("{prompt} (space to pick, enter to go on)"))
            .items(&labels)
            .interact_on(&self.term)?;
        Ok(picked.into_iter().map(|i| items[i].0.clone()).collect())
    }

    fn move_tables(&self) -> Step<Option<Action>> {
        let items: Vec<(String, Option<String>)> = self
            .session
            .tables()
            .into_iter()
            .map(|t| {
                let owner = self.session.document.owner_of(&t);
                (t, owner)
            })
            .collect();
        let tables = self.pick_items("Which tables?", &items)?;
        if tables.is_empty() {
            return Ok(None);
        }
        let Some(to) = self.pick_service("Move them to", None)? else {
            return Ok(None);
        };
        Ok(Some(Action::MoveTables { tables, to }))
    }

    fn move_modules(&self) -> Step<Option<Action>> {
        let names = self.session.document.service_names();
        let items: Vec<(String, Option<String>)> = self
            .session
            .modules()
            .into_iter()
            .map(|m| {
                let owner = names
                    .iter()
                    .find(|s| self.session.document.modules_of(s).contains(&m))
                    .cloned();
                (m, owner)
            })
            .collect();
        let modules = self.pick_items("Which modules?", &items)?;
        if modules.is_empty() {
            return Ok(None);
        }
        let Some(to) = self.pick_service("Move them to", None)? else {
            return Ok(None);
        };
        Ok(Some(Action::MoveModules { modules, to }))
    }

    fn merge(&self) -> Step<Option<Action>> {
        let Some(from) = self.pick_service("Merge which service away?", None)? else {
            return Ok(None);
        };
        let Some(into) = self.pick_service(&format!("Merge {from} into"), Some(&from))? else {
            return Ok(None);
        };
        let sure = self.confirm(&format!("Merge {from} into {into}? {from} disappears"))?;
        Ok(sure.then_some(Action::Merge { into, from }))
    }

    fn split(&self) -> Step<Option<Action>> {
        let Some(service) = self.pick_service("Split which service?", None)? else {
            return Ok(None);
        };
        let items: Vec<(String, Option<String>)> = self
            .session
            .document
            .tables_of(&service)
            .into_iter()
            .map(|t| (t, Some(service.clone())))
            .collect();
        let tables = self.pick_items("Which tables go to the new service?", &items)?;
        if tables.is_empty() {
            return Ok(None);
        }
        let to = self.new_name("Name of the new service")?;
        Ok(Some(Action::Split {
            service,
            tables,
            to,
        }))
    }

    fn share(&self) -> Step<Option<Action>> {
        let tables = self.session.tables();
        let i = Select::with_theme(&self.theme)
            .with_prompt("Which table do other services read?")
            .items(&tables)
            .default(0)
            .interact_on(&self.term)?;
        let table = tables[i].clone();
        let current = self.session.document.owner_of(&table);
        let names = self.session.document.service_names();
        let default = current
            .as_ref()
            .and_then(|o| names.iter().position(|n| n == o))
            .unwrap_or(0);
        let o = Select::with_theme(&self.theme)
            .with_prompt(format!("Which service owns {table}?"))
            .items(&names)
            .default(default)
            .interact_on(&self.term)?;
        let strategies = [
            "replicate (a compacted topic readers keep a copy of)",
            "api (readers call the owner)",
        ];
        let s = Select::with_theme(&self.theme)
            .with_prompt("How do the others read it?")
            .items(strategies)
            .default(0)
            .interact_on(&self.term)?;
        Ok(Some(Action::Share {
            table,
            owner: names[o].clone(),
            strategy: if s == 0 { "replicate" } else { "api" }.to_string(),
        }))
    }

    fn reorder(&self) -> Step<Option<Action>> {
        let Some(service) = self.pick_service("Which service moves?", None)? else {
            return Ok(None);
        };
        let count = self.session.document.service_names().len();
        let positions: Vec<String> = (1..=count).map(|i| format!("step {i}")).collect();
        let current = self
            .session
            .document
            .service_names()
            .iter()
            .position(|n| *n == service)
            .unwrap_or(0);
        let step = Select::with_theme(&self.theme)
            .with_prompt(format!("Extract {service} at"))
            .items(&positions)
            .default(current)
            .interact_on(&self.term)?;
        Ok(Some(Action::Reorder {
            service,
            step: step + 1,
        }))
    }

    fn pin(&self) -> Step<Option<Action>> {
        let names = self.session.document.service_names();
        let labels: Vec<String> = names
            .iter()
            .map(|n| {
                if self.session.document.is_pinned(n) {
                    format!("{n}  [pinned]")
                } else {
                    n.clone()
                }
            })
            .collect();
        let i = Select::with_theme(&self.theme)
            .with_prompt("Pin or unpin which service? (pinned services survive re-analysis)")
            .items(&labels)
            .default(0)
            .interact_on(&self.term)?;
        let service = names[i].clone();
        Ok(Some(if self.session.document.is_pinned(&service) {
            Action::Unpin { service }
        } else {
            Action::Pin { service }
        }))
    }

    fn kafka(&self) -> Step<Option<Action>> {
        let labels: Vec<String> = KAFKA_KEYS
            .iter()
            .map(|k| {
                let current = self
                    .session
                    .document
                    .kafka_value(k)
                    .unwrap_or_else(|| "(default)".into());
                format!("{k} = {current}")
            })
            .collect();
        let i = Select::with_theme(&self.theme)
            .with_prompt("Which setting?")
            .items(&labels)
            .default(0)
            .interact_on(&self.term)?;
        let key = KAFKA_KEYS[i];
        let choices: Option<&[&str]> = match key {
            "sink" => Some(&["debezium-jdbc", "confluent-jdbc"]),
            _ => None,
        };
        let value = match choices {
            Some(options) => {
                let c = Select::with_theme(&self.theme)
                    .with_prompt(key)
                    .items(options)
                    .default(0)
                    .interact_on(&self.term)?;
                options[c].to_string()
            }
            None => {
                let mut input = Input::<String>::with_theme(&self.theme).with_prompt(key);
                if let Some(current) = self.session.document.kafka_value(key) {
                    input = input.with_initial_text(current);
                }
                input.interact_text_on(&self.term)?
            }
        };
        Ok(Some(Action::Kafka {
            key: key.to_string(),
            value,
        }))
    }

    fn validate(&self) {
        let problems = self.session.problems();
        if problems.errors.is_empty() && problems.warnings.is_empty() {
            self.say(&format!("{} the plan is valid", style("✔").green()));
        }
        for e in &problems.errors {
            self.say(&format!("{} {e}", style("error:").red().bold()));
        }
        for w in &problems.warnings {
            self.say(&format!("{} {w}", style("warning:").yellow().bold()));
        }
    }

    fn save(&mut self) -> Step<()> {
        if self.session.changed_on_disk()
            && !self.confirm(&format!(
                "{} changed on disk since it was opened; overwrite it?",
                self.session.plan_name
            ))?
        {
            self.say("not saved");
            return Ok(());
        }
        match self.session.save() {
            Ok(()) => self.say(&format!(
                "{} saved {}",
                style("✔").green(),
                self.session.plan_name
            )),
            Err(e) => self.say(&format!("{} {e}", style("✘").red())),
        }
        Ok(())
    }

    /// True when the wizard should end.
    fn quit(&mut self) -> Step<bool> {
        if !self.session.is_dirty() {
            return Ok(true);
        }
        let options = ["Save, then quit", "Quit without saving", "Keep working"];
        let choice = Select::with_theme(&self.theme)
            .with_prompt("The plan has unsaved changes")
            .items(options)
            .default(0)
            .interact_on(&self.term)?;
        match choice {
            0 => {
                self.save()?;
                Ok(!self.session.is_dirty())
            }
            1 => Ok(true),
            _ => Ok(false),
        }
    }
}
