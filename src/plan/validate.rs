//! Checking a plan against the monolith: every table owned exactly once, no
//! unknown table or module, valid unique service names, sensible settings,
//! and an order that respects dependencies unless an exception says otherwise.

use super::load::{LoadedPlan, PlanError};
use std::collections::{BTreeMap, BTreeSet};

/// What a plan is checked against.
pub struct PlanContext<'a> {
    pub tables: &'a BTreeSet<String>,
    /// `None` when the code was not analyzed: modules are then not checked.
    pub modules: Option<&'a BTreeSet<String>>,
    /// `(service, depends_on)` pairs under this plan's ownership.
    pub dependencies: &'a [(String, String)],
    /// Whether a table without an owner is an error. Editing a plan wants
    /// every table placed; `check` and `scaffold` leave unowned tables in
    /// the monolith.
    pub every_table_owned: bool,
}

/// Why a service name is unusable, if it is: it must work as a directory, a
/// crate name and a Kafka topic segment.
pub fn service_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a service name cannot be empty".into());
    }
    if name.len() > 64 {
        return Some(format!(
            "service name `{name}` is longer than 64 characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some(format!(
            "service name `{name}` may hold only lower-case letters, digits and `-` (it names a directory, a crate and topics)"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase())
        || name.ends_with('-')
        || name.contains("--")
    {
        return Some(format!(
            "service name `{name}` must start with a letter and not end with or double `-`"
        ));
    }
    None
}

/// Why `format` cannot be the plan's `event_format`, if it cannot: JSON is
/// the only format.
pub fn event_format_problem(format: &str) -> Option<String> {
    let json = super::model::EVENT_FORMAT;
    if format == json {
        return None;
    }
    let why = "carve's connectors and services exchange JSON (Avro would need a Schema Registry, and the generated services decode JSON)";
    Some(if format == "avro" {
        format!(
            "event_format \"avro\" is no longer supported: {why}; set event_format = \"{json}\""
        )
    } else {
        format!("event_format must be \"{json}\", not \"{format}\": {why}")
    })
}

/// All problems of the plan, in file order.
pub fn validate(loaded: &LoadedPlan, context: &PlanContext<'_>) -> Vec<PlanError> {
    let plan = &loaded.plan;
    let mut problems = Vec::new();
    if *plan.format_version.get_ref() != super::model::PLAN_FORMAT_VERSION {
        problems.push(loaded.error_at(
            plan.format_version.span(),
            format!(
                "format_version {} is not supported; this carve reads {}",
                plan.format_version.get_ref(),
                super::model::PLAN_FORMAT_VERSION
            ),
        ));
    }
    if !["postgres", "mysql", "sqlite", "mssql"].contains(&plan.monolith.dialect.as_str()) {
        problems.push(loaded.error_at(
            0..0,
            format!("unknown dialect `{}` in [monolith]", plan.monolith.dialect),
        ));
    }
    if let Some(problem) = event_format_problem(plan.kafka.event_format.get_ref()) {
        problems.push(loaded.error_at(plan.kafka.event_format.span(), problem));
    }
    let sink = plan.kafka.sink.get_ref();
    if sink != "debezium-jdbc" && sink != "confluent-jdbc" {
        problems.push(loaded.error_at(
            plan.kafka.sink.span(),
            format!("sink must be \"debezium-jdbc\" or \"confluent-jdbc\", not \"{sink}\""),
        ));
    }

    let mut names: BTreeMap<&str, ()> = BTreeMap::new();
    for service in &plan.services {
        let name = service.name.get_ref();
        if let Some(problem) = service_name_problem(name) {
            problems.push(loaded.error_at(service.name.span(), problem));
        }
        if names.insert(name, ()).is_some() {
            problems.push(loaded.error_at(
                service.name.span(),
                format!("service `{name}` is defined twice"),
            ));
        }
    }

    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    let mut module_services: BTreeMap<&str, &str> = BTreeMap::new();
    for service in &plan.services {
        let name = service.name.get_ref().as_str();
        for table in &service.tables {
            let t = table.get_ref().as_str();
            if !context.tables.contains(t) {
                problems.push(loaded.error_at(
                    table.span(),
                    format!("unknown table `{t}`: it is not in the monolith's schema"),
                ));
            } else if let Some(first) = owners.insert(t, name) {
                problems.push(loaded.error_at(table.span(), format!("table `{t}` has two owners: `{first}` and `{name}`; keep it in one service (mark it [[shared]] if others read it)")));
            }
        }
        for module in &service.modules {
            let m = module.get_ref().as_str();
            if let Some(known) = context.modules {
                if !known.contains(m) {
                    problems.push(loaded.error_at(
                        module.span(),
                        format!("unknown module `{m}`: it is not in the monolith's code"),
                    ));
                    continue;
                }
            }
            if let Some(first) = module_services.insert(m, name) {
                problems.push(loaded.error_at(
                    module.span(),
                    format!("module `{m}` is in two services: `{first}` and `{name}`"),
                ));
            }
        }
    }
    if let Some(known) = context.modules {
        for module in &plan.monolith.modules {
            let m = module.get_ref().as_str();
            if !known.contains(m) {
                problems.push(loaded.error_at(
                    module.span(),
                    format!("unknown module `{m}` in monolith.modules: it is not in the monolith's code"),
                ));
            }
        }
    }
    for table in &plan.monolith.tables {
        let t = table.get_ref().as_str();
        if !context.tables.contains(t) {
            problems.push(loaded.error_at(
                table.span(),
                format!(
                    "unknown table `{t}` in monolith.tables: it is not in the monolith's schema"
                ),
            ));
        } else if let Some(service) = owners.get(t) {
            problems.push(loaded.error_at(
                table.span(),
                format!("table `{t}` is in monolith.tables and in service `{service}`; keep it in one place"),
            ));
        }
    }
    let missing: Vec<&String> = context
        .tables
        .iter()
        .filter(|t| !owners.contains_key(t.as_str()) && plan.unplaced_reason(t).is_none())
        .collect();
    if context.every_table_owned && !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(|s| s.as_str()).collect();
        problems.push(loaded.error_at(
            0..0,
            format!(
                "{} table(s) have no owner: {}{}; add each to one service",
                missing.len(),
                shown.join(", "),
                if missing.len() > 10 { ", …" } else { "" }
            ),
        ));
    }

    for shared in &plan.shared {
        let t = shared.table.get_ref();
        let owner = shared.owner.get_ref();
        match owners.get(t.as_str()) {
            None if !context.tables.contains(t) => problems.push(loaded.error_at(
                shared.table.span(),
                format!("unknown table `{t}` in [[shared]]"),
            )),
            Some(actual) if actual != owner => problems.push(loaded.error_at(
                shared.owner.span(),
                format!("[[shared]] says `{owner}` owns `{t}`, but it is in service `{actual}`"),
            )),
            _ => {}
        }
        if !names.contains_key(owner.as_str()) {
            problems
                .push(loaded.error_at(shared.owner.span(), format!("unknown service `{owner}`")));
        }
        let strategy = shared.strategy.get_ref();
        if strategy != "replicate" && strategy != "api" {
            problems.push(loaded.error_at(
                shared.strategy.span(),
                format!("strategy must be \"replicate\" or \"api\", not \"{strategy}\""),
            ));
        }
    }

    problems.extend(order_problems(loaded, context));
    problems.sort_by_key(|p| (p.line, p.column));
    problems
}

