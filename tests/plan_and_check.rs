//! `carve analyze --write-plan`, `carve plan --answers` and `carve check`
//! on a copy of the shop example.

mod common;

use assert_cmd::Command;
use std::path::PathBuf;

use common::shop_copy;

/// A scratch copy of fixtures/shop with a plan freshly written by `analyze`.
fn shop_with_plan() -> (tempfile::TempDir, PathBuf) {
    let (dir, shop) = shop_copy();
    let output = carve()
        .current_dir(&shop)
        .args(["analyze", ".", "--write-plan", "carve.toml", "--force"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (dir, shop)
}

fn carve() -> Command {
    let mut cmd = Command::cargo_bin("carve").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn service_names(plan: &str) -> Vec<String> {
    let value: toml::Value = toml::from_str(plan).unwrap();
    value["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn write_plan_refuses_to_clobber_without_force() {
    let (_dir, shop) = shop_with_plan();
    let before = std::fs::read_to_string(shop.join("carve.toml")).unwrap();
    assert!(before.contains("# The services, in extraction order"));
    let again = carve()
        .current_dir(&shop)
        .args(["analyze", ".", "--write-plan", "carve.toml"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let forced = carve()
        .current_dir(&shop)
        .args(["analyze", ".", "--write-plan", "carve.toml", "--force"])
        .output()
        .unwrap();
    assert!(forced.status.success());
    assert_eq!(
        std::fs::read_to_string(shop.join("carve.toml")).unwrap(),
        before,
        "same input, same plan"
    );
}

#[test]
fn plan_refuses_to_prompt_without_a_terminal() {
    let (_dir, shop) = shop_with_plan();
    let output = carve().current_dir(&shop).args(["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--answers"));
}

#[test]
fn answers_rename_move_and_merge_keeping_comments() {
    let (_dir, shop) = shop_with_plan();
    let plan_path = shop.join("carve.toml");
    let mut plan = std::fs::read_to_string(&plan_path).unwrap();
    plan.insert_str(0, "# reviewed by the platform team\n");
    std::fs::write(&plan_path, &plan).unwrap();
    let names = service_names(&plan);
    let (first, second) = (names[0].clone(), names[1].clone());
    let answers = format!(
        r#"[[actions]]
action = "rename"
service = "{first}"
to = "first-service"

[[actions]]
action = "merge"
into = "first-service"
from = "{second}"

[[actions]]
action = "kafka"
key = "partitions"
value = "12"
"#
    );
    std::fs::write(shop.join("answers.toml"), answers).unwrap();
    let output = carve()
        .current_dir(&shop)
        .args(["plan", "--answers", "answers.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "merge {second} into first-service: services {} → {}",
            names.len(),
            names.len() - 1
        )),
        "{stderr}"
    );
    let saved = std::fs::read_to_string(&plan_path).unwrap();
    assert!(
        saved.starts_with("# reviewed by the platform team\n"),
        "the hand-written comment survives"
    );
    let saved_names = service_names(&saved);
    assert_eq!(saved_names[0], "first-service");
    assert!(!saved_names.contains(&second));
    assert!(saved.contains("partitions = 12"));
}

#[test]
fn a_bad_answer_saves_nothing() {
    let (_dir, shop) = shop_with_plan();
    let before = std::fs::read_to_string(shop.join("carve.toml")).unwrap();
    std::fs::write(
        shop.join("answers.toml"),
        "[[actions]]\naction = \"rename\"\nservice = \"nope\"\nto = \"x\"\n",
    )
    .unwrap();
    let output = carve()
        .current_dir(&shop)
        .args(["plan", "--answers", "answers.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(shop.join("carve.toml")).unwrap(),
        before
    );
}

#[test]
fn check_passes_on_the_shop_and_names_the_file_and_line_of_a_new_crossing() {
    let (_dir, shop) = shop_copy();
    let baseline = carve()
        .current_dir(&shop)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let before: serde_json::Value = serde_json::from_slice(&baseline.stdout).unwrap();
    assert_eq!(baseline.status.code(), Some(0), "{before}");
    let count_before = before["violations"].as_array().unwrap().len();
    assert_eq!(count_before, 0);
    // The payments data layer starts writing the catalog's products table.
    let file = shop.join("crates/shop-db/src/payments.rs");
    let mut code = std::fs::read_to_string(&file).unwrap();
    let line = code.lines().count() + 2;
    code.push_str("\npub async fn reprice_everything(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {\n    sqlx::query(\"UPDATE products SET price_cents = price_cents + 1\").execute(pool).await?;\n    Ok(())\n}\n");
    std::fs::write(&file, code).unwrap();
    let output = carve()
        .current_dir(&shop)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let after: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let violations = after["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    let new = violations
        .iter()
        .find(|v| {
            v["module"] == "shop_db::payments"
                && v["table"] == "products"
                && v["message"].as_str().unwrap().contains("writes")
        })
        .unwrap_or_else(|| panic!("no violation for the new write: {violations:?}"));
    let evidence = &new["evidence"][0];
    assert_eq!(evidence["file"], "crates/shop-db/src/payments.rs");
    assert_eq!(evidence["line"], line + 1);
}

#[test]
fn bad_plans_exit_2_with_line_and_column() {
    let (_dir, shop) = shop_with_plan();
    let plan_path = shop.join("carve.toml");
    let good = std::fs::read_to_string(&plan_path).unwrap();
    let first_table_line = good
        .lines()
        .position(|l| l.starts_with("tables = ["))
        .unwrap()
        + 1;
    let cases: Vec<(String, String)> = vec![
        (good.replacen("[kafka]", "[kafka", 1), "expected".into()),
        (
            good.replacen("tables = [", "tables = [\"no_such_table\", ", 1),
            format!("{first_table_line}:11: unknown table `no_such_table`"),
        ),
        (
            good.replacen("tables = [", "tables = [\"refunds\", ", 1),
            "has two owners".into(),
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(&plan_path, &text).unwrap();
        let output = carve().current_dir(&shop).args(["check"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("carve.toml:"), "{stderr}");
        assert!(
            stderr.contains(&expected),
            "expected `{expected}` in {stderr}"
        );
    }
    let names = service_names(&good);
    let duplicated = good.replacen(
        &format!("name = \"{}\"", names[1]),
        &format!("name = \"{}\"", names[0]),
        1,
    );
    std::fs::write(&plan_path, duplicated).unwrap();
    let output = carve().current_dir(&shop).args(["check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is defined twice"));
}

#[test]
fn the_bundled_shop_is_carved_catalog_first() {
    let output = carve()
        .args(["analyze", "--format", "json"])
        .arg(common::fixtures_dir().join("shop"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &report["order"][0];
    assert_eq!(first["depends_on"], serde_json::json!([]), "{first}");
    let service = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == first["service"])
        .unwrap();
    let tables: Vec<&str> = service["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tables.contains(&"products"), "{tables:?}");
    assert!(tables.contains(&"categories"), "{tables:?}");
}

#[test]
fn check_leaves_a_table_without_an_owner_in_the_monolith_but_refuses_an_unknown_one() {
    let (_dir, shop) = shop_copy();
    let plan = shop.join("carve.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    // warehouses is not carved out yet: it stays in the monolith.
    let unowned = text.replace("\"stock_movements\", \"warehouses\"", "\"stock_movements\"");
    assert_ne!(
        unowned, text,
        "the plan lists warehouses where the test expects"
    );
    std::fs::write(&plan, &unowned).unwrap();
    let output = carve()
        .current_dir(&shop)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("no owner"), "{stderr}");

    // A table the schema lacks is still a broken plan.
    std::fs::write(
        &plan,
        unowned.replace("\"stock_movements\"", "\"stock_moves\""),
    )
    .unwrap();
    let output = carve().current_dir(&shop).args(["check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stock_moves"));
}
