//! The call graph at function granularity: each function's calls resolved
//! to the workspace functions they reach (paths, `Self::`, imports, method
//! calls by receiver type or by a name only one type defines), plus the
//! accesses that need resolution (SeaORM entities, diesel models written
//! through `update(self)`). Then accesses flow from callees to callers
//! until nothing changes.

use super::access::seaorm::{self, ENTITY_PARTS};
use super::facts::{DirectAccess, Event, FnKind, Recv};
use super::resolve::{FnId, Program, Target};
use crate::model::AccessMode;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Method names std and common crates also define: `x.get()` is far more
/// likely `HashMap::get` than the one workspace type with a `get`, so these
/// resolve only when the receiver's type is known.
const COMMON_METHODS: &[&str] = &[
    "new",
    "default",
    "clone",
    "get",
    "get_mut",
    "insert",
    "find",
    "save",
    "delete",
    "update",
    "into",
    "from",
    "try_from",
    "try_into",
    "len",
    "is_empty",
    "iter",
    "iter_mut",
    "into_iter",
    "map",
    "and_then",
    "or_else",
    "ok_or",
    "unwrap",
    "expect",
    "unwrap_or",
    "to_string",
    "to_owned",
    "as_str",
    "as_ref",
    "as_mut",
    "execute",
    "fetch",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "load",
    "first",
    "last",
    "filter",
    "find_map",
    "filter_map",
    "collect",
    "push",
    "pop",
    "remove",
    "contains",
    "contains_key",
    "extend",
    "append",
    "entry",
    "keys",
    "values",
    "set",
    "add",
    "sub",
    "run",
    "call",
    "send",
    "recv",
    "build",
    "create",
    "read",
    "write",
    "open",
    "close",
    "start",
    "stop",
    "parse",
    "format",
    "fmt",
    "hash",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "lock",
    "next",
    "take",
    "replace",
    "sort",
    "sort_by",
    "join",
    "split",
    "trim",
    "bind",
    "values_mut",
    "all",
    "any",
    "count",
    "sum",
    "min",
    "max",
    "one",
    "finish",
    "flush",
    "init",
    "validate",
    "to_json",
    "json",
    "serialize",
    "deserialize",
    "handle",
    "process",
    "apply",
    "merge",
    "clear",
    "reset",
    "drop",
    "deref",
    "borrow",
    "with",
    "on",
    "and",
    "or",
    "not",
    "select",
    "order",
    "order_by",
    "limit",
    "offset",
    "group_by",
    "inner_join",
    "left_join",
    "get_result",
    "get_results",
    "values_from",
    "returning",
    "begin",
    "commit",
    "rollback",
    "transaction",
    "query",
    "prepare",
    "connect",
    "id",
    "name",
    "key",
    "value",
    "data",
    "status",
    "body",
    "header",
    "headers",
    "path",
    "url",
    "method",
    "to_vec",
    "as_bytes",
    "bytes",
    "chars",
    "lines",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "ok",
    "err",
    "map_err",
    "unwrap_or_else",
    "unwrap_or_default",
    "then",
    "spawn",
    "wait",
    "await",
    "poll",
    "emit",
    "log",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
    "upsert",
    "exists",
    "list",
    "register",
    "refresh",
    "render",
    "respond_to",
    "from_request",
    "to_sql",
    "from_sql",
    "encode",
    "decode",
    "size",
    "push_str",
    "len_utf8",
    "starts_with",
    "ends_with",
    "to_lowercase",
    "to_uppercase",
    "get_or_insert",
    "cloned",
    "copied",
    "rev",
    "zip",
    "chain",
    "skip",
    "step_by",
    "fold",
    "for_each",
    "flatten",
    "flat_map",
    "position",
    "retain",
    "dedup",
    "truncate",
    "resize",
    "swap",
    "reverse",
    "contains_str",
];

/// A function's resolved links: who it calls (with the call's line) and
/// the accesses resolution found.
#[derive(Debug, Default)]
pub struct Links {
    pub callees: Vec<(FnId, u32)>,
    pub accesses: Vec<DirectAccess>,
}

/// Whether a method name is too common to resolve without knowing the
/// receiver's type.
pub fn is_common(name: &str) -> bool {
    COMMON_METHODS.contains(&name)
}

