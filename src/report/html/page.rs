//! The page around the map: summary, order, services with their tables,
//! modules and evidence, shared tables, metrics, agreement, diagnostics,
//! and a table finder. Tables are listed per service with their foreign
//! keys as links, so even a schema of thousands of tables stays a page of
//! closed sections rather than one huge drawing.

use super::map::{self, plural, MapInput};
use super::{escape, script_json};
use crate::model::{AccessMode, Proposal, Service, Severity, Table};
use crate::report::cycles::{cycle_groups, describe_cuts};
use crate::report::AnalyzeReport;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How many diagnostics of each kind to list before summarizing the rest.
const MAX_DIAGNOSTICS: usize = 200;
/// How many modules to name per table.
const MAX_MODULES_PER_TABLE: usize = 6;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");
/// Runs first: records script errors on the page itself, where a reader
/// (or a test) sees them, instead of leaving them to a console.
const ERROR_HOOK: &str = "(function(){var r=document.documentElement,seen=[];\
function note(m){seen.push(String(m));r.setAttribute('data-errors',seen.join(' | '));}\
window.addEventListener('error',function(e){note(e.message||'error');});\
window.addEventListener('unhandledrejection',function(){note('unhandled rejection');});\
var original=console.error;console.error=function(){note(Array.prototype.join.call(arguments,' '));\
return original.apply(console,arguments);};})();";

/// What the page knows about tables, by index in the schema.
struct Tables<'a> {
    by_name: BTreeMap<&'a str, usize>,
    /// The service owning each table, if any.
    owner: Vec<Option<usize>>,
    /// How many foreign keys point at each table.
    referenced: Vec<usize>,
    /// Modules writing and reading each table.
    users: Vec<(BTreeSet<&'a str>, BTreeSet<&'a str>)>,
}

pub(super) fn render(report: &AnalyzeReport<'_>) -> String {
    let schema = &report.loaded.schema;
    let mut tables = Tables {
        by_name: schema
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect(),
        owner: vec![None; schema.tables.len()],
        referenced: vec![0; schema.tables.len()],
        users: vec![Default::default(); schema.tables.len()],
    };
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            if let Some(&target) = tables.by_name.get(fk.references.table.as_str()) {
                tables.referenced[target] += 1;
            }
        }
    }
    if let Some(code) = report.codebase {
        for module in &code.modules {
            for access in &module.accesses {
                if let Some(&t) = tables.by_name.get(access.table.as_str()) {
                    match access.mode {
                        AccessMode::Write => tables.users[t].0.insert(&module.name),
                        AccessMode::Read => tables.users[t].1.insert(&module.name),
                    };
                }
            }
        }
    }
    if let Some(proposal) = report.proposal {
        for (s, service) in proposal.services.iter().enumerate() {
            for table in &service.tables {
                if let Some(&t) = tables.by_name.get(table.as_str()) {
                    tables.owner[t] = Some(s);
                }
            }
        }
    }

    let mut out = String::with_capacity(64 * 1024 + schema.tables.len() * 400);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>carve: proposed services</title>\n<style>\n",
    );
    out.push_str(STYLE);
    out.push_str("</style>\n<script>");
    out.push_str(ERROR_HOOK);
    out.push_str("</script>\n</head>\n<body>\n<header>\n");
    out.push_str("<h1>Proposed service decomposition</h1>\n");
    summary(&mut out, report);
    out.push_str("</header>\n<nav>");
    let mut sections = vec![];
    if report.proposal.is_some() {
        sections.extend([
            ("map", "Service map"),
            ("order", "Order"),
            ("services", "Services"),
        ]);
        if report.proposal.is_some_and(|p| !p.shared_tables.is_empty()) {
            sections.push(("shared", "Shared tables"));
        }
        if report
            .proposal
            .is_some_and(|p| !p.unplaced_tables.is_empty())
        {
            sections.push(("unplaced", "Unplaced tables"));
        }
        sections.push(("metrics", "Metrics"));
    }
    sections.push(("tables", "Tables"));
    sections.push(("diagnostics", "Diagnostics"));
    for (id, title) in &sections {
        let _ = write!(out, "<a href=\"#{id}\">{title}</a> ");
    }
    out.push_str("</nav>\n<main>\n");

    match report.proposal {
        Some(proposal) => proposal_sections(&mut out, report, proposal, &tables),
        None => out.push_str("<p class=\"note\">No proposal: only the schema was analyzed.</p>\n"),
    }
    table_sections(&mut out, report, &tables);
    diagnostics(&mut out, report);
    out.push_str("</main>\n");

    // The finder's index: table names and their service, nothing else.
    let data = serde_json::json!({
        "services": report
            .proposal
            .map(|p| p.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())
            .unwrap_or_default(),
        "tables": schema
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| serde_json::json!([t.name, tables.owner[i].map_or(-1, |s| s as i64)]))
            .collect::<Vec<_>>(),
    });
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"carve-data\">{}</script>\n<script>\n",
        script_json(&data.to_string())
    );
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

