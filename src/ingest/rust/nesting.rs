//! How deeply a Rust file nests, measured before it is parsed.
//!
//! syn's parser, the extractor's walk and the syntax tree's drop all
//! recurse once per level of nesting, and a stack overflow cannot be
//! caught: a file nested some thousands of levels deep (generated, or
//! garbage) would abort carve. Such a file is reported and skipped
//! instead; hand-written and generated code stays far below the limit.
//!
//! The measure is a single pass over the bytes that skips comments,
//! strings and character literals and counts what makes the parser
//! recurse: brackets, and within them prefix operators (`-`, `!`, `*`,
//! `&`), closure bars and `<`. A `;` or `,` ends the operators of its
//! bracket, a `)`, `]` or `>` closes, and a `}` also ends the statement it
//! closes. It may count a level the parser does not (a `<` that compares),
//! never the other way round for these constructs. Postfix chains (`.f()`,
//! `?`, calls, indexing) nest too, but far less per link: they count
//! apart, and may run [`CHAIN_LINKS_PER_LEVEL`] times longer.

/// The deepest nesting read; deeper files get a `rust-unparsed` warning.
pub const MAX_NESTING: usize = 512;

/// How many links of a postfix chain (`.`, `?`, a call or an index after
/// an operand) weigh as much as one level of nesting.
pub const CHAIN_LINKS_PER_LEVEL: usize = 32;

/// Where `text` first nests deeper than [`MAX_NESTING`] levels (or chains
/// too long), as a 1-based line and column, for a diagnostic; `None` when
/// it can be parsed without fear for the stack.
pub fn too_deep_at(text: &str) -> Option<(u32, u32)> {
    too_deep(text, MAX_NESTING).map(|offset| line_column(text, offset))
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// What to say of a file [`too_deep_at`] refuses, shown as `shown`.
pub fn too_deep_message(shown: &str) -> String {
    format!("cannot parse {shown} as Rust: it nests deeper than {MAX_NESTING} levels")
}

/// Where `text` first nests deeper than `limit` levels, or chains longer
/// than `limit` × [`CHAIN_LINKS_PER_LEVEL`] links, as a byte offset.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    measure(text, limit, |_| {})
}

/// A place [`measure`] passes in code, outside strings and comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A comment starts here (the `/` of `//` or `/*`).
    Comment(usize),
    /// A `#` (an attribute, most of the time) stands here.
    Hash(usize),
}

/// [`too_deep`], telling `mark` of each comment and `#` it passes, so a
/// caller that needs those too reads the text once. Nothing after the
/// place it stops is told.
pub fn measure(text: &str, limit: usize, mut mark: impl FnMut(Mark)) -> Option<usize> {
    let bytes = text.as_bytes();
    let max_chain = limit.saturating_mul(CHAIN_LINKS_PER_LEVEL);
    let mut depth = 0usize;
    // Links of the postfix chain in the current bracket.
    let mut chain = 0usize;
    // For each open bracket: the depth just inside it, and the chain of
    // the bracket around it.
    let mut open: Vec<(usize, usize)> = Vec::new();
    // Whether the last token ends an operand: then `-`, `*`, `&`, `|` and
    // `!` are binary (or a macro's `!`) and do not nest.
    let mut after_operand = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        // Most bytes are blanks and identifier characters: their runs are
        // skipped first, with the least bookkeeping.
        if b.is_ascii_whitespace() {
            i = blanks_end(bytes, i + 1);
            continue;
        }
        if is_ident_byte(b) {
            if matches!(b, b'r' | b'b' | b'c') {
                if let Some(end) = raw_string_at(bytes, i) {
                    i = end;
                    after_operand = true;
                    continue;
                }
            }
            let end = ident_end(bytes, i + 1);
            after_operand = !starts_expression(&bytes[i..end]);
            i = end;
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        match b {
            b'/' if next == b'/' => {
                mark(Mark::Comment(i));
                i = line_end(bytes, i);
                continue;
            }
            b'/' if next == b'*' => {
                mark(Mark::Comment(i));
                i = block_comment_end(bytes, i);
                continue;
            }
            b'"' => {
                i = string_end(bytes, i + 1);
                after_operand = true;
            }
            b'\'' => {
                i = quote_end(bytes, i);
                after_operand = true;
            }
            b'(' | b'[' | b'{' => {
                if b != b'{' && after_operand {
                    // A call or an index.
                    chain += 1;
                }
                depth += 1;
                if depth > limit {
                    return Some(start);
                }
                open.push((depth, chain));
                chain = 0;
                i += 1;
                after_operand = false;
            }
            b')' | b']' => {
                if let Some((inside, outer)) = open.pop() {
                    depth = inside - 1;
                    // The chain the bracket was a link of goes on.
                    let inner = chain;
                    chain = outer;
                    if chain > inner && chain > max_chain {
                        return Some(start);
                    }
                }
                i += 1;
                after_operand = true;
            }
            b'}' => {
                open.pop();
                depth = base(&open);
                chain = 0;
                i += 1;
                after_operand = false;
            }
            b';' | b',' => {
                depth = base(&open);
                chain = 0;
                i += 1;
                after_operand = false;
            }
            b'.' => {
                let dots = bytes[i..].iter().take_while(|&&b| b == b'.').count();
                if dots == 1 {
                    chain += 1;
                    if chain > max_chain {
                        return Some(start);
                    }
                }
                i += dots;
                after_operand = false;
            }
            b'-' | b'=' if next == b'>' => {
                i += 2;
                after_operand = false;
            }
            b'<' | b'>' | b'-' | b'!' | b'*' | b'&' | b'|' | b'=' if next == b'=' => {
                i += 2;
                after_operand = false;
            }
            b'<' if next == b'<' => {
                i += 2;
                after_operand = false;
            }
            b'<' => {
                depth += 1;
                if depth > limit {
                    return Some(start);
                }
                i += 1;
                after_operand = false;
            }
            b'>' => {
                if depth > base(&open) {
                    depth -= 1;
                }
                i += 1;
                after_operand = true;
            }
            b'-' | b'!' | b'*' | b'&' | b'|' => {
                if after_operand {
                    // Binary: `&&` and `||` are one operator.
                    i += if (b == b'&' || b == b'|') && next == b {
                        2
                    } else {
                        1
                    };
                } else {
                    depth += 1;
                    if depth > limit {
                        return Some(start);
                    }
                    // `||` opens one closure.
                    i += if b == b'|' && next == b'|' { 2 } else { 1 };
                }
                after_operand = false;
            }
            b'?' => {
                chain += 1;
                if chain > max_chain {
                    return Some(start);
                }
                i += 1;
                after_operand = true;
            }
            // Before `!` (`#![…]`, a shebang): no prefix operator.
            b'#' => {
                mark(Mark::Hash(i));
                i += 1;
                after_operand = true;
            }
            _ => {
                i += 1;
                after_operand = false;
            }
        }
    }
    None
}

