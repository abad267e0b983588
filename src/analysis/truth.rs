//! A known grouping of tables to compare a proposal with: a CSV file of
//! `table,group` rows (the header is optional) or a TOML file with a
//! `[groups]` table of `group = ["table", ...]` arrays.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Each table's group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Truth {
    /// Table → group.
    pub groups: BTreeMap<String, String>,
}

impl Truth {
    /// Group → its tables, sorted.
    pub fn by_group(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (table, group) in &self.groups {
            out.entry(group).or_default().push(table);
        }
        out
    }
}

/// Why a truth file could not be read; messages start with `file:line:`
/// when a line is at fault.
#[derive(Debug, thiserror::Error)]
pub enum TruthError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: no table in the file")]
    Empty { file: String },
}

/// Reads a truth file; `.toml` files (or files whose first meaningful line
/// is `[groups]`) are TOML, anything else CSV.
pub fn read_truth(path: &Path) -> Result<Truth, TruthError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| TruthError::Io {
        file: file.clone(),
        source,
    })?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        || text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .is_some_and(|l| l.starts_with('['));
    let truth = if is_toml {
        parse_toml(&file, &text)?
    } else {
        parse_csv(&file, &text)?
    };
    if truth.groups.is_empty() {
        return Err(TruthError::Empty { file });
    }
    Ok(truth)
}

/// Parses `table,group` lines. Blank lines and `#` comments are skipped; a
/// first line `table,group` is a header; fields may be double-quoted.
pub(crate) fn parse_csv(file: &str, text: &str) -> Result<Truth, TruthError> {
    let mut groups = BTreeMap::new();
    let mut lines_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut first = true;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.trim().trim_start_matches('\u{feff}');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let fields: Vec<String> = content
            .split(',')
            .map(|f| f.trim().trim_matches('"').trim().to_string())
            .collect();
        let syntax = |message: String| TruthError::Syntax {
            file: file.to_string(),
            line,
            message,
        };
        if fields.len() != 2 {
            return Err(syntax(format!(
                "expected `table,group`, found {} field(s)",
                fields.len()
            )));
        }
        if std::mem::take(&mut first)
            && fields[0].eq_ignore_ascii_case("table")
            && fields[1].eq_ignore_ascii_case("group")
        {
            continue;
        }
        if fields[0].is_empty() || fields[1].is_empty() {
            return Err(syntax("empty table or group name".to_string()));
        }
        insert(&mut groups, &mut lines_of, &fields[0], &fields[1], line).map_err(syntax)?;
    }
    Ok(Truth { groups })
}

#[derive(Deserialize)]
struct TomlTruth {
    groups: BTreeMap<String, Vec<toml::Spanned<String>>>,
}

/// Parses `[groups]` with `group = ["table", ...]` entries.
pub(crate) fn parse_toml(file: &str, text: &str) -> Result<Truth, TruthError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let parsed: TomlTruth = toml::from_str(text).map_err(|e| TruthError::Syntax {
        file: file.to_string(),
        line: e.span().map_or(1, |s| line_of(s.start)),
        message: e.message().to_string(),
    })?;
    let mut groups = BTreeMap::new();
    let mut lines_of: BTreeMap<String, usize> = BTreeMap::new();
    for (group, tables) in &parsed.groups {
        for table in tables {
            let line = line_of(table.span().start);
            insert(&mut groups, &mut lines_of, table.get_ref(), group, line).map_err(
                |message| TruthError::Syntax {
                    file: file.to_string(),
                    line,
                    message,
                },
            )?;
        }
    }
    Ok(Truth { groups })
}

fn insert(
    groups: &mut BTreeMap<String, String>,
    lines_of: &mut BTreeMap<String, usize>,
    table: &str,
    group: &str,
    line: usize,
) -> Result<(), String> {
    if let Some(previous) = groups.get(table) {
        if previous != group {
            return Err(format!(
                "table `{table}` is in group `{group}` here but in `{previous}` on line {}",
                lines_of[table]
            ));
        }
        return Ok(());
    }
    groups.insert(table.to_string(), group.to_string());
    lines_of.insert(table.to_string(), line);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_and_without_header() {
        let with = parse_csv(
            "t.csv",
            "table,group\norders,sales\n\n# note\ncustomers,crm\n",
        )
        .unwrap();
        let without = parse_csv("t.csv", "orders,sales\n\"customers\" , crm\n").unwrap();
        assert_eq!(with, without);
        assert_eq!(with.groups["orders"], "sales");
        assert_eq!(with.by_group()["crm"], ["customers"]);
    }

    #[test]
    fn csv_errors_name_the_line() {
        let e = parse_csv("t.csv", "table,group\norders,sales\nbroken\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:3: expected `table,group`, found 1 field(s)"
        );
        let e = parse_csv("t.csv", "orders,sales\norders,crm\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:2: table `orders` is in group `crm` here but in `sales` on line 1"
        );
    }

    #[test]
    fn toml_groups_and_errors() {
        let t = parse_toml(
            "t.toml",
            "[groups]\nsales = [\"orders\", \"order_items\"]\ncrm = [\"customers\"]\n",
        )
        .unwrap();
        assert_eq!(t.groups["order_items"], "sales");
        assert_eq!(t.groups["customers"], "crm");
        let e = parse_toml("t.toml", "[groups]\na = [\"x\"]\nb = [\n  \"x\",\n]\n").unwrap_err();
        assert!(e.to_string().starts_with("t.toml:4: table `x`"), "{e}");
        let e = parse_toml("t.toml", "[groups]\na = [\"x\"\n").unwrap_err();
        assert!(e.to_string().starts_with("t.toml:"), "{e}");
        let e = parse_toml("t.toml", "[groups]\na = 3\n").unwrap_err();
        assert!(e.to_string().starts_with("t.toml:2:"), "{e}");
    }
}
