//! The handlebars templates scaffold renders: embedded at build time (see
//! `build.rs`), each overridable by a file of the same name under
//! `--templates DIR`. Strict mode: a variable a template names but the data
//! lacks is an error naming the template and its line, never an empty string.

use handlebars::Handlebars;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/embedded_templates.rs"));

/// A template that could not be loaded or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{location}: {message}")]
pub struct TemplateError {
    /// The template's file: `templates/NAME.hbs` (embedded) or the override's path.
    pub origin: String,
    /// `:line:column` when known, else empty.
    pub location: String,
    pub message: String,
}

/// The registry: every embedded template, with the user's overrides in place.
pub struct Templates {
    registry: Handlebars<'static>,
    /// Where each template came from, for error messages.
    origins: Vec<(String, String)>,
}

impl Templates {
    /// The embedded templates, each replaced by `DIR/NAME.hbs` when
    /// `overrides` names a directory holding one.
    pub fn load(overrides: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        // Generated files are code and config, not HTML.
        registry.register_escape_fn(handlebars::no_escape);
        let mut origins = Vec::new();
        for (name, embedded) in EMBEDDED_TEMPLATES {
            let override_path: Option<PathBuf> = overrides
                .map(|dir| dir.join(format!("{name}.hbs")))
                .filter(|p| p.is_file());
            let (origin, text) = match &override_path {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
                        origin: path.display().to_string(),
                        location: String::new(),
                        message: format!("cannot read the template override: {e}"),
                    })?;
                    (path.display().to_string(), text)
                }
                None => (format!("templates/{name}.hbs"), (*embedded).to_string()),
            };
            registry
                .register_template_string(name, text)
                .map_err(|e| TemplateError {
                    origin: origin.clone(),
                    location: e.pos().map_or(String::new(), |(l, c)| format!(":{l}:{c}")),
                    message: e.reason().to_string(),
                })?;
            origins.push((name.to_string(), origin));
        }
        Ok(Templates { registry, origins })
    }

    /// The names of all templates, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.origins.iter().map(|(name, _)| name.as_str())
    }

    /// Renders template `name` with `data`.
    pub fn render(&self, name: &str, data: &serde_json::Value) -> Result<String, TemplateError> {
        let origin = self
            .origins
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| format!("templates/{name}.hbs"));
        self.registry.render(name, data).map_err(|e| TemplateError {
            origin,
            location: match (e.line_no, e.column_no) {
                (Some(l), Some(c)) => format!(":{l}:{c}"),
                (Some(l), None) => format!(":{l}"),
                _ => String::new(),
            },
            message: e.reason().to_string(),
        })
    }
}
