//! From one split statement to the schema changes it makes, with the
//! diagnostics for what could not be read.
//!
//! Statements are classified by their first words before parsing: those that
//! cannot change a table (data, grants, functions, triggers, views…) are
//! passed over without ever reaching the parser, which keeps large dumps fast
//! and keeps vendor-specific procedural code from raising noise.

use super::change::Change;
use super::dialect::sqlparser_dialect;
use super::from_ast::{changes_of, ident_name};
use super::lenient;
use super::procedural::{self, Guard};
use super::split::{split_statements, RawStatement};
use crate::model::{Diagnostic, Dialect};
use sqlparser::ast::Spanned;
use sqlparser::parser::{Parser, ParserError, ParserOptions};
use sqlparser::tokenizer::{Token, Tokenizer};

/// A change and the 1-based line of the file it comes from.
pub type LocatedChange = (Change, u32);

#[derive(Debug, Default)]
pub struct StatementOutcome {
    pub changes: Vec<LocatedChange>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What a statement's first words say about it.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// May change tables: parse it.
    Schema,
    /// `CREATE SCHEMA name CREATE TABLE …`: parse its elements one by one.
    SchemaWithElements,
    /// `SELECT pg_catalog.set_config('search_path', …)` as pg_dump writes it.
    SetConfigSearchPath,
    /// T-SQL `IF [NOT] EXISTS (…) [BEGIN] CREATE TABLE … [END]`: the body counts.
    Conditional,
    /// Cannot change a table.
    Irrelevant,
}

/// Up to `n` leading words, upper-cased, skipping nothing but whitespace.
fn leading_words(text: &str, n: usize) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

fn classify(text: &str) -> Kind {
    let words = leading_words(text, 8);
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    match word(0) {
        "CREATE" => {
            // Skip modifiers to reach the object kind.
            let mut i = 1;
            while matches!(
                word(i),
                "OR" | "REPLACE"
                    | "GLOBAL"
                    | "LOCAL"
                    | "TEMP"
                    | "TEMPORARY"
                    | "UNLOGGED"
                    | "EXTERNAL"
                    | "IF"
                    | "NOT"
                    | "EXISTS"
            ) {
                i += 1;
            }
            match word(i) {
                "TABLE" => Kind::Schema,
                "SCHEMA" => {
                    if has_schema_elements(text) {
                        Kind::SchemaWithElements
                    } else {
                        Kind::Irrelevant
                    }
                }
                "" => Kind::Schema,
                _ => Kind::Irrelevant,
            }
        }
        "ALTER" => match word(1) {
            "TABLE" => Kind::Schema,
            _ => Kind::Irrelevant,
        },
        "DROP" => match word(1) {
            "TABLE" | "SCHEMA" => Kind::Schema,
            "TEMPORARY" if word(2) == "TABLE" => Kind::Schema,
            _ => Kind::Irrelevant,
        },
        "RENAME" | "USE" => Kind::Schema,
        "SET" => {
            if text.len() < 200 && text.to_ascii_lowercase().contains("search_path") {
                Kind::Schema
            } else {
                Kind::Irrelevant
            }
        }
        "SELECT" => {
            if text.len() < 300
                && text
                    .to_ascii_lowercase()
                    .contains("set_config('search_path'")
            {
                Kind::SetConfigSearchPath
            } else {
                Kind::Irrelevant
            }
        }
        "INSERT"
        | "REPLACE"
        | "UPDATE"
        | "DELETE"
        | "MERGE"
        | "COPY"
        | "GRANT"
        | "REVOKE"
        | "COMMENT"
        | "LOCK"
        | "UNLOCK"
        | "ANALYZE"
        | "ANALYSE"
        | "VACUUM"
        | "CLUSTER"
        | "REINDEX"
        | "BEGIN"
        | "COMMIT"
        | "END"
        | "START"
        | "ROLLBACK"
        | "SAVEPOINT"
        | "RELEASE"
        | "PRAGMA"
        | "DECLARE"
        | "EXEC"
        | "EXECUTE"
        | "PRINT"
        | "WITH"
        | "VALUES"
        | "TRUNCATE"
        | "REFRESH"
        | "NOTIFY"
        | "LISTEN"
        | "DO"
        | "CALL"
        | "SECURITY"
        | "DISCARD"
        | "RESET"
        | "SHOW"
        | "EXPLAIN"
        | "DEALLOCATE"
        | "PREPARE"
        | "CHECKPOINT"
        | "LOAD"
        | "FLUSH"
        | "OPTIMIZE"
        | "REPAIR"
        | "CHECK"
        | "ATTACH"
        | "DETACH"
        | "DBCC"
        | "RAISERROR"
        | "THROW"
        | "WHILE"
        | "RETURN"
        | "IMPORT"
        | "SECURITY LABEL"
        | "ABORT"
        | "FETCH"
        | "CLOSE"
        | "MOVE"
        | "SOURCE"
        | "DELIMITER"
        | "SELECT_INTO"
        | "SP_ADDEXTENDEDPROPERTY" => Kind::Irrelevant,
        "IF" => {
            let upper = text.to_ascii_uppercase();
            if upper.contains("CREATE TABLE")
                || upper.contains("ALTER TABLE")
                || upper.contains("DROP TABLE")
            {
                Kind::Conditional
            } else {
                Kind::Irrelevant
            }
        }
        // Unknown first words are parsed, so typos are reported.
        _ => Kind::Schema,
    }
}