/// The end (just past it) of the bracket group opening at `open`, strings,
/// characters and comments skipped; `None` when it never closes. Brackets
/// are counted whatever their kind: in code that parses, they pair up.
pub fn group_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        let b = bytes[i];
        if is_ident_byte(b) {
            if matches!(b, b'r' | b'b' | b'c') {
                if let Some(end) = raw_string_at(bytes, i) {
                    i = end;
                    continue;
                }
            }
            i = ident_end(bytes, i + 1);
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        i = match b {
            b'/' if next == b'/' => line_end(bytes, i),
            b'/' if next == b'*' => block_comment_end(bytes, i),
            b'"' => string_end(bytes, i + 1),
            b'\'' => quote_end(bytes, i),
            b'(' | b'[' | b'{' => {
                depth += 1;
                i + 1
            }
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
                i + 1
            }
            _ => i + 1,
        };
    }
    None
}

/// Past the blanks and comments starting at `i`.
pub fn trivia_end(bytes: &[u8], mut i: usize) -> usize {
    loop {
        i = blanks_end(bytes, i);
        match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b'/'), Some(b'/')) => i = line_end(bytes, i),
            (Some(b'/'), Some(b'*')) => i = block_comment_end(bytes, i),
            _ => return i,
        }
    }
}

/// The depth just inside the innermost open bracket.
fn base(open: &[(usize, usize)]) -> usize {
    open.last().map_or(0, |&(inside, _)| inside)
}

/// Whether a byte may be part of an identifier (or a number): ASCII
/// letters, digits, `_`, and any byte of a multi-byte character.
const IDENT_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80;
        b += 1;
    }
    table
};

fn is_ident_byte(b: u8) -> bool {
    IDENT_BYTES[usize::from(b)]
}

/// Past the identifier, keyword or number running from `i`; `i` when none
/// does.
pub fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ident_byte(bytes[i]) {
        i += 1;
    }
    i
}

fn blanks_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Keywords after which an expression starts, so that a following `-`,
/// `!`, `*`, `&` or `|` is a prefix operator.
fn starts_expression(word: &[u8]) -> bool {
    matches!(
        word,
        b"return"
            | b"break"
            | b"in"
            | b"if"
            | b"match"
            | b"while"
            | b"else"
            | b"let"
            | b"mut"
            | b"move"
            | b"as"
            | b"yield"
            | b"box"
            | b"dyn"
            | b"impl"
    )
}

fn line_end(bytes: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |p| i + p)
}

