//! Changing a plan in place with toml_edit, so the user's comments, order
//! and layout survive every round trip. Each edit checks its inputs and
//! leaves the document unchanged when it refuses.

use super::validate::service_name_problem;
use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EditError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, EditError> {
    Err(EditError(message.into()))
}

/// A plan being edited.
#[derive(Debug, Clone)]
pub struct PlanDocument {
    doc: DocumentMut,
}

fn strings(table: &Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn array_mut<'a>(table: &'a mut Table, key: &str) -> &'a mut Array {
    if table.get(key).and_then(Item::as_array).is_none() {
        table.insert(key, value(Array::new()));
    }
    table
        .get_mut(key)
        .and_then(Item::as_array_mut)
        .expect("just inserted an array")
}

fn remove_string(array: &mut Array, item: &str) -> bool {
    let before = array.len();
    array.retain(|v| v.as_str() != Some(item));
    array.len() != before
}

/// Appends keeping the array's layout: one item a line when it already is.
fn push_string(array: &mut Array, item: &str) {
    let multiline = array.iter().next().is_some_and(|v| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .is_some_and(|p| p.contains('\n'))
    });
    let mut new = Value::from(item);
    if multiline {
        new.decor_mut().set_prefix("\n    ");
        array.set_trailing_comma(true);
        array.set_trailing("\n");
    }
    array.push_formatted(new);
}

impl PlanDocument {
    pub fn parse(text: &str) -> Result<Self, EditError> {
        text.parse::<DocumentMut>()
            .map(|doc| PlanDocument { doc })
            .map_err(|e| EditError(e.to_string()))
    }

    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    fn services(&mut self) -> Result<&mut ArrayOfTables, EditError> {
        match self
            .doc
            .get_mut("services")
            .and_then(Item::as_array_of_tables_mut)
        {
            Some(services) => Ok(services),
            None => err("the plan has no [[services]]"),
        }
    }

