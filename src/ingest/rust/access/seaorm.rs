//! SeaORM: `#[sea_orm(table_name = "cake")]` on an entity's `Model` maps
//! that module to a table; `Entity::find…` reads it, `insert`/`update`/
//! `delete` and `ActiveModel` values write it.

use crate::model::AccessMode;
use proc_macro2::{TokenStream, TokenTree};

/// The parts of an entity module other code names.
pub const ENTITY_PARTS: &[&str] = &["Entity", "ActiveModel", "Model", "Column", "PrimaryKey"];

/// `schema_name.table_name` from the attribute's tokens.
pub fn table_of_attr(tokens: TokenStream) -> Option<String> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let value = |key: &str| {
        tokens.windows(3).find_map(|w| match (&w[0], &w[1], &w[2]) {
            (TokenTree::Ident(k), TokenTree::Punct(p), TokenTree::Literal(l))
                if k == key && p.as_char() == '=' =>
            {
                Some(l.to_string().trim_matches('"').to_string())
            }
            _ => None,
        })
    };
    let table = value("table_name")?;
    Some(match value("schema_name") {
        Some(schema) => format!("{schema}.{table}"),
        None => table,
    })
}

/// How an associated function or method of an entity part touches its
/// table: `ActiveModel` is only built to be written.
pub fn mode_of(part: &str, method: Option<&str>) -> AccessMode {
    if part == "ActiveModel" {
        return AccessMode::Write;
    }
    match method {
        Some(m)
            if m.starts_with("insert")
                || m.starts_with("update")
                || m.starts_with("delete")
                || m.starts_with("save") =>
        {
            AccessMode::Write
        }
        _ => AccessMode::Read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_entity_attribute() {
        let tokens: TokenStream = r#"table_name = "cake""#.parse().unwrap();
        assert_eq!(table_of_attr(tokens).as_deref(), Some("cake"));
        let tokens: TokenStream = r#"schema_name = "shop", table_name = "cake""#.parse().unwrap();
        assert_eq!(table_of_attr(tokens).as_deref(), Some("shop.cake"));
    }

    #[test]
    fn modes_follow_the_method() {
        assert_eq!(mode_of("Entity", Some("find_by_id")), AccessMode::Read);
        assert_eq!(mode_of("Entity", Some("insert_many")), AccessMode::Write);
        assert_eq!(mode_of("Entity", Some("delete_by_id")), AccessMode::Write);
        assert_eq!(mode_of("ActiveModel", None), AccessMode::Write);
    }
}
