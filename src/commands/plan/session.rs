//! A plan being worked on: the document (edited with toml_edit so comments
//! survive), the monolith it describes, and what is on disk. Both the wizard
//! and `--answers` go through it, so they apply, measure and save the same way.

use crate::analysis::{self, AnalysisOptions};
use crate::commands::monolith::{self, Monolith};
use crate::plan::answers::Action;
use crate::plan::dependencies::{dependency_pairs, plan_dependencies};
use crate::plan::edit::{EditError, PlanDocument};
use crate::plan::load::{parse_plan, LoadedPlan, PlanError};
use crate::plan::metrics::{describe_change, plan_metrics, PlanMetrics};
use crate::plan::validate::{order_problems, validate, PlanContext};
use crate::plan::write::{render_plan, MonolithInfo};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Why a session could not start.
pub(super) struct OpenError {
    pub message: String,
    pub help: Option<String>,
}

impl From<PlanError> for OpenError {
    fn from(e: PlanError) -> Self {
        OpenError {
            message: e.to_string(),
            help: Some("fix the file at that line and column".into()),
        }
    }
}

/// What validation found: errors block saving, warnings do not.
#[derive(Debug, Default)]
pub(super) struct Problems {
    pub errors: Vec<PlanError>,
    pub warnings: Vec<PlanError>,
}

pub(super) struct PlanSession {
    pub plan_path: PathBuf,
    pub plan_name: String,
    pub monolith: Monolith,
    pub document: PlanDocument,
    /// The file's text when it was read or last saved; `None` while the
    /// plan exists only here.
    on_disk: Option<String>,
    tables: BTreeSet<String>,
    modules: BTreeSet<String>,
}

