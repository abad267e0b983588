//! Graphviz DOT: tables clustered by service, foreign keys as edges.

use super::{graph_id, AnalyzeReport};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn render(report: &AnalyzeReport<'_>) -> String {
    let schema = &report.loaded.schema;
    let mut out = String::from(
        "digraph carve {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    if let Some(proposal) = report.proposal {
        for service in &proposal.services {
            let _ = writeln!(out, "  subgraph cluster_{} {{", graph_id(&service.name));
            let _ = writeln!(out, "    label=\"{}\";", service.name);
            for table in &service.tables {
                owner.insert(table, &service.name);
                let _ = writeln!(out, "    \"{table}\";");
            }
            out.push_str("  }\n");
        }
    }
    for table in &schema.tables {
        if !owner.contains_key(table.name.as_str()) {
            let _ = writeln!(out, "  \"{}\";", table.name);
        }
    }
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            let crossing =
                owner.get(table.name.as_str()) != owner.get(fk.references.table.as_str());
            let style = if crossing && report.proposal.is_some() {
                " [color=red]"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\"{style};",
                table.name, fk.references.table
            );
        }
    }
    out.push_str("}\n");
    out
}
