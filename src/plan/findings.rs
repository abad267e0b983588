//! `carve check`'s findings and the formats they are printed in: human
//! text, JSON, SARIF 2.1.0 (code scanning), JUnit XML (test reports) and
//! GitHub workflow commands (annotations on the pull request).

use super::check::{Violation, ViolationKind};
use super::todo::{Ratchet, Stale};
use crate::model::AccessMode;
use serde::Serialize;
use serde_json::json;
use std::fmt::Write;

/// What a finding breaks; each is a SARIF rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    ForeignTableAccess,
    UnplannedTable,
    UnassignedModule,
    StaleTodoEntry,
}

impl Rule {
    pub const ALL: [Rule; 4] = [
        Rule::ForeignTableAccess,
        Rule::UnplannedTable,
        Rule::UnassignedModule,
        Rule::StaleTodoEntry,
    ];

    /// The rule id, as SARIF, JUnit and the annotations name it.
    pub fn id(self) -> &'static str {
        match self {
            Rule::ForeignTableAccess => "foreign-table-access",
            Rule::UnplannedTable => "unplanned-table",
            Rule::UnassignedModule => "unassigned-module",
            Rule::StaleTodoEntry => "stale-todo-entry",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Rule::ForeignTableAccess => "Query on another service's table",
            Rule::UnplannedTable => "Table not in the plan",
            Rule::UnassignedModule => "Module without a service",
            Rule::StaleTodoEntry => "Stale todo entry",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Rule::ForeignTableAccess => {
                "A module runs a query on a table another service owns: writing it, or reading it \
                 although the plan does not share it."
            }
            Rule::UnplannedTable => "A table of the schema that no service of the plan owns.",
            Rule::UnassignedModule => "A module that runs queries but belongs to no service.",
            Rule::StaleTodoEntry => {
                "The todo file lists a crossing the code no longer makes; the list only shrinks."
            }
        }
    }

    fn help(self) -> &'static str {
        match self {
            Rule::ForeignTableAccess => {
                "Go through the owner's API or events, share the table in the plan (reads only), \
                 or move the module to the owning service."
            }
            Rule::UnplannedTable => "Add the table to a service in carve.toml.",
            Rule::UnassignedModule => "Add the module to a service in carve.toml.",
            Rule::StaleTodoEntry => "Run `carve check --update-todo` to remove it.",
        }
    }

    fn of(kind: ViolationKind) -> Rule {
        match kind {
            ViolationKind::ForeignTableAccess => Rule::ForeignTableAccess,
            ViolationKind::UnplannedTable => Rule::UnplannedTable,
            ViolationKind::UnassignedModule => Rule::UnassignedModule,
        }
    }
}

/// A place in the monolith, relative to its root; no line for a whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: Option<u32>,
}

/// One thing that fails the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
    pub module: Option<String>,
    pub table: Option<String>,
    pub mode: Option<AccessMode>,
    pub locations: Vec<Location>,
}

fn mode_name(mode: AccessMode) -> &'static str {
    match mode {
        AccessMode::Read => "read",
        AccessMode::Write => "write",
    }
}

impl Finding {
    fn from_violation(v: &Violation) -> Finding {
        Finding {
            rule: Rule::of(v.kind),
            message: v.message.clone(),
            module: v.module.clone(),
            table: v.table.clone(),
            mode: v.mode,
            locations: v
                .evidence
                .iter()
                .map(|e| Location {
                    file: e.file.clone(),
                    line: Some(e.line),
                })
                .collect(),
        }
    }

    fn from_stale(s: &Stale, todo_file: &str) -> Finding {
        let verb = match s.key.mode {
            AccessMode::Read => "reads",
            AccessMode::Write => "writes",
        };
        let place = if s.files.is_empty() {
            String::new()
        } else {
            format!(" in {}", s.files.join(", "))
        };
        Finding {
            rule: Rule::StaleTodoEntry,
            message: format!(
                "{todo_file}:{}: stale: `{}` no longer {verb} `{}`{place}; run `carve check --update-todo` to remove it from the todo file",
                s.line, s.key.module, s.key.table
            ),
            module: Some(s.key.module.clone()),
            table: Some(s.key.table.clone()),
            mode: Some(s.key.mode),
            locations: s
                .files
                .iter()
                .map(|f| Location {
                    file: f.clone(),
                    line: None,
                })
                .collect(),
        }
    }

