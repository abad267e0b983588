//! `#[cfg(test)] mod name { … }` blanked before a file is parsed.
//!
//! carve leaves test code out of the analysis: test-only items are skipped
//! when facts are extracted ([`super::syntax::is_test_only`]). Inline test
//! modules are most of that code and the most common form of it, so the
//! text of each one is blanked before parsing: parsing it would only build
//! a tree nobody reads. Other test-only forms (`cfg(all(test, …))`, test
//! functions) are still parsed and skipped afterwards.
//!
//! Blanking keeps every line where it was: each character but line breaks
//! becomes a space, so lines and columns after a test module are unchanged.

use super::nesting::{group_end, ident_end, trivia_end};
use std::ops::Range;

const CFG_TEST: &[u8] = b"#[cfg(test)]";

/// The inline test module whose `#[cfg(test)]` starts at `at`, from the
/// attribute to its closing brace; `None` when `at` starts anything else
/// (another attribute, a test function, `mod tests;`).
pub fn test_module_at(bytes: &[u8], at: usize) -> Option<Range<usize>> {
    if !bytes.get(at..)?.starts_with(CFG_TEST) {
        return None;
    }
    let mut i = trivia_end(bytes, at + CFG_TEST.len());
    // More attributes may follow: `#[allow(…)]`, `#[rustfmt::skip]`.
    while bytes.get(i) == Some(&b'#') && bytes.get(i + 1) == Some(&b'[') {
        i = trivia_end(bytes, group_end(bytes, i + 1)?);
    }
    if is_word(bytes, i, b"pub") {
        i = trivia_end(bytes, i + 3);
        if bytes.get(i) == Some(&b'(') {
            i = trivia_end(bytes, group_end(bytes, i)?);
        }
    }
    if !is_word(bytes, i, b"mod") {
        return None;
    }
    i = trivia_end(bytes, i + 3);
    let name_end = ident_end(bytes, i);
    if name_end == i {
        return None;
    }
    i = trivia_end(bytes, name_end);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    Some(at..group_end(bytes, i)?)
}

/// Whether the keyword `word` stands at `i` on its own.
fn is_word(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    bytes.get(i..).is_some_and(|rest| rest.starts_with(word))
        && ident_end(bytes, i) == i + word.len()
}

/// Blanks `modules` (in increasing order; one inside another is blanked
/// with it) in `text`.
pub fn blank(text: &mut String, modules: &[Range<usize>]) {
    let mut outer: Vec<&Range<usize>> = Vec::new();
    for module in modules {
        if outer.last().is_none_or(|last| module.start >= last.end) {
            outer.push(module);
        }
    }
    // From the last, so the ranges before stay where they are even where
    // a multi-byte character shrinks to one space.
    for module in outer.into_iter().rev() {
        let Some(inside) = text.get(module.clone()) else {
            continue;
        };
        let blanks: String = inside
            .chars()
            .map(|c| if matches!(c, '\n' | '\r') { c } else { ' ' })
            .collect();
        text.replace_range(module.clone(), &blanks);
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::rust::unread::taken_out as blanked;

    #[test]
    fn an_inline_test_module_becomes_blank_lines() {
        let source = "fn a() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn t() { let s = \"}\"; let c = '}'; /* } */ assert_eq!(s, \"é\"); }\n}\nfn b() {}\n";
        let text = blanked(source);
        assert_eq!(text.lines().count(), source.lines().count());
        assert_eq!(text.lines().next(), Some("fn a() {}"));
        assert_eq!(text.lines().last(), Some("fn b() {}"));
        assert!(!text.contains("tests") && !text.contains("assert_eq"));
        let file = syn::parse_file(&text).unwrap();
        assert_eq!(file.items.len(), 2);
        let syn::Item::Fn(b) = &file.items[1] else {
            panic!("fn b")
        };
        assert_eq!(b.sig.ident.span().start().line, 8);
    }

    #[test]
    fn attributes_visibility_and_nested_test_modules_are_taken_along() {
        let source = "#[cfg(test)] // tests\n#[allow(dead_code)]\npub(crate) mod tests { #[cfg(test)] mod inner { fn x() {} } }\nfn kept() {}";
        let text = blanked(source);
        assert!(text.trim_start().starts_with("fn kept() {}"));
        assert_eq!(text.lines().count(), source.lines().count());
    }

    #[test]
    fn other_test_only_forms_and_look_alikes_stay() {
        for unchanged in [
            "#[cfg(test)]\nmod tests;\n",
            "#[cfg(test)]\nfn helper() {}\n",
            "#[cfg(not(test))]\nmod real {}\n",
            "#[cfg(all(test, feature = \"x\"))]\nmod tests {}\n",
            "const A: &str = \"#[cfg(test)] mod tests { }\";\n",
            "// #[cfg(test)] mod tests { }\nfn f() {}\n",
            "#[cfg(test)]\nmod unclosed {\n",
        ] {
            assert_eq!(blanked(unchanged), unchanged);
        }
    }
}
