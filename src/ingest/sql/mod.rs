//! SQL schema ingestion: splitting scripts, replaying DDL into a schema.

pub mod split;