/// The entity table of a module, for SeaORM accesses.
pub type EntityTables = FxHashMap<u32, String>;

struct FnResolver<'p> {
    program: &'p Program,
    entities: &'p EntityTables,
    module: u32,
    self_target: Option<Target>,
    locals: FxHashMap<&'p str, Option<Target>>,
    call_results: Vec<Option<Target>>,
    links: Links,
}

impl<'p> FnResolver<'p> {
    fn type_of(&self, recv: &Recv) -> Option<Target> {
        match recv {
            Recv::SelfValue => self.self_target,
            Recv::Local(name) => self.locals.get(name.as_str()).copied().flatten(),
            Recv::CallResult(i) => self.call_results.get(*i).copied().flatten(),
            Recv::Type(segs) => {
                let res = self
                    .program
                    .resolve_type(self.module, segs, self.self_target);
                match res.target {
                    Some(t @ (Target::Type(_) | Target::Entity(..)))
                        if res.consumed == segs.len() =>
                    {
                        Some(t)
                    }
                    _ => None,
                }
            }
            Recv::Unknown => None,
        }
    }

    fn entity_access(&mut self, module: u32, part: u8, method: Option<&str>, line: u32) {
        if let Some(table) = self.entities.get(&module) {
            let mode = seaorm::mode_of(ENTITY_PARTS[part as usize], method);
            self.links.accesses.push(DirectAccess {
                table: table.clone(),
                mode,
                line,
            });
        }
    }

    fn call(&mut self, index: usize, path: &[String], line: u32) {
        let res = self
            .program
            .resolve_path(self.module, path, self.self_target);
        let full = res.consumed == path.len();
        let result = match res.target {
            Some(Target::Fn(_)) if full => {
                for &f in &res.fns {
                    self.links.callees.push((f, line));
                }
                res.fns
                    .first()
                    .and_then(|&f| self.program.returns[f as usize])
            }
            // A tuple struct built by calling it.
            Some(t @ Target::Type(_)) if full => Some(t),
            // `Type::new()` the workspace does not define (a derive, a trait).
            Some(t @ Target::Type(_))
                if res.consumed + 1 == path.len()
                    && matches!(path[res.consumed].as_str(), "new" | "default") =>
            {
                Some(t)
            }
            Some(Target::Entity(m, part)) if res.consumed + 1 == path.len() => {
                self.entity_access(m, part, Some(&path[res.consumed]), line);
                None
            }
            _ => None,
        };
        if let Some(slot) = self.call_results.get_mut(index) {
            *slot = result;
        }
    }

    fn method(&mut self, name: &str, recv: &Recv, line: u32) {
        let receiver = self.type_of(recv);
        match receiver {
            Some(Target::Type(t)) => {
                if let Some(fns) = self.program.methods_of(t, name) {
                    for &f in fns {
                        self.links.callees.push((f, line));
                    }
                    return;
                }
            }
            Some(Target::Entity(m, part)) => {
                self.entity_access(m, part, Some(name), line);
                return;
            }
            _ => {}
        }
        if is_common(name) {
            return;
        }
        let Some(candidates) = self.program.methods_by_name.get(name) else {
            return;
        };
        // Only a name that exactly one type defines says which one it is.
        let owner = |f: &FnId| self.program.fns[*f as usize].self_target;
        let first = owner(&candidates[0]);
        if candidates.len() == 1
            || (first.is_some() && candidates.iter().all(|c| owner(c) == first))
        {
            for &f in candidates {
                self.links.callees.push((f, line));
            }
        }
    }

