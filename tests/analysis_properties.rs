//! Properties of the analysis on random inputs: the extraction order
//! respects every dependency not inside a reported cycle, and every
//! proposal owns each table once, is deterministic, honours `--services`
//! and keeps partitions with their table.

use carve::analysis::order::{extraction_order, Evidence};
use carve::analysis::{propose, AnalysisOptions};
use carve::model::{
    Access, AccessMode, AccessVia, Codebase, Column, Dialect, ForeignKey, Module, Schema, Table,
    TableRef,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn dependency_graphs() -> impl Strategy<Value = (Vec<String>, BTreeMap<(String, String), Evidence>)>
{
    (1usize..9).prop_flat_map(|n| {
        let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let edges = proptest::collection::vec((0..n, 0..n, 0usize..4, 0usize..4), 0..(n * n + 1));
        (Just(names), edges).prop_map(|(names, edges)| {
            let mut deps = BTreeMap::new();
            for (a, b, fks, reads) in edges {
                deps.insert(
                    (names[a].clone(), names[b].clone()),
                    Evidence {
                        foreign_keys: fks,
                        reads,
                        ..Default::default()
                    },
                );
            }
            (names, deps)
        })
    })
}

proptest! {
    #[test]
    fn order_respects_dependencies((names, deps) in dependency_graphs()) {
        let (steps, cycles) = extraction_order(&names, &deps);
        let position: BTreeMap<&str, usize> = steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.service.as_str(), i))
            .collect();
        prop_assert_eq!(position.len(), names.len());
        for (i, step) in steps.iter().enumerate() {
            prop_assert_eq!(step.step as usize, i + 1);
            for d in &step.depends_on {
                prop_assert!(position[d.as_str()] < i, "{} before {}", d, step.service);
            }
        }
        let in_cycle = |a: &str, b: &str| {
            cycles.iter().any(|c| c.services.iter().any(|s| s == a) && c.services.iter().any(|s| s == b))
        };
        for (from, to) in deps.keys() {
            if from == to || in_cycle(from, to) {
                continue;
            }
            prop_assert!(
                position[to.as_str()] < position[from.as_str()],
                "{} depends on {} but comes first", from, to
            );
        }
        for cycle in &cycles {
            let (a, b) = &cycle.weakest_link;
            prop_assert!(deps.contains_key(&(a.clone(), b.clone())));
            prop_assert!(cycle.services.contains(a) && cycle.services.contains(b));
        }
    }
}

const WORDS: &[&str] = &[
    "orders",
    "order_items",
    "customers",
    "addresses",
    "products",
    "categories",
    "payments",
    "refunds",
    "users",
    "sessions",
    "invoices",
    "invoice_lines",
    "stock",
    "warehouses",
];

