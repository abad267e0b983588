//! Reading `carve.toml`: TOML errors and plan errors both come back with
//! the file, line and column to fix.

use super::model::Plan;
use std::ops::Range;
use std::path::Path;

/// A problem in a plan file, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PlanError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() as u32 + 1;
    (line, column)
}

/// A plan and the text it was read from (for locating later problems).
#[derive(Debug, Clone)]
pub struct LoadedPlan {
    pub plan: Plan,
    pub text: String,
    pub file: String,
}

impl LoadedPlan {
    /// An error at `span` of this plan's text.
    pub fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> PlanError {
        let (line, column) = line_column(&self.text, span.start);
        PlanError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// Parses plan text; `file` is the name to show.
pub fn parse_plan(text: &str, file: &str) -> Result<LoadedPlan, PlanError> {
    match toml::from_str::<Plan>(text) {
        Ok(plan) => Ok(LoadedPlan {
            plan,
            text: text.to_string(),
            file: file.to_string(),
        }),
        Err(error) => {
            let (line, column) = error.span().map_or((1, 1), |s| line_column(text, s.start));
            Err(PlanError {
                file: file.to_string(),
                line,
                column,
                message: error.message().trim().to_string(),
            })
        }
    }
}

/// Reads and parses a plan file.
pub fn load_plan(path: &Path) -> Result<LoadedPlan, PlanError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| PlanError {
        file: file.clone(),
        line: 1,
        column: 1,
        message: format!("cannot read the plan: {e}"),
    })?;
    parse_plan(&text, &file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_is_located() {
        let error = parse_plan(
            "format_version = 1\n[monolith\nname = \"x\"\n",
            "carve.toml",
        )
        .unwrap_err();
        assert_eq!((error.line, error.column), (2, 10));
    }

    #[test]
    fn an_unknown_key_is_located() {
        let text =
            "format_version = 1\n[monolith]\nname = \"x\"\ndialect = \"postgres\"\ncolour = 1\n";
        let error = parse_plan(text, "carve.toml").unwrap_err();
        assert_eq!(error.line, 5);
        assert!(error.message.contains("colour"), "{}", error.message);
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
    }
}
