//! Reading a schema file's text, whatever state it is in: a BOM, UTF-16
//! from SQL Server tools, stray Latin-1 bytes, or not text at all.

use crate::model::Diagnostic;
use std::path::Path;

/// The text of a file, or why it cannot be used; `warnings` says what was
/// repaired on the way.
#[derive(Debug)]
pub struct ReadText {
    pub text: String,
    pub warnings: Vec<Diagnostic>,
}

/// Reads `path` as text. `shown` is the path to print.
pub fn read_text(path: &Path, shown: &str) -> Result<ReadText, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error("file-unreadable", format!("cannot read {shown}: {e}")).in_file(shown)
    })?;
    decode(bytes, shown)
}

/// Decodes file bytes; see [`read_text`].
pub fn decode(bytes: Vec<u8>, shown: &str) -> Result<ReadText, Diagnostic> {
    let mut warnings = Vec::new();
    if let Some(text) = decode_utf16(&bytes) {
        return Ok(ReadText { text, warnings });
    }
    if bytes.contains(&0) {
        return Err(Diagnostic::error(
            "file-binary",
            format!("{shown} is not a text file (it contains NUL bytes); skipped"),
        )
        .in_file(shown)
        .with_help("point --schema at .sql files or migration folders"));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(error) => {
            let valid = &body[..error.valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            let column =
                (valid.len() - valid.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1)) as u32
                    + 1;
            warnings.push(
                Diagnostic::warning(
                    "file-not-utf8",
                    format!("{shown} is not valid UTF-8; invalid bytes were replaced with U+FFFD"),
                )
                .at(shown, line, column)
                .with_help("re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"),
            );
            String::from_utf8_lossy(body).into_owned()
        }
    };
    Ok(ReadText { text, warnings })
}

/// UTF-16 with a byte-order mark, as SQL Server Management Studio saves scripts.
fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks_exact(2).map(|pair| {
        if little {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_a_bom() {
        let read = decode(b"\xEF\xBB\xBFCREATE TABLE a (id int);".to_vec(), "a.sql").unwrap();
        assert!(read.text.starts_with("CREATE"));
        assert!(read.warnings.is_empty());
    }

    #[test]
    fn latin1_is_repaired_with_a_located_warning() {
        let read = decode(
            b"-- ok\n-- caf\xE9\nCREATE TABLE a (id int);".to_vec(),
            "a.sql",
        )
        .unwrap();
        assert!(read.text.contains("CREATE TABLE a"));
        assert_eq!(read.warnings[0].code, "file-not-utf8");
        assert_eq!(read.warnings[0].line, Some(2));
    }

    #[test]
    fn binary_is_refused() {
        let error = decode(vec![0x7f, b'E', b'L', b'F', 0, 0, 1], "a.sql").unwrap_err();
        assert_eq!(error.code, "file-binary");
    }

    #[test]
    fn utf16_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "CREATE TABLE a (id int);".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(
            decode(bytes, "a.sql").unwrap().text,
            "CREATE TABLE a (id int);"
        );
    }
}
