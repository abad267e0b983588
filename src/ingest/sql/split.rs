//! Dialect-aware statement splitting with recovery.
//!
//! Turns a SQL script into the statements sqlparser should see, one at a
//! time, so that one bad statement never loses the rest of the file.
//!
//! The splitter is a single forward pass over the script's bytes. Every
//! delimiter it cares about (quotes, comment markers, `;`, `$`, newlines) is
//! ASCII, so the byte positions where it cuts are always `char` boundaries
//! and multi-byte UTF-8 inside names and strings passes through untouched.
//! Line and column numbers are computed lazily by a cursor that only moves
//! forward, which keeps huge scripts (and huge single lines) linear.

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

/// A quote, backtick or bracket that never closes.
pub const UNTERMINATED_QUOTE: &str = "sql-unterminated-quote";
/// A `/* … */` comment that never closes.
pub const UNTERMINATED_COMMENT: &str = "sql-unterminated-comment";
/// A PostgreSQL `$tag$ … $tag$` string that never closes.
pub const UNTERMINATED_DOLLAR_QUOTE: &str = "sql-unterminated-dollar-quote";
/// `COPY … FROM stdin` data without its closing `\.` line.
pub const UNTERMINATED_COPY: &str = "sql-unterminated-copy";
/// A `BEGIN` or `CASE` whose `END` never comes, so `;` inside it never split.
pub const UNCLOSED_BLOCK: &str = "sql-unclosed-block";

/// Splits `script` into statements.
///
/// See the module documentation for the overall approach; the rules per
/// construct are documented on the methods that implement them.
pub fn split_statements(script: &str, dialect: Dialect) -> Split<'_> {
    Splitter::new(script, dialect).run()
}

/// The 1-based line and column (counted in characters) of byte `offset` in
/// `script`. A leading byte-order mark is not counted, matching the
/// positions [`split_statements`] reports. Offsets past the end are clamped.
pub fn line_col(script: &str, offset: usize) -> (u32, u32) {
    let base = bom_len(script);
    let mut cursor = LineCursor::new(base);
    cursor.at(script.as_bytes(), base, offset.max(base).min(script.len()))
}

fn bom_len(script: &str) -> usize {
    if script.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    }
}

/// Words after `BEGIN` that make it a transaction start (or, for the last
/// group, show that `begin` is a column name) rather than a block opener.
const NOT_A_BLOCK_AFTER_BEGIN: &[&str] = &[
    "TRANSACTION",
    "TRAN",
    "WORK",
    "DEFERRED",
    "IMMEDIATE",
    "EXCLUSIVE",
    "DISTRIBUTED",
    "ISOLATION",
    "READ",
    "DEFERRABLE",
    "DIALOG",
    "CONVERSATION",
    // `begin` used as a column name: `WHERE begin IS NULL`, `ORDER BY begin DESC`.
    "FROM",
    "AS",
    "IS",
    "ASC",
    "DESC",
    "AND",
    "OR",
    "IN",
    "LIKE",
    "BETWEEN",
];

/// Words after `END` that end a construct which never opened a block for
/// us (`END IF`, `END LOOP`, …) or are a statement of their own (T-SQL
/// `END CONVERSATION`).
const NOT_A_CLOSE_AFTER_END: &[&str] = &["IF", "LOOP", "WHILE", "REPEAT", "CONVERSATION"];

/// Recoveries rescan the rest of the script; this bounds the total rescanned
/// bytes (as a multiple of the script size, with a floor so small scripts
/// always recover) so hostile input cannot make splitting quadratic.
const RESCAN_FACTOR: usize = 8;
const RESCAN_FLOOR: usize = 64 << 20;

fn is_keyword(word: &[u8], keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword.as_bytes())
}

fn is_any_keyword(word: &[u8], keywords: &[&str]) -> bool {
    keywords.iter().any(|k| is_keyword(word, k))
}

fn is_horizontal_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Turns byte offsets into 1-based lines and columns. It walks forward from
/// the last position asked for, so a whole pass costs one walk over the
/// script; a request behind the cursor restarts it (never needed by the
/// splitter, but keeps the answer right).
struct LineCursor {
    offset: usize,
    line: u32,
    column: u32,
}

impl LineCursor {
    fn new(base: usize) -> Self {
        LineCursor {
            offset: base,
            line: 1,
            column: 1,
        }
    }

    fn at(&mut self, bytes: &[u8], base: usize, target: usize) -> (u32, u32) {
        let target = target.min(bytes.len());
        if target < self.offset {
            *self = LineCursor::new(base);
        }
        for &b in &bytes[self.offset..target] {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Count characters, not bytes: skip UTF-8 continuation bytes.
                self.column = self.column.saturating_add(1);
            }
        }
        self.offset = target;
        (self.line, self.column)
    }
}

/// The next significant token, as seen by a lookahead.
enum Next {
    End,
    Word(usize, usize),
    Byte(u8),
}

/// The last significant token of the statement being scanned: whether
/// `begin`/`end` is a keyword or a name depends on what came before it, and
/// `COPY … FROM stdin` is recognised from consecutive words.
#[derive(Default)]
struct Recent {
    byte: u8,
    word: Option<(usize, usize)>,
}

impl Recent {
    fn other(&mut self, b: u8) {
        self.byte = b;
        self.word = None;
    }

    fn word(&mut self, bytes: &[u8], start: usize, end: usize) {
        self.byte = bytes[end - 1];
        self.word = Some((start, end));
    }

    fn word_is(&self, bytes: &[u8], keyword: &str) -> bool {
        self.word
            .is_some_and(|(s, e)| is_keyword(&bytes[s..e], keyword))
    }
}

struct Splitter<'a> {
    script: &'a str,
    bytes: &'a [u8],
    dialect: Dialect,
    /// Where the script proper starts: after a byte-order mark, if any.
    base: usize,
    pos: usize,
    /// The terminator set by a MySQL `DELIMITER` line; `None` means `;`.
    custom_delimiter: Option<&'a [u8]>,
    cursor: LineCursor,
    rescan_budget: usize,
    out: Split<'a>,
}

impl<'a> Splitter<'a> {
    fn new(script: &'a str, dialect: Dialect) -> Self {
        let base = bom_len(script);
        Splitter {
            script,
            bytes: script.as_bytes(),
            dialect,
            base,
            pos: base,
            custom_delimiter: None,
            cursor: LineCursor::new(base),
            rescan_budget: script.len().saturating_mul(RESCAN_FACTOR).max(RESCAN_FLOOR),
            out: Split::default(),
        }
    }

    fn run(mut self) -> Split<'a> {
        while self.skip_to_statement() {
            self.statement();
        }
        self.out
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn line_col(&mut self, offset: usize) -> (u32, u32) {
        self.cursor.at(self.bytes, self.base, offset)
    }

    fn problem(&mut self, at: usize, code: &'static str, message: String) {
        let (line, column) = self.line_col(at);
        self.out.problems.push(SplitProblem {
            line,
            column,
            code,
            message,
        });
    }

    /// Whether a recovery that rescans from `from` to the end still fits the
    /// budget; charges it if so.
    fn may_rescan(&mut self, from: usize) -> bool {
        let cost = self.len().saturating_sub(from);
        if cost <= self.rescan_budget {
            self.rescan_budget -= cost;
            true
        } else {
            false
        }
    }