fn parser_options(dialect: Dialect) -> ParserOptions {
    // T-SQL batches separate statements with newlines as often as with `;`.
    ParserOptions {
        require_semicolon_stmt_delimiter: dialect != Dialect::Mssql,
        ..ParserOptions::default()
    }
}

/// Parses one split statement (for T-SQL, one batch) into changes.
pub fn process(raw: &RawStatement<'_>, dialect: Dialect, file: &str) -> StatementOutcome {
    let mut outcome = StatementOutcome::default();
    let first = leading_words(raw.text, 1);
    match (dialect, first.first().map(String::as_str)) {
        (Dialect::Postgres, Some("DO")) if procedural::do_body(raw.text).is_some() => {
            do_block(raw, dialect, file, &mut outcome);
            return outcome;
        }
        (Dialect::Mssql, Some(word)) if word.starts_with("EXEC") => {
            tsql_batch(raw, dialect, file, &mut outcome);
            return outcome;
        }
        _ => {}
    }
    match classify(raw.text) {
        Kind::Irrelevant => {
            if let Some(d) = dynamic_sql_warning(raw, file) {
                outcome.diagnostics.push(d);
            }
        }
        Kind::Conditional => {
            if let Some((line, column, body)) = conditional_body(raw.text, dialect) {
                let at_line = raw.line + line - 1;
                let at_column = if line == 1 {
                    raw.column + column - 1
                } else {
                    column
                };
                let body_offset = body.as_ptr() as usize - raw.text.as_ptr() as usize;
                let head = raw.text[..body_offset].trim_end();
                let head = match head.len().checked_sub(5) {
                    Some(k)
                        if head.is_char_boundary(k) && head[k..].eq_ignore_ascii_case("BEGIN") =>
                    {
                        &head[..k]
                    }
                    _ => head,
                };
                let condition = head.get(2..).unwrap_or("").trim();
                let mut inner = StatementOutcome::default();
                if has_exec_line(body) {
                    let sub = RawStatement {
                        text: body,
                        offset: raw.offset + body_offset,
                        line: at_line,
                        column: at_column,
                    };
                    tsql_batch(&sub, dialect, file, &mut inner);
                } else {
                    parse_into(body, at_line, at_column, dialect, file, &mut inner);
                }
                flag_guarded_tables(&Guard::Condition(condition.to_string()), &mut inner, file);
                outcome.changes.extend(inner.changes);
                outcome.diagnostics.extend(inner.diagnostics);
            }
        }
        Kind::SetConfigSearchPath => {
            if let Some(path) = set_config_search_path(raw.text) {
                outcome
                    .changes
                    .push((Change::SetSearchPath(path), raw.line));
            }
        }
        Kind::SchemaWithElements => schema_with_elements(raw, dialect, file, &mut outcome),
        Kind::Schema => parse_into(raw.text, raw.line, raw.column, dialect, file, &mut outcome),
    }
    outcome
}