impl PlanSession {
    /// Reads the plan (or proposes one when the file does not exist) and
    /// the monolith it describes. `on_fresh` hears when a plan is proposed.
    pub(super) fn open(
        plan_path: &Path,
        path: Option<&Path>,
        on_fresh: impl FnOnce(&str),
    ) -> Result<PlanSession, OpenError> {
        let plan_name = plan_path.display().to_string();
        let on_disk = match std::fs::read_to_string(plan_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(OpenError {
                    message: format!("cannot read {plan_name}: {e}"),
                    help: None,
                })
            }
        };
        let current = match &on_disk {
            Some(text) => Some(parse_plan(text, &plan_name)?),
            None => None,
        };
        let root = monolith::root_for(path, plan_path, current.as_ref())?;
        let monolith =
            monolith::load(&root, current.as_ref().map(|p| &p.plan)).map_err(|e| OpenError {
                message: e.to_string(),
                help: Some(e.help().to_string()),
            })?;
        let text = match &on_disk {
            Some(text) => text.clone(),
            None => {
                on_fresh(&format!(
                    "{plan_name} does not exist: starting from a fresh analysis of {}",
                    root.display()
                ));
                fresh_plan(plan_path, &root, &monolith)
            }
        };
        let document = PlanDocument::parse(&text).map_err(|e| OpenError {
            message: format!("{plan_name}: {e}"),
            help: None,
        })?;
        let tables = monolith.table_names();
        let modules = monolith.module_names();
        Ok(PlanSession {
            plan_path: plan_path.to_path_buf(),
            plan_name,

            monolith,
            document,
            on_disk,
            tables,
            modules,
        })
    }

    /// The plan as it stands, parsed.
    pub(super) fn parsed(&self) -> Result<LoadedPlan, PlanError> {
        parse_plan(&self.document.text(), &self.plan_name)
    }

    pub(super) fn metrics(&self) -> PlanMetrics {
        self.parsed()
            .map(|p| plan_metrics(&p.plan, &self.monolith.schema.schema, &self.monolith.code))
            .unwrap_or_default()
    }

    /// Every table of the monolith, sorted.
    pub(super) fn tables(&self) -> Vec<String> {
        self.tables.iter().cloned().collect()
    }

    /// Every module of the monolith's code, sorted.
    pub(super) fn modules(&self) -> Vec<String> {
        self.modules.iter().cloned().collect()
    }

    /// Applies an action; says what it did and how the metrics moved.
    pub(super) fn apply(&mut self, action: &Action) -> Result<String, EditError> {
        let before = self.metrics();
        match action {
            Action::Reanalyze => self.reanalyze()?,
            other => other.apply(&mut self.document)?,
        }
        let after = self.metrics();
        Ok(format!(
            "{}: {}",
            action.describe(),
            describe_change(before, after)
        ))
    }

    /// Proposes the services again from the monolith, keeping every pinned
    /// service as it is; the rest is replaced by the new proposal.
    fn reanalyze(&mut self) -> Result<(), EditError> {
        let pinned: Vec<String> = self
            .document
            .service_names()
            .into_iter()
            .filter(|n| self.document.is_pinned(n))
            .collect();
        // The plan's own exclusions and the tables it keeps in the monolith
        // hold on re-runs, like pinned services.
        let (exclude, staying) = self
            .parsed()
            .map(|p| {
                let staying: Vec<String> = p
                    .plan
                    .monolith
                    .tables
                    .iter()
                    .map(|t| t.get_ref().clone())
                    .collect();
                (p.plan.exclude_patterns(), staying)
            })
            .unwrap_or_default();
        let kept_tables: BTreeSet<String> = pinned
            .iter()
            .flat_map(|s| self.document.tables_of(s))
            .chain(staying)
            .collect();
        let kept_modules: BTreeSet<String> = pinned
            .iter()
            .flat_map(|s| self.document.modules_of(s))
            .collect();
        let proposal = analysis::propose(
            &self.monolith.schema.schema,
            &self.monolith.code,
            &AnalysisOptions {
                exclude,
                ..AnalysisOptions::default()
            },
        );
        let mut ordered = proposal.services.clone();
        let step_of = |name: &str| proposal.order.iter().position(|s| s.service == name);
        ordered.sort_by_key(|s| (step_of(&s.name), s.name.clone()));
        let mut proposed = Vec::new();
        for service in ordered {
            let tables: Vec<String> = service
                .tables
                .into_iter()
                .filter(|t| !kept_tables.contains(t))
                .collect();
            if tables.is_empty() {
                continue;
            }
            let modules: Vec<String> = service
                .modules
                .into_iter()
                .filter(|m| !kept_modules.contains(m))
                .collect();
            let mut name = service.name;
            let mut n = 2;
            while pinned.contains(&name) || proposed.iter().any(|(p, _, _)| *p == name) {
                name = format!(
                    "{}-{n}",
                    name.trim_end_matches(char::is_numeric)
                        .trim_end_matches('-')
                );
                n += 1;
            }
            proposed.push((name, tables, modules));
        }
        self.document.replace_unpinned(&proposed)
    }

    /// Validation: ownership, names and references are errors; an order
    /// that goes against a dependency without an exception is a warning.
    pub(super) fn problems(&self) -> Problems {
        let loaded = match self.parsed() {
            Ok(l) => l,
            Err(e) => {
                return Problems {
                    errors: vec![e],
                    warnings: Vec::new(),
                }
            }
        };
        let context = PlanContext {
            tables: &self.tables,
            modules: Some(&self.modules),
            dependencies: &[],
            every_table_owned: true,
        };
        let errors = validate(&loaded, &context);
        let evidence = plan_dependencies(
            &loaded.plan,
            &self.monolith.schema.schema,
            &self.monolith.code,
        );
        let pairs = dependency_pairs(&evidence);
        let warnings = order_problems(
            &loaded,
            &PlanContext {
                dependencies: &pairs,
                ..context
            },
        );
        Problems { errors, warnings }
    }

    /// Whether there are changes not yet saved.
    pub(super) fn is_dirty(&self) -> bool {
        self.on_disk.as_deref() != Some(self.document.text().as_str())
    }

    /// Whether the file changed on disk since it was read or saved.
    pub(super) fn changed_on_disk(&self) -> bool {
        let now = std::fs::read_to_string(&self.plan_path).ok();
        now != self.on_disk
    }

    /// Writes the plan (atomically). Refuses while validation finds errors.
    pub(super) fn save(&mut self) -> Result<(), String> {
        let problems = self.problems();
        if !problems.errors.is_empty() {
            let list: Vec<String> = problems.errors.iter().map(|p| p.to_string()).collect();
            return Err(format!(
                "the plan has errors and was not saved:\n  {}",
                list.join("\n  ")
            ));
        }
        let text = self.document.text();
        crate::fsutil::write_atomically(&self.plan_path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", self.plan_name))?;
        self.on_disk = Some(text);
        Ok(())
    }

    /// Services, tables, modules, shared tables, exceptions and metrics.
    pub(super) fn overview(&self) -> String {
        let mut out = String::new();
        let names = self.document.service_names();
        let table_count: usize = names.iter().map(|n| self.document.tables_of(n).len()).sum();
        let _ = writeln!(
            out,
            "{}: {} services, {table_count} of {} tables planned",
            self.plan_name,
            names.len(),
            self.tables.len()
        );
        for (i, name) in names.iter().enumerate() {
            let pin = if self.document.is_pinned(name) {
                "  [pinned]"
            } else {
                ""
            };
            let _ = writeln!(out, "  {}. {name}{pin}", i + 1);
            let _ = writeln!(
                out,
                "     tables: {}",
                list_or_none(&self.document.tables_of(name))
            );
            let _ = writeln!(
                out,
                "     modules: {}",
                list_or_none(&self.document.modules_of(name))
            );
        }
        if let Ok(loaded) = self.parsed() {
            if !loaded.plan.shared.is_empty() {
                out.push_str("  shared:\n");
                for s in &loaded.plan.shared {
                    let _ = writeln!(
                        out,
                        "     {} (owner {}, {})",
                        s.table.get_ref(),
                        s.owner.get_ref(),
                        s.strategy.get_ref()
                    );
                }
            }
            for e in &loaded.plan.exceptions {
                let _ = writeln!(
                    out,
                    "  exception: {} may go before {}",
                    e.service.get_ref(),
                    e.before.get_ref()
                );
            }
        }
        let m = self.metrics();
        let _ = writeln!(
            out,
            "  metrics: cross-service FKs {}, cross-service accesses {}",
            m.cross_service_foreign_keys, m.cross_service_accesses
        );
        out
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

/// A plan proposed from a fresh analysis of the monolith.
fn fresh_plan(plan_path: &Path, root: &Path, monolith: &Monolith) -> String {
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
        root: crate::plan::write::relative_root(plan_path, root),
        schema: monolith
            .schema
            .used
            .iter()
            .map(|u| u.split(" (").next().unwrap_or(u).to_string())
            .collect(),
        dialect: monolith.schema.schema.dialect,
        modules: crate::plan::write::staying_modules(&proposal, &monolith.code),
        exclude: Vec::new(),
    };
    render_plan(&proposal, &info)
}
