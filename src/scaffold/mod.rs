//! Scaffolding: from a plan (or one ad-hoc service) to the files the first
//! strangler-fig steps need. `spec` resolves names once; each artifact kind
//! has its own emitter returning `GeneratedFile`s; `render_all` gathers them
//! and the writer puts them under `--out` without clobbering.

pub mod asyncapi;
pub mod cdc_prerequisites;
pub mod compose;
pub mod connectors;
pub mod event_schemas;
pub mod runbooks;
pub mod service;
pub mod spec;
pub mod sql_type;
pub mod templates;
pub mod topics;
pub mod type_mapping;
pub mod writer;

use spec::{GeneratedFile, ScaffoldSpec, SpecError};
use templates::{TemplateError, Templates};

/// Why scaffold could not produce its files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaffoldError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Service(#[from] service::ServiceError),
    #[error(
        "two artifacts want the same file `{0}`; rename a service or table so their names differ"
    )]
    Duplicate(String),
}

/// Every artifact of `spec`, sorted by path.
pub fn render_all(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ScaffoldError> {
    let mut files = Vec::new();
    files.extend(topics::render(spec, templates)?);
    files.extend(event_schemas::render(spec));
    files.extend(connectors::render(spec));
    files.extend(cdc_prerequisites::render(spec, templates)?);
    files.extend(asyncapi::render(spec, templates)?);
    files.extend(compose::render(spec, templates)?);
    files.extend(runbooks::render(spec, templates)?);
    files.extend(service::render_all(spec, templates)?);
    sorted_unique(files)
}

/// Sorts by path; the same path twice is an error, whatever the contents.
fn sorted_unique(mut files: Vec<GeneratedFile>) -> Result<Vec<GeneratedFile>, ScaffoldError> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(ScaffoldError::Duplicate(pair[0].path.clone()));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_paths_are_rejected() {
        let file = |p: &str| GeneratedFile {
            path: p.into(),
            contents: String::new(),
        };
        let sorted = sorted_unique(vec![file("b"), file("a")]).unwrap();
        assert_eq!(sorted[0].path, "a");
        assert_eq!(
            sorted_unique(vec![file("a"), file("a")]),
            Err(ScaffoldError::Duplicate("a".into()))
        );
    }
}
