//! The module tree: from each crate root, follow `mod x;` to `x.rs` or
//! `x/mod.rs` (or a `#[path]`), reading the files of each depth in
//! parallel. Every file is parsed exactly once per crate that includes it.

use super::extract::{extract_syntax, guarded, parse_source, FileContext};
use super::facts::{FileFacts, ModuleFacts};
use super::gate::SchemaGate;
use super::workspace::{relative, Workspace};
use crate::model::Diagnostic;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};

/// Where `mod name;` lives, looking in `base`: `name.rs` (a file that does
/// not own its directory) or `name/mod.rs` (one that does).
pub fn child_file(base: &Path, name: &str) -> Option<(PathBuf, bool)> {
    let flat = base.join(format!("{name}.rs"));
    if flat.is_file() {
        return Some((flat, false));
    }
    let nested = base.join(name).join("mod.rs");
    nested.is_file().then_some((nested, true))
}

/// One module of the tree with what its file said about it.
#[derive(Debug)]
pub struct ModuleRecord {
    pub crate_index: usize,
    /// Segments below the crate root.
    pub path: Vec<String>,
    /// The file holding it, relative to the analyzed root.
    pub file: String,
    pub parent: Option<usize>,
    pub facts: ModuleFacts,
}

struct Job {
    crate_index: usize,
    path: Vec<String>,
    file: PathBuf,
    mod_rs: bool,
    parent: Option<usize>,
}

fn read_source(path: &Path, shown: &str) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::warning("rust-unreadable", format!("cannot read {shown}: {e}")).in_file(shown)
    })?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(body.to_vec()).map_err(|_| {
        Diagnostic::warning("rust-unreadable", format!("{shown} is not UTF-8")).in_file(shown)
    })
}

/// Reads and parses one file, then waits for the schema to match what the
/// file names against it.
fn read_job(job: &Job, root: &Path, gate: &SchemaGate) -> (String, FileFacts) {
    let shown = relative(&job.file, root);
    let text = match read_source(&job.file, &shown) {
        Ok(text) => text,
        Err(d) => return (shown, FileFacts::one_module_with(d)),
    };
    let facts = guarded(&shown, || {
        let file = match parse_source(&shown, &text) {
            Ok(file) => file,
            Err(facts) => return facts,
        };
        let Some(view) = gate.wait() else {
            return FileFacts::one_empty_module();
        };
        let ctx = FileContext {
            tables: &view.tables,
            dialect: view.dialect,
            file: &job.file,
            shown: &shown,
            mod_rs: job.mod_rs,
        };
        extract_syntax(&ctx, &file)
    });
    (shown, facts)
}

/// Reads every crate's module tree, depth by depth.
pub fn read_tree(
    workspace: &Workspace,
    root: &Path,
    gate: &SchemaGate,
) -> (Vec<ModuleRecord>, Vec<Diagnostic>) {
    let mut records: Vec<ModuleRecord> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut seen: FxHashSet<(usize, PathBuf)> = FxHashSet::default();
    let mut frontier: Vec<Job> = workspace
        .crates
        .iter()
        .enumerate()
        .filter(|(i, c)| seen.insert((*i, c.root_file.clone())))
        .map(|(i, c)| Job {
            crate_index: i,
            path: Vec::new(),
            file: c.root_file.clone(),
            mod_rs: true,
            parent: None,
        })
        .collect();
    while !frontier.is_empty() {
        let results: Vec<(String, FileFacts)> = frontier
            .par_iter()
            .map(|job| read_job(job, root, gate))
            .collect();
        let mut next = Vec::new();
        for (job, (shown, facts)) in frontier.into_iter().zip(results) {
            diagnostics.extend(facts.diagnostics);
            let first = records.len();
            for module in facts.modules {
                let rel_len = module.rel_path.len();
                let parent = if rel_len == 0 {
                    job.parent
                } else {
                    // Inline modules follow their parent in the file's list.
                    let parent_rel = &module.rel_path[..rel_len - 1];
                    (first..records.len())
                        .rev()
                        .find(|&r| records[r].path[job.path.len()..] == *parent_rel)
                };
                let mut path = job.path.clone();
                path.extend(module.rel_path.iter().cloned());
                let id = records.len();
                for child in &module.children {
                    match &child.file {
                        Some(file) => {
                            if seen.insert((job.crate_index, file.clone())) {
                                let mut child_path = path.clone();
                                child_path.push(child.name.clone());
                                next.push(Job {
                                    crate_index: job.crate_index,
                                    path: child_path,
                                    file: file.clone(),
                                    mod_rs: child.mod_rs,
                                    parent: Some(id),
                                });
                            }
                        }
                        None => diagnostics.push(
                            Diagnostic::warning(
                                "rust-module-missing",
                                format!("no file for `mod {};` declared in {shown}", child.name),
                            )
                            .at(shown.clone(), child.line, 1)
                            .with_help("generated modules (build scripts, include!) are not read"),
                        ),
                    }
                }
                records.push(ModuleRecord {
                    crate_index: job.crate_index,
                    path,
                    file: shown.clone(),
                    parent,
                    facts: module,
                });
            }
        }
        frontier = next;
    }
    (records, diagnostics)
}
