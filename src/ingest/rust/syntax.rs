//! Reading syn nodes the way carve needs them: names as strings, the type
//! a value stands for, which patterns bind what, which items exist only in
//! tests, string literals, and `use` trees flattened into imports.

use super::facts::{Segs, UseFact};
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::{Attribute, Expr, ExprLit, Ident, Item, Lit, Meta, Pat, Type, UseTree};

/// The 1-based line a span starts on.
pub fn line_of(span: Span) -> u32 {
    span.start().line as u32
}

/// Where a span starts, as a key that tells tokens of one file apart.
pub fn key_of(span: Span) -> (u32, u32) {
    let start = span.start();
    (start.line as u32, start.column as u32)
}

/// An identifier's name, `r#` dropped: `r#type` and `type` name the same.
pub fn ident_str(ident: &Ident) -> String {
    let s = ident.to_string();
    match s.strip_prefix("r#") {
        Some(raw) => raw.to_string(),
        None => s,
    }
}

/// An identifier's name, `r#` dropped, written into `buf`: proc-macro2
/// gives names only through `Display`, and most names read are only looked
/// at, so one reused buffer saves an allocation per identifier.
pub fn ident_in<'b>(ident: &Ident, buf: &'b mut String) -> &'b str {
    use std::fmt::Write;
    buf.clear();
    // Writing into a String cannot fail.
    let _ = write!(buf, "{ident}");
    buf.strip_prefix("r#").unwrap_or(buf)
}

/// A path's segment names, generic arguments dropped.
pub fn path_segs(path: &syn::Path) -> Segs {
    path.segments.iter().map(|s| ident_str(&s.ident)).collect()
}

/// Wrappers whose first type argument is what a value really is.
const WRAPPERS: &[&str] = &[
    "Option",
    "Vec",
    "Result",
    "Box",
    "Arc",
    "Rc",
    "RefCell",
    "Cell",
    "Mutex",
    "RwLock",
    "Cow",
    "VecDeque",
    "HashSet",
    "BTreeSet",
    "Json",
    "Data",
    "State",
    "Extension",
    "Form",
];

/// The type a value of `ty` stands for, wrappers and references removed.
pub fn core_type(ty: &Type) -> Option<Segs> {
    match ty {
        Type::Reference(r) => core_type(&r.elem),
        // Iterating a slice or an array yields its elements.
        Type::Slice(s) => core_type(&s.elem),
        Type::Array(a) => core_type(&a.elem),
        Type::Paren(p) => core_type(&p.elem),
        Type::Group(g) => core_type(&g.elem),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            // Only a wrapper with type arguments is looked through.
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                if WRAPPERS.iter().any(|w| last.ident == w) {
                    return args.args.iter().find_map(|a| match a {
                        syn::GenericArgument::Type(t) => core_type(t),
                        _ => None,
                    });
                }
            }
            Some(path_segs(&p.path))
        }
        _ => None,
    }
}

/// The path of an impl's self type (`impl<T> Foo<T>` → `Foo`).
pub fn impl_segs(ty: &Type) -> Segs {
    match ty {
        Type::Reference(r) => impl_segs(&r.elem),
        Type::Paren(p) => impl_segs(&p.elem),
        Type::Group(g) => impl_segs(&g.elem),
        Type::Path(p) if p.qself.is_none() => path_segs(&p.path),
        _ => Vec::new(),
    }
}

/// `cfg(test)` and `cfg(all(test, …))`: code that only exists in tests.
fn cfg_pred_is_test(tokens: TokenStream) -> bool {
    let mut iter = tokens.into_iter();
    match iter.next() {
        Some(TokenTree::Ident(i)) if i == "test" => iter.next().is_none(),
        Some(TokenTree::Ident(i)) if i == "all" => match iter.next() {
            Some(TokenTree::Group(g)) => split_commas(g.stream()).into_iter().any(cfg_pred_is_test),
            _ => false,
        },
        _ => false,
    }
}

