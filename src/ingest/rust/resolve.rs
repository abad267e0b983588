//! Name resolution across the workspace: each module's items and imports
//! (re-exports and globs followed), extern names of workspace crates, and
//! paths resolved from any module to a module, type, function or SeaORM
//! entity part. Imports are resolved once up front, so resolving the many
//! paths of function bodies afterwards is read-only and parallel.

use super::access::seaorm::ENTITY_PARTS;
use super::facts::{FnFact, FnKind, Segs};
use super::modules::ModuleRecord;
use super::workspace::Workspace;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

pub type ModId = u32;
pub type TypeId = u32;
pub type FnId = u32;

/// Each type's functions by name.
type TypeMethods = FxHashMap<TypeId, FxHashMap<String, Vec<FnId>>>;

/// What a path leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Mod(ModId),
    Type(TypeId),
    Fn(FnId),
    /// A part of a SeaORM entity module (`Entity`, `ActiveModel`, …: an
    /// index into [`ENTITY_PARTS`]).
    Entity(ModId, u8),
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Mod(ModId),
    Type(TypeId),
    Fn(FnId),
    Entity(u8),
    Import(u32),
}

#[derive(Debug)]
pub struct ModNode {
    pub crate_index: usize,
    pub parent: Option<ModId>,
    pub root: ModId,
    names: FxHashMap<String, Vec<Item>>,
    globs: Vec<u32>,
    /// Every import of the module: (the import, its path) for dependencies.
    pub imports: Vec<u32>,
}

#[derive(Debug)]
pub struct TypeNode {
    pub module: ModId,
    pub diesel_table: Option<String>,
}

#[derive(Debug)]
pub struct FnNode {
    pub module: ModId,
    /// What `Self` means inside it.
    pub self_target: Option<Target>,
    pub fact: FnFact,
}

#[derive(Debug)]
pub struct Import {
    pub module: ModId,
    pub path: Segs,
}

/// The whole workspace, indexed for resolution.
#[derive(Debug, Default)]
pub struct Program {
    pub modules: Vec<ModNode>,
    pub types: Vec<TypeNode>,
    pub fns: Vec<FnNode>,
    pub imports: Vec<Import>,
    import_targets: Vec<Option<Target>>,
    import_done: Vec<bool>,
    /// Per crate: the names its code uses for other workspace crates.
    externs: Vec<FxHashMap<String, ModId>>,
    /// Per crate: whether paths may start at the crate root (edition 2015).
    edition_2015: Vec<bool>,
    type_methods: TypeMethods,
    /// Methods (functions with `self`) by name, for `x.m()` calls.
    pub methods_by_name: FxHashMap<String, Vec<FnId>>,
    /// The return type of each function, resolved.
    pub returns: Vec<Option<Target>>,
}

/// A path's resolution: what it reached, how many segments that took,
/// and the last module it went through.
#[derive(Debug, Clone, Default)]
pub struct PathRes {
    pub target: Option<Target>,
    pub consumed: usize,
    pub last_mod: Option<ModId>,
    /// Every function the final segment names (trait impls can give a type
    /// several methods of one name).
    pub fns: Vec<FnId>,
}

enum Look {
    Found(Target),
    NotFound,
    /// Imported from outside the workspace (or from code carve cannot
    /// see): the name is taken, nothing else may answer for it.
    Opaque,
    /// Depends on an import not resolved yet.
    Pending,
}

/// Whether a lookup wants a value (a function, a constant) or a type or
/// module, when a name has both.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ns {
    Value,
    Type,
}

/// How a resolution treats imports not resolved yet.
#[derive(Clone, Copy)]
struct Waiting {
    /// `false`: an answer that needs one waits ([`Look::Pending`]);
    /// `true`: it gives nothing.
    lenient: bool,
    /// The import being resolved, if any: the names and the glob it brings
    /// in are not there yet (`use chrono;`, `use diesel::prelude::*;` look
    /// up `chrono` and `diesel` without themselves).
    resolving: Option<u32>,
}

const MAX_GLOB_DEPTH: u32 = 6;

/// Where one module's entries start in the program's lists.
#[derive(Debug, Clone, Copy, Default)]
struct IndexBase {
    types: usize,
    imports: usize,
    fns: usize,
    impls: usize,
}

