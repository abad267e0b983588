//! The generated artifacts checked against the projects' own descriptions:
//! Strimzi topics against the KafkaTopic v1 schema, AsyncAPI documents
//! against the 3.0.0 schema, every JSON Schema compiled, every Debezium
//! connector config against the 3.5.1 descriptors, the Confluent sink
//! against its documented rules; plus the connectors' wire contract
//! (converters and encodings stated, entity source and sink agreeing), the
//! loop rule and secrets.

mod scaffold_support;

use carve::model::Dialect;
use carve::scaffold::connectors::unstated_converter_keys;
use carve::scaffold::render_all;
use carve::scaffold::spec::{GeneratedFile, ScaffoldSpec, SinkFlavour};
use carve::scaffold::templates::Templates;
use scaffold_support::{reference_dir, shop_spec};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SHOP_SERVICES: &[(&str, &[&str])] = &[
    (
        "catalog",
        &["countries", "categories", "products", "product_images"],
    ),
    ("customers", &["customers", "customer_addresses"]),
    ("orders", &["orders", "order_items"]),
    ("payments", &["payments", "refunds"]),
    (
        "inventory",
        &["warehouses", "stock_levels", "stock_movements"],
    ),
    ("shipping", &["carriers", "shipments", "shipment_items"]),
];

/// The shop spec in each dialect and setting the emitters branch on.
fn variants() -> Vec<(&'static str, ScaffoldSpec)> {
    let base = shop_spec(SHOP_SERVICES);
    let mut mysql = base.clone();
    mysql.monolith.dialect = Dialect::Mysql;
    mysql.monolith.database.port = 3306;
    mysql.monolith.database.schema = None;
    let mut mssql = base.clone();
    mssql.monolith.dialect = Dialect::Mssql;
    mssql.monolith.database.port = 1433;
    mssql.monolith.database.schema = Some("dbo".into());
    let mut json_confluent = base.clone();
    json_confluent.kafka.sink = SinkFlavour::ConfluentJdbc;
    vec![
        ("postgres", base),
        ("mysql", mysql),
        ("mssql", mssql),
        ("json-confluent", json_confluent),
    ]
}

fn render(spec: &ScaffoldSpec) -> Vec<GeneratedFile> {
    render_all(spec, &Templates::load(None).expect("embedded templates")).expect("renders")
}

fn json_file(reference: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(reference.join(name)).expect("reference file");
    serde_json::from_str(&text).expect("reference JSON")
}

fn yaml_documents(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("valid YAML"))
        .filter(|v| !v.is_null())
        .collect()
}

