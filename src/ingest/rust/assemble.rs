//! Gathering the result per module: its dependencies on other workspace
//! modules, its table accesses (direct ones with the query's line,
//! transitive ones with the call sites that lead out of the module), and
//! the co-access sets of functions.

use super::calls::{self, access_key, EntityTables, Links};
use super::facts::{DirectAccess, Segs};
use super::modules::ModuleRecord;
use super::resolve::{ModId, PathRes, Program};
use super::workspace::{relative, Workspace};
use crate::model::{Access, AccessMode, AccessVia, Codebase, CrateInfo, Module, SourceLocation};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Evidence kept per access: enough to find it, not every call site.
const MAX_EVIDENCE: usize = 20;

/// What a module keeps once its facts went into the program.
struct ModuleInfo {
    name: String,
    file: String,
    accesses: Vec<DirectAccess>,
    dep_paths: Vec<Segs>,
}

fn mode_of_key(key: u32) -> AccessMode {
    if key % 2 == 1 {
        AccessMode::Write
    } else {
        AccessMode::Read
    }
}

/// Builds the codebase from the module records.
pub fn assemble(root: &Path, workspace: &Workspace, mut records: Vec<ModuleRecord>) -> Codebase {
    let infos: Vec<ModuleInfo> = records
        .iter_mut()
        .map(|r| {
            let crate_name = &workspace.crates[r.crate_index].name;
            let mut name = crate_name.clone();
            for part in &r.path {
                name.push_str("::");
                name.push_str(part);
            }
            ModuleInfo {
                name,
                file: r.file.clone(),
                accesses: std::mem::take(&mut r.facts.accesses),
                dep_paths: std::mem::take(&mut r.facts.dep_paths),
            }
        })
        .collect();
    let entities: EntityTables = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.facts.entity_table.clone().map(|t| (i as u32, t)))
        .collect();
    let program = Program::build(records, workspace);
    let links = calls::link_all(&program, &entities);

    // Tables as numbers, in name order, so keys sort like names.
    let mut table_names: Vec<&str> = infos
        .par_iter()
        .flat_map_iter(|info| info.accesses.iter().map(|a| a.table.as_str()))
        .chain(
            program
                .fns
                .par_iter()
                .zip(&links)
                .flat_map_iter(|(f, l)| f.fact.accesses.iter().chain(&l.accesses))
                .map(|a| a.table.as_str()),
        )
        .collect();
    table_names.par_sort_unstable();
    table_names.dedup();
    let tables: Vec<String> = table_names.into_iter().map(str::to_string).collect();
    let table_id: FxHashMap<&str, u32> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i as u32))
        .collect();
    let key = |a: &DirectAccess| access_key(table_id[a.table.as_str()], a.mode);

    let direct: Vec<Vec<u32>> = program
        .fns
        .par_iter()
        .zip(&links)
        .map(|(f, l)| {
            let mut keys: Vec<u32> = f.fact.accesses.iter().chain(&l.accesses).map(key).collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        })
        .collect();
    // Propagation runs on one core; each module's dependencies meanwhile
    // on the others.
    let (acc, depends_on) = rayon::join(
        || calls::propagate(direct, &links),
        || {
            (0..infos.len())
                .into_par_iter()
                .map(|m| depends_on(&program, &infos, m))
                .collect::<Vec<Vec<String>>>()
        },
    );

    let mut fns_of: Vec<Vec<u32>> = vec![Vec::new(); infos.len()];
    for (i, f) in program.fns.iter().enumerate() {
        fns_of[f.module as usize].push(i as u32);
    }

    let modules: Vec<Module> = (0..infos.len())
        .into_par_iter()
        .zip(depends_on)
        .map(|(m, depends_on)| {
            let info = &infos[m];
            let mut direct: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
            let mut transitive: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
            for a in &info.accesses {
                direct.entry(key(a)).or_default().insert(a.line);
            }
            for &f in &fns_of[m] {
                let node = &program.fns[f as usize];
                let l: &Links = &links[f as usize];
                for a in node.fact.accesses.iter().chain(&l.accesses) {
                    direct.entry(key(a)).or_default().insert(a.line);
                }
                for &(g, line) in &l.callees {
                    // Calls inside the module add nothing: the chain leaves
                    // it through some other call site, or the access is direct.
                    if program.fns[g as usize].module as usize == m {
                        continue;
                    }
                    for &k in &acc[g as usize] {
                        transitive.entry(k).or_default().insert(line);
                    }
                }
            }
            let mut keys: BTreeSet<u32> = direct.keys().copied().collect();
            keys.extend(transitive.keys().copied());
            let accesses = keys
                .into_iter()
                .map(|k| {
                    let (via, lines) = match direct.get(&k) {
                        Some(lines) => (AccessVia::Direct, lines),
                        None => (AccessVia::Transitive, &transitive[&k]),
                    };
                    Access {
                        table: tables[(k / 2) as usize].clone(),
                        mode: mode_of_key(k),
                        via,
                        evidence: lines
                            .iter()
                            .take(MAX_EVIDENCE)
                            .map(|&line| SourceLocation {
                                file: info.file.clone(),
                                line,
                            })
                            .collect(),
                    }
                })
                .collect();
            Module {
                name: info.name.clone(),
                file: info.file.clone(),
                depends_on,
                accesses,
            }
        })
        .collect();

    let mut co_access: BTreeSet<Vec<String>> = BTreeSet::new();
    for (f, node) in program.fns.iter().enumerate() {
        if !calls::is_function(node.fact.kind) {
            continue;
        }
        let mut ids: Vec<u32> = acc[f].iter().map(|k| k / 2).collect();
        ids.dedup();
        if ids.len() >= 2 {
            co_access.insert(ids.iter().map(|&t| tables[t as usize].clone()).collect());
        }
    }

    let mut crates: BTreeMap<String, CrateInfo> = BTreeMap::new();
    for c in &workspace.crates {
        crates.entry(c.name.clone()).or_insert_with(|| CrateInfo {
            name: c.name.clone(),
            root: relative(&c.package_dir, root),
        });
    }
    let codebase = Codebase {
        crates: crates.into_values().collect(),
        modules: merge_same_names(modules),
        co_access: co_access.into_iter().collect(),
    };
    // Millions of small strings and lists: see `memory` for why they are
    // not always freed one by one.
    drop(table_id);
    crate::memory::discard((program, links, acc, infos, fns_of, tables));
    codebase
}

