//! The module tree: from each crate root, follow `mod x;` to `x.rs` or
//! `x/mod.rs` (or a `#[path]`). Every file is parsed exactly once per crate
//! that includes it.
//!
//! Reading runs in two passes. The first reads every file on all cores, a
//! file as soon as the file declaring it has been parsed, so one big file
//! (a diesel `schema.rs` of 40,000 lines) never leaves a core idle while
//! the rest of its depth waits, and parsing goes on while the schema still
//! loads: a file parsed before the schema is there waits, parsed, on its
//! thread. The second walks the trees depth by depth, as the modules are
//! numbered, taking each file's facts from the first: the numbering and
//! parents do not depend on which file finished first.

use super::extract::{extract_syntax, guarded, parse_source, FileContext};
use super::facts::{FileFacts, ModuleFacts};
use super::gate::{SchemaGate, SchemaView};
use super::syntax::{ident_str, is_test_only};
use super::workspace::{relative, Workspace};
use crate::model::Diagnostic;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use syn::{Expr, ExprLit, Item, ItemMod, Lit, Meta};

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

/// Where the `mod x;` of one file look for their files.
#[derive(Debug)]
pub struct ChildDirs {
    /// The file's directory: where a top-level `#[path]` starts.
    file_dir: PathBuf,
    /// Where a plain `mod x;` of the file's own module looks: the file's
    /// directory when it owns it (crate root, `mod.rs`, `#[path]`), else a
    /// folder named after the file.
    child_base: PathBuf,
}

impl ChildDirs {
    pub fn of(file: &Path, mod_rs: bool) -> Self {
        let file_dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let child_base = if mod_rs {
            file_dir.clone()
        } else {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            file_dir.join(stem)
        };
        ChildDirs {
            file_dir,
            child_base,
        }
    }

    /// The file of `mod name;` declared inside the file's inline modules
    /// `rel` (empty at the top), and whether it owns its directory.
    pub fn locate(&self, m: &ItemMod, name: &str, rel: &[String]) -> (Option<PathBuf>, bool) {
        let mut base = self.child_base.clone();
        for part in rel {
            base.push(part);
        }
        match path_attr(m) {
            // `#[path]` is relative to the file's directory at the top level,
            // to the inline modules' directory inside them.
            Some(p) => {
                let dir = if rel.is_empty() {
                    &self.file_dir
                } else {
                    &base
                };
                let file = dir.join(p);
                (file.is_file().then_some(file), true)
            }
            None => match child_file(&base, name) {
                Some((file, mod_rs)) => (Some(file), mod_rs),
                None => (None, false),
            },
        }
    }

    /// The files of the modules `items` declare, as extraction lists them
    /// (inline modules followed, test-only ones left out), found without
    /// the schema so that reading them can start before it is loaded.
    pub fn declared_files(&self, items: &[Item]) -> Vec<(PathBuf, bool)> {
        let mut found = Vec::new();
        self.collect_declared(items, &mut Vec::new(), &mut found);
        found
    }

    fn collect_declared(
        &self,
        items: &[Item],
        rel: &mut Vec<String>,
        found: &mut Vec<(PathBuf, bool)>,
    ) {
        for item in items {
            let Item::Mod(m) = item else { continue };
            if is_test_only(&m.attrs) {
                continue;
            }
            let name = ident_str(&m.ident);
            match &m.content {
                Some((_, inner)) => {
                    rel.push(name);
                    self.collect_declared(inner, rel, found);
                    rel.pop();
                }
                None => {
                    if let (Some(file), mod_rs) = self.locate(m, &name, rel) {
                        found.push((file, mod_rs));
                    }
                }
            }
        }
    }
}

