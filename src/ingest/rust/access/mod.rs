//! Recognizing table access in Rust code, one file per way of querying:
//! diesel's DSL and models, sqlx, SeaORM entities, and SQL text in strings.

pub mod diesel;
pub mod seaorm;
pub mod sql_strings;
pub mod sqlx;
