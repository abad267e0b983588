//! The strangler-fig steps, run for real on what `carve scaffold` writes:
//! PostgreSQL with logical decoding, a Kafka-protocol broker, Kafka Connect's
//! own worker running Debezium 3.6 with the generated connector files, and
//! the generated service built with cargo.
//!
//! - Step 0: the generated prerequisites script and topics.
//! - Step 1: the CDC source snapshots and streams the monolith's tables; the
//!   service's consumer keeps its tables equal to the monolith's, column by
//!   column, through inserts, updates and deletes, and again when every
//!   change is delivered a second time.
//! - Step 2: the CDC source is deleted, the entity and outbox sources run on
//!   the service's database; a write through the service's HTTP API lands on
//!   the entity topic (what the JDBC sink reads) and, through the real
//!   EventRouter, on the events topic. The sink's config is checked against
//!   those records (the JDBC sink itself is not available here).
//!
//! Inputs: `fixtures/ledger` (every PostgreSQL type the generator maps) and
//! the shop's first service. See `tests/e2e_support` for the environment.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;
mod e2e_support;

use e2e_support::kafka::{self, Record};
use e2e_support::{
    carve, debezium_libs, eventually, localize_connector, table_rows, table_shape,
    topics_of_strimzi_file, unique, ConnectWorker, Postgres, ServiceProcess, SinkView,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The servers and tools every step needs, or `None` after a skip message.
struct Environment {
    server: Postgres,
    bootstrap: String,
    libs: PathBuf,
}

impl Environment {
    fn find() -> Option<Environment> {
        let server = Postgres::from_env()?;
        let bootstrap = kafka::bootstrap_from_env()?;
        let libs = debezium_libs()?;
        Some(Environment {
            server,
            bootstrap,
            libs,
        })
    }
}

/// Builds a monolith's schema and data in the named database.
type LoadMonolith = Box<dyn Fn(&Postgres, &str)>;

/// One monolith and the service carved out of it.
struct Case {
    /// The service's name in the plan.
    service: String,
    /// The monolith's database name in the scaffolded files.
    planned_database: String,
    /// Scaffolds into the given folder.
    scaffold: Box<dyn Fn(&Path)>,
    /// Builds the monolith's schema and data in the given database.
    load_monolith: LoadMonolith,
    /// Inserts, updates and deletes in the monolith, after the snapshot.
    changes: &'static str,
    /// A write through the service's API in step 2: the path segment, the
    /// new row, and the path of that row (for its delete).
    api_write: (&'static str, Value, String),
    /// The owned tables (bare names, as in both databases).
    tables: Vec<&'static str>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn os(text: &str) -> &OsStr {
    OsStr::new(text)
}

fn ledger_case() -> Case {
    Case {
        service: "ledger".into(),
        planned_database: "monolith".into(),
        scaffold: Box::new(|out| {
            let migrations = fixtures().join("ledger/migrations");
            carve(&[
                os("scaffold"),
                os("service"),
                os("ledger"),
                os("--tables"),
                os("accounts,ledger_entries,fx_rates"),
                os("--schema"),
                migrations.as_os_str(),
                os("--out"),
                out.as_os_str(),
            ]);
        }),
        load_monolith: Box::new(|server, database| {
            let dir = fixtures().join("ledger");
            for file in [
                "migrations/0001_accounts.sql",
                "migrations/0002_entries.sql",
                "seed.sql",
            ] {
                server.run_file(database, &dir.join(file), &[]);
            }
        }),
        changes: LEDGER_CHANGES,
        api_write: (
            "accounts",
            json!({
                "id": 777, "external_id": "7a7a7a7a-0000-4000-8000-000000000777",
                "code": "API00777", "name": "Opened through the service", "status": "open",
                "risk_tier": 1, "overdraft_limit": "250.5000", "interest_rate": "0.02500",
                "is_internal": false, "opened_on": "2025-01-31", "statement_cutoff": "18:00:00",
                "last_reviewed_at": "2025-02-01T09:30:00.250", "updated_at": "2025-02-01T09:30:00Z",
                "attributes": {"source": "api"}, "signature": [1, 2, 3], "tags": ["api"],
                "monthly_caps": [5]
            }),
            "/accounts/777".into(),
        ),
        tables: vec!["accounts", "fx_rates", "ledger_entries"],
    }
}

/// Inserts, updates (values to NULL and back, limits, a key change) and
/// deletes, including rows with composite keys.
const LEDGER_CHANGES: &str = r#"
INSERT INTO accounts (id, external_id, code, name, status, opened_on, updated_at, tags, monthly_caps, attributes)
VALUES (100, '10000000-0000-4000-8000-000000000100', 'NEW00100', 'Added after the snapshot', 'open',
        '2025-06-30', '2025-06-30 12:00:00.000001+00', ARRAY['x', NULL, 'z'], ARRAY[NULL, 7]::integer[], '{"empty": null}');
UPDATE accounts SET risk_tier = NULL, overdraft_limit = NULL, attributes = NULL, signature = NULL,
                    tags = NULL, statement_cutoff = NULL WHERE id = 1;
UPDATE accounts SET risk_tier = 5, overdraft_limit = 0.0001, interest_rate = -0.00001,
                    signature = '\x00', last_reviewed_at = '2000-02-29 12:34:56.789012',
                    status = 'closed' WHERE id = 42;
UPDATE accounts SET name = 'Renamed ' || name WHERE id < 0;
INSERT INTO ledger_entries (account_id, entry_no, amount, currency, booked_at)
VALUES (100, 1, 0.01, 'EUR', '2025-06-30 12:00:00.999'), (100, 2, -0.01, 'EUR', '2025-06-30 12:00:01');
UPDATE ledger_entries SET memo = 'Corrected', reversal = true, amount = amount * 2
 WHERE account_id = 1 AND entry_no = 2;
UPDATE ledger_entries SET entry_no = 3 WHERE account_id = 100 AND entry_no = 2;
DELETE FROM ledger_entries WHERE account_id = 1 AND entry_no = 1;
DELETE FROM fx_rates WHERE currency = 'JPY';
UPDATE fx_rates SET rate = 1.08460000, published_at = NULL WHERE currency = 'EUR';
INSERT INTO fx_rates (currency, rate_date, rate) VALUES ('GBP', '2024-03-01', 0.85500000);
"#;

fn shop_case() -> Case {
    Case {
        service: "catalog".into(),
        planned_database: "shop".into(),
        scaffold: Box::new(|out| {
            let shop = fixtures().join("shop");
            carve(&[
                os("scaffold"),
                os("--plan"),
                shop.join("carve.toml").as_os_str(),
                shop.as_os_str(),
                os("--out"),
                out.as_os_str(),
            ]);
        }),
        load_monolith: Box::new(|server, database| {
            let root = fixtures().join("shop/migrations");
            let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
                .expect("the shop's migrations")
                .map(|e| e.expect("an entry").path())
                .collect();
            dirs.sort();
            for dir in dirs {
                server.run_file(database, &dir.join("up.sql"), &[]);
            }
            server.query(database, SHOP_SEED);
        }),
        changes: SHOP_CHANGES,
        api_write: (
            "countries",
            json!({"code": "NZ", "name": "New Zealand"}),
            "/countries/NZ".into(),
        ),
        tables: vec!["categories", "countries", "product_images", "products"],
    }
}

const SHOP_SEED: &str = "
INSERT INTO countries (code, name) VALUES ('DE', 'Germany'), ('FR', 'France'), ('JP', 'Japan');
INSERT INTO categories (id, parent_id, slug, name) VALUES (1, NULL, 'garden', 'Garden'), (2, 1, 'tools', 'Tools');
INSERT INTO products (id, category_id, shop_sku, name, description, price_cents, origin_country)
VALUES (1, 2, 'SPADE-1', 'Spade', 'A sturdy spade', 2499, 'DE'),
       (2, 2, 'RAKE-1', 'Rake', NULL, 1299, NULL);
INSERT INTO product_images (id, product_id, url, position) VALUES (1, 1, 'https://img/spade.jpg', 0);
";

const SHOP_CHANGES: &str = "
INSERT INTO products (id, category_id, shop_sku, name, price_cents, origin_country)
VALUES (3, 1, 'HOSE-1', 'Hose', 3999, 'FR');
UPDATE products SET description = NULL, price_cents = 2599 WHERE id = 1;
DELETE FROM product_images WHERE id = 1;
UPDATE countries SET name = 'Nippon' WHERE code = 'JP';
";

#[test]
fn ledger_types_survive_the_strangler_fig_steps() {
    let Some(environment) = Environment::find() else {
        return;
    };
    run_steps(&environment, &ledger_case());
}

#[test]
fn shop_catalog_survives_the_strangler_fig_steps() {
    let Some(environment) = Environment::find() else {
        return;
    };
    run_steps(&environment, &shop_case());
}

/// The names a service's connectors and databases use, as carve derives them.
struct Names {
    ident: String,
    slots: Vec<String>,
}

impl Names {
    fn of(service: &str) -> Names {
        let ident = service.replace('-', "_");
        Names {
            slots: vec![
                format!("carve_{ident}"),
                format!("carve_{ident}_entity"),
                format!("carve_{ident}_outbox"),
            ],
            ident,
        }
    }
}

fn run_steps(environment: &Environment, case: &Case) {
    let Environment {
        server,
        bootstrap,
        libs,
    } = environment;
    let names = Names::of(&case.service);
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("e2e-{}", case.service));
    if work.exists() {
        std::fs::remove_dir_all(&work).expect("a clean work folder");
    }
    let out = work.join("out");
    (case.scaffold)(&out);

    // A run killed earlier may have left its replication slots behind.
    server.drop_slots(&names.slots);
    let run = unique(&format!("carve_e2e_{}", names.ident));
    let monolith = server.create_database(&format!("{run}_monolith"), None);
    (case.load_monolith)(server, &monolith.name);

    // Step 0: the prerequisites script, on the test's database name.
    let script =
        std::fs::read_to_string(out.join(format!("sql/{}-cdc-prerequisites.sql", case.service)))
            .expect("the prerequisites script");
    let script = script.replace(
        &format!("ON DATABASE {} ", case.planned_database),
        &format!("ON DATABASE \"{}\" ", monolith.name),
    );
    let script_path = work.join("prerequisites.sql");
    std::fs::write(&script_path, script).expect("a copy of the script");
    server.run_file(
        &monolith.name,
        &script_path,
        &[("cdc_password", "cdc-secret")],
    );

    // Step 0: the topics, from the Strimzi file scaffold wrote.
    let topics = topics_of_strimzi_file(&out.join(format!("topics/{}.yaml", case.service)));
    let topic_names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
    kafka::delete_topics(bootstrap, &topic_names);
    kafka::create_topics(bootstrap, &topics);

    // The secrets the connector files name, in a folder of the test's own.
    let secrets = work.join("secrets");
    std::fs::create_dir_all(&secrets).expect("a secrets folder");
    for file in ["cdc", "db"] {
        std::fs::write(
            secrets.join(format!("{}-{file}.properties", case.service)),
            "password=unused-with-trust-auth\n",
        )
        .expect("a secrets file");
    }

    // The service's own database and role (the role the outbox and entity
    // sources log in as).
    server.ensure_replication_role(&names.ident);
    let service_db = server.create_database(&format!("{run}_service"), Some(&names.ident));
    let service_url = server.url_for(&service_db.name, Some(&names.ident));

    let mut worker = ConnectWorker::start(libs, &work.join("connect"), bootstrap);
    let connector = |kind: &str, database: &str| -> (PathBuf, Value) {
        let written = out.join(format!("connectors/{}-{kind}.json", case.service));
        let local = work.join(format!("{}-{kind}.json", case.service));
        let config = localize_connector(
            &written,
            &local,
            &server.host(),
            server.port(),
            database,
            &secrets,
        );
        (local, config)
    };

    // Step 1: the CDC source on the monolith, the service's consumer.
    let (cdc_file, _) = connector("cdc-source", &monolith.name);
    worker
        .put(&cdc_file)
        .unwrap_or_else(|e| panic!("{e}\n{}", worker.logs()));
    worker.wait_running(&format!("{}-cdc-source", case.service));

    let binary = e2e_support::build_service(&out, &case.service, false);
    let service_env = |consumer: bool, group: &str| -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", service_url.clone()),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.clone()),
            ("KAFKA_GROUP_ID", group.to_string()),
            ("CDC_CONSUMER_ENABLED", consumer.to_string()),
            ("RELAY_ENABLED", "false".into()),
        ]
    };
    let service = ServiceProcess::start(
        &binary,
        &work.join("service-step1.log"),
        &service_env(true, &format!("{run}-read-model")),
    );
    let report = |what: &str, service: &ServiceProcess, worker: &ConnectWorker| {
        format!(
            "{what}\n--- service log ---\n{}\n--- connect log ---\n{}",
            service.logs(),
            worker.logs()
        )
    };
    assert_tables_equal(server, &monolith.name, &service_db.name, &case.tables).unwrap_or_else(
        |diff| {
            panic!(
                "{}",
                report(&format!("after the snapshot: {diff}"), &service, &worker)
            )
        },
    );
    println!("step 1: the snapshot of {:?} arrived", case.tables);

    server.query(&monolith.name, case.changes);
    assert_tables_equal(server, &monolith.name, &service_db.name, &case.tables).unwrap_or_else(
        |diff| {
            panic!(
                "{}",
                report(&format!("after the changes: {diff}"), &service, &worker)
            )
        },
    );
    println!("step 1: inserts, updates and deletes arrived");

    // Every change once more: a new consumer group reads from the start.
    drop(service);
    let service = ServiceProcess::start(
        &binary,
        &work.join("service-replay.log"),
        &service_env(true, &format!("{run}-replay")),
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_tables_equal(server, &monolith.name, &service_db.name, &case.tables).unwrap_or_else(
        |diff| {
            panic!(
                "{}",
                report(&format!("after a replay: {diff}"), &service, &worker)
            )
        },
    );
    println!("step 1: applying every change twice left the same rows");

    // Step 2, as the runbook orders it: the CDC source goes, the consumer
    // stops, the entity and outbox sources start on the service's database.
    worker
        .delete(&format!("{}-cdc-source", case.service))
        .unwrap_or_else(|e| panic!("{e}"));
    drop(service);
    let service = ServiceProcess::start(
        &binary,
        &work.join("service-step2.log"),
        &service_env(false, &format!("{run}-read-model")),
    );
    let (entity_file, entity_config) = connector("entity-source", &service_db.name);
    let (outbox_file, _) = connector("outbox-source", &service_db.name);
    for (file, name) in [
        (&entity_file, "entity-source"),
        (&outbox_file, "outbox-source"),
    ] {
        worker
            .put(file)
            .unwrap_or_else(|e| panic!("{e}\n{}", worker.logs()));
        worker.wait_running(&format!("{}-{name}", case.service));
    }
    wait_for_streaming(server, &names);

    let (segment, row, row_path) = &case.api_write;
    let (status, body) = service.request("POST", &format!("/{segment}"), Some(row));
    assert_eq!(status, 201, "{body}\n{}", service.logs());
    let (status, body) = service.request("DELETE", row_path, None);
    assert!(
        matches!(status, 200 | 204),
        "DELETE {row_path}: {status} {body}"
    );

    let table = *segment_table(case, segment);
    let entity_topic = format!("{}.{segment}.entity.v1", case.service);
    let records = kafka::read_all(bootstrap, &entity_topic, 2, Duration::from_secs(60));
    let (monolith_columns, monolith_key) = table_shape(server, &monolith.name, table);
    // What the sink receives: the records decoded by the converters its
    // file states, in Kafka Connect's own JsonConverter.
    let sink_file = out.join(format!("connectors/{}-sink-to-monolith.json", case.service));
    let seen: Vec<SinkView> = records
        .iter()
        .map(|record| worker.sink_view(&sink_file, record))
        .collect();
    check_entity_records(&seen, row, &monolith_columns, &monolith_key).unwrap_or_else(|e| {
        panic!(
            "{}",
            report(&format!("{entity_topic}: {e}"), &service, &worker)
        )
    });
    println!("step 2: the API's write and delete are on {entity_topic}: {seen:?}");

    let events_topic = format!("{}.{segment}.events.v1", case.service);
    let events = kafka::read_all(bootstrap, &events_topic, 1, Duration::from_secs(60));
    check_domain_event(&events, row, &monolith_key).unwrap_or_else(|e| {
        panic!(
            "{}",
            report(&format!("{events_topic}: {e}"), &service, &worker)
        )
    });
    println!("step 2: the EventRouter published the domain event on {events_topic}");

    let sink: Value =
        serde_json::from_str(&std::fs::read_to_string(&sink_file).expect("the sink config"))
            .expect("sink JSON");
    check_sink_agrees(&sink["config"], &entity_config["config"], case)
        .unwrap_or_else(|e| panic!("the sink config disagrees with the entity records: {e}"));
    println!("step 2: the sink's topics, key and fields match the entity records");

    drop(worker);
    drop(service);
    server.drop_slots(&names.slots);
}

