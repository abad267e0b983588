//! Helpers the scaffold tests share: a plan for the shop fixture, scaffold
//! runs through the real binary, reading a generated tree, and the reference
//! descriptions under `../shared/reference`.
#![allow(dead_code, clippy::print_stderr, clippy::print_stdout)]

use assert_cmd::Command;
use carve::ingest::{load_schema, SchemaRequest};
use carve::model::Schema;
use carve::scaffold::spec::{ScaffoldSpec, ServiceSpec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) fn shop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop")
}

/// `../shared/reference`, or `None` (with a note) outside CI when absent.
pub(crate) fn reference_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI must provide ../shared/reference at {}", dir.display());
    }
    eprintln!("skipped: {} not found", dir.display());
    None
}

pub(crate) fn carve() -> Command {
    let mut cmd = Command::cargo_bin("carve").expect("the carve binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Writes the shop's plan (from `carve analyze`) into `dir/carve.toml`.
pub(crate) fn shop_plan(dir: &Path) -> PathBuf {
    let plan = dir.join("carve.toml");
    carve()
        .arg("analyze")
        .arg(shop_dir())
        .arg("--write-plan")
        .arg(&plan)
        .assert()
        .success();
    plan
}

/// `carve scaffold --plan PLAN fixtures/shop --out OUT` plus `extra`.
pub(crate) fn scaffold_shop(plan: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    carve()
        .arg("scaffold")
        .arg("--plan")
        .arg(plan)
        .arg(shop_dir())
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
}

/// Every file below `root`, by '/'-separated relative path.
pub(crate) fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .expect("below root")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(relative, std::fs::read(&path).expect("readable file"));
            }
        }
    }
    files
}

/// The shop fixture's schema, from its migrations.
pub(crate) fn shop_schema() -> Schema {
    load_schema(&SchemaRequest {
        root: shop_dir(),
        schema_paths: vec![shop_dir().join("migrations")],
        database_url: None,
        db_schemas: Vec::new(),
        dialect: None,
    })
    .expect("the shop schema loads")
    .schema
}

/// A spec over the shop schema with the given services `(name, tables)`.
pub(crate) fn shop_spec(services: &[(&str, &[&str])]) -> ScaffoldSpec {
    let schema = shop_schema();
    let mut specs = Vec::new();
    for (i, (name, tables)) in services.iter().enumerate() {
        let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
        specs
            .push(ServiceSpec::new(name, i as u32 + 1, &tables, &schema).expect("a valid service"));
    }
    let mut spec = ScaffoldSpec::ad_hoc("shop", &schema, specs.remove(0)).expect("a spec");
    spec.services.extend(specs);
    spec
}
