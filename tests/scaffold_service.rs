//! The generated Rust services, for real: the shop fixture's plan is
//! scaffolded into a workspace that must build without warnings and pass its
//! own tests; one service then runs against PostgreSQL (its writes and their
//! outbox rows commit together or not at all) and against a Kafka-protocol
//! broker (the relay publishes the outbox, the change consumer applies the
//! CDC connector's flattened change events, and dead-letters one it cannot
//! apply).
//!
//! Servers come from `CARVE_TEST_POSTGRES_URL` and
//! `CARVE_TEST_KAFKA_BOOTSTRAP`; without them those tests print why they
//! skipped, and with `CI=true` a missing one fails them. The generated
//! workspace is built once per run into `<target>/scaffold-target`, which
//! later runs reuse.

// These tests report timings and skips; that output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;
mod e2e_support;

use carve::ingest::{load_schema, SchemaRequest};
use carve::plan::load::load_plan;
use carve::scaffold::service::render_all;
use carve::scaffold::spec::{GeneratedFile, ScaffoldSpec};
use carve::scaffold::templates::Templates;
use common::server_env;
use e2e_support::{free_port, http};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, Row};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------
// The shop's scaffold, rendered and built once
// ---------------------------------------------------------------------------

fn shop_spec() -> ScaffoldSpec {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = dir.path().join("carve.toml");
    let shop = common::fixtures_dir().join("shop");
    assert_cmd::Command::cargo_bin("carve")
        .unwrap()
        .arg("analyze")
        .arg(&shop)
        .arg("--write-plan")
        .arg(&plan_path)
        .assert()
        .success();
    let plan = load_plan(&plan_path).expect("the written plan loads").plan;
    let schema = load_schema(&SchemaRequest {
        root: shop,
        schema_paths: Vec::new(),
        database_url: None,
        db_schemas: Vec::new(),
        dialect: None,
    })
    .expect("the shop's schema loads")
    .schema;
    ScaffoldSpec::from_plan(&plan, &schema, &[]).expect("the shop's plan scaffolds")
}

fn render_shop() -> Vec<GeneratedFile> {
    let templates = Templates::load(None).expect("the embedded templates load");
    render_all(&shop_spec(), &templates).expect("the services render")
}

fn write_files(root: &Path, files: &[GeneratedFile]) {
    if root.exists() {
        std::fs::remove_dir_all(root).unwrap();
    }
    for file in files {
        let path = root.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.contents).unwrap();
    }
}

/// The build every test shares.
struct Built {
    root: PathBuf,
    target: PathBuf,
    /// `Err` holds cargo's output when the build failed.
    outcome: Result<String, String>,
}

/// `<carve's target dir>/scaffold-target`: outside any temp dir, so the
/// generated services' dependencies are compiled once and reused.
fn shared_target() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .join("scaffold-target")
}

fn cargo(root: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs")
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scaffold-service/shop");
        write_files(&root, &render_shop());
        let target = shared_target();
        let started = Instant::now();
        let output = cargo(&root, &target, &["build", "--workspace", "--all-targets"]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!(
            "built the generated workspace in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        Built {
            root,
            target,
            outcome: if output.status.success() {
                Ok(text)
            } else {
                Err(text)
            },
        }
    })
}

fn built_ok() -> &'static Built {
    let built = built();
    if let Err(output) = &built.outcome {
        panic!("the generated workspace does not build:\n{output}");
    }
    built
}

