//! Doc comments read as plain comments before a file is parsed.
//!
//! The lexer turns every `///`, `//!`, `/** … */` and `/*! … */` into a
//! `#[doc = "…"]` attribute: a string literal and tokens that syn then
//! parses, and the syntax tree keeps. carve never reads documentation, so
//! each doc comment is made a plain comment in place by blanking its third
//! character: the text keeps its length and every line and column, and
//! string literals that merely contain `///` are left alone because only
//! the comments the nesting scan passes are touched.

/// Whether the comment starting at `at` (its first `/`) is a doc comment:
/// `///` but not `////`, `//!`, `/**` but not `/***` or `/**/`, `/*!`.
pub fn is_doc_comment(bytes: &[u8], at: usize) -> bool {
    let third = bytes.get(at + 2).copied();
    let fourth = bytes.get(at + 3).copied();
    match (bytes.get(at + 1), third) {
        (Some(b'/'), Some(b'!')) | (Some(b'*'), Some(b'!')) => true,
        (Some(b'/'), Some(b'/')) => fourth != Some(b'/'),
        (Some(b'*'), Some(b'*')) => !matches!(fourth, Some(b'*' | b'/')),
        _ => false,
    }
}

/// Makes the doc comments starting at `starts` plain comments: `/// x`
/// becomes `//  x`, `/** x */` becomes `/*  x */`.
pub fn make_plain(text: &mut String, starts: &[usize]) {
    for &at in starts {
        // The third character is ASCII (`/`, `*` or `!`): replacing it by a
        // space keeps the text valid UTF-8 and the same length.
        if text.as_bytes().get(at + 2).is_some_and(u8::is_ascii) {
            text.replace_range(at + 2..at + 3, " ");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::rust::unread::taken_out as plain;

    #[test]
    fn doc_comments_of_every_form_become_plain_ones() {
        assert_eq!(plain("/// outer\nfn f() {}"), "//  outer\nfn f() {}");
        assert_eq!(plain("//! inner\n"), "//  inner\n");
        assert_eq!(plain("/** outer */ fn f() {}"), "/*  outer */ fn f() {}");
        assert_eq!(plain("/*! inner */"), "/*  inner */");
    }

    #[test]
    fn plain_comments_and_strings_stay_as_written() {
        for unchanged in [
            "//// a rule\n",
            "// plain\n",
            "/**/ fn f() {}",
            "/*** banner ***/",
            "/* plain */",
            "const A: &str = \"/// not a comment\";",
            "const B: &str = r#\"//! nor this\"#;",
            "const C: char = '/'; // plain",
        ] {
            assert_eq!(plain(unchanged), unchanged);
        }
    }

    #[test]
    fn lines_and_columns_stay_where_they_were() {
        let source = "/// é doc\n/// more\nfn f() {\n    let x = \"///\"; /// trailing\n}\n";
        let text = plain(source);
        assert_eq!(text.len(), source.len());
        assert_eq!(
            text.lines().map(str::len).collect::<Vec<_>>(),
            source.lines().map(str::len).collect::<Vec<_>>()
        );
        assert!(text.contains("let x = \"///\";"));
        let file = syn::parse_file(&text).unwrap();
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!("a function")
        };
        assert!(
            f.attrs.is_empty(),
            "the doc comments are not attributes any more"
        );
        assert_eq!(f.sig.ident.span().start().line, 3);
    }
}