/// Parses `text`, starting at `line`/`column` of the file, falling back to
/// the lenient scan when sqlparser rejects it.
fn parse_into(
    text: &str,
    line: u32,
    column: u32,
    dialect: Dialect,
    file: &str,
    outcome: &mut StatementOutcome,
) {
    let sql_dialect = sqlparser_dialect(dialect);
    let parsed = Parser::new(sql_dialect)
        .with_options(parser_options(dialect))
        .try_with_sql(text)
        .and_then(|mut p| p.parse_statements());
    match parsed {
        Ok(statements) => {
            let several = statements.len() > 1;
            for statement in &statements {
                // A span walks the whole tree: only worth it to tell apart
                // several statements of one T-SQL batch.
                let start = if several {
                    statement.span().start.line
                } else {
                    0
                };
                let at = if start == 0 {
                    line
                } else {
                    line + start as u32 - 1
                };
                outcome
                    .changes
                    .extend(changes_of(statement, dialect).into_iter().map(|c| (c, at)));
            }
        }
        Err(error) => {
            if dialect == Dialect::Mssql {
                if let Some(pieces) = tsql_pieces(text) {
                    for (offset_line, piece) in pieces {
                        parse_into(piece, line + offset_line, 1, dialect, file, outcome);
                    }
                    return;
                }
            }
            rejected(text, line, column, &error, dialect, file, outcome);
        }
    }
}

/// Reports a statement sqlparser rejected and recovers what the lenient
/// scan can.
fn rejected(
    text: &str,
    line: u32,
    column: u32,
    error: &ParserError,
    dialect: Dialect,
    file: &str,
    outcome: &mut StatementOutcome,
) {
    let (message, error_line, error_column) = describe_parser_error(error);
    let recovered = lenient::recover(text, sqlparser_dialect(dialect));
    if recovered.is_empty() && only_adds_defaults_or_checks(text) {
        // T-SQL `ADD CONSTRAINT df DEFAULT … FOR col` and friends: valid,
        // unknown to sqlparser, and irrelevant to tables and keys.
        return;
    }
    let first_words: String = text
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    let recovered_tables: Vec<String> = recovered
        .iter()
        .filter_map(|(c, _)| match c {
            Change::CreateTable(spec) => Some(spec.name.parts.join(".")),
            _ => None,
        })
        .collect();
    let (at_line, at_column) = match error_line {
        Some(l) if l > 1 => (line + l - 1, error_column.unwrap_or(1)),
        Some(_) => (line, column + error_column.unwrap_or(1) - 1),
        None => (line, column),
    };
    let mut diagnostic = Diagnostic::warning(
        "sql-unparsed",
        format!("could not parse statement `{first_words} …` (statement starts on line {line}): {message}"),
    )
    .at(file, at_line, at_column);
    diagnostic = if recovered_tables.is_empty() && recovered.is_empty() {
        diagnostic.with_help(
            "the statement was skipped; if it defines a table, check its syntax or pass --dialect",
        )
    } else if recovered_tables.is_empty() {
        diagnostic.with_help("its constraints were recovered by a lenient scan; check them")
    } else {
        diagnostic.with_help(format!(
            "recovered table {} by a lenient scan; check its columns and keys",
            recovered_tables.join(", ")
        ))
    };
    outcome.diagnostics.push(diagnostic);
    outcome
        .changes
        .extend(recovered.into_iter().map(|(c, l)| (c, line + l - 1)));
}

/// `ALTER TABLE t [WITH [NO]CHECK] ADD [CONSTRAINT c] DEFAULT|CHECK …` or
/// `ALTER TABLE t [NO]CHECK CONSTRAINT c`: nothing carve models changes.
fn only_adds_defaults_or_checks(text: &str) -> bool {
    let words = leading_words(text, 10);
    if words.first().map(String::as_str) != Some("ALTER")
        || words.get(1).map(String::as_str) != Some("TABLE")
    {
        return false;
    }
    let mut i = 3;
    if words.get(i).map(String::as_str) == Some("WITH") {
        i += 2;
    }
    match words.get(i).map(String::as_str) {
        Some("CHECK" | "NOCHECK") => words.get(i + 1).map(String::as_str) == Some("CONSTRAINT"),
        Some("ADD") => {
            let mut j = i + 1;
            if words.get(j).map(String::as_str) == Some("CONSTRAINT") {
                j += 2;
            }
            matches!(words.get(j).map(String::as_str), Some("DEFAULT" | "CHECK"))
        }
        _ => false,
    }
}