    /// Records `script[start..end]` as a statement, trailing whitespace
    /// trimmed; empty text is dropped.
    fn push(&mut self, start: usize, end: usize, line: u32, column: u32) {
        let text = self.text(start, end);
        if !text.is_empty() {
            self.out.statements.push(RawStatement {
                text,
                offset: start,
                line,
                column,
            });
        }
    }

    /// The trimmed text between two cut points. Cut points always sit on
    /// ASCII delimiters, so `get` never fails in practice; falling back to an
    /// empty text keeps the "never panic" promise if that ever changes.
    fn text(&self, start: usize, end: usize) -> &'a str {
        self.script.get(start..end).unwrap_or("").trim_end()
    }

    fn is_word_byte(&self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'$' | b'@')
            || b >= 0x80
            || (b == b'#' && self.dialect == Dialect::Mssql)
    }

    /// End of the word starting at `i` (at least one byte past it). A custom
    /// delimiter made of word characters (`DELIMITER $$`) ends the word,
    /// because mysqldump writes `END$$`.
    fn word_end(&self, i: usize) -> usize {
        let stop = self.custom_delimiter.filter(|d| self.is_word_byte(d[0]));
        let mut j = i + 1;
        while j < self.len() && self.is_word_byte(self.bytes[j]) {
            if stop.is_some_and(|d| self.bytes[j..].starts_with(d)) {
                break;
            }
            j += 1;
        }
        j
    }

    /// Position of the `\n` ending the line that holds `i`, or the end.
    fn line_end(&self, i: usize) -> usize {
        self.bytes[i.min(self.len())..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.len(), |p| i + p)
    }

    /// Whether a line comment starts at `i`: `--` everywhere (MySQL wants
    /// whitespace after it, since `1--1` is arithmetic there) and `#` in
    /// MySQL.
    fn line_comment_at(&self, i: usize) -> bool {
        match self.bytes.get(i) {
            Some(b'-') if self.bytes.get(i + 1) == Some(&b'-') => {
                self.dialect != Dialect::Mysql || self.bytes.get(i + 2).is_none_or(|&b| b <= b' ')
            }
            Some(b'#') => self.dialect == Dialect::Mysql,
            _ => false,
        }
    }

    /// Quotes that hide delimiters: strings and double-quoted names
    /// everywhere, backticks in MySQL and SQLite, `[names]` in T-SQL only
    /// (elsewhere `[` is array syntax).
    fn opens_quote(&self, b: u8) -> bool {
        match b {
            b'\'' | b'"' => true,
            b'`' => matches!(self.dialect, Dialect::Mysql | Dialect::Sqlite),
            b'[' => self.dialect == Dialect::Mssql,
            _ => false,
        }
    }

    fn block_comment_at(&self, i: usize) -> bool {
        self.bytes.get(i) == Some(&b'/') && self.bytes.get(i + 1) == Some(&b'*')
    }

    /// The position just past the `*/` closing the comment opened at `i`.
    /// PostgreSQL and T-SQL nest block comments; the others end at the first
    /// `*/`. MySQL's `/*! … */` version comments count as comments too, which
    /// drops mysqldump's version-gated `SET`/`LOCK` noise.
    fn block_comment_end(&self, i: usize) -> Option<usize> {
        let nested = matches!(self.dialect, Dialect::Postgres | Dialect::Mssql);
        let bytes = self.bytes;
        let mut depth = 1u32;
        let mut j = i + 2;
        while j < bytes.len() {
            if bytes[j] == b'*' && bytes.get(j + 1) == Some(&b'/') {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return Some(j);
                }
            } else if nested && bytes[j] == b'/' && bytes.get(j + 1) == Some(&b'*') {
                depth += 1;
                j += 2;
            } else {
                j += 1;
            }
        }
        None
    }

    /// The position just past the quote closing the one opened at `open`.
    /// A doubled closing character is an escaped one; with `backslash`, a
    /// backslash escapes the next byte (MySQL strings, PostgreSQL `E''`).
    fn quoted_end(&self, open: usize, close: u8, backslash: bool) -> Option<usize> {
        let bytes = self.bytes;
        let mut j = open + 1;
        while j < bytes.len() {
            let b = bytes[j];
            if b == close {
                if bytes.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return Some(j + 1);
            }
            j += if backslash && b == b'\\' { 2 } else { 1 };
        }
        None
    }

    /// If a PostgreSQL dollar quote (`$$` or `$tag$`) opens at `i`, the
    /// position past its opening tag. `$1` is a parameter: tags cannot start
    /// with a digit.
    fn dollar_tag_end(&self, i: usize) -> Option<usize> {
        let bytes = self.bytes;
        let mut j = i + 1;
        match bytes.get(j) {
            Some(b'$') => return Some(j + 1),
            Some(&b) if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => j += 1,
            _ => return None,
        }
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] >= 0x80)
        {
            j += 1;
        }
        (bytes.get(j) == Some(&b'$')).then_some(j + 1)
    }

    /// The position past the tag closing the dollar quote `open..tag_end`.
    fn dollar_quote_end(&self, open: usize, tag_end: usize) -> Option<usize> {
        let tag = &self.bytes[open..tag_end];
        let mut j = tag_end;
        while j < self.len() {
            if self.bytes[j] == b'$' && self.bytes[j..].starts_with(tag) {
                return Some(j + tag.len());
            }
            j += 1;
        }
        None
    }

    /// If a T-SQL batch separator line starts at line start `i` (`GO`,
    /// optionally a repeat count, then only whitespace or a comment), the
    /// position after `GO` and its count.
    fn go_line(&self, i: usize) -> Option<usize> {
        let bytes = self.bytes;
        let skip_spaces = |mut j: usize| {
            while j < bytes.len() && is_horizontal_space(bytes[j]) {
                j += 1;
            }
            j
        };
        let mut j = skip_spaces(i);
        let word = bytes.get(j..j + 2)?;
        if !word.eq_ignore_ascii_case(b"GO") {
            return None;
        }
        j += 2;
        if bytes.get(j).is_some_and(|&b| self.is_word_byte(b)) {
            return None;
        }
        j = skip_spaces(j);
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        j = skip_spaces(j);
        match bytes.get(j) {
            None | Some(b'\r' | b'\n') => Some(j),
            Some(_) if self.line_comment_at(j) || self.block_comment_at(j) => Some(j),
            _ => None,
        }
    }

    fn at_line_start(&self, i: usize) -> bool {
        let mut j = i;
        while j > self.base && is_horizontal_space(self.bytes[j - 1]) {
            j -= 1;
        }
        j == self.base || self.bytes[j - 1] == b'\n'
    }

    /// The next significant token from `i`, skipping whitespace and
    /// comments; an unterminated comment counts as the end.
    fn peek(&self, mut i: usize) -> Next {
        loop {
            let Some(&b) = self.bytes.get(i) else {
                return Next::End;
            };
            if b.is_ascii_whitespace() {
                i += 1;
            } else if self.line_comment_at(i) {
                i = self.line_end(i);
            } else if self.block_comment_at(i) {
                match self.block_comment_end(i) {
                    Some(end) => i = end,
                    None => return Next::End,
                }
            } else if self.is_word_byte(b) {
                return Next::Word(i, self.word_end(i));
            } else {
                return Next::Byte(b);
            }
        }
    }

    /// Whether the `BEGIN` ending at `end` opens a block (trigger, procedure
    /// or `BEGIN ATOMIC` body) rather than a transaction. A block's body
    /// starts with a word; `BEGIN;` and `BEGIN TRANSACTION` do not open one.
    /// T-SQL has no bare `BEGIN` transaction, so there `BEGIN;` (as in
    /// `BEGIN ;WITH …`) still opens a block.
    fn begin_opens_block(&self, end: usize) -> bool {
        match self.peek(end) {
            Next::End => false,
            Next::Byte(b) => b == b';' && self.dialect == Dialect::Mssql,
            Next::Word(s, e) => {
                let word = &self.bytes[s..e];
                if is_keyword(word, "NOT") {
                    // MariaDB's `BEGIN NOT ATOMIC` block, against PostgreSQL's
                    // `BEGIN NOT DEFERRABLE` transaction.
                    matches!(self.peek(e), Next::Word(s2, e2) if is_keyword(&self.bytes[s2..e2], "ATOMIC"))
                } else {
                    !is_any_keyword(word, NOT_A_BLOCK_AFTER_BEGIN)
                }
            }
        }
    }

    /// Skips what lies between statements: whitespace, comments, empty
    /// statements, psql meta-commands, T-SQL `GO` lines and MySQL `DELIMITER`
    /// lines. Returns whether a statement starts at `self.pos`.
    fn skip_to_statement(&mut self) -> bool {
        loop {
            let pos = self.pos;
            let Some(&b) = self.bytes.get(pos) else {
                return false;
            };
            if let Some(d) = self.custom_delimiter {
                if self.bytes[pos..].starts_with(d) {
                    self.pos += d.len();
                    continue;
                }
            }
            match b {
                b';' => self.pos += 1,
                _ if b.is_ascii_whitespace() || b == 0x0b => self.pos += 1,
                _ if self.line_comment_at(pos) => self.pos = self.line_end(pos),
                b'/' if self.block_comment_at(pos) => match self.block_comment_end(pos) {
                    Some(end) => self.pos = end,
                    None => {
                        self.unterminated_comment(pos, pos);
                        return false;
                    }
                },
                b'\\' => self.skip_meta_command(),
                0x80.. => match self.script.get(pos..).and_then(|s| s.chars().next()) {
                    // Unicode spaces and stray byte-order marks (from
                    // concatenated files) are not part of a statement.
                    Some(c) if c.is_whitespace() || c == '\u{FEFF}' => self.pos += c.len_utf8(),
                    _ => return true,
                },
                b'g' | b'G' if self.dialect == Dialect::Mssql && self.at_line_start(pos) => {
                    match self.go_line(pos) {
                        Some(end) => self.pos = end,
                        None => return true,
                    }
                }
                b'd' | b'D' => match self.delimiter_command(pos) {
                    Some(end) => self.pos = end,
                    None => return true,
                },
                _ => return true,
            }
        }
    }

    /// A mysql-client `DELIMITER xx` line at `pos`: sets the terminator (`;`
    /// restores the default) and returns the end of the line. The line is a
    /// client command, not SQL, so it never becomes a statement.
    fn delimiter_command(&mut self, pos: usize) -> Option<usize> {
        let bytes = self.bytes;
        let mut j = self.word_end(pos);
        if !is_keyword(&bytes[pos..j], "DELIMITER")
            || !bytes.get(j).is_some_and(|&b| is_horizontal_space(b))
        {
            return None;
        }
        while j < bytes.len() && is_horizontal_space(bytes[j]) {
            j += 1;
        }
        let token_start = j;
        while j < bytes.len() && !bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if j == token_start {
            return None;
        }
        let token = &bytes[token_start..j];
        self.custom_delimiter = (token != b";").then_some(token);
        Some(self.line_end(j))
    }

    /// A psql meta-command (`\connect`, `\set`, `\restrict`, …) runs to the
    /// end of its line. `\copy … from stdin` is followed by inline data.
    fn skip_meta_command(&mut self) {
        let start = self.pos;
        let end = self.line_end(start);
        let line = &self.bytes[start..end];
        let copy_from_stdin =
            line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"\\copy") && has_from_stdin(line);
        self.pos = end;
        if copy_from_stdin {
            self.skip_copy_data(start);
        }
    }

    /// Skips the inline data of a `COPY … FROM stdin` whose command ended
    /// at `self.pos`: the lines after it up to and including a line that is
    /// exactly `\.`. `command` locates the COPY for a missing terminator.
    fn skip_copy_data(&mut self, command: usize) {
        let len = self.len();
        let mut i = self.line_end(self.pos) + 1;
        while i < len {
            let end = self.line_end(i);
            let line = &self.bytes[i..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line == b"\\." {
                self.pos = (end + 1).min(len);
                return;
            }
            i = end + 1;
        }
        self.pos = len;
        self.problem(
            command,
            UNTERMINATED_COPY,
            "the data of this COPY … FROM stdin never ends with a line holding only `\\.`, \
             so the rest of the script was skipped as data; add the `\\.` line after the last row"
                .to_string(),
        );
    }

    /// Scans one statement starting at `self.pos` and records it.
    fn statement(&mut self) {
        let bytes = self.bytes;
        let dialect = self.dialect;
        let start = self.pos;
        let (line, column) = self.line_col(start);
        let custom = self.custom_delimiter;
        // With a custom delimiter only that delimiter ends a statement, so
        // block tracking is neither needed nor wanted.
        let track_blocks = custom.is_none();
        let mut depth = 0u32;
        let mut opener = start;
        let mut swallowed: Option<usize> = None;
        let mut recent = Recent::default();
        let mut first_word = true;
        let mut is_copy = false;
        let mut from_stdin = false;
        let mut i = start;
        loop {
            let Some(&b) = bytes.get(i) else {
                self.end_of_script(start, line, column, depth, opener, swallowed);
                return;
            };
            if let Some(d) = custom {
                if bytes[i..].starts_with(d) {
                    self.push(start, i, line, column);
                    self.pos = i + d.len();
                    if from_stdin {
                        self.skip_copy_data(start);
                    }
                    return;
                }
            }
            match b {
                b';' if track_blocks => {
                    if depth == 0 {
                        self.push(start, i, line, column);
                        self.pos = i + 1;
                        if from_stdin {
                            self.skip_copy_data(start);
                        }
                        return;
                    }
                    swallowed.get_or_insert(i);
                    recent.other(b);
                    i += 1;
                }
                b'\n' => {
                    i += 1;
                    if dialect == Dialect::Mssql {
                        if let Some(after) = self.go_line(i) {
                            self.push(start, i - 1, line, column);
                            self.pos = after;
                            return;
                        }
                    }
                }
                _ if self.opens_quote(b) => {
                    let (close, backslash) = match b {
                        b'[' => (b']', false),
                        b'`' => (b'`', false),
                        _ => (b, dialect == Dialect::Mysql),
                    };
                    match self.quoted_end(i, close, backslash) {
                        Some(end) => {
                            recent.other(close);
                            i = end;
                        }
                        None => return self.unterminated_quote(start, line, column, i),
                    }
                }
                _ if self.line_comment_at(i) => i = self.line_end(i),
                b'/' if self.block_comment_at(i) => match self.block_comment_end(i) {
                    Some(end) => i = end,
                    None => return self.unterminated_comment(start, i),
                },
                b'$' if dialect == Dialect::Postgres && self.dollar_tag_end(i).is_some() => {
                    let tag_end = self.dollar_tag_end(i).unwrap_or(i + 1);
                    match self.dollar_quote_end(i, tag_end) {
                        Some(end) => {
                            recent.other(b'$');
                            i = end;
                        }
                        None => return self.unterminated_dollar_quote(start, i, tag_end),
                    }
                }
                _ if self.is_word_byte(b) => {
                    let end = self.word_end(i);
                    let word = &bytes[i..end];
                    let mut next = end;
                    if first_word {
                        first_word = false;
                        is_copy = is_keyword(word, "COPY");
                    } else if is_copy && is_keyword(word, "STDIN") && recent.word_is(bytes, "FROM")
                    {
                        from_stdin = true;
                    }
                    // `t.end`, `(begin, end)`: names, not keywords.
                    let may_be_keyword = track_blocks && recent.byte != b'.';
                    let name_position = matches!(recent.byte, b',' | b'(');
                    let opens_block = may_be_keyword
                        && (is_keyword(word, "CASE")
                            || (!name_position
                                && is_keyword(word, "BEGIN")
                                && self.begin_opens_block(end)));
                    if opens_block {
                        if depth == 0 {
                            opener = i;
                        }
                        depth += 1;
                    } else if may_be_keyword && !name_position && is_keyword(word, "END") {
                        match self.peek(end) {
                            // MySQL's `END CASE` closes a CASE statement; its
                            // CASE must not open another block.
                            Next::Word(s, e) if is_keyword(&bytes[s..e], "CASE") => {
                                depth = depth.saturating_sub(1);
                                next = e;
                            }
                            Next::Word(s, e)
                                if is_any_keyword(&bytes[s..e], NOT_A_CLOSE_AFTER_END) => {}
                            _ => depth = depth.saturating_sub(1),
                        }
                    }
                    recent.word(bytes, i, end);
                    // PostgreSQL `E'…'` strings take backslash escapes.
                    if dialect == Dialect::Postgres
                        && word.len() == 1
                        && word[0].eq_ignore_ascii_case(&b'e')
                        && bytes.get(end) == Some(&b'\'')
                    {
                        match self.quoted_end(end, b'\'', true) {
                            Some(after) => {
                                recent.other(b'\'');
                                next = after;
                            }
                            None => return self.unterminated_quote(start, line, column, end),
                        }
                    }
                    i = next;
                }
                _ => {
                    if !b.is_ascii_whitespace() {
                        recent.other(b);
                    }
                    i += 1;
                }
            }
        }
    }

    /// The statement starting at `start` ran into the end of the script.
    /// If a `BEGIN`/`CASE` was still open and `;` were passed inside it, the
    /// block was most likely never meant to be one (or lost its `END`):
    /// rather than fold the rest of the file into one statement, end the
    /// statement at the first of those `;` and go on from there.
    fn end_of_script(
        &mut self,
        start: usize,
        line: u32,
        column: u32,
        depth: u32,
        opener: usize,
        swallowed: Option<usize>,
    ) {
        if let Some(semicolon) = swallowed.filter(|_| depth > 0) {
            if self.may_rescan(semicolon) {
                let keyword = self
                    .text(opener, self.word_end(opener))
                    .to_ascii_uppercase();
                let (open_line, open_column) = self.line_col(opener);
                let (semi_line, _) = self.line_col(semicolon);
                self.out.problems.push(SplitProblem {
                    line: open_line,
                    column: open_column,
                    code: UNCLOSED_BLOCK,
                    message: format!(
                        "`{keyword}` here opens a block that no `END` closes, so carve ended the \
                         statement at the first `;` inside it (line {semi_line}) and went on from there; \
                         add the missing `END`, or quote `{}` if it is a name",
                        keyword.to_ascii_lowercase()
                    ),
                });
                self.push(start, semicolon, line, column);
                self.pos = semicolon + 1;
                return;
            }
        }
        self.push(start, self.len(), line, column);
        self.pos = self.len();
    }

    /// An unterminated quote, backtick or bracket opened at `open`. Quoted
    /// names and strings rarely span lines, so the most useful recovery is
    /// to end the statement with the line the quote opened on and split the
    /// rest of the script afresh; statements below then survive.
    fn unterminated_quote(&mut self, start: usize, line: u32, column: u32, open: usize) {
        let mysql = self.dialect == Dialect::Mysql;
        let what = match self.bytes[open] {
            b'\'' if mysql => {
                "string (no closing `'`; double a quote inside it as `''` or escape it as `\\'`)"
            }
            b'\'' => "string (no closing `'`; double a quote inside it as `''`)",
            b'"' if mysql => "double-quoted string (no closing `\"`)",
            b'"' => "quoted name (no closing `\"`; double a quote inside it as `\"\"`)",
            b'`' => "backtick-quoted name (no closing `` ` ``)",
            _ => "bracketed name (no closing `]`)",
        };
        let eol = self.line_end(open);
        if eol < self.len() && self.may_rescan(open) {
            let (open_line, _) = self.line_col(open);
            self.problem(
                open,
                UNTERMINATED_QUOTE,
                format!(
                    "unterminated {what}; carve ended the statement at the end of line {open_line} \
                     and went on splitting from line {}; close the quote",
                    open_line.saturating_add(1)
                ),
            );
            let mut text = self.text(start, eol);
            let terminator: &[u8] = self.custom_delimiter.unwrap_or(b";");
            if let Some(stripped) = text.as_bytes().strip_suffix(terminator) {
                // The terminator is ASCII or a whole token, so this is a
                // char boundary.
                text = text.get(..stripped.len()).unwrap_or(text).trim_end();
            }
            if !text.is_empty() {
                self.out.statements.push(RawStatement {
                    text,
                    offset: start,
                    line,
                    column,
                });
            }
            self.pos = eol + 1;
        } else {
            self.problem(
                open,
                UNTERMINATED_QUOTE,
                format!("unterminated {what}; the rest of the script was kept as one statement; close the quote"),
            );
            self.push(start, self.len(), line, column);
            self.pos = self.len();
        }
    }

    /// An unterminated block comment opened at `open`, inside the statement
    /// starting at `start` (or before any statement, then `start == open`).
    fn unterminated_comment(&mut self, start: usize, open: usize) {
        let (line, column) = self.line_col(start);
        let nesting = if matches!(self.dialect, Dialect::Postgres | Dialect::Mssql) {
            " (comments nest here, so every `/*` inside needs its own `*/`)"
        } else {
            ""
        };
        self.problem(
            open,
            UNTERMINATED_COMMENT,
            format!(
                "unterminated block comment (no closing `*/`){nesting}; the rest of the script was \
                 kept as one statement; add the missing `*/`"
            ),
        );
        self.push(start, self.len(), line, column);
        self.pos = self.len();
    }

    fn unterminated_dollar_quote(&mut self, start: usize, open: usize, tag_end: usize) {
        let (line, column) = self.line_col(start);
        let tag = self.script.get(open..tag_end).unwrap_or("$$");
        self.problem(
            open,
            UNTERMINATED_DOLLAR_QUOTE,
            format!(
                "unterminated dollar-quoted string (no closing `{tag}`); the rest of the script was \
                 kept as one statement; add the closing `{tag}`"
            ),
        );
        self.push(start, self.len(), line, column);
        self.pos = self.len();
    }
}