/// The string of a module's `#[path = "…"]`.
fn path_attr(m: &ItemMod) -> Option<String> {
    m.attrs.iter().find_map(|a| match &a.meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
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

/// Reads and parses one file, giving its tree and the length of its text;
/// an unreadable or unparsable one gives its facts at once.
fn parse_file(path: &Path, shown: &str) -> Result<(syn::File, usize), FileFacts> {
    let mut text = read_source(path, shown).map_err(FileFacts::one_module_with)?;
    let file = guarded(shown, || parse_source(shown, &mut text))?;
    Ok((file, text.len()))
}

/// Matches what a parsed file names against the schema; with no schema
/// (it could not be loaded) the file gives an empty module.
fn extract_file(
    view: Option<&SchemaView>,
    path: &Path,
    mod_rs: bool,
    shown: &str,
    file: &syn::File,
) -> FileFacts {
    let Some(view) = view else {
        return FileFacts::one_empty_module();
    };
    let ctx = FileContext {
        tables: &view.tables,
        file: path,
        shown,
        mod_rs,
    };
    guarded(shown, || Ok(extract_syntax(&ctx, file))).unwrap_or_else(|facts| facts)
}

/// Reads, parses and extracts one file at once, waiting for the schema.
fn read_file(path: &Path, mod_rs: bool, root: &Path, gate: &SchemaGate) -> (String, FileFacts) {
    let shown = relative(path, root);
    let facts = match parse_file(path, &shown) {
        Ok((file, _)) => extract_file(gate.wait().as_deref(), path, mod_rs, &shown, &file),
        Err(facts) => facts,
    };
    free_spans_unless_waiting();
    (shown, facts)
}

/// A file parsed while the schema was still loading. Syntax trees cannot
/// move between threads, and their spans live in the parsing thread's
/// source map: it waits on that thread until the schema is there.
struct Parsed {
    /// The first pass that parsed it: threads of the global pool may serve
    /// two analyses at once.
    pass: usize,
    key: FileKey,
    shown: String,
    file: syn::File,
    /// The length of its text, counted in [`FirstPass::waiting_bytes`].
    text_len: usize,
}

/// How much source may wait, parsed, for the schema, in all: a syntax tree
/// takes many times its text, and a live schema can take seconds to load,
/// time enough to parse a large monolith whole. Past it, readers wait.
const MAX_WAITING_BYTES: usize = 16 << 20;

thread_local! {
    /// The files this thread parsed that wait for the schema.
    static WAITING: RefCell<Vec<Parsed>> = const { RefCell::new(Vec::new()) };
}

/// Frees the thread's source map, where each parse records its file for
/// spans, so memory stays flat however many files a thread parses; kept
/// while a parsed file waits on this thread, whose spans it still holds.
pub fn free_spans_unless_waiting() {
    if WAITING.with(|w| w.borrow().is_empty()) {
        proc_macro2::extra::invalidate_current_thread_spans();
    }
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
    /// The text length of the files parsed that wait for the schema.
    waiting_bytes: AtomicUsize,
    /// Past this many, readers wait for the schema ([`MAX_WAITING_BYTES`]).
    max_waiting_bytes: usize,
}

impl<'a> FirstPass<'a> {
    fn new(root: &'a Path, gate: &'a SchemaGate) -> Self {
        FirstPass {
            root,
            gate,
            claimed: Mutex::new(FxHashSet::default()),
            read: Mutex::new(FxHashMap::default()),
            waiting_bytes: AtomicUsize::new(0),
            max_waiting_bytes: MAX_WAITING_BYTES,
        }
    }

    /// Reads every file of the workspace's module trees into `read`.
    fn read_all(&self, workspace: &Workspace) {
        rayon::scope(|scope| {
            for (i, krate) in workspace.crates.iter().enumerate() {
                self.claim(scope, (i, krate.root_file.clone(), true));
            }
        });
        // Files parsed before the schema came still wait on their threads.
        rayon::broadcast(|_| self.extract_waiting());
    }

    /// Reads `key` on some core unless it was claimed before.
    fn claim<'s>(&'s self, scope: &rayon::Scope<'s>, key: FileKey) {
        let fresh = lock(&self.claimed).insert(key.clone());
        if fresh {
            scope.spawn(move |scope| self.read_one(scope, key));
        }
    }

    /// Parses one file and claims the files it declares; its facts come
    /// at once when the schema is there, later on this thread otherwise.
    fn read_one<'s>(&'s self, scope: &rayon::Scope<'s>, key: FileKey) {
        let shown = relative(&key.1, self.root);
        match parse_file(&key.1, &shown) {
            Ok((file, text_len)) => {
                let dirs = ChildDirs::of(&key.1, key.2);
                for (child, mod_rs) in dirs.declared_files(&file.items) {
                    self.claim(scope, (key.0, child, mod_rs));
                }
                self.waiting_bytes.fetch_add(text_len, Ordering::Relaxed);
                let pass = self.id();
                WAITING.with(|w| {
                    w.borrow_mut().push(Parsed {
                        pass,
                        key,
                        shown,
                        file,
                        text_len,
                    });
                });
            }
            Err(facts) => {
                lock(&self.read).insert(key, (shown, facts));
            }
        }
        if self.gate.is_settled()
            || self.waiting_bytes.load(Ordering::Relaxed) > self.max_waiting_bytes
        {
            self.extract_waiting();
        }
    }

    /// Extracts the facts of the files waiting on this thread, waiting for
    /// the schema if need be, and frees the thread's spans.
    fn extract_waiting(&self) {
        let pass = self.id();
        let mine: Vec<Parsed> = WAITING.with(|w| {
            let mut w = w.borrow_mut();
            let (mine, others) = std::mem::take(&mut *w)
                .into_iter()
                .partition(|p| p.pass == pass);
            *w = others;
            mine
        });
        if !mine.is_empty() {
            let view = self.gate.wait();
            for Parsed {
                key,
                shown,
                file,
                text_len,
                ..
            } in mine
            {
                let facts = extract_file(view.as_deref(), &key.1, key.2, &shown, &file);
                drop(file);
                self.waiting_bytes.fetch_sub(text_len, Ordering::Relaxed);
                lock(&self.read).insert(key, (shown, facts));
            }
        }
        free_spans_unless_waiting();
    }

    /// Tells this pass's waiting files from another's while it runs.
    fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
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
    let pass = FirstPass::new(root, gate);
    pass.read_all(workspace);
    let mut read = pass
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
    use super::{lock, read_source, FirstPass};
    use crate::ingest::rust::gate::SchemaGate;
    use crate::ingest::rust::workspace::read_workspace;
    use crate::ingest::sql::ingest_text;
    use std::time::{Duration, Instant};

    /// A crate whose module tree is four files deep, with a module inside
    /// an inline one and a test-only module that is not read.
    fn deep_crate(root: &std::path::Path) {
        let files = [
            ("Cargo.toml", "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            ("src/lib.rs", "pub mod orders;\nmod api {\n    pub mod routes;\n}\n#[cfg(test)]\nmod tests;\n"),
            ("src/orders.rs", "pub mod store;\n"),
            ("src/orders/store.rs", "pub mod model;\n"),
            (
                "src/orders/store/model.rs",
                "#[derive(Queryable)]\n#[diesel(table_name = orders)]\npub struct Order {\n    pub id: i64,\n}\n",
            ),
            ("src/api/routes.rs", "pub fn list() {}\n"),
            ("src/tests.rs", "fn helper() {}\n"),
        ];
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// Runs `pass` over `root` with the schema still loading: waits until
    /// `expected` files are claimed (at most `patience`), notes how many
    /// were claimed and matched, then lets the schema in and finishes.
    fn read_while_loading(
        pass: &FirstPass<'_>,
        gate: &SchemaGate,
        root: &std::path::Path,
        expected: usize,
        patience: Duration,
    ) -> (usize, usize) {
        let workspace = read_workspace(root);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| pool.install(|| pass.read_all(&workspace)));
            let deadline = Instant::now() + patience;
            while lock(&pass.claimed).len() < expected && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            let seen = (lock(&pass.claimed).len(), lock(&pass.read).len());
            let schema = ingest_text(
                "schema.sql",
                "CREATE TABLE orders (id bigint PRIMARY KEY);",
                None,
            )
            .schema;
            gate.open(&schema);
            reader.join().unwrap();
            seen
        })
    }

    #[test]
    fn the_whole_tree_is_parsed_while_the_schema_loads_and_matched_once_it_is_there() {
        let dir = tempfile::tempdir().unwrap();
        deep_crate(dir.path());
        let gate = SchemaGate::pending();
        let pass = FirstPass::new(dir.path(), &gate);
        // Each file is claimed once the file declaring it was parsed: the
        // deepest one only after three parses, with no schema yet.
        let (claimed, matched) =
            read_while_loading(&pass, &gate, dir.path(), 5, Duration::from_secs(30));
        assert_eq!(claimed, 5, "files claimed before the schema came");
        assert_eq!(matched, 0, "files matched before the schema came");
        let read = pass.read.into_inner().unwrap();
        let mut shown: Vec<&str> = read.values().map(|(shown, _)| shown.as_str()).collect();
        shown.sort_unstable();
        assert_eq!(
            shown,
            [
                "src/api/routes.rs",
                "src/lib.rs",
                "src/orders.rs",
                "src/orders/store.rs",
                "src/orders/store/model.rs"
            ]
        );
        // The model parsed before the schema came was matched against it.
        let (_, model) = read
            .values()
            .find(|(shown, _)| shown == "src/orders/store/model.rs")
            .unwrap();
        let order = &model.modules[0].types[0];
        assert_eq!(
            (order.name.as_str(), order.diesel_table.as_deref()),
            ("Order", Some("orders"))
        );
    }

    #[test]
    fn parsing_stops_for_the_schema_once_enough_source_waits() {
        let dir = tempfile::tempdir().unwrap();
        deep_crate(dir.path());
        let gate = SchemaGate::pending();
        let mut pass = FirstPass::new(dir.path(), &gate);
        // Any parsed file is too much: each reader then waits with its first.
        pass.max_waiting_bytes = 0;
        let (claimed, matched) =
            read_while_loading(&pass, &gate, dir.path(), 5, Duration::from_secs(1));
        assert!(claimed < 5, "{claimed} files claimed past the bound");
        assert_eq!(matched, 0);
        assert_eq!(
            pass.read.into_inner().unwrap().len(),
            5,
            "every file is read once the schema came"
        );
        assert_eq!(pass.waiting_bytes.into_inner(), 0);
    }

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