/// sqlparser's message without its location suffix, plus that location.
fn describe_parser_error(error: &ParserError) -> (String, Option<u32>, Option<u32>) {
    let text = match error {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => "the statement nests too deeply".to_string(),
    };
    match text.rfind(" at Line: ") {
        Some(pos) => {
            let location = &text[pos + " at Line: ".len()..];
            let mut parts = location.split(", Column: ");
            let line = parts.next().and_then(|l| l.trim().parse().ok());
            let column = parts.next().and_then(|c| c.trim().parse().ok());
            (text[..pos].to_string(), line, column)
        }
        None => (text, None, None),
    }
}

/// Splits a T-SQL batch that failed as a whole at lines that begin a new
/// statement, so one unknown statement does not hide its neighbours.
fn tsql_pieces(text: &str) -> Option<Vec<(u32, &str)>> {
    tsql_pieces_at(text, false)
}

/// Like `tsql_pieces`, `indented` also splitting at indented lines.
fn tsql_pieces_at(text: &str, indented: bool) -> Option<Vec<(u32, &str)>> {
    const STARTERS: &[&str] = &[
        "CREATE ", "ALTER ", "DROP ", "INSERT ", "SET ", "USE ", "EXEC ", "GRANT ", "PRINT ", "IF ",
    ];
    let mut starts = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let stripped = if indented { line.trim_start() } else { line };
        let upper = stripped.get(..16).unwrap_or(stripped).to_ascii_uppercase();
        if i > 0 && STARTERS.iter().any(|s| upper.starts_with(s)) {
            starts.push((i as u32, offset));
        }
        offset += line.len();
    }
    if starts.is_empty() {
        return None;
    }
    let mut pieces = Vec::with_capacity(starts.len() + 1);
    let mut previous = (0u32, 0usize);
    for start in starts {
        pieces.push((previous.0, text[previous.1..start.1].trim_end()));
        previous = start;
    }
    pieces.push((previous.0, text[previous.1..].trim_end()));
    Some(pieces)
}

/// Whether a line of `text` starts with T-SQL's `EXEC`.
fn has_exec_line(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("EXEC"))
    })
}

/// The position in the file of the text at byte `offset` of `raw.text`.
fn position_in(raw: &RawStatement<'_>, offset: usize) -> (u32, u32) {
    let before = &raw.text[..offset];
    match before.rfind('\n') {
        Some(nl) => (
            raw.line + before.matches('\n').count() as u32,
            before[nl + 1..].chars().count() as u32 + 1,
        ),
        None => (raw.line, raw.column + before.chars().count() as u32),
    }
}

/// The part of `raw.text` at `offset`, located in the file.
fn sub_statement<'a>(raw: &RawStatement<'_>, text: &'a str, offset: usize) -> RawStatement<'a> {
    let (line, column) = position_in(raw, offset);
    RawStatement {
        text,
        offset: raw.offset + offset,
        line,
        column,
    }
}

/// Replays `sql`, the content of a string literal starting at byte
/// `content_offset` of `raw.text`, as statements of the file.
fn replay_literal(
    raw: &RawStatement<'_>,
    content_offset: usize,
    sql: &str,
    dialect: Dialect,
    file: &str,
    outcome: &mut StatementOutcome,
) {
    let (line, column) = position_in(raw, content_offset);
    for statement in split_statements(sql, dialect).statements {
        let inner = RawStatement {
            text: statement.text,
            offset: raw.offset + content_offset + statement.offset,
            line: line + statement.line - 1,
            column: if statement.line == 1 {
                column + statement.column - 1
            } else {
                statement.column
            },
        };
        let replayed = process(&inner, dialect, file);
        outcome.changes.extend(replayed.changes);
        outcome.diagnostics.extend(replayed.diagnostics);
    }
}

/// Whether `text` seems to change tables.
fn mentions_table_change(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    [
        "ALTER TABLE",
        "DROP TABLE",
        "CREATE TABLE",
        "RENAME TABLE",
        "DROP FOREIGN KEY",
        "DROP CONSTRAINT",
    ]
    .iter()
    .any(|k| upper.contains(k))
}