/// A random schema: tables named from [`WORDS`] (numbered when repeated),
/// some in schemas, random keys, a few partitions; and random modules.
fn inputs() -> impl Strategy<Value = (Schema, Codebase)> {
    (2usize..16).prop_flat_map(|n| {
        let keys = proptest::collection::vec((0..n, 0..n), 0..(2 * n));
        let partitions = proptest::collection::vec((0..n, 0..n), 0..3);
        let schemas = proptest::collection::vec(0usize..3, n);
        let modules = proptest::collection::vec(
            proptest::collection::vec((0..n, any::<bool>(), any::<bool>()), 0..5),
            0..6,
        );
        (Just(n), keys, partitions, schemas, modules).prop_map(
            |(n, keys, partitions, schemas, modules)| {
                let names: Vec<String> = (0..n)
                    .map(|i| {
                        let word = WORDS[i % WORDS.len()];
                        let word = if i >= WORDS.len() {
                            format!("{word}{i}")
                        } else {
                            word.to_string()
                        };
                        match schemas[i] {
                            0 => word,
                            s => format!("s{s}.{word}"),
                        }
                    })
                    .collect();
                let mut tables: Vec<Table> = names
                    .iter()
                    .map(|name| Table {
                        name: name.clone(),
                        columns: vec![Column {
                            name: "id".into(),
                            data_type: "bigint".into(),
                            nullable: false,
                        }],
                        primary_key: vec!["id".into()],
                        foreign_keys: vec![],
                        unique_keys: vec![],
                        partition_of: None,
                        source: None,
                    })
                    .collect();
                for (i, (a, b)) in keys.into_iter().enumerate() {
                    let column = format!("ref{i}");
                    tables[a].columns.push(Column {
                        name: column.clone(),
                        data_type: "bigint".into(),
                        nullable: true,
                    });
                    tables[a].foreign_keys.push(ForeignKey {
                        name: None,
                        columns: vec![column],
                        references: TableRef {
                            table: names[b].clone(),
                            columns: vec!["id".into()],
                        },
                        inferred: false,
                    });
                }
                for (child, parent) in partitions {
                    if child != parent && tables[parent].partition_of.is_none() {
                        tables[child].partition_of = Some(names[parent].clone());
                    }
                }
                let modules: Vec<Module> = modules
                    .into_iter()
                    .enumerate()
                    .map(|(m, touched)| {
                        let mut accesses: Vec<Access> = touched
                            .into_iter()
                            .map(|(t, write, direct)| Access {
                                table: names[t].clone(),
                                mode: if write {
                                    AccessMode::Write
                                } else {
                                    AccessMode::Read
                                },
                                via: if direct {
                                    AccessVia::Direct
                                } else {
                                    AccessVia::Transitive
                                },
                                evidence: vec![],
                            })
                            .collect();
                        accesses.sort_by(|a, b| {
                            (&a.table, a.mode, a.via).cmp(&(&b.table, b.mode, b.via))
                        });
                        Module {
                            name: format!("app::m{m}"),
                            file: format!("src/m{m}.rs"),
                            depends_on: if m > 0 {
                                vec![format!("app::m{}", m - 1)]
                            } else {
                                vec![]
                            },
                            accesses,
                        }
                    })
                    .collect();
                (
                    Schema {
                        dialect: Dialect::Postgres,
                        tables,
                    },
                    Codebase {
                        crates: vec![],
                        modules,
                        co_access: vec![],
                    },
                )
            },
        )
    })
}

/// Tables grouped with their partitions (chains included), as the
/// analysis sees them.
fn unit_count(schema: &Schema) -> usize {
    let parent: BTreeMap<&str, &str> = schema
        .tables
        .iter()
        .filter_map(|t| Some((t.name.as_str(), t.partition_of.as_deref()?)))
        .collect();
    fn root<'a>(parent: &BTreeMap<&'a str, &'a str>, mut name: &'a str) -> &'a str {
        while let Some(p) = parent.get(name) {
            name = p;
        }
        name
    }
    let roots: BTreeSet<&str> = schema
        .tables
        .iter()
        .map(|t| root(&parent, &t.name))
        .collect();
    roots.len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn proposals_keep_their_invariants((schema, code) in inputs(), k in 1usize..8) {
        for services in [None, Some(k)] {
            let options = AnalysisOptions { services, ..Default::default() };
            let p = propose(&schema, &code, &options);
            let again = propose(&schema, &code, &options);
            prop_assert_eq!(serde_json::to_string(&p).unwrap(), serde_json::to_string(&again).unwrap());
            let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
            for s in &p.services {
                prop_assert!(!s.tables.is_empty());
                for t in &s.tables {
                    prop_assert!(owner.insert(t, &s.name).is_none(), "{} owned twice", t);
                }
            }
            // The rest is set aside, each table once: orphans here (the
            // generated names are no migration tool's).
            for u in &p.unplaced_tables {
                prop_assert!(owner.insert(&u.table, "(unplaced)").is_none(), "{} owned and unplaced", u.table);
            }
            prop_assert_eq!(owner.len(), schema.tables.len());
            for t in &schema.tables {
                if let Some(parent) = &t.partition_of {
                    prop_assert_eq!(owner[t.name.as_str()], owner[parent.as_str()]);
                }
            }
            if let Some(k) = services {
                let placed = Schema {
                    dialect: schema.dialect,
                    tables: schema
                        .tables
                        .iter()
                        .filter(|t| owner[t.name.as_str()] != "(unplaced)")
                        .cloned()
                        .collect(),
                };
                prop_assert_eq!(p.services.len(), k.min(unit_count(&placed)));
            }
            prop_assert_eq!(p.order.len(), p.services.len());
            let names: BTreeSet<&str> = p.services.iter().map(|s| s.name.as_str()).collect();
            prop_assert_eq!(names.len(), p.services.len());
            for m in &p.explanations {
                prop_assert!(m.service.is_empty() || names.contains(m.service.as_str()));
            }
        }
    }
}
