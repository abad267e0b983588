//! Scaffolding: from a plan (or one ad-hoc service) to the files the first
//! strangler-fig steps need. `spec` resolves names once; each artifact kind
//! has its own emitter returning `GeneratedFile`s; a writer puts them under
//! `--out` without clobbering.

pub mod service;
pub mod spec;
pub mod templates;
