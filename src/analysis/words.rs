//! Word handling for table and column names: the schema part of a
//! qualified name, words, singular and plural forms, compact keys. Every
//! name-based step (inferred foreign keys, the names signal, service names)
//! compares names through these so that `order_items`, `OrderItems` and
//! `orderitems` meet.

/// The schema of `schema.table`, if the name has one.
pub(crate) fn schema_of(name: &str) -> Option<&str> {
    name.rsplit_once('.').map(|(schema, _)| schema)
}

/// The table part of `schema.table`.
pub(crate) fn bare(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, table)| table)
}

/// Lower-case words: split on anything not alphanumeric and on camel-case
/// boundaries (`OrderItems` → `order`, `items`).
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Module path words too common to name a domain: layers, roles and
/// containers (singular; plurals are matched through [`singular`]).
const GENERIC_MODULE_WORDS: &[&str] = &[
    "admin",
    "api",
    "app",
    "common",
    "controller",
    "core",
    "crud",
    "dao",
    "data",
    "database",
    "db",
    "domain",
    "entity",
    "handler",
    "http",
    "internal",
    "job",
    "lib",
    "main",
    "mod",
    "model",
    "persistence",
    "query",
    "repo",
    "repository",
    "rest",
    "route",
    "schema",
    "server",
    "service",
    "sql",
    "src",
    "storage",
    "store",
    "task",
    "util",
    "web",
    "worker",
];

/// The words of a module path that can name a domain, as written
/// (lower-case): every segment but the crate root, split into words,
/// without generic ones and words under three letters
/// (`shop_worker::jobs::expire_orders` → `expire`, `orders`).
pub(crate) fn module_words(module: &str) -> Vec<String> {
    module
        .split("::")
        .skip(1)
        .flat_map(words)
        .filter(|w| w.len() >= 3 && !GENERIC_MODULE_WORDS.contains(&singular(w).as_str()))
        .collect()
}

/// Irregular plurals seen in schemas, as (singular, plural).
const IRREGULAR: &[(&str, &str)] = &[
    ("person", "people"),
    ("child", "children"),
    ("man", "men"),
    ("woman", "women"),
    ("status", "statuses"),
    ("bus", "buses"),
    ("series", "series"),
    ("species", "species"),
    ("news", "news"),
    ("data", "data"),
    ("metadata", "metadata"),
    ("media", "media"),
];

/// Words that read badly with an `s`: left as they are by [`plural`].
const UNCOUNTABLE: &[&str] = &[
    "info",
    "staff",
    "stock",
    "money",
    "auth",
    "config",
    "audit",
    "feedback",
    "equipment",
];

/// The singular of one lower-case word. Only needs to be consistent, not
/// perfect: both sides of every comparison go through it.
pub(crate) fn singular(word: &str) -> String {
    if let Some((one, _)) = IRREGULAR.iter().find(|(_, many)| *many == word) {
        return (*one).to_string();
    }
    if IRREGULAR.iter().any(|(one, _)| *one == word) {
        return word.to_string();
    }
    let n = word.len();
    if n > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..n - 3]);
    }
    for suffix in ["sses", "xes", "ches", "shes", "zzes"] {
        if n > suffix.len() + 1 && word.ends_with(suffix) {
            return word[..n - 2].to_string();
        }
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word.to_string();
    }
    if n > 3 && word.ends_with('s') {
        return word[..n - 1].to_string();
    }
    word.to_string()
}

/// The plural of one lower-case word, for service names (`order` →
/// `orders`, `category` → `categories`); words already plural stay.
pub(crate) fn plural(word: &str) -> String {
    if let Some((_, many)) = IRREGULAR.iter().find(|(one, _)| *one == word) {
        return (*many).to_string();
    }
    if IRREGULAR.iter().any(|(_, many)| *many == word)
        || UNCOUNTABLE.contains(&word)
        || word.ends_with("ing")
        || word.is_empty()
        || word.ends_with(|c: char| c.is_ascii_digit())
    {
        return word.to_string();
    }
    if singular(word) != word {
        return word.to_string();
    }
    let n = word.len();
    if word.ends_with('y') && n > 1 && !word[..n - 1].ends_with(['a', 'e', 'i', 'o', 'u']) {
        return format!("{}ies", &word[..n - 1]);
    }
    if word.ends_with('s')
        || word.ends_with('x')
        || word.ends_with('z')
        || word.ends_with("ch")
        || word.ends_with("sh")
    {
        return format!("{word}es");
    }
    format!("{word}s")
}

/// The comparison key of a name: its words joined, the last one singular
/// (`order_items` → `orderitem`, `Customers` → `customer`).
pub(crate) fn key(name: &str) -> String {
    let mut w = words(name);
    if let Some(last) = w.last_mut() {
        *last = singular(last);
    }
    w.concat()
}

/// The name lower-cased with separators removed (`Bill_To_Address_ID` →
/// `billtoaddressid`).
pub(crate) fn compact(name: &str) -> String {
    words(name).concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words() {
        assert_eq!(words("OrderItems"), ["order", "items"]);
        assert_eq!(words("order_items"), ["order", "items"]);
        assert_eq!(words("BillToAddressID"), ["bill", "to", "address", "id"]);
        assert_eq!(words("salesorderheader"), ["salesorderheader"]);
    }

    #[test]
    fn singular_and_plural() {
        for (one, many) in [
            ("order", "orders"),
            ("category", "categories"),
            ("address", "addresses"),
            ("person", "people"),
            ("box", "boxes"),
            ("batch", "batches"),
            ("key", "keys"),
            ("status", "statuses"),
        ] {
            assert_eq!(singular(many), one, "{many}");
            assert_eq!(plural(one), many, "{one}");
            assert_eq!(plural(many), many, "{many}");
        }
        assert_eq!(singular("address"), "address");
        assert_eq!(plural("shipping"), "shipping");
    }

    #[test]
    fn keys() {
        assert_eq!(key("order_items"), "orderitem");
        assert_eq!(key("Customers"), "customer");
        assert_eq!(key("customer"), "customer");
        assert_eq!(compact("Bill_To_Address_ID"), "billtoaddressid");
        assert_eq!(bare("sales.customer"), "customer");
        assert_eq!(schema_of("sales.customer"), Some("sales"));
        assert_eq!(schema_of("customer"), None);
    }
}