#[test]
fn strimzi_topics_validate_against_the_kafkatopic_v1_schema() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let schema = json_file(&reference, "strimzi/kafkatopic_v1.json");
    let validator = jsonschema::draft7::new(&schema).expect("the Strimzi schema compiles");
    let k8s_name = |n: &str| {
        !n.is_empty()
            && n.len() <= 253
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && n.starts_with(|c: char| c.is_ascii_alphanumeric())
            && n.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    for (variant, spec) in variants() {
        let files = render(&spec);
        let mut seen = BTreeSet::new();
        for file in files
            .iter()
            .filter(|f| f.path.starts_with("topics/") && f.path.ends_with(".yaml"))
        {
            let docs = yaml_documents(&file.contents);
            assert!(!docs.is_empty(), "{variant} {}: no documents", file.path);
            for doc in docs {
                let errors: Vec<String> =
                    validator.iter_errors(&doc).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{variant} {}: {errors:?}", file.path);
                assert_eq!(doc["apiVersion"], "kafka.strimzi.io/v1");
                assert_eq!(doc["kind"], "KafkaTopic");
                assert!(doc["metadata"]["labels"]["strimzi.io/cluster"].is_string());
                let name = doc["metadata"]["name"].as_str().expect("metadata.name");
                assert!(
                    k8s_name(name),
                    "{variant}: `{name}` is not a Kubernetes name"
                );
                let topic = doc["spec"]["topicName"]
                    .as_str()
                    .unwrap_or(name)
                    .to_string();
                let policy = doc["spec"]["config"]["cleanup.policy"]
                    .as_str()
                    .expect("cleanup.policy");
                if topic.ends_with(".dlq") {
                    // Dead letters: a changelog topic's name with `.dlq`.
                    assert!(topic.contains(".changelog."), "{topic}");
                    assert_eq!(policy, "delete", "{topic}");
                    assert!(doc["spec"]["config"]["retention.ms"].is_string());
                } else if topic.contains(".changelog.") || topic.contains(".entity.") {
                    assert_eq!(policy, "compact", "{topic}");
                } else if topic.contains(".events.") {
                    assert_eq!(policy, "delete", "{topic}");
                    assert!(doc["spec"]["config"]["retention.ms"].is_string());
                } else if topic.contains("schema-history") {
                    assert_eq!(doc["spec"]["partitions"], 1, "{topic}");
                    assert_eq!(doc["spec"]["config"]["retention.ms"], "-1", "{topic}");
                } else {
                    panic!("{variant}: unexpected topic {topic}");
                }
                assert!(seen.insert(topic.clone()), "{variant}: {topic} twice");
            }
        }
        // The shell script creates exactly the same topics.
        let script = &files
            .iter()
            .find(|f| f.path == "topics/create-topics.sh")
            .expect("script")
            .contents;
        let created: BTreeSet<String> = script
            .lines()
            .filter_map(|l| l.strip_prefix("create \""))
            .map(|l| l.split('"').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(created, seen, "{variant}");
        let history = seen.iter().any(|t| t.contains("schema-history"));
        assert_eq!(
            history,
            matches!(spec.monolith.dialect, Dialect::Mysql | Dialect::Mssql),
            "{variant}"
        );
    }
}

#[test]
fn the_topic_script_is_valid_bash() {
    let files = render(&shop_spec(SHOP_SERVICES));
    let script = files
        .iter()
        .find(|f| f.path == "topics/create-topics.sh")
        .expect("script");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("create-topics.sh");
    std::fs::write(&path, &script.contents).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .expect("bash runs");
    assert!(status.success());
    // Run it against a stand-in kafka-topics.sh that records its arguments.
    let fake = dir.path().join("kafka-topics.sh");
    let log = dir.path().join("calls.log");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", log.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let output = std::process::Command::new("bash")
        .arg(&path)
        .env("KAFKA_TOPICS", &fake)
        .env("REPLICATION_FACTOR", "1")
        .env("BOOTSTRAP_SERVERS", "localhost:1")
        .output()
        .expect("the script runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    // Changelog, entity, events and dead-letter topics of 16 tables.
    assert_eq!(calls.lines().count(), 16 * 4, "{calls}");
    for call in calls.lines() {
        assert!(
            call.starts_with("--bootstrap-server localhost:1 --create --if-not-exists --topic "),
            "{call}"
        );
        assert!(
            call.contains("--replication-factor 1 --config cleanup.policy="),
            "{call}"
        );
    }
}

#[test]
fn asyncapi_documents_validate_against_the_3_0_0_schema() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let schema = json_file(&reference, "asyncapi/asyncapi-3.0.0.json");
    let validator = jsonschema::draft7::new(&schema).expect("the AsyncAPI schema compiles");
    for (variant, spec) in variants() {
        for file in render(&spec)
            .iter()
            .filter(|f| f.path.starts_with("asyncapi/"))
        {
            let docs = yaml_documents(&file.contents);
            assert_eq!(docs.len(), 1, "{variant} {}", file.path);
            let doc = &docs[0];
            let errors: Vec<String> = validator
                .iter_errors(doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{variant} {}: {errors:#?}", file.path);
            assert_eq!(doc["asyncapi"], "3.0.0");
            let channels = doc["channels"].as_object().expect("channels");
            let service = file
                .path
                .trim_start_matches("asyncapi/")
                .trim_end_matches(".yaml");
            let owned = spec
                .services
                .iter()
                .find(|s| s.name == service)
                .expect("service");
            assert_eq!(
                channels.len(),
                owned.entities.len() * 4,
                "{variant} {service}"
            );
            for channel in channels.values() {
                let address = channel["address"].as_str().unwrap();
                assert_eq!(channel["bindings"]["kafka"]["topic"], address);
            }
            for operation in doc["operations"].as_object().unwrap().values() {
                let channel = operation["channel"]["$ref"].as_str().unwrap();
                let id = channel.trim_start_matches("#/channels/");
                let address = doc["channels"][id]["address"].as_str().unwrap();
                let expected = if address.contains(".changelog.") && !address.ends_with(".dlq") {
                    "receive"
                } else {
                    "send"
                };
                assert_eq!(operation["action"], expected, "{address}");
            }
        }
    }
}

#[test]
fn every_schema_is_json_schema_and_matches_its_table() {
    for (variant, spec) in variants() {
        let files = render(&spec);
        assert!(
            files.iter().all(|f| !f.path.ends_with(".avsc")),
            "{variant}: an Avro schema"
        );
        let schemas: Vec<_> = files
            .iter()
            .filter(|f| f.path.starts_with("schemas/"))
            .collect();
        assert_eq!(schemas.len(), 16 * 3, "{variant}");
        for file in &schemas {
            assert!(file.path.ends_with("-value.schema.json"), "{}", file.path);
            let schema: Value = serde_json::from_str(&file.contents).unwrap();
            jsonschema::draft202012::new(&schema)
                .unwrap_or_else(|e| panic!("{variant} {}: {e}", file.path));
            assert_eq!(schema["type"], "object");
        }
        for service in &spec.services {
            for entity in &service.entities {
                let read = |topic: &str| -> Value {
                    let path = format!("schemas/{topic}-value.schema.json");
                    let file = files.iter().find(|f| f.path == path).expect("schema");
                    serde_json::from_str(&file.contents).unwrap()
                };
                let columns: BTreeSet<&str> =
                    entity.fields.iter().map(|f| f.column.as_str()).collect();
                let keys = |v: &Value| -> BTreeSet<String> {
                    v.as_object().unwrap().keys().cloned().collect()
                };
                let changelog = read(&entity.topics.changelog);
                let mut expected: BTreeSet<String> =
                    columns.iter().map(|c| c.to_string()).collect();
                expected.insert("__deleted".into());
                assert_eq!(keys(&changelog["properties"]), expected, "{variant}");
                let entity_value = read(&entity.topics.entity);
                let payload = &entity_value["properties"]["payload"]["properties"];
                assert_eq!(
                    keys(payload),
                    expected
                        .iter()
                        .filter(|c| *c != "__deleted")
                        .cloned()
                        .collect(),
                    "{variant}"
                );
            }
        }
    }
}

#[test]
fn changelog_schemas_accept_rows_deletes_and_refuse_strays() {
    let spec = shop_spec(SHOP_SERVICES);
    let files = render(&spec);
    let entity = spec
        .services
        .iter()
        .flat_map(|s| &s.entities)
        .find(|e| e.table_name == "orders")
        .expect("orders, keyed by a BIGSERIAL id");
    let path = format!("schemas/{}-value.schema.json", entity.topics.changelog);
    let schema: Value =
        serde_json::from_str(&files.iter().find(|f| f.path == path).unwrap().contents).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    // A delete's before-image: only the key is set.
    let mut delete = serde_json::Map::new();
    for field in &entity.fields {
        let value = if field.in_primary_key {
            serde_json::json!(1)
        } else {
            Value::Null
        };
        delete.insert(field.column.clone(), value);
    }
    delete.insert("__deleted".into(), "true".into());
    let delete = Value::Object(delete);
    let errors: Vec<String> = validator
        .iter_errors(&delete)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{path}: {errors:?}");
    // The same nulls in a live row break a NOT NULL column.
    let mut live = delete.clone();
    live["__deleted"] = "false".into();
    if entity
        .fields
        .iter()
        .any(|f| !f.nullable && !f.in_primary_key)
    {
        assert!(!validator.is_valid(&live), "{path}");
    }
    let mut stray = delete;
    stray["no_such_column"] = 1.into();
    assert!(!validator.is_valid(&stray), "{path}");
}

// ---------------------------------------------------------------------------
// Connectors
// ---------------------------------------------------------------------------

/// One property of a descriptor.
struct Property {
    kind: String,
    required: bool,
    allowed: Vec<String>,
}

type Descriptor = BTreeMap<String, Property>;

fn descriptor(reference: &Path, class: &str) -> Option<Descriptor> {
    let path = reference.join(format!("debezium-3.5.1/{class}.json"));
    let text = std::fs::read_to_string(path).ok()?;
    let doc: Value = serde_json::from_str(&text).ok()?;
    let mut out = BTreeMap::new();
    for p in doc["properties"].as_array()? {
        let allowed = p["validation"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["type"] == "enum")
            .flat_map(|v| v["values"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        out.insert(
            p["name"].as_str()?.to_string(),
            Property {
                kind: p["type"].as_str().unwrap_or("string").to_string(),
                required: p["required"].as_bool().unwrap_or(false),
                allowed,
            },
        );
    }
    Some(out)
}

/// Keys Kafka Connect itself reads for every connector.
fn generic_key(key: &str) -> bool {
    matches!(
        key,
        "name" | "connector.class" | "tasks.max" | "transforms" | "header.converter"
    ) || [
        "key.converter",
        "value.converter",
        "predicates",
        "errors.",
        "config.providers",
        "topic.creation.",
    ]
    .iter()
    .any(|p| key.starts_with(p))
}

/// Keys Debezium passes through to a component its descriptor does not
/// list: the Kafka schema history (the default `schema.history.internal`)
/// and the JDBC driver.
fn passthrough_key(key: &str) -> bool {
    [
        "schema.history.internal.kafka.",
        "schema.history.internal.producer.",
        "schema.history.internal.consumer.",
        "driver.",
    ]
    .iter()
    .any(|p| key.starts_with(p))
}

/// The keys of Kafka's own transformations carve uses.
fn kafka_transform_keys(class: &str) -> Option<&'static [&'static str]> {
    match class {
        "org.apache.kafka.connect.transforms.RegexRouter" => Some(&["regex", "replacement"]),
        _ => None,
    }
}

fn value_problem(key: &str, value: &str, property: &Property) -> Option<String> {
    let ok = match property.kind.as_str() {
        "number" => value.parse::<i64>().is_ok(),
        "boolean" => value == "true" || value == "false",
        "list" => !value.is_empty() && value.split(',').all(|item| !item.trim().is_empty()),
        _ => true,
    };
    if !ok {
        return Some(format!("`{key}` = `{value}` is not a {}", property.kind));
    }
    if !property.allowed.is_empty() && !property.allowed.iter().any(|a| a == value) {
        return Some(format!(
            "`{key}` = `{value}` is not one of {:?}",
            property.allowed
        ));
    }
    None
}

/// Everything wrong with a Debezium connector payload, checked against the
/// descriptors of its class and of its transformations.
fn debezium_problems(reference: &Path, payload: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let top: BTreeSet<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, BTreeSet::from(["config", "name"]));
    let config = payload["config"].as_object().unwrap();
    let mut values = BTreeMap::new();
    for (k, v) in config {
        match v.as_str() {
            Some(s) => {
                values.insert(k.as_str(), s);
            }
            None => problems.push(format!("`{k}` is not a string")),
        }
    }
    let class = values["connector.class"];
    let own = descriptor(reference, class).unwrap_or_else(|| panic!("no descriptor for {class}"));
    let is_sink = class.contains("Sink");
    for (name, property) in &own {
        if property.required && !values.contains_key(name.as_str()) {
            problems.push(format!("required `{name}` missing"));
        }
    }
    let transforms: Vec<&str> = values
        .get("transforms")
        .map(|t| t.split(',').collect())
        .unwrap_or_default();
    for (key, value) in &values {
        if let Some(rest) = key.strip_prefix("transforms.") {
            let (name, option) = rest.split_once('.').unwrap_or((rest, ""));
            if !transforms.contains(&name) {
                problems.push(format!(
                    "`{key}` configures transform `{name}`, not in `transforms`"
                ));
                continue;
            }
            if option == "type" {
                continue;
            }
            let transform_class = values
                .get(format!("transforms.{name}.type").as_str())
                .copied()
                .unwrap_or_default();
            if let Some(keys) = kafka_transform_keys(transform_class) {
                if !keys.contains(&option) {
                    problems.push(format!("`{key}`: {transform_class} has no `{option}`"));
                }
                continue;
            }
            match descriptor(reference, transform_class) {
                Some(d) => match d.get(option) {
                    Some(p) => problems.extend(value_problem(key, value, p)),
                    None => problems.push(format!("`{key}`: {transform_class} has no `{option}`")),
                },
                None => problems.push(format!(
                    "`{key}`: unknown transform class `{transform_class}`"
                )),
            }
            continue;
        }
        if generic_key(key) || (is_sink && (*key == "topics" || *key == "topics.regex")) {
            continue;
        }
        if !is_sink && passthrough_key(key) {
            continue;
        }
        match own.get(*key) {
            Some(p) => problems.extend(value_problem(key, value, p)),
            None => problems.push(format!("`{key}` is not a property of {class}")),
        }
    }
    for name in &transforms {
        if !values.contains_key(format!("transforms.{name}.type").as_str()) {
            problems.push(format!("transform `{name}` has no type"));
        }
    }
    problems
}

fn connectors(files: &[GeneratedFile]) -> Vec<(String, Value)> {
    files
        .iter()
        .filter(|f| f.path.starts_with("connectors/"))
        .map(|f| {
            (
                f.path.clone(),
                serde_json::from_str(&f.contents).expect("connector JSON"),
            )
        })
        .collect()
}

#[test]
fn debezium_connectors_match_the_3_5_1_descriptors() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let mut checked = BTreeSet::new();
    let mut checked_kinds = BTreeSet::new();
    for (variant, spec) in variants() {
        for (path, payload) in connectors(&render(&spec)) {
            let class = payload["config"]["connector.class"]
                .as_str()
                .unwrap()
                .to_string();
            if class.starts_with("io.confluent.") {
                continue;
            }
            let problems = debezium_problems(&reference, &payload);
            assert!(
                problems.is_empty(),
                "{variant} {path}:\n{}",
                problems.join("\n")
            );
            checked.insert(class);
            if let Some(kind) = [
                "cdc-source",
                "entity-source",
                "outbox-source",
                "sink-to-monolith",
            ]
            .into_iter()
            .find(|k| path.ends_with(&format!("-{k}.json")))
            {
                checked_kinds.insert(kind);
            }
        }
    }
    for class in [
        "io.debezium.connector.postgresql.PostgresConnector",
        "io.debezium.connector.mysql.MySqlConnector",
        "io.debezium.connector.sqlserver.SqlServerConnector",
        "io.debezium.connector.jdbc.JdbcSinkConnector",
    ] {
        assert!(checked.contains(class), "no {class} connector was checked");
    }
    for kind in [
        "cdc-source",
        "entity-source",
        "outbox-source",
        "sink-to-monolith",
    ] {
        assert!(
            checked_kinds.contains(kind),
            "no {kind} connector was checked"
        );
    }
}

#[test]
fn the_checker_rejects_unknown_keys_bad_types_and_enums() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let (_, mut payload) = connectors(&render(&shop_spec(SHOP_SERVICES)))
        .into_iter()
        .find(|(p, _)| p.ends_with("-cdc-source.json"))
        .unwrap();
    payload["config"]["slot.nmae"] = "x".into();
    payload["config"]["database.port"] = "five".into();
    payload["config"]["plugin.name"] = "wal2json".into();
    payload["config"]["transforms.unwrap.no.such.option"] = "x".into();
    let problems = debezium_problems(&reference, &payload);
    assert_eq!(problems.len(), 4, "{problems:#?}");
}

#[test]
fn cdc_sources_capture_exactly_their_service_tables() {
    for (variant, spec) in variants() {
        let files = render(&spec);
        let all = connectors(&files);
        for service in &spec.services {
            let (_, source) = all
                .iter()
                .find(|(p, _)| *p == format!("connectors/{}-cdc-source.json", service.name))
                .unwrap_or_else(|| panic!("{variant}: no source for {}", service.name));
            let config = &source["config"];
            let included: Vec<&str> = config["table.include.list"]
                .as_str()
                .unwrap()
                .split(',')
                .collect();
            assert_eq!(included.len(), service.entities.len(), "{variant}");
            for (table, entity) in included.iter().zip(&service.entities) {
                assert!(
                    table.ends_with(&format!(".{}", entity.table_name)),
                    "{variant}: {table}"
                );
                assert!(table.contains('.'), "{variant}: {table} is not qualified");
            }
            // Each table's changes are routed to its changelog topic.
            let routed: BTreeSet<&str> = config
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| k.ends_with(".replacement"))
                .map(|(_, v)| v.as_str().unwrap())
                .collect();
            let expected: BTreeSet<&str> = service
                .entities
                .iter()
                .map(|e| e.topics.changelog.as_str())
                .collect();
            assert_eq!(routed, expected, "{variant}");
            match spec.monolith.dialect {
                Dialect::Postgres => {
                    assert_eq!(config["plugin.name"], "pgoutput");
                    assert_eq!(config["publication.autocreate.mode"], "filtered");
                }
                Dialect::Mysql => {
                    assert_eq!(
                        config["schema.history.internal.kafka.topic"],
                        service.schema_history_topic.as_str()
                    );
                }
                _ => {}
            }
        }
        // Slots, publications and server ids differ between services.
        for key in [
            "slot.name",
            "publication.name",
            "database.server.id",
            "topic.prefix",
        ] {
            let values: Vec<&str> = all
                .iter()
                .filter(|(p, _)| p.ends_with("-cdc-source.json"))
                .filter_map(|(_, c)| c["config"][key].as_str())
                .collect();
            let unique: BTreeSet<&str> = values.iter().copied().collect();
            assert_eq!(unique.len(), values.len(), "{variant}: {key} repeats");
        }
    }
}