fn summary(out: &mut String, report: &AnalyzeReport<'_>) {
    let schema = &report.loaded.schema;
    let _ = write!(
        out,
        "<p>Schema: {} and {} ({}), read from {}.",
        plural(schema.tables.len(), "table"),
        plural(schema.foreign_key_count(), "foreign key"),
        schema.dialect,
        escape(&report.loaded.used.join(", "))
    );
    if let Some(code) = report.codebase {
        let accesses: usize = code.modules.iter().map(|m| m.accesses.len()).sum();
        let _ = write!(
            out,
            " Code: {} in {}, {}.",
            plural(code.modules.len(), "module"),
            plural(code.crates.len(), "crate"),
            if accesses == 1 {
                "1 table access".to_string()
            } else {
                format!("{accesses} table accesses")
            }
        );
    }
    if let (Some(p), Some(signals)) = (report.proposal, &report.signals) {
        let _ = write!(
            out,
            " {} proposed from the signals <code>{}</code>.",
            plural(p.services.len(), "service"),
            escape(signals)
        );
    }
    out.push_str("</p>\n");
    if !report.loaded.skipped.is_empty() {
        out.push_str("<details><summary>Sources set aside</summary><ul>");
        for skipped in &report.loaded.skipped {
            let _ = write!(out, "<li>{}</li>", escape(skipped));
        }
        out.push_str("</ul></details>\n");
    }
}