/// One module indexed on its own: its node, and its entries for the
/// program's lists, numbered from its [`IndexBase`].
struct IndexedModule {
    node: ModNode,
    types: Vec<TypeNode>,
    imports: Vec<Import>,
    fns: Vec<FnNode>,
    impls: Vec<(ModId, Segs)>,
    /// (method, its impl block's index in the program's list).
    methods: Vec<(FnId, usize)>,
}

/// Indexes module `m`: its names (child modules first, then the entity's
/// generated names, types, imports and functions, in that order, as
/// lookups expect), with ids counted from `base`.
fn index_module(
    m: ModId,
    root: ModId,
    record: ModuleRecord,
    children: Vec<(String, ModId)>,
    base: IndexBase,
) -> IndexedModule {
    let facts = record.facts;
    let mut node = ModNode {
        crate_index: record.crate_index,
        parent: record.parent.map(|p| p as ModId),
        root,
        names: FxHashMap::default(),
        globs: Vec::new(),
        imports: Vec::with_capacity(facts.uses.len()),
    };
    for (name, child) in children {
        node.names.entry(name).or_default().push(Item::Mod(child));
    }
    if facts.entity_table.is_some() {
        for (part, name) in ENTITY_PARTS.iter().enumerate() {
            // The entity's generated names win over what they shadow.
            node.names
                .entry(name.to_string())
                .or_default()
                .insert(0, Item::Entity(part as u8));
        }
    }
    let impl_count = facts.impls.len();
    let impls: Vec<(ModId, Segs)> = facts
        .impls
        .into_iter()
        .map(|imp| (m, imp.self_ty))
        .collect();
    let mut types = Vec::with_capacity(facts.types.len());
    for (k, t) in facts.types.into_iter().enumerate() {
        let id = (base.types + k) as TypeId;
        node.names.entry(t.name).or_default().push(Item::Type(id));
        types.push(TypeNode {
            module: m,
            diesel_table: t.diesel_table,
        });
    }
    let mut imports = Vec::with_capacity(facts.uses.len());
    for (k, use_) in facts.uses.into_iter().enumerate() {
        let id = (base.imports + k) as u32;
        node.imports.push(id);
        match use_.name {
            Some(name) if name != "_" => node.names.entry(name).or_default().push(Item::Import(id)),
            Some(_) => {}
            None => node.globs.push(id),
        }
        imports.push(Import {
            module: m,
            path: use_.path,
        });
    }
    let mut fns = Vec::with_capacity(facts.fns.len());
    let mut methods = Vec::new();
    for (k, f) in facts.fns.into_iter().enumerate() {
        let id = (base.fns + k) as FnId;
        match f.kind {
            FnKind::Free | FnKind::Const => {
                node.names
                    .entry(f.name.clone())
                    .or_default()
                    .push(Item::Fn(id));
            }
            FnKind::Method(index) => {
                if index < impl_count {
                    methods.push((id, base.impls + index));
                }
            }
        }
        fns.push(FnNode {
            module: m,
            self_target: None,
            fact: f,
        });
    }
    IndexedModule {
        node,
        types,
        imports,
        fns,
        impls,
        methods,
    }
}