    /// A short name: what crosses what.
    fn subject(&self) -> String {
        match (&self.module, &self.table, self.mode) {
            (Some(m), Some(t), Some(mode)) => format!("{m} {} {t}", mode_name(mode)),
            (Some(m), _, _) => m.clone(),
            (_, Some(t), _) => t.clone(),
            _ => self.message.clone(),
        }
    }

    /// Stable across line moves: the rule and what crosses what.
    fn fingerprint(&self) -> String {
        let mut key = String::new();
        for part in [
            self.rule.id(),
            self.module.as_deref().unwrap_or(""),
            self.table.as_deref().unwrap_or(""),
            self.mode.map_or("", mode_name),
        ] {
            key.push_str(part);
            key.push('\0');
        }
        if self.rule == Rule::StaleTodoEntry {
            for l in &self.locations {
                key.push_str(&l.file);
                key.push('\0');
            }
        }
        format!("{:016x}", fnv1a(key.as_bytes()))
    }
}

/// FNV-1a, 64 bits: small, and the same on every machine and release.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The check's outcome, ready to print.
#[derive(Debug, Clone)]
pub struct CheckOutcome<'a> {
    pub ratchet: &'a Ratchet,
    /// The todo file as shown to the user; `None` under `--strict`.
    pub todo_file: Option<String>,
}

impl CheckOutcome<'_> {
    /// Everything that fails: violations first, then stale entries.
    pub fn findings(&self) -> Vec<Finding> {
        let todo_file = self.todo_file.as_deref().unwrap_or("carve-todo.toml");
        self.ratchet
            .new
            .iter()
            .map(Finding::from_violation)
            .chain(
                self.ratchet
                    .stale
                    .iter()
                    .map(|s| Finding::from_stale(s, todo_file)),
            )
            .collect()
    }

    pub fn passes(&self) -> bool {
        self.ratchet.new.is_empty() && self.ratchet.stale.is_empty()
    }
}

pub fn human(outcome: &CheckOutcome) -> String {
    let known = outcome.ratchet.known;
    let todo_file = outcome.todo_file.as_deref().unwrap_or("the todo file");
    let mut out = String::new();
    if outcome.passes() {
        if known == 0 {
            out.push_str("No boundary violations: the code respects the plan.\n");
        } else {
            let _ = writeln!(
                out,
                "No new boundary violations; {known} known crossing(s) listed in {todo_file} remain to remove."
            );
        }
        return out;
    }
    for v in &outcome.ratchet.new {
        let at = v
            .evidence
            .first()
            .map(|e| format!("{}:{}: ", e.file, e.line))
            .unwrap_or_default();
        let _ = writeln!(out, "{at}{}", v.message);
        for more in v.evidence.iter().skip(1).take(4) {
            let _ = writeln!(out, "    also at {}:{}", more.file, more.line);
        }
    }
    for finding in outcome.findings() {
        if finding.rule == Rule::StaleTodoEntry {
            let _ = writeln!(out, "{}", finding.message);
        }
    }
    let mut counts = Vec::new();
    if !outcome.ratchet.new.is_empty() {
        counts.push(format!("{} violation(s)", outcome.ratchet.new.len()));
    }
    if !outcome.ratchet.stale.is_empty() {
        counts.push(format!(
            "{} stale todo entry(ies)",
            outcome.ratchet.stale.len()
        ));
    }
    let _ = write!(out, "\n{}", counts.join(", "));
    if known > 0 {
        let _ = write!(out, "; {known} known crossing(s) listed in {todo_file}");
    }
    out.push('\n');
    out
}

#[derive(Serialize)]
struct JsonStale {
    module: String,
    table: String,
    mode: AccessMode,
    files: Vec<String>,
    line: u32,
    message: String,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: u32,
    /// What fails the check, as today's code shows it.
    violations: &'a [Violation],
    /// Entries of the todo file the code no longer matches.
    stale: Vec<JsonStale>,
    /// Listed crossings the code still makes (passing).
    known: usize,
    /// The todo file read, or null under `--strict`.
    todo: Option<&'a str>,
}

