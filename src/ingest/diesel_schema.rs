//! Reading a diesel `schema.rs` (`table!`, `joinable!`) as a schema source,
//! for projects whose SQL is not in the tree.

use crate::ingest::rust::nesting;
use crate::model::{
    Column, Diagnostic, Dialect, ForeignKey, Schema, SourceLocation, Table, TableRef,
};
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::visit::Visit;

/// What a `schema.rs` declares.
#[derive(Debug, Default)]
pub struct DieselSchema {
    /// Each table with the name Rust code uses for it (`joinable!` and the
    /// DSL use that name; `#[sql_name]` and schemas can make it differ).
    pub tables: Vec<(String, Table)>,
    /// `joinable!(child -> parent (column))`.
    pub joins: Vec<(String, String, String)>,
}

/// Parses `text` (the file shown as `shown`).
pub fn parse(text: &str, shown: &str) -> Result<DieselSchema, Diagnostic> {
    // syn recurses once per level: a file nested thousands deep would
    // overflow the stack, which cannot be caught.
    if let Some((line, column)) = nesting::too_deep_at(text) {
        return Err(
            Diagnostic::error("rust-unparsed", nesting::too_deep_message(shown))
                .at(shown, line, column),
        );
    }
    let file = syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        Diagnostic::error(
            "rust-unparsed",
            format!("cannot parse {shown} as Rust: {e}"),
        )
        .at(shown, start.line as u32, start.column as u32 + 1)
    })?;
    let mut visitor = MacroVisitor {
        shown,
        schema: DieselSchema::default(),
    };
    visitor.visit_file(&file);
    Ok(visitor.schema)
}

/// Builds the schema from one or more parsed `schema.rs` files.
pub fn to_schema(parts: Vec<DieselSchema>, dialect: Dialect) -> (Schema, Vec<Diagnostic>) {
    let mut tables: Vec<Table> = Vec::new();
    let mut rust_names: Vec<String> = Vec::new();
    let mut joins = Vec::new();
    for part in parts {
        for (rust_name, table) in part.tables {
            if !tables.iter().any(|t| t.name == table.name) {
                rust_names.push(rust_name);
                tables.push(table);
            }
        }
        joins.extend(part.joins);
    }
    let sql_names: Vec<(String, String)> = rust_names
        .into_iter()
        .zip(tables.iter().map(|t| t.name.clone()))
        .collect();
    let sql_name = |rust: &str| -> Option<String> {
        sql_names
            .iter()
            .find(|(r, _)| r == rust)
            .map(|(_, sql)| sql.clone())
    };
    let mut diagnostics = Vec::new();
    for (child_rust, parent_rust, column) in joins {
        let (Some(child), Some(parent)) = (sql_name(&child_rust), sql_name(&parent_rust)) else {
            diagnostics.push(Diagnostic::warning(
                "diesel-unknown-table",
                format!("joinable!({child_rust} -> {parent_rust}) names a table that no table! declares"),
            ));
            continue;
        };
        let Some(parent_pk) = tables
            .iter()
            .find(|t| t.name == parent)
            .map(|t| t.primary_key.clone())
        else {
            diagnostics.push(Diagnostic::warning(
                "diesel-unknown-table",
                format!("joinable!({child} -> {parent}) names a table that no table! declares"),
            ));
            continue;
        };
        if let Some(table) = tables.iter_mut().find(|t| t.name == child) {
            table.foreign_keys.push(ForeignKey {
                name: None,
                columns: vec![column],
                references: TableRef {
                    table: parent,
                    columns: parent_pk,
                },
                inferred: false,
            });
        }
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    (Schema { dialect, tables }, diagnostics)
}

struct MacroVisitor<'a> {
    shown: &'a str,
    schema: DieselSchema,
}

impl<'ast> Visit<'ast> for MacroVisitor<'_> {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        match name.as_str() {
            "table" => {
                let tokens: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
                self.tables(&tokens);
            }
            "joinable" => {
                let tokens: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
                if let Some(join) = joinable(&tokens) {
                    self.schema.joins.push(join);
                }
            }
            _ => {}
        }
        syn::visit::visit_macro(self, mac);
    }
}

fn punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

fn ident(token: Option<&TokenTree>) -> Option<String> {
    match token {
        Some(TokenTree::Ident(i)) => Some(i.to_string().trim_start_matches("r#").to_string()),
        _ => None,
    }
}

/// `#[sql_name = "x"]` inside an attribute group.
fn sql_name(group: &TokenStream) -> Option<String> {
    let tokens: Vec<TokenTree> = group.clone().into_iter().collect();
    if ident(tokens.first())? != "sql_name" || !punct(tokens.get(1), '=') {
        return None;
    }
    match tokens.get(2) {
        Some(TokenTree::Literal(l)) => Some(l.to_string().trim_matches('"').to_string()),
        _ => None,
    }
}

