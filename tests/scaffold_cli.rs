//! `carve scaffold` through the real binary: no clobbering, `--force`
//! idempotence, `--dry-run`, template overrides and their errors, unsafe
//! names, determinism, and `scaffold service` without a plan.

mod scaffold_support;

use predicates::prelude::*;
use scaffold_support::{carve, read_tree, scaffold_shop, shop_dir, shop_plan};
use std::path::Path;
use std::time::SystemTime;

fn mtimes(root: &Path) -> Vec<(String, SystemTime)> {
    read_tree(root)
        .keys()
        .map(|p| {
            let modified = std::fs::metadata(root.join(p)).unwrap().modified().unwrap();
            (p.clone(), modified)
        })
        .collect()
}

#[test]
fn scaffolds_the_shop_plan_with_every_artifact_kind() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let out = dir.path().join("out");
    scaffold_shop(&plan, &out, &[])
        .success()
        .stdout(predicate::str::contains("created, 0 changed, 0 unchanged"));
    let tree = read_tree(&out);
    for expected in [
        "MIGRATION-PLAN.md",
        "docker-compose.yml",
        "topics/create-topics.sh",
    ] {
        assert!(
            tree.contains_key(expected),
            "{expected} missing: {:?}",
            tree.keys()
        );
    }
    for prefix in [
        "topics/",
        "schemas/",
        "connectors/",
        "sql/",
        "asyncapi/",
        "runbooks/",
    ] {
        assert!(
            tree.keys().any(|k| k.starts_with(prefix)),
            "nothing under {prefix}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("topics/create-topics.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        let mode = std::fs::metadata(out.join("docker-compose.yml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}

#[test]
fn a_second_run_without_force_refuses_to_change_files() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let out = dir.path().join("out");
    scaffold_shop(&plan, &out, &[]).success();
    // Unchanged files are fine without --force.
    scaffold_shop(&plan, &out, &[])
        .success()
        .stdout(predicate::str::contains("0 created, 0 changed"));
    let edited = out.join("MIGRATION-PLAN.md");
    std::fs::write(&edited, "my notes\n").unwrap();
    scaffold_shop(&plan, &out, &[]).code(2).stderr(
        predicate::str::contains("MIGRATION-PLAN.md").and(predicate::str::contains("--force")),
    );
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "my notes\n");
    scaffold_shop(&plan, &out, &["--force"])
        .success()
        .stdout(predicate::str::contains("1 changed"));
    assert_ne!(std::fs::read_to_string(&edited).unwrap(), "my notes\n");
}

#[test]
fn force_twice_is_byte_identical_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let out = dir.path().join("out");
    scaffold_shop(&plan, &out, &["--force"]).success();
    let before = read_tree(&out);
    let times = mtimes(&out);
    std::thread::sleep(std::time::Duration::from_millis(20));
    scaffold_shop(&plan, &out, &["--force"])
        .success()
        .stdout(predicate::str::contains("0 created, 0 changed"));
    assert_eq!(read_tree(&out), before);
    assert_eq!(mtimes(&out), times);
}

#[test]
fn dry_run_lists_files_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let out = dir.path().join("out");
    scaffold_shop(&plan, &out, &["--dry-run"]).success().stdout(
        predicate::str::contains("create    docker-compose.yml")
            .and(predicate::str::contains("would be created")),
    );
    assert!(!out.exists());
    scaffold_shop(&plan, &out, &[]).success();
    std::fs::write(out.join("docker-compose.yml"), "x").unwrap();
    scaffold_shop(&plan, &out, &["--dry-run"])
        .success()
        .stdout(predicate::str::contains("change    docker-compose.yml"));
    assert_eq!(
        std::fs::read_to_string(out.join("docker-compose.yml")).unwrap(),
        "x"
    );
}

#[test]
fn two_runs_into_two_directories_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    scaffold_shop(&plan, &dir.path().join("a"), &[]).success();
    scaffold_shop(&plan, &dir.path().join("b"), &[]).success();
    let a = read_tree(&dir.path().join("a"));
    assert!(a.len() > 50, "{}", a.len());
    assert_eq!(a, read_tree(&dir.path().join("b")));
}

#[test]
fn a_template_override_changes_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("MIGRATION-PLAN.md.hbs"),
        "# Our plan for {{monolith}}\n{{#each services}}- {{name}}\n{{/each}}",
    )
    .unwrap();
    let out = dir.path().join("out");
    scaffold_shop(&plan, &out, &["--templates", templates.to_str().unwrap()]).success();
    let text = std::fs::read_to_string(out.join("MIGRATION-PLAN.md")).unwrap();
    assert!(text.starts_with("# Our plan for shop\n- "), "{text}");
    // Other templates keep their built-in text.
    assert!(std::fs::read_to_string(out.join("docker-compose.yml"))
        .unwrap()
        .contains("kafka"));
}

