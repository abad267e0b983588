//! The generated service under faults, for real: the shop's `payments`
//! service, built from what `carve scaffold` writes, against PostgreSQL and
//! a Kafka-protocol broker. The changelog messages are produced by the test
//! in the exact form the CDC source connector writes them (flattened rows
//! with `__deleted`, JSON keys of the primary key, deletes as a `__deleted`
//! row then a tombstone).
//!
//! One test per fault: poison messages, the database going away, the broker
//! going away, `kill -9` in the middle of a batch, and SIGTERM. Each asserts
//! that nothing is lost — the service's `payments` table equals the
//! monolith's, column by column (the monolith being a database holding the
//! rows the messages describe), or every outbox row is on the events topic —
//! and how many messages were dead-lettered and duplicated.
//!
//! Duplicates are counted as applications beyond the first: the service's
//! `carve_cdc_messages_applied_total` counts every message whose batch
//! committed, so a run that applies each message once has it equal to the
//! number of distinct offsets it consumed. Across a `kill -9`, where the
//! killed process's counter is lost, every message is a distinct key, so the
//! rows in the service's table right after the kill are the messages the
//! killed run applied, and those beyond the committed offset are the ones
//! applied twice.
//!
//! Servers: `CARVE_TEST_POSTGRES_URL`, `CARVE_TEST_KAFKA_BOOTSTRAP`, and for
//! the broker outage a `tansu` binary (`CARVE_TEST_TANSU`, else on PATH).
//! Without them a test prints that it skipped; with `CI=true` it fails.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;
mod e2e_support;

use e2e_support::kafka::{self, Record};
use e2e_support::produce::{committed_offset, produce_all, Outgoing};
use e2e_support::{
    carve, eventually, free_port, table_rows, table_shape, unique, Broker, DatabaseGuard, Postgres,
    ServiceProcess, TcpProxy, TopicSpec,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The faults run one at a time: each times its own events.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Generous bound for anything the service does by itself.
const WAIT: Duration = Duration::from_secs(180);

// ---------------------------------------------------------------------------
// The payments service, scaffolded and built once
// ---------------------------------------------------------------------------

struct Built {
    binary: PathBuf,
    migration: PathBuf,
    work: PathBuf,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("service-faults");
        if work.exists() {
            std::fs::remove_dir_all(&work).expect("a clean work folder");
        }
        let out = work.join("out");
        let shop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop");
        let plan = shop.join("carve.toml");
        carve(&[
            OsStr::new("scaffold"),
            OsStr::new("--plan"),
            plan.as_os_str(),
            shop.as_os_str(),
            OsStr::new("--out"),
            out.as_os_str(),
        ]);
        let binary = e2e_support::build_service(&out, "payments", false);
        Built {
            binary,
            migration: out.join("services/payments/migrations/0001_init.sql"),
            work,
        }
    })
}

// ---------------------------------------------------------------------------
// One run: its topics, its databases, its messages
// ---------------------------------------------------------------------------

struct Run {
    server: Postgres,
    bootstrap: String,
    name: String,
    topic: String,
    dead_letters: String,
    group: String,
    monolith: DatabaseGuard,
    service_db: DatabaseGuard,
}

impl Run {
    /// The servers from the environment, topics and databases for `label`;
    /// `None` after a skip message.
    fn new(label: &str) -> Option<Run> {
        let server = Postgres::from_env()?;
        let bootstrap = kafka::bootstrap_from_env()?;
        Some(Run::on(server, bootstrap, label))
    }

    fn on(server: Postgres, bootstrap: String, label: &str) -> Run {
        let name = unique(&format!("carve_faults_{label}"));
        let topic = format!("{name}.payments.changelog.v1");
        let dead_letters = format!("{topic}.dlq");
        let topics: Vec<TopicSpec> = [
            topic.clone(),
            dead_letters.clone(),
            format!("{name}.refunds.changelog.v1"),
            format!("{name}.refunds.changelog.v1.dlq"),
        ]
        .into_iter()
        .map(|name| TopicSpec {
            name,
            partitions: 1,
            config: Vec::new(),
        })
        .collect();
        kafka::create_topics(&bootstrap, &topics);
        let built = built();
        let monolith = server.create_database(&format!("{name}_monolith"), None);
        server.run_file(&monolith.name, &built.migration, &[]);
        let service_db = server.create_database(&format!("{name}_service"), None);
        Run {
            group: format!("{name}-read-model"),
            server,
            bootstrap,
            name,
            topic,
            dead_letters,
            monolith,
            service_db,
        }
    }

