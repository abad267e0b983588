//! Renderers: one per output format, each a pure function of the report data.

pub mod human;
pub mod json;

use crate::ingest::LoadedSchema;

/// What `carve analyze` reports.
pub struct AnalyzeReport<'a> {
    pub loaded: &'a LoadedSchema,
}
