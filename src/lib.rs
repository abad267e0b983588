//! carve: analyze a monolith's schema and code, plan its services, scaffold them.

pub mod ingest;
pub mod model;
