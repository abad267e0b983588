//! Static DDL inside procedural blocks.
//!
//! A PostgreSQL `DO $$ … $$` block runs once, when the migration runs, so the
//! `CREATE TABLE` / `ALTER TABLE` statements written in its PL/pgSQL body
//! change the schema like any other statement. Only `EXECUTE` of something
//! other than a plain string literal is dynamic. This module finds those
//! statements: the `BEGIN … END` sections of the body (nested blocks too),
//! the first branch of `IF … THEN` (the "create it if missing" idiom), and
//! loops; it leaves out `DECLARE` sections, `ELSIF`/`ELSE` branches,
//! `EXCEPTION WHEN …` handlers (they run only on failure) and `CASE`.
//! Function and procedure bodies are never read: they do not run at
//! migration time.
//!
//! T-SQL's `EXEC('…')` and `EXEC sp_executesql N'…'` with a literal are read
//! the same way.

/// Where a statement of a block sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// Runs whenever the block runs.
    Always,
    /// Inside a block with an `EXCEPTION` handler: a failure is swallowed.
    Handler,
    /// Inside `IF <condition> THEN` (or a loop, with an empty condition).
    Condition(String),
}

/// One statement found in a procedural body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Byte offset in the body.
    pub offset: usize,
    pub text: &'a str,
    pub guard: Guard,
}

/// The body of `DO [LANGUAGE plpgsql] $tag$ body $tag$ [LANGUAGE plpgsql]`
/// with its byte offset in `text`; `None` for other languages or quoting.
pub fn do_body(text: &str) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = skip_space(text, 0);
    if !word_at(text, i).eq_ignore_ascii_case("DO") {
        return None;
    }
    i += 2;
    let mut language = None;
    loop {
        i = skip_space(text, i);
        let word = word_at(text, i);
        if word.eq_ignore_ascii_case("LANGUAGE") {
            i = skip_space(text, i + word.len());
            let name = word_at(text, i);
            language = Some(name.trim_matches('\'').to_ascii_lowercase());
            i += name.len();
            continue;
        }
        break;
    }
    if bytes.get(i) != Some(&b'$') {
        return None;
    }
    let tag_end = dollar_tag_end(bytes, i)?;
    let tag = &text[i..tag_end];
    let close = text[tag_end..].find(tag)? + tag_end;
    let after = &text[close + tag.len()..];
    let after_words: Vec<&str> = after.split_whitespace().collect();
    if let [l, name] = after_words.as_slice() {
        if l.eq_ignore_ascii_case("LANGUAGE") {
            language = Some(name.trim_matches('\'').to_ascii_lowercase());
        }
    }
    if language.as_deref().is_some_and(|l| l != "plpgsql") {
        return None;
    }
    Some((tag_end, &text[tag_end..close]))
}

fn skip_space(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if bytes[i..].starts_with(b"--") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..].starts_with(b"/*") {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
        } else {
            break;
        }
    }
    i
}

/// The identifier-like word starting at `i` (may be empty).
fn word_at(text: &str, i: usize) -> &str {
    let rest = text.get(i..).unwrap_or("");
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The end of a `$tag$` opening at `i`.
fn dollar_tag_end(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'$') {
        return None;
    }
    let mut j = i + 1;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
        j += 1;
    }
    if bytes.get(j) == Some(&b'$') && !(j > i + 1 && bytes[i + 1].is_ascii_digit()) {
        Some(j + 1)
    } else {
        None
    }
}

/// Where the quoted text, comment or word starting at `i` ends, or `None`
/// for a single punctuation byte.
fn skip_token(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes[i] {
        b'\'' => {
            let backslashes = i > 0 && (bytes[i - 1] == b'E' || bytes[i - 1] == b'e');
            let mut j = i + 1;
            while j < bytes.len() {
                if backslashes && bytes[j] == b'\\' {
                    j += 2;
                    continue;
                }
                if bytes[j] == b'\'' {
                    if bytes.get(j + 1) == Some(&b'\'') {
                        j += 2;
                        continue;
                    }
                    return j + 1;
                }
                j += 1;
            }
            bytes.len()
        }
        b'"' => text[i + 1..]
            .find('"')
            .map_or(bytes.len(), |e| i + 1 + e + 1),
        b'-' if bytes[i..].starts_with(b"--") => {
            text[i..].find('\n').map_or(bytes.len(), |e| i + e)
        }
        b'/' if bytes[i..].starts_with(b"/*") => text[i + 2..]
            .find("*/")
            .map_or(bytes.len(), |e| i + 2 + e + 2),
        b'$' => match dollar_tag_end(bytes, i) {
            Some(tag_end) => {
                let tag = &text[i..tag_end];
                text[tag_end..]
                    .find(tag)
                    .map_or(bytes.len(), |e| tag_end + e + tag.len())
            }
            None => i + 1,
        },
        c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
            let mut j = i + 1;
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] >= 0x80)
            {
                j += 1;
            }
            j
        }
        _ => i + 1,
    }
}

