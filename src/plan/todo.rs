//! The todo file (`carve-todo.toml`, beside the plan): the boundary
//! crossings the code had when the plan was adopted. `carve check` lets
//! them pass and fails on any other, so the list can only shrink: a listed
//! crossing the code no longer makes is stale until the file is updated.
//!
//! An entry is a module, a table, a mode (read or write) and the files the
//! module does it in, without line numbers, so moving code around a file
//! changes nothing. Only table crossings are listed: a table the plan does
//! not place or a module without a service always fails the check.

use super::check::{Violation, ViolationKind};
use super::load::{line_column, PlanError};
use crate::model::AccessMode;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The todo file's name; it lives in the plan's directory.
pub const TODO_FILE: &str = "carve-todo.toml";

pub const TODO_FORMAT_VERSION: u32 = 1;

/// The todo file beside the plan at `plan_path`.
pub fn todo_path(plan_path: &Path) -> PathBuf {
    super::write::plan_dir(plan_path).join(TODO_FILE)
}

/// What identifies a crossing: module, table, mode.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CrossingKey {
    pub module: String,
    pub table: String,
    pub mode: AccessMode,
}

/// Crossings and the files each happens in.
pub type Crossings = BTreeMap<CrossingKey, BTreeSet<String>>;

/// One entry of the todo file, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoEntry {
    pub key: CrossingKey,
    pub files: BTreeSet<String>,
    pub line: u32,
}

/// A parsed todo file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Todo {
    pub entries: Vec<TodoEntry>,
}

impl Todo {
    /// The entries as crossings (entries for the same crossing merge).
    pub fn crossings(&self) -> Crossings {
        let mut out = Crossings::new();
        for entry in &self.entries {
            out.entry(entry.key.clone())
                .or_default()
                .extend(entry.files.iter().cloned());
        }
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TodoFile {
    format_version: Spanned<u32>,
    #[serde(default)]
    crossings: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    module: String,
    table: String,
    mode: AccessMode,
    #[serde(default)]
    files: Vec<String>,
}

/// Parses todo text; `file` is the name to show in errors.
pub fn parse_todo(text: &str, file: &str) -> Result<Todo, PlanError> {
    let error = |offset: usize, message: String| {
        let (line, column) = line_column(text, offset);
        PlanError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    let parsed: TodoFile = toml::from_str(text).map_err(|e| {
        error(
            e.span().map_or(0, |s| s.start),
            e.message().trim().to_string(),
        )
    })?;
    if *parsed.format_version.get_ref() != TODO_FORMAT_VERSION {
        return Err(error(
            parsed.format_version.span().start,
            format!(
                "format_version {} is not supported; this carve reads {TODO_FORMAT_VERSION}",
                parsed.format_version.get_ref()
            ),
        ));
    }
    let entries = parsed
        .crossings
        .into_iter()
        .map(|spanned| {
            let line = line_column(text, spanned.span().start).0;
            let raw = spanned.into_inner();
            TodoEntry {
                key: CrossingKey {
                    module: raw.module,
                    table: raw.table,
                    mode: raw.mode,
                },
                files: raw.files.into_iter().collect(),
                line,
            }
        })
        .collect();
    Ok(Todo { entries })
}

/// Reads the todo file; `Ok(None)` when there is none.
pub fn load_todo(path: &Path) -> Result<Option<Todo>, PlanError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse_todo(&text, &file).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PlanError {
            file,
            line: 1,
            column: 1,
            message: format!("cannot read the todo file: {e}"),
        }),
    }
}

fn mode_name(mode: AccessMode) -> &'static str {
    match mode {
        AccessMode::Read => "read",
        AccessMode::Write => "write",
    }
}

/// The table crossings among `violations`, with the files they happen in.
/// Other kinds of violation are never listed.
pub fn crossings_of(violations: &[Violation]) -> Crossings {
    let mut out = Crossings::new();
    for v in violations {
        if let Some(key) = key_of(v) {
            out.entry(key)
                .or_default()
                .extend(v.evidence.iter().map(|e| e.file.clone()));
        }
    }
    out
}

