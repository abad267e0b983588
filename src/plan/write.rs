//! Writing a new plan from a proposal: every section opens with a comment
//! saying what it is for, so the file explains itself to whoever edits it.

use crate::model::{AccessVia, Codebase, Dialect, Proposal, UnplacedReason};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

/// What the plan records about the monolith itself.
#[derive(Debug, Clone)]
pub struct MonolithInfo {
    pub name: String,
    /// The monolith's checkout, relative to the plan's directory (`.` when
    /// the plan sits in it).
    pub root: String,
    /// Schema sources, relative to the monolith's root.
    pub schema: Vec<String>,
    pub dialect: Dialect,
    /// Modules that run queries and stay in the monolith.
    pub modules: Vec<String>,
    /// Table names or patterns set aside (`--exclude`).
    pub exclude: Vec<String>,
}

/// The modules that run queries themselves but that no proposed service
/// takes: they stay in the monolith, and the plan says so.
pub fn staying_modules(proposal: &Proposal, code: &Codebase) -> Vec<String> {
    let placed: BTreeSet<&str> = proposal
        .services
        .iter()
        .flat_map(|s| s.modules.iter().map(String::as_str))
        .collect();
    let mut out: Vec<String> = code
        .modules
        .iter()
        .filter(|m| !placed.contains(m.name.as_str()))
        .filter(|m| m.accesses.iter().any(|a| a.via == AccessVia::Direct))
        .map(|m| m.name.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

fn string_array(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    if items.len() <= 3 {
        return format!(
            "[{}]",
            items
                .iter()
                .map(|i| quoted(i))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut out = String::from("[\n");
    for item in items {
        let _ = writeln!(out, "    {},", quoted(item));
    }
    out.push(']');
    out
}

fn default_port(dialect: Dialect) -> u16 {
    match dialect {
        Dialect::Postgres => 5432,
        Dialect::Mysql => 3306,
        Dialect::Mssql => 1433,
        Dialect::Sqlite => 0,
    }
}

/// The directory a plan file sits in (`.` for a bare file name).
pub fn plan_dir(plan_path: &Path) -> PathBuf {
    match plan_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    }
}

/// `root` as a plan at `plan_path` records it: relative to the plan's
/// directory, with `/` separators, `.` when they are the same. Falls back
/// to the absolute path when no relative path leads there (another drive).
pub fn relative_root(plan_path: &Path, root: &Path) -> String {
    let absolute = |p: &Path| {
        p.canonicalize()
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let from = absolute(&plan_dir(plan_path));
    let to = absolute(root);
    let from_parts: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from_parts
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let shares_a_root = common > 0
        && from_parts[..common]
            .iter()
            .any(|c| matches!(c, Component::RootDir));
    if !shares_a_root {
        return to.display().to_string();
    }
    let mut parts: Vec<String> = from_parts[common..]
        .iter()
        .map(|_| "..".to_string())
        .collect();
    parts.extend(
        to_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// `monolith.tables` (the orphans) and `monolith.exclude`, each with what
/// it means and, for the migration tools' tables, which ones were found.
fn write_unplaced(out: &mut String, proposal: &Proposal, monolith: &MonolithInfo) {
    let of = |reason: UnplacedReason| -> Vec<String> {
        proposal
            .unplaced_tables
            .iter()
            .filter(|u| u.reason == reason)
            .map(|u| u.table.clone())
            .collect()
    };
    let orphans = of(UnplacedReason::Orphan);
    if !orphans.is_empty() {
        out.push_str(
            "# Tables that stay in the monolith: no code touches them and no key links them.\n\
             # Move one to a service to carve it out; a service's query on one is a crossing.\n",
        );
        let _ = writeln!(out, "tables = {}\n", string_array(&orphans));
    }
    out.push_str(
        "# Tables no service gets and `carve check` ignores: names or patterns (`*`, `?`).\n",
    );
    let bookkeeping = of(UnplacedReason::Bookkeeping);
    if bookkeeping.is_empty() {
        out.push_str("# The migration tools' own tables are always set aside.\n");
    } else {
        let _ = writeln!(
            out,
            "# The migration tools' own tables are always set aside; here: {}.",
            bookkeeping.join(", ")
        );
    }
    let _ = writeln!(out, "exclude = {}\n", string_array(&monolith.exclude));
}

/// The plan text for a proposal.
pub fn render_plan(proposal: &Proposal, monolith: &MonolithInfo) -> String {
    let mut out = String::new();
    out.push_str("# carve plan: the services to carve out of the monolith, and in which order.\n");
    out.push_str("# Edit it by hand or with `carve plan`; carve keeps your comments and layout when it saves.\n");
    out.push_str("format_version = 1\n\n");

    out.push_str(
        "# The monolith being carved up: where its schema comes from and the database CDC reads.\n",
    );
    out.push_str("[monolith]\n");
    let _ = writeln!(out, "name = {}", quoted(&monolith.name));
    let _ = writeln!(
        out,
        "root = {}  # the monolith's checkout, relative to this file",
        quoted(&monolith.root)
    );
    let _ = writeln!(out, "schema = {}", string_array(&monolith.schema));
    let _ = writeln!(out, "dialect = {}", quoted(monolith.dialect.name()));
    let schema = monolith
        .dialect
        .default_schema()
        .unwrap_or(monolith.name.as_str());
    let _ = writeln!(
        out,
        "database = {{ host = \"monolith-db\", port = {}, name = {}, schema = {} }}\n",
        default_port(monolith.dialect),
        quoted(&monolith.name),
        quoted(schema)
    );
    if !monolith.modules.is_empty() {
        let _ = writeln!(
            out,
            "# Modules that stay in the monolith (they serve several services); their own queries on a\n\
             # service's table are crossings `carve check` reports. Move one to a service to carve it out."
        );
        let _ = writeln!(out, "modules = {}\n", string_array(&monolith.modules));
    }
    write_unplaced(&mut out, proposal, monolith);

    out.push_str("# Kafka and Kafka Connect settings used by `carve scaffold`.\n");
    out.push_str("[kafka]\n");
    out.push_str("bootstrap_servers = \"kafka:9092\"\n");
    out.push_str("topic_prefix = \"monolith\"          # Debezium topic.prefix for the monolith's change events\n");
    out.push_str("event_format = \"json\"              # the only format: the connectors and services exchange JSON\n");
    out.push_str("partitions = 6\n");
    out.push_str("replication_factor = 3\n");
    out.push_str("sink = \"debezium-jdbc\"             # or \"confluent-jdbc\": writes service data back to the monolith\n");

    out.push_str("\n# The services, in extraction order (step 1 goes first). Each table has exactly one owner;\n");
    out.push_str("# modules move with the service. `pinned = true` keeps a service as it is when the analysis re-runs.\n");
    let step_of = |name: &str| {
        proposal
            .order
            .iter()
            .find(|s| s.service == name)
            .map(|s| s.step)
    };
    let mut services: Vec<_> = proposal.services.iter().collect();
    services.sort_by_key(|s| (step_of(&s.name).unwrap_or(u32::MAX), s.name.clone()));
    for (i, service) in services.iter().enumerate() {
        let step = step_of(&service.name).unwrap_or(i as u32 + 1);
        let reason = proposal
            .order
            .iter()
            .find(|s| s.service == service.name)
            .map(|s| s.reason.as_str())
            .unwrap_or("");
        out.push_str("\n[[services]]\n");
        let _ = writeln!(out, "name = {}", quoted(&service.name));
        if reason.is_empty() {
            let _ = writeln!(out, "step = {step}");
        } else {
            let _ = writeln!(out, "step = {step}  # {}", reason.replace('\n', " "));
        }
        let _ = writeln!(out, "tables = {}", string_array(&service.tables));
        let _ = writeln!(out, "modules = {}", string_array(&service.modules));
        out.push_str("pinned = false\n");
    }

    out.push_str("\n# Tables other services read: the owner publishes them (strategy \"replicate\": a compacted\n");
    out.push_str("# topic readers keep a copy of; \"api\": readers call the owner).\n");
    for shared in &proposal.shared_tables {
        out.push_str("\n[[shared]]\n");
        let _ = writeln!(out, "table = {}", quoted(&shared.table));
        let _ = writeln!(out, "owner = {}", quoted(&shared.owner));
        let _ = writeln!(out, "strategy = \"replicate\"  # {}", shared.reason);
    }

    out.push_str(
        "\n# Order exceptions: a service that may go before one it depends on, and why. The analysis\n",
    );
    out.push_str("# records here each dependency it had to cut to break a cycle; cut it in the code first.\n");
    let mut wrote_exception = false;
    for cycle in &proposal.cycles {
        let (service, before) = &cycle.weakest_link;
        let (Some(a), Some(b)) = (step_of(service), step_of(before)) else {
            continue;
        };
        if a < b {
            wrote_exception = true;
            out.push_str("\n[[exceptions]]\n");
            let _ = writeln!(out, "service = {}", quoted(service));
            let _ = writeln!(out, "before = {}", quoted(before));
            let _ = writeln!(out, "reason = {}", quoted(&cycle.reason));
        }
    }
    if !wrote_exception {
        out.push_str("# [[exceptions]]\n# service = \"orders\"\n# before = \"payments\"\n# reason = \"payments reads orders through the API until step 3\"\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_recorded_relative_to_the_plan() {
        let dir = tempfile::tempdir().unwrap();
        let shop = dir.path().join("work/shop");
        let plans = dir.path().join("plans");
        std::fs::create_dir_all(&shop).unwrap();
        std::fs::create_dir_all(&plans).unwrap();
        assert_eq!(
            relative_root(&plans.join("carve.toml"), &shop),
            "../work/shop"
        );
        assert_eq!(relative_root(&shop.join("carve.toml"), &shop), ".");
        assert_eq!(
            relative_root(&shop.join("carve.toml"), &dir.path().join("work")),
            ".."
        );
    }
}
