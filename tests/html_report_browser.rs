//! The HTML report in a real browser: headless Chromium loads the shop's
//! page and a generated 500-table monolith's, runs their scripts, and the
//! test reads back the DOM (one node per service, no recorded error), the
//! console (silent) and a screenshot (under target/tmp).
//!
//! The browser is `CARVE_TEST_CHROMIUM`, else `chromium` on PATH. Without
//! one the test prints that it skipped; with `CI=true` that is a failure.
#![allow(clippy::print_stdout)]

mod common;

#[path = "../benches/support/generate_schema.rs"]
#[allow(dead_code)]
mod generate_schema;

use assert_cmd::Command as CarveCommand;
use common::skip;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BROWSER_TIMEOUT: Duration = Duration::from_secs(180);

fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CARVE_TEST_CHROMIUM") {
        if !path.trim().is_empty() {
            let path = PathBuf::from(path.trim());
            if path.is_file() {
                return Some(path);
            }
            return skip(&format!(
                "CARVE_TEST_CHROMIUM={} does not exist",
                path.display()
            ));
        }
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| skip("no browser: set CARVE_TEST_CHROMIUM or put chromium on PATH"))
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `carve analyze ARGS --format html` to `name.html`.
fn render(name: &str, args: &[&str]) -> PathBuf {
    let output = CarveCommand::cargo_bin("carve")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("analyze")
        .args(args)
        .args(["--format", "html"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = scratch().join(format!("{name}.html"));
    std::fs::write(&path, &output.stdout).unwrap();
    path
}

struct Run {
    stdout: String,
    stderr: String,
    took: Duration,
}

/// One headless run on a fresh profile, offline in all but name.
fn browse(browser: &Path, url: &str, profile: &str, action: &[String]) -> Run {
    let profile = scratch().join(format!("profile-{profile}"));
    let _ = std::fs::remove_dir_all(&profile);
    let started = Instant::now();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(action)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the browser");
    let stdout_pipe = child.stdout.take().unwrap();
    let stderr_pipe = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout_pipe).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr_pipe).unwrap_or_default());
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser took more than {BROWSER_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = started.elapsed();
    Run {
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        took,
    }
}

fn url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// Loads the page, checks what its scripts did, and takes a screenshot.
/// Returns the time the DOM dump took.
fn check_page(browser: &Path, page: &Path, services: usize, name: &str) -> Duration {
    let run = browse(browser, &url(page), name, &["--dump-dom".to_string()]);
    let dom = &run.stdout;
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish:\n{}",
        run.stderr
    );
    assert!(
        !dom.contains("data-errors="),
        "the page recorded script errors: {}",
        dom.split("data-errors=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
    );
    let console: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        console.is_empty(),
        "the console was not silent:\n{console:#?}"
    );
    assert_eq!(
        dom.matches("<g class=\"service-node").count(),
        services,
        "one map node per service"
    );

    let png = scratch().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    let shot = browse(
        browser,
        &url(page),
        &format!("{name}-shot"),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,1000".to_string(),
        ],
    );
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{}", png.display(), shot.stderr));
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        png.display()
    );
    println!("screenshot: {}", png.display());
    run.took
}

fn service_count(args: &[&str]) -> usize {
    let output = CarveCommand::cargo_bin("carve")
        .unwrap()
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["services"].as_array().map_or(0, Vec::len)
}

#[test]
fn the_shop_report_renders_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let shop = common::fixtures_dir().join("shop");
    let shop = shop.to_string_lossy();
    let page = render("shop", &[&shop]);
    let services = service_count(&[&shop]);
    assert_eq!(services, 6);
    let took = check_page(&browser, &page, services, "shop");
    println!(
        "shop: {} bytes, DOM ready in {:.2} s",
        std::fs::metadata(&page).unwrap().len(),
        took.as_secs_f64()
    );

    // A link to a table opens the service holding it.
    let table = format!("{}#t-0", url(&page));
    let run = browse(&browser, &table, "shop-hash", &["--dump-dom".to_string()]);
    assert!(run.stdout.contains("data-ready=\"1\""));
    let row = run
        .stdout
        .find("<tr id=\"t-0\"")
        .expect("the first table's row");
    let opened = run.stdout[..row]
        .rfind("<details class=\"service\"")
        .unwrap();
    let tag_end = opened + run.stdout[opened..].find('>').unwrap();
    assert!(
        run.stdout[opened..tag_end].contains("open"),
        "{}",
        &run.stdout[opened..tag_end]
    );
}

#[test]
fn a_500_table_report_renders_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let generated = generate_schema::generate(generate_schema::Spec {
        dialect: carve::model::Dialect::Postgres,
        tables: 500,
        foreign_keys: 900,
        files: 1,
        seed: 0x4854_4d4c,
    });
    assert_eq!(generated.files.len(), 1);
    let schema = scratch().join("monolith-500.sql");
    std::fs::write(&schema, &generated.files[0].text).unwrap();
    let schema = schema.to_string_lossy();
    let args = ["--schema", schema.as_ref()];
    let page = render("monolith-500", &args);
    let services = service_count(&args);
    assert!(services >= 2, "{services} services");
    let took = check_page(&browser, &page, services, "monolith-500");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<tr id=\"t-").count(), 500);
    println!(
        "500 tables, {services} services: {} bytes, DOM ready in {:.2} s",
        html.len(),
        took.as_secs_f64()
    );
}