fn key_of(v: &Violation) -> Option<CrossingKey> {
    if v.kind != ViolationKind::ForeignTableAccess {
        return None;
    }
    Some(CrossingKey {
        module: v.module.clone()?,
        table: v.table.clone()?,
        mode: v.mode?,
    })
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

/// The todo file's text: a header saying what it is, then one entry per
/// crossing, sorted; the same crossings always give the same bytes.
pub fn render_todo(crossings: &Crossings) -> String {
    let mut out = String::new();
    out.push_str(
        "# carve todo: the boundary crossings the code already makes, each a module running a\n\
         # query on a table another service owns. `carve check` lets these pass and fails on any\n\
         # other crossing, so this list only shrinks.\n\
         #\n\
         # To shrink it, move the query behind the owner's API or events (or change the plan in\n\
         # carve.toml), then run `carve check --update-todo`: it removes the entries the code no\n\
         # longer makes and never adds new ones. Do not add entries by hand; `carve check --strict`\n\
         # ignores this file.\n",
    );
    let _ = writeln!(out, "format_version = {TODO_FORMAT_VERSION}");
    for (key, files) in crossings {
        out.push_str("\n[[crossings]]\n");
        let _ = writeln!(out, "module = {}", quoted(&key.module));
        let _ = writeln!(out, "table = {}", quoted(&key.table));
        let _ = writeln!(out, "mode = {}", quoted(mode_name(key.mode)));
        let files: Vec<String> = files.iter().map(|f| quoted(f)).collect();
        let _ = writeln!(out, "files = [{}]", files.join(", "));
    }
    out
}

/// A listed crossing the code no longer makes (in some or all its files).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stale {
    pub key: CrossingKey,
    /// The listed files it no longer happens in.
    pub files: Vec<String>,
    /// The entry's line in the todo file.
    pub line: u32,
}

/// The check's violations against the todo file.
#[derive(Debug, Clone, Default)]
pub struct Ratchet {
    /// What fails: every violation not listed (for a listed crossing, the
    /// evidence in files the entry does not name).
    pub new: Vec<Violation>,
    /// Listed crossings that no longer happen.
    pub stale: Vec<Stale>,
    /// How many listed crossings the code still makes.
    pub known: usize,
}

/// Judges `violations` against `todo` (`None`: nothing is listed).
pub fn ratchet(violations: &[Violation], todo: Option<&Todo>) -> Ratchet {
    let listed = todo.map(Todo::crossings).unwrap_or_default();
    let current = crossings_of(violations);
    let mut out = Ratchet::default();
    for v in violations {
        let Some(files) = key_of(v).and_then(|k| listed.get(&k)) else {
            out.new.push(v.clone());
            continue;
        };
        let unlisted: Vec<_> = v
            .evidence
            .iter()
            .filter(|e| !files.contains(&e.file))
            .cloned()
            .collect();
        if unlisted.is_empty() {
            out.known += 1;
        } else {
            out.new.push(Violation {
                evidence: unlisted,
                ..v.clone()
            });
        }
    }
    for entry in todo.map(|t| t.entries.as_slice()).unwrap_or_default() {
        let now = current.get(&entry.key);
        let gone: Vec<String> = entry
            .files
            .iter()
            .filter(|f| !now.is_some_and(|n| n.contains(*f)))
            .cloned()
            .collect();
        if now.is_none() || !gone.is_empty() {
            out.stale.push(Stale {
                key: entry.key.clone(),
                files: gone,
                line: entry.line,
            });
        }
    }
    out.stale.sort();
    out
}