/// Whether a psql `\copy` line reads `from stdin` (its data follows inline).
fn has_from_stdin(line: &[u8]) -> bool {
    let mut previous_was_from = false;
    for word in line
        .split(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .filter(|w| !w.is_empty())
    {
        if previous_was_from && is_keyword(word, "STDIN") {
            return true;
        }
        previous_was_from = is_keyword(word, "FROM");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(text, line, column)` of every statement.
    fn stmts<'a>(split: &Split<'a>) -> Vec<(&'a str, u32, u32)> {
        split
            .statements
            .iter()
            .map(|s| (s.text, s.line, s.column))
            .collect()
    }

    fn texts<'a>(split: &Split<'a>) -> Vec<&'a str> {
        split.statements.iter().map(|s| s.text).collect()
    }

    fn codes(split: &Split<'_>) -> Vec<&'static str> {
        split.problems.iter().map(|p| p.code).collect()
    }

    /// Offsets must point at the text in the script, and line/column must
    /// agree with `line_col`.
    fn check_positions(script: &str, split: &Split<'_>) {
        for s in &split.statements {
            assert_eq!(&script[s.offset..s.offset + s.text.len()], s.text);
            assert_eq!(
                line_col(script, s.offset),
                (s.line, s.column),
                "{:?}",
                s.text
            );
        }
    }

    fn split_checked(script: &str, dialect: Dialect) -> Split<'_> {
        let split = split_statements(script, dialect);
        check_positions(script, &split);
        split
    }

    #[test]
    fn simple_split() {
        let script = "CREATE TABLE a (id int);\nCREATE TABLE b (id int)  ;\n\n  DROP TABLE c\n";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE a (id int)", 1, 1),
                ("CREATE TABLE b (id int)", 2, 1),
                ("DROP TABLE c", 4, 3),
            ]
        );
        assert!(split.problems.is_empty());
        assert_eq!(split.statements[1].offset, 25);
    }

    #[test]
    fn empty_statements_are_dropped() {
        let split = split_checked(
            ";;  ; -- only a comment\n/* and another */ ;\nSELECT 1;;",
            Dialect::Sqlite,
        );
        assert_eq!(stmts(&split), vec![("SELECT 1", 3, 1)]);
        assert!(split_statements("", Dialect::Mysql).statements.is_empty());
        assert!(split_statements("  \n-- x\n", Dialect::Mssql)
            .statements
            .is_empty());
    }

    #[test]
    fn quotes_containing_semicolons() {
        let script = "INSERT INTO t VALUES ('a;b', 'it''s;');\nCREATE TABLE \"we;ird\"\"name\" (x int);\nSELECT 2;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("INSERT INTO t VALUES ('a;b', 'it''s;')", 1, 1),
                ("CREATE TABLE \"we;ird\"\"name\" (x int)", 2, 1),
                ("SELECT 2", 3, 1),
            ]
        );

        let script = "CREATE TABLE `a;b` (`c``;` int);\nSELECT 1;";
        let split = split_checked(script, Dialect::Mysql);
        assert_eq!(
            texts(&split),
            vec!["CREATE TABLE `a;b` (`c``;` int)", "SELECT 1"]
        );

        let script = "CREATE TABLE [dbo].[a;b]] x] ([c;] int);\nSELECT 1;";
        let split = split_checked(script, Dialect::Mssql);
        assert_eq!(
            texts(&split),
            vec!["CREATE TABLE [dbo].[a;b]] x] ([c;] int)", "SELECT 1"]
        );

        // PostgreSQL E'' strings take backslash escapes; plain strings do not.
        let script = "SELECT E'it\\'s; fine';\nSELECT 'C:\\';\nSELECT 3;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            texts(&split),
            vec!["SELECT E'it\\'s; fine'", "SELECT 'C:\\'", "SELECT 3"]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn brackets_are_not_quotes_outside_tsql() {
        let script = "SELECT a[1] FROM t;\nSELECT '[';\nSELECT 2;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            texts(&split),
            vec!["SELECT a[1] FROM t", "SELECT '['", "SELECT 2"]
        );
        let split = split_checked("SELECT x[;\nSELECT 2;", Dialect::Postgres);
        assert_eq!(texts(&split), vec!["SELECT x[", "SELECT 2"]);
    }

    #[test]
    fn comments_containing_semicolons_and_quotes() {
        let script = "-- it's a comment; really\nCREATE TABLE a (\n  id int -- the key; don't split\n  /* a ' quote ; and \" */\n);\n/* lead; ' */ SELECT 1;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE a (\n  id int -- the key; don't split\n  /* a ' quote ; and \" */\n)", 2, 1),
                ("SELECT 1", 6, 15),
            ]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn mysql_hash_comments_and_dash_dash_rule() {
        let script = "# dump header; it's fine\nSELECT 1--1;\nSELECT 2 -- c;\n;\nSELECT 3 # x;\n;";
        let split = split_checked(script, Dialect::Mysql);
        assert_eq!(
            stmts(&split),
            vec![
                ("SELECT 1--1", 2, 1),
                ("SELECT 2 -- c;", 3, 1),
                ("SELECT 3 # x;", 5, 1)
            ]
        );
        // `#` is an operator in PostgreSQL and a temp-table prefix in T-SQL.
        let split = split_checked("SELECT 1 # 2;\nSELECT 3;", Dialect::Postgres);
        assert_eq!(texts(&split), vec!["SELECT 1 # 2", "SELECT 3"]);
        let split = split_checked("SELECT * INTO #t FROM x;\nSELECT 3;", Dialect::Mssql);
        assert_eq!(texts(&split), vec!["SELECT * INTO #t FROM x", "SELECT 3"]);
    }

    #[test]
    fn dollar_quotes_with_tags_and_plpgsql_body() {
        let script = "\
CREATE FUNCTION f() RETURNS trigger AS $body$
BEGIN
  IF NEW.x IS NULL THEN
    RAISE EXCEPTION 'x; can''t be null';
  END IF;
  PERFORM $$ inner; $$;
  RETURN NEW;
END;
$body$ LANGUAGE plpgsql;
DO $$ BEGIN PERFORM 1; END $$;
SELECT $1, $2 FROM t WHERE a$b = 1;
SELECT 'x';";
        let split = split_checked(script, Dialect::Postgres);
        let texts = texts(&split);
        assert_eq!(texts.len(), 4, "{texts:#?}");
        assert!(texts[0].starts_with("CREATE FUNCTION f()"));
        assert!(texts[0].ends_with("$body$ LANGUAGE plpgsql"));
        assert_eq!(texts[1], "DO $$ BEGIN PERFORM 1; END $$");
        assert_eq!(texts[2], "SELECT $1, $2 FROM t WHERE a$b = 1");
        assert_eq!(texts[3], "SELECT 'x'");
        assert_eq!(
            split.statements.iter().map(|s| s.line).collect::<Vec<_>>(),
            vec![1, 10, 11, 12]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn dollar_signs_are_plain_outside_postgres() {
        let split = split_checked("SELECT $$a;\nSELECT 2;", Dialect::Mysql);
        assert_eq!(texts(&split), vec!["SELECT $$a", "SELECT 2"]);
    }

    #[test]
    fn nested_block_comments_in_postgres() {
        let script = "/* outer /* inner; */ still comment; */ SELECT 1;\nSELECT 2;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(stmts(&split), vec![("SELECT 1", 1, 41), ("SELECT 2", 2, 1)]);
        // MySQL and SQLite comments do not nest: the first `*/` ends it.
        let script = "/* a /* b */ SELECT 1;\nSELECT 2;";
        let split = split_checked(script, Dialect::Sqlite);
        assert_eq!(stmts(&split), vec![("SELECT 1", 1, 14), ("SELECT 2", 2, 1)]);
    }

    #[test]
    fn mysql_backslash_escapes() {
        let script =
            "INSERT INTO t VALUES ('it\\'s; ok', \"say \\\"hi;\\\"\", 'back\\\\');\nSELECT 2;";
        let split = split_checked(script, Dialect::Mysql);
        assert_eq!(
            stmts(&split),
            vec![
                (
                    "INSERT INTO t VALUES ('it\\'s; ok', \"say \\\"hi;\\\"\", 'back\\\\')",
                    1,
                    1
                ),
                ("SELECT 2", 2, 1)
            ]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn delimiter_with_trigger() {
        let script = "\
CREATE TABLE t (a int, b int);
DELIMITER ;;
CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN
  SET NEW.a = 1;
  IF NEW.b IS NULL THEN SET NEW.b = 2; END IF;
END ;;
DELIMITER ;
CREATE TABLE u (id int);
";
        let split = split_checked(script, Dialect::Mysql);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE t (a int, b int)", 1, 1),
                (
                    "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN\n  SET NEW.a = 1;\n  IF NEW.b IS NULL THEN SET NEW.b = 2; END IF;\nEND",
                    3,
                    1
                ),
                ("CREATE TABLE u (id int)", 8, 1),
            ]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn delimiter_dollar_dollar_ends_words() {
        let script =
            "delimiter $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 2;";
        let split = split_checked(script, Dialect::Mysql);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE PROCEDURE p() BEGIN SELECT 1; END", 2, 1),
                ("SELECT 2", 4, 1)
            ]
        );
    }

    #[test]
    fn mysqldump_version_comments_are_comments() {
        let script = "\
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `x` BEFORE INSERT ON `t` FOR EACH ROW BEGIN
  SET NEW.a = 1;
END */;;
DELIMITER ;
CREATE TABLE `t` (`a` int) ENGINE=InnoDB /*!50100 PARTITION BY HASH (a) */;
";
        let split = split_checked(script, Dialect::Mysql);
        assert_eq!(
            stmts(&split),
            vec![(
                "CREATE TABLE `t` (`a` int) ENGINE=InnoDB /*!50100 PARTITION BY HASH (a) */",
                7,
                1
            )]
        );
    }

    #[test]
    fn sqlite_trigger_begin_end() {
        let script = "\
BEGIN TRANSACTION;
CREATE TABLE t (id INTEGER PRIMARY KEY, n INT);
CREATE TRIGGER trg AFTER INSERT ON t
BEGIN
  UPDATE t SET n = n + 1 WHERE id = NEW.id;
  SELECT CASE WHEN NEW.n < 0 THEN RAISE(ABORT, 'neg; no') END;
END;
COMMIT;
";
        let split = split_checked(script, Dialect::Sqlite);
        assert_eq!(
            stmts(&split),
            vec![
                ("BEGIN TRANSACTION", 1, 1),
                ("CREATE TABLE t (id INTEGER PRIMARY KEY, n INT)", 2, 1),
                (
                    "CREATE TRIGGER trg AFTER INSERT ON t\nBEGIN\n  UPDATE t SET n = n + 1 WHERE id = NEW.id;\n  SELECT CASE WHEN NEW.n < 0 THEN RAISE(ABORT, 'neg; no') END;\nEND",
                    3,
                    1
                ),
                ("COMMIT", 8, 1),
            ]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn begin_and_commit_standalone() {
        for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
            let script =
                "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nbegin work;\nSELECT 1;\nEND;\nBEGIN";
            let split = split_checked(script, dialect);
            assert_eq!(
                stmts(&split),
                vec![
                    ("BEGIN", 1, 1),
                    ("CREATE TABLE a (id int)", 2, 1),
                    ("COMMIT", 3, 1),
                    ("begin work", 4, 1),
                    ("SELECT 1", 5, 1),
                    ("END", 6, 1),
                    ("BEGIN", 7, 1),
                ],
                "{dialect}"
            );
            assert!(split.problems.is_empty());
        }
        let split = split_checked(
            "BEGIN ISOLATION LEVEL SERIALIZABLE;\nBEGIN -- c\n;\nSELECT 1;",
            Dialect::Postgres,
        );
        assert_eq!(
            texts(&split),
            vec![
                "BEGIN ISOLATION LEVEL SERIALIZABLE",
                "BEGIN -- c",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn case_end_inside_select() {
        let script = "SELECT CASE WHEN a THEN 'x;' ELSE (CASE b WHEN 1 THEN 2 END) END AS c, t.end FROM t;\nSELECT 2;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("SELECT CASE WHEN a THEN 'x;' ELSE (CASE b WHEN 1 THEN 2 END) END AS c, t.end FROM t", 1, 1),
                ("SELECT 2", 2, 1),
            ]
        );
    }

    #[test]
    fn mysql_procedure_without_delimiter() {
        let script = "\
CREATE PROCEDURE p()
BEGIN
  DECLARE i INT DEFAULT 0;
  lbl: LOOP
    SET i = i + 1;
    IF i > 3 THEN LEAVE lbl; END IF;
  END LOOP lbl;
  CASE i WHEN 4 THEN SELECT 1; ELSE SELECT 2; END CASE;
  WHILE i > 0 DO SET i = i - 1; END WHILE;
  REPEAT SET i = i + 1; UNTIL i > 2 END REPEAT;
END;
SELECT 9;";
        let split = split_checked(script, Dialect::Mysql);
        let texts = texts(&split);
        assert_eq!(texts.len(), 2, "{texts:#?}");
        assert!(
            texts[0].starts_with("CREATE PROCEDURE p()") && texts[0].ends_with("END REPEAT;\nEND")
        );
        assert_eq!(texts[1], "SELECT 9");
        assert!(split.problems.is_empty());
    }

    #[test]
    fn postgres_begin_atomic() {
        let script = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\nSELECT 3;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND", 1, 1),
                ("SELECT 3", 6, 1),
            ]
        );
    }

    #[test]
    fn begin_and_end_as_column_names() {
        let script = "\
CREATE TABLE events (id int, begin timestamp, end timestamp);
INSERT INTO events (id, begin, end) VALUES (1, now(), now());
SELECT begin FROM events WHERE begin IS NULL ORDER BY begin DESC;
SELECT e.begin, e.end FROM events e;
CREATE TABLE other (id int);";
        let split = split_checked(script, Dialect::Sqlite);
        assert_eq!(split.statements.len(), 5, "{:#?}", texts(&split));
        assert_eq!(split.statements[4].text, "CREATE TABLE other (id int)");
        assert!(split.problems.is_empty());
    }

    #[test]
    fn unclosed_block_splits_at_first_inner_semicolon() {
        let script =
            "SELECT CASE WHEN x THEN 1;\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("SELECT CASE WHEN x THEN 1", 1, 1),
                ("CREATE TABLE a (id int)", 2, 1),
                ("CREATE TABLE b (id int)", 3, 1),
            ]
        );
        assert_eq!(codes(&split), vec![UNCLOSED_BLOCK]);
        assert_eq!((split.problems[0].line, split.problems[0].column), (1, 8));
        assert!(split.problems[0].message.contains("`CASE`"));
    }

    #[test]
    fn tsql_go_batches() {
        let script = "\
CREATE TABLE a (id int)
CREATE TABLE b (id int, a_id int REFERENCES a (id))
GO
CREATE PROCEDURE p AS
BEGIN
  SET NOCOUNT ON;
  SELECT 1;
END
go 2
  GO  -- repeated separator
SELECT 'GO
' ; SELECT 2
GOTO done
GO
";
        let split = split_checked(script, Dialect::Mssql);
        assert_eq!(
            stmts(&split),
            vec![
                (
                    "CREATE TABLE a (id int)\nCREATE TABLE b (id int, a_id int REFERENCES a (id))",
                    1,
                    1
                ),
                (
                    "CREATE PROCEDURE p AS\nBEGIN\n  SET NOCOUNT ON;\n  SELECT 1;\nEND",
                    4,
                    1
                ),
                ("SELECT 'GO\n'", 11, 1),
                ("SELECT 2\nGOTO done", 12, 5),
            ]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn tsql_begin_semicolon_and_try_catch() {
        let script = "\
CREATE PROCEDURE p AS
BEGIN
  ;WITH c AS (SELECT 1 AS x) SELECT x FROM c;
  BEGIN TRY SELECT 1; END TRY
  BEGIN CATCH SELECT 2; END CATCH;
  BEGIN TRAN; COMMIT TRAN;
END;
SELECT 3;";
        let split = split_checked(script, Dialect::Mssql);
        let texts = texts(&split);
        assert_eq!(texts.len(), 2, "{texts:#?}");
        assert!(texts[0].ends_with("COMMIT TRAN;\nEND"));
        assert_eq!(texts[1], "SELECT 3");
    }

    #[test]
    fn psql_meta_commands() {
        let script = "\
\\restrict AbC123
\\set ON_ERROR_STOP on
\\connect mydb
CREATE TABLE a (id int);
  \\copy a from 'a.csv' with csv
\\copy a from stdin
1;'x
\\.
CREATE TABLE b (id int);
\\unrestrict AbC123
";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE a (id int)", 4, 1),
                ("CREATE TABLE b (id int)", 9, 1)
            ]
        );
        assert!(split.problems.is_empty());
    }

    #[test]
    fn pg_dump_copy_from_stdin() {
        let script = "\
CREATE TABLE public.actor (actor_id integer, first_name text);
COPY public.actor (actor_id, first_name) FROM stdin;
1\tPENELOPE; O'Brien
2\t\"quoted\" $$ /* not a comment
\\.
ALTER TABLE ONLY public.actor ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id);
copy x from STDIN with (format csv);
a,b
\\.\r
SELECT 1;
";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE public.actor (actor_id integer, first_name text)", 1, 1),
                ("COPY public.actor (actor_id, first_name) FROM stdin", 2, 1),
                ("ALTER TABLE ONLY public.actor ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id)", 6, 1),
                ("copy x from STDIN with (format csv)", 7, 1),
                ("SELECT 1", 10, 1),
            ]
        );
        assert!(split.problems.is_empty());
        // A file named 'stdin' and COPY TO stdout carry no inline data.
        let split = split_checked(
            "COPY t FROM 'stdin';\nCOPY t TO stdout;\nSELECT 1;",
            Dialect::Postgres,
        );
        assert_eq!(texts(&split).len(), 3);
    }

    #[test]
    fn copy_data_without_terminator() {
        let script = "SELECT 0;\nCOPY t (a) FROM stdin;\n1\n2\n";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(texts(&split), vec!["SELECT 0", "COPY t (a) FROM stdin"]);
        assert_eq!(codes(&split), vec![UNTERMINATED_COPY]);
        assert_eq!((split.problems[0].line, split.problems[0].column), (2, 1));
    }

    #[test]
    fn unterminated_single_quote_recovers() {
        let script = "CREATE TABLE a (id int);\nINSERT INTO a VALUES ('oops);\nCREATE TABLE b (id int);\nCREATE TABLE c (id int);";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE a (id int)", 1, 1),
                ("INSERT INTO a VALUES ('oops)", 2, 1),
                ("CREATE TABLE b (id int)", 3, 1),
                ("CREATE TABLE c (id int)", 4, 1),
            ]
        );
        assert_eq!(codes(&split), vec![UNTERMINATED_QUOTE]);
        let p = &split.problems[0];
        assert_eq!((p.line, p.column), (2, 23));
        assert!(p.message.contains("line 3"), "{}", p.message);
    }

    #[test]
    fn unterminated_quote_inside_a_multi_line_statement() {
        let script =
            "CREATE TABLE a (\n  id int,\n  note text DEFAULT 'x\n);\nCREATE TABLE b (id int);";
        let split = split_checked(script, Dialect::Sqlite);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE a (\n  id int,\n  note text DEFAULT 'x", 1, 1),
                // The rest of the broken statement stands alone and fails
                // to parse on its own, but the next table survives.
                (")", 4, 1),
                ("CREATE TABLE b (id int)", 5, 1),
            ]
        );
        assert_eq!(codes(&split), vec![UNTERMINATED_QUOTE]);
        assert_eq!((split.problems[0].line, split.problems[0].column), (3, 21));
    }

    #[test]
    fn unterminated_double_quote_backtick_and_bracket() {
        let cases = [
            (
                Dialect::Postgres,
                "CREATE TABLE \"a (id int);\nCREATE TABLE b (id int);",
                "CREATE TABLE \"a (id int)",
                14,
            ),
            (
                Dialect::Mysql,
                "CREATE TABLE `a (id int);\nCREATE TABLE b (id int);",
                "CREATE TABLE `a (id int)",
                14,
            ),
            (
                Dialect::Mssql,
                "CREATE TABLE [a (id int);\nCREATE TABLE b (id int);",
                "CREATE TABLE [a (id int)",
                14,
            ),
            (
                Dialect::Mysql,
                "SELECT 'C:\\';\nCREATE TABLE b (id int);",
                "SELECT 'C:\\'",
                8,
            ),
        ];
        for (dialect, script, first, column) in cases {
            let split = split_checked(script, dialect);
            assert_eq!(
                stmts(&split),
                vec![(first, 1, 1), ("CREATE TABLE b (id int)", 2, 1)],
                "{dialect}: {script}"
            );
            assert_eq!(codes(&split), vec![UNTERMINATED_QUOTE]);
            assert_eq!(
                (split.problems[0].line, split.problems[0].column),
                (1, column)
            );
        }
    }

    #[test]
    fn unterminated_quote_on_last_line() {
        let split = split_checked("SELECT 1;\nSELECT 'abc", Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![("SELECT 1", 1, 1), ("SELECT 'abc", 2, 1)]
        );
        assert_eq!(codes(&split), vec![UNTERMINATED_QUOTE]);
        assert!(split.problems[0].message.contains("rest of the script"));
    }

    #[test]
    fn unterminated_block_comment() {
        let script = "SELECT 1;\nSELECT 2 /* oops;\nSELECT 3;";
        let split = split_checked(script, Dialect::Mysql);
        assert_eq!(
            stmts(&split),
            vec![("SELECT 1", 1, 1), ("SELECT 2 /* oops;\nSELECT 3;", 2, 1)]
        );
        assert_eq!(codes(&split), vec![UNTERMINATED_COMMENT]);
        assert_eq!((split.problems[0].line, split.problems[0].column), (2, 10));

        // Leading: the comment itself is kept so the caller can salvage it.
        let script = "SELECT 1;\n  /* outer /* inner */\nCREATE TABLE a (id int);";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("SELECT 1", 1, 1),
                ("/* outer /* inner */\nCREATE TABLE a (id int);", 2, 3)
            ]
        );
        assert_eq!(codes(&split), vec![UNTERMINATED_COMMENT]);
        assert!(split.problems[0].message.contains("nest"));
    }

    #[test]
    fn unterminated_dollar_quote() {
        let script = "SELECT 1;\nCREATE FUNCTION f() AS $fn$ BEGIN; END;\nSELECT 3;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("SELECT 1", 1, 1),
                ("CREATE FUNCTION f() AS $fn$ BEGIN; END;\nSELECT 3;", 2, 1)
            ]
        );
        assert_eq!(codes(&split), vec![UNTERMINATED_DOLLAR_QUOTE]);
        assert_eq!((split.problems[0].line, split.problems[0].column), (2, 24));
        assert!(split.problems[0].message.contains("`$fn$`"));
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let script = "\u{FEFF}CREATE TABLE a (id int);\nSELECT 1;";
        let split = split_checked(script, Dialect::Mssql);
        assert_eq!(
            stmts(&split),
            vec![("CREATE TABLE a (id int)", 1, 1), ("SELECT 1", 2, 1)]
        );
        assert_eq!(split.statements[0].offset, 3);
        // A BOM in the middle (concatenated files) is skipped too.
        let split = split_checked("SELECT 1;\n\u{FEFF}SELECT 2;", Dialect::Postgres);
        assert_eq!(texts(&split), vec!["SELECT 1", "SELECT 2"]);
        assert!(split_statements("\u{FEFF}", Dialect::Postgres)
            .statements
            .is_empty());
    }

    #[test]
    fn ten_megabyte_line() {
        let mut script = String::from("INSERT INTO t VALUES ");
        while script.len() < 10 << 20 {
            script.push_str("(1, 'a;b', \"c\"), ");
        }
        script.push_str("(2, 'é', 'x');SELECT 1;");
        let split = split_statements(&script, Dialect::Postgres);
        assert_eq!(split.statements.len(), 2);
        assert_eq!(
            split.statements[0].text.len(),
            script.len() - ";SELECT 1;".len()
        );
        let last = &split.statements[1];
        assert_eq!((last.text, last.line), ("SELECT 1", 1));
        assert_eq!(
            last.column as usize,
            script.chars().count() - "SELECT 1;".chars().count() + 1
        );
    }

    #[test]
    fn multi_byte_utf8_identifiers() {
        let script =
            "CREATE TABLE \"ünïcødé\" (naïve int, 名前 text); SELECT 'ß;'; SELECT 名前 FROM ünï;";
        for dialect in [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Sqlite,
            Dialect::Mssql,
        ] {
            let split = split_checked(script, dialect);
            assert_eq!(
                stmts(&split),
                vec![
                    ("CREATE TABLE \"ünïcødé\" (naïve int, 名前 text)", 1, 1),
                    ("SELECT 'ß;'", 1, 46),
                    ("SELECT 名前 FROM ünï", 1, 59),
                ],
                "{dialect}"
            );
        }
        // A tag with non-ASCII letters and a backslash before a multi-byte char.
        let split = split_checked("SELECT $é$;$é$;\nSELECT 2;", Dialect::Postgres);
        assert_eq!(texts(&split), vec!["SELECT $é$;$é$", "SELECT 2"]);
        let split = split_checked("SELECT '\\é;';\nSELECT 2;", Dialect::Mysql);
        assert_eq!(texts(&split), vec!["SELECT '\\é;'", "SELECT 2"]);
    }

    #[test]
    fn line_and_column_after_multi_line_comments() {
        let script = "/* header\n   spanning\n   lines */\n\n   -- note\n\tCREATE TABLE a (id int); /* x\n */  SELECT 1;\r\n\r\n  SELECT 2;";
        let split = split_checked(script, Dialect::Postgres);
        assert_eq!(
            stmts(&split),
            vec![
                ("CREATE TABLE a (id int)", 6, 2),
                ("SELECT 1", 7, 6),
                ("SELECT 2", 9, 3)
            ]
        );
    }

    #[test]
    fn line_col_helper() {
        let script = "ab\ncé\nx";
        assert_eq!(line_col(script, 0), (1, 1));
        assert_eq!(line_col(script, 2), (1, 3));
        assert_eq!(line_col(script, 3), (2, 1));
        assert_eq!(line_col(script, 6), (2, 3));
        assert_eq!(line_col(script, 7), (3, 1));
        assert_eq!(line_col(script, 100), (3, 2));
        assert_eq!(line_col("\u{FEFF}x", 3), (1, 1));
        assert_eq!(line_col("\u{FEFF}x", 0), (1, 1));
    }

    #[test]
    fn never_panics_on_prefixes_of_tricky_input() {
        let script = "\u{FEFF}DELIMITER ;;\nCREATE TRIGGER é BEGIN 'a\\'' ; END;;\nDELIMITER ;\n\
                      \\copy t from stdin\nx\n\\.\nCOPY t FROM stdin;\n\\.\nGO 3\n\
                      SELECT $tag$ ; $tag$, E'\\'', [b;], `c;`, \"d;\" /* /* */ */ -- e\n\
                      # f\nBEGIN NOT ATOMIC SELECT 1; END; CASE END END IF; $1 $";
        for dialect in [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Sqlite,
            Dialect::Mssql,
        ] {
            for (i, _) in script.char_indices() {
                let prefix = &script[..i];
                let split = split_statements(prefix, dialect);
                check_positions(prefix, &split);
            }
        }
    }

    #[test]
    fn hostile_unterminated_quotes_stay_fast() {
        // Every line opens a quote the backslash keeps open: each recovery
        // rescans the rest, which the budget keeps bounded.
        let script = "x\\'\n".repeat(50_000);
        let split = split_statements(&script, Dialect::Mysql);
        assert!(!split.statements.is_empty());
        assert_eq!(split.statements.len(), split.problems.len());
    }
}