#[test]
fn a_missing_variable_in_an_override_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(templates.join("runbooks")).unwrap();
    let file = templates.join("runbooks/service.md.hbs");
    std::fs::write(&file, "# {{service.name}}\n\n{{service.no_such_field}}\n").unwrap();
    let out = dir.path().join("out");
    scaffold_shop(&plan, &out, &["--templates", templates.to_str().unwrap()])
        .code(2)
        .stderr(predicate::str::contains(format!("{}:3", file.display())));
    assert!(
        !out.exists(),
        "nothing may be written when a template fails"
    );
}

#[test]
fn unsafe_plan_names_are_rejected_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let text = std::fs::read_to_string(&plan).unwrap();
    // Rename the first service to a path that would leave --out.
    let start = text.find("[[services]]").expect("a service");
    let name_at = start + text[start..].find("name = \"").unwrap() + "name = \"".len();
    let end = name_at + text[name_at..].find('"').unwrap();
    for bad in ["../evil", "Orders"] {
        let edited = format!("{}{bad}{}", &text[..name_at], &text[end..]);
        let bad_plan = dir.path().join("bad.toml");
        std::fs::write(&bad_plan, edited).unwrap();
        let out = dir.path().join("out");
        scaffold_shop(&bad_plan, &out, &[])
            .code(2)
            .stderr(predicate::str::contains("bad.toml:").and(predicate::str::contains(bad)));
        assert!(!out.exists());
        assert!(!dir.path().join("evil").exists());
    }
}

#[test]
fn an_invalid_plan_reports_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let plan = shop_plan(dir.path());
    let text = std::fs::read_to_string(&plan).unwrap();
    let start = text.find("tables = [").expect("tables");
    let edited = format!(
        "{}tables = [\"ghosts\", {}",
        &text[..start],
        &text[start + "tables = [".len()..]
    );
    std::fs::write(&plan, edited).unwrap();
    let line = text[..start].lines().count() + 1;
    scaffold_shop(&plan, &dir.path().join("out"), &[])
        .code(2)
        .stderr(
            predicate::str::contains(format!("carve.toml:{line}:"))
                .and(predicate::str::contains("ghosts")),
        );
}

#[test]
fn scaffold_service_writes_one_service_without_a_plan() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    carve()
        .args([
            "scaffold",
            "service",
            "billing",
            "--tables",
            "payments,refunds",
        ])
        .arg(shop_dir())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let tree = read_tree(&out);
    for expected in [
        "connectors/billing-cdc-source.json",
        "connectors/billing-entity-source.json",
        "connectors/billing-outbox-source.json",
        "connectors/billing-sink-to-monolith.json",
        "sql/billing-cdc-prerequisites.sql",
        "topics/billing.yaml",
        "asyncapi/billing.yaml",
        "runbooks/01-billing.md",
        "schemas/billing.payments.entity.v1-value.schema.json",
    ] {
        assert!(
            tree.contains_key(expected),
            "{expected} missing: {:?}",
            tree.keys()
        );
    }
    let source = String::from_utf8(tree["connectors/billing-cdc-source.json"].clone()).unwrap();
    assert!(
        source.contains("\"table.include.list\": \"public.payments,public.refunds\""),
        "{source}"
    );
    // Default Kafka settings, as an empty plan would have them.
    assert!(
        source.contains("\"topic.prefix\": \"monolith.billing\""),
        "{source}"
    );
}

#[test]
fn scaffold_service_names_the_monolith_database_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    carve()
        .args(["scaffold", "service", "billing", "--tables", "payments"])
        .args(["--database-name", "shop_production"])
        .arg(shop_dir())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let tree = read_tree(&out);
    let text = |path: &str| String::from_utf8(tree[path].clone()).unwrap();
    let source = text("connectors/billing-cdc-source.json");
    assert!(
        source.contains("\"database.dbname\": \"shop_production\""),
        "{source}"
    );
    let sink = text("connectors/billing-sink-to-monolith.json");
    assert!(sink.contains("/shop_production?"), "{sink}");
    let script = text("sql/billing-cdc-prerequisites.sql");
    assert!(
        script.contains("GRANT CONNECT ON DATABASE shop_production "),
        "{script}"
    );
    assert!(!script.contains("ON DATABASE shop "), "{script}");
}

#[test]
fn scaffold_service_rejects_unsafe_names_and_unknown_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (name, tables, message) in [
        ("../evil", "payments", "may hold only"),
        ("Orders", "payments", "may hold only"),
        ("billing", "no_such_table", "no_such_table"),
    ] {
        carve()
            .args(["scaffold", "service", name, "--tables", tables])
            .arg(shop_dir())
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!out.exists());
        assert!(!dir.path().join("evil").exists());
    }
}

#[test]
fn out_is_required() {
    carve()
        .args(["scaffold", "--plan", "carve.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out"));
}