fn segment_table<'a>(case: &'a Case, segment: &str) -> &'a &'static str {
    case.tables
        .iter()
        .find(|t| t.replace('_', "-") == segment)
        .expect("the written entity is an owned table")
}

/// Waits until the service database's slots are read by a connector, so a
/// write made now is captured (the sources take no snapshot).
fn wait_for_streaming(server: &Postgres, names: &Names) {
    let slots = format!("'{}', '{}'", names.slots[1], names.slots[2]);
    let active = eventually(Duration::from_secs(60), || {
        let count = server
            .try_query(
                None,
                &format!(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ({slots}) AND active"
                ),
            )
            .unwrap_or_default();
        (count.trim() == "2").then_some(())
    });
    assert!(
        active.is_some(),
        "the service's sources never started streaming"
    );
}

/// Polls until every table holds the same rows in both databases; the
/// error shows the first difference.
fn assert_tables_equal(
    server: &Postgres,
    monolith: &str,
    service: &str,
    tables: &[&str],
) -> Result<(), String> {
    let mut last = String::new();
    let equal = eventually(Duration::from_secs(90), || {
        for table in tables {
            let (columns, key) = table_shape(server, monolith, table);
            let expected = table_rows(server, monolith, table, &columns, &key);
            let actual = table_rows(server, service, table, &columns, &key);
            if expected != actual {
                last = format!(
                    "{table} differs\nmonolith:\n{}\nservice:\n{}",
                    expected.join("\n"),
                    actual.join("\n")
                );
                return None;
            }
        }
        Some(())
    });
    equal.ok_or(last)
}

