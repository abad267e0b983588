//! What carve does not read, taken out of a file's text before it is
//! parsed, in the one pass that measures how deeply the file nests: doc
//! comments become plain comments ([`super::doc_comments`]) and inline test
//! modules blank lines ([`super::test_modules`]). Every line stays where it
//! was, so spans and diagnostics still point at the file as written.

use super::doc_comments;
use super::nesting::{self, Mark};
use super::test_modules;

/// Takes out of `text` what carve does not read; when the file nests too
/// deep to parse, it is left as it was and the byte offset where it passes
/// the limit ([`nesting::MAX_NESTING`]) is returned.
pub fn take_out(text: &mut String) -> Result<(), usize> {
    let mut docs = Vec::new();
    let mut tests = Vec::new();
    let bytes = text.as_bytes();
    let too_deep = nesting::measure(text, nesting::MAX_NESTING, |mark| match mark {
        Mark::Comment(at) => {
            if doc_comments::is_doc_comment(bytes, at) {
                docs.push(at);
            }
        }
        Mark::Hash(at) => tests.extend(test_modules::test_module_at(bytes, at)),
    });
    if let Some(offset) = too_deep {
        return Err(offset);
    }
    // Doc comments first: blanking can shorten the text after them.
    doc_comments::make_plain(text, &docs);
    test_modules::blank(text, &tests);
    Ok(())
}

/// `source` with what carve does not read taken out; for tests.
#[cfg(test)]
pub fn taken_out(source: &str) -> String {
    let mut text = source.to_string();
    take_out(&mut text).expect("not too deep");
    text
}
