//! The bundled shop, analyzed as a user would: the proposal equals the
//! decomposition written in `fixtures/shop/truth.csv`, services carry the
//! team's own names, and every module lands where
//! `fixtures/shop/expected-access.toml` says it belongs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn analyze_shop() -> serde_json::Value {
    let shop = common::fixtures_dir().join("shop");
    let output = Command::new(env!("CARGO_BIN_EXE_carve"))
        .args(["analyze", "--format", "json", "--truth"])
        .arg(shop.join("truth.csv"))
        .arg(&shop)
        .output()
        .expect("run carve");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

/// truth.csv as group → tables.
fn truth_groups() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(common::fixtures_dir().join("shop/truth.csv")).unwrap();
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (table, group) = line.split_once(',').expect("table,group");
        groups
            .entry(group.trim().to_string())
            .or_default()
            .insert(table.trim().to_string());
    }
    groups
}

#[test]
fn the_shop_proposal_equals_its_truth_with_the_teams_names() {
    let report = analyze_shop();
    assert_eq!(report["agreement"]["ari"], 1.0, "{}", report["agreement"]);
    assert_eq!(report["agreement"]["ami"], 1.0);
    let proposed: BTreeMap<String, BTreeSet<String>> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                strings(&s["tables"]).into_iter().collect(),
            )
        })
        .collect();
    // Not only the same cut: the same names, taken from the data layer
    // (`shop_db::inventory`, `shop_db::catalog`, `shop_db::shipping`).
    assert_eq!(proposed, truth_groups());
}

#[test]
fn shop_modules_land_in_their_area_and_reporting_code_stays_behind() {
    let report = analyze_shop();
    let expected: toml::Table =
        std::fs::read_to_string(common::fixtures_dir().join("shop/expected-access.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let placed: BTreeMap<String, String> = report["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "module")
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["service"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut checked = 0;
    for (module, entry) in expected["modules"].as_table().unwrap() {
        let want = entry
            .get("area")
            .and_then(|a| a.as_str())
            .unwrap_or_default();
        let got = placed
            .get(module)
            .unwrap_or_else(|| panic!("{module} not in the report"));
        assert_eq!(got, want, "{module}");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} modules checked");
    // Crate roots and the router hand work to every service: no owner.
    for router in ["shop", "shop::api", "shop_worker", "shop_db"] {
        assert_eq!(placed[router], "", "{router}");
    }
}

#[test]
fn the_summary_counts_the_data_layer_and_what_reaches_past_it() {
    let shop = common::fixtures_dir().join("shop");
    let output = Command::new(env!("CARGO_BIN_EXE_carve"))
        .arg("analyze")
        .arg(&shop)
        .env("NO_COLOR", "1")
        .output()
        .expect("run carve");
    let text = String::from_utf8_lossy(&output.stdout);
    // shop_db's twelve query modules, plus the GDPR export and the report
    // queries that other modules call; every table is used from outside.
    assert!(
        text.contains("data layer: 14 modules; 16 of 16 tables reached from outside it"),
        "{text}"
    );
}