/// The entity topic holds the written row, keyed by its primary key (as
/// `primary.key.mode=record_key` reads it), with the monolith's columns as
/// its fields, then its delete as a null value under the same key (what
/// `delete.enabled=true` deletes).
fn check_entity_records(
    seen: &[SinkView],
    row: &Value,
    columns: &[String],
    key: &[String],
) -> Result<(), String> {
    let expected_key: BTreeMap<String, Value> =
        key.iter().map(|k| (k.clone(), row[k].clone())).collect();
    let mut upserts = 0;
    let mut deletes = 0;
    for record in seen {
        let key_fields: Vec<String> = record.key.iter().map(|(name, _)| name.clone()).collect();
        if key_fields != key {
            return Err(format!(
                "the key's fields are {key_fields:?}, not the primary key {key:?}"
            ));
        }
        let record_key: BTreeMap<String, Value> = record
            .key
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        if !same_key(&record_key, &expected_key) {
            return Err(format!(
                "a record keyed {record_key:?}, expected {expected_key:?}"
            ));
        }
        match &record.value {
            None => deletes += 1,
            Some(fields) if fields == columns => upserts += 1,
            Some(fields) => {
                return Err(format!(
                    "the value's fields are {fields:?}, the monolith's columns {columns:?}"
                ))
            }
        }
    }
    if upserts < 1 || deletes != 1 {
        return Err(format!(
            "expected the row and one delete, got {upserts} rows and {deletes} deletes: {seen:?}"
        ));
    }
    Ok(())
}

