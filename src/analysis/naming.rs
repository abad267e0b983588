//! Service names: lower-case letters, digits and `-`, unique, and stable
//! (the same tables and code give the same name). A service is named, in
//! order of preference:
//! - after its schema, when most of its tables share a non-default schema
//!   and it holds more of that schema than any other service (`catalog`,
//!   `sales`);
//! - after its data layer, when more than half of the modules writing only
//!   its tables share a path word no other service's writers use
//!   (`shop_db::inventory::stock` and `shop_db::inventory::movements` name
//!   `inventory`): the team's own word for the domain;
//! - after its most central table, kebab-case with the last word plural
//!   (`orders`, `order-items`).
//!
//! Collisions fall back to the next most central table, then a number.

use super::words::{bare, module_words, plural, schema_of, singular, words};
use std::collections::{BTreeMap, BTreeSet};

/// What naming needs to know about one service.
pub(crate) struct NamingInput<'a> {
    /// Its tables' names.
    pub(crate) tables: Vec<&'a str>,
    /// Its tables from most to least central.
    pub(crate) central: Vec<&'a str>,
    /// The modules that write only this service's tables themselves.
    pub(crate) writers: Vec<&'a str>,
}

/// One name per service, in input order.
pub(crate) fn name_services(services: &[NamingInput], default_schema: Option<&str>) -> Vec<String> {
    // Who holds most of each schema.
    let mut holders: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (i, s) in services.iter().enumerate() {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &s.tables {
            if let Some(schema) = schema_of(t).filter(|x| Some(*x) != default_schema) {
                *counts.entry(schema).or_insert(0) += 1;
            }
        }
        for (schema, n) in counts {
            holders.entry(schema).or_default().push((n, i));
        }
    }
    let mut schema_name: Vec<Option<&str>> = vec![None; services.len()];
    for (schema, list) in &holders {
        // Most tables, then the lowest index (services come sorted).
        let &(n, i) = list
            .iter()
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
            .expect("non-empty");
        if 2 * n > services[i].tables.len() {
            schema_name[i] = Some(schema);
        }
    }
    let code_name = code_names(services);
    // Bigger services pick first, so they get the plain names.
    let mut order: Vec<usize> = (0..services.len()).collect();
    order.sort_by(|&a, &b| {
        (schema_name[b].is_some(), services[b].tables.len())
            .cmp(&(schema_name[a].is_some(), services[a].tables.len()))
            .then(services[a].tables.first().cmp(&services[b].tables.first()))
    });
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut names = vec![String::new(); services.len()];
    for i in order {
        let mut candidates: Vec<String> = Vec::new();
        if let Some(schema) = schema_name[i] {
            candidates.push(slug(schema, false));
        }
        if let Some(word) = &code_name[i] {
            // A word that names one of its tables' entities reads as they
            // do (`group` → `groups`); a domain word stays as written
            // (`inventory`, `shipping`).
            let entity = services[i]
                .tables
                .iter()
                .any(|t| words(bare(t)).iter().any(|w| singular(w) == singular(word)));
            candidates.push(slug(word, entity));
        }
        candidates.extend(services[i].central.iter().map(|t| slug(bare(t), true)));
        let base = candidates
            .first()
            .cloned()
            .unwrap_or_else(|| "service".to_string());
        let name = candidates
            .into_iter()
            .find(|c| !taken.contains(c))
            .unwrap_or_else(|| {
                (2..)
                    .map(|n| format!("{base}-{n}"))
                    .find(|c| !taken.contains(c))
                    .expect("unbounded")
            });
        taken.insert(name.clone());
        names[i] = name;
    }
    names
}

/// Per service, the path word more than half of its writers share and no
/// other service's writers use; the most shared, then the first in
/// alphabetical order.
fn code_names(services: &[NamingInput]) -> Vec<Option<String>> {
    let counts: Vec<BTreeMap<String, usize>> = services
        .iter()
        .map(|s| {
            let mut counts = BTreeMap::new();
            for writer in &s.writers {
                let distinct: BTreeSet<String> = module_words(writer).into_iter().collect();
                for word in distinct {
                    *counts.entry(word).or_insert(0) += 1;
                }
            }
            counts
        })
        .collect();
    let mut used_by: BTreeMap<&str, usize> = BTreeMap::new();
    for words in &counts {
        for word in words.keys() {
            *used_by.entry(word.as_str()).or_insert(0) += 1;
        }
    }
    services
        .iter()
        .zip(&counts)
        .map(|(service, words)| {
            words
                .iter()
                .filter(|(w, &n)| used_by[w.as_str()] == 1 && 2 * n > service.writers.len())
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(w, _)| w.clone())
        })
        .collect()
}

/// `Order_Items` → `order-items` (with `plural_last`), `2fa` → `s-2fa`.
fn slug(name: &str, plural_last: bool) -> String {
    let mut w: Vec<String> = words(name)
        .into_iter()
        .map(|w| w.chars().filter(|c| c.is_ascii_alphanumeric()).collect())
        .filter(|w: &String| !w.is_empty())
        .collect();
    if plural_last {
        if let Some(last) = w.last_mut() {
            *last = plural(last);
        }
    }
    let joined = w.join("-");
    match joined.chars().next() {
        None => "service".to_string(),
        Some(c) if c.is_ascii_digit() => format!("s-{joined}"),
        Some(_) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("order_items", true), "order-items");
        assert_eq!(slug("OrderItem", true), "order-items");
        assert_eq!(slug("customer", true), "customers");
        assert_eq!(slug("Catalog", false), "catalog");
        assert_eq!(slug("2fa_code", true), "s-2fa-codes");
        assert!(slug("größe", true)
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-'));
        assert_eq!(slug("___", true), "service");
    }

    #[test]
    fn schema_names_and_collisions() {
        let a = NamingInput {
            tables: vec!["catalog.products", "catalog.categories"],
            central: vec!["catalog.products", "catalog.categories"],
            writers: vec![],
        };
        let b = NamingInput {
            tables: vec!["catalog.product_images"],
            central: vec!["catalog.product_images"],
            writers: vec![],
        };
        let c = NamingInput {
            tables: vec!["orders", "order_items"],
            central: vec!["orders", "order_items"],
            writers: vec![],
        };
        let d = NamingInput {
            tables: vec!["order"],
            central: vec!["order"],
            writers: vec![],
        };
        let names = name_services(&[a, b, c, d], Some("public"));
        assert_eq!(names, ["catalog", "product-images", "orders", "orders-2"]);
    }

    #[test]
    fn the_data_layer_names_a_service_with_a_word_of_its_own() {
        let inventory = NamingInput {
            tables: vec!["stock_levels", "stock_movements", "warehouses"],
            central: vec!["stock_levels", "stock_movements", "warehouses"],
            writers: vec![
                "shop_db::inventory",
                "shop_db::inventory::movements",
                "shop_db::inventory::stock",
            ],
        };
        // "db" and the crate root say nothing; "orders" is shared with
        // the other service's writers, so neither takes it.
        let shared = NamingInput {
            tables: vec!["payments"],
            central: vec!["payments"],
            writers: vec!["app::db::orders_payments"],
        };
        let orders = NamingInput {
            tables: vec!["orders"],
            central: vec!["orders"],
            writers: vec!["app::db::orders"],
        };
        let group = NamingInput {
            tables: vec!["groups", "groups_users"],
            central: vec!["groups", "groups_users"],
            writers: vec!["app::db::models::group"],
        };
        let names = name_services(&[inventory, shared, orders, group], None);
        assert_eq!(names, ["inventory", "payments", "orders", "groups"]);
    }
}