#[test]
fn rendering_is_deterministic_and_covers_every_service() {
    let first = render_shop();
    assert_eq!(first, render_shop(), "two renders of the same plan differ");
    let paths: Vec<&str> = first.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths.windows(2).all(|w| w[0] < w[1]),
        "paths are not sorted"
    );
    let workspace = &first
        .iter()
        .find(|f| f.path == "Cargo.toml")
        .unwrap()
        .contents;
    for service in [
        "catalog",
        "customers",
        "inventory",
        "orders",
        "payments",
        "shipping",
    ] {
        assert!(
            workspace.contains(&format!("\"services/{service}\"")),
            "{workspace}"
        );
        for file in [
            "Cargo.toml",
            "Dockerfile",
            "README.md",
            "migrations/0001_init.sql",
            "src/main.rs",
            "src/config.rs",
            "src/http.rs",
            "src/events.rs",
            "src/outbox.rs",
            "src/relay.rs",
            "src/consumer.rs",
        ] {
            let path = format!("services/{service}/{file}");
            assert!(paths.contains(&path.as_str()), "{path} is missing");
        }
    }
    let migration = &first
        .iter()
        .find(|f| f.path == "services/orders/migrations/0001_init.sql")
        .unwrap()
        .contents;
    // The monolith's enum type becomes text; composite keys stay composite.
    assert!(
        migration.contains("\"status\" TEXT NOT NULL"),
        "{migration}"
    );
    assert!(
        migration.contains("PRIMARY KEY (\"order_id\", \"line_no\")"),
        "{migration}"
    );
    assert!(migration.contains("CREATE TABLE IF NOT EXISTS \"outbox\""));
}

