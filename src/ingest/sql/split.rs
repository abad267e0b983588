//! Dialect-aware statement splitting with recovery.
//!
//! Turns a SQL script into the statements sqlparser should see, one at a
//! time, so that one bad statement never loses the rest of the file.

use crate::model::Dialect;

/// One statement (or, for T-SQL, one `GO` batch that may hold several
/// statements without `;`), borrowed from the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawStatement<'a> {
    /// The statement text without its terminator and without leading
    /// whitespace or comments.
    pub text: &'a str,
    /// Byte offset of `text` in the script.
    pub offset: usize,
    /// 1-based line and column of the statement's first character.
    pub line: u32,
    pub column: u32,
}

/// Something the splitter noticed, such as an unterminated quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitProblem {
    pub line: u32,
    pub column: u32,
    /// Stable kebab-case code, e.g. `sql-unterminated-quote`.
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub statements: Vec<RawStatement<'a>>,
    pub problems: Vec<SplitProblem>,
}

/// Splits `script` into statements. Placeholder until the real splitter lands:
/// splits on `;` only.
pub fn split_statements(script: &str, _dialect: Dialect) -> Split<'_> {
    let mut split = Split::default();
    let mut start = 0;
    for (i, c) in script.char_indices() {
        if c == ';' {
            push(&mut split, script, start, i);
            start = i + 1;
        }
    }
    push(&mut split, script, start, script.len());
    split
}

fn push<'a>(split: &mut Split<'a>, script: &'a str, start: usize, end: usize) {
    let chunk = &script[start..end];
    let trimmed = chunk.trim_start();
    if trimmed.trim().is_empty() {
        return;
    }
    let offset = start + (chunk.len() - trimmed.len());
    let before = &script[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let column = (offset - before.rfind('\n').map_or(0, |p| p + 1)) as u32 + 1;
    split.statements.push(RawStatement { text: trimmed.trim_end(), offset, line, column });
}