/// The statements of `body` split at top-level `;`, with their offsets.
fn split_body(body: &str) -> Vec<(usize, &str)> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b';' if depth <= 0 => {
                out.push((start, &body[start..i]));
                start = i + 1;
                depth = 0;
            }
            _ => {}
        }
        i = skip_token(body, i).max(i + 1);
    }
    out.push((start, &body[start..]));
    out
}

/// The top-level words of `text` (outside parentheses, quotes and
/// comments), as byte ranges.
fn top_words(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        let next = skip_token(text, i).max(i + 1);
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            c if depth == 0 && (c.is_ascii_alphabetic() || c == b'_') => out.push((i, next)),
            _ => {}
        }
        i = next;
    }
    out
}

#[derive(Debug)]
enum Frame {
    Block { handler: bool, id: usize },
    If { condition: String, branch: usize },
    Loop,
    Case,
}

/// The statements a PL/pgSQL block body runs, with where they sit.
pub fn plpgsql_statements(body: &str) -> Vec<Piece<'_>> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut handled_blocks = Vec::new();
    let mut in_declare = false;
    // (piece, ids of enclosing blocks, enclosing conditions)
    let mut found: Vec<(usize, &str, Vec<usize>, Vec<String>)> = Vec::new();
    let mut next_id = 0;
    for (start, statement) in split_body(body) {
        let mut at = 0;
        loop {
            at = skip_space(statement, at);
            let rest = &statement[at..];
            if rest.is_empty() {
                break;
            }
            if rest.starts_with("<<") {
                at += rest.find(">>").map_or(rest.len(), |e| e + 2);
                continue;
            }
            let words = top_words(rest);
            let word = |k: usize| {
                words
                    .get(k)
                    .map_or(String::new(), |(a, b)| rest[*a..*b].to_ascii_uppercase())
            };
            let first = if words.first().is_some_and(|(a, _)| *a == 0) {
                word(0)
            } else {
                String::new()
            };
            let after_first = words.first().map_or(rest.len(), |(_, b)| *b);
            // The position after the first top-level `word` at or past index `from`.
            let after_word = |target: &str, from: usize| {
                words
                    .iter()
                    .skip(from)
                    .find(|(a, b)| rest[*a..*b].eq_ignore_ascii_case(target))
                    .map(|(a, b)| (*a, *b))
            };
            match first.as_str() {
                "DECLARE" => {
                    in_declare = true;
                    at += after_first;
                }
                "BEGIN" => {
                    in_declare = false;
                    frames.push(Frame::Block {
                        handler: false,
                        id: next_id,
                    });
                    next_id += 1;
                    at += after_first;
                }
                "EXCEPTION" if matches!(frames.last(), Some(Frame::Block { .. })) => {
                    if let Some(Frame::Block { handler, id }) = frames.last_mut() {
                        *handler = true;
                        handled_blocks.push(*id);
                    }
                    at += after_first;
                }
                "WHEN" if matches!(frames.last(), Some(Frame::Block { handler: true, .. })) => {
                    match after_word("THEN", 1) {
                        Some((_, b)) => at += b,
                        None => break,
                    }
                }
                "IF" => match after_word("THEN", 1) {
                    Some((a, b)) => {
                        frames.push(Frame::If {
                            condition: rest[after_first..a].trim().to_string(),
                            branch: 0,
                        });
                        at += b;
                    }
                    None => break,
                },
                "ELSIF" | "ELSEIF" => {
                    if let Some(Frame::If { branch, .. }) = frames.last_mut() {
                        *branch += 1;
                    }
                    match after_word("THEN", 1) {
                        Some((_, b)) => at += b,
                        None => break,
                    }
                }
                "ELSE" => {
                    if let Some(Frame::If { branch, .. }) = frames.last_mut() {
                        *branch += 1;
                    }
                    at += after_first;
                }
                "LOOP" => {
                    frames.push(Frame::Loop);
                    at += after_first;
                }
                "FOR" | "FOREACH" | "WHILE" => match after_word("LOOP", 1) {
                    Some((_, b)) => {
                        frames.push(Frame::Loop);
                        at += b;
                    }
                    None => break,
                },
                "CASE" => {
                    frames.push(Frame::Case);
                    break;
                }
                "END" => {
                    let closes = word(1);
                    let popped = match closes.as_str() {
                        "IF" => frames.iter().rposition(|f| matches!(f, Frame::If { .. })),
                        "LOOP" => frames.iter().rposition(|f| matches!(f, Frame::Loop)),
                        "CASE" => frames.iter().rposition(|f| matches!(f, Frame::Case)),
                        _ => frames
                            .iter()
                            .rposition(|f| matches!(f, Frame::Block { .. })),
                    };
                    if let Some(k) = popped {
                        frames.truncate(k);
                    }
                    break;
                }
                _ => {
                    let skipped = in_declare
                        || frames.iter().any(|f| match f {
                            Frame::Block { handler, .. } => *handler,
                            Frame::If { branch, .. } => *branch > 0,
                            Frame::Case => true,
                            Frame::Loop => false,
                        });
                    if !skipped {
                        let blocks = frames
                            .iter()
                            .filter_map(|f| match f {
                                Frame::Block { id, .. } => Some(*id),
                                _ => None,
                            })
                            .collect();
                        let conditions = frames
                            .iter()
                            .filter_map(|f| match f {
                                Frame::If { condition, .. } => Some(condition.clone()),
                                Frame::Loop => Some(String::new()),
                                _ => None,
                            })
                            .collect();
                        found.push((start + at, rest.trim_end(), blocks, conditions));
                    }
                    break;
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(offset, text, blocks, conditions)| {
            let guard = if blocks.iter().any(|b| handled_blocks.contains(b)) {
                Guard::Handler
            } else if !conditions.is_empty() {
                Guard::Condition(conditions.join(" AND "))
            } else {
                Guard::Always
            };
            Piece {
                offset,
                text,
                guard,
            }
        })
        .collect()
}

/// The SQL of `EXECUTE <literal>` (PL/pgSQL: `'…'`, `E'…'`, `$q$…$q$`;
/// T-SQL: `EXEC('…')`, `EXEC (N'…')`, `EXEC sp_executesql N'…'`), with the
/// byte offset of the literal's content; `None` when the argument is
/// anything but one plain literal.
pub fn execute_literal(text: &str) -> Option<(usize, String)> {
    let mut i = skip_space(text, 0);
    let first = word_at(text, i);
    if !(first.eq_ignore_ascii_case("EXECUTE") || first.eq_ignore_ascii_case("EXEC")) {
        return None;
    }
    i = skip_space(text, i + first.len());
    let next = word_at(text, i);
    let mut parenthesized = false;
    if next.eq_ignore_ascii_case("sp_executesql") {
        i = skip_space(text, i + next.len());
        if text[i..].starts_with("@stmt") || text[i..].starts_with("@statement") {
            i = skip_space(text, i + text[i..].find('=')? + 1);
        }
    } else if text[i..].starts_with('(') {
        parenthesized = true;
        i = skip_space(text, i + 1);
    }
    let bytes = text.as_bytes();
    let (content_start, end, value) = match bytes.get(i)? {
        b'$' => {
            let tag_end = dollar_tag_end(bytes, i)?;
            let tag = &text[i..tag_end];
            let close = text[tag_end..].find(tag)? + tag_end;
            (tag_end, close + tag.len(), text[tag_end..close].to_string())
        }
        b'E' | b'e' | b'N' | b'n' if bytes.get(i + 1) == Some(&b'\'') => {
            let backslashes = matches!(bytes[i], b'E' | b'e');
            let end = skip_token(text, i + 1);
            let inner = text.get(i + 2..end.checked_sub(1)?)?;
            (i + 2, end, unescape(inner, backslashes))
        }
        b'\'' => {
            let end = skip_token(text, i);
            let inner = text.get(i + 1..end.checked_sub(1)?)?;
            (i + 1, end, unescape(inner, false))
        }
        _ => return None,
    };
    let mut after = skip_space(text, end);
    if parenthesized {
        if !text[after..].starts_with(')') {
            return None;
        }
        after = skip_space(text, after + 1);
    }
    let tail = text[after..].trim_start_matches(';').trim();
    tail.is_empty().then_some((content_start, value))
}

fn unescape(inner: &str, backslashes: bool) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\\' if backslashes => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            _ => out.push(c),
        }
    }
    out
}