fn dynamic_diagnostic(file: &str, line: u32, column: u32) -> Diagnostic {
    Diagnostic::warning(
        "sql-dynamic",
        "dynamic SQL that seems to change tables is not replayed",
    )
    .at(file, line, column)
    .with_help("check the tables it touches by hand, or compare with --database-url")
}

/// A PostgreSQL `DO` block: the statements its PL/pgSQL body runs at
/// migration time are replayed, `EXECUTE` of a plain literal as that SQL.
fn do_block(raw: &RawStatement<'_>, dialect: Dialect, file: &str, outcome: &mut StatementOutcome) {
    let Some((body_offset, body)) = procedural::do_body(raw.text) else {
        return;
    };
    let mut dynamic_reported = false;
    for piece in procedural::plpgsql_statements(body) {
        let sub = sub_statement(raw, piece.text, body_offset + piece.offset);
        let mut inner = StatementOutcome::default();
        let first = leading_words(piece.text, 1);
        match first.first().map(String::as_str) {
            Some("EXECUTE") => match procedural::execute_literal(piece.text) {
                Some((content_offset, sql)) => {
                    replay_literal(&sub, content_offset, &sql, dialect, file, &mut inner)
                }
                None => {
                    if !dynamic_reported && mentions_table_change(body) {
                        dynamic_reported = true;
                        inner
                            .diagnostics
                            .push(dynamic_diagnostic(file, sub.line, sub.column));
                    }
                }
            },
            Some("CREATE" | "ALTER" | "DROP" | "SET" | "DO") => {
                inner = process(&sub, dialect, file);
            }
            _ => {}
        }
        flag_guarded_tables(&piece.guard, &mut inner, file);
        outcome.changes.extend(inner.changes);
        outcome.diagnostics.extend(inner.diagnostics);
    }
}

/// A T-SQL batch of `EXEC` statements and others: `EXEC('…')` and
/// `EXEC sp_executesql N'…'` with a literal are replayed as that SQL.
fn tsql_batch(
    raw: &RawStatement<'_>,
    dialect: Dialect,
    file: &str,
    outcome: &mut StatementOutcome,
) {
    let pieces = tsql_pieces_at(raw.text, true).unwrap_or_else(|| vec![(0, raw.text)]);
    for (_, piece) in pieces {
        let piece = piece.trim_start();
        let offset = piece.as_ptr() as usize - raw.text.as_ptr() as usize;
        let sub = sub_statement(raw, piece, offset);
        let first = leading_words(piece, 1);
        if first.first().is_some_and(|w| w.starts_with("EXEC")) {
            match procedural::execute_literal(piece) {
                Some((content_offset, sql)) => {
                    replay_literal(&sub, content_offset, &sql, dialect, file, outcome)
                }
                None => {
                    if mentions_table_change(piece) && piece.contains('\'') {
                        outcome
                            .diagnostics
                            .push(dynamic_diagnostic(file, sub.line, sub.column));
                    }
                }
            }
        } else if !piece.is_empty() {
            let inner = process(&sub, dialect, file);
            outcome.changes.extend(inner.changes);
            outcome.diagnostics.extend(inner.diagnostics);
        }
    }
}

/// Tables created where they may not always be: inside a block whose
/// failure is swallowed, or under a condition other than their own absence.
fn flag_guarded_tables(guard: &Guard, outcome: &mut StatementOutcome, file: &str) {
    for (change, line) in &outcome.changes {
        let Change::CreateTable(spec) = change else {
            continue;
        };
        let name = spec.name.parts.join(".");
        let why = match guard {
            Guard::Always => continue,
            Guard::Handler => {
                "inside a block with an EXCEPTION handler, which swallows its failure".to_string()
            }
            Guard::Condition(condition) => {
                if procedural::tests_absence_of(condition, spec.name.object()) {
                    continue;
                }
                if condition.is_empty() {
                    "inside a loop".to_string()
                } else {
                    let short: String = condition.split_whitespace().collect::<Vec<_>>().join(" ");
                    let short: String = short.chars().take(80).collect();
                    format!("only when `{short}`")
                }
            }
        };
        outcome.diagnostics.push(
            Diagnostic::info(
                "sql-conditional-table",
                format!("table {name} is created {why}; it may not exist on every server"),
            )
            .at(file, *line, 1)
            .with_help(
                "check that it exists where the code expects it, or compare with --database-url",
            ),
        );
    }
}

