//! Reading one Rust file into [`FileFacts`]: a single syn parse and a
//! single walk that records items, imports, functions, calls and every
//! table access it can decide without looking at other files.

use super::access::{diesel, seaorm, sql_strings, sqlx};
use super::calls;
use super::facts::{
    ChildModule, DirectAccess, Event, FileFacts, FnFact, FnKind, ImplFact, MacroCall, ModuleFacts,
    Recv, Segs, SqlText, TypeFact, UseFact,
};
use super::modules::ChildDirs;
use super::names::TableIndex;
use super::nesting;
use super::sql_tables;
use super::syntax::{
    core_type, flatten_use, ident_in, ident_str, impl_segs, is_camel, is_screaming, is_test_fn,
    is_test_only, item_attrs, key_of, line_of, pat_binding, path_segs, peel, string_lit,
    use_starts_with,
};
use super::unread;
use crate::model::{AccessMode, Diagnostic};
use proc_macro2::{TokenStream, TokenTree};
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{
    Attribute, Expr, ExprLit, FnArg, Ident, ImplItem, Item, Lit, Macro, Meta, Pat, Signature, Stmt,
    TraitItem, Type, UseTree,
};

/// What extraction needs to know about the file and the schema.
pub struct FileContext<'a> {
    pub tables: &'a TableIndex,
    /// The file, as read.
    pub file: &'a Path,
    /// The file as reported (relative to the analyzed root).
    pub shown: &'a str,
    /// Whether the file owns its directory (crate root, `mod.rs`, `#[path]`).
    pub mod_rs: bool,
}

/// Runs `read` on one file, guarded: a bug on one odd file must not take
/// the whole analysis down. The spans the file's parse recorded stay in the
/// thread's source map until the caller frees them
/// (`proc_macro2::extra::invalidate_current_thread_spans`).
pub fn guarded<T>(
    shown: &str,
    read: impl FnOnce() -> Result<T, FileFacts>,
) -> Result<T, FileFacts> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(FileFacts::one_module_with(
            Diagnostic::warning(
                "rust-unparsed",
                format!("{shown} could not be analyzed (internal error)"),
            )
            .in_file(shown),
        ))
    })
}

/// Parses `text`, what carve does not read taken out first
/// ([`unread`]); an unparsable file gives its facts at once: a
/// `rust-unparsed` diagnostic and no module content. Call it inside
/// [`guarded`].
pub fn parse_source(shown: &str, text: &mut String) -> Result<syn::File, FileFacts> {
    if let Err(offset) = unread::take_out(text) {
        let (line, column) = nesting::line_column(text, offset);
        return Err(FileFacts::one_module_with(
            Diagnostic::warning("rust-unparsed", nesting::too_deep_message(shown))
                .at(shown, line, column)
                .with_help(
                    "the rest of the code is still read; this file's modules and accesses are missing",
                ),
        ));
    }
    syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        FileFacts::one_module_with(
            Diagnostic::warning(
                "rust-unparsed",
                format!("cannot parse {shown} as Rust: {e}"),
            )
            .at(shown, start.line as u32, start.column as u32 + 1)
            .with_help(
                "the rest of the code is still read; this file's modules and accesses are missing",
            ),
        )
    })
}

/// Extracts the facts of a parsed file.
pub fn extract_syntax(ctx: &FileContext<'_>, file: &syn::File) -> FileFacts {
    let mut extractor = Extractor::new(ctx);
    extractor.prescan(&file.items);
    extractor.enter_module(Vec::new());
    for item in &file.items {
        extractor.visit_item(item);
    }
    extractor.leave_module();
    extractor.finish()
}

/// Extracts the facts of items that are not a file's: code a macro
/// expanded to. The caller frees the thread's spans afterwards.
pub fn extract_items(ctx: &FileContext<'_>, items: &[Item]) -> ModuleFacts {
    let mut extractor = Extractor::new(ctx);
    extractor.prescan(items);
    extractor.enter_module(Vec::new());
    for item in items {
        extractor.visit_item(item);
    }
    extractor.leave_module();
    extractor
        .finish()
        .modules
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Methods that are std's whatever the receiver: no event is recorded.
const STD_ONLY_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "clone",
    "iter",
    "into_iter",
    "collect",
    "map",
    "and_then",
    "ok",
    "ok_or",
    "map_err",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "to_string",
    "to_owned",
    "as_ref",
    "as_str",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "len",
    "is_empty",
    "into",
    "as_mut",
    "cloned",
    "copied",
    "filter_map",
    "enumerate",
    "push",
    "push_str",
];