/// Key values compare as text: a `BIGINT` key is a number in one place
/// and a JSON number in the other, a `CHAR(2)` the same string.
fn same_key(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.trim_end().to_string(),
        other => other.to_string(),
    };
    a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| text(v) == text(w)))
}

/// The EventRouter's record: keyed by the aggregate id, the outbox row's id
/// and the event type as headers, the row as the payload.
fn check_domain_event(events: &[Record], row: &Value, key: &[String]) -> Result<(), String> {
    let created = events
        .iter()
        .find(|r| {
            r.headers
                .get("type")
                .is_some_and(|t| t.ends_with("Created"))
        })
        .ok_or_else(|| format!("no creation event among {events:?}"))?;
    let aggregate_id = if key.len() == 1 {
        match &row[&key[0]] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    } else {
        Value::Array(key.iter().map(|k| row[k].clone()).collect()).to_string()
    };
    if created.key_text() != aggregate_id {
        return Err(format!(
            "key {:?}, expected {aggregate_id:?}",
            created.key_text()
        ));
    }
    let id = created.headers.get("id").cloned().unwrap_or_default();
    if id.len() != 36 {
        return Err(format!(
            "the `id` header {id:?} is not the outbox row's UUID"
        ));
    }
    let payload = created.value_json();
    for (column, value) in row.as_object().into_iter().flatten() {
        if payload.get(column).is_none() {
            return Err(format!("the payload lacks `{column}` ({value}): {payload}"));
        }
    }
    if !same_key(
        &key.iter()
            .map(|k| (k.clone(), payload[k].clone()))
            .collect(),
        &key.iter().map(|k| (k.clone(), row[k].clone())).collect(),
    ) {
        return Err(format!(
            "the payload {payload} is not the written row {row}"
        ));
    }
    Ok(())
}

