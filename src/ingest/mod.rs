//! Everything that reads the monolith: SQL files, migration folders, live
//! databases, diesel `schema.rs`.

pub mod live;
pub mod sql;
