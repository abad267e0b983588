//! Kafka topics: `topics/<svc>.yaml` (Strimzi `KafkaTopic` resources) and
//! `topics/create-topics.sh` (the same topics through `kafka-topics.sh`),
//! both from one list so they never disagree.

use super::spec::{GeneratedFile, ScaffoldSpec, ServiceSpec};
use super::templates::Templates;
use super::ScaffoldError;
use crate::model::Dialect;
use serde::Serialize;
use serde_json::json;

/// How long domain events stay on their topic: seven days.
pub const EVENTS_RETENTION_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// How long dead letters stay on their topic: 28 days, time for a person
/// to look at them and replay the fixed ones.
pub const DEAD_LETTER_RETENTION_MS: i64 = 28 * 24 * 60 * 60 * 1000;

/// The dead-letter topic of a changelog topic, where the service's change
/// consumer puts the messages it cannot apply: `<topic>.dlq`.
pub fn dead_letter_topic(changelog: &str) -> String {
    format!("{changelog}.dlq")
}

/// What a topic carries, which decides its cleanup policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopicKind {
    Changelog,
    Entity,
    Events,
    /// Changelog messages the service could not apply.
    DeadLetter,
    SchemaHistory,
}

/// One topic with everything both outputs need.
#[derive(Debug, Clone, Serialize)]
pub struct TopicSpec {
    pub name: String,
    /// `metadata.name` of the Strimzi resource.
    pub resource_name: String,
    /// Set when `resource_name` differs from `name` (Strimzi's `spec.topicName`).
    pub topic_name: Option<String>,
    pub kind: TopicKind,
    pub partitions: u32,
    pub replicas: u32,
    /// Topic configs, sorted by key; values as Kafka reads them.
    pub config: Vec<TopicConfig>,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicConfig {
    pub key: String,
    pub value: String,
}

/// Whether the CDC connector of this dialect keeps a schema-history topic.
pub fn needs_schema_history(dialect: Dialect) -> bool {
    matches!(dialect, Dialect::Mysql | Dialect::Mssql)
}

/// A Kubernetes resource name for `topic`: lower case letters, digits, `-`
/// and `.`, starting and ending with a letter or digit.
pub fn resource_name(topic: &str) -> String {
    let mut name: String = topic
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    name = name
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    if name.is_empty() {
        name = "topic".into();
    }
    name.truncate(253);
    name
}

fn topic(spec: &ScaffoldSpec, name: &str, kind: TopicKind, description: String) -> TopicSpec {
    let (partitions, config) = match kind {
        TopicKind::Changelog | TopicKind::Entity => (
            spec.kafka.partitions,
            vec![("cleanup.policy", "compact".to_string())],
        ),
        TopicKind::Events => (
            spec.kafka.partitions,
            vec![
                ("cleanup.policy", "delete".to_string()),
                ("retention.ms", EVENTS_RETENTION_MS.to_string()),
            ],
        ),
        // Few messages, read by people in the order they failed.
        TopicKind::DeadLetter => (
            1,
            vec![
                ("cleanup.policy", "delete".to_string()),
                ("retention.ms", DEAD_LETTER_RETENTION_MS.to_string()),
            ],
        ),
        // Debezium needs the whole history in order: one partition, kept forever.
        TopicKind::SchemaHistory => (
            1,
            vec![
                ("cleanup.policy", "delete".to_string()),
                ("retention.bytes", "-1".to_string()),
                ("retention.ms", "-1".to_string()),
            ],
        ),
    };
    let resource = resource_name(name);
    TopicSpec {
        name: name.to_string(),
        topic_name: (resource != name).then(|| name.to_string()),
        resource_name: resource,
        kind,
        partitions,
        replicas: spec.kafka.replication_factor,
        config: config
            .into_iter()
            .map(|(key, value)| TopicConfig {
                key: key.to_string(),
                value,
            })
            .collect(),
        description,
    }
}

/// The topics of one service, in entity order (changelog, entity, events,
/// dead letters), then its schema history.
pub fn service_topics(spec: &ScaffoldSpec, service: &ServiceSpec) -> Vec<TopicSpec> {
    let mut topics = Vec::new();
    for entity in &service.entities {
        topics.push(topic(
            spec,
            &entity.topics.changelog,
            TopicKind::Changelog,
            format!(
                "row changes of `{}` captured from the monolith by the CDC source (plain JSON, keyed by the primary key)",
                entity.table
            ),
        ));
        topics.push(topic(
            spec,
            &entity.topics.entity,
            TopicKind::Entity,
            format!(
                "current state of each {} as the {} service holds it, published by its entity source (JSON with schemas, keyed by the primary key, a delete as a tombstone)",
                entity.type_name, service.name
            ),
        ));
        topics.push(topic(
            spec,
            &entity.topics.events,
            TopicKind::Events,
            format!(
                "domain events of {} from the {} service's outbox (plain JSON, keyed by the aggregate id, the event type in the `type` header)",
                entity.type_name, service.name
            ),
        ));
        topics.push(topic(
            spec,
            &dead_letter_topic(&entity.topics.changelog),
            TopicKind::DeadLetter,
            format!(
                "changes of `{}` the {} service could not apply, as they were read, with `carve.dlq.*` headers saying where from and why",
                entity.table, service.name
            ),
        ));
    }
    if needs_schema_history(spec.monolith.dialect) {
        topics.push(topic(
            spec,
            &service.schema_history_topic,
            TopicKind::SchemaHistory,
            format!("Debezium schema history of the {} CDC source", service.name),
        ));
    }
    topics
}

/// `topics/<svc>.yaml` per service and `topics/create-topics.sh`.
pub fn render(
    spec: &ScaffoldSpec,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, ScaffoldError> {
    let mut files = Vec::new();
    let mut all = Vec::new();
    for service in &spec.services {
        let topics = service_topics(spec, service);
        let data = json!({
            "service": service,
            "topics": topics,
            "cluster": STRIMZI_CLUSTER,
        });
        files.push(GeneratedFile {
            path: format!("topics/{}.yaml", service.name),
            contents: templates.render("topics/kafka-topics.yaml", &data)?,
        });
        all.push(json!({"service": service.name, "topics": topics}));
    }
    let data = json!({
        "bootstrap_servers": spec.kafka.bootstrap_servers,
        "replication_factor": spec.kafka.replication_factor,
        "services": all,
    });
    files.push(GeneratedFile {
        path: "topics/create-topics.sh".into(),
        contents: templates.render("topics/create-topics.sh", &data)?,
    });
    Ok(files)
}

/// The `strimzi.io/cluster` label: the Kafka cluster's resource name.
pub const STRIMZI_CLUSTER: &str = "kafka";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_are_kubernetes_names() {
        assert_eq!(
            resource_name("orders.order-items.events.v1"),
            "orders.order-items.events.v1"
        );
        assert_eq!(resource_name("Shop_Orders.v1"), "shop-orders.v1");
        assert_eq!(resource_name("_x_"), "x");
    }

    #[test]
    fn dead_letters_go_next_to_their_changelog() {
        assert_eq!(
            dead_letter_topic("orders.orders.changelog.v1"),
            "orders.orders.changelog.v1.dlq"
        );
    }
}