#[test]
fn the_outbox_source_routes_to_the_events_topics() {
    let spec = shop_spec(SHOP_SERVICES);
    let all = connectors(&render(&spec));
    for service in &spec.services {
        let (_, outbox) = all
            .iter()
            .find(|(p, _)| *p == format!("connectors/{}-outbox-source.json", service.name))
            .expect("outbox source");
        let config = &outbox["config"];
        assert_eq!(
            config["transforms.outbox.type"],
            "io.debezium.transforms.outbox.EventRouter"
        );
        assert_eq!(config["table.include.list"], "public.outbox");
        let replacement = config["transforms.outbox.route.topic.replacement"]
            .as_str()
            .unwrap();
        for entity in &service.entities {
            assert_eq!(
                replacement.replace("${routedByValue}", &entity.path_segment),
                entity.topics.events
            );
        }
    }
}

/// The Confluent JDBC sink's documented rules.
fn confluent_sink_problems(config: &Value) -> Vec<String> {
    let get = |k: &str| config[k].as_str().unwrap_or_default().to_string();
    let mut problems = Vec::new();
    for key in [
        "connection.url",
        "connection.user",
        "connection.password",
        "topics",
    ] {
        if get(key).is_empty() {
            problems.push(format!("`{key}` missing"));
        }
    }
    let pk_mode = if get("pk.mode").is_empty() {
        "none".to_string()
    } else {
        get("pk.mode")
    };
    if !["none", "kafka", "record_key", "record_value"].contains(&pk_mode.as_str()) {
        problems.push(format!("pk.mode `{pk_mode}`"));
    }
    let insert_mode = if get("insert.mode").is_empty() {
        "insert".to_string()
    } else {
        get("insert.mode")
    };
    if !["insert", "upsert", "update"].contains(&insert_mode.as_str()) {
        problems.push(format!("insert.mode `{insert_mode}`"));
    }
    if insert_mode == "upsert" && !["record_key", "record_value"].contains(&pk_mode.as_str()) {
        problems.push("upsert needs pk.mode record_key or record_value".into());
    }
    if pk_mode == "record_value" && get("pk.fields").is_empty() {
        problems.push("pk.mode record_value needs pk.fields".into());
    }
    if get("delete.enabled") == "true" && pk_mode != "record_key" {
        problems.push("delete.enabled needs pk.mode record_key".into());
    }
    if config.as_object().unwrap().values().any(|v| !v.is_string()) {
        problems.push("a value is not a string".into());
    }
    problems
}