/// The names of the modules module `m` depends on, sorted.
fn depends_on(program: &Program, infos: &[ModuleInfo], m: usize) -> Vec<String> {
    let info = &infos[m];
    dependencies(program, m as ModId, &info.dep_paths)
        .into_iter()
        .map(|d| infos[d as usize].name.clone())
        .filter(|name| *name != info.name)
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// The workspace modules a module's imports and qualified paths lead to:
/// the deepest module each path goes through and the module defining
/// what it names.
fn dependencies(program: &Program, m: ModId, dep_paths: &[Segs]) -> BTreeSet<ModId> {
    let mut found = BTreeSet::new();
    let mut note = |res: PathRes| {
        if let Some(last) = res.last_mod {
            found.insert(last);
        }
        if let Some(t) = res.target {
            found.insert(program.module_of(t));
        }
    };
    for &id in &program.modules[m as usize].imports {
        note(program.resolve_type(m, &program.imports[id as usize].path, None));
    }
    for path in dep_paths {
        note(program.resolve_path(m, path, None));
    }
    found.remove(&m);
    found
}

/// A binary named like its package's library shares its name: one module
/// entry each, merged.
fn merge_same_names(mut modules: Vec<Module>) -> Vec<Module> {
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out: Vec<Module> = Vec::with_capacity(modules.len());
    for module in modules {
        match out.last_mut() {
            Some(prev) if prev.name == module.name => {
                let deps: BTreeSet<String> =
                    prev.depends_on.drain(..).chain(module.depends_on).collect();
                prev.depends_on = deps.into_iter().filter(|d| *d != prev.name).collect();
                let mut by_key: BTreeMap<(String, AccessMode), Access> = BTreeMap::new();
                for a in prev.accesses.drain(..).chain(module.accesses) {
                    match by_key.get_mut(&(a.table.clone(), a.mode)) {
                        Some(existing) => {
                            if a.via == AccessVia::Direct && existing.via == AccessVia::Transitive {
                                *existing = a;
                            } else if a.via == existing.via {
                                let evidence: BTreeSet<SourceLocation> =
                                    existing.evidence.drain(..).chain(a.evidence).collect();
                                existing.evidence =
                                    evidence.into_iter().take(MAX_EVIDENCE).collect();
                            }
                        }
                        None => {
                            by_key.insert((a.table.clone(), a.mode), a);
                        }
                    }
                }
                prev.accesses = by_key.into_values().collect();
            }
            _ => out.push(module),
        }
    }
    out
}
