//! SQL schema ingestion: split each script into statements, parse them (in
//! parallel, across files and within a file), then replay the resulting
//! changes in order into one schema.

pub mod change;
pub mod dialect;
pub mod from_ast;
pub mod lenient;
pub mod procedural;
pub mod replay;
pub mod split;
pub mod statement;

use crate::model::{Diagnostic, Dialect, Schema, SourceLocation};
use rayon::prelude::*;
use statement::LocatedChange;

/// One script to ingest: its display path and its text.
#[derive(Debug, Clone)]
pub struct SqlSource {
    pub path: String,
    pub text: String,
}

/// The schema and what was noticed on the way.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub schema: Schema,
    pub diagnostics: Vec<Diagnostic>,
}

/// Detects the dialect of several scripts together, with path hints.
pub fn detect_dialect(sources: &[SqlSource]) -> Dialect {
    let mut votes = dialect::DialectVotes::default();
    for source in sources {
        votes.add_path_hint(&source.path);
        votes.add_text(&source.text);
    }
    votes.winner().0
}

/// The changes of one script, in order, with their diagnostics.
struct ScriptChanges {
    path: String,
    changes: Vec<LocatedChange>,
    diagnostics: Vec<Diagnostic>,
}

fn script_changes(source: &SqlSource, dialect: Dialect) -> ScriptChanges {
    let split = split::split_statements(&source.text, dialect);
    let mut diagnostics: Vec<Diagnostic> = split
        .problems
        .iter()
        .map(|p| {
            Diagnostic::warning(p.code, p.message.clone()).at(source.path.clone(), p.line, p.column)
        })
        .collect();
    let outcomes: Vec<statement::StatementOutcome> = split
        .statements
        .par_iter()
        .with_min_len(64)
        .map(|raw| statement::process(raw, dialect, &source.path))
        .collect();
    let mut changes = Vec::new();
    for outcome in outcomes {
        changes.extend(outcome.changes);
        diagnostics.extend(outcome.diagnostics);
    }
    ScriptChanges {
        path: source.path.clone(),
        changes,
        diagnostics,
    }
}

/// Ingests scripts in the order given (the caller orders migrations).
/// `dialect` overrides detection.
pub fn ingest_sources(sources: Vec<SqlSource>, dialect: Option<Dialect>) -> Ingested {
    let dialect = dialect.unwrap_or_else(|| detect_dialect(&sources));
    let scripts: Vec<ScriptChanges> = sources
        .par_iter()
        .map(|s| script_changes(s, dialect))
        .collect();
    let mut replayer = replay::Replayer::new(dialect);
    let mut diagnostics = Vec::new();
    for script in scripts {
        diagnostics.extend(script.diagnostics);
        for (change, line) in script.changes {
            replayer.apply(
                change,
                &SourceLocation {
                    file: script.path.clone(),
                    line,
                },
            );
        }
    }
    let (schema, replay_diagnostics) = replayer.finish();
    diagnostics.extend(replay_diagnostics);
    Ingested {
        schema,
        diagnostics,
    }
}

/// Ingests one script's text; handy for tests.
pub fn ingest_text(path: &str, text: &str, dialect: Option<Dialect>) -> Ingested {
    ingest_sources(
        vec![SqlSource {
            path: path.to_string(),
            text: text.to_string(),
        }],
        dialect,
    )
}