/// The todo after `--update-todo`: with a todo file, its crossings that
/// still happen (in the files they still happen in); never anything new.
/// Without one, every crossing the code makes now.
pub fn updated(todo: Option<&Todo>, violations: &[Violation]) -> Crossings {
    let current = crossings_of(violations);
    let Some(todo) = todo else {
        return current;
    };
    todo.crossings()
        .into_iter()
        .filter_map(|(key, files)| {
            let now = current.get(&key)?;
            let kept: BTreeSet<String> = files.intersection(now).cloned().collect();
            (!kept.is_empty() || files.is_empty()).then_some((key, kept))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceLocation;

    fn crossing(module: &str, table: &str, mode: AccessMode, at: &[(&str, u32)]) -> Violation {
        Violation {
            kind: ViolationKind::ForeignTableAccess,
            message: format!("{module} {table}"),
            module: Some(module.into()),
            table: Some(table.into()),
            mode: Some(mode),
            evidence: at
                .iter()
                .map(|(file, line)| SourceLocation {
                    file: (*file).into(),
                    line: *line,
                })
                .collect(),
        }
    }

    fn todo_of(violations: &[Violation]) -> Todo {
        parse_todo(&render_todo(&crossings_of(violations)), TODO_FILE).unwrap()
    }

    #[test]
    fn the_file_round_trips_sorted_and_without_lines() {
        let violations = vec![
            crossing("b", "t", AccessMode::Write, &[("src/b.rs", 9)]),
            crossing(
                "a",
                "t",
                AccessMode::Read,
                &[("src/a.rs", 3), ("src/a.rs", 7)],
            ),
        ];
        let text = render_todo(&crossings_of(&violations));
        assert!(text.starts_with("# carve todo"), "{text}");
        assert!(!text.contains(":3"), "{text}");
        let a = text.find("module = \"a\"").unwrap();
        let b = text.find("module = \"b\"").unwrap();
        assert!(a < b, "{text}");
        let todo = parse_todo(&text, TODO_FILE).unwrap();
        assert_eq!(todo.crossings(), crossings_of(&violations));
        let mut reversed = violations.clone();
        reversed.reverse();
        assert_eq!(render_todo(&crossings_of(&reversed)), text);
    }

    #[test]
    fn listed_crossings_pass_and_new_ones_fail() {
        let before = vec![crossing("a", "t", AccessMode::Read, &[("src/a.rs", 3)])];
        let todo = todo_of(&before);
        let same = ratchet(&before, Some(&todo));
        assert!(same.new.is_empty() && same.stale.is_empty());
        assert_eq!(same.known, 1);

        let mut after = before.clone();
        after.push(crossing("a", "t", AccessMode::Write, &[("src/a.rs", 10)]));
        let judged = ratchet(&after, Some(&todo));
        assert_eq!(judged.new.len(), 1);
        assert_eq!(judged.new[0].mode, Some(AccessMode::Write));

        let elsewhere = vec![crossing(
            "a",
            "t",
            AccessMode::Read,
            &[("src/a.rs", 3), ("src/a/more.rs", 4)],
        )];
        let judged = ratchet(&elsewhere, Some(&todo));
        assert_eq!(judged.new.len(), 1);
        assert_eq!(judged.new[0].evidence[0].file, "src/a/more.rs");
    }

    #[test]
    fn a_crossing_that_is_gone_is_stale_until_updated() {
        let before = vec![
            crossing("a", "t", AccessMode::Read, &[("src/a.rs", 3)]),
            crossing("b", "u", AccessMode::Write, &[("src/b.rs", 5)]),
        ];
        let todo = todo_of(&before);
        let after = &before[1..];
        let judged = ratchet(after, Some(&todo));
        assert!(judged.new.is_empty());
        assert_eq!(judged.stale.len(), 1);
        assert_eq!(judged.stale[0].key.module, "a");
        assert_eq!(judged.stale[0].line, 11);

        let shrunk = updated(Some(&todo), after);
        assert_eq!(shrunk, crossings_of(after));
        // Updating never records a new crossing.
        let mut worse = after.to_vec();
        worse.push(crossing("c", "t", AccessMode::Write, &[("src/c.rs", 1)]));
        assert_eq!(updated(Some(&todo), &worse), crossings_of(after));
        assert_eq!(updated(None, &worse), crossings_of(&worse));
    }

    #[test]
    fn other_violations_are_never_listed() {
        let unplanned = Violation {
            kind: ViolationKind::UnplannedTable,
            message: "t".into(),
            module: None,
            table: Some("t".into()),
            mode: None,
            evidence: vec![],
        };
        assert!(crossings_of(std::slice::from_ref(&unplanned)).is_empty());
        let judged = ratchet(&[unplanned], Some(&Todo::default()));
        assert_eq!(judged.new.len(), 1);
    }

    #[test]
    fn a_bad_entry_is_located() {
        let text = "format_version = 1\n\n[[crossings]]\nmodule = \"a\"\ntable = \"t\"\nmode = \"delete\"\n";
        let error = parse_todo(text, TODO_FILE).unwrap_err();
        assert_eq!(error.line, 6, "{error}");
    }
}