/// First path segments of calls into std: no event is recorded.
const STD_ROOTS: &[&str] = &[
    "Some",
    "Ok",
    "Err",
    "Box",
    "Vec",
    "String",
    "Arc",
    "Rc",
    "Cell",
    "RefCell",
    "Mutex",
    "RwLock",
    "FxHashMap",
    "FxHashSet",
    "BTreeMap",
    "BTreeSet",
    "VecDeque",
    "Option",
    "Result",
    "std",
    "core",
    "alloc",
];

/// Macros that only print, log or assert constants: their arguments are
/// not worth a parse.
const SKIPPED_MACROS: &[&str] = &[
    "print",
    "println",
    "eprint",
    "eprintln",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "include_str",
    "include_bytes",
    "concat",
    "env",
    "option_env",
    "stringify",
    "cfg",
    "line",
    "column",
    "file",
    "module_path",
    "todo",
    "unimplemented",
    "unreachable",
    "compile_error",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "matches",
];

/// How an expression-position macro's body is read.
enum MacroKind {
    /// Schema declarations, printing, logging: not read.
    Skipped,
    /// `query!`-style: the first string literal is SQL.
    Query,
    /// `format!`-style: the template may be SQL.
    Format,
    /// Anything else: read as expressions or statements if it parses.
    Other,
}

/// What an expression's value is, before its calls have event numbers.
enum PreRecv {
    Known(Recv),
    CallAt((u32, u32)),
}

/// A body being read: a function, a constant, or a module's top level.
struct Body {
    fact: FnFact,
    /// Tables whose DSL this body imports with `use …::dsl::*`.
    dsl: FxHashSet<String>,
    /// Bare table names (`posts`), kept when a DSL import covers them.
    bare: Vec<DirectAccess>,
    /// Call events by the position of the called name.
    call_at: FxHashMap<(u32, u32), usize>,
    /// Locals currently bound to a value of known origin.
    typed: FxHashSet<String>,
    is_module: bool,
}

impl Body {
    fn new(name: String, line: u32, kind: FnKind, is_module: bool) -> Self {
        Body {
            fact: FnFact {
                name,
                line,
                kind,
                has_receiver: false,
                ret: None,
                accesses: Vec::new(),
                sql: Vec::new(),
                events: Vec::new(),
            },
            dsl: FxHashSet::default(),
            bare: Vec::new(),
            call_at: FxHashMap::default(),
            typed: FxHashSet::default(),
            is_module,
        }
    }
}

struct ModuleState {
    facts: ModuleFacts,
    deps: FxHashSet<Segs>,
    dsl: FxHashSet<String>,
    /// Bare names waiting for the module's imports to be known: the
    /// function index (`None` for the module's own level), the access, and
    /// whether the function's own imports already cover it.
    bare: Vec<(Option<usize>, DirectAccess, bool)>,
}

struct Extractor<'c> {
    ctx: &'c FileContext<'c>,
    modules: Vec<ModuleState>,
    mod_stack: Vec<usize>,
    bodies: Vec<Body>,
    impl_stack: Vec<usize>,
    /// Inside the argument of a diesel write (`insert_into(…)`).
    diesel_write: u32,
    uses_diesel: bool,
    /// Where the file's `mod x;` look for their files.
    dirs: ChildDirs,
    macro_depth: u32,
    /// Reused for names that are looked at and rarely kept (see [`ident_in`]).
    scratch: String,
}

impl<'c> Extractor<'c> {
    fn new(ctx: &'c FileContext<'c>) -> Self {
        let modules = Vec::with_capacity(4);
        Extractor {
            ctx,
            modules,
            mod_stack: Vec::new(),
            bodies: Vec::new(),
            impl_stack: Vec::new(),
            diesel_write: 0,
            uses_diesel: false,
            dirs: ChildDirs::of(ctx.file, ctx.mod_rs),
            macro_depth: 0,
            scratch: String::new(),
        }
    }

    /// Imports decide how unqualified names read, wherever they appear.
    fn prescan(&mut self, items: &[Item]) {
        for item in items {
            if let Item::Use(u) = item {
                if use_starts_with(&u.tree, "diesel") {
                    self.uses_diesel = true;
                }
            }
        }
    }

    fn note_imports(&mut self, facts: &[UseFact]) {
        if facts
            .iter()
            .any(|f| f.path.first().is_some_and(|s| s == "diesel"))
        {
            self.uses_diesel = true;
        }
    }