#[test]
fn the_confluent_sink_follows_its_documented_rules() {
    let mut spec = shop_spec(SHOP_SERVICES);
    spec.kafka.sink = SinkFlavour::ConfluentJdbc;
    let sinks: Vec<_> = connectors(&render(&spec))
        .into_iter()
        .filter(|(p, _)| p.ends_with("-sink-to-monolith.json"))
        .collect();
    assert_eq!(sinks.len(), spec.services.len());
    for (path, payload) in &sinks {
        let config = &payload["config"];
        assert_eq!(
            config["connector.class"],
            "io.confluent.connect.jdbc.JdbcSinkConnector"
        );
        let problems = confluent_sink_problems(config);
        assert!(problems.is_empty(), "{path}: {problems:?}");
    }
    // The rules bite: upsert without a key mode is refused.
    let mut broken = sinks[0].1["config"].clone();
    broken["pk.mode"] = "none".into();
    assert!(confluent_sink_problems(&broken).len() >= 2);
}

/// The monolith tables a sink writes: the targets of its topic routes.
fn sink_targets(payload: &Value) -> BTreeSet<String> {
    payload["config"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("transforms.route_") && k.ends_with(".replacement"))
        .map(|(_, v)| v.as_str().unwrap().to_string())
        .collect()
}

