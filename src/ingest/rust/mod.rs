//! Reading the monolith's Rust code: crates, the module tree, module
//! dependencies and which module reads and writes which table.
//!
//! The pipeline: find the workspace's crates ([`workspace`]), read their
//! module trees with one parse per file in parallel, while the schema may
//! still be loading ([`gate`], [`modules`], what carve does not read
//! taken out first ([`unread`]), [`extract`], the detectors in
//! [`access`]), expand the workspace's own item macros ([`macros`]),
//! match the SQL strings kept from every file
//! against the schema in one parallel batch ([`access::sql_strings`]),
//! index every name ([`resolve`]), resolve each
//! function's calls and propagate table accesses along them ([`calls`]),
//! then gather the result per module ([`assemble`]).

pub mod access;
pub mod assemble;
pub mod calls;
pub mod doc_comments;
pub mod extract;
pub mod facts;
pub mod gate;
pub mod macros;
pub mod modules;
pub mod names;
pub mod nesting;
pub mod resolve;
pub mod sql_tables;
pub mod syntax;
pub mod test_modules;
pub mod unread;
pub mod workspace;

use crate::model::{Codebase, Diagnostic, Schema};
use gate::SchemaGate;
use std::path::Path;

pub use sql_tables::tables_in_sql;

/// Reads the Rust workspace under `root` and finds which module reads and
/// writes which table of `schema`. Paths in the result are relative to
/// `root`; the result is the same for the same input.
pub fn read_codebase(root: &Path, schema: &Schema) -> (Codebase, Vec<Diagnostic>) {
    read_codebase_while(root, &SchemaGate::opened(schema)).unwrap_or_default()
}

/// [`read_codebase`] for a schema that may still be loading: files are
/// parsed meanwhile and matched against it once `gate` opens. `None` when
/// the gate closes instead (no schema came).
pub fn read_codebase_while(root: &Path, gate: &SchemaGate) -> Option<(Codebase, Vec<Diagnostic>)> {
    // Parsers and visitors recurse as deep as the code nests: give the
    // workers room, on as many threads as rayon would use anyway. Workers
    // of this pool may block at the gate; the schema loads on others.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK)
        .build();
    match pool {
        Ok(pool) => pool.install(|| read_in_pool(root, gate)),
        Err(_) => {
            // Without a pool of its own, blocking a shared worker at the gate
            // could starve the schema loader: wait here, then read.
            gate.wait()?;
            read_in_pool(root, gate)
        }
    }
}

/// Stack size of the threads reading files.
const WORKER_STACK: usize = 64 << 20;

fn read_in_pool(root: &Path, gate: &SchemaGate) -> Option<(Codebase, Vec<Diagnostic>)> {
    let root = workspace::normalize(root);
    let ws = workspace::read_workspace(&root);
    let (mut records, tree_diagnostics) = modules::read_tree(&ws, &root, gate);
    let view = gate.wait()?;
    let macro_diagnostics = macros::expand_all(&mut records, &root, &view.tables);
    let sql_diagnostics = access::sql_strings::match_all(&mut records, &view.tables, view.dialect);
    let mut diagnostics = ws.diagnostics.clone();
    diagnostics.extend(tree_diagnostics);
    diagnostics.extend(macro_diagnostics);
    diagnostics.extend(sql_diagnostics);
    let codebase = assemble::assemble(&root, &ws, records);
    diagnostics.sort_by(|a, b| {
        (a.severity, &a.file, a.line, a.column, &a.code, &a.message)
            .cmp(&(b.severity, &b.file, b.line, b.column, &b.code, &b.message))
    });
    Some((codebase, diagnostics))
}