impl MacroVisitor<'_> {
    /// One `table!` invocation, which may declare several tables.
    fn tables(&mut self, tokens: &[TokenTree]) {
        let mut i = 0;
        let mut renamed = None;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Ident(id) if id == "use" => {
                    while i < tokens.len() && !punct(tokens.get(i), ';') {
                        i += 1;
                    }
                    i += 1;
                }
                TokenTree::Punct(p) if p.as_char() == '#' => {
                    if let Some(TokenTree::Group(g)) = tokens.get(i + 1) {
                        if let Some(name) = sql_name(&g.stream()) {
                            renamed = Some(name);
                        }
                    }
                    i += 2;
                }
                TokenTree::Ident(first) => {
                    let line = first.span().start().line as u32;
                    let mut name = first.to_string();
                    let mut rust_name = name.clone();
                    i += 1;
                    if punct(tokens.get(i), '.') {
                        if let Some(second) = ident(tokens.get(i + 1)) {
                            rust_name = second.clone();
                            name = format!("{name}.{}", renamed.take().unwrap_or(second));
                            i += 2;
                        }
                    } else if let Some(r) = renamed.take() {
                        name = r;
                    }
                    let mut primary_key = vec!["id".to_string()];
                    if let Some(TokenTree::Group(g)) = tokens.get(i) {
                        if g.delimiter() == Delimiter::Parenthesis {
                            primary_key = g
                                .stream()
                                .into_iter()
                                .filter_map(|t| ident(Some(&t)))
                                .collect();
                            i += 1;
                        }
                    }
                    if let Some(TokenTree::Group(g)) = tokens.get(i) {
                        if g.delimiter() == Delimiter::Brace {
                            let columns = columns(&g.stream().into_iter().collect::<Vec<_>>());
                            let name = name
                                .strip_prefix("public.")
                                .map(str::to_string)
                                .unwrap_or(name);
                            self.schema.tables.push((
                                rust_name,
                                Table {
                                    name,
                                    columns,
                                    primary_key,
                                    foreign_keys: Vec::new(),
                                    unique_keys: Vec::new(),
                                    partition_of: None,
                                    source: Some(SourceLocation {
                                        file: self.shown.to_string(),
                                        line,
                                    }),
                                },
                            ));
                            i += 1;
                        }
                    }
                }
                _ => i += 1,
            }
        }
    }
}

/// `col -> Type,` entries; `Nullable<…>` makes a column nullable.
fn columns(tokens: &[TokenTree]) -> Vec<Column> {
    let mut columns = Vec::new();
    let mut i = 0;
    let mut renamed = None;
    while i < tokens.len() {
        if punct(tokens.get(i), '#') {
            if let Some(TokenTree::Group(g)) = tokens.get(i + 1) {
                if let Some(name) = sql_name(&g.stream()) {
                    renamed = Some(name);
                }
            }
            i += 2;
            continue;
        }
        let Some(name) = ident(tokens.get(i)) else {
            i += 1;
            continue;
        };
        if !(punct(tokens.get(i + 1), '-') && punct(tokens.get(i + 2), '>')) {
            i += 1;
            continue;
        }
        i += 3;
        let mut depth = 0i32;
        let mut type_tokens = Vec::new();
        while let Some(t) = tokens.get(i) {
            if punct(Some(t), '<') {
                depth += 1;
            } else if punct(Some(t), '>') {
                depth -= 1;
            } else if punct(Some(t), ',') && depth == 0 {
                break;
            }
            type_tokens.push(t.to_string());
            i += 1;
        }
        i += 1;
        let data_type = type_tokens.concat();
        let nullable = data_type.starts_with("Nullable<");
        columns.push(Column {
            name: renamed.take().unwrap_or(name),
            data_type,
            nullable,
        });
    }
    columns
}

/// `child -> parent (column)`.
fn joinable(tokens: &[TokenTree]) -> Option<(String, String, String)> {
    let child = ident(tokens.first())?;
    if !(punct(tokens.get(1), '-') && punct(tokens.get(2), '>')) {
        return None;
    }
    let parent = ident(tokens.get(3))?;
    let TokenTree::Group(g) = tokens.get(4)? else {
        return None;
    };
    let column = g.stream().into_iter().find_map(|t| ident(Some(&t)))?;
    Some((child, parent, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_nested_too_deep_is_refused_before_parsing() {
        // Parsed, this would overflow the stack and abort the process.
        let src = format!(
            "diesel::table! {{\n    users (id) {}{} }}\n",
            "{".repeat(20_000),
            "}".repeat(20_000)
        );
        let error = parse(&src, "src/schema.rs").unwrap_err();
        assert_eq!(error.code, "rust-unparsed");
        assert!(
            error.message.contains("nests deeper than 512 levels"),
            "{}",
            error.message
        );
        assert_eq!(error.file.as_deref(), Some("src/schema.rs"));
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn reads_tables_keys_and_joins() {
        let src = r#"
            diesel::table! {
                users (id) {
                    id -> Int4,
                    #[sql_name = "type"]
                    kind -> Nullable<Varchar>,
                }
            }
            diesel::table! {
                post_tags (post_id, tag_id) {
                    post_id -> Int4,
                    tag_id -> Int4,
                }
                billing.invoices {
                    id -> Int8,
                    user_id -> Int4,
                }
            }
            diesel::joinable!(post_tags -> users (post_id));
        "#;
        let parsed = parse(src, "schema.rs").unwrap();
        let (schema, diagnostics) = to_schema(vec![parsed], Dialect::Postgres);
        assert!(diagnostics.is_empty());
        let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["billing.invoices", "post_tags", "users"]);
        let users = schema.table("users").unwrap();
        assert_eq!(users.columns[1].name, "type");
        assert!(users.columns[1].nullable);
        assert_eq!(
            schema.table("post_tags").unwrap().primary_key,
            ["post_id", "tag_id"]
        );
        assert_eq!(
            schema.table("post_tags").unwrap().foreign_keys[0]
                .references
                .table,
            "users"
        );
    }
}