fn source_tables(payload: &Value) -> BTreeSet<String> {
    payload["config"]["table.include.list"]
        .as_str()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect()
}

#[test]
fn no_table_is_captured_and_sink_written_in_the_same_step() {
    for (variant, spec) in variants() {
        let files = render(&spec);
        let all = connectors(&files);
        let source_of = |name: &str| {
            all.iter()
                .find(|(p, _)| *p == format!("connectors/{name}-cdc-source.json"))
                .map(|(_, c)| source_tables(c))
                .unwrap_or_default()
        };
        let sink_of = |name: &str| {
            all.iter()
                .find(|(p, _)| *p == format!("connectors/{name}-sink-to-monolith.json"))
                .map(|(_, c)| sink_targets(c))
                .unwrap_or_default()
        };
        let names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
        // Walk the rollout: while service i is in step 2, the services after
        // it may be in step 1 (their sources run), those before it are done
        // (sinks run, sources deleted), and its own source is deleted first.
        for (i, current) in names.iter().enumerate() {
            let running_sources: BTreeSet<String> =
                names[i + 1..].iter().flat_map(|n| source_of(n)).collect();
            let running_sinks: BTreeSet<String> =
                names[..=i].iter().flat_map(|n| sink_of(n)).collect();
            let overlap: Vec<_> = running_sources.intersection(&running_sinks).collect();
            assert!(
                overlap.is_empty(),
                "{variant}: during {current}'s step 2 {overlap:?} loop"
            );
            assert!(
                !sink_of(current).is_empty(),
                "{variant}: {current} has no sink"
            );
            // The same tables, which is why the runbook deletes the source first.
            assert_eq!(sink_of(current), source_of(current), "{variant}: {current}");
            let runbook = files
                .iter()
                .find(|f| {
                    f.path.starts_with("runbooks/") && f.path.ends_with(&format!("-{current}.md"))
                })
                .expect("runbook");
            let step2 = runbook
                .contents
                .split("## Step 2")
                .nth(1)
                .expect("a step 2")
                .split("## Step 3")
                .next()
                .unwrap();
            let delete = step2
                .find(&format!(
                    "-X DELETE http://localhost:8083/connectors/{current}-cdc-source"
                ))
                .expect("step 2 deletes the CDC source");
            let create = step2
                .find(&format!("@connectors/{current}-sink-to-monolith.json"))
                .expect("step 2 creates the sink");
            assert!(
                delete < create,
                "{variant}: {current}'s sink starts before its source stops"
            );
        }
    }
}