    fn module(&mut self) -> &mut ModuleState {
        let i = *self.mod_stack.last().expect("inside a module");
        &mut self.modules[i]
    }

    fn body(&mut self) -> &mut Body {
        self.bodies.last_mut().expect("inside a body")
    }

    fn in_fn(&self) -> bool {
        self.bodies.last().is_some_and(|b| !b.is_module)
    }

    fn enter_module(&mut self, rel_path: Vec<String>) {
        self.modules.push(ModuleState {
            facts: ModuleFacts {
                rel_path,
                ..ModuleFacts::default()
            },
            deps: FxHashSet::default(),
            dsl: FxHashSet::default(),
            bare: Vec::new(),
        });
        self.mod_stack.push(self.modules.len() - 1);
        self.bodies
            .push(Body::new(String::new(), 0, FnKind::Const, true));
    }

    fn leave_module(&mut self) {
        let body = self.bodies.pop().expect("module body");
        let dsl_local = body.dsl;
        let module = self.module();
        module.facts.accesses.extend(body.fact.accesses);
        module.facts.sql.extend(body.fact.sql);
        module.dsl.extend(dsl_local);
        for access in body.bare {
            module.bare.push((None, access, false));
        }
        let module = self.mod_stack.pop().expect("module");
        let state = &mut self.modules[module];
        // Bare table names count only under a DSL import.
        for (fn_index, access, local) in std::mem::take(&mut state.bare) {
            if local || state.dsl.contains(&access.table) {
                match fn_index {
                    Some(i) => state.facts.fns[i].accesses.push(access),
                    None => state.facts.accesses.push(access),
                }
            }
        }
        let mut deps: Vec<Segs> = state.deps.drain().collect();
        deps.sort();
        state.facts.dep_paths = deps;
    }

    fn finish(self) -> FileFacts {
        FileFacts {
            modules: self.modules.into_iter().map(|m| m.facts).collect(),
            diagnostics: Vec::new(),
        }
    }

