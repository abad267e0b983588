//! Change data capture benchmark, on the real components the end-to-end
//! test uses (see `tests/e2e_support`): PostgreSQL, a Kafka-protocol broker,
//! Kafka Connect with Debezium, and the generated `ledger` service built in
//! release mode.
//!
//! Step-1 catch-up: the monolith's `accounts` table (17 columns of every
//! kind) holds `CARVE_BENCH_ROWS` rows (default 200,000). In one run:
//! - the worker: the generated CDC source snapshots them into the changelog
//!   topic (time from creating the connector to the last record);
//! - the floor: the same rows written into a fresh copy of the service's
//!   table with plain batched multi-row INSERTs through sqlx (1,000 rows a
//!   statement, one transaction per batch);
//! - the service: its change consumer applies the whole topic into its own
//!   database (time from start to the last row).
//!
//! Target: the consumer reaches at least 50% of the floor's rate.
//!
//! The outbox relay: `CARVE_BENCH_EVENTS` (default 50,000) outbox rows are
//! published by the service's relay, next to rdkafka producing the same
//! payloads alone (acknowledged by the broker). Target: at least 50%.
//! `CARVE_BENCH_RELAY_BATCH_SIZE` sets the relay's `RELAY_BATCH_SIZE`
//! (default: the service's own default).
//!
//! Run with `cargo bench --bench cdc` and the environment of `.ci/run`
//! (`CARVE_TEST_POSTGRES_URL`, `CARVE_TEST_KAFKA_BOOTSTRAP`, Debezium's jars).

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/e2e_support/mod.rs"]
mod e2e_support;

use e2e_support::kafka;
use e2e_support::{
    carve, debezium_libs, eventually, localize_connector, topics_of_strimzi_file, unique,
    ConnectWorker, Postgres, ServiceProcess, TopicSpec,
};
use rdkafka::config::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use sqlx::{Connection, PgConnection};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The accounts the monolith starts with: every column filled in most rows,
/// NULLs in some.
fn generate_accounts(rows: usize) -> String {
    format!(
        "INSERT INTO accounts (id, external_id, code, name, status, risk_tier, overdraft_limit,
            interest_rate, is_internal, opened_on, statement_cutoff, last_reviewed_at, updated_at,
            attributes, signature, tags, monthly_caps)
         SELECT n, md5(n::text)::uuid, lpad(n::text, 8, '0'), 'Account number ' || n,
            (ARRAY['open', 'frozen', 'closed'])[1 + n % 3]::account_status,
            CASE WHEN n % 7 = 0 THEN NULL ELSE (n % 100)::smallint END,
            (n % 100000) / 16.0, (n % 1000) / 100000.0, n % 2 = 0,
            DATE '2000-01-01' + (n % 9000), TIME '08:00' + (n % 36000) * INTERVAL '1 second',
            TIMESTAMP '2020-01-01' + n * INTERVAL '1 minute 0.000123 second',
            TIMESTAMPTZ '2021-01-01 00:00:00+00' + n * INTERVAL '1 second',
            jsonb_build_object('n', n, 'tags', jsonb_build_array('a', n % 10)),
            decode(md5(n::text), 'hex'), ARRAY['tag' || (n % 10), 'x'], ARRAY[n % 1000, 7]
         FROM generate_series(1, {rows}) AS n"
    )
}

/// The service's table definitions, from its generated migration.
fn service_migration(out: &Path) -> String {
    std::fs::read_to_string(out.join("services/ledger/migrations/0001_init.sql"))
        .expect("the service's migration")
}

