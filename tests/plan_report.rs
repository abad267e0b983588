//! `carve analyze --plan`: the reports render the services as a reviewed
//! plan places them.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;

use common::{fixtures_dir, shop_copy};

fn carve() -> Command {
    let mut cmd = Command::cargo_bin("carve").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// `carve analyze ROOT --plan PLAN --format FORMAT`'s output; fails the
/// test unless it succeeds.
fn analyze_with_plan(root: &Path, plan: &Path, format: &str) -> String {
    common::carve_stdout(
        root,
        &[
            OsStr::new("analyze"),
            root.as_os_str(),
            OsStr::new("--plan"),
            plan.as_os_str(),
            OsStr::new("--format"),
            OsStr::new(format),
        ],
    )
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no service {name} in the report"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn json_lists_the_plans_services_tables_and_steps() {
    let shop = fixtures_dir().join("shop");
    let text = analyze_with_plan(&shop, &shop.join("carve.toml"), "json");
    let report: Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "catalog",
            "customers",
            "inventory",
            "orders",
            "payments",
            "shipping"
        ]
    );
    assert_eq!(
        strings(&service(&report, "catalog")["tables"]),
        ["categories", "countries", "product_images", "products"]
    );
    assert_eq!(
        strings(&service(&report, "shipping")["tables"]),
        ["carriers", "shipment_items", "shipments"]
    );
    assert_eq!(
        service(&report, "catalog")["rationale"],
        "placed by the plan (pinned)"
    );
    let order: Vec<(u64, &str)> = report["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_u64().unwrap(), s["service"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            (1, "catalog"),
            (2, "customers"),
            (3, "inventory"),
            (4, "orders"),
            (5, "payments"),
            (6, "shipping"),
        ]
    );
    let shared: Vec<&str> = report["shared_tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["table"].as_str().unwrap())
        .collect();
    assert!(shared.contains(&"products") && shared.contains(&"orders"));
    assert!(report["explanations"].is_null() || report["explanations"] == Value::Array(vec![]));
}

#[test]
fn html_draws_one_node_per_planned_service() {
    let shop = fixtures_dir().join("shop");
    let html = analyze_with_plan(&shop, &shop.join("carve.toml"), "html");
    assert_eq!(html.matches("class=\"service-node").count(), 6);
    for name in [
        "catalog",
        "customers",
        "inventory",
        "orders",
        "payments",
        "shipping",
    ] {
        assert!(
            html.contains(&format!("data-service=\"{name}\"")),
            "no node for {name}"
        );
    }
}

#[test]
fn a_moved_table_shows_under_its_new_service() {
    let (_dir, shop) = shop_copy();
    let plan_path = shop.join("carve.toml");
    let plan = std::fs::read_to_string(&plan_path).unwrap();
    let moved = plan
        .replace(
            "tables = [\"stock_levels\", \"stock_movements\", \"warehouses\"]",
            "tables = [\"stock_levels\", \"stock_movements\"]",
        )
        .replace(
            "tables = [\"carriers\", \"shipment_items\", \"shipments\"]",
            "tables = [\"carriers\", \"shipment_items\", \"shipments\", \"warehouses\"]",
        )
        .replace(
            "table = \"warehouses\"\nowner = \"inventory\"",
            "table = \"warehouses\"\nowner = \"shipping\"",
        );
    assert_ne!(moved, plan, "the fixture's plan changed");
    std::fs::write(&plan_path, moved).unwrap();
    let text = analyze_with_plan(&shop, &plan_path, "json");
    let report: Value = serde_json::from_str(&text).unwrap();
    assert!(strings(&service(&report, "shipping")["tables"]).contains(&"warehouses"));
    assert!(!strings(&service(&report, "inventory")["tables"]).contains(&"warehouses"));
    let human = analyze_with_plan(&shop, &plan_path, "human");
    assert!(human.contains("tables: carriers, shipment_items, shipments, warehouses"));
}

#[test]
fn a_plan_naming_an_unknown_table_exits_2() {
    let (_dir, shop) = shop_copy();
    let plan_path = shop.join("carve.toml");
    let plan = std::fs::read_to_string(&plan_path).unwrap();
    let broken = plan.replace(
        "tables = [\"payments\", \"refunds\"]",
        "tables = [\"payments\", \"refunds\", \"invoices\"]",
    );
    assert_ne!(broken, plan, "the fixture's plan changed");
    std::fs::write(&plan_path, broken).unwrap();
    let output = carve()
        .arg("analyze")
        .arg(&shop)
        .arg("--plan")
        .arg(&plan_path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invoices"), "{stderr}");
}

#[test]
fn plan_conflicts_with_proposing_options() {
    let shop = fixtures_dir().join("shop");
    for extra in [
        &["--write-plan", "x.toml"][..],
        &["--services", "3"][..],
        &["--algorithm", "louvain"][..],
        &["--signals", "fk"][..],
    ] {
        let output = carve()
            .arg("analyze")
            .arg(&shop)
            .arg("--plan")
            .arg(shop.join("carve.toml"))
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be used with"));
    }
}

#[test]
fn truth_measures_the_plan() {
    let shop = fixtures_dir().join("shop");
    let output = carve()
        .arg("analyze")
        .arg(&shop)
        .arg("--plan")
        .arg(shop.join("carve.toml"))
        .arg("--truth")
        .arg(shop.join("truth.csv"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let ari = report["agreement"]["ari"].as_f64().unwrap();
    assert!(ari > 0.9, "the plan follows the teams: ARI {ari}");
}

#[test]
fn the_plans_metrics_are_measured_on_its_placement() {
    let shop = fixtures_dir().join("shop");
    let plan: Value =
        serde_json::from_str(&analyze_with_plan(&shop, &shop.join("carve.toml"), "json")).unwrap();
    let output = carve()
        .arg("analyze")
        .arg(&shop)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let proposal: Value = serde_json::from_slice(&output.stdout).unwrap();
    // The shop's plan groups the tables as the proposal does, so the
    // modularity of the table graph is the same number.
    let modularity = plan["metrics"]["modularity"].as_f64().unwrap();
    assert!(modularity > 0.3, "{}", plan["metrics"]);
    assert_eq!(
        plan["metrics"]["modularity"],
        proposal["metrics"]["modularity"]
    );
    assert!(
        plan["metrics"]["icp"].as_f64().unwrap() > 0.0,
        "{}",
        plan["metrics"]
    );
}