    /// The service's variables, its database reached at `database_url`.
    fn env(
        &self,
        database_url: String,
        extra: &[(&'static str, &str)],
    ) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("DATABASE_URL", database_url),
            ("KAFKA_BOOTSTRAP_SERVERS", self.bootstrap.clone()),
            ("KAFKA_GROUP_ID", self.group.clone()),
            ("RELAY_ENABLED", "false".into()),
            ("CDC_CONSUMER_ENABLED", "true".into()),
            ("PAYMENT_CHANGELOG_TOPIC", self.topic.clone()),
            (
                "REFUND_CHANGELOG_TOPIC",
                format!("{}.refunds.changelog.v1", self.name),
            ),
        ];
        for (name, value) in extra {
            env.retain(|(n, _)| n != name);
            env.push((name, value.to_string()));
        }
        env
    }

    fn service_url(&self) -> String {
        self.server.url_for(&self.service_db.name, None)
    }

    fn start(&self, log: &str, env: &[(&'static str, String)]) -> ServiceProcess {
        let log = built().work.join(format!("{}-{log}.log", self.name));
        ServiceProcess::start(&built().binary, &log, env)
    }

    fn committed(&self) -> Option<i64> {
        committed_offset(&self.bootstrap, &self.group, &self.topic)
    }

    /// Waits until the group's committed offset reaches `offset`.
    fn wait_committed(&self, offset: usize, service: &ServiceProcess) {
        let reached = eventually(WAIT, || {
            (self.committed() == Some(offset as i64)).then_some(())
        });
        assert!(
            reached.is_some(),
            "the committed offset is {:?}, not {offset}:\n{}",
            self.committed(),
            service.logs()
        );
    }

    fn service_rows(&self) -> usize {
        self.server
            .query(&self.service_db.name, "SELECT count(*) FROM payments")
            .trim()
            .parse()
            .expect("a count")
    }

    /// Writes the rows the messages leave, as the monolith holds them.
    fn fill_monolith(&self, changes: &Changes) {
        let rows: Vec<&Value> = changes.state.values().collect();
        let json = serde_json::to_string(&rows).expect("rows as JSON");
        let file = built().work.join(format!("{}-monolith.sql", self.name));
        std::fs::write(
            &file,
            format!(
                "INSERT INTO payments SELECT * FROM json_populate_recordset(NULL::payments, '{}');\n",
                json.replace('\'', "''")
            ),
        )
        .expect("a SQL file");
        self.server.run_file(&self.monolith.name, &file, &[]);
    }

    /// The service's `payments` equals the monolith's, column by column.
    fn assert_tables_equal(&self, service: Option<&ServiceProcess>) {
        let (columns, key) = table_shape(&self.server, &self.monolith.name, "payments");
        let expected = table_rows(
            &self.server,
            &self.monolith.name,
            "payments",
            &columns,
            &key,
        );
        let mut actual = Vec::new();
        let equal = eventually(Duration::from_secs(60), || {
            actual = table_rows(
                &self.server,
                &self.service_db.name,
                "payments",
                &columns,
                &key,
            );
            (actual == expected).then_some(())
        });
        if equal.is_none() {
            let missing: Vec<&String> = expected
                .iter()
                .filter(|r| !actual.contains(r))
                .take(5)
                .collect();
            let extra: Vec<&String> = actual
                .iter()
                .filter(|r| !expected.contains(r))
                .take(5)
                .collect();
            panic!(
                "the service's payments differ from the monolith's ({} rows vs {}): \
                 missing {missing:?}, unexpected {extra:?}\n{}",
                actual.len(),
                expected.len(),
                service.map(ServiceProcess::logs).unwrap_or_default()
            );
        }
    }
}

/// The id of payment `i`.
fn id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

/// Payment `i` in its `version`, as the monolith's row.
fn payment(i: usize, version: i64) -> Value {
    json!({
        "id": id(i),
        "order_id": i,
        "provider": if version == 0 { "stripe" } else { "adyen" },
        "provider_ref": if i % 3 == 0 { Value::Null } else { json!(format!("ref-{i}")) },
        "amount_cents": i as i64 * 100 + version,
        "status": "captured",
        "created_at": "2024-05-02T08:30:00.123456Z",
        "currency": "EUR",
    })
}

fn with_deleted(row: &Value, deleted: bool) -> Value {
    let mut row = row.clone();
    row["__deleted"] = json!(if deleted { "true" } else { "false" });
    row
}

/// Changelog messages and the rows they leave.
#[derive(Default)]
struct Changes {
    messages: Vec<Outgoing>,
    state: BTreeMap<usize, Value>,
}

impl Changes {
    fn upsert(&mut self, i: usize, version: i64) {
        let row = payment(i, version);
        self.messages.push(Outgoing::json(
            &json!({"id": id(i)}),
            Some(&with_deleted(&row, false)),
        ));
        self.state.insert(i, row);
    }

    /// A delete as the connector writes it: the `__deleted` row, then a tombstone.
    fn delete(&mut self, i: usize) {
        let row = self.state.remove(&i).expect("a row to delete");
        let key = json!({"id": id(i)});
        self.messages
            .push(Outgoing::json(&key, Some(&with_deleted(&row, true))));
        self.messages.push(Outgoing::json(&key, None));
    }

    /// A message that is no change of the table; gives its offset.
    fn poison(&mut self, message: Outgoing) -> usize {
        self.messages.push(message);
        self.messages.len() - 1
    }
}

fn inserts(range: std::ops::Range<usize>) -> Changes {
    let mut changes = Changes::default();
    for i in range {
        changes.upsert(i, 0);
    }
    changes
}

// ---------------------------------------------------------------------------
// Poison messages
// ---------------------------------------------------------------------------

#[test]
fn poison_messages_go_to_the_dead_letter_topic_and_the_rest_is_applied() {
    let Some(run) = Run::new("poison") else {
        return;
    };
    let _serial = serial();
    let mut changes = inserts(0..50);
    let not_json = changes.poison(Outgoing {
        key: Some(json!({"id": id(9001)}).to_string().into_bytes()),
        value: Some(b"{\"id\": not json".to_vec()),
        headers: vec![("trace".into(), "poison-1".into())],
    });
    for i in 50..60 {
        changes.upsert(i, 0);
    }
    let mut wrong_type = with_deleted(&payment(9002, 0), false);
    wrong_type["amount_cents"] = json!("many");
    let wrong_type = changes.poison(Outgoing::json(&json!({"id": id(9002)}), Some(&wrong_type)));
    changes.upsert(1, 1);
    let mut unknown = with_deleted(&payment(9003, 0), false);
    unknown["colour"] = json!("red");
    let unknown = changes.poison(Outgoing::json(&json!({"id": id(9003)}), Some(&unknown)));
    changes.delete(2);
    for i in 60..100 {
        changes.upsert(i, 0);
    }
    let total = changes.messages.len();
    produce_all(&run.bootstrap, &run.topic, &changes.messages);
    run.fill_monolith(&changes);

    let service = run.start(
        "poison",
        &run.env(run.service_url(), &[("CDC_BATCH_SIZE", "20")]),
    );
    run.wait_committed(total, &service);
    run.assert_tables_equal(Some(&service));

    let letters = kafka::read_all(
        &run.bootstrap,
        &run.dead_letters,
        3,
        Duration::from_secs(60),
    );
    assert_eq!(
        letters.len(),
        3,
        "dead letters: {letters:?}\n{}",
        service.logs()
    );
    let expected = [
        (not_json, "the value is not JSON"),
        (wrong_type, "column `amount_cents`: expected a whole number"),
        (unknown, "unknown column `colour`"),
    ];
    for (letter, (offset, error)) in letters.iter().zip(expected) {
        check_dead_letter(
            letter,
            &changes.messages[offset],
            &run.topic,
            offset,
            error,
            "decode",
        );
    }
    assert_eq!(
        letters[0].headers.get("trace").map(String::as_str),
        Some("poison-1")
    );

    let dead_lettered = service.metric("carve_cdc_messages_dead_lettered_total");
    let applied = service.metric("carve_cdc_messages_applied_total");
    // Each good message applied once: no duplicates.
    let duplicates = applied as i64 - (total - 3) as i64;
    println!(
        "poison: {total} messages, {dead_lettered} dead-lettered, {applied} applied, {duplicates} duplicates"
    );
    assert_eq!(dead_lettered, 3);
    assert_eq!(duplicates, 0);
}

/// A value the service's database refuses (text longer than `CHAR(3)`)
/// passes decoding; the batch holding it is split until it is found, and it
/// alone is dead-lettered.
#[test]
fn a_change_the_database_refuses_is_dead_lettered_alone() {
    let Some(run) = Run::new("refused") else {
        return;
    };
    let _serial = serial();
    let mut changes = inserts(0..40);
    let mut refused = with_deleted(&payment(9100, 0), false);
    refused["currency"] = json!("EURO");
    let refused = changes.poison(Outgoing::json(&json!({"id": id(9100)}), Some(&refused)));
    for i in 40..80 {
        changes.upsert(i, 0);
    }
    let total = changes.messages.len();
    produce_all(&run.bootstrap, &run.topic, &changes.messages);
    run.fill_monolith(&changes);

    // One batch of everything: the refusal is found inside it.
    let service = run.start(
        "refused",
        &run.env(
            run.service_url(),
            &[("CDC_BATCH_SIZE", "1000"), ("CDC_BATCH_WAIT_MS", "2000")],
        ),
    );
    run.wait_committed(total, &service);
    run.assert_tables_equal(Some(&service));
    let letters = kafka::read_all(
        &run.bootstrap,
        &run.dead_letters,
        1,
        Duration::from_secs(60),
    );
    assert_eq!(letters.len(), 1, "{letters:?}\n{}", service.logs());
    check_dead_letter(
        &letters[0],
        &changes.messages[refused],
        &run.topic,
        refused,
        "the database refused it",
        "apply",
    );
    assert_eq!(service.metric("carve_cdc_messages_dead_lettered_total"), 1);
    assert_eq!(
        service.metric("carve_cdc_messages_applied_total"),
        (total - 1) as u64
    );
}

fn check_dead_letter(
    letter: &Record,
    original: &Outgoing,
    topic: &str,
    offset: usize,
    error: &str,
    stage: &str,
) {
    assert_eq!(letter.key, original.key, "{letter:?}");
    assert_eq!(letter.value, original.value, "{letter:?}");
    let header = |name: &str| letter.headers.get(name).cloned().unwrap_or_default();
    assert_eq!(header("carve.dlq.topic"), topic, "{letter:?}");
    assert_eq!(header("carve.dlq.partition"), "0", "{letter:?}");
    assert_eq!(header("carve.dlq.offset"), offset.to_string(), "{letter:?}");
    assert!(
        header("carve.dlq.error").contains(error),
        "`{error}` is not in {:?}",
        header("carve.dlq.error")
    );
    assert_eq!(header("carve.dlq.stage"), stage, "{letter:?}");
}

// ---------------------------------------------------------------------------
// The database goes away
// ---------------------------------------------------------------------------

#[test]
fn the_consumer_waits_out_a_database_outage_and_resumes_where_it_was() {
    let Some(run) = Run::new("dbdown") else {
        return;
    };
    let _serial = serial();
    let proxy = TcpProxy::start(&format!("{}:{}", run.server.host(), run.server.port()));
    let mut through_proxy = url::Url::parse(&run.service_url()).expect("a URL");
    through_proxy
        .set_port(Some(proxy.port))
        .expect("a URL with a port");
    let service = run.start(
        "dbdown",
        &run.env(
            through_proxy.to_string(),
            &[
                ("DATABASE_TIMEOUT_MS", "1000"),
                ("CDC_RETRY_MAX_MS", "2000"),
                ("CDC_BATCH_SIZE", "100"),
            ],
        ),
    );
    let mut changes = inserts(0..500);
    produce_all(&run.bootstrap, &run.topic, &changes.messages);
    run.wait_committed(500, &service);
    assert_eq!(ready(&service), 200, "{}", service.logs());

    // The outage: every connection to the database closes, new ones fail.
    proxy.cut();
    let before = changes.messages.len();
    for i in 500..1500 {
        changes.upsert(i, 0);
    }
    for i in 0..100 {
        changes.upsert(i, 1);
    }
    for i in 100..110 {
        changes.delete(i);
    }
    produce_all(&run.bootstrap, &run.topic, &changes.messages[before..]);
    let not_ready = eventually(WAIT, || (ready(&service) != 200).then_some(()));
    assert!(not_ready.is_some(), "/readyz stayed 200 during the outage");
    let retried = eventually(WAIT, || {
        (service.metric("carve_cdc_database_retries_total") >= 2).then_some(())
    });
    assert!(retried.is_some(), "no retry:\n{}", service.logs());
    // Nothing is committed while the database is away.
    assert_eq!(run.committed(), Some(500), "{}", service.logs());
    assert_ne!(ready(&service), 200);

    proxy.restore();
    let total = changes.messages.len();
    run.wait_committed(total, &service);
    let is_ready = eventually(WAIT, || (ready(&service) == 200).then_some(()));
    assert!(
        is_ready.is_some(),
        "/readyz never recovered:\n{}",
        service.logs()
    );
    run.fill_monolith(&changes);
    run.assert_tables_equal(Some(&service));
    let applied = service.metric("carve_cdc_messages_applied_total");
    let dead_lettered = service.metric("carve_cdc_messages_dead_lettered_total");
    let retries = service.metric("carve_cdc_database_retries_total");
    println!(
        "database outage: {total} messages, {applied} applied, {dead_lettered} dead-lettered, \
         {retries} retries"
    );
    // Each message applied once (the failed batch was never committed), none dead-lettered.
    assert_eq!(applied, total as u64);
    assert_eq!(dead_lettered, 0);
}

fn ready(service: &ServiceProcess) -> u16 {
    service
        .try_request("GET", "/readyz", None)
        .map(|(status, _)| status)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// kill -9 in the middle of a batch
// ---------------------------------------------------------------------------

/// Enough messages for many batches: the kill lands while they are applied.
const MANY: usize = 20_000;

#[test]
fn kill_9_mid_batch_loses_nothing() {
    let Some(run) = Run::new("kill") else {
        return;
    };
    let _serial = serial();
    let changes = inserts(0..MANY);
    produce_all(&run.bootstrap, &run.topic, &changes.messages);
    run.fill_monolith(&changes);
    let env = run.env(run.service_url(), &[("CDC_BATCH_SIZE", "500")]);
    let mut service = run.start("kill-1", &env);
    let started = eventually(WAIT, || (run.service_rows() >= 2_000).then_some(()));
    assert!(
        started.is_some(),
        "nothing was applied:\n{}",
        service.logs()
    );
    service.kill();
    // A commit already on its way may still land.
    std::thread::sleep(Duration::from_secs(1));
    let applied_before = run.service_rows();
    let committed_before = run.committed().unwrap_or(0) as usize;
    assert!(
        applied_before < MANY,
        "the kill came after the last batch; nothing was in flight"
    );
    // Offsets never run ahead of the database: nothing committed is missing.
    assert!(
        committed_before <= applied_before,
        "committed {committed_before} but only {applied_before} rows are there"
    );

    let service = run.start("kill-2", &env);
    run.wait_committed(MANY, &service);
    let applied_after = service.metric("carve_cdc_messages_applied_total") as usize;
    run.assert_tables_equal(Some(&service));
    let duplicates = applied_before - committed_before;
    println!(
        "kill -9: {applied_before} rows applied and {committed_before} offsets committed when \
         killed; the restart applied {applied_after}; {duplicates} messages applied twice"
    );
    // The restart resumes at the committed offset and applies each message once.
    assert_eq!(applied_after, MANY - committed_before);
    assert_eq!(service.metric("carve_cdc_messages_dead_lettered_total"), 0);
}

// ---------------------------------------------------------------------------
// SIGTERM
// ---------------------------------------------------------------------------

#[test]
fn sigterm_finishes_the_batch_commits_and_exits_0() {
    let Some(run) = Run::new("term") else {
        return;
    };
    let _serial = serial();
    let changes = inserts(0..MANY);
    produce_all(&run.bootstrap, &run.topic, &changes.messages);
    run.fill_monolith(&changes);
    let env = run.env(
        run.service_url(),
        &[("CDC_BATCH_SIZE", "500"), ("SHUTDOWN_TIMEOUT_MS", "10000")],
    );
    let mut service = run.start("term-1", &env);
    let started = eventually(WAIT, || (run.service_rows() >= 2_000).then_some(()));
    assert!(
        started.is_some(),
        "nothing was applied:\n{}",
        service.logs()
    );
    service.terminate();
    // The configured bound is 10 s; the assertion allows 30 s.
    let status = service
        .wait_exit(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("still running 30 s after SIGTERM:\n{}", service.logs()));
    assert!(
        status.success(),
        "exit status {status}:\n{}",
        service.logs()
    );
    let applied_before = run.service_rows();
    let committed_before = run.committed().unwrap_or(0) as usize;
    println!(
        "SIGTERM: exited with {status}; {applied_before} rows applied, {committed_before} offsets committed"
    );
    // What was applied is committed, and nothing more.
    assert_eq!(committed_before, applied_before, "{}", service.logs());
    assert!(applied_before < MANY, "SIGTERM came after the last batch");

    let service = run.start("term-2", &env);
    run.wait_committed(MANY, &service);
    run.assert_tables_equal(Some(&service));
    let applied_after = service.metric("carve_cdc_messages_applied_total") as usize;
    // Nothing is applied twice.
    assert_eq!(applied_after, MANY - committed_before);
    println!("SIGTERM: the restart applied {applied_after}; 0 duplicates");
}

// ---------------------------------------------------------------------------
// The broker goes away
// ---------------------------------------------------------------------------

#[test]
fn the_outbox_keeps_events_through_a_broker_outage() {
    let Some(server) = Postgres::from_env() else {
        return;
    };
    let Some(tansu) = Broker::tansu() else {
        return;
    };
    let _serial = serial();
    // The broker advertises the proxy, so every connection goes through it.
    let broker_port = free_port();
    let proxy = TcpProxy::start(&format!("127.0.0.1:{broker_port}"));
    let work = &built().work;
    let name = unique("carve_faults_broker");
    let _broker = Broker::start(
        &tansu,
        broker_port,
        &proxy.address(),
        &work.join(format!("{name}-tansu.log")),
    );
    let bootstrap = proxy.address();
    let events = format!("{name}.payments.events.v1");
    kafka::create_topics(
        &bootstrap,
        &[TopicSpec {
            name: events.clone(),
            partitions: 1,
            config: Vec::new(),
        }],
    );
    let service_db = server.create_database(&format!("{name}_service"), None);
    let service = ServiceProcess::start(
        &built().binary,
        &work.join(format!("{name}.log")),
        &[
            ("DATABASE_URL", server.url_for(&service_db.name, None)),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.clone()),
            ("KAFKA_TIMEOUT_MS", "3000".into()),
            ("RELAY_ENABLED", "true".into()),
            ("RELAY_POLL_INTERVAL_MS", "200".into()),
            ("CDC_CONSUMER_ENABLED", "false".into()),
            ("PAYMENT_EVENTS_TOPIC", events.clone()),
        ],
    );
    let outbox_rows = || -> usize {
        server
            .query(&service_db.name, "SELECT count(*) FROM outbox")
            .trim()
            .parse()
            .expect("a count")
    };
    let mut posted = BTreeSet::new();
    let mut post = |i: usize| {
        let row = payment(i, 0);
        let (status, body) = service.request("POST", "/payments", Some(&row));
        assert_eq!(status, 201, "{body}\n{}", service.logs());
        posted.insert(id(i));
    };
    for i in 0..20 {
        post(i);
    }
    let first = kafka::wait_for_records(&bootstrap, &events, 20, WAIT);
    assert!(
        first.is_some(),
        "the first events never arrived:\n{}",
        service.logs()
    );

    // The outage: the API goes on writing, the outbox keeps the events.
    proxy.cut();
    for i in 20..50 {
        post(i);
    }
    let failed = eventually(WAIT, || {
        (service.metric("carve_relay_failures_total") >= 1).then_some(())
    });
    assert!(
        failed.is_some(),
        "the relay never noticed:\n{}",
        service.logs()
    );
    let kept = outbox_rows();
    assert!(kept > 0, "the outbox emptied while the broker was away");

    proxy.restore();
    let drained = eventually(WAIT, || (outbox_rows() == 0).then_some(()));
    assert!(
        drained.is_some(),
        "{} outbox rows were never published:\n{}",
        outbox_rows(),
        service.logs()
    );
    let records = kafka::read_all(&bootstrap, &events, posted.len(), Duration::from_secs(120));
    let ids: BTreeSet<&String> = records.iter().filter_map(|r| r.headers.get("id")).collect();
    let keys: BTreeSet<String> = records.iter().map(Record::key_text).collect();
    let published = service.metric("carve_relay_events_published_total");
    let duplicates = records.len() - ids.len();
    println!(
        "broker outage: {} outbox rows written ({kept} kept through the outage), {} records on \
         {events} with {} distinct outbox ids, {duplicates} duplicates",
        posted.len(),
        records.len(),
        ids.len()
    );
    assert_eq!(
        ids.len(),
        posted.len(),
        "every outbox row is published once at least"
    );
    assert_eq!(keys, posted, "every written payment has its event");
    assert_eq!(published, posted.len() as u64);
    assert_eq!(
        service.metric("carve_outbox_rows_written_total"),
        posted.len() as u64
    );
    let rows: usize = server
        .query(&service_db.name, "SELECT count(*) FROM payments")
        .trim()
        .parse()
        .expect("a count");
    assert_eq!(rows, posted.len());
}