/// Plain batched INSERTs through sqlx: the rows, read as text, bound with
/// casts, 1,000 rows a statement, a transaction per statement.
async fn floor_inserts(source_url: &str, target_url: &str) -> (usize, Duration) {
    let mut source = PgConnection::connect(source_url)
        .await
        .expect("the monolith");
    let columns = [
        ("id", "bigint"),
        ("external_id", "uuid"),
        ("code", "char(8)"),
        ("name", "varchar(120)"),
        ("status", "text"),
        ("risk_tier", "smallint"),
        ("overdraft_limit", "numeric(14,4)"),
        ("interest_rate", "numeric(7,5)"),
        ("is_internal", "boolean"),
        ("opened_on", "date"),
        ("statement_cutoff", "time"),
        ("last_reviewed_at", "timestamp"),
        ("updated_at", "timestamptz"),
        ("attributes", "jsonb"),
        ("signature", "bytea"),
        ("tags", "text[]"),
        ("monthly_caps", "integer[]"),
    ];
    let select = format!(
        "SELECT ARRAY[{}] FROM accounts ORDER BY id",
        columns
            .iter()
            .map(|(c, _)| format!("\"{c}\"::text"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows: Vec<Vec<Option<String>>> = sqlx::query_scalar(&select)
        .fetch_all(&mut source)
        .await
        .expect("the monolith's rows");
    let mut target = PgConnection::connect(target_url).await.expect("the copy");
    let batch = 1000;
    let names = columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let started = Instant::now();
    for chunk in rows.chunks(batch) {
        let mut sql = format!("INSERT INTO accounts ({names}) VALUES ");
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for (j, (_, ty)) in columns.iter().enumerate() {
                if j > 0 {
                    sql.push(',');
                }
                n += 1;
                sql.push_str(&format!("${n}::{ty}"));
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for row in chunk {
            for value in row {
                query = query.bind(value.clone());
            }
        }
        let mut transaction = target.begin().await.expect("a transaction");
        query
            .execute(&mut *transaction)
            .await
            .expect("the floor's insert");
        transaction.commit().await.expect("a commit");
    }
    (rows.len(), started.elapsed())
}

fn rate(count: usize, time: Duration) -> f64 {
    count as f64 / time.as_secs_f64()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

fn count(server: &Postgres, database: &str, sql: &str) -> usize {
    server
        .try_query(Some(database), sql)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let (Some(server), Some(bootstrap), Some(libs)) = (
        Postgres::from_env(),
        kafka::bootstrap_from_env(),
        debezium_libs(),
    ) else {
        return;
    };
    let rows = env_usize("CARVE_BENCH_ROWS", 200_000);
    let events = env_usize("CARVE_BENCH_EVENTS", 50_000);
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-cdc");
    if work.exists() {
        std::fs::remove_dir_all(&work).expect("a clean work folder");
    }
    let out = work.join("out");
    let migrations = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/ledger/migrations");
    carve(&[
        OsStr::new("scaffold"),
        OsStr::new("service"),
        OsStr::new("ledger"),
        OsStr::new("--tables"),
        OsStr::new("accounts"),
        OsStr::new("--schema"),
        migrations.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ]);
    let binary = e2e_support::build_service(&out, "ledger", true);

    let slots = vec![
        "carve_ledger".to_string(),
        "carve_ledger_entity".to_string(),
        "carve_ledger_outbox".to_string(),
    ];
    server.drop_slots(&slots);
    let run = unique("carve_bench");
    let monolith = server.create_database(&format!("{run}_monolith"), None);
    for file in ["0001_accounts.sql", "0002_entries.sql"] {
        server.run_file(&monolith.name, &migrations.join(file), &[]);
    }
    server.query(&monolith.name, &generate_accounts(rows));
    server.query(&monolith.name, "VACUUM ANALYZE accounts");
    let script = std::fs::read_to_string(out.join("sql/ledger-cdc-prerequisites.sql"))
        .expect("the prerequisites")
        .replace(
            "ON DATABASE monolith ",
            &format!("ON DATABASE \"{}\" ", monolith.name),
        );
    std::fs::write(work.join("prerequisites.sql"), script).expect("a copy");
    server.run_file(
        &monolith.name,
        &work.join("prerequisites.sql"),
        &[("cdc_password", "unused")],
    );
    let topics = topics_of_strimzi_file(&out.join("topics/ledger.yaml"));
    let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
    kafka::delete_topics(&bootstrap, &names);
    kafka::create_topics(&bootstrap, &topics);
    let changelog = "ledger.accounts.changelog.v1";
    println!("monolith: {rows} accounts; service built in release mode");

    // The floor: plain batched INSERTs into a copy of the service's table.
    let floor_db = server.create_database(&format!("{run}_floor"), None);
    server.query(&floor_db.name, &service_migration(&out));
    let (floor_rows, floor_time) = block_on(floor_inserts(
        &server.url_for(&monolith.name, None),
        &server.url_for(&floor_db.name, None),
    ));

    // The worker: the generated CDC source snapshots the table.
    let secrets = work.join("secrets");
    std::fs::create_dir_all(&secrets).expect("secrets");
    std::fs::write(secrets.join("ledger-cdc.properties"), "password=unused\n").expect("secret");
    let mut worker = ConnectWorker::start(&libs, &work.join("connect"), &bootstrap);
    let cdc = work.join("ledger-cdc-source.json");
    localize_connector(
        &out.join("connectors/ledger-cdc-source.json"),
        &cdc,
        &server.host(),
        server.port(),
        &monolith.name,
        &secrets,
    );
    let started = Instant::now();
    worker.put(&cdc).expect("the CDC source starts");
    let snapshot = kafka::wait_for_records(&bootstrap, changelog, rows, Duration::from_secs(1800))
        .map(|at| at - started)
        .unwrap_or_else(|| {
            panic!(
                "the snapshot never reached {rows} records\n{}",
                worker.logs()
            )
        });
    drop(worker);

    // The service: its consumer applies the topic.
    let service_db = server.create_database(&format!("{run}_service"), None);
    let started = Instant::now();
    let service = ServiceProcess::start(
        &binary,
        &work.join("consumer.log"),
        &[
            ("DATABASE_URL", server.url_for(&service_db.name, None)),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.clone()),
            ("KAFKA_GROUP_ID", format!("{run}-bench")),
            ("CDC_CONSUMER_ENABLED", "true".into()),
            ("RELAY_ENABLED", "false".into()),
            ("RUST_LOG", "warn".into()),
        ],
    );
    let applied = eventually(Duration::from_secs(1800), || {
        (count(&server, &service_db.name, "SELECT count(*) FROM accounts") >= rows)
            .then(|| started.elapsed())
    })
    .unwrap_or_else(|| panic!("the consumer never applied {rows} rows\n{}", service.logs()));
    drop(service);

    println!();
    println!("step-1 catch-up, {rows} rows of accounts:");
    println!(
        "  worker: snapshot into {changelog}  {:>8.2} s  {:>9.0} rows/s",
        snapshot.as_secs_f64(),
        rate(rows, snapshot)
    );
    println!(
        "  floor: batched INSERTs (sqlx)         {:>8.2} s  {:>9.0} rows/s",
        floor_time.as_secs_f64(),
        rate(floor_rows, floor_time)
    );
    println!(
        "  service: change consumer              {:>8.2} s  {:>9.0} rows/s",
        applied.as_secs_f64(),
        rate(rows, applied)
    );
    println!(
        "  consumer / floor: {:.0}% (target at least 50%)",
        100.0 * rate(rows, applied) / rate(floor_rows, floor_time)
    );

    relay_benchmark(
        &server,
        &bootstrap,
        &binary,
        &work,
        &run,
        &service_db.name,
        events,
    );
    server.drop_slots(&slots);
}

/// The relay against rdkafka alone, on the same payloads.
fn relay_benchmark(
    server: &Postgres,
    bootstrap: &str,
    binary: &Path,
    work: &Path,
    run: &str,
    service_db: &str,
    events: usize,
) {
    let topic = "ledger.accounts.events.v1";
    // The outbox rows, staged: one event per account the consumer just applied.
    server.query(service_db, "DELETE FROM outbox");
    server.query(
        service_db,
        &format!(
            "CREATE TABLE staged_events AS
             SELECT gen_random_uuid() AS id, 'accounts' AS aggregatetype, id::text AS aggregateid,
                    'AccountUpdated' AS type, to_jsonb(a) AS payload
             FROM accounts a ORDER BY id LIMIT {events}"
        ),
    );
    let payloads: Vec<(String, String, String)> = server
        .query(
            service_db,
            "SELECT id::text || E'\\t' || aggregateid || E'\\t' || payload::text FROM staged_events ORDER BY aggregateid::bigint",
        )
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            Some((
                parts.next()?.to_string(),
                parts.next()?.to_string(),
                parts.next()?.to_string(),
            ))
        })
        .collect();
    let events = payloads.len();

    let alone_topic = format!("{run}-producer-alone");
    kafka::create_topics(
        bootstrap,
        &[TopicSpec {
            name: alone_topic.clone(),
            partitions: 1,
            config: Vec::new(),
        }],
    );
    // The relay's own producer settings.
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .create()
        .expect("a producer");
    let alone = block_on(async {
        let started = Instant::now();
        let mut deliveries = Vec::with_capacity(events);
        for (id, key, payload) in &payloads {
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "id",
                    value: Some(id.as_str()),
                })
                .insert(Header {
                    key: "type",
                    value: Some("AccountUpdated"),
                });
            let record = FutureRecord::to(&alone_topic)
                .key(key.as_str())
                .payload(payload.as_str())
                .headers(headers);
            // Enqueued at once; the acknowledgements are awaited after.
            deliveries.push(
                producer
                    .send_result(record)
                    .map_err(|(e, _)| e)
                    .expect("enqueued"),
            );
        }
        for delivery in deliveries {
            delivery
                .await
                .expect("a delivery")
                .map_err(|(e, _)| e)
                .expect("acknowledged");
        }
        started.elapsed()
    });

    // The relay runs on an empty outbox; the events arrive in one
    // transaction, as a burst of writes would leave them.
    let service = ServiceProcess::start(
        binary,
        &work.join("relay.log"),
        &[
            ("DATABASE_URL", server.url_for(service_db, None)),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.to_string()),
            ("CDC_CONSUMER_ENABLED", "false".into()),
            ("RELAY_ENABLED", "true".into()),
            ("RELAY_POLL_INTERVAL_MS", "20".into()),
            ("RUST_LOG", "warn".into()),
        ]
        .into_iter()
        .chain(
            std::env::var("CARVE_BENCH_RELAY_BATCH_SIZE")
                .ok()
                .map(|size| ("RELAY_BATCH_SIZE", size)),
        )
        .collect::<Vec<_>>(),
    );
    server.query(
        service_db,
        "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
         SELECT id, aggregatetype, aggregateid, type, payload FROM staged_events ORDER BY aggregateid::bigint",
    );
    let started = Instant::now();
    let relayed = eventually(Duration::from_secs(1800), || {
        (count(server, service_db, "SELECT count(*) FROM outbox") == 0).then(|| started.elapsed())
    })
    .unwrap_or_else(|| panic!("the relay never drained the outbox\n{}", service.logs()));
    drop(service);
    // The events topic is new to this run: every event must be on it.
    assert!(
        kafka::wait_for_records(bootstrap, topic, events, Duration::from_secs(120)).is_some(),
        "the relay did not publish all {events} events"
    );

    println!();
    println!("outbox relay, {events} events:");
    println!(
        "  rdkafka alone (acks=all)              {:>8.2} s  {:>9.0} events/s",
        alone.as_secs_f64(),
        rate(events, alone)
    );
    println!(
        "  service: relay                        {:>8.2} s  {:>9.0} events/s",
        relayed.as_secs_f64(),
        rate(events, relayed)
    );
    println!(
        "  relay / rdkafka: {:.0}% (target at least 50%)",
        100.0 * rate(events, relayed) / rate(events, alone)
    );
}
