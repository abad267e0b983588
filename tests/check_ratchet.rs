//! `carve check` on a team's first day: the plan and its todo file live
//! outside the monolith, the check runs from anywhere, known crossings
//! pass, new ones fail, the todo file only shrinks, and the findings come
//! out as SARIF, JUnit XML and GitHub annotations.

mod common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn carve() -> Command {
    let mut cmd = Command::cargo_bin("carve").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A scratch shop (without its hand-reviewed plan), a plan directory `T`
/// outside it, and another directory to run commands from.
struct Adopted {
    _dir: tempfile::TempDir,
    shop: PathBuf,
    plan: PathBuf,
    elsewhere: PathBuf,
}

impl Adopted {
    fn new() -> Adopted {
        let dir = tempfile::tempdir().unwrap();
        let shop = dir.path().join("repos/shop");
        common::copy_dir(&common::fixtures_dir().join("shop"), &shop);
        std::fs::remove_file(shop.join("carve.toml")).unwrap();
        let plans = dir.path().join("plans");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&plans).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        let plan = plans.join("carve.toml");
        let output = carve()
            .current_dir(dir.path())
            .arg("analyze")
            .arg(&shop)
            .arg("--write-plan")
            .arg(&plan)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Adopted {
            _dir: dir,
            shop,
            plan,
            elsewhere,
        }
    }

    fn todo(&self) -> PathBuf {
        self.plan.with_file_name("carve-todo.toml")
    }

    /// `carve check --plan T/carve.toml ARGS` from the other directory.
    fn check(&self, args: &[&str]) -> std::process::Output {
        carve()
            .current_dir(&self.elsewhere)
            .arg("check")
            .arg("--plan")
            .arg(&self.plan)
            .args(args)
            .output()
            .unwrap()
    }
}

const PAYMENTS: &str = "crates/shop-db/src/payments.rs";

/// The payments data layer starts writing the catalog's products table;
/// returns the line of the query.
fn add_foreign_write(shop: &Path) -> usize {
    let file = shop.join(PAYMENTS);
    let mut code = std::fs::read_to_string(&file).unwrap();
    let line = code.lines().count() + 3;
    code.push_str("\npub async fn reprice_everything(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {\n    sqlx::query(\"UPDATE products SET price_cents = price_cents + 1\").execute(pool).await?;\n    Ok(())\n}\n");
    std::fs::write(&file, code).unwrap();
    line
}