pub fn json(outcome: &CheckOutcome) -> String {
    let stale = outcome
        .ratchet
        .stale
        .iter()
        .zip(
            outcome
                .findings()
                .into_iter()
                .filter(|f| f.rule == Rule::StaleTodoEntry),
        )
        .map(|(s, f)| JsonStale {
            module: s.key.module.clone(),
            table: s.key.table.clone(),
            mode: s.key.mode,
            files: s.files.clone(),
            line: s.line,
            message: f.message,
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&JsonReport {
        format_version: 1,
        violations: &outcome.ratchet.new,
        stale,
        known: outcome.ratchet.known,
        todo: outcome.todo_file.as_deref(),
    })
    .unwrap_or_default();
    text.push('\n');
    text
}

/// A relative path as a URI reference: `/` separators, anything outside
/// the unreserved characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// SARIF 2.1.0: one run, a rule per kind of finding, file paths relative to
/// the monolith's root.
pub fn sarif(outcome: &CheckOutcome) -> String {
    let rules: Vec<_> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": heck::ToUpperCamelCase::to_upper_camel_case(r.id()),
                "shortDescription": { "text": r.title() },
                "fullDescription": { "text": r.description() },
                "help": { "text": r.help() },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let results: Vec<_> = outcome
        .findings()
        .iter()
        .map(|f| {
            let rule_index = Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.rule.id(),
                "ruleIndex": rule_index,
                "level": "error",
                "message": { "text": f.message },
                "partialFingerprints": { "carveFinding/v1": f.fingerprint() },
            });
            let locations: Vec<_> = f
                .locations
                .iter()
                .map(|l| {
                    let mut physical = json!({ "artifactLocation": { "uri": uri(&l.file) } });
                    if let Some(line) = l.line {
                        physical["region"] = json!({ "startLine": line.max(1) });
                    }
                    json!({ "physicalLocation": physical })
                })
                .collect();
            if !locations.is_empty() {
                result["locations"] = json!(locations);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "carve",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn at(l: &Location) -> String {
    match l.line {
        Some(line) => format!("{}:{line}", l.file),
        None => l.file.clone(),
    }
}

/// JUnit XML: one test suite; a failing test case per finding, a passing
/// one per rule nothing breaks.
pub fn junit(outcome: &CheckOutcome) -> String {
    let findings = outcome.findings();
    let mut cases = String::new();
    for rule in Rule::ALL {
        if findings.iter().any(|f| f.rule == rule) {
            continue;
        }
        let _ = writeln!(
            cases,
            "    <testcase classname=\"carve.{}\" name=\"{}: none\"/>",
            rule.id(),
            rule.id()
        );
    }
    for f in &findings {
        let _ = writeln!(
            cases,
            "    <testcase classname=\"carve.{}\" name=\"{}\" file=\"{}\">",
            f.rule.id(),
            xml_escape(&f.subject()),
            xml_escape(f.locations.first().map_or("", |l| l.file.as_str()))
        );
        let body: Vec<String> = f.locations.iter().map(at).collect();
        let _ = writeln!(
            cases,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            f.rule.id(),
            xml_escape(&f.message),
            xml_escape(&body.join("\n"))
        );
        cases.push_str("    </testcase>\n");
    }
    let tests = findings.len()
        + Rule::ALL
            .iter()
            .filter(|r| !findings.iter().any(|f| f.rule == **r))
            .count();
    let failures = findings.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"carve check\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"carve check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Escapes a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub workflow commands: an `::error` annotation per finding, on its
/// first location.
pub fn github(outcome: &CheckOutcome) -> String {
    let findings = outcome.findings();
    if findings.is_empty() {
        return "carve check: no boundary violations\n".to_string();
    }
    let mut out = String::new();
    for f in &findings {
        let mut props = Vec::new();
        if let Some(l) = f.locations.first() {
            props.push(format!("file={}", escape_property(&l.file)));
            if let Some(line) = l.line {
                props.push(format!("line={line}"));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("carve {}: {}", f.rule.id(), f.subject()))
        ));
        let mut message = f.message.clone();
        for more in f.locations.iter().skip(1).take(4) {
            let _ = write!(message, "\nalso at {}", at(more));
        }
        let _ = writeln!(
            out,
            "::error {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_what_github_documents() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("crates/a b/x.rs"), "crates/a%20b/x.rs");
        assert_eq!(uri("src\\x.rs"), "src/x.rs");
    }

    #[test]
    fn fingerprints_ignore_lines() {
        let finding = |line| Finding {
            rule: Rule::ForeignTableAccess,
            message: "m".into(),
            module: Some("a".into()),
            table: Some("t".into()),
            mode: Some(AccessMode::Write),
            locations: vec![Location {
                file: "src/a.rs".into(),
                line: Some(line),
            }],
        };
        assert_eq!(finding(3).fingerprint(), finding(30).fingerprint());
        let mut read = finding(3);
        read.mode = Some(AccessMode::Read);
        assert_ne!(read.fingerprint(), finding(3).fingerprint());
    }
}