/// Dynamic SQL (`SET @s = 'ALTER TABLE …'; PREPARE …; EXECUTE …`, T-SQL
/// `EXEC('…')`) cannot be replayed; say so when it seems to change tables,
/// since the schema may then differ from the database's.
fn dynamic_sql_warning(raw: &RawStatement<'_>, file: &str) -> Option<Diagnostic> {
    let first = leading_words(raw.text, 1);
    if !matches!(
        first.first().map(String::as_str),
        Some("SET" | "PREPARE" | "EXECUTE" | "EXEC" | "DO")
    ) {
        return None;
    }
    let upper = raw.text.to_ascii_uppercase();
    if !mentions_table_change(raw.text) || !(upper.contains('\'') || upper.starts_with("DO")) {
        return None;
    }
    Some(
        Diagnostic::warning(
            "sql-dynamic",
            "dynamic SQL that seems to change tables is not replayed",
        )
        .at(file, raw.line, raw.column)
        .with_help("check the tables it touches by hand, or compare with --database-url"),
    )
}

/// The body of `IF cond [BEGIN] body [END]`: from the first statement
/// keyword outside the condition's parentheses, without a closing `END`.
/// Returns its line and column within `text`.
fn conditional_body(text: &str, dialect: Dialect) -> Option<(u32, u32, &str)> {
    let tokens = Tokenizer::new(sqlparser_dialect(dialect), text)
        .tokenize_with_location()
        .ok()?;
    let offsets = LineOffsets::new(text);
    let mut depth = 0i32;
    let mut start = None;
    let mut saw_begin = false;
    let mut last_end = None;
    for t in tokens.iter().skip(1) {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Word(w) if depth == 0 && w.quote_style.is_none() => {
                let word = w.value.to_ascii_uppercase();
                if start.is_none() {
                    if word == "BEGIN" {
                        saw_begin = true;
                    } else if matches!(
                        word.as_str(),
                        "CREATE" | "ALTER" | "DROP" | "EXEC" | "EXECUTE"
                    ) {
                        start = Some((
                            t.span.start.line as u32,
                            t.span.start.column as u32,
                            offsets.byte(t.span.start.line, t.span.start.column),
                        ));
                    }
                } else if word == "END" {
                    last_end = Some(offsets.byte(t.span.start.line, t.span.start.column));
                }
            }
            _ => {}
        }
    }
    let (line, column, from) = start?;
    let to = if saw_begin {
        last_end.unwrap_or(text.len())
    } else {
        text.len()
    };
    Some((line, column, text.get(from..to)?.trim_end()))
}

/// Byte offsets of the tokenizer's 1-based line/column locations.
struct LineOffsets<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineOffsets<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineOffsets { text, starts }
    }

    fn byte(&self, line: u64, column: u64) -> usize {
        let start = self
            .starts
            .get(line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(self.text.len());
        let rest = &self.text[start..];
        start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1) as usize)
                .map_or(rest.len(), |(i, _)| i)
    }
}

/// Whether a `CREATE SCHEMA` statement carries elements (`CREATE TABLE …`).
fn has_schema_elements(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.matches("CREATE").count() > 1
}