/// What the JDBC sink would do with the entity records: read exactly the
/// entity topics, with the entity source's converters, take the key from
/// the record key, delete on tombstones, and write each topic to the
/// monolith's table of the same fields.
fn check_sink_agrees(sink: &Value, entity_source: &Value, case: &Case) -> Result<(), String> {
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let topics: BTreeSet<String> = text(sink, "topics")
        .split(',')
        .map(str::to_string)
        .collect();
    let expected: BTreeSet<String> = case
        .tables
        .iter()
        .map(|t| format!("{}.{}.entity.v1", case.service, t.replace('_', "-")))
        .collect();
    if topics != expected {
        return Err(format!(
            "sink topics {topics:?}, entity topics {expected:?}"
        ));
    }
    for converter in ["key.converter", "value.converter"] {
        let schemas = format!("{converter}.schemas.enable");
        if text(sink, converter) != text(entity_source, converter)
            || text(sink, &schemas) != text(entity_source, &schemas)
        {
            return Err(format!(
                "{converter} differs between the sink and the entity source"
            ));
        }
    }
    if text(sink, "value.converter.schemas.enable") != "true" {
        return Err("the JDBC sink needs schemas on the values".into());
    }
    let key_mode = [text(sink, "primary.key.mode"), text(sink, "pk.mode")];
    if !key_mode.contains(&"record_key".to_string()) {
        return Err(format!(
            "the sink's key mode is {key_mode:?}, not record_key"
        ));
    }
    if text(sink, "delete.enabled") != "true" {
        return Err("the sink ignores tombstones".into());
    }
    // The sink's routes rename each entity topic to the monolith's table.
    let sink_table = |topic: &str| -> Option<String> {
        let routes = text(sink, "transforms");
        routes.split(',').find_map(|route| {
            let regex = text(sink, &format!("transforms.{route}.regex")).replace('\\', "");
            (regex == topic).then(|| text(sink, &format!("transforms.{route}.replacement")))
        })
    };
    for topic in &expected {
        let table = sink_table(topic).ok_or_else(|| format!("no route for {topic}"))?;
        let bare = table.rsplit('.').next().unwrap_or_default().to_string();
        if !case.tables.contains(&bare.as_str()) {
            return Err(format!("{topic} is written to {table}, not an owned table"));
        }
    }
    Ok(())
}