/// Whether `condition` only tests that `table` is missing (`NOT EXISTS (…
/// 'orders' …)`, `OBJECT_ID(N'dbo.orders') IS NULL`, `to_regclass('orders')
/// IS NULL`): then the table exists after the block either way.
pub fn tests_absence_of(condition: &str, table: &str) -> bool {
    let upper = condition.to_ascii_uppercase();
    let negative = upper.contains("NOT EXISTS") || upper.contains("IS NULL");
    let lower = condition.to_ascii_lowercase();
    negative && !table.is_empty() && lower.contains(&table.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn do_bodies_with_tags_and_language() {
        assert_eq!(
            do_body("DO $$ BEGIN NULL; END $$").map(|b| b.1),
            Some(" BEGIN NULL; END ")
        );
        assert_eq!(
            do_body("DO LANGUAGE plpgsql $body$BEGIN END$body$").map(|b| b.1),
            Some("BEGIN END")
        );
        assert_eq!(
            do_body("do $x$ BEGIN END $x$ LANGUAGE plpgsql").map(|b| b.1),
            Some(" BEGIN END ")
        );
        assert_eq!(do_body("DO LANGUAGE plpython3u $$ pass $$"), None);
    }

    #[test]
    fn blocks_conditions_and_handlers() {
        let body = "
DECLARE
    n int := 0;
BEGIN
    CREATE TABLE a (id int);
    IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'b') THEN
        CREATE TABLE b (id int);
    ELSE
        RAISE NOTICE 'b exists; skipping';
    END IF;
    BEGIN
        CREATE TABLE c (id int);
    EXCEPTION WHEN duplicate_table THEN
        CREATE TABLE d (id int);
    END;
    FOR n IN 1..3 LOOP
        EXECUTE 'x';
    END LOOP;
END
";
        let pieces = plpgsql_statements(body);
        let texts: Vec<&str> = pieces.iter().map(|p| p.text).collect();
        assert_eq!(
            texts,
            [
                "CREATE TABLE a (id int)",
                "CREATE TABLE b (id int)",
                "CREATE TABLE c (id int)",
                "EXECUTE 'x'"
            ]
        );
        assert_eq!(pieces[0].guard, Guard::Always);
        assert!(matches!(&pieces[1].guard, Guard::Condition(c) if c.contains("NOT EXISTS")));
        assert_eq!(pieces[2].guard, Guard::Handler);
        assert_eq!(pieces[3].guard, Guard::Condition(String::new()));
        assert_eq!(&body[pieces[0].offset..][..12], "CREATE TABLE");
    }

    #[test]
    fn execute_literals() {
        assert_eq!(
            execute_literal("EXECUTE 'CREATE TABLE t (note text DEFAULT ''x'')'").map(|l| l.1),
            Some("CREATE TABLE t (note text DEFAULT 'x')".to_string())
        );
        assert_eq!(
            execute_literal("EXECUTE $q$CREATE TABLE t (id int)$q$").map(|l| l.1),
            Some("CREATE TABLE t (id int)".to_string())
        );
        assert_eq!(
            execute_literal("EXEC('CREATE TABLE t (id int)')").map(|l| l.1),
            Some("CREATE TABLE t (id int)".to_string())
        );
        assert_eq!(
            execute_literal("EXEC sp_executesql N'CREATE TABLE t (id int)'").map(|l| l.1),
            Some("CREATE TABLE t (id int)".to_string())
        );
        assert_eq!(
            execute_literal("EXECUTE format('CREATE TABLE %I ()', n)"),
            None
        );
        assert_eq!(execute_literal("EXECUTE 'CREATE TABLE ' || n"), None);
        assert_eq!(execute_literal("EXECUTE stmt"), None);
    }
}
