//! diesel: DSL paths (`posts::table`, `posts::dsl::title`, bare `posts`
//! after `use …::posts::dsl::*`), model structs (`#[diesel(table_name = …)]`,
//! `#[table_name = "…"]`) and the functions that write (`insert_into`, …).

use super::super::facts::Segs;
use super::super::names::TableIndex;
use proc_macro2::{TokenStream, TokenTree};

/// Segments that follow a table module in a DSL path no matter the schema.
const TABLE_ITEMS: &[&str] = &["table", "dsl", "columns", "all_columns", "star"];

/// diesel functions whose argument is the table written.
pub const WRITE_FNS: &[&str] = &[
    "insert_into",
    "insert_or_ignore_into",
    "replace_into",
    "update",
    "delete",
];

/// Where a DSL path names a table: the segment's index, and whether the
/// form is certain (`X::table`, `X::dsl…`) or could also be an ordinary
/// module path that happens to end in a column's name (`X::<column>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableRef {
    pub index: usize,
    pub certain: bool,
}

/// The table a DSL path names: `X::table`, `X::dsl…`, or `X::<column of X>`
/// anywhere in the path. `users::find()` is a module path, not an access.
pub fn table_in_path(segs: &[String], tables: &TableIndex) -> Option<TableRef> {
    segs.windows(2).enumerate().find_map(|(index, w)| {
        let (table, next) = (w[0].as_str(), w[1].as_str());
        let known = tables.knows(table);
        if TABLE_ITEMS.contains(&next) {
            (known || tables.is_empty()).then_some(TableRef {
                index,
                certain: true,
            })
        } else {
            (known && tables.has_column(table, next)).then_some(TableRef {
                index,
                certain: false,
            })
        }
    })
}

/// The table whose DSL a `use` brings in as bare names: `X::dsl::*`,
/// `X::dsl::{X, …}` (the entry for `X`).
pub fn dsl_table_of_use(name: Option<&str>, path: &Segs) -> Option<String> {
    let n = path.len();
    match name {
        None if n >= 2 && path[n - 1] == "dsl" => Some(path[n - 2].clone()),
        Some(alias) if n >= 3 && path[n - 2] == "dsl" && path[n - 1] == path[n - 3] => {
            (alias == path[n - 1]).then(|| alias.to_string())
        }
        _ => None,
    }
}

/// Whether a derive list makes a model writable.
pub fn derives_write(derives: &[String]) -> bool {
    derives
        .iter()
        .any(|d| d == "Insertable" || d == "AsChangeset")
}

/// The table of `#[diesel(table_name = posts)]` (diesel 2): the last
/// identifier after `table_name =`.
pub fn table_name_in_diesel_attr(tokens: TokenStream) -> Option<String> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "table_name"))?;
    if !matches!(tokens.get(at + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=') {
        return None;
    }
    let mut last = None;
    for token in &tokens[at + 2..] {
        match token {
            TokenTree::Ident(i) => last = Some(i.to_string()),
            TokenTree::Punct(p) if p.as_char() == ':' => {}
            TokenTree::Literal(l) => {
                // diesel 2 also accepts a quoted name.
                let text = l.to_string();
                last = Some(text.trim_matches('"').to_string());
                break;
            }
            _ => break,
        }
    }
    last.map(|s| s.trim_start_matches("r#").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Dialect, Schema, Table};

    fn index() -> TableIndex {
        let table = |name: &str, cols: &[&str]| Table {
            name: name.into(),
            columns: cols
                .iter()
                .map(|c| Column {
                    name: c.to_string(),
                    data_type: "int".into(),
                    nullable: false,
                })
                .collect(),
            primary_key: vec![],
            foreign_keys: vec![],
            unique_keys: vec![],
            partition_of: None,
            source: None,
        };
        TableIndex::new(&Schema {
            dialect: Dialect::Postgres,
            tables: vec![table("posts", &["id", "title"]), table("users", &["id"])],
        })
    }

    fn segs(s: &str) -> Segs {
        s.split("::").map(str::to_string).collect()
    }

    #[test]
    fn finds_tables_in_dsl_paths() {
        let t = index();
        let at = |index, certain| Some(TableRef { index, certain });
        assert_eq!(table_in_path(&segs("posts::table"), &t), at(0, true));
        assert_eq!(
            table_in_path(&segs("crate::schema::posts::dsl::title"), &t),
            at(2, true)
        );
        assert_eq!(table_in_path(&segs("posts::title"), &t), at(0, false));
        assert_eq!(table_in_path(&segs("users::find"), &t), None);
        assert_eq!(table_in_path(&segs("comments::table"), &t), None);
    }

    #[test]
    fn recognizes_dsl_imports() {
        assert_eq!(
            dsl_table_of_use(None, &segs("crate::schema::posts::dsl")).as_deref(),
            Some("posts")
        );
        assert_eq!(
            dsl_table_of_use(Some("posts"), &segs("schema::posts::dsl::posts")).as_deref(),
            Some("posts")
        );
        assert_eq!(
            dsl_table_of_use(Some("title"), &segs("schema::posts::dsl::title")),
            None
        );
        assert_eq!(dsl_table_of_use(None, &segs("diesel::prelude")), None);
    }

    #[test]
    fn reads_table_name_attributes() {
        let tokens: TokenStream = "table_name = crate::schema::posts, check_for_backend(Pg)"
            .parse()
            .unwrap();
        assert_eq!(table_name_in_diesel_attr(tokens).as_deref(), Some("posts"));
        let tokens: TokenStream = "primary_key(id)".parse().unwrap();
        assert_eq!(table_name_in_diesel_attr(tokens), None);
    }
}
