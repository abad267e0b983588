//! The generated services' shared dependencies, pinned to exact versions so
//! every service (and every scaffold run) builds against the same crates.

use serde_json::{json, Value};

/// `(crate, TOML value)` for `[workspace.dependencies]`, sorted by name.
pub const WORKSPACE_DEPENDENCIES: &[(&str, &str)] = &[
    ("axum", r#"{ version = "=0.8.9" }"#),
    (
        "chrono",
        r#"{ version = "=0.4.45", default-features = false, features = ["clock", "serde", "std"] }"#,
    ),
    (
        "rdkafka",
        r#"{ version = "=0.39.0", default-features = false, features = ["libz", "tokio"] }"#,
    ),
    (
        "rust_decimal",
        r#"{ version = "=1.43.0", default-features = false, features = ["serde", "std"] }"#,
    ),
    (
        "serde",
        r#"{ version = "=1.0.229", features = ["derive"] }"#,
    ),
    ("serde_json", r#"{ version = "=1.0.154" }"#),
    (
        "sqlx",
        r#"{ version = "=0.8.6", default-features = false, features = ["chrono", "derive", "json", "postgres", "runtime-tokio", "rust_decimal", "tls-none", "uuid"] }"#,
    ),
    (
        "tokio",
        r#"{ version = "=1.54.1", features = ["macros", "net", "rt-multi-thread", "signal", "sync", "time"] }"#,
    ),
    ("tracing", r#"{ version = "=0.1.44" }"#),
    (
        "tracing-subscriber",
        r#"{ version = "=0.3.23", features = ["env-filter", "fmt"] }"#,
    ),
    (
        "uuid",
        r#"{ version = "=1.29.3", features = ["serde", "v4"] }"#,
    ),
];

/// The dependencies as template data: `[{name, value}]`.
pub fn dependencies_data() -> Value {
    Value::Array(
        WORKSPACE_DEPENDENCIES
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect(),
    )
}