/// A service must come after the services it depends on, unless an
/// `[[exceptions]]` entry allows it.
pub fn order_problems(loaded: &LoadedPlan, context: &PlanContext<'_>) -> Vec<PlanError> {
    let plan = &loaded.plan;
    let step_of = |name: &str| -> Option<u32> {
        plan.services
            .iter()
            .enumerate()
            .find(|(_, s)| s.name.get_ref() == name)
            .map(|(i, s)| s.step.as_ref().map_or(i as u32 + 1, |st| *st.get_ref()))
    };
    let excepted: BTreeSet<(&str, &str)> = plan
        .exceptions
        .iter()
        .map(|e| (e.service.get_ref().as_str(), e.before.get_ref().as_str()))
        .collect();
    let mut problems = Vec::new();
    for (service, dependency) in context.dependencies {
        let (Some(a), Some(b)) = (step_of(service), step_of(dependency)) else {
            continue;
        };
        if a < b && !excepted.contains(&(service.as_str(), dependency.as_str())) {
            let span = plan
                .services
                .iter()
                .find(|s| s.name.get_ref() == service)
                .and_then(|s| s.step.as_ref().map(|st| st.span()))
                .unwrap_or(0..0);
            problems.push(loaded.error_at(
                span,
                format!(
                    "`{service}` (step {a}) depends on `{dependency}` (step {b}); move it later or record an [[exceptions]] entry with service = \"{service}\" and before = \"{dependency}\""
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::load::parse_plan;

    const PLAN: &str = r#"format_version = 1
[monolith]
name = "shop"
dialect = "postgres"

[[services]]
name = "catalog"
step = 1
tables = ["products"]

[[services]]
name = "orders"
step = 2
tables = ["orders", "products"]

[[services]]
name = "orders"
step = 3
tables = ["ghosts"]
"#;

    #[test]
    fn reports_each_problem_at_its_line_and_column() {
        let loaded = parse_plan(PLAN, "carve.toml").unwrap();
        let tables: BTreeSet<String> = ["products", "orders", "customers"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let deps = vec![("catalog".to_string(), "orders".to_string())];
        let problems = validate(
            &loaded,
            &PlanContext {
                tables: &tables,
                modules: None,
                dependencies: &deps,
                every_table_owned: true,
            },
        );
        let text: Vec<String> = problems
            .iter()
            .map(|p| format!("{}:{} {}", p.line, p.column, p.message))
            .collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("14:21 table `products` has two owners")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("17:8 service `orders` is defined twice")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("19:11 unknown table `ghosts`")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("customers") && t.contains("no owner")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("8:8 `catalog` (step 1) depends on `orders`")),
            "{text:?}"
        );
    }

    #[test]
    fn an_avro_plan_is_refused_at_its_line_and_column() {
        let text = "format_version = 1\n[monolith]\nname = \"shop\"\ndialect = \"postgres\"\n\n[kafka]\nevent_format = \"avro\"\n";
        let loaded = parse_plan(text, "carve.toml").unwrap();
        let tables = BTreeSet::new();
        let problems = validate(
            &loaded,
            &PlanContext {
                tables: &tables,
                modules: None,
                dependencies: &[],
                every_table_owned: false,
            },
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        let problem = &problems[0];
        assert_eq!((problem.line, problem.column), (7, 16));
        assert!(
            problem.message.contains("exchange JSON"),
            "{}",
            problem.message
        );
        assert!(
            problem.message.contains("event_format = \"json\""),
            "{}",
            problem.message
        );
        assert!(event_format_problem("json").is_none());
        assert!(event_format_problem("xml").is_some());
    }

    #[test]
    fn service_names_must_work_as_directories_crates_and_topics() {
        assert!(service_name_problem("order-history").is_none());
        for bad in ["Orders", "orders/../x", "-x", "x-", "a b", "", "ç"] {
            assert!(service_name_problem(bad).is_some(), "{bad}");
        }
    }
}