fn split_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut parts = vec![TokenStream::new()];
    for token in tokens {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(TokenStream::new()),
            _ => parts.last_mut().expect("never empty").extend([token]),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// `#[cfg(test)]` and the like on an item.
pub fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        Meta::List(list) if list.path.is_ident("cfg") => cfg_pred_is_test(list.tokens.clone()),
        _ => false,
    })
}

/// `#[test]`, `#[tokio::test]`, `#[sqlx::test]`, `#[bench]`.
pub fn is_test_fn(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "test" || s.ident == "bench")
    }) || is_test_only(attrs)
}

/// The attributes of any item.
pub fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The variable a pattern binds when it binds one value of the scrutinee's
/// type: `x`, `mut x`, `Some(x)`, `Ok(x)`, `&x`.
pub fn pat_binding(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() => Some(ident_str(&p.ident)),
        Pat::Type(p) => pat_binding(&p.pat),
        Pat::Reference(p) => pat_binding(&p.pat),
        Pat::Paren(p) => pat_binding(&p.pat),
        Pat::TupleStruct(p) if p.elems.len() == 1 => {
            let last = &p.path.segments.last()?.ident;
            (last == "Some" || last == "Ok").then(|| pat_binding(&p.elems[0]))?
        }
        _ => None,
    }
}

/// Methods that hand back (a view of) their receiver: `x.unwrap().save()`
/// calls `save` on what `x` holds.
const PEELED_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "clone",
    "unwrap_or_default",
    "to_owned",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "cloned",
    "ok",
    "into_inner",
];

/// The expression whose value `expr` passes on: through `&`, parentheses,
/// `.await`, `?` and the methods above.
pub fn peel(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::Await(a) => &a.base,
            Expr::Try(t) => &t.expr,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            Expr::MethodCall(m) if PEELED_METHODS.iter().any(|p| m.method == p) => &m.receiver,
            _ => return expr,
        };
    }
}

/// A string literal, possibly borrowed or turned into a `String`.
pub fn string_lit(expr: &Expr) -> Option<(String, u32)> {
    let mut expr = expr;
    loop {
        expr = match expr {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::MethodCall(m)
                if ["to_string", "to_owned", "into", "as_str"]
                    .iter()
                    .any(|n| m.method == n) =>
            {
                &m.receiver
            }
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => return Some((s.value(), line_of(s.span()))),
            _ => return None,
        };
    }
}