    fn begin_fn(&mut self, sig: &Signature, kind: FnKind) {
        let mut body = Body::new(
            ident_str(&sig.ident),
            line_of(sig.ident.span()),
            kind,
            false,
        );
        body.fact.has_receiver = sig.receiver().is_some();
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            body.fact.ret = core_type(ty);
        }
        self.bodies.push(body);
        for input in &sig.inputs {
            if let FnArg::Typed(pt) = input {
                if let Some(name) = pat_binding(&pt.pat) {
                    let value = core_type(&pt.ty).map_or(Recv::Unknown, Recv::Type);
                    self.bind_name(name, value);
                }
            }
        }
        self.visit_signature(sig);
    }

    fn end_fn(&mut self) {
        let mut body = self.bodies.pop().expect("function body");
        body.fact.events.shrink_to_fit();
        body.fact.accesses.shrink_to_fit();
        let module = self.module();
        let index = module.facts.fns.len();
        for access in body.bare {
            let local = body.dsl.contains(&access.table);
            module.bare.push((Some(index), access, local));
        }
        module.facts.fns.push(body.fact);
    }

    fn access(&mut self, table: String, mode: AccessMode, line: u32) {
        let mode = if self.diesel_write > 0 {
            AccessMode::Write
        } else {
            mode
        };
        self.body()
            .fact
            .accesses
            .push(DirectAccess { table, mode, line });
    }

    /// Read, or write inside the argument of a diesel write.
    fn dsl_mode(&self) -> AccessMode {
        if self.diesel_write > 0 {
            AccessMode::Write
        } else {
            AccessMode::Read
        }
    }

    /// A bare name that may be a table brought in by `use …::dsl::*`; kept
    /// until the module's imports say whether it is.
    fn bare_name(&mut self, name: &str, line: u32) {
        let tables = self.ctx.tables;
        let candidate = tables.knows(name)
            || (tables.is_empty() && self.bodies.iter().any(|b| b.dsl.contains(name)));
        if !candidate {
            return;
        }
        if let Some(table) = tables.canonical(name) {
            let mode = self.dsl_mode();
            self.body().bare.push(DirectAccess { table, mode, line });
        }
    }

    /// Keeps a string that looks like SQL for matching once every file is
    /// read.
    fn sql_text(&mut self, text: String, line: u32, template: bool) {
        if sql_tables::looks_like_sql(&text) {
            self.body().fact.sql.push(SqlText {
                text,
                line,
                template,
            });
        }
    }

    fn sql_literal(&mut self, expr: &Expr) {
        if let Some((text, line)) = string_lit(expr) {
            self.sql_text(text, line, false);
        }
    }

    fn push_event(&mut self, event: Event) -> usize {
        let events = &mut self.body().fact.events;
        events.push(event);
        events.len() - 1
    }

    fn pre_recv(&self, expr: &Expr) -> PreRecv {
        match peel(expr) {
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                let name = ident_str(&p.path.segments[0].ident);
                if name == "self" {
                    PreRecv::Known(Recv::SelfValue)
                } else if name.starts_with(|c: char| c.is_lowercase() || c == '_') {
                    PreRecv::Known(Recv::Local(name))
                } else {
                    PreRecv::Known(Recv::Unknown)
                }
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) if p.qself.is_none() => match p.path.segments.last() {
                    Some(last) => PreRecv::CallAt(key_of(last.ident.span())),
                    None => PreRecv::Known(Recv::Unknown),
                },
                _ => PreRecv::Known(Recv::Unknown),
            },
            Expr::Struct(s) if s.qself.is_none() => PreRecv::Known(Recv::Type(path_segs(&s.path))),
            _ => PreRecv::Known(Recv::Unknown),
        }
    }

    fn resolve_pre(&mut self, pre: PreRecv) -> Recv {
        match pre {
            PreRecv::Known(recv) => recv,
            PreRecv::CallAt(key) => self
                .body()
                .call_at
                .get(&key)
                .map_or(Recv::Unknown, |&i| Recv::CallResult(i)),
        }
    }

    fn bind(&mut self, pat: &Pat, value: Recv) {
        if let Some(name) = pat_binding(pat) {
            let value = match pat {
                Pat::Type(pt) => core_type(&pt.ty).map_or(value, Recv::Type),
                _ => value,
            };
            self.bind_name(name, value);
        }
    }

    /// Records a binding; an unknown value only matters when it hides a
    /// known one, so only then is it recorded.
    fn bind_name(&mut self, name: String, value: Recv) {
        let body = self.body();
        if value == Recv::Unknown {
            if body.typed.remove(&name) {
                body.fact.events.push(Event::Bind { name, value });
            }
        } else {
            body.typed.insert(name.clone());
            body.fact.events.push(Event::Bind { name, value });
        }
    }

    fn type_fact(&mut self, name: &Ident, diesel_table: Option<String>) {
        self.module().facts.types.push(TypeFact {
            name: ident_str(name),
            diesel_table,
        });
    }

    /// Struct attributes: diesel models and SeaORM entities.
    fn model_attrs(&mut self, attrs: &[Attribute], name: &Ident) -> Option<String> {
        let line = line_of(name.span());
        let mut diesel_table = None;
        let mut entity_table = None;
        let mut derives = Vec::new();
        for attr in attrs {
            match &attr.meta {
                Meta::List(list) if list.path.is_ident("diesel") => {
                    diesel_table =
                        diesel_table.or(diesel::table_name_in_diesel_attr(list.tokens.clone()));
                }
                Meta::List(list) if list.path.is_ident("sea_orm") => {
                    entity_table = entity_table.or(seaorm::table_of_attr(list.tokens.clone()));
                }
                Meta::List(list) if list.path.is_ident("derive") => {
                    derives.extend(list.tokens.clone().into_iter().filter_map(|t| match t {
                        TokenTree::Ident(i) => Some(i.to_string()),
                        _ => None,
                    }));
                }
                Meta::NameValue(nv) if nv.path.is_ident("table_name") => {
                    if let Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) = &nv.value
                    {
                        diesel_table = Some(s.value());
                    }
                }
                _ => {}
            }
        }
        let tables = self.ctx.tables;
        let diesel_table = diesel_table.and_then(|t| tables.canonical(&t));
        if let Some(table) = &diesel_table {
            let module = self.module();
            module.facts.accesses.push(DirectAccess {
                table: table.clone(),
                mode: AccessMode::Read,
                line,
            });
            if diesel::derives_write(&derives) {
                module.facts.accesses.push(DirectAccess {
                    table: table.clone(),
                    mode: AccessMode::Write,
                    line,
                });
            }
        }
        if let Some(table) = entity_table.and_then(|t| tables.canonical(&t)) {
            let module = self.module();
            module.facts.accesses.push(DirectAccess {
                table: table.clone(),
                mode: AccessMode::Read,
                line,
            });
            module.facts.entity_table = Some(table);
        }
        diesel_table
    }

    /// Keeps a qualified path for module dependencies; `segs` when the
    /// caller already has them.
    fn note_dep(&mut self, path: &syn::Path, segs: Option<&Segs>) {
        if path.segments.len() < 2 {
            return;
        }
        let first = &path.segments[0].ident;
        // Paths into the standard library are never workspace modules.
        if ["Self", "std", "core", "alloc"].iter().any(|n| first == n) {
            return;
        }
        // Paths repeat within a module: copy one only when it is new.
        match segs {
            Some(segs) => {
                let deps = &mut self.module().deps;
                if !deps.contains(segs) {
                    deps.insert(segs.clone());
                }
            }
            None => {
                let segs = path_segs(path);
                self.module().deps.insert(segs);
            }
        }
    }

    /// Visits a path's generic arguments, its dependency already noted.
    fn visit_path_args(&mut self, path: &syn::Path) {
        for segment in &path.segments {
            if !segment.arguments.is_none() {
                self.visit_path_arguments(&segment.arguments);
            }
        }
    }

    fn handle_mod(&mut self, m: &syn::ItemMod) {
        if self.in_fn() {
            return;
        }
        let name = ident_str(&m.ident);
        let rel = self.module().facts.rel_path.clone();
        if let Some((_, items)) = &m.content {
            let mut path = rel;
            path.push(name);
            self.enter_module(path);
            for item in items {
                self.visit_item(item);
            }
            self.leave_module();
            return;
        }
        let (file, mod_rs) = self.dirs.locate(m, &name, &rel);
        let line = line_of(m.ident.span());
        self.module().facts.children.push(ChildModule {
            name,
            file,
            mod_rs,
            line,
        });
    }

    fn handle_use(&mut self, tree: &UseTree) {
        let mut facts = Vec::new();
        flatten_use(tree, &mut Vec::new(), &mut facts);
        self.note_imports(&facts);
        let tables = self.ctx.tables;
        for fact in &facts {
            if let Some(table) = diesel::dsl_table_of_use(fact.name.as_deref(), &fact.path) {
                if let Some(canonical) = tables.canonical(&table) {
                    self.body().dsl.insert(canonical);
                }
            }
        }
        self.module().facts.uses.extend(facts);
    }

    fn handle_const(&mut self, name: &Ident, ty: &Type, expr: &Expr) {
        self.bodies.push(Body::new(
            ident_str(name),
            line_of(name.span()),
            FnKind::Const,
            false,
        ));
        self.body().fact.ret = core_type(ty);
        self.visit_type(ty);
        self.sql_literal(expr);
        self.visit_expr(expr);
        self.end_fn();
    }

    fn handle_impl(&mut self, imp: &syn::ItemImpl) {
        let self_ty = impl_segs(&imp.self_ty);
        self.visit_type(&imp.self_ty);
        if let Some((_, path, _)) = &imp.trait_ {
            self.visit_path(path);
        }
        let module = self.module();
        module.facts.impls.push(ImplFact { self_ty });
        let index = module.facts.impls.len() - 1;
        self.impl_stack.push(index);
        for item in &imp.items {
            match item {
                ImplItem::Fn(f) => {
                    if is_test_fn(&f.attrs) {
                        continue;
                    }
                    self.begin_fn(&f.sig, FnKind::Method(index));
                    self.visit_block(&f.block);
                    self.end_fn();
                }
                ImplItem::Const(c) if !is_test_only(&c.attrs) => {
                    self.handle_const(&c.ident, &c.ty, &c.expr)
                }
                ImplItem::Macro(m) if !is_test_only(&m.attrs) => {
                    self.note_macro_call(&m.mac, Some(&imp.self_ty));
                    self.visit_macro(&m.mac);
                }
                ImplItem::Type(t) => self.visit_type(&t.ty),
                _ => {}
            }
        }
        self.impl_stack.pop();
    }

    fn handle_trait(&mut self, t: &syn::ItemTrait) {
        self.type_fact(&t.ident, None);
        let module = self.module();
        module.facts.impls.push(ImplFact {
            self_ty: vec![ident_str(&t.ident)],
        });
        let index = module.facts.impls.len() - 1;
        for item in &t.items {
            match item {
                TraitItem::Fn(f) => {
                    if let Some(block) = &f.default {
                        if is_test_fn(&f.attrs) {
                            continue;
                        }
                        self.begin_fn(&f.sig, FnKind::Method(index));
                        self.visit_block(block);
                        self.end_fn();
                    }
                }
                TraitItem::Const(c) => {
                    if let Some((_, expr)) = &c.default {
                        self.handle_const(&c.ident, &c.ty, expr);
                    }
                }
                _ => {}
            }
        }
    }

    /// Keeps an item-position invocation for expansion by the workspace's
    /// own `macro_rules!`.
    fn note_macro_call(&mut self, mac: &Macro, self_ty: Option<&Type>) {
        let Some(last) = mac.path.segments.last() else {
            return;
        };
        let name = ident_str(&last.ident);
        if matches!(
            name.as_str(),
            "table" | "joinable" | "allow_tables_to_appear_in_same_query" | "macro_rules"
        ) || SKIPPED_MACROS.contains(&name.as_str())
        {
            return;
        }
        let self_ty = match self_ty {
            Some(ty) => match impl_segs(ty) {
                segs if segs.is_empty() => return,
                segs => Some(segs),
            },
            None => None,
        };
        let call = MacroCall {
            name,
            self_ty,
            tokens: mac.tokens.to_string(),
            line: line_of(last.ident.span()),
        };
        self.module().facts.macro_calls.push(call);
    }

    /// A macro's body, read as arguments, statements, or failing both,
    /// group by group.
    fn visit_tokens(&mut self, tokens: TokenStream) {
        if self.macro_depth > 8 {
            return;
        }
        self.macro_depth += 1;
        if let Ok(args) =
            Punctuated::<Expr, syn::Token![,]>::parse_terminated.parse2(tokens.clone())
        {
            for arg in &args {
                self.visit_expr(arg);
            }
        } else if let Ok(stmts) = syn::Block::parse_within.parse2(tokens.clone()) {
            for stmt in &stmts {
                self.visit_stmt(stmt);
            }
        } else {
            for token in tokens {
                if let TokenTree::Group(g) = token {
                    self.visit_tokens(g.stream());
                }
            }
        }
        self.macro_depth -= 1;
    }

    fn sql_args(&mut self, args: &Punctuated<Expr, syn::Token![,]>, template: bool) {
        if let Some((text, line)) = args.iter().find_map(string_lit) {
            self.sql_text(text, line, template);
        }
    }
}

