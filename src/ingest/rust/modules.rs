//! The module tree: from each crate root, follow `mod x;` to `x.rs` or
//! `x/mod.rs` (or a `#[path]`). Every file is parsed exactly once per crate
//! that includes it.
//!
//! Reading runs in two passes. The first reads every file on all cores, a
//! file as soon as the file declaring it has been read, so one big file
//! (a diesel `schema.rs` of 40,000 lines) never leaves a core idle while
//! the rest of its depth waits. The second walks the trees depth by depth,
//! as the modules are numbered, taking each file's facts from the first:
//! the numbering and parents do not depend on which file finished first.

use super::extract::{extract_syntax, guarded, parse_source, FileContext};
use super::facts::{FileFacts, ModuleFacts};
use super::gate::SchemaGate;
use super::workspace::{relative, Workspace};
use crate::model::Diagnostic;
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
    let mut bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::warning("rust-unreadable", format!("cannot read {shown}: {e}")).in_file(shown)
    })?;
    // A byte-order mark is dropped in place: the text is not copied.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|_| {
        Diagnostic::warning("rust-unreadable", format!("{shown} is not UTF-8")).in_file(shown)
    })
}

/// Reads and parses one file, then waits for the schema to match what the
/// file names against it.
fn read_file(path: &Path, mod_rs: bool, root: &Path, gate: &SchemaGate) -> (String, FileFacts) {
    let shown = relative(path, root);
    let text = match read_source(path, &shown) {
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
            file: path,
            shown: &shown,
            mod_rs,
        };
        extract_syntax(&ctx, &file)
    });
    (shown, facts)
}

/// A file read for one crate, as its parent declared it: the crate, the
/// file, and whether it owns its directory (`mod.rs`, a `#[path]`).
type FileKey = (usize, PathBuf, bool);

/// The first pass: every file of every crate's module tree, read and
/// parsed on all cores, each as soon as its parent was read.
struct FirstPass<'a> {
    root: &'a Path,
    gate: &'a SchemaGate,
    claimed: Mutex<FxHashSet<FileKey>>,
    read: Mutex<FxHashMap<FileKey, (String, FileFacts)>>,
}

impl<'a> FirstPass<'a> {
    fn run(workspace: &Workspace, root: &'a Path, gate: &'a SchemaGate) -> Self {
        let pass = FirstPass {
            root,
            gate,
            claimed: Mutex::new(FxHashSet::default()),
            read: Mutex::new(FxHashMap::default()),
        };
        rayon::scope(|scope| {
            for (i, krate) in workspace.crates.iter().enumerate() {
                pass.claim(scope, (i, krate.root_file.clone(), true));
            }
        });
        pass
    }

    /// Reads `key` on some core unless it was claimed before.
    fn claim<'s>(&'s self, scope: &rayon::Scope<'s>, key: FileKey) {
        let fresh = lock(&self.claimed).insert(key.clone());
        if fresh {
            scope.spawn(move |scope| self.read_one(scope, key));
        }
    }

    fn read_one<'s>(&'s self, scope: &rayon::Scope<'s>, key: FileKey) {
        let (shown, facts) = read_file(&key.1, key.2, self.root, self.gate);
        for module in &facts.modules {
            for child in &module.children {
                if let Some(file) = &child.file {
                    self.claim(scope, (key.0, file.clone(), child.mod_rs));
                }
            }
        }
        lock(&self.read).insert(key, (shown, facts));
    }
}

/// A reader that panicked cannot leave these sets half-changed (each
/// change is one insert), so a poisoned lock is still good to use.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads every crate's module tree: all files at once, then numbered
/// depth by depth.
pub fn read_tree(
    workspace: &Workspace,
    root: &Path,
    gate: &SchemaGate,
) -> (Vec<ModuleRecord>, Vec<Diagnostic>) {
    let mut read = FirstPass::run(workspace, root, gate)
        .read
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
            .iter()
            .map(|job| {
                let key = (job.crate_index, job.file.clone(), job.mod_rs);
                // Every file the trees reach was read in the first pass;
                // reading here too only guards against a gap in it.
                read.remove(&key)
                    .unwrap_or_else(|| read_file(&job.file, job.mod_rs, root, gate))
            })
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

#[cfg(test)]
mod tests {
    use super::read_source;

    #[test]
    fn sources_lose_a_byte_order_mark_and_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let marked = dir.path().join("marked.rs");
        std::fs::write(&marked, b"\xEF\xBB\xBFfn main() {}\n").unwrap();
        assert_eq!(read_source(&marked, "marked.rs").unwrap(), "fn main() {}\n");
        let binary = dir.path().join("binary.rs");
        std::fs::write(&binary, b"fn \xFF() {}\n").unwrap();
        let warning = read_source(&binary, "binary.rs").unwrap_err();
        assert_eq!(warning.code, "rust-unreadable");
        assert!(
            warning.message.contains("binary.rs is not UTF-8"),
            "{}",
            warning.message
        );
    }
}