#[test]
fn generated_workspace_builds_without_warnings_and_passes_its_tests() {
    let built = built_ok();
    let output = built.outcome.as_ref().unwrap();
    let warnings: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("warning") && !l.contains("profiles for the non root"))
        .collect();
    assert!(warnings.is_empty(), "the build warned:\n{output}");

    let started = Instant::now();
    let test = cargo(&built.root, &built.target, &["test", "--workspace"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
    eprintln!(
        "the generated tests ran in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert!(test.status.success(), "cargo test failed:\n{text}");
    let passed: usize = text
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    eprintln!("{passed} generated tests passed");
    // Every service has config, debezium and shutdown tests plus one per entity.
    assert!(passed >= 5 * 6 + 17, "only {passed} tests ran:\n{text}");
}

// ---------------------------------------------------------------------------
// Servers: environment, a fresh database, the running service
// ---------------------------------------------------------------------------

fn unique(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("carve_{label}_{}_{nanos}", std::process::id())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A database made for one test and dropped when it ends.
struct Database {
    server_url: String,
    name: String,
}

fn url_with_database(server_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(server_url).expect("a postgres URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Database {
    fn create(server_url: &str, label: &str) -> Database {
        let name = unique(label);
        runtime().block_on(async {
            let mut conn = PgConnection::connect(server_url)
                .await
                .expect("the PostgreSQL server is reachable");
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .await
                .unwrap();
        });
        Database {
            server_url: server_url.to_string(),
            name,
        }
    }

    fn url(&self) -> String {
        url_with_database(&self.server_url, &self.name)
    }

    /// Runs `f` on a connection to this database.
    fn with<T>(&self, f: impl AsyncFnOnce(&mut PgConnection) -> T) -> T {
        runtime().block_on(async {
            let mut conn = PgConnection::connect(&self.url()).await.unwrap();
            f(&mut conn).await
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let name = self.name.clone();
        let server = self.server_url.clone();
        runtime().block_on(async move {
            if let Ok(mut conn) = PgConnection::connect(&server).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        });
    }
}

/// A generated service's process, killed when the guard drops (also when
/// the test panics).
struct Service {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Service {
    fn start(binary: &str, env: &[(&str, String)]) -> Service {
        let built = built_ok();
        let port = free_port();
        let log = built.root.join(format!("{}.log", unique(binary)));
        let mut command = Command::new(built.target.join("debug").join(binary));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .env("HTTP_BIND_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("the built service starts");
        let service = Service { child, port, log };
        service.wait_healthy();
        service
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok((200, _)) = http(self.port, "GET", "/healthz", None) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("the service never answered /healthz:\n{}", self.log());
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        http(self.port, method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.log()))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn payment(id: &str, provider: &str) -> Value {
    json!({
        "id": id,
        "order_id": 42,
        "provider": provider,
        "provider_ref": null,
        "amount_cents": 1999,
        "status": "captured",
        "created_at": "2024-05-01T10:00:00Z",
        "currency": "EUR"
    })
}

async fn count(conn: &mut PgConnection, sql: &str, id: &str) -> i64 {
    sqlx::query(sql)
        .bind(id)
        .fetch_one(conn)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

const PAYMENT_ROWS: &str = "SELECT count(*) FROM payments WHERE id::text = $1";
/// The same through the primary key's index.
const PAYMENT_BY_KEY: &str = "SELECT count(*) FROM payments WHERE id = CAST($1 AS UUID)";
const OUTBOX_ROWS: &str = "SELECT count(*) FROM outbox WHERE aggregateid = $1";

// ---------------------------------------------------------------------------
// PostgreSQL: the outbox commits with the entity, or neither does
// ---------------------------------------------------------------------------

#[test]
fn payments_service_writes_entity_and_outbox_in_one_transaction() {
    let Some(server) = server_env("CARVE_TEST_POSTGRES_URL") else {
        return;
    };
    let db = Database::create(&server, "svc");
    // Nothing listens on a freshly freed port: Kafka is unreachable.
    let dead_kafka = format!("127.0.0.1:{}", free_port());
    let service = Service::start(
        "payments",
        &[
            ("DATABASE_URL", db.url()),
            ("KAFKA_BOOTSTRAP_SERVERS", dead_kafka),
            ("KAFKA_TIMEOUT_MS", "1500".into()),
            ("RELAY_ENABLED", "false".into()),
            ("CDC_CONSUMER_ENABLED", "false".into()),
        ],
    );

    let (status, ready) = service.request("GET", "/readyz", None);
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["checks"]["database"], "ok", "{ready}");
    assert_ne!(ready["checks"]["kafka"], "ok", "{ready}");

    let id = "3f1c2a9e-0000-4000-8000-000000000001";
    let (status, created) = service.request("POST", "/payments", Some(&payment(id, "stripe")));
    assert_eq!(status, 201, "{created}");
    let (event_type, payload): (String, Value) = db.with(async |conn| {
        assert_eq!(count(conn, PAYMENT_ROWS, id).await, 1);
        assert_eq!(count(conn, OUTBOX_ROWS, id).await, 1);
        let row = sqlx::query(
            "SELECT type, payload::text, aggregatetype FROM outbox WHERE aggregateid = $1",
        )
        .bind(id)
        .fetch_one(conn)
        .await
        .unwrap();
        assert_eq!(row.get::<String, _>(2), "payments");
        let payload: String = row.get(1);
        (row.get(0), serde_json::from_str(&payload).unwrap())
    });
    assert_eq!(event_type, "PaymentCreated");
    assert_eq!(payload["provider"], "stripe");
    assert_eq!(payload["amount_cents"], 1999);

    let (status, fetched) = service.request("GET", &format!("/payments/{id}"), None);
    assert_eq!((status, &fetched["id"]), (200, &json!(id)));
    let (status, listed) = service.request("GET", "/payments?limit=10", None);
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    // A duplicate key: nothing new, neither row nor event.
    let (status, body) = service.request("POST", "/payments", Some(&payment(id, "adyen")));
    assert_eq!(status, 409, "{body}");
    // A missing NOT NULL value never reaches the database.
    let mut incomplete = payment("3f1c2a9e-0000-4000-8000-000000000002", "stripe");
    incomplete.as_object_mut().unwrap().remove("status");
    let (status, _) = service.request("POST", "/payments", Some(&incomplete));
    assert!((400..500).contains(&status), "{status}");

    // The outbox insert fails after the entity insert succeeded: the
    // entity must be rolled back with it.
    db.with(async |conn| {
        sqlx::query(
            "ALTER TABLE outbox ADD CONSTRAINT refuse CHECK (payload->>'provider' <> 'refused')",
        )
        .execute(conn)
        .await
        .unwrap();
    });
    let refused = "3f1c2a9e-0000-4000-8000-000000000003";
    let (status, body) = service.request("POST", "/payments", Some(&payment(refused, "refused")));
    assert!(status >= 400, "{status} {body}");

    // An update records its own event.
    let mut changed = payment(id, "stripe");
    changed["status"] = json!("refunded");
    let (status, body) = service.request("PUT", &format!("/payments/{id}"), Some(&changed));
    assert_eq!(status, 200, "{body}");
    let (status, _) = service.request(
        "PUT",
        "/payments/3f1c2a9e-0000-4000-8000-00000000ffff",
        Some(&payment("3f1c2a9e-0000-4000-8000-00000000ffff", "x")),
    );
    assert_eq!(status, 404);

    db.with(async |conn| {
        assert_eq!(count(conn, PAYMENT_ROWS, id).await, 1);
        assert_eq!(count(conn, OUTBOX_ROWS, id).await, 2);
        for absent in ["3f1c2a9e-0000-4000-8000-000000000002", refused] {
            assert_eq!(count(conn, PAYMENT_ROWS, absent).await, 0, "{absent}");
            assert_eq!(count(conn, OUTBOX_ROWS, absent).await, 0, "{absent}");
        }
        let status: String = sqlx::query("SELECT status FROM payments WHERE id::text = $1")
            .bind(id)
            .fetch_one(conn)
            .await
            .unwrap()
            .get(0);
        assert_eq!(status, "refunded");
    });
    drop(service);
}

// ---------------------------------------------------------------------------
// Kafka: the relay publishes the outbox; the consumer applies CDC events
// ---------------------------------------------------------------------------

mod kafka {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    use rdkafka::{Offset, TopicPartitionList};
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    pub(crate) fn create_topics(bootstrap: &str, topics: &[&str]) {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .create()
            .unwrap();
        let new: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|t| NewTopic::new(t, 1, TopicReplication::Fixed(1)))
            .collect();
        let results = super::runtime()
            .block_on(admin.create_topics(&new, &AdminOptions::new()))
            .unwrap_or_else(|error| {
                panic!(
                    "no Kafka-protocol broker answered CreateTopics at {bootstrap} \
                     (CARVE_TEST_KAFKA_BOOTSTRAP): {error}; start one (`.ci/run` starts \
                     `tansu broker` on 127.0.0.1:19092) or unset the variable to skip"
                )
            });
        for result in results {
            if let Err((topic, error)) = result {
                panic!("cannot create topic {topic}: {error}");
            }
        }
    }

    /// Sends `(key, value)` messages in order; `None` is a null key or a
    /// null value (a tombstone).
    pub(crate) fn produce_all(
        bootstrap: &str,
        topic: &str,
        messages: &[(Option<String>, Option<String>)],
    ) {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("linger.ms", "20")
            .set("enable.idempotence", "false")
            .set("max.in.flight.requests.per.connection", "1")
            .create()
            .unwrap();
        for (key, value) in messages {
            let mut record: BaseRecord<'_, str, str> = BaseRecord::to(topic);
            if let Some(key) = key {
                record = record.key(key.as_str());
            }
            if let Some(value) = value {
                record = record.payload(value.as_str());
            }
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((
                        rdkafka::error::KafkaError::MessageProduction(
                            rdkafka::types::RDKafkaErrorCode::QueueFull,
                        ),
                        returned,
                    )) => {
                        producer.poll(Duration::from_millis(50));
                        record = returned;
                    }
                    Err((error, _)) => panic!("cannot produce to {topic}: {error}"),
                }
            }
            producer.poll(Duration::ZERO);
        }
        producer.flush(Duration::from_secs(120)).unwrap();
    }

    /// The offset group `group` committed for partition 0 of `topic`.
    pub(crate) fn committed_offset(bootstrap: &str, group: &str, topic: &str) -> Option<i64> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut partitions = TopicPartitionList::new();
        partitions.add_partition(topic, 0);
        let committed = consumer
            .committed_offsets(partitions, Duration::from_secs(10))
            .unwrap();
        match committed.find_partition(topic, 0)?.offset() {
            Offset::Offset(offset) => Some(offset),
            _ => None,
        }
    }

    /// A message as the test sees it.
    #[derive(Debug)]
    pub(crate) struct Received {
        pub key: String,
        pub headers: BTreeMap<String, String>,
        pub payload: serde_json::Value,
    }

    /// The first message of partition 0 of `topic`, waiting up to `wait`.
    pub(crate) fn first_message(bootstrap: &str, topic: &str, wait: Duration) -> Option<Received> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", super::unique("reader"))
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(topic, 0, Offset::Beginning)
            .unwrap();
        consumer.assign(&assignment).unwrap();
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(500)) {
                Some(Ok(message)) => {
                    let headers = crate::e2e_support::kafka::headers_of(&message);
                    return Some(Received {
                        key: String::from_utf8_lossy(message.key().unwrap_or_default())
                            .into_owned(),
                        headers,
                        payload: serde_json::from_slice(message.payload().unwrap_or_default())
                            .unwrap_or(serde_json::Value::Null),
                    });
                }
                Some(Err(error)) => eprintln!("while reading {topic}: {error}"),
                None => {}
            }
        }
        None
    }
}

/// Polls `check` until it holds or `wait` passes.
fn eventually(wait: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    false
}

#[test]
fn payments_service_relays_events_and_applies_change_events_through_kafka() {
    let Some(server) = server_env("CARVE_TEST_POSTGRES_URL") else {
        return;
    };
    let Some(bootstrap) = server_env("CARVE_TEST_KAFKA_BOOTSTRAP") else {
        return;
    };
    let run = unique("k");
    let events_topic = format!("{run}.payments.events.v1");
    let changelog_topic = format!("{run}.payments.changelog.v1");
    kafka::create_topics(&bootstrap, &[&events_topic, &changelog_topic]);

    let db = Database::create(&server, "kafka");
    let service = Service::start(
        "payments",
        &[
            ("DATABASE_URL", db.url()),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.clone()),
            ("KAFKA_GROUP_ID", format!("{run}-read-model")),
            ("RELAY_ENABLED", "true".into()),
            ("RELAY_POLL_INTERVAL_MS", "200".into()),
            ("CDC_CONSUMER_ENABLED", "true".into()),
            ("PAYMENT_EVENTS_TOPIC", events_topic.clone()),
            ("PAYMENT_CHANGELOG_TOPIC", changelog_topic.clone()),
        ],
    );
    let (status, ready) = service.request("GET", "/readyz", None);
    assert_eq!(status, 200, "{ready}");

    // The relay: POST → outbox → events topic, then the row leaves the outbox.
    let id = "7a2b0c9e-0000-4000-8000-000000000010";
    let posted = payment(id, "stripe");
    let (status, body) = service.request("POST", "/payments", Some(&posted));
    assert_eq!(status, 201, "{body}");
    let received = kafka::first_message(&bootstrap, &events_topic, Duration::from_secs(30))
        .unwrap_or_else(|| panic!("no event on {events_topic}:\n{}", service.log()));
    eprintln!("received from {events_topic}: {received:?}");
    assert_eq!(received.key, id);
    assert_eq!(
        received.headers.get("type").map(String::as_str),
        Some("PaymentCreated")
    );
    let header_id = received.headers.get("id").cloned().unwrap_or_default();
    assert!(uuid_like(&header_id), "id header {header_id:?}");
    assert_eq!(received.payload, posted);
    let drained = eventually(Duration::from_secs(15), || {
        db.with(async |conn| count(conn, OUTBOX_ROWS, id).await) == 0
    });
    assert!(drained, "the relay left the published row in the outbox");

    // The change consumer, fed what the CDC connector writes: JSON keys,
    // flattened rows with `__deleted`, a delete as a `__deleted` row then a
    // tombstone, and (at least once) the same changes delivered again.
    let kept = "7a2b0c9e-0000-4000-8000-000000000020";
    let removed = "7a2b0c9e-0000-4000-8000-000000000021";
    let mut messages = vec![
        change(kept, Some(flat_payment(kept, "paypal", 1999, false))),
        change(removed, Some(flat_payment(removed, "stripe", 5, false))),
        change(kept, Some(flat_payment(kept, "adyen", i64::MAX, false))),
        change(removed, Some(flat_payment(removed, "stripe", 5, true))),
        change(removed, None),
    ];
    // A duplicate delivery of all of it.
    messages.extend(messages.clone());
    kafka::produce_all(&bootstrap, &changelog_topic, &messages);
    // Done once the offset after the last message is committed.
    let group = format!("{run}-read-model");
    let applied = eventually(Duration::from_secs(40), || {
        kafka::committed_offset(&bootstrap, &group, &changelog_topic) == Some(messages.len() as i64)
    });
    assert!(
        applied,
        "the change events were not all applied:\n{}",
        service.log()
    );
    let applied = eventually(Duration::from_secs(5), || {
        db.with(async |conn| {
            count(conn, PAYMENT_ROWS, kept).await == 1
                && count(conn, PAYMENT_ROWS, removed).await == 0
                && count(
                    conn,
                    "SELECT count(*) FROM payments WHERE provider = $1",
                    "adyen",
                )
                .await
                    == 1
        })
    });
    assert!(
        applied,
        "the change events were not applied:\n{}",
        service.log()
    );
    let row: (String, Option<String>, i64, String, String, String) = db.with(async |conn| {
        let row = sqlx::query(
            "SELECT provider, provider_ref, amount_cents, status, currency::text, \
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') \
             FROM payments WHERE id::text = $1",
        )
        .bind(kept)
        .fetch_one(conn)
        .await
        .unwrap();
        (
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
            row.get(5),
        )
    });
    assert_eq!(
        row,
        (
            "adyen".to_string(),
            None,
            i64::MAX,
            "captured".to_string(),
            "EUR".to_string(),
            "2024-05-02 08:30:00.123456".to_string()
        )
    );
    // Nothing else came from the changelog: the relay's row and the kept one.
    let total: i64 = db.with(async |conn| {
        sqlx::query("SELECT count(*) FROM payments")
            .fetch_one(conn)
            .await
            .unwrap()
            .get(0)
    });
    assert_eq!(total, 2);
    drop(service);
}

/// A `payments` row as the CDC connector flattens it (timestamptz as ISO
/// text, `__deleted` as text).
fn flat_payment(id: &str, provider: &str, amount_cents: i64, deleted: bool) -> Value {
    json!({
        "id": id,
        "order_id": 42,
        "provider": provider,
        "provider_ref": null,
        "amount_cents": amount_cents,
        "status": "captured",
        "created_at": "2024-05-02T08:30:00.123456Z",
        "currency": "EUR",
        "__deleted": if deleted { "true" } else { "false" },
    })
}

/// A changelog message of `payments`: the JSON key and the value (`None`:
/// a tombstone).
fn change(id: &str, value: Option<Value>) -> (Option<String>, Option<String>) {
    (
        Some(json!({ "id": id }).to_string()),
        value.map(|v| v.to_string()),
    )
}

/// Rows of the snapshot: twenty batches of the consumer's default size.
const SNAPSHOT_ROWS: usize = 20_000;

/// A snapshot many batches long arrives whole, every value in place. (Its
/// speed is measured by `cargo bench --bench cdc`, not asserted here.)
#[test]
fn payments_service_applies_a_snapshot_of_many_batches_whole() {
    let Some(server) = server_env("CARVE_TEST_POSTGRES_URL") else {
        return;
    };
    let Some(bootstrap) = server_env("CARVE_TEST_KAFKA_BOOTSTRAP") else {
        return;
    };
    let run = unique("snapshot");
    let changelog_topic = format!("{run}.payments.changelog.v1");
    kafka::create_topics(&bootstrap, &[&changelog_topic]);
    let id = |i: usize| format!("00000000-0000-4000-8000-{i:012}");
    let messages: Vec<_> = (0..SNAPSHOT_ROWS)
        .map(|i| {
            change(
                &id(i),
                Some(flat_payment(&id(i), "stripe", i as i64, false)),
            )
        })
        .collect();
    kafka::produce_all(&bootstrap, &changelog_topic, &messages);

    let db = Database::create(&server, "snapshot");
    let service = Service::start(
        "payments",
        &[
            ("DATABASE_URL", db.url()),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.clone()),
            ("KAFKA_GROUP_ID", format!("{run}-read-model")),
            ("RELAY_ENABLED", "false".into()),
            ("CDC_CONSUMER_ENABLED", "true".into()),
            ("PAYMENT_CHANGELOG_TOPIC", changelog_topic.clone()),
        ],
    );
    // Changes are applied in offset order: once the last row is there, all are.
    let applied = eventually(Duration::from_secs(300), || {
        db.with(async |conn| count(conn, PAYMENT_BY_KEY, &id(SNAPSHOT_ROWS - 1)).await) == 1
    });
    assert!(applied, "the snapshot was not applied:\n{}", service.log());
    let (rows, total): (i64, i64) = db.with(async |conn| {
        let row = sqlx::query("SELECT count(*), sum(amount_cents)::bigint FROM payments")
            .fetch_one(conn)
            .await
            .unwrap();
        (row.get(0), row.get(1))
    });
    let n = SNAPSHOT_ROWS as i64;
    assert_eq!(rows, n);
    assert_eq!(total, n * (n - 1) / 2, "every amount arrived as sent");
}

