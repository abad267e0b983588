//! The workspace's shape without running cargo: which packages it has
//! (`[workspace] members`/`exclude`, standalone packages), their library and
//! binary targets, and which dependency names refer to workspace crates.

use crate::model::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Directories never holding the monolith's own crates.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".git", "vendor"];

/// One crate to read: a package's library or one of its binaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateTarget {
    /// The name paths use: `-` replaced by `_`.
    pub name: String,
    /// The package's directory.
    pub package_dir: PathBuf,
    /// The crate root (`src/lib.rs`, `src/main.rs`, …).
    pub root_file: PathBuf,
    pub is_lib: bool,
    /// Edition 2015: paths in `use` start at the crate root.
    pub edition_2015: bool,
    /// Names this crate's code may use for other workspace crates, with
    /// the index (into [`Workspace::crates`]) of the library they name.
    pub externs: BTreeMap<String, usize>,
}

#[derive(Debug, Default)]
pub struct Workspace {
    pub crates: Vec<CrateTarget>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug)]
struct Manifest {
    dir: PathBuf,
    shown: String,
    table: toml::Table,
}

impl Manifest {
    fn package_name(&self) -> Option<&str> {
        self.table.get("package")?.get("name")?.as_str()
    }

    fn workspace(&self) -> Option<&toml::Value> {
        self.table.get("workspace")
    }
}

/// The path of `path` relative to `root`, `.` for the root itself.
pub fn relative(path: &Path, root: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(p) if p.as_os_str().is_empty() => ".".to_string(),
        Ok(p) => p.to_string_lossy().replace('\\', "/"),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn crate_name(name: &str) -> String {
    name.replace('-', "_")
}

/// Matches a cargo member pattern (`crates/*`, `libs/**`, `a?c`) against a
/// relative path, segment by segment.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let path: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    match_segments(&pattern, &path)
}

fn match_segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.first() {
        None => path.is_empty(),
        Some(&"**") => (0..=path.len()).any(|skip| match_segments(&pattern[1..], &path[skip..])),
        Some(p) => {
            !path.is_empty()
                && match_segment(p.as_bytes(), path[0].as_bytes())
                && match_segments(&pattern[1..], &path[1..])
        }
    }
}

fn match_segment(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some(b'*') => (0..=text.len()).any(|skip| match_segment(&pattern[1..], &text[skip..])),
        Some(b'?') => !text.is_empty() && match_segment(&pattern[1..], &text[1..]),
        Some(c) => text.first() == Some(c) && match_segment(&pattern[1..], &text[1..]),
    }
}

fn find_manifests(root: &Path) -> Vec<PathBuf> {
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build();
    let mut found: Vec<PathBuf> = walker
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && e.file_name() == "Cargo.toml")
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found
}