fn proposal_sections(
    out: &mut String,
    report: &AnalyzeReport<'_>,
    proposal: &Proposal,
    tables: &Tables<'_>,
) {
    let index: BTreeMap<&str, usize> = proposal
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut steps = vec![0u32; proposal.services.len()];
    for step in &proposal.order {
        if let Some(&s) = index.get(step.service.as_str()) {
            steps[s] = step.step;
        }
    }
    let groups = cycle_groups(&proposal.cycles);
    let in_cycle: BTreeSet<usize> = groups
        .iter()
        .flat_map(|g| g.services.iter())
        .filter_map(|name| index.get(name.as_str()).copied())
        .collect();
    // Evidence between services: foreign keys from one's tables to the
    // other's, and its modules' accesses to the other's tables.
    let mut weights: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (t, table) in report.loaded.schema.tables.iter().enumerate() {
        let Some(from) = tables.owner[t] else {
            continue;
        };
        for fk in &table.foreign_keys {
            let target = tables.by_name.get(fk.references.table.as_str());
            if let Some(to) = target.and_then(|&target| tables.owner[target]) {
                if to != from {
                    *weights.entry((from, to)).or_default() += 1;
                }
            }
        }
    }
    let module_owner: BTreeMap<&str, usize> = proposal
        .services
        .iter()
        .enumerate()
        .flat_map(|(s, service)| service.modules.iter().map(move |m| (m.as_str(), s)))
        .collect();
    if let Some(code) = report.codebase {
        for module in &code.modules {
            let Some(&from) = module_owner.get(module.name.as_str()) else {
                continue;
            };
            for access in &module.accesses {
                let target = tables.by_name.get(access.table.as_str());
                if let Some(to) = target.and_then(|&t| tables.owner[t]) {
                    if to != from {
                        *weights.entry((from, to)).or_default() += 1;
                    }
                }
            }
        }
    }

    out.push_str("<section id=\"map\">\n<h2>Service map</h2>\n");
    out.push_str(
        "<p class=\"legend\">Each box is a service, taller the more tables it holds, numbered \
         in extraction order. An arrow points from a service to one it needs, which goes \
         first. <span class=\"key-cut\">Dashed red ✂</span>: a link to cut to break a cycle; \
         <span class=\"key-cycle\">orange outline ↻</span>: a service in a cycle. Select a \
         service to open its details. <button type=\"button\" id=\"fit-map\" \
         aria-pressed=\"false\">Fit to width</button></p>\n<div class=\"map-frame\">\n",
    );
    out.push_str(&map::render(&MapInput {
        proposal,
        steps: &steps,
        in_cycle: &in_cycle,
        weights: &weights,
    }));
    out.push_str("</div>\n</section>\n");

    out.push_str("<section id=\"order\">\n<h2>Extraction order</h2>\n<ol class=\"order\">\n");
    for step in &proposal.order {
        let link = match index.get(step.service.as_str()) {
            Some(&s) => format!(
                "<a href=\"#svc-{s}\">{}</a>",
                escape(&proposal.services[s].name)
            ),
            None => escape(&step.service),
        };
        let _ = writeln!(
            out,
            "<li value=\"{}\"><strong>{link}</strong> — {}</li>",
            step.step,
            escape(&step.reason)
        );
    }
    out.push_str("</ol>\n");
    for group in &groups {
        let _ = writeln!(
            out,
            "<p class=\"cycle\">↻ Cycle between {}: cut {}, each the weakest still closing a \
             cycle, for instance by replacing those reads with events or an API call.</p>",
            escape(&group.services.join(", ")),
            escape(&describe_cuts(&group.cuts, ""))
        );
    }
    out.push_str("</section>\n");

    out.push_str(
        "<section id=\"services\">\n<h2>Services</h2>\n<p class=\"tools\">\
         <button type=\"button\" id=\"expand-all\">Open all</button> \
         <button type=\"button\" id=\"collapse-all\">Close all</button></p>\n",
    );
    let mut shown: Vec<usize> = proposal
        .order
        .iter()
        .filter_map(|step| index.get(step.service.as_str()).copied())
        .collect();
    for s in 0..proposal.services.len() {
        if !shown.contains(&s) {
            shown.push(s);
        }
    }
    for s in shown {
        service_section(out, report, proposal, s, steps[s], &in_cycle, tables);
    }
    out.push_str("</section>\n");

    if !proposal.shared_tables.is_empty() {
        out.push_str(
            "<section id=\"shared\">\n<h2>Shared tables</h2>\n<table>\n\
             <thead><tr><th>Table</th><th>Owner</th><th>Why</th></tr></thead>\n<tbody>\n",
        );
        for shared in &proposal.shared_tables {
            let owner = match index.get(shared.owner.as_str()) {
                Some(&s) => format!("<a href=\"#svc-{s}\">{}</a>", escape(&shared.owner)),
                None => escape(&shared.owner),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{owner}</td><td>{}</td></tr>",
                table_link(&shared.table, tables),
                escape(&shared.reason)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    unplaced_section(out, proposal);

    let m = &proposal.metrics;
    out.push_str(
        "<section id=\"metrics\">\n<h2>Metrics</h2>\n<table class=\"metrics\">\n\
         <thead><tr><th>Metric</th><th>Value</th></tr></thead>\n<tbody>\n",
    );
    let rows = [
        ("Modularity", format!("{:.3}", m.modularity)),
        (
            "Cross-service foreign keys",
            m.cross_service_foreign_keys.to_string(),
        ),
        (
            "Cross-service accesses",
            m.cross_service_accesses.to_string(),
        ),
        ("ICP", format!("{:.3}", m.icp)),
        ("IFN", format!("{:.3}", m.ifn)),
        ("NED", format!("{:.3}", m.ned)),
    ];
    for (name, value) in rows {
        let _ = writeln!(
            out,
            "<tr><td>{name}</td><td class=\"num\">{value}</td></tr>"
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(a) = report.agreement {
        let _ = writeln!(
            out,
            "<h3 id=\"agreement\">Agreement with the given grouping</h3>\n<table class=\"metrics\">\
             <tbody><tr><td>ARI</td><td class=\"num\">{:.3}</td></tr>\
             <tr><td>AMI</td><td class=\"num\">{:.3}</td></tr>\
             <tr><td>MoJoFM</td><td class=\"num\">{:.1}</td></tr></tbody></table>",
            a.ari, a.ami, a.mojofm
        );
    }
    out.push_str("</section>\n");
}

fn service_section(
    out: &mut String,
    report: &AnalyzeReport<'_>,
    proposal: &Proposal,
    s: usize,
    step: u32,
    in_cycle: &BTreeSet<usize>,
    tables: &Tables<'_>,
) {
    let service = &proposal.services[s];
    let number = if step > 0 {
        format!("{step}. ")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<details class=\"service\" id=\"svc-{s}\" data-index=\"{s}\">\n\
         <summary><strong>{number}{}</strong> <span class=\"count\">{}, {}</span>{}</summary>",
        escape(&service.name),
        plural(service.tables.len(), "table"),
        plural(service.modules.len(), "module"),
        if in_cycle.contains(&s) {
            " <span class=\"badge\">↻ cycle</span>"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "<p>{}</p>", escape(&service.rationale));
    if let Some(step) = proposal.order.iter().find(|o| o.service == service.name) {
        let _ = writeln!(out, "<p><em>Order:</em> {}</p>", escape(&step.reason));
    }
    if !service.reads_from.is_empty() {
        let names: Vec<String> = service
            .reads_from
            .iter()
            .map(
                |name| match proposal.services.iter().position(|o| &o.name == name) {
                    Some(o) => format!("<a href=\"#svc-{o}\">{}</a>", escape(name)),
                    None => escape(name),
                },
            )
            .collect();
        let _ = writeln!(out, "<p><em>Reads from:</em> {}</p>", names.join(", "));
    }
    let owned: Vec<usize> = service
        .tables
        .iter()
        .filter_map(|t| tables.by_name.get(t.as_str()).copied())
        .collect();
    let _ = writeln!(
        out,
        "<details class=\"inner\" open><summary>Tables ({})</summary>",
        service.tables.len()
    );
    table_list(out, report, &owned, Some(s), tables, &proposal.services);
    out.push_str("</details>\n");
    if !service.modules.is_empty() {
        let _ = writeln!(
            out,
            "<details class=\"inner\"><summary>Modules ({})</summary><ul class=\"modules\">",
            service.modules.len()
        );
        for module in &service.modules {
            let _ = write!(out, "<li><code>{}</code></li>", escape(module));
        }
        out.push_str("</ul></details>\n");
    }
    let evidence: Vec<_> = proposal
        .explanations
        .iter()
        .filter(|e| e.service == service.name)
        .collect();
    if !evidence.is_empty() {
        let _ = writeln!(
            out,
            "<details class=\"inner\"><summary>Evidence ({})</summary><ul class=\"evidence\">",
            evidence.len()
        );
        for e in evidence {
            let _ = write!(
                out,
                "<li>{} <code>{}</code>: {}</li>",
                escape(&e.kind),
                escape(&e.name),
                escape(&e.evidence)
            );
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str("</details>\n");
}

/// Tables with their columns, foreign keys (as links, with the target's
/// service when it is another) and the modules using them.
fn table_list(
    out: &mut String,
    report: &AnalyzeReport<'_>,
    list: &[usize],
    home: Option<usize>,
    tables: &Tables<'_>,
    services: &[Service],
) {
    let with_code = report.codebase.is_some();
    out.push_str(
        "<table class=\"tables\">\n<thead><tr><th>Table</th><th>Columns</th>\
         <th>References</th><th>Referenced by</th>",
    );
    if with_code {
        out.push_str("<th>Written by</th><th>Read by</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let schema = &report.loaded.schema;
    for &t in list {
        let table: &Table = &schema.tables[t];
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut refs: Vec<String> = Vec::new();
        for fk in &table.foreign_keys {
            let target = fk.references.table.as_str();
            if !seen.insert(target) {
                continue;
            }
            let mut text = table_link(target, tables);
            let other = tables
                .by_name
                .get(target)
                .and_then(|&i| tables.owner[i])
                .filter(|&o| Some(o) != home);
            if let Some(o) = other {
                let _ = write!(
                    text,
                    " <span class=\"tag\">{}</span>",
                    escape(&services[o].name)
                );
            }
            if fk.inferred {
                text.push_str(" <span class=\"inferred\" title=\"inferred\">?</span>");
            }
            refs.push(text);
        }
        let _ = write!(
            out,
            "<tr id=\"t-{t}\"><td><code>{}</code>{}</td><td class=\"num\">{}</td><td>{}</td>\
             <td class=\"num\">{}</td>",
            escape(&table.name),
            table
                .partition_of
                .as_deref()
                .map(|p| format!(" <span class=\"tag\">partition of {}</span>", escape(p)))
                .unwrap_or_default(),
            table.columns.len(),
            refs.join(", "),
            tables.referenced[t]
        );
        if with_code {
            let (writers, readers) = &tables.users[t];
            let _ = write!(
                out,
                "<td>{}</td><td>{}</td>",
                module_names(writers),
                module_names(readers)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn module_names(modules: &BTreeSet<&str>) -> String {
    let mut names: Vec<String> = modules
        .iter()
        .take(MAX_MODULES_PER_TABLE)
        .map(|m| format!("<code>{}</code>", escape(m)))
        .collect();
    if modules.len() > MAX_MODULES_PER_TABLE {
        names.push(format!("+{}", modules.len() - MAX_MODULES_PER_TABLE));
    }
    names.join(", ")
}

/// The tables no service gets, with why: the migration tools', the
/// excluded ones and the orphans.
fn unplaced_section(out: &mut String, proposal: &Proposal) {
    if proposal.unplaced_tables.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"unplaced\">\n<h2>Unplaced tables</h2>\n<table>\n\
         <thead><tr><th>Table</th><th>Why</th><th>Detail</th></tr></thead>\n<tbody>\n",
    );
    for unplaced in &proposal.unplaced_tables {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(&unplaced.table),
            unplaced.reason.label(),
            escape(&unplaced.detail)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn table_link(name: &str, tables: &Tables<'_>) -> String {
    match tables.by_name.get(name) {
        Some(&t) => format!("<a href=\"#t-{t}\">{}</a>", escape(name)),
        None => format!("<code>{}</code>", escape(name)),
    }
}

/// The finder, and the tables no service holds (all of them when there
/// is no proposal).
fn table_sections(out: &mut String, report: &AnalyzeReport<'_>, tables: &Tables<'_>) {
    let schema = &report.loaded.schema;
    out.push_str(
        "<section id=\"tables\">\n<h2>Tables</h2>\n<p><label>Find a table: \
         <input type=\"search\" id=\"finder\" placeholder=\"name\" autocomplete=\"off\"></label> \
         <span id=\"finder-count\"></span></p>\n<ul id=\"finder-results\"></ul>\n",
    );
    let unowned: Vec<usize> = (0..schema.tables.len())
        .filter(|&t| tables.owner[t].is_none())
        .collect();
    if !unowned.is_empty() {
        let title = if report.proposal.is_some() {
            "Tables outside any service"
        } else {
            "All tables"
        };
        let _ = writeln!(
            out,
            "<details class=\"inner\"><summary>{title} ({})</summary>",
            unowned.len()
        );
        let services = report.proposal.map_or(&[][..], |p| p.services.as_slice());
        table_list(out, report, &unowned, None, tables, services);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

fn diagnostics(out: &mut String, report: &AnalyzeReport<'_>) {
    let all = &report.loaded.diagnostics;
    out.push_str("<section id=\"diagnostics\">\n<h2>Diagnostics</h2>\n");
    if all.is_empty() {
        out.push_str("<p>None.</p>\n</section>\n");
        return;
    }
    let (notes, problems): (Vec<_>, Vec<_>) =
        all.iter().partition(|d| d.severity == Severity::Info);
    let list = |out: &mut String, items: &[&crate::model::Diagnostic]| {
        out.push_str("<ul class=\"diagnostics\">\n");
        for d in items.iter().take(MAX_DIAGNOSTICS) {
            let label = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            let location = match (&d.file, d.line) {
                (Some(f), Some(l)) => format!("{}:{l}: ", escape(f)),
                (Some(f), None) => format!("{}: ", escape(f)),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "<li class=\"{label}\"><span class=\"sev\">{label}[{}]</span> {location}{}",
                escape(&d.code),
                escape(&d.message)
            );
            if let Some(help) = &d.help {
                let _ = write!(
                    out,
                    "<br><span class=\"help\">help: {}</span>",
                    escape(help)
                );
            }
            out.push_str("</li>\n");
        }
        if items.len() > MAX_DIAGNOSTICS {
            let _ = writeln!(
                out,
                "<li>… and {} more (--format json lists them all)</li>",
                items.len() - MAX_DIAGNOSTICS
            );
        }
        out.push_str("</ul>\n");
    };
    if problems.is_empty() {
        out.push_str("<p>No errors or warnings.</p>\n");
    } else {
        list(out, &problems);
    }
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "<details class=\"inner\"><summary>Notes ({})</summary>",
            notes.len()
        );
        list(out, &notes);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}
