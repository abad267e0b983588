//! What one parsed Rust file tells, as plain owned data: its modules, items,
//! imports, functions with their direct table accesses and the calls they
//! make. Files are read in parallel into these; names are resolved later,
//! once every file is in.

use crate::model::{AccessMode, Diagnostic};
use std::path::PathBuf;

/// A path as written, one string per segment, generics dropped.
pub type Segs = Vec<String>;

#[derive(Debug, Default)]
pub struct FileFacts {
    /// The file's own module first, then its inline modules.
    pub modules: Vec<ModuleFacts>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileFacts {
    /// A file that yields an empty module of its own, and what went wrong
    /// with it.
    pub fn one_module_with(diagnostic: Diagnostic) -> Self {
        FileFacts {
            modules: vec![ModuleFacts::default()],
            diagnostics: vec![diagnostic],
        }
    }

    /// A file that yields an empty module of its own.
    pub fn one_empty_module() -> Self {
        FileFacts {
            modules: vec![ModuleFacts::default()],
            diagnostics: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct ModuleFacts {
    /// Inline module names below the file's module (empty for the file's).
    pub rel_path: Vec<String>,
    pub uses: Vec<UseFact>,
    /// Out-of-line `mod x;` declarations.
    pub children: Vec<ChildModule>,
    pub types: Vec<TypeFact>,
    pub impls: Vec<ImplFact>,
    pub fns: Vec<FnFact>,
    /// Accesses outside any function: diesel models, SeaORM entities.
    pub accesses: Vec<DirectAccess>,
    /// Strings outside any function that may be SQL, not matched yet.
    pub sql: Vec<SqlText>,
    /// The table a SeaORM entity in this module maps.
    pub entity_table: Option<String>,
    /// Distinct paths of two or more segments, for module dependencies.
    pub dep_paths: Vec<Segs>,
    /// `macro_rules!` definitions: name and rules, as text.
    pub macro_defs: Vec<(String, String)>,
    /// Item-position macro invocations, expanded once every definition is
    /// known.
    pub macro_calls: Vec<MacroCall>,
}

/// `name!(…)` where an item or an impl item may stand.
#[derive(Debug, Clone)]
pub struct MacroCall {
    pub name: String,
    /// The type of the enclosing `impl`, when inside one.
    pub self_ty: Option<Segs>,
    /// The invocation's tokens, as text.
    pub tokens: String,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct ChildModule {
    pub name: String,
    /// The file found for it, if any.
    pub file: Option<PathBuf>,
    /// Whether that file owns its directory (`mod.rs`, `#[path]`): its own
    /// `mod y;` then look beside it rather than in a folder named after it.
    pub mod_rs: bool,
    pub line: u32,
}

/// One name a `use` brings in; `name` is `None` for a glob.
#[derive(Debug, Clone)]
pub struct UseFact {
    pub name: Option<String>,
    pub path: Segs,
}

#[derive(Debug, Clone)]
pub struct TypeFact {
    pub name: String,
    /// The table a diesel model struct maps (`#[diesel(table_name = …)]`).
    pub diesel_table: Option<String>,
}

/// An `impl` block (or a trait definition, whose default methods belong to
/// the trait itself).
#[derive(Debug, Clone)]
pub struct ImplFact {
    pub self_ty: Segs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FnKind {
    Free,
    /// A method of `impls[i]` of the same module.
    Method(usize),
    /// A `const` or `static`: referencing it is like calling it.
    Const,
}

#[derive(Debug, Clone)]
pub struct DirectAccess {
    pub table: String,
    pub mode: AccessMode,
    pub line: u32,
}

/// What the value of an expression is known to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recv {
    SelfValue,
    Local(String),
    /// The result of the call recorded as `events[i]`.
    CallResult(usize),
    Type(Segs),
    Unknown,
}

#[derive(Debug, Clone)]
pub enum Event {
    /// A local variable gets a value (later uses see this one).
    Bind { name: String, value: Recv },
    /// `a::b(…)`, `Type::f(…)`, `f(…)`.
    Call { path: Segs, line: u32 },
    /// `x.m(…)`.
    Method { name: String, recv: Recv, line: u32 },
    /// `Type { … }`.
    StructLit { path: Segs, line: u32 },
    /// A path used as a value: a constant, a unit struct, an entity.
    ValueRef { path: Segs, line: u32 },
    /// `diesel::update(x)` / `x.save_changes(…)` where `x` is a model, not
    /// a table: the model's table is written.
    DieselWrite { target: Recv, line: u32 },
    /// `X::<column of X>`: a diesel access unless `X` (with what precedes
    /// it) is a module of the workspace.
    DieselColumn { prefix: Segs, access: DirectAccess },
}

#[derive(Debug, Clone)]
pub struct FnFact {
    pub name: String,
    pub line: u32,
    pub kind: FnKind,
    pub has_receiver: bool,
    /// The type it returns, wrappers (`Option`, `Vec`, `Result`, …) removed.
    pub ret: Option<Segs>,
    pub accesses: Vec<DirectAccess>,
    /// Strings in its body that may be SQL, not matched yet.
    pub sql: Vec<SqlText>,
    pub events: Vec<Event>,
}

/// A string literal or `format!` template that looks like SQL, kept as
/// written. Its tables are found once every file is read
/// ([`super::access::sql_strings::match_all`]): sqlparser runs much faster
/// over all of them in a row than one statement at a time between Rust
/// files.
#[derive(Debug, Clone)]
pub struct SqlText {
    pub text: String,
    pub line: u32,
    /// A `format!` template: its placeholders are replaced before parsing.
    pub template: bool,
}