fn read_manifest(path: &Path, root: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<Manifest> {
    let shown = relative(path, root);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            diagnostics.push(
                Diagnostic::warning(
                    "rust-manifest-unreadable",
                    format!("cannot read {shown}: {e}"),
                )
                .in_file(shown),
            );
            return None;
        }
    };
    match text.parse::<toml::Table>() {
        Ok(table) => Some(Manifest {
            dir: normalize(path.parent().unwrap_or(root)),
            shown,
            table,
        }),
        Err(e) => {
            diagnostics.push(
                Diagnostic::warning(
                    "rust-manifest-unparsed",
                    format!("cannot parse {shown}: {}", e.message()),
                )
                .in_file(shown),
            );
            None
        }
    }
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The packages cargo would build: every workspace's members (and its own
/// package), plus packages outside any workspace.
fn select_packages(
    manifests: &mut Vec<Manifest>,
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let mut chosen = BTreeSet::new();
    let workspaces: Vec<usize> = (0..manifests.len())
        .filter(|&i| manifests[i].workspace().is_some())
        .collect();
    for &w in &workspaces {
        let dir = manifests[w].dir.clone();
        let ws = manifests[w]
            .workspace()
            .cloned()
            .unwrap_or(toml::Value::Table(Default::default()));
        let members = strings(ws.get("members"));
        let exclude = strings(ws.get("exclude"));
        if manifests[w].package_name().is_some() {
            chosen.insert(w);
        }
        // A literal member the walk did not see (ignored by git, say) is read directly.
        for member in &members {
            if member.contains(['*', '?', '[']) {
                continue;
            }
            let member_dir = normalize(&dir.join(member));
            if !manifests.iter().any(|m| m.dir == member_dir) {
                let path = member_dir.join("Cargo.toml");
                if path.is_file() {
                    if let Some(m) = read_manifest(&path, root, diagnostics) {
                        manifests.push(m);
                    }
                }
            }
        }
        for (i, m) in manifests.iter().enumerate() {
            if m.package_name().is_none() {
                continue;
            }
            let Ok(rel) = m.dir.strip_prefix(&dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let excluded = exclude.iter().any(|e| {
                glob_match(e, &rel) || rel.starts_with(&format!("{}/", e.trim_end_matches('/')))
            });
            if !excluded && members.iter().any(|p| glob_match(p, &rel)) {
                chosen.insert(i);
            }
        }
    }
    let ws_dirs: Vec<PathBuf> = workspaces
        .iter()
        .map(|&w| manifests[w].dir.clone())
        .collect();
    for (i, m) in manifests.iter().enumerate() {
        if m.package_name().is_some() && !ws_dirs.iter().any(|d| m.dir.starts_with(d)) {
            chosen.insert(i);
        }
    }
    let mut chosen: Vec<usize> = chosen.into_iter().collect();
    chosen.sort_by(|&a, &b| manifests[a].dir.cmp(&manifests[b].dir));
    chosen.dedup_by(|a, b| manifests[*a].dir == manifests[*b].dir);
    chosen
}

/// A package's targets: its library, then its binaries.
fn targets_of(m: &Manifest) -> Vec<(String, PathBuf, bool)> {
    let package = crate_name(m.package_name().unwrap_or_default());
    let mut targets = Vec::new();
    let lib = m.table.get("lib");
    let lib_path = lib
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
        .map(|p| m.dir.join(p))
        .or_else(|| Some(m.dir.join("src/lib.rs")).filter(|p| p.is_file()));
    if let Some(path) = lib_path {
        let name = lib
            .and_then(|l| l.get("name"))
            .and_then(|n| n.as_str())
            .map(crate_name)
            .unwrap_or_else(|| package.clone());
        targets.push((name, normalize(&path), true));
    }
    let mut bins: Vec<(String, PathBuf)> = Vec::new();
    let autobins = m
        .table
        .get("package")
        .and_then(|p| p.get("autobins"))
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    if let Some(list) = m.table.get("bin").and_then(|b| b.as_array()) {
        for bin in list {
            let Some(name) = bin.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            let path = match bin.get("path").and_then(|p| p.as_str()) {
                Some(p) => m.dir.join(p),
                None => {
                    let main = m.dir.join("src/main.rs");
                    let single = m.dir.join(format!("src/bin/{name}.rs"));
                    if crate_name(name) == package && main.is_file() {
                        main
                    } else if single.is_file() {
                        single
                    } else {
                        m.dir.join(format!("src/bin/{name}/main.rs"))
                    }
                }
            };
            bins.push((crate_name(name), normalize(&path)));
        }
    }
    if autobins {
        let main = m.dir.join("src/main.rs");
        if main.is_file() {
            bins.push((package.clone(), normalize(&main)));
        }
        if let Ok(entries) = std::fs::read_dir(m.dir.join("src/bin")) {
            let mut found: Vec<(String, PathBuf)> = entries
                .flatten()
                .filter_map(|e| {
                    let path = e.path();
                    if path.extension().is_some_and(|x| x == "rs") && path.is_file() {
                        let stem = path.file_stem()?.to_string_lossy().into_owned();
                        Some((crate_name(&stem), path))
                    } else if path.join("main.rs").is_file() {
                        let dir = path.file_name()?.to_string_lossy().into_owned();
                        Some((crate_name(&dir), path.join("main.rs")))
                    } else {
                        None
                    }
                })
                .collect();
            found.sort();
            bins.extend(found.into_iter().map(|(n, p)| (n, normalize(&p))));
        }
    }
    // Explicit `[[bin]]` entries come first and win over discovered ones.
    let mut seen_paths = BTreeSet::new();
    let mut seen_names = BTreeSet::new();
    for (name, path) in bins {
        if path.is_file() && seen_paths.insert(path.clone()) && seen_names.insert(name.clone()) {
            targets.push((name, path, false));
        }
    }
    targets
}

/// The workspace dependency table a `{ workspace = true }` entry refers to.
fn workspace_dependency<'a>(
    manifests: &'a [Manifest],
    package_dir: &Path,
    key: &str,
) -> Option<(&'a toml::Value, &'a Path)> {
    manifests
        .iter()
        .filter(|m| package_dir.starts_with(&m.dir))
        .filter_map(|m| {
            let deps = m.workspace()?.get("dependencies")?;
            Some((deps.get(key)?, m.dir.as_path()))
        })
        .max_by_key(|(_, dir)| dir.components().count())
}