/// `CREATE SCHEMA s CREATE TABLE a (…) CREATE TABLE b (…)`: each element is
/// parsed on its own with `s` first in the search path, as PostgreSQL does.
fn schema_with_elements(
    raw: &RawStatement<'_>,
    dialect: Dialect,
    file: &str,
    outcome: &mut StatementOutcome,
) {
    let sql_dialect = sqlparser_dialect(dialect);
    let Ok(tokens) = Tokenizer::new(sql_dialect, raw.text).tokenize_with_location() else {
        parse_into(raw.text, raw.line, raw.column, dialect, file, outcome);
        return;
    };
    let offsets = LineOffsets::new(raw.text);
    let byte_offset = |line: u64, column: u64| offsets.byte(line, column);
    let mut depth = 0i32;
    let mut element_starts = Vec::new();
    let mut schema_name = None;
    let words: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    for (i, t) in words.iter().enumerate() {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Word(w)
                if depth == 0
                    && w.quote_style.is_none()
                    && w.value.eq_ignore_ascii_case("CREATE")
                    && i > 0 =>
            {
                element_starts.push((
                    t.span.start.line,
                    byte_offset(t.span.start.line, t.span.start.column),
                ));
            }
            Token::Word(w) if i == 2 => {
                // `CREATE SCHEMA <name>`; `AUTHORIZATION x` alone names the schema after the role.
                schema_name = Some(ident_name(
                    &sqlparser::ast::Ident {
                        value: w.value.clone(),
                        quote_style: w.quote_style,
                        span: t.span,
                    },
                    dialect,
                ));
            }
            _ => {}
        }
    }
    let Some(schema) = schema_name else {
        return;
    };
    outcome.changes.push((Change::PushSchema(schema), raw.line));
    for (k, (element_line, start)) in element_starts.iter().enumerate() {
        let end = element_starts
            .get(k + 1)
            .map_or(raw.text.len(), |(_, e)| *e);
        let element = raw.text[*start..end].trim_end();
        parse_into(
            element,
            raw.line + *element_line as u32 - 1,
            1,
            dialect,
            file,
            outcome,
        );
    }
    outcome.changes.push((Change::PopSchema, raw.line));
}

/// The schemas of `SELECT pg_catalog.set_config('search_path', 'a, b', false)`.
fn set_config_search_path(text: &str) -> Option<Vec<String>> {
    let start = text.find("'search_path'")? + "'search_path'".len();
    let rest = &text[start..];
    let open = rest.find('\'')?;
    let value = &rest[open + 1..];
    let close = value.find('\'')?;
    Some(
        value[..close]
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, dialect: Dialect) -> StatementOutcome {
        let raw = RawStatement {
            text,
            offset: 0,
            line: 10,
            column: 1,
        };
        process(&raw, dialect, "f.sql")
    }

    #[test]
    fn irrelevant_statements_are_not_parsed() {
        for text in [
            "INSERT INTO a VALUES (1",
            "GRANT ALL ON a TO b",
            "CREATE FUNCTION f() garbage",
            "COMMENT ON TABLE a IS 'x'",
        ] {
            let out = run(text, Dialect::Postgres);
            assert!(
                out.changes.is_empty() && out.diagnostics.is_empty(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_rejected_create_table_is_recovered_with_a_diagnostic() {
        let out = run("CREATE TABLE t (\n id int PRIMARY KEY,\n other_id int REFERENCES other(id)\n) WEIRD VENDOR CLAUSE", Dialect::Postgres);
        assert_eq!(out.diagnostics.len(), 1);
        let d = &out.diagnostics[0];
        assert_eq!(d.code, "sql-unparsed");
        assert_eq!(d.file.as_deref(), Some("f.sql"));
        assert!(d.line.unwrap() >= 10);
        assert!(d.help.as_deref().unwrap().contains("recovered table t"));
        let Change::CreateTable(spec) = &out.changes[0].0 else {
            panic!()
        };
        assert_eq!(spec.columns.len(), 2);
        assert!(spec.columns[1].references.is_some());
    }

    #[test]
    fn schema_elements_are_created_inside_the_schema() {
        let out = run(
            "CREATE SCHEMA Person\n  CREATE TABLE A (id int)\n  CREATE TABLE B (id int)",
            Dialect::Postgres,
        );
        assert_eq!(
            out.changes.first().map(|c| &c.0),
            Some(&Change::PushSchema("person".into()))
        );
        assert_eq!(
            out.changes
                .iter()
                .filter(|c| matches!(c.0, Change::CreateTable(_)))
                .count(),
            2
        );
        assert_eq!(out.changes[1].1, 11);
        assert_eq!(out.changes[2].1, 12);
    }

    #[test]
    fn pg_dump_search_path_is_read() {
        assert_eq!(
            set_config_search_path("SELECT pg_catalog.set_config('search_path', '', false)"),
            Some(vec![])
        );
        assert_eq!(
            set_config_search_path(
                "SELECT pg_catalog.set_config('search_path', 'sales, public', false)"
            ),
            Some(vec!["sales".to_string(), "public".to_string()])
        );
    }
}
