//! sqlx and other drivers that take SQL text: the `query!` family of
//! macros, `sqlx::query(…)`-style functions, and methods such as
//! `execute("…")` that run SQL passed as a literal.

/// Macros whose SQL is their first string literal (`query_file!` reads a
/// file and is out of scope).
pub const QUERY_MACROS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
];

/// Functions taking SQL text: sqlx's, diesel's `sql_query`, SeaORM's
/// `Statement::from_string`.
pub const QUERY_FNS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
    "sql_query",
    "from_string",
    "from_sql_and_values",
];

/// Methods of database clients taking SQL text (postgres, rusqlite,
/// tokio-postgres, SeaORM connections, sqlx executors).
pub const QUERY_METHODS: &[&str] = &[
    "execute",
    "query",
    "query_one",
    "query_opt",
    "query_row",
    "query_map",
    "query_raw",
    "prepare",
    "prepare_cached",
    "batch_execute",
    "simple_query",
    "execute_unprepared",
    "execute_batch",
];