/// The package's edition: its own, the workspace's (`edition.workspace =
/// true`), or cargo's default, 2015.
fn edition<'a>(manifests: &'a [Manifest], m: &'a Manifest) -> &'a str {
    let inherited = || {
        manifests
            .iter()
            .filter(|w| m.dir.starts_with(&w.dir))
            .filter_map(|w| w.workspace()?.get("package")?.get("edition")?.as_str())
            .next_back()
    };
    match m.table.get("package").and_then(|p| p.get("edition")) {
        Some(toml::Value::String(s)) => s,
        Some(toml::Value::Table(t))
            if t.get("workspace").and_then(|w| w.as_bool()) == Some(true) =>
        {
            inherited().unwrap_or("2015")
        }
        _ => "2015",
    }
}

/// Reads the workspace under `root`.
pub fn read_workspace(root: &Path) -> Workspace {
    let mut diagnostics = Vec::new();
    let root = normalize(root);
    let mut manifests: Vec<Manifest> = find_manifests(&root)
        .iter()
        .filter_map(|p| read_manifest(p, &root, &mut diagnostics))
        .collect();
    let packages = select_packages(&mut manifests, &root, &mut diagnostics);
    let mut crates: Vec<CrateTarget> = Vec::new();
    // Per package: its index, and the index of its library crate if any.
    let mut lib_of: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut lib_by_package: BTreeMap<String, usize> = BTreeMap::new();
    let mut package_crates: Vec<(usize, Vec<usize>)> = Vec::new();
    for &p in &packages {
        let m = &manifests[p];
        let mut mine = Vec::new();
        for (name, root_file, is_lib) in targets_of(m) {
            if is_lib {
                lib_of.insert(m.dir.clone(), crates.len());
                lib_by_package.insert(
                    crate_name(m.package_name().unwrap_or_default()),
                    crates.len(),
                );
            }
            mine.push(crates.len());
            crates.push(CrateTarget {
                name,
                package_dir: m.dir.clone(),
                root_file,
                is_lib,
                edition_2015: edition(&manifests, m) == "2015",
                externs: BTreeMap::new(),
            });
        }
        if mine.is_empty() {
            diagnostics.push(
                Diagnostic::info(
                    "rust-no-target",
                    format!("{} has no library or binary target to read", m.shown),
                )
                .in_file(m.shown.clone()),
            );
        }
        package_crates.push((p, mine));
    }
    for (p, mine) in &package_crates {
        let m = &manifests[*p];
        let mut externs = BTreeMap::new();
        let own_lib = lib_of.get(&m.dir).copied();
        if let Some(lib) = own_lib {
            externs.insert(crates[lib].name.clone(), lib);
        }
        let mut tables: Vec<&toml::Value> = m.table.get("dependencies").into_iter().collect();
        if let Some(targets) = m.table.get("target").and_then(|t| t.as_table()) {
            for cfg in targets.values() {
                tables.extend(cfg.get("dependencies"));
            }
        }
        for deps in tables.into_iter().filter_map(|d| d.as_table()) {
            for (key, spec) in deps {
                let mut package = spec
                    .get("package")
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
                let mut path = spec
                    .get("path")
                    .and_then(|v| v.as_str())
                    .map(|p| normalize(&m.dir.join(p)));
                if spec.get("workspace").and_then(|v| v.as_bool()) == Some(true) {
                    if let Some((shared, ws_dir)) = workspace_dependency(&manifests, &m.dir, key) {
                        package = package.or_else(|| {
                            shared
                                .get("package")
                                .and_then(|v| v.as_str())
                                .map(str::to_string)
                        });
                        path = shared
                            .get("path")
                            .and_then(|v| v.as_str())
                            .map(|p| normalize(&ws_dir.join(p)));
                    }
                }
                let target = path
                    .as_ref()
                    .and_then(|p| lib_of.get(p).copied())
                    .or_else(|| {
                        let wanted = crate_name(package.as_deref().unwrap_or(key));
                        lib_by_package.get(&wanted).copied()
                    });
                if let Some(lib) = target {
                    let alias = if package.is_some() {
                        crate_name(key)
                    } else {
                        crates[lib].name.clone()
                    };
                    externs.insert(alias, lib);
                }
            }
        }
        for &c in mine {
            let mut own = externs.clone();
            if Some(c) == own_lib {
                // A library does not see itself under its own name.
                own.remove(&crates[c].name);
            }
            crates[c].externs = own;
        }
    }
    if crates.is_empty() {
        diagnostics.push(Diagnostic::info(
            "rust-no-crate",
            format!("no Cargo package found under {}", root.display()),
        ));
    }
    Workspace {
        crates,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_member_patterns() {
        assert!(glob_match("crates/*", "crates/core"));
        assert!(!glob_match("crates/*", "crates/core/sub"));
        assert!(glob_match("crates/**", "crates/core/sub"));
        assert!(glob_match("./libs/db-?", "libs/db-a"));
        assert!(glob_match("app", "app"));
        assert!(!glob_match("app", "apps"));
    }

    #[test]
    fn normalizes_dots() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
    }
}
