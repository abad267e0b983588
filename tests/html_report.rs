//! `carve analyze --format html`: one self-contained, deterministic page
//! with one map node per service, every name escaped.

mod common;

use serde_json::Value;

fn analyze(args: &[&str]) -> String {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    common::carve_stdout(&common::fixtures_dir(), &all)
}

fn shop() -> String {
    common::fixtures_dir()
        .join("shop")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_shop_report_is_the_same_bytes_every_time() {
    let first = analyze(&[&shop(), "--format", "html"]);
    let second = analyze(&[&shop(), "--format", "html"]);
    assert!(first == second, "two runs rendered different pages");
    assert!(first.starts_with("<!DOCTYPE html>"));
    assert!(first.trim_end().ends_with("</html>"));
}

#[test]
fn the_map_has_one_node_per_service_and_the_page_every_section() {
    let html = analyze(&[&shop(), "--format", "html"]);
    let json: Value = serde_json::from_str(&analyze(&[&shop(), "--format", "json"])).unwrap();
    let services: Vec<&str> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(services.len(), 6);
    assert_eq!(
        html.matches("<g class=\"service-node").count(),
        services.len()
    );
    for name in &services {
        assert_eq!(
            html.matches(&format!("data-service=\"{name}\"")).count(),
            1,
            "{name}"
        );
    }
    // The cycle among customers, orders and payments: three outlined
    // nodes and the two cut links, dashed.
    assert_eq!(html.matches("service-node in-cycle").count(), 3);
    assert_eq!(html.matches("class=\"edge cut").count(), 2);
    for section in [
        "id=\"map\"",
        "id=\"order\"",
        "id=\"services\"",
        "id=\"metrics\"",
        "id=\"tables\"",
        "id=\"diagnostics\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    // Every table has its row, and foreign keys link to their targets.
    assert_eq!(html.matches("<tr id=\"t-").count(), 16);
    assert!(html.contains("href=\"#t-"));
}

#[test]
fn the_page_needs_nothing_from_the_network() {
    let html = analyze(&[&shop(), "--format", "html"]);
    for external in ["http://", "https://", "src=", "@import", "url(http"] {
        let hits: Vec<_> = html
            .match_indices(external)
            .filter(|(i, _)| {
                // The SVG namespace is a name, not a request.
                !html[..*i].ends_with("xmlns=\"")
            })
            .collect();
        assert!(hits.is_empty(), "{external} in the page");
    }
}

#[test]
fn the_agreement_shows_with_truth() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.csv");
    std::fs::write(&truth, "table,group\nproducts,catalog\norders,orders\n").unwrap();
    let html = analyze(&[
        &shop(),
        "--format",
        "html",
        "--truth",
        &truth.to_string_lossy(),
    ]);
    assert!(html.contains("id=\"agreement\""));
    assert!(html.contains("MoJoFM"));
}

#[test]
fn names_with_markup_are_escaped_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE \"<script>alert('x')</script>\" (id int PRIMARY KEY);\n\
         CREATE TABLE \"a&b\" (id int PRIMARY KEY, s int REFERENCES \"<script>alert('x')</script>\"(id));\n\
         CREATE TABLE \"q\"\"uote\" (id int PRIMARY KEY, a int REFERENCES \"a&b\"(id));\n",
    )
    .unwrap();
    let html = analyze(&["--schema", &schema.to_string_lossy(), "--format", "html"]);
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("</script>\""));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("a&amp;b"));
    assert!(html.contains("q&quot;uote"));
    // The embedded index keeps the names, with `<` escaped for the script.
    let start = html.find("id=\"carve-data\">").unwrap() + "id=\"carve-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&html[start..end]).unwrap();
    let names: Vec<&str> = data["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[0].as_str().unwrap())
        .collect();
    assert!(names.contains(&"<script>alert('x')</script>"));
    assert!(names.contains(&"q\"uote"));
    // Only the page's own three scripts.
    assert_eq!(html.matches("<script").count(), 3);
}

#[test]
fn a_schema_only_report_lists_the_tables_without_a_map() {
    let html = analyze(&[&shop(), "--schema-only", "--format", "html"]);
    assert!(html.contains("No proposal"));
    assert_eq!(html.matches("<g class=\"service-node").count(), 0);
    assert_eq!(html.matches("<tr id=\"t-").count(), 16);
}
