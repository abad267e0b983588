//! Scaffold benchmark: renders every artifact of a 30-service plan over a
//! generated schema (about 10 tables per service, 10 columns per table) and
//! writes it into a fresh temporary directory, timing render and write.
//!
//! Run with `cargo bench --bench scaffold`. Knobs (environment):
//! `CARVE_BENCH_SERVICES` (default 30), `CARVE_BENCH_TABLES_PER_SERVICE`
//! (default 10), `CARVE_BENCH_RUNS` (default 7). Target: under 1 s.

// A benchmark's report is its standard output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use carve::model::{Column, Dialect, ForeignKey, Schema, Table, TableRef};
use carve::scaffold::render_all;
use carve::scaffold::spec::{ScaffoldSpec, ServiceSpec};
use carve::scaffold::templates::Templates;
use carve::scaffold::writer::{write_files, WriteOptions};
use std::time::{Duration, Instant};

/// Column types cycled through, so every mapping branch is exercised.
const TYPES: &[&str] = &[
    "bigint",
    "text",
    "integer",
    "numeric(12,2)",
    "timestamptz",
    "boolean",
    "uuid",
    "jsonb",
    "date",
    "varchar(80)",
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn table(service: usize, index: usize) -> Table {
    let name = format!("svc{service}_table{index}");
    let mut columns = vec![Column {
        name: "id".into(),
        data_type: "bigint".into(),
        nullable: false,
    }];
    for c in 1..10 {
        columns.push(Column {
            name: format!("column_{c}"),
            data_type: TYPES[(c + index) % TYPES.len()].into(),
            nullable: c % 3 == 0,
        });
    }
    let foreign_keys = if index > 0 {
        vec![ForeignKey {
            name: None,
            columns: vec!["column_1".into()],
            references: TableRef {
                table: format!("svc{service}_table0"),
                columns: vec!["id".into()],
            },
            inferred: false,
        }]
    } else {
        Vec::new()
    };
    Table {
        name,
        columns,
        primary_key: vec!["id".into()],
        foreign_keys,
        unique_keys: Vec::new(),
        partition_of: None,
        source: None,
    }
}

fn spec(services: usize, tables_per_service: usize) -> ScaffoldSpec {
    let schema = Schema {
        dialect: Dialect::Postgres,
        tables: (0..services)
            .flat_map(|s| (0..tables_per_service).map(move |t| table(s, t)))
            .collect(),
    };
    let mut specs: Vec<ServiceSpec> = (0..services)
        .map(|s| {
            let tables: Vec<String> = (0..tables_per_service)
                .map(|t| format!("svc{s}_table{t}"))
                .collect();
            ServiceSpec::new(&format!("service-{s}"), s as u32 + 1, &tables, &schema)
                .expect("generated names are valid")
        })
        .collect();
    let first = specs.remove(0);
    let mut spec = ScaffoldSpec::ad_hoc("bench", &schema, first).expect("a spec");
    spec.services.extend(specs);
    spec
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let services = env_usize("CARVE_BENCH_SERVICES", 30);
    let per_service = env_usize("CARVE_BENCH_TABLES_PER_SERVICE", 10);
    let runs = env_usize("CARVE_BENCH_RUNS", 7).max(1);
    let spec = spec(services, per_service);
    let templates = Templates::load(None).expect("embedded templates");
    println!(
        "carve scaffold benchmark: {services} services x {per_service} tables x 10 columns, median of {runs} runs"
    );
    let (mut render_times, mut write_times, mut totals) = (Vec::new(), Vec::new(), Vec::new());
    let mut file_count = 0;
    let mut bytes = 0;
    for _ in 0..runs {
        let out = tempfile::tempdir().expect("temporary directory");
        let started = Instant::now();
        let files = render_all(&spec, &templates).expect("renders");
        let rendered = started.elapsed();
        let report = write_files(out.path(), &files, WriteOptions::default()).expect("writes");
        let total = started.elapsed();
        assert_eq!(report.created.len(), files.len());
        file_count = files.len();
        bytes = files.iter().map(|f| f.contents.len()).sum::<usize>();
        render_times.push(rendered);
        write_times.push(total - rendered);
        totals.push(total);
    }
    let best = *totals.iter().min().expect("at least one run");
    println!("  files: {file_count} ({:.1} MB)", bytes as f64 / 1e6);
    println!("  render: median {:.1} ms", ms(median(render_times)));
    println!("  write:  median {:.1} ms", ms(median(write_times)));
    let median_total = median(totals);
    println!(
        "  total:  median {:.1} ms, best {:.1} ms",
        ms(median_total),
        ms(best)
    );
    let verdict = if median_total < Duration::from_secs(1) {
        "within"
    } else {
        "OVER"
    };
    println!("  {verdict} the 1 s target");
}