impl Program {
    /// Indexes the module records; `records[i]` becomes module `i`.
    pub fn build(records: Vec<ModuleRecord>, workspace: &Workspace) -> Program {
        let mut program = Program::default();
        let mut roots: FxHashMap<usize, ModId> = FxHashMap::default();
        for (i, record) in records.iter().enumerate() {
            if record.parent.is_none() && record.path.is_empty() {
                roots.entry(record.crate_index).or_insert(i as ModId);
            }
        }
        // Each module's child modules, in module order.
        let mut children: Vec<Vec<(String, ModId)>> = vec![Vec::new(); records.len()];
        for (i, record) in records.iter().enumerate() {
            if let (Some(parent), Some(name)) = (record.parent, record.path.last()) {
                children[parent].push((name.clone(), i as ModId));
            }
        }
        // Where each module's types, imports, functions and impl blocks
        // start in the program's lists, so modules index on all cores.
        let mut bases = Vec::with_capacity(records.len());
        let mut next = IndexBase::default();
        for record in &records {
            bases.push(next);
            let facts = &record.facts;
            next.types += facts.types.len();
            next.imports += facts.uses.len();
            next.fns += facts.fns.len();
            next.impls += facts.impls.len();
        }
        let indexed: Vec<IndexedModule> = records
            .into_par_iter()
            .zip(children)
            .zip(bases)
            .enumerate()
            .map(|(i, ((record, children), base))| {
                let root = roots
                    .get(&record.crate_index)
                    .copied()
                    .unwrap_or(i as ModId);
                index_module(i as ModId, root, record, children, base)
            })
            .collect();
        program.types.reserve(next.types);
        program.imports.reserve(next.imports);
        program.fns.reserve(next.fns);
        program.modules.reserve(indexed.len());
        // Each impl block once (its module, its self type), and which
        // block each method belongs to.
        let mut impls: Vec<(ModId, Segs)> = Vec::with_capacity(next.impls);
        let mut methods: Vec<(FnId, usize)> = Vec::new();
        for module in indexed {
            program.modules.push(module.node);
            program.types.extend(module.types);
            program.imports.extend(module.imports);
            program.fns.extend(module.fns);
            impls.extend(module.impls);
            methods.extend(module.methods);
        }
        program.externs = workspace
            .crates
            .iter()
            .map(|c| {
                c.externs
                    .iter()
                    .filter_map(|(alias, lib)| roots.get(lib).map(|&r| (alias.clone(), r)))
                    .collect()
            })
            .collect();
        program.edition_2015 = workspace.crates.iter().map(|c| c.edition_2015).collect();
        program.resolve_imports();
        // Methods join their type once imports tell what the impl names.
        let impl_targets: Vec<Option<Target>> = impls
            .par_iter()
            .map(|(m, self_ty)| {
                if self_ty.is_empty() {
                    return None;
                }
                let res = program.resolve(*m, self_ty, None, Ns::Type);
                (res.consumed == self_ty.len())
                    .then_some(res.target)
                    .flatten()
            })
            .collect();
        for &(id, imp) in &methods {
            program.fns[id as usize].self_target = impl_targets[imp];
        }
        // The method tables and the return types are built on two cores. A
        // return type resolves to a type or an entity, never through one of
        // a type's methods, so it does not wait for the method tables.
        let (method_tables, returns) = rayon::join(
            || program.method_tables(&methods, &impl_targets),
            || program.return_types(),
        );
        (program.type_methods, program.methods_by_name) = method_tables;
        program.returns = returns;
        program
    }

    /// Each type's functions by name, and methods (functions with `self`)
    /// by name, each list in function order.
    fn method_tables(
        &self,
        methods: &[(FnId, usize)],
        impl_targets: &[Option<Target>],
    ) -> (TypeMethods, FxHashMap<String, Vec<FnId>>) {
        let mut type_methods = TypeMethods::default();
        let mut methods_by_name: FxHashMap<String, Vec<FnId>> = FxHashMap::default();
        for &(id, imp) in methods {
            let node = &self.fns[id as usize];
            let name = &node.fact.name;
            if let Some(Target::Type(t)) = impl_targets[imp] {
                type_methods
                    .entry(t)
                    .or_default()
                    .entry(name.clone())
                    .or_default()
                    .push(id);
            }
            if node.fact.has_receiver {
                methods_by_name.entry(name.clone()).or_default().push(id);
            }
        }
        (type_methods, methods_by_name)
    }