fn config_map(payload: &Value) -> BTreeMap<String, String> {
    payload["config"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

fn connector_of<'a>(all: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    all.iter()
        .find(|(p, _)| *p == format!("connectors/{name}.json"))
        .map(|(_, c)| c)
}

const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

#[test]
fn every_connector_states_its_converters() {
    for (variant, spec) in variants() {
        let all = connectors(&render(&spec));
        assert_eq!(
            all.len(),
            spec.services.len() * 4,
            "{variant}: four connectors per service"
        );
        for (path, payload) in &all {
            let config = config_map(payload);
            let unstated = unstated_converter_keys(&config);
            assert!(
                unstated.is_empty(),
                "{variant} {path} leaves {unstated:?} to the worker"
            );
            for key in ["key.converter", "value.converter", "header.converter"] {
                assert!(config.contains_key(key), "{variant} {path}: {key}");
                if config[key] == JSON_CONVERTER {
                    assert!(
                        matches!(
                            config
                                .get(&format!("{key}.schemas.enable"))
                                .map(String::as_str),
                            Some("true" | "false")
                        ),
                        "{variant} {path}: {key}.schemas.enable"
                    );
                }
            }
            assert_eq!(
                config["header.converter"],
                "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                "{variant} {path}"
            );
        }
    }
    // The check bites: a connector without a header converter, or a JSON
    // converter without its schemas setting, relies on the worker.
    let all = connectors(&render(&shop_spec(SHOP_SERVICES)));
    let mut config = config_map(&all[0].1);
    config.remove("header.converter");
    config.remove("value.converter.schemas.enable");
    assert_eq!(
        unstated_converter_keys(&config),
        vec!["value.converter.schemas.enable", "header.converter"]
    );
}

#[test]
fn the_cdc_source_states_its_encodings() {
    for (variant, spec) in variants() {
        let all = connectors(&render(&spec));
        for service in &spec.services {
            let source = connector_of(&all, &format!("{}-cdc-source", service.name))
                .unwrap_or_else(|| panic!("{variant}: {} cdc source", service.name));
            let config = config_map(source);
            let expect = |key: &str, value: &str| {
                assert_eq!(
                    config.get(key).map(String::as_str),
                    Some(value),
                    "{variant} {}: {key}",
                    service.name
                );
            };
            expect("key.converter", JSON_CONVERTER);
            expect("key.converter.schemas.enable", "false");
            expect("value.converter", JSON_CONVERTER);
            expect("value.converter.schemas.enable", "false");
            expect("decimal.handling.mode", "string");
            expect("time.precision.mode", "adaptive_time_microseconds");
            expect(
                "transforms.unwrap.type",
                "io.debezium.transforms.ExtractNewRecordState",
            );
            expect(
                "transforms.unwrap.delete.tombstone.handling.mode",
                "rewrite-with-tombstone",
            );
            expect("tombstones.on.delete", "true");
            assert!(
                config["transforms"].starts_with("unwrap,"),
                "{variant}: unwrap runs before the routes"
            );
            match spec.monolith.dialect {
                Dialect::Postgres => {
                    expect("binary.handling.mode", "base64");
                    expect("interval.handling.mode", "string");
                }
                Dialect::Mssql => expect("binary.handling.mode", "base64"),
                _ => {}
            }
        }
    }
}

/// The topics a connector's routes write to.
fn routed_topics(config: &BTreeMap<String, String>) -> BTreeSet<String> {
    config
        .iter()
        .filter(|(k, _)| k.starts_with("transforms.route_") && k.ends_with(".replacement"))
        .map(|(_, v)| v.clone())
        .collect()
}

/// The tables the service's own migration creates (the outbox aside).
fn migration_tables(files: &[GeneratedFile], service: &str) -> BTreeSet<String> {
    let path = format!("services/{service}/migrations/0001_init.sql");
    let migration = files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path}"));
    migration
        .contents
        .lines()
        .filter_map(|l| l.strip_prefix("CREATE TABLE IF NOT EXISTS \""))
        .map(|l| l.split('"').next().unwrap_or_default().to_string())
        .filter(|t| t != "outbox")
        .collect()
}

