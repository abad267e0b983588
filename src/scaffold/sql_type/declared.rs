//! A declared column type taken apart into the pieces every dialect's
//! rules read: `INT(11) UNSIGNED ZEROFILL` → base `int`, arguments `[11]`,
//! unsigned; `character varying(40)[]` → base `character varying`,
//! arguments `[40]`, one array level.
//!
//! Parsing is purely syntactic and never fails: text it cannot take apart
//! stays in `base`, where no dialect recognises it.

/// One column type as written, split into name, arguments and modifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The type exactly as written, trimmed: what an unknown type reports.
    pub original: String,
    /// The lower-case words of the type's name, arguments, sign words and
    /// character-set clauses removed: `double precision`,
    /// `timestamp with time zone`.
    pub base: String,
    /// The arguments between the parentheses, trimmed, quotes and case
    /// kept (enum values are case-sensitive): `['a', 'b,c']` for
    /// `enum('a','b,c')`, `["max"]` for `nvarchar(max)`.
    pub args: Vec<String>,
    /// MySQL's `UNSIGNED`, or `ZEROFILL`, which implies it.
    pub unsigned: bool,
    /// How many array levels wrap the element: `int[][]` → 2.
    pub array_depth: usize,
}

impl Declared {
    pub fn parse(sql_type: &str) -> Declared {
        let original = sql_type.trim().to_string();
        let (text, array_depth) = strip_array_markers(&original);
        let (head, args) = split_head_and_args(text);
        let head = head.to_ascii_lowercase();
        let words: Vec<&str> = head.split_whitespace().collect();
        let unsigned = words.iter().any(|w| matches!(*w, "unsigned" | "zerofill"));
        Declared {
            original,
            base: base_words(&words).join(" "),
            args,
            unsigned,
            array_depth,
        }
    }

    /// An argument as a whole number: a length, a precision.
    pub fn number_arg(&self, index: usize) -> Option<u32> {
        self.args.get(index).and_then(|a| a.parse().ok())
    }
}

/// Removes trailing `[]`, `[3]` and SQL-standard ` ARRAY` markers, counting them.
fn strip_array_markers(text: &str) -> (&str, usize) {
    const ARRAY: &str = " array";
    let mut text = text.trim();
    let mut depth = 0;
    loop {
        if text.ends_with(']') {
            match text.rfind('[') {
                Some(open) => text = text[..open].trim_end(),
                None => break,
            }
        } else if let Some(cut) = text.len().checked_sub(ARRAY.len()).filter(|&cut| {
            text.get(cut..)
                .is_some_and(|s| s.eq_ignore_ascii_case(ARRAY))
        }) {
            text = text[..cut].trim_end();
        } else {
            break;
        }
        depth += 1;
    }
    (text, depth)
}

/// `timestamp(3) with time zone` → (`timestamp  with time zone`, `["3"]`).
/// Without a closing parenthesis after the opening one the text is left
/// whole: a malformed type is unknown, not guessed at.
fn split_head_and_args(text: &str) -> (String, Vec<String>) {
    match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if open < close => (
            format!("{} {}", &text[..open], &text[close + 1..]),
            split_args(&text[open + 1..close]),
        ),
        _ => (text.to_string(), Vec::new()),
    }
}

/// The name's words: sign words dropped, and everything from a MySQL
/// `CHARACTER SET`, `CHARSET` or `COLLATE` clause on, which names an
/// encoding, not a type.
fn base_words<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let mut base = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let charset = *word == "character" && words.get(i + 1) == Some(&"set");
        if charset || matches!(*word, "charset" | "collate") {
            break;
        }
        if !matches!(*word, "unsigned" | "signed" | "zerofill") {
            base.push(*word);
        }
    }
    base
}

/// Splits `'a','b,c'` or `10, 2` at top-level commas, keeping quoted text
/// whole (a doubled quote inside a value toggles twice, so it stays inside).
fn split_args(inner: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => {
                args.push(current.trim().to_string());
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        args.push(current.trim().to_string());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_apart_arguments_modifiers_and_arrays() {
        let t = Declared::parse("NUMERIC(10, 2)");
        assert_eq!(
            (t.base.as_str(), t.args.as_slice()),
            ("numeric", &["10".to_string(), "2".to_string()][..])
        );
        assert!(Declared::parse("int unsigned").unsigned);
        assert!(Declared::parse("int(10) zerofill").unsigned);
        assert_eq!(Declared::parse("integer[]").array_depth, 1);
        assert_eq!(Declared::parse("int[3][4]").array_depth, 2);
        assert_eq!(Declared::parse("text ARRAY").array_depth, 1);
        assert_eq!(Declared::parse("enum('a','b,c')").args, ["'a'", "'b,c'"]);
        assert_eq!(Declared::parse("ENUM('Paid')").args, ["'Paid'"]);
        assert_eq!(Declared::parse("nvarchar(max)").base, "nvarchar");
        assert_eq!(
            Declared::parse("timestamp(3) with time zone").base,
            "timestamp with time zone"
        );
        let charset = Declared::parse("varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        assert_eq!((charset.base.as_str(), charset.args.len()), ("varchar", 1));
        assert_eq!(
            Declared::parse("character varying(40)").base,
            "character varying"
        );
    }

    #[test]
    fn odd_input_parses_without_panicking() {
        for odd in [
            "",
            "   ",
            "(",
            ")",
            ")(",
            "varchar(10",
            "int)",
            "[]",
            "]",
            "[",
            "()",
            "é(ü)",
            "a[é]",
            " array",
        ] {
            let t = Declared::parse(odd);
            assert_eq!(t.original, odd.trim());
        }
        assert_eq!(Declared::parse("varchar(10").base, "varchar(10");
        assert!(Declared::parse("").base.is_empty());
    }
}
