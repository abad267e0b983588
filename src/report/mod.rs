//! Renderers: one per output format, each a pure function of the report data.

mod cycles;
pub mod dot;
pub mod html;
pub mod human;
pub mod json;
mod layout;
pub mod markdown;
pub mod mermaid;

use crate::ingest::LoadedSchema;
use crate::model::{Agreement, Codebase, Proposal};

/// What `carve analyze` reports: the schema always; the code and the
/// proposal when analysis ran; the agreement with `--truth`.
pub struct AnalyzeReport<'a> {
    pub loaded: &'a LoadedSchema,
    pub codebase: Option<&'a Codebase>,
    pub proposal: Option<&'a Proposal>,
    pub agreement: Option<&'a Agreement>,
    /// The signals the proposal used, for the record (`fk,inferred-fk,…`).
    pub signals: Option<String>,
}

/// A name safe to use as a Mermaid or DOT identifier.
pub(crate) fn graph_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