    /// Service names in file order.
    pub fn service_names(&self) -> Vec<String> {
        self.doc
            .get("services")
            .and_then(Item::as_array_of_tables)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.get("name").and_then(Item::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The tables of a service.
    pub fn tables_of(&self, service: &str) -> Vec<String> {
        self.find(service)
            .map(|t| strings(t, "tables"))
            .unwrap_or_default()
    }

    /// The modules of a service.
    pub fn modules_of(&self, service: &str) -> Vec<String> {
        self.find(service)
            .map(|t| strings(t, "modules"))
            .unwrap_or_default()
    }

    fn find(&self, service: &str) -> Option<&Table> {
        self.doc
            .get("services")
            .and_then(Item::as_array_of_tables)
            .and_then(|a| {
                a.iter()
                    .find(|t| t.get("name").and_then(Item::as_str) == Some(service))
            })
    }

    fn find_mut(&mut self, service: &str) -> Result<&mut Table, EditError> {
        let services = self.services()?;
        match services
            .iter_mut()
            .find(|t| t.get("name").and_then(Item::as_str) == Some(service))
        {
            Some(table) => Ok(table),
            None => err(format!("no service named `{service}`")),
        }
    }

    fn check_new_name(&self, name: &str) -> Result<(), EditError> {
        if let Some(problem) = service_name_problem(name) {
            return err(problem);
        }
        if self.service_names().iter().any(|n| n == name) {
            return err(format!("a service named `{name}` already exists"));
        }
        Ok(())
    }

    /// Renames a service everywhere it is named.
    pub fn rename_service(&mut self, old: &str, new: &str) -> Result<(), EditError> {
        self.check_new_name(new)?;
        self.find_mut(old)?["name"] = value(new);
        self.rename_references(old, new);
        Ok(())
    }

    /// `[[shared]].owner` and `[[exceptions]]` entries naming `old`.
    fn rename_references(&mut self, old: &str, new: &str) {
        for (section, keys) in [
            ("shared", &["owner"][..]),
            ("exceptions", &["service", "before"][..]),
        ] {
            if let Some(entries) = self
                .doc
                .get_mut(section)
                .and_then(Item::as_array_of_tables_mut)
            {
                for entry in entries.iter_mut() {
                    for key in keys {
                        if entry.get(key).and_then(Item::as_str) == Some(old) {
                            entry[*key] = value(new);
                        }
                    }
                }
            }
        }
    }

    /// The service that owns `table`, if any.
    pub fn owner_of(&self, table: &str) -> Option<String> {
        self.service_names()
            .into_iter()
            .find(|s| self.tables_of(s).iter().any(|t| t == table))
    }

    /// Moves tables (`key = "tables"`) or modules (`"modules"`) to `to`.
    fn move_items(&mut self, key: &str, items: &[String], to: &str) -> Result<(), EditError> {
        self.find(to)
            .ok_or_else(|| EditError(format!("no service named `{to}`")))?;
        for item in items {
            let holder = self
                .service_names()
                .into_iter()
                .find(|s| self.find(s).is_some_and(|t| strings(t, key).contains(item)));
            let Some(holder) = holder else {
                return err(format!("`{item}` is not in any service"));
            };
            if holder == to {
                continue;
            }
            remove_string(array_mut(self.find_mut(&holder)?, key), item);
            push_string(array_mut(self.find_mut(to)?, key), item);
            if key == "tables" {
                self.retarget_shared(item, to);
            }
        }
        Ok(())
    }

    /// A moved table's `[[shared]]` owner follows it.
    fn retarget_shared(&mut self, table: &str, owner: &str) {
        if let Some(entries) = self
            .doc
            .get_mut("shared")
            .and_then(Item::as_array_of_tables_mut)
        {
            for entry in entries.iter_mut() {
                if entry.get("table").and_then(Item::as_str) == Some(table) {
                    entry["owner"] = value(owner);
                }
            }
        }
    }

    pub fn move_tables(&mut self, tables: &[String], to: &str) -> Result<(), EditError> {
        self.move_items("tables", tables, to)
    }

    pub fn move_modules(&mut self, modules: &[String], to: &str) -> Result<(), EditError> {
        self.move_items("modules", modules, to)
    }

    /// Merges `from` into `into`: its tables and modules move, it disappears.
    pub fn merge(&mut self, into: &str, from: &str) -> Result<(), EditError> {
        if into == from {
            return err("cannot merge a service into itself");
        }
        self.find(into)
            .ok_or_else(|| EditError(format!("no service named `{into}`")))?;
        let tables = self.tables_of(from);
        let modules = self.modules_of(from);
        self.find(from)
            .ok_or_else(|| EditError(format!("no service named `{from}`")))?;
        self.move_tables(&tables, into)?;
        self.move_modules(&modules, into)?;
        let services = self.services()?;
        services.retain(|t| t.get("name").and_then(Item::as_str) != Some(from));
        self.rename_references(from, into);
        self.renumber_steps();
        Ok(())
    }

    /// Splits `tables` out of `service` into a new service right after it.
    pub fn split(
        &mut self,
        service: &str,
        tables: &[String],
        new_name: &str,
    ) -> Result<(), EditError> {
        self.check_new_name(new_name)?;
        let own = self.tables_of(service);
        if tables.is_empty() || tables.len() >= own.len() {
            return err("pick some, but not all, of the service's tables to split off");
        }
        if let Some(t) = tables.iter().find(|t| !own.contains(t)) {
            return err(format!("`{t}` is not a table of `{service}`"));
        }
        let position = self
            .service_names()
            .iter()
            .position(|s| s == service)
            .expect("service exists");
        let mut table = Table::new();
        table["name"] = value(new_name);
        table["step"] = value(0);
        table["tables"] = value(Array::new());
        table["modules"] = value(Array::new());
        table["pinned"] = value(false);
        let services = self.services()?;
        // ArrayOfTables has no insert: rebuild it with the new entry in place.
        let mut rebuilt = ArrayOfTables::new();
        for (i, t) in services.iter().enumerate() {
            rebuilt.push(t.clone());
            if i == position {
                rebuilt.push(table.clone());
            }
        }
        *services = rebuilt;
        self.move_tables(tables, new_name)?;
        self.renumber_steps();
        Ok(())
    }

    /// Marks a table shared: owned by `owner`, read by others via `strategy`.
    pub fn mark_shared(
        &mut self,
        table: &str,
        owner: &str,
        strategy: &str,
    ) -> Result<(), EditError> {
        if strategy != "replicate" && strategy != "api" {
            return err("strategy must be `replicate` or `api`");
        }
        if self.owner_of(table).as_deref() != Some(owner) {
            self.move_tables(&[table.to_string()], owner)?;
        }
        if self
            .doc
            .get("shared")
            .and_then(Item::as_array_of_tables)
            .is_none()
        {
            self.doc
                .insert("shared", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        let entries = self.doc["shared"]
            .as_array_of_tables_mut()
            .expect("just ensured");
        let existing = entries
            .iter()
            .position(|e| e.get("table").and_then(Item::as_str) == Some(table));
        if let Some(entry) = existing.and_then(|i| entries.get_mut(i)) {
            entry["owner"] = value(owner);
            entry["strategy"] = value(strategy);
        } else {
            let mut entry = Table::new();
            entry["table"] = value(table);
            entry["owner"] = value(owner);
            entry["strategy"] = value(strategy);
            entries.push(entry);
        }
        Ok(())
    }

    /// Moves `service` to position `step` (1-based) and renumbers.
    pub fn set_step(&mut self, service: &str, step: usize) -> Result<(), EditError> {
        let names = self.service_names();
        let Some(from) = names.iter().position(|s| s == service) else {
            return err(format!("no service named `{service}`"));
        };
        if step == 0 || step > names.len() {
            return err(format!("step must be between 1 and {}", names.len()));
        }
        let services = self.services()?;
        let mut tables: Vec<Table> = services.iter().cloned().collect();
        let moved = tables.remove(from);
        tables.insert(step - 1, moved);
        let mut rebuilt = ArrayOfTables::new();
        for t in tables {
            rebuilt.push(t);
        }
        *services = rebuilt;
        self.renumber_steps();
        Ok(())
    }

    /// Steps follow file order: 1, 2, 3, …
    fn renumber_steps(&mut self) {
        if let Ok(services) = self.services() {
            for (i, table) in services.iter_mut().enumerate() {
                let step = i as i64 + 1;
                match table.get_mut("step").and_then(Item::as_value_mut) {
                    Some(existing) => {
                        let decor = existing.decor().clone();
                        *existing = Value::from(step);
                        *existing.decor_mut() = decor;
                    }
                    None => table["step"] = value(step),
                }
            }
        }
    }

    /// Whether a service is pinned (kept as it is when the analysis re-runs).
    pub fn is_pinned(&self, service: &str) -> bool {
        self.find(service)
            .and_then(|t| t.get("pinned"))
            .and_then(Item::as_bool)
            .unwrap_or(false)
    }

    /// The current value of a `[kafka]` setting, as text.
    pub fn kafka_value(&self, key: &str) -> Option<String> {
        let item = self.doc.get("kafka")?.as_table()?.get(key)?.as_value()?;
        match item {
            Value::String(s) => Some(s.value().clone()),
            other => Some(other.to_string().trim().to_string()),
        }
    }

    /// Replaces every unpinned service by `proposed` (name, tables, modules),
    /// appended after the pinned ones in the given order. Pinned services
    /// keep their entries, comments included.
    pub fn replace_unpinned(
        &mut self,
        proposed: &[(String, Vec<String>, Vec<String>)],
    ) -> Result<(), EditError> {
        let pinned: Vec<String> = self
            .service_names()
            .into_iter()
            .filter(|n| self.is_pinned(n))
            .collect();
        if let Some((name, _, _)) = proposed.iter().find(|(n, _, _)| pinned.contains(n)) {
            return err(format!("`{name}` is pinned and cannot be proposed again"));
        }
        if self
            .doc
            .get("services")
            .and_then(Item::as_array_of_tables)
            .is_none()
        {
            self.doc
                .insert("services", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        let services = self.services()?;
        services.retain(|t| t.get("pinned").and_then(Item::as_bool) == Some(true));
        for (name, tables, modules) in proposed {
            let mut table = Table::new();
            table["name"] = value(name.as_str());
            table["step"] = value(0);
            table["tables"] = value(Array::from_iter(tables.iter().map(String::as_str)));
            table["modules"] = value(Array::from_iter(modules.iter().map(String::as_str)));
            table["pinned"] = value(false);
            services.push(table);
        }
        self.renumber_steps();
        Ok(())
    }

    pub fn set_pinned(&mut self, service: &str, pinned: bool) -> Result<(), EditError> {
        self.find_mut(service)?["pinned"] = value(pinned);
        Ok(())
    }

    /// Sets a `[kafka]` setting, checking its value.
    pub fn set_kafka(&mut self, key: &str, new: &str) -> Result<(), EditError> {
        let parsed: Value = match key {
            "bootstrap_servers" | "schema_registry_url" | "topic_prefix" => Value::from(new),
            "event_format" => match super::validate::event_format_problem(new) {
                None => Value::from(new),
                Some(problem) => return err(problem),
            },
            "sink" if new == "debezium-jdbc" || new == "confluent-jdbc" => Value::from(new),
            "partitions" | "replication_factor" => match new.parse::<i64>() {
                Ok(n) if n >= 1 => Value::from(n),
                _ => return err(format!("{key} must be a positive number")),
            },
            "sink" => return err("sink must be `debezium-jdbc` or `confluent-jdbc`"),
            other => return err(format!("unknown Kafka setting `{other}`")),
        };
        if self.doc.get("kafka").and_then(Item::as_table).is_none() {
            self.doc.insert("kafka", Item::Table(Table::new()));
        }
        let kafka = self.doc["kafka"].as_table_mut().expect("just ensured");
        match kafka.get_mut(key).and_then(Item::as_value_mut) {
            Some(existing) => {
                let decor = existing.decor().clone();
                *existing = parsed;
                *existing.decor_mut() = decor;
            }
            None => kafka[key] = Item::Value(parsed),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"format_version = 1
# our monolith
[monolith]
name = "shop"
dialect = "postgres"

[kafka]
partitions = 6  # keep in line with the cluster

[[services]]
name = "catalog"
step = 1  # nothing to wait for
tables = ["products", "categories"]
modules = ["shop::catalog"]
pinned = false

# orders: the hot path
[[services]]
name = "orders"
step = 2
tables = [
    "orders",
    "order_items",
]
modules = ["shop::orders"]
pinned = false

[[shared]]
table = "categories"
owner = "catalog"
strategy = "replicate"
"#;

    fn doc() -> PlanDocument {
        PlanDocument::parse(PLAN).unwrap()
    }

    #[test]
    fn rename_keeps_comments_and_follows_references() {
        let mut d = doc();
        d.rename_service("catalog", "products").unwrap();
        let text = d.text();
        assert!(
            text.contains("name = \"products\"\nstep = 1  # nothing to wait for"),
            "{text}"
        );
        assert!(text.contains("# orders: the hot path"));
        assert!(text.contains("owner = \"products\""));
        assert!(d.rename_service("orders", "products").is_err());
        assert!(d.rename_service("orders", "Bad Name").is_err());
    }

    #[test]
    fn move_merge_split_and_reorder() {
        let mut d = doc();
        d.move_tables(&["categories".into()], "orders").unwrap();
        assert_eq!(
            d.tables_of("orders"),
            ["orders", "order_items", "categories"]
        );
        assert!(
            d.text().contains("owner = \"orders\""),
            "the shared owner follows the table"
        );
        d.merge("orders", "catalog").unwrap();
        assert_eq!(d.service_names(), ["orders"]);
        assert_eq!(d.modules_of("orders"), ["shop::orders", "shop::catalog"]);
        d.split("orders", &["products".into()], "catalog").unwrap();
        assert_eq!(d.service_names(), ["orders", "catalog"]);
        d.set_step("catalog", 1).unwrap();
        assert_eq!(d.service_names(), ["catalog", "orders"]);
        let reparsed = crate::plan::load::parse_plan(&d.text(), "carve.toml").unwrap();
        assert_eq!(
            *reparsed.plan.services[1].step.as_ref().unwrap().get_ref(),
            2
        );
    }

    #[test]
    fn kafka_settings_are_checked_and_keep_their_comment() {
        let mut d = doc();
        d.set_kafka("partitions", "12").unwrap();
        assert!(
            d.text()
                .contains("partitions = 12  # keep in line with the cluster"),
            "{}",
            d.text()
        );
        assert!(d.set_kafka("event_format", "xml").is_err());
        assert!(d.set_kafka("event_format", "avro").is_err());
        d.set_kafka("event_format", "json").unwrap();
        assert!(d.set_kafka("partitions", "0").is_err());
        d.set_kafka("sink", "confluent-jdbc").unwrap();
        assert!(d.text().contains("sink = \"confluent-jdbc\""));
    }

    #[test]
    fn marking_shared_moves_the_table_to_its_owner() {
        let mut d = doc();
        d.mark_shared("orders", "catalog", "api").unwrap();
        assert!(d.tables_of("catalog").contains(&"orders".to_string()));
        assert!(
            d.text()
                .contains("table = \"orders\"\nowner = \"catalog\"\nstrategy = \"api\""),
            "{}",
            d.text()
        );
    }
}