fn remove_foreign_write(shop: &Path) {
    let file = shop.join(PAYMENTS);
    let code = std::fs::read_to_string(&file).unwrap();
    let at = code.find("\npub async fn reprice_everything").unwrap();
    std::fs::write(&file, &code[..at]).unwrap();
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn the_plan_records_the_root_and_the_todo_lists_todays_crossings() {
    let adopted = Adopted::new();
    let plan = std::fs::read_to_string(&adopted.plan).unwrap();
    assert!(plan.contains("root = \"../repos/shop\""), "{plan}");
    let todo = std::fs::read_to_string(adopted.todo()).unwrap();
    assert!(todo.starts_with("# carve todo:"), "{todo}");
    assert!(todo.contains("--update-todo"), "{todo}");
    let parsed: toml::Value = toml::from_str(&todo).unwrap();
    let crossings = parsed["crossings"].as_array().unwrap();
    assert!(!crossings.is_empty(), "{todo}");
    for c in crossings {
        assert!(["read", "write"].contains(&c["mode"].as_str().unwrap()));
        for file in c["files"].as_array().unwrap() {
            let file = file.as_str().unwrap();
            assert!(file.ends_with(".rs"), "a path without a line: {file}");
            assert!(adopted.shop.join(file).is_file(), "{file}");
        }
    }
    // The todo file never lists the new write the other tests add.
    assert!(
        !todo.contains("module = \"shop_db::payments\"\ntable = \"products\"\nmode = \"write\"")
    );
}

#[test]
fn known_crossings_pass_and_a_new_one_fails_with_its_file_and_line() {
    let adopted = Adopted::new();
    let clean = adopted.check(&[]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(
        stdout(&clean).contains("known crossing(s)"),
        "{}",
        stdout(&clean)
    );

    let line = add_foreign_write(&adopted.shop);
    let failing = adopted.check(&[]);
    assert_eq!(failing.status.code(), Some(1), "{}", stderr(&failing));
    let text = stdout(&failing);
    assert!(
        text.contains(&format!("{PAYMENTS}:{line}: `shop_db::payments`")),
        "{text}"
    );
    assert!(text.contains("writes `products`"), "{text}");
    assert!(text.contains("1 violation(s)"), "{text}");

    // --update-todo never records a new crossing.
    let updated = adopted.check(&["--update-todo"]);
    assert_eq!(updated.status.code(), Some(1), "{}", stderr(&updated));
    let todo = std::fs::read_to_string(adopted.todo()).unwrap();
    assert!(!todo.contains("module = \"shop_db::payments\"\ntable = \"products\""));
}

#[test]
fn a_crossing_gone_from_the_code_is_stale_until_the_todo_is_updated() {
    let adopted = Adopted::new();
    add_foreign_write(&adopted.shop);
    // Without a todo file, --update-todo records what the code does today.
    std::fs::remove_file(adopted.todo()).unwrap();
    let recorded = adopted.check(&["--update-todo"]);
    assert_eq!(recorded.status.code(), Some(0), "{}", stderr(&recorded));
    let todo = std::fs::read_to_string(adopted.todo()).unwrap();
    assert!(
        todo.contains(&format!(
            "module = \"shop_db::payments\"\ntable = \"products\"\nmode = \"write\"\nfiles = [\"{PAYMENTS}\"]"
        )),
        "{todo}"
    );

    remove_foreign_write(&adopted.shop);
    let stale = adopted.check(&[]);
    assert_eq!(stale.status.code(), Some(1), "{}", stderr(&stale));
    let text = stdout(&stale);
    assert!(text.contains("stale"), "{text}");
    assert!(text.contains("carve check --update-todo"), "{text}");
    assert!(text.contains("no longer writes `products`"), "{text}");

    let shrunk = adopted.check(&["--update-todo"]);
    assert_eq!(shrunk.status.code(), Some(0), "{}", stderr(&shrunk));
    let after = std::fs::read_to_string(adopted.todo()).unwrap();
    assert!(!after.contains("module = \"shop_db::payments\"\ntable = \"products\""));
    assert_eq!(adopted.check(&[]).status.code(), Some(0));
    // Same code, same bytes.
    assert_eq!(adopted.check(&["--update-todo"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(adopted.todo()).unwrap(), after);
}

#[test]
fn strict_fails_on_every_recorded_crossing() {
    let adopted = Adopted::new();
    let todo = std::fs::read_to_string(adopted.todo()).unwrap();
    let listed = todo.matches("[[crossings]]").count();
    let strict = adopted.check(&["--strict", "--format", "json"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    let report: serde_json::Value = serde_json::from_slice(&strict.stdout).unwrap();
    let violations = report["violations"].as_array().unwrap();
    assert!(violations.len() >= listed, "{report}");
    assert!(violations
        .iter()
        .all(|v| v["kind"] == "foreign-table-access"));
    assert_eq!(report["todo"], serde_json::Value::Null);
}

#[test]
fn an_unplaced_table_fails_and_is_never_recorded() {
    let adopted = Adopted::new();
    let plan = std::fs::read_to_string(&adopted.plan).unwrap();
    // Drop the first service's first table from the plan.
    let start = plan.find("tables = [\"").unwrap() + "tables = [".len();
    let end = start + plan[start..].find(['"']).unwrap() + 1;
    let end = end + plan[end..].find('"').unwrap() + 1;
    let table = plan[start + 1..end - 1].to_string();
    let rest = plan[end..].trim_start_matches(", ");
    std::fs::write(&adopted.plan, format!("{}{}", &plan[..start], rest)).unwrap();
    let output = adopted.check(&["--update-todo", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["kind"] == "unplanned-table" && v["table"] == table.as_str()),
        "{report}"
    );
    let todo = std::fs::read_to_string(adopted.todo()).unwrap();
    assert!(!todo.contains("unplanned"), "{todo}");
}

#[test]
fn scaffold_and_check_find_the_monolith_from_anywhere() {
    let adopted = Adopted::new();
    let out = adopted.elsewhere.join("out");
    let output = carve()
        .current_dir(&adopted.elsewhere)
        .arg("scaffold")
        .arg("--plan")
        .arg(&adopted.plan)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(std::fs::read_dir(&out).unwrap().count() > 0);

    // An explicit PATH still wins over the plan's root.
    let moved = adopted.shop.with_file_name("moved");
    std::fs::rename(&adopted.shop, &moved).unwrap();
    let output = carve()
        .current_dir(&adopted.elsewhere)
        .arg("check")
        .arg("--plan")
        .arg(&adopted.plan)
        .arg(&moved)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // Without it, a root that is gone is an error at its line.
    let missing = adopted.check(&[]);
    assert_eq!(missing.status.code(), Some(2));
    let text = stderr(&missing);
    let line = std::fs::read_to_string(&adopted.plan)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("root = "))
        .unwrap()
        + 1;
    assert!(text.contains("monolith.root"), "{text}");
    assert!(text.contains(&format!("carve.toml:{line}:")), "{text}");
    assert!(text.contains("repos/shop"), "{text}");
}

#[test]
fn a_plan_without_a_root_reads_the_monolith_beside_it() {
    let (_dir, shop) = common::shop_copy();
    let plan = shop.join("carve.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("root = "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&plan, without).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let output = carve()
        .current_dir(elsewhere.path())
        .arg("check")
        .arg("--plan")
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

fn sarif_schema() -> Option<serde_json::Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/sarif-2.1.0/sarif-schema-2.1.0.json"
    );
    match std::fs::read_to_string(path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the SARIF schema is missing at {path}: {e}");
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipped: {path} not found");
            }
            None
        }
    }
}

#[test]
fn sarif_is_valid_and_points_at_the_file_and_line() {
    let adopted = Adopted::new();
    let line = add_foreign_write(&adopted.shop);
    let todo = std::fs::read_to_string(adopted.todo()).unwrap();
    // One listed crossing gone: a stale entry.
    let stale_todo = format!(
        "{todo}\n[[crossings]]\nmodule = \"shop_db::payments\"\ntable = \"customers\"\nmode = \"read\"\nfiles = [\"{PAYMENTS}\"]\n"
    );
    std::fs::write(adopted.todo(), stale_todo).unwrap();
    let output = adopted.check(&["--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    if let Some(schema) = sarif_schema() {
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let mut broken = log.clone();
        broken["runs"][0]["results"][0]["level"] = "fatal".into();
        assert!(!validator.is_valid(&broken), "the schema is enforced");
    }
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "foreign-table-access",
            "unplanned-table",
            "unassigned-module",
            "stale-todo-entry"
        ]
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:#?}");
    let new = results
        .iter()
        .find(|r| r["ruleId"] == "foreign-table-access")
        .unwrap();
    let physical = &new["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], PAYMENTS);
    assert_eq!(physical["region"]["startLine"], line);
    let stale = results
        .iter()
        .find(|r| r["ruleId"] == "stale-todo-entry")
        .unwrap();
    assert_eq!(
        stale["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        PAYMENTS
    );

    // The fingerprint stays when the line moves.
    let fingerprint = new["partialFingerprints"].clone();
    let file = adopted.shop.join(PAYMENTS);
    let code = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("// moved down\n\n{code}")).unwrap();
    let moved: serde_json::Value =
        serde_json::from_slice(&adopted.check(&["--format", "sarif"]).stdout).unwrap();
    let moved_new = moved["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "foreign-table-access")
        .unwrap()
        .clone();
    assert_eq!(
        moved_new["locations"][0]["physicalLocation"]["region"]["startLine"],
        line + 2
    );
    assert_eq!(moved_new["partialFingerprints"], fingerprint);
}

/// (suite tests, suite failures, (testcase name, failure message) pairs).
type Junit = (usize, usize, Vec<(String, Option<String>)>);

fn parse_junit(xml: &str) -> Junit {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut suites = 0;
    let (mut tests, mut failures) = (0, 0);
    let mut cases: Vec<(String, Option<String>)> = Vec::new();
    let attr = |e: &quick_xml::events::BytesStart, name: &[u8]| -> Option<String> {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == name)
            .map(|a| a.unescape_value().unwrap().to_string())
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => {
                    suites += 1;
                    tests = attr(&e, b"tests").unwrap().parse().unwrap();
                    failures = attr(&e, b"failures").unwrap().parse().unwrap();
                }
                b"testcase" => cases.push((attr(&e, b"name").unwrap(), None)),
                b"failure" => cases.last_mut().unwrap().1 = attr(&e, b"message"),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(suites, 1, "one test suite");
    (tests, failures, cases)
}

#[test]
fn junit_parses_with_a_case_per_finding_and_passes_when_clean() {
    let adopted = Adopted::new();
    let clean = adopted.check(&["--format", "junit"]);
    assert_eq!(clean.status.code(), Some(0));
    let (tests, failures, cases) = parse_junit(&stdout(&clean));
    assert_eq!(failures, 0);
    assert_eq!(tests, cases.len());
    assert!(!cases.is_empty() && cases.iter().all(|(_, f)| f.is_none()));

    add_foreign_write(&adopted.shop);
    let failing = adopted.check(&["--format", "junit"]);
    assert_eq!(failing.status.code(), Some(1));
    let (tests, failures, cases) = parse_junit(&stdout(&failing));
    assert_eq!((tests, failures), (cases.len(), 1));
    let (name, message) = cases.iter().find(|(_, f)| f.is_some()).unwrap();
    assert_eq!(name, "shop_db::payments write products");
    assert!(message.as_ref().unwrap().contains("owned by `catalog`"));
}

#[test]
fn github_annotations() {
    let adopted = Adopted::new();
    let clean = adopted.check(&["--format", "github"]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(!stdout(&clean).contains("::error"));

    add_foreign_write(&adopted.shop);
    let todo = std::fs::read_to_string(adopted.todo()).unwrap();
    std::fs::write(
        adopted.todo(),
        format!("{todo}\n[[crossings]]\nmodule = \"shop_db::payments\"\ntable = \"customers\"\nmode = \"read\"\nfiles = [\"{PAYMENTS}\"]\n"),
    )
    .unwrap();
    let failing = adopted.check(&["--format", "github"]);
    assert_eq!(failing.status.code(), Some(1));
    // The todo file's path is machine-specific: show it as the plan names it.
    let text = stdout(&failing).replace(&adopted.todo().display().to_string(), "T/carve-todo.toml");
    insta::assert_snapshot!(text);
}