/// `MAX_ROWS`: the naming of constants and statics.
pub fn is_screaming(name: &str) -> bool {
    name.len() >= 2
        && name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `Cake`: a type, a unit struct or a re-exported entity, not a variant of
/// std's own enums.
pub fn is_camel(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && !is_screaming(name)
        && !matches!(name, "None" | "Some" | "Ok" | "Err" | "Self" | "Default")
}

/// Whether some import of a `use` tree starts with the crate or module
/// `root`: what [`flatten_use`] would tell, without building the imports.
pub fn use_starts_with(tree: &UseTree, root: &str) -> bool {
    match tree {
        UseTree::Path(p) => ident_str(&p.ident) == root && brings_any(&p.tree),
        UseTree::Name(n) => ident_str(&n.ident) == root,
        UseTree::Rename(r) => ident_str(&r.ident) == root,
        UseTree::Glob(_) => false,
        UseTree::Group(g) => g.items.iter().any(|t| use_starts_with(t, root)),
    }
}

/// Whether a `use` tree below a path brings in any name.
fn brings_any(tree: &UseTree) -> bool {
    match tree {
        UseTree::Path(p) => brings_any(&p.tree),
        UseTree::Name(_) | UseTree::Rename(_) | UseTree::Glob(_) => true,
        UseTree::Group(g) => g.items.iter().any(brings_any),
    }
}

/// One import per name a `use` tree brings in (groups, `self`, renames and
/// globs spelled out).
pub fn flatten_use(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseFact>) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(ident_str(&p.ident));
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(n) => {
            let name = ident_str(&n.ident);
            if name == "self" {
                if let Some(last) = prefix.last() {
                    out.push(UseFact {
                        name: Some(last.clone()),
                        path: prefix.clone(),
                    });
                }
            } else {
                let mut path = prefix.clone();
                path.push(name.clone());
                out.push(UseFact {
                    name: Some(name),
                    path,
                });
            }
        }
        UseTree::Rename(r) => {
            let name = ident_str(&r.ident);
            let mut path = prefix.clone();
            if name != "self" {
                path.push(name);
            }
            out.push(UseFact {
                name: Some(ident_str(&r.rename)),
                path,
            });
        }
        UseTree::Glob(_) => out.push(UseFact {
            name: None,
            path: prefix.clone(),
        }),
        UseTree::Group(g) => {
            for tree in &g.items {
                flatten_use(tree, prefix, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn item(code: &str) -> Item {
        syn::parse_str(code).unwrap()
    }

    #[test]
    fn test_only_items_are_recognized() {
        let only = |code: &str| is_test_only(item_attrs(&item(code)));
        assert!(only("#[cfg(test)] mod tests {}"));
        assert!(only("#[cfg(all(test, feature = \"pg\"))] fn f() {}"));
        assert!(!only("#[cfg(not(test))] fn f() {}"));
        assert!(!only("#[cfg(any(test, feature = \"pg\"))] fn f() {}"));
        assert!(!only("#[cfg(feature = \"pg\")] fn f() {}"));
        let Item::Fn(f) = item("#[tokio::test] async fn f() {}") else {
            panic!()
        };
        assert!(is_test_fn(&f.attrs));
    }

    #[test]
    fn core_types_drop_wrappers_and_references() {
        let ty =
            |code: &str| core_type(&syn::parse_str::<Type>(code).unwrap()).map(|s| s.join("::"));
        assert_eq!(
            ty("&mut Option<Vec<crate::db::Cipher>>").as_deref(),
            Some("crate::db::Cipher")
        );
        assert_eq!(ty("Result<Self, Error>").as_deref(), Some("Self"));
        assert_eq!(ty("web::Data<Pool>").as_deref(), Some("Pool"));
        assert_eq!(ty("&[Folder]").as_deref(), Some("Folder"));
        assert_eq!(ty("impl Iterator<Item = u8>"), None);
    }

    #[test]
    fn patterns_bind_one_value() {
        let bound = |code: &str| pat_binding(&Pat::parse_single.parse_str(code).unwrap());
        assert_eq!(bound("mut cipher").as_deref(), Some("cipher"));
        assert_eq!(bound("Some(cipher)").as_deref(), Some("cipher"));
        assert_eq!(bound("Ok(ref c)").as_deref(), Some("c"));
        assert_eq!(bound("(a, b)"), None);
        assert_eq!(bound("Err(e)"), None);
    }

    #[test]
    fn use_roots_agree_with_flattened_imports() {
        for code in [
            "use diesel::prelude::*;",
            "use diesel;",
            "use diesel as d;",
            "use diesel::{};",
            "use {diesel::{self, sql_query}, serde::Serialize};",
            "use crate::diesel::x;",
            "use r#diesel::x;",
            "use *;",
        ] {
            let Item::Use(u) = item(code) else { panic!() };
            let mut out = Vec::new();
            flatten_use(&u.tree, &mut Vec::new(), &mut out);
            let flattened = out
                .iter()
                .any(|f| f.path.first().is_some_and(|s| s == "diesel"));
            assert_eq!(use_starts_with(&u.tree, "diesel"), flattened, "{code}");
        }
    }

    #[test]
    fn use_trees_flatten() {
        let Item::Use(u) = item("use crate::db::{self, models::{Cipher as C, *}, schema};") else {
            panic!()
        };
        let mut out = Vec::new();
        flatten_use(&u.tree, &mut Vec::new(), &mut out);
        let shown: Vec<String> = out
            .iter()
            .map(|f| format!("{}={}", f.name.as_deref().unwrap_or("*"), f.path.join("::")))
            .collect();
        assert_eq!(
            shown,
            vec![
                "db=crate::db",
                "C=crate::db::models::Cipher",
                "*=crate::db::models",
                "schema=crate::db::schema"
            ]
        );
    }
}