#[test]
fn payments_service_dead_letters_a_change_it_cannot_apply_and_goes_on() {
    let Some(server) = server_env("CARVE_TEST_POSTGRES_URL") else {
        return;
    };
    let Some(bootstrap) = server_env("CARVE_TEST_KAFKA_BOOTSTRAP") else {
        return;
    };
    let run = unique("poison");
    let changelog_topic = format!("{run}.payments.changelog.v1");
    let dead_letter_topic = format!("{changelog_topic}.dlq");
    kafka::create_topics(&bootstrap, &[&changelog_topic, &dead_letter_topic]);
    let group = format!("{run}-read-model");
    let db = Database::create(&server, "poison");
    let service = Service::start(
        "payments",
        &[
            ("DATABASE_URL", db.url()),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.clone()),
            ("KAFKA_GROUP_ID", group.clone()),
            ("RELAY_ENABLED", "false".into()),
            ("CDC_CONSUMER_ENABLED", "true".into()),
            ("PAYMENT_CHANGELOG_TOPIC", changelog_topic.clone()),
        ],
    );
    let before = "7a2b0c9e-0000-4000-8000-000000000030";
    let after = "7a2b0c9e-0000-4000-8000-000000000031";
    kafka::produce_all(
        &bootstrap,
        &changelog_topic,
        &[
            change(before, Some(flat_payment(before, "stripe", 1, false))),
            (
                Some(json!({"id": "x"}).to_string()),
                Some("not json".into()),
            ),
            change(after, Some(flat_payment(after, "stripe", 2, false))),
        ],
    );
    // Every offset is committed: the bad message's once its dead letter is written.
    let committed = eventually(Duration::from_secs(60), || {
        kafka::committed_offset(&bootstrap, &group, &changelog_topic) == Some(3)
    });
    assert!(
        committed,
        "the offsets were not committed:\n{}",
        service.log()
    );
    let log = service.log();
    db.with(async |conn| {
        assert_eq!(count(conn, PAYMENT_ROWS, before).await, 1, "{log}");
        assert_eq!(count(conn, PAYMENT_ROWS, after).await, 1, "{log}");
    });
    let letter = kafka::first_message(&bootstrap, &dead_letter_topic, Duration::from_secs(30))
        .unwrap_or_else(|| panic!("nothing on {dead_letter_topic}:\n{log}"));
    assert_eq!(letter.key, json!({"id": "x"}).to_string());
    let header = |name: &str| letter.headers.get(name).cloned().unwrap_or_default();
    assert_eq!(header("carve.dlq.topic"), changelog_topic);
    assert_eq!(header("carve.dlq.partition"), "0");
    assert_eq!(header("carve.dlq.offset"), "1");
    assert!(
        header("carve.dlq.error").starts_with("the value is not JSON"),
        "{:?}",
        letter.headers
    );
    assert_eq!(header("carve.dlq.stage"), "decode");
    let (status, metrics) = http_text(service.port, "/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("\ncarve_cdc_messages_dead_lettered_total 1\n"),
        "{metrics}"
    );
}

/// A GET answered with text (the metrics): the status and the body.
fn http_text(port: u16, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

fn uuid_like(text: &str) -> bool {
    text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
}