#[test]
fn the_entity_source_feeds_the_sink() {
    for (variant, spec) in variants() {
        let files = render(&spec);
        let all = connectors(&files);
        for service in &spec.services {
            let source = connector_of(&all, &format!("{}-entity-source", service.name))
                .unwrap_or_else(|| panic!("{variant}: {} entity source", service.name));
            let sink = connector_of(&all, &format!("{}-sink-to-monolith", service.name))
                .unwrap_or_else(|| panic!("{variant}: {} sink", service.name));
            let source = config_map(source);
            let sink = config_map(sink);
            // Its routed topics are exactly the sink's topics.
            let sink_topics: BTreeSet<String> =
                sink["topics"].split(',').map(str::to_string).collect();
            assert_eq!(routed_topics(&source), sink_topics, "{variant}");
            let entity_topics: BTreeSet<String> = service
                .entities
                .iter()
                .map(|e| e.topics.entity.clone())
                .collect();
            assert_eq!(sink_topics, entity_topics, "{variant}");
            // The sink decodes what the source encodes.
            for key in [
                "key.converter",
                "key.converter.schemas.enable",
                "value.converter",
                "value.converter.schemas.enable",
                "header.converter",
            ] {
                assert_eq!(source.get(key), sink.get(key), "{variant}: {key}");
            }
            assert_eq!(source["value.converter.schemas.enable"], "true");
            assert_eq!(source["key.converter.schemas.enable"], "true");
            // The service's own tables, in its database, from now on.
            assert_eq!(source["database.hostname"], service.database_host());
            assert_eq!(source["database.dbname"], service.database_name());
            assert_eq!(source["snapshot.mode"], "no_data");
            assert_eq!(source["decimal.handling.mode"], "precise");
            assert_eq!(
                source["time.precision.mode"],
                match spec.kafka.sink {
                    SinkFlavour::DebeziumJdbc => "adaptive_time_microseconds",
                    SinkFlavour::ConfluentJdbc => "connect",
                },
                "{variant}"
            );
            assert_eq!(
                source["transforms.unwrap.delete.tombstone.handling.mode"],
                "tombstone"
            );
            let included: BTreeSet<String> = source["table.include.list"]
                .split(',')
                .map(|t| t.strip_prefix("public.").expect("public").to_string())
                .collect();
            assert_eq!(
                included,
                migration_tables(&files, &service.name),
                "{variant}: the entity source reads the tables the service creates"
            );
            // Each route matches the topic Debezium names for its table.
            for table in &included {
                let raw = format!("{}.public.{table}", source["topic.prefix"]);
                let matched = source
                    .iter()
                    .any(|(k, v)| k.ends_with(".regex") && v.replace('\\', "") == raw);
                assert!(matched, "{variant}: no route for {raw}");
            }
            // Deletes: a tombstone keyed by the primary key, which the sink deletes by.
            assert_eq!(sink["delete.enabled"], "true");
            match spec.kafka.sink {
                SinkFlavour::DebeziumJdbc => {
                    assert_eq!(sink["primary.key.mode"], "record_key");
                    assert_eq!(sink["insert.mode"], "upsert");
                    assert_eq!(sink["schema.evolution"], "none");
                }
                SinkFlavour::ConfluentJdbc => assert_eq!(sink["pk.mode"], "record_key"),
            }
        }
    }
}

#[test]
fn the_outbox_source_states_its_key_and_type_header() {
    let all = connectors(&render(&shop_spec(SHOP_SERVICES)));
    for (path, payload) in all
        .iter()
        .filter(|(p, _)| p.ends_with("-outbox-source.json"))
    {
        let config = config_map(payload);
        assert_eq!(
            config["key.converter"], "org.apache.kafka.connect.storage.StringConverter",
            "{path}"
        );
        assert_eq!(config["value.converter"], JSON_CONVERTER, "{path}");
        assert_eq!(config["value.converter.schemas.enable"], "false", "{path}");
        assert_eq!(
            config["transforms.outbox.table.fields.additional.placement"], "type:header:type",
            "{path}"
        );
    }
}