impl<'ast> Visit<'ast> for Extractor<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        if is_test_only(item_attrs(item)) {
            return;
        }
        match item {
            Item::Mod(m) => self.handle_mod(m),
            Item::Fn(f) => {
                if is_test_fn(&f.attrs) {
                    return;
                }
                self.begin_fn(&f.sig, FnKind::Free);
                self.visit_block(&f.block);
                self.end_fn();
            }
            Item::Impl(imp) => self.handle_impl(imp),
            Item::Trait(t) => self.handle_trait(t),
            Item::Const(c) => self.handle_const(&c.ident, &c.ty, &c.expr),
            Item::Static(s) => self.handle_const(&s.ident, &s.ty, &s.expr),
            Item::Struct(s) => {
                let table = self.model_attrs(&s.attrs, &s.ident);
                self.type_fact(&s.ident, table);
                visit::visit_fields(self, &s.fields);
            }
            Item::Enum(e) => {
                self.type_fact(&e.ident, None);
                visit::visit_item_enum(self, e);
            }
            Item::Union(u) => {
                self.type_fact(&u.ident, None);
                visit::visit_item_union(self, u);
            }
            Item::Type(t) => {
                self.type_fact(&t.ident, None);
                self.visit_type(&t.ty);
            }
            Item::TraitAlias(t) => self.type_fact(&t.ident, None),
            Item::Use(u) => self.handle_use(&u.tree),
            Item::ExternCrate(e) => {
                let name = ident_str(&e.ident);
                let alias = e
                    .rename
                    .as_ref()
                    .map_or(name.clone(), |(_, r)| ident_str(r));
                if name != "self" {
                    self.module().facts.uses.push(UseFact {
                        name: Some(alias),
                        path: vec![name],
                    });
                }
            }
            // Definitions are kept for expansion (their bodies are patterns,
            // not code); invocations are read, and kept for expansion too.
            Item::Macro(m) => match &m.ident {
                Some(name) if m.mac.path.is_ident("macro_rules") => {
                    let def = (ident_str(name), m.mac.tokens.to_string());
                    self.module().facts.macro_defs.push(def);
                }
                Some(_) => {}
                None => {
                    if !self.in_fn() {
                        self.note_macro_call(&m.mac, None);
                    }
                    self.visit_macro(&m.mac);
                }
            },
            _ => {}
        }
    }

    fn visit_attribute(&mut self, _attr: &'ast Attribute) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.note_dep(path, None);
        visit::visit_path(self, path);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(q) = &p.qself {
            self.visit_type(&q.ty);
            return;
        }
        let Some(first) = p.path.segments.first() else {
            return;
        };
        let line = line_of(first.ident.span());
        if p.path.segments.len() == 1 {
            // Mostly locals: kept cheap, no path vector unless needed.
            let mut buf = std::mem::take(&mut self.scratch);
            let name = ident_in(&first.ident, &mut buf);
            self.bare_name(name, line);
            if is_screaming(name) || name == "Entity" || is_camel(name) {
                self.push_event(Event::ValueRef {
                    path: vec![name.to_string()],
                    line,
                });
            }
            self.scratch = buf;
            self.visit_path_args(&p.path);
            return;
        }
        let segs = path_segs(&p.path);
        let tables = self.ctx.tables;
        if let Some(found) = diesel::table_in_path(&segs, tables) {
            if let Some(table) = tables.canonical(&segs[found.index]) {
                if found.certain {
                    self.access(table, AccessMode::Read, line);
                } else {
                    // `routes::tags::tag` may be a module path: decided
                    // once modules are known.
                    let access = DirectAccess {
                        table,
                        mode: self.dsl_mode(),
                        line,
                    };
                    let prefix = segs[..=found.index].to_vec();
                    self.push_event(Event::DieselColumn { prefix, access });
                }
            }
        }
        self.note_dep(&p.path, Some(&segs));
        let last = segs.last().map(String::as_str).unwrap_or_default();
        if is_screaming(last) || last == "Entity" {
            self.push_event(Event::ValueRef { path: segs, line });
        }
        self.visit_path_args(&p.path);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let Expr::Path(p) = &*c.func else {
            self.visit_expr(&c.func);
            for arg in &c.args {
                self.visit_expr(arg);
            }
            return;
        };
        if p.qself.is_some() {
            // `<T as Trait>::f(…)`: not resolved, but its arguments count.
            self.visit_expr_path(p);
            for arg in &c.args {
                self.visit_expr(arg);
            }
            return;
        }
        let segs = path_segs(&p.path);
        let Some(last) = p.path.segments.last() else {
            return;
        };
        let line = line_of(last.ident.span());
        let name = segs.last().cloned().unwrap_or_default();
        let in_diesel = segs.len() == 2 && segs[0] == "diesel";
        let segs_len = segs.len();
        self.note_dep(&p.path, Some(&segs));
        self.visit_path_args(&p.path);
        // `Some(…)`, `Vec::new()`: never a workspace function.
        if !STD_ROOTS.contains(&segs[0].as_str()) {
            let index = self.push_event(Event::Call { path: segs, line });
            self.body().call_at.insert(key_of(last.ident.span()), index);
        }
        if sqlx::QUERY_FNS.contains(&name.as_str()) {
            for arg in &c.args {
                self.sql_literal(arg);
            }
        }
        let diesel_write = diesel::WRITE_FNS.contains(&name.as_str())
            && (in_diesel || (segs_len == 1 && self.uses_diesel));
        if diesel_write {
            if let Some(arg) = c.args.first() {
                if let PreRecv::Known(target @ (Recv::SelfValue | Recv::Local(_))) =
                    self.pre_recv(arg)
                {
                    self.push_event(Event::DieselWrite { target, line });
                }
            }
            self.diesel_write += 1;
        }
        for arg in &c.args {
            self.visit_expr(arg);
        }
        if diesel_write {
            self.diesel_write -= 1;
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let pre = self.pre_recv(&m.receiver);
        self.visit_expr(&m.receiver);
        let recv = self.resolve_pre(pre);
        let mut buf = std::mem::take(&mut self.scratch);
        let name = ident_in(&m.method, &mut buf);
        let save_changes = name == "save_changes";
        let query = sqlx::QUERY_METHODS.contains(&name);
        let common = calls::is_common(name);
        // Only a method that may get an event needs its name kept.
        let kept = (!STD_ONLY_METHODS.contains(&name)).then(|| name.to_string());
        self.scratch = buf;
        let line = line_of(m.method.span());
        if save_changes {
            self.push_event(Event::DieselWrite {
                target: recv.clone(),
                line,
            });
        }
        if query {
            for arg in &m.args {
                self.sql_literal(arg);
            }
        }
        // A local nothing typed is as unknown as any other receiver.
        let recv = match recv {
            Recv::Local(local) if !self.body().typed.contains(&local) => Recv::Unknown,
            other => other,
        };
        // Without a receiver type only a distinctive name can resolve.
        let hopeless = recv == Recv::Unknown && common;
        if let Some(name) = kept.filter(|_| !hopeless) {
            self.push_event(Event::Method { name, recv, line });
        }
        if let Some(turbofish) = &m.turbofish {
            self.visit_angle_bracketed_generic_arguments(turbofish);
        }
        for arg in &m.args {
            self.visit_expr(arg);
        }
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        if s.qself.is_none() {
            if let Some(first) = s.path.segments.first() {
                let line = line_of(first.ident.span());
                let segs = path_segs(&s.path);
                self.note_dep(&s.path, Some(&segs));
                self.push_event(Event::StructLit { path: segs, line });
            }
        } else {
            self.visit_path(&s.path);
        }
        self.visit_path_args(&s.path);
        for field in &s.fields {
            self.visit_expr(&field.expr);
        }
        if let Some(rest) = &s.rest {
            self.visit_expr(rest);
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let mut value = Recv::Unknown;
        if let Some(init) = &local.init {
            let pre = self.pre_recv(&init.expr);
            self.sql_literal(&init.expr);
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
            value = self.resolve_pre(pre);
        }
        self.bind(&local.pat, value);
        self.visit_pat(&local.pat);
    }

    fn visit_expr_let(&mut self, e: &'ast syn::ExprLet) {
        let pre = self.pre_recv(&e.expr);
        self.visit_expr(&e.expr);
        let value = self.resolve_pre(pre);
        self.bind(&e.pat, value);
        self.visit_pat(&e.pat);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        let pre = self.pre_recv(&f.expr);
        self.visit_expr(&f.expr);
        let value = self.resolve_pre(pre);
        self.bind(&f.pat, value);
        self.visit_pat(&f.pat);
        self.visit_block(&f.body);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        let pre = self.pre_recv(&m.expr);
        self.visit_expr(&m.expr);
        let value = self.resolve_pre(pre);
        for arm in &m.arms {
            self.bind(&arm.pat, value.clone());
            self.visit_pat(&arm.pat);
            if let Some((_, guard)) = &arm.guard {
                self.visit_expr(guard);
            }
            self.visit_expr(&arm.body);
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        for input in &c.inputs {
            self.bind(input, Recv::Unknown);
            self.visit_pat(input);
        }
        self.visit_expr(&c.body);
    }

    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        match stmt {
            Stmt::Item(item) => self.visit_item(item),
            _ => visit::visit_stmt(self, stmt),
        }
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        let mut buf = std::mem::take(&mut self.scratch);
        let name = match mac.path.segments.last() {
            Some(last) => ident_in(&last.ident, &mut buf),
            None => "",
        };
        let single_or_sqlx = mac.path.segments.len() == 1
            || mac.path.segments.first().is_some_and(|s| s.ident == "sqlx");
        let kind = match name {
            // diesel's schema declarations name tables without touching them.
            "table" | "joinable" | "allow_tables_to_appear_in_same_query" | "macro_rules" => {
                MacroKind::Skipped
            }
            _ if SKIPPED_MACROS.contains(&name) => MacroKind::Skipped,
            _ if sqlx::QUERY_MACROS.contains(&name) && single_or_sqlx => MacroKind::Query,
            _ if sql_strings::FORMAT_MACROS.contains(&name) => MacroKind::Format,
            _ => MacroKind::Other,
        };
        // The buffer goes back before the arguments, which use it too.
        self.scratch = buf;
        match kind {
            MacroKind::Skipped => {}
            MacroKind::Query => {
                if let Ok(args) =
                    Punctuated::<Expr, syn::Token![,]>::parse_terminated.parse2(mac.tokens.clone())
                {
                    self.sql_args(&args, false);
                    for arg in &args {
                        self.visit_expr(arg);
                    }
                }
            }
            MacroKind::Format => {
                // Templates are rarely SQL and their arguments rarely reach
                // the database: parse only when the template looks like SQL.
                let template = mac.tokens.clone().into_iter().find_map(|t| match t {
                    TokenTree::Literal(l) => {
                        syn::parse2::<syn::LitStr>(TokenTree::Literal(l).into()).ok()
                    }
                    _ => None,
                });
                if template.is_some_and(|t| sql_tables::looks_like_sql(&t.value())) {
                    if let Ok(args) = Punctuated::<Expr, syn::Token![,]>::parse_terminated
                        .parse2(mac.tokens.clone())
                    {
                        self.sql_args(&args, true);
                        for arg in &args {
                            self.visit_expr(arg);
                        }
                    }
                }
            }
            MacroKind::Other => self.visit_tokens(mac.tokens.clone()),
        }
    }
}
