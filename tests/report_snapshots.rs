//! One snapshot per output format of `carve analyze` on the bundled shop:
//! any change to what users see shows up as a reviewed diff.

mod common;

fn analyze(format: &str) -> String {
    common::carve_stdout(
        &common::fixtures_dir().join("shop"),
        &["analyze", ".", "--format", format],
    )
}

#[test]
fn human() {
    insta::assert_snapshot!(analyze("human"));
}

#[test]
fn json() {
    let text = analyze("json");
    // The snapshot is only worth as much as the JSON is valid.
    serde_json::from_str::<serde_json::Value>(&text).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn markdown() {
    insta::assert_snapshot!(analyze("markdown"));
}

#[test]
fn dot() {
    insta::assert_snapshot!(analyze("dot"));
}

#[test]
fn mermaid() {
    insta::assert_snapshot!(analyze("mermaid"));
}