#[test]
fn the_entity_source_never_reads_what_a_sink_writes() {
    for (variant, spec) in variants() {
        let files = render(&spec);
        let all = connectors(&files);
        for service in &spec.services {
            let source =
                config_map(connector_of(&all, &format!("{}-entity-source", service.name)).unwrap());
            // It reads the service's database; every sink writes the monolith's.
            assert_ne!(
                source["database.hostname"], spec.monolith.database.host,
                "{variant}"
            );
            for (path, sink) in all
                .iter()
                .filter(|(p, _)| p.ends_with("-sink-to-monolith.json"))
            {
                let url = sink["config"]["connection.url"].as_str().unwrap();
                assert!(
                    !url.contains(&format!("//{}:", source["database.hostname"])),
                    "{variant}: {path} writes where {} reads",
                    service.name
                );
            }
            // Step 2: the CDC source goes, then the entity source comes, then the sink.
            let runbook = files
                .iter()
                .find(|f| {
                    f.path.starts_with("runbooks/")
                        && f.path.ends_with(&format!("-{}.md", service.name))
                })
                .expect("runbook");
            let step2 = runbook
                .contents
                .split("## Step 2")
                .nth(1)
                .unwrap()
                .split("Roll back")
                .next()
                .unwrap();
            let at = |needle: String| {
                step2
                    .find(&needle)
                    .unwrap_or_else(|| panic!("{variant}: step 2 lacks {needle}"))
            };
            let delete = at(format!(
                "-X DELETE http://localhost:8083/connectors/{}-cdc-source",
                service.name
            ));
            let entity = at(format!("@connectors/{}-entity-source.json", service.name));
            let outbox = at(format!("@connectors/{}-outbox-source.json", service.name));
            let sink = at(format!(
                "@connectors/{}-sink-to-monolith.json",
                service.name
            ));
            let consumer_off = at(format!(
                "{}_CDC_CONSUMER_ENABLED=false",
                service.name.replace('-', "_").to_ascii_uppercase()
            ));
            assert!(
                delete < entity && entity < sink && outbox < sink,
                "{variant}"
            );
            assert!(consumer_off < entity, "{variant}");
        }
    }
}

#[test]
fn no_secret_is_written_in_clear() {
    for (variant, spec) in variants() {
        let files = render(&spec);
        for (path, payload) in connectors(&files) {
            for (key, value) in payload["config"].as_object().unwrap() {
                let value = value.as_str().unwrap();
                if key.contains("password")
                    || key == "connection.user"
                    || key == "connection.username"
                {
                    assert!(
                        value.starts_with("${file:/opt/secrets/") && value.ends_with('}'),
                        "{variant} {path}: `{key}` = `{value}`"
                    );
                }
            }
        }
        for file in &files {
            for line in file.contents.lines() {
                let upper = line.to_ascii_uppercase();
                if let Some(at) = upper.find("PASSWORD: ") {
                    let value = line[at + 10..].trim().trim_matches('"');
                    assert!(value.starts_with("${"), "{variant} {}: {line}", file.path);
                }
                assert!(
                    !upper.contains("PASSWORD '"),
                    "{variant} {}: {line}",
                    file.path
                );
                // MySQL builds the statement around a client variable, never a literal.
                if let Some(at) = upper.find("IDENTIFIED BY '") {
                    let rest = &line[at + "IDENTIFIED BY '".len()..];
                    assert!(
                        rest.starts_with(", QUOTE(@cdc_password)"),
                        "{variant} {}: {line}",
                        file.path
                    );
                }
            }
        }
    }
}

#[test]
fn compose_pins_every_image_and_enables_capture() {
    for (variant, spec) in variants() {
        let files = render(&spec);
        let compose = files
            .iter()
            .find(|f| f.path == "docker-compose.yml")
            .expect("compose");
        let doc = &yaml_documents(&compose.contents)[0];
        let services = doc["services"].as_object().expect("services");
        for (name, service) in services {
            if let Some(image) = service["image"].as_str() {
                let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
                assert!(
                    !tag.is_empty() && tag != "latest" && !tag.contains('/'),
                    "{variant} {name}: {image}"
                );
            } else {
                assert!(
                    service["build"].is_string(),
                    "{variant} {name}: neither image nor build"
                );
            }
        }
        for service in &spec.services {
            assert!(
                services.contains_key(&service.name),
                "{variant}: {}",
                service.name
            );
            assert_eq!(
                services[&service.name]["build"],
                format!("./services/{}", service.name)
            );
            assert!(services.contains_key(&service.database_host()));
        }
        let monolith = &services[&spec.monolith.database.host];
        let command = serde_json::to_string(&monolith["command"]).unwrap();
        match spec.monolith.dialect {
            Dialect::Postgres => assert!(command.contains("wal_level=logical"), "{command}"),
            Dialect::Mysql => assert!(command.contains("--binlog-format=ROW"), "{command}"),
            _ => {}
        }
        let connect = &services["connect"]["environment"];
        assert_eq!(connect["CONNECT_CONFIG_PROVIDERS"], "file");
        if let Some(dockerfile) = files.iter().find(|f| f.path == "connect/Dockerfile") {
            for line in dockerfile
                .contents
                .lines()
                .filter(|l| l.starts_with("FROM "))
            {
                let image = line.split_whitespace().nth(1).unwrap();
                assert!(image.contains(':') && !image.ends_with(":latest"), "{line}");
            }
        }
    }
}

#[test]
fn output_is_deterministic() {
    for (variant, spec) in variants() {
        assert_eq!(render(&spec), render(&spec), "{variant}");
    }
}