    /// The type or entity each function returns, resolved.
    fn return_types(&self) -> Vec<Option<Target>> {
        (0..self.fns.len())
            .into_par_iter()
            .map(|i| {
                let f = &self.fns[i];
                let ret = f.fact.ret.as_ref()?;
                if ret.len() == 1 && ret[0] == "Self" {
                    return f.self_target;
                }
                let res = self.resolve(f.module, ret, f.self_target, Ns::Type);
                match res.target {
                    Some(t @ (Target::Type(_) | Target::Entity(..)))
                        if res.consumed == ret.len() =>
                    {
                        Some(t)
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Resolves imports in rounds: an import waits while a name it needs
    /// comes from an import not yet resolved; then the rest, leniently.
    fn resolve_imports(&mut self) {
        let n = self.imports.len();
        self.import_targets = vec![None; n];
        self.import_done = vec![false; n];
        // A strict answer reads only imports already settled, so it is the
        // same in whatever order imports settle: each round resolves every
        // open import on all cores against the previous rounds.
        let mut open: Vec<usize> = (0..n).collect();
        while !open.is_empty() {
            let looks: Vec<Look> = open
                .par_iter()
                .map(|&id| self.resolve_import(id, false))
                .collect();
            let before = open.len();
            let mut still_open = Vec::new();
            for (id, look) in open.into_iter().zip(looks) {
                match look {
                    Look::Found(t) => {
                        self.import_targets[id] = Some(t);
                        self.import_done[id] = true;
                    }
                    Look::NotFound | Look::Opaque => self.import_done[id] = true,
                    Look::Pending => still_open.push(id),
                }
            }
            open = still_open;
            if open.len() == before {
                break;
            }
        }
        // What is left waits on cycles or on names no import gives: take
        // what can be found, in import order, without waiting any more.
        loop {
            let before = open.len();
            open.retain(|&id| match self.resolve_import(id, true) {
                Look::Found(t) => {
                    self.import_targets[id] = Some(t);
                    self.import_done[id] = true;
                    false
                }
                _ => true,
            });
            if open.len() == before {
                break;
            }
        }
        self.import_done = vec![true; n];
    }

    fn resolve_import(&self, id: usize, lenient: bool) -> Look {
        let import = &self.imports[id];
        // Imports mostly bring in modules and types; a name that is both a
        // type and a function takes the type.
        let wait = Waiting {
            lenient,
            resolving: Some(id as u32),
        };
        match self.resolve_inner(import.module, &import.path, None, Ns::Type, wait) {
            Err(()) => Look::Pending,
            Ok(res) => match res.target {
                Some(t) if res.consumed == import.path.len() => Look::Found(t),
                _ => Look::NotFound,
            },
        }
    }

    /// Resolves `segs` as written in module `m`; `self_target` is what
    /// `Self` means there.
    pub fn resolve_path(&self, m: ModId, segs: &[String], self_target: Option<Target>) -> PathRes {
        self.resolve(m, segs, self_target, Ns::Value)
    }

    /// Like [`resolve_path`](Self::resolve_path) for a type position.
    pub fn resolve_type(&self, m: ModId, segs: &[String], self_target: Option<Target>) -> PathRes {
        self.resolve(m, segs, self_target, Ns::Type)
    }

    /// Resolves once every import is settled: nothing waits.
    fn resolve(&self, m: ModId, segs: &[String], self_target: Option<Target>, ns: Ns) -> PathRes {
        let wait = Waiting {
            lenient: true,
            resolving: None,
        };
        self.resolve_inner(m, segs, self_target, ns, wait)
            .unwrap_or_default()
    }

    /// `Err` when an unresolved import blocks the answer (not lenient only).
    fn resolve_inner(
        &self,
        m: ModId,
        segs: &[String],
        self_target: Option<Target>,
        last_ns: Ns,
        wait: Waiting,
    ) -> Result<PathRes, ()> {
        let mut res = PathRes::default();
        let Some(first) = segs.first() else {
            return Ok(res);
        };
        let ns_at = |i: usize| {
            if i + 1 == segs.len() {
                last_ns
            } else {
                Ns::Type
            }
        };
        let module = &self.modules[m as usize];
        let mut current = match first.as_str() {
            "crate" | "$crate" => Target::Mod(module.root),
            "self" => Target::Mod(m),
            "super" => match module.parent {
                Some(p) => Target::Mod(p),
                None => return Ok(res),
            },
            "Self" => match self_target {
                Some(t) => t,
                None => return Ok(res),
            },
            name => match self.lookup(m, name, ns_at(0), wait, 0) {
                Look::Found(t) => t,
                Look::Pending => return Err(()),
                Look::Opaque => return Ok(res),
                Look::NotFound => {
                    if let Some(&root) = self.externs[module.crate_index].get(name) {
                        Target::Mod(root)
                    } else if m != module.root && self.edition_2015[module.crate_index] {
                        // 2015-edition paths start at the crate root.
                        match self.lookup(module.root, name, ns_at(0), wait, 0) {
                            Look::Found(t) => t,
                            Look::Pending => return Err(()),
                            Look::NotFound | Look::Opaque => return Ok(res),
                        }
                    } else {
                        return Ok(res);
                    }
                }
            },
        };
        let mut i = 1;
        if let Target::Mod(x) = current {
            res.last_mod = Some(x);
        }
        if let Target::Fn(f) = current {
            res.fns = vec![f];
        }
        while i < segs.len() {
            let seg = segs[i].as_str();
            let next = match current {
                Target::Mod(x) => match seg {
                    "super" => self.modules[x as usize].parent.map(Target::Mod),
                    "self" => Some(current),
                    _ => match self.lookup(x, seg, ns_at(i), wait, 0) {
                        Look::Found(t) => Some(t),
                        Look::Pending => return Err(()),
                        Look::NotFound | Look::Opaque => None,
                    },
                },
                Target::Type(t) => match self.type_methods.get(&t).and_then(|ms| ms.get(seg)) {
                    Some(fns) => {
                        res.fns = fns.clone();
                        Some(Target::Fn(fns[0]))
                    }
                    None => None,
                },
                _ => None,
            };
            let Some(next) = next else { break };
            current = next;
            match current {
                Target::Mod(x) => res.last_mod = Some(x),
                Target::Fn(f) if res.fns.first() != Some(&f) => res.fns = vec![f],
                _ => {}
            }
            i += 1;
        }
        res.target = Some(current);
        res.consumed = i;
        if !matches!(current, Target::Fn(_)) {
            res.fns.clear();
        }
        Ok(res)
    }

    fn lookup(&self, m: ModId, name: &str, ns: Ns, wait: Waiting, depth: u32) -> Look {
        let module = &self.modules[m as usize];
        let mut pending = false;
        let mut opaque = false;
        if let Some(items) = module.names.get(name) {
            let wanted = |t: &Target| match ns {
                Ns::Value => matches!(t, Target::Fn(_)),
                Ns::Type => !matches!(t, Target::Fn(_)),
            };
            // The first target of the wanted namespace, else the first of
            // any: lookups are frequent, so no list of targets is built.
            let mut first = None;
            let mut first_wanted = None;
            for item in items {
                let target = match *item {
                    Item::Mod(x) => Some(Target::Mod(x)),
                    Item::Type(t) => Some(Target::Type(t)),
                    Item::Fn(f) => Some(Target::Fn(f)),
                    Item::Entity(part) => Some(Target::Entity(m, part)),
                    // An import never resolves through itself.
                    Item::Import(id) if wait.resolving == Some(id) => None,
                    Item::Import(id) => {
                        match self.import_targets.get(id as usize).copied().flatten() {
                            Some(t) => Some(t),
                            None if !wait.lenient && !self.import_done[id as usize] => {
                                pending = true;
                                None
                            }
                            None => {
                                opaque = true;
                                None
                            }
                        }
                    }
                };
                if let Some(t) = target {
                    first.get_or_insert(t);
                    if first_wanted.is_none() && wanted(&t) {
                        first_wanted = Some(t);
                    }
                }
            }
            if let Some(t) = first_wanted.or(first) {
                return Look::Found(t);
            }
        }
        if pending {
            return Look::Pending;
        }
        if opaque {
            return Look::Opaque;
        }
        if depth < MAX_GLOB_DEPTH {
            for &g in &module.globs {
                if wait.resolving == Some(g) {
                    continue;
                }
                match self.import_targets.get(g as usize).copied().flatten() {
                    Some(Target::Mod(x)) if x != m => {
                        match self.lookup(x, name, ns, wait, depth + 1) {
                            Look::Found(t) => return Look::Found(t),
                            Look::Pending => pending = true,
                            Look::NotFound | Look::Opaque => {}
                        }
                    }
                    Some(_) => {}
                    None if !wait.lenient && !self.import_done[g as usize] => pending = true,
                    None => {}
                }
            }
        }
        if pending {
            Look::Pending
        } else {
            Look::NotFound
        }
    }

    /// The functions `type_id` defines under `name`.
    pub fn methods_of(&self, type_id: TypeId, name: &str) -> Option<&[FnId]> {
        self.type_methods
            .get(&type_id)
            .and_then(|ms| ms.get(name))
            .map(Vec::as_slice)
    }

    /// The module a target is defined in.
    pub fn module_of(&self, target: Target) -> ModId {
        match target {
            Target::Mod(m) | Target::Entity(m, _) => m,
            Target::Type(t) => self.types[t as usize].module,
            Target::Fn(f) => self.fns[f as usize].module,
        }
    }

    /// The resolved target of an import.
    pub fn import_target(&self, id: u32) -> Option<Target> {
        self.import_targets.get(id as usize).copied().flatten()
    }
}