/// The end of the (nesting) block comment starting at `i`.
fn block_comment_end(bytes: &[u8], mut i: usize) -> usize {
    let mut level = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            level += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            level -= 1;
            i += 2;
            if level == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// The end of a string whose body starts at `i`, escapes honoured.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(p) = memchr::memchr2(b'"', b'\\', &bytes[i.min(bytes.len())..]) {
        if bytes[i + p] == b'"' {
            return i + p + 1;
        }
        i += p + 2;
    }
    bytes.len()
}

/// The end of a character literal or a lifetime starting at `i` (`'`).
fn quote_end(bytes: &[u8], i: usize) -> usize {
    let Some(&first) = bytes.get(i + 1) else {
        return bytes.len();
    };
    if first == b'\\' {
        // `'\n'`, `'\''`, `'\u{1F600}'`: the escaped character, then up to
        // the closing quote.
        let body = (i + 3).min(bytes.len());
        return bytes[body..]
            .iter()
            .position(|&b| b == b'\'')
            .map_or(bytes.len(), |p| body + p + 1);
    }
    let width = match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    };
    if bytes.get(i + 1 + width) == Some(&b'\'') {
        i + 2 + width
    } else {
        // A lifetime or label: its name is read as an identifier.
        i + 1
    }
}

/// The end of a raw string (`r"…"`, `br#"…"#`, `cr##"…"##`) starting at
/// `i`, if one starts there.
fn raw_string_at(bytes: &[u8], i: usize) -> Option<usize> {
    if i > 0 && is_ident_byte(bytes[i - 1]) {
        return None;
    }
    let mut j = i;
    match bytes[j] {
        b'r' => {}
        b'b' | b'c' => j += 1,
        _ => return None,
    }
    if bytes.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = bytes[j..].iter().take_while(|&&b| b == b'#').count();
    j += hashes;
    if bytes.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < bytes.len() {
        if bytes[j] == b'"' && bytes[j + 1..].iter().take_while(|&&b| b == b'#').count() >= hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(text: &str) -> usize {
        (0..64).find(|&l| too_deep(text, l).is_none()).unwrap_or(64)
    }

    #[test]
    fn counts_brackets_and_what_recurses_inside_them() {
        assert_eq!(depth_of("fn f() {}"), 1);
        assert_eq!(depth_of("fn f() { g((1), [2]); }"), 3);
        assert_eq!(depth_of("fn f() { let x = - - !*&y; }"), 6);
        assert_eq!(depth_of("type T = Vec<Vec<Option<u8>>>;"), 3);
        assert_eq!(depth_of("fn f() { let g = || |x| x; }"), 3);
    }

    #[test]
    fn binary_operators_and_statements_do_not_add_up() {
        assert_eq!(depth_of("fn f() { a - b - c * d & e | f && g || h; }"), 1);
        let many_ifs = "fn f() {".to_string() + &"if a < b { c(); } ".repeat(100) + "}";
        assert_eq!(depth_of(&many_ifs), 4);
        let attributes = "#![allow(a)]\n".repeat(100) + "#![allow(b)]";
        assert_eq!(depth_of(&attributes), 2);
        let flat = "const A: [i32; 3] = [-1, -2, -3];";
        assert_eq!(depth_of(flat), 2);
    }

    #[test]
    fn skips_comments_strings_and_characters() {
        let text = r####"
            // ((((((
            /* (((( /* nested (( */ (( */
            const A: &str = "((\"((";
            const B: &str = r#"(("(("#;
            const C: &[u8] = br##"(("##;
            const D: char = '(';
            const E: char = '\'';
            fn f<'a>(x: &'a str) -> &'a str { x }
        "####;
        assert_eq!(depth_of(text), 2);
    }

    #[test]
    fn long_chains_count_apart() {
        let chain = |links: usize| format!("fn f() {{ a{}; }}", ".b()".repeat(links));
        // `.` and the call: two links a method.
        assert!(too_deep(&chain(CHAIN_LINKS_PER_LEVEL), 2).is_none());
        assert!(too_deep(&chain(CHAIN_LINKS_PER_LEVEL + 1), 2).is_some());
        let routes = format!("fn f() {{ a{}; }}", ".route(\"/\", get(h))".repeat(600));
        assert!(too_deep(&routes, MAX_NESTING).is_none());
        let tries = format!("fn f() {{ a{}; }}", "?".repeat(20_000));
        assert!(too_deep(&tries, MAX_NESTING).is_some());
        let statements = "fn f() {".to_string() + &"a.b()?;".repeat(20_000) + "}";
        assert!(too_deep(&statements, MAX_NESTING).is_none());
    }

    #[test]
    fn finds_where_the_limit_is_passed() {
        let deep = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(600),
            ")".repeat(600)
        );
        let at = too_deep(&deep, MAX_NESTING).unwrap();
        assert_eq!(at, "fn f() { let x = ".len() + MAX_NESTING - 1);
        assert!(too_deep(&deep, 1000).is_none());
    }
}