    fn run(mut self, events: &'p [Event]) -> Links {
        self.call_results = vec![None; events.len()];
        for (index, event) in events.iter().enumerate() {
            match event {
                Event::Bind { name, value } => {
                    let t = self.type_of(value);
                    self.locals.insert(name.as_str(), t);
                }
                Event::Call { path, line } => self.call(index, path, *line),
                Event::Method { name, recv, line } => self.method(name, recv, *line),
                Event::StructLit { path, line } => {
                    let res = self
                        .program
                        .resolve_type(self.module, path, self.self_target);
                    if let Some(Target::Entity(m, part)) = res.target {
                        if res.consumed == path.len()
                            && ENTITY_PARTS[part as usize] == "ActiveModel"
                        {
                            self.entity_access(m, part, None, *line);
                        }
                    }
                }
                Event::ValueRef { path, line } => {
                    let res = self
                        .program
                        .resolve_path(self.module, path, self.self_target);
                    if res.consumed == path.len() {
                        match res.target {
                            Some(Target::Fn(f)) => self.links.callees.push((f, *line)),
                            Some(Target::Entity(m, part)) => {
                                self.entity_access(m, part, None, *line)
                            }
                            _ => {}
                        }
                    }
                }
                Event::DieselColumn { prefix, access } => {
                    let res = self
                        .program
                        .resolve_type(self.module, prefix, self.self_target);
                    let is_module =
                        res.consumed == prefix.len() && matches!(res.target, Some(Target::Mod(_)));
                    if !is_module {
                        self.links.accesses.push(access.clone());
                    }
                }
                Event::DieselWrite { target, line } => {
                    if let Some(Target::Type(t)) = self.type_of(target) {
                        if let Some(table) = &self.program.types[t as usize].diesel_table {
                            self.links.accesses.push(DirectAccess {
                                table: table.clone(),
                                mode: AccessMode::Write,
                                line: *line,
                            });
                        }
                    }
                }
            }
        }
        self.links.callees.sort_unstable();
        self.links.callees.dedup();
        self.links
    }
}

/// Resolves every function's calls, in parallel.
pub fn link_all(program: &Program, entities: &EntityTables) -> Vec<Links> {
    program
        .fns
        .par_iter()
        .map(|f| {
            let resolver = FnResolver {
                program,
                entities,
                module: f.module,
                self_target: f.self_target,
                locals: FxHashMap::default(),
                call_results: Vec::new(),
                links: Links::default(),
            };
            resolver.run(&f.fact.events)
        })
        .collect()
}

/// A table access as one number: table index × 2 + 1 for writes.
pub fn access_key(table: u32, mode: AccessMode) -> u32 {
    table * 2 + u32::from(mode == AccessMode::Write)
}

/// Every function's accesses, direct and through its callees, to a fixed
/// point: a worklist over callers, so cycles are safe and each function is
/// revisited only when a callee gained something.
pub fn propagate(direct: Vec<Vec<u32>>, links: &[Links]) -> Vec<Vec<u32>> {
    let n = direct.len();
    let mut callers: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (f, l) in links.iter().enumerate() {
        for &(g, _) in &l.callees {
            if g as usize != f {
                callers[g as usize].push(f as u32);
            }
        }
    }
    for c in &mut callers {
        c.sort_unstable();
        c.dedup();
    }
    let mut acc = direct;
    let mut queued = vec![false; n];
    let mut work: Vec<u32> = Vec::new();
    for f in 0..n {
        if !acc[f].is_empty() {
            queued[f] = true;
            work.push(f as u32);
        }
    }
    while let Some(g) = work.pop() {
        queued[g as usize] = false;
        for &f in &callers[g as usize] {
            let merged = merge_sorted(&acc[f as usize], &acc[g as usize]);
            if merged.len() != acc[f as usize].len() {
                acc[f as usize] = merged;
                if !queued[f as usize] {
                    queued[f as usize] = true;
                    work.push(f);
                }
            }
        }
    }
    acc
}

fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Whether a function counts for co-access (constants do not).
pub fn is_function(kind: FnKind) -> bool {
    kind != FnKind::Const
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(edges: &[&[u32]]) -> Vec<Links> {
        edges
            .iter()
            .map(|callees| Links {
                callees: callees.iter().map(|&g| (g, 1)).collect(),
                accesses: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn accesses_flow_to_callers_through_cycles() {
        // 0 → 1 → 2 → 1, and 2 reads table 5; 3 calls nothing.
        let direct = vec![
            vec![],
            vec![],
            vec![access_key(5, AccessMode::Read)],
            vec![],
        ];
        let acc = propagate(direct, &links(&[&[1], &[2], &[1], &[]]));
        assert_eq!(acc[0], vec![10]);
        assert_eq!(acc[1], vec![10]);
        assert_eq!(acc[2], vec![10]);
        assert!(acc[3].is_empty());
    }

    #[test]
    fn merges_sorted_sets() {
        assert_eq!(merge_sorted(&[1, 3, 5], &[2, 3, 6]), vec![1, 2, 3, 5, 6]);
    }
}
