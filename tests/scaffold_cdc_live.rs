//! The generated CDC prerequisites run for real: on a fresh PostgreSQL
//! database built from the shop's migrations (plus a table without a
//! primary key), twice, and on the local MariaDB/MySQL, twice.
//!
//! Servers come from `CARVE_TEST_POSTGRES_URL` and `CARVE_TEST_MYSQL_URL`;
//! the `psql` and `mysql` (or `mariadb`) clients must be on PATH. Without a
//! URL a test prints why it skipped; with `CI=true` that is a failure.

// These tests say what they skipped; that output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;
mod scaffold_support;

use carve::model::{Column, Dialect, Table};
use carve::scaffold::render_all;
use carve::scaffold::spec::{ScaffoldSpec, ServiceSpec};
use carve::scaffold::templates::Templates;
use common::{server_env, skip};
use scaffold_support::{shop_dir, shop_schema};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;

/// The server URL in `var`, parsed; unset, the test skips (fails under CI).
fn server_url(var: &str) -> Option<Url> {
    let url = server_env(var)?;
    Some(Url::parse(&url).unwrap_or_else(|e| panic!("{var}: {e}")))
}

/// A name no other run uses: `<prefix>-<pid>-<nanos>`-ish, lower case.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}x{nanos}", std::process::id())
}

fn ok(output: Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

struct Postgres {
    url: Url,
}

impl Postgres {
    fn connect() -> Option<Postgres> {
        let url = server_url("CARVE_TEST_POSTGRES_URL")?;
        if Command::new("psql").arg("--version").output().is_err() {
            skip::<()>("the `psql` client is not on PATH")?;
        }
        let server = Postgres { url };
        match server.psql(None, &["-c", "SELECT 1"]) {
            Ok(_) => Some(server),
            Err(e) => skip(&format!("PostgreSQL unreachable: {e}")),
        }
    }

    fn url_for(&self, database: Option<&str>) -> String {
        let mut url = self.url.clone();
        if let Some(db) = database {
            url.set_path(&format!("/{db}"));
        }
        url.to_string()
    }

    fn psql(&self, database: Option<&str>, args: &[&str]) -> Result<Output, String> {
        let output = Command::new("psql")
            .arg(self.url_for(database))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"])
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(String::from_utf8_lossy(&output.stderr).to_string())
        }
    }

    fn query(&self, database: &str, sql: &str) -> String {
        ok(
            self.psql(Some(database), &["-c", sql]).expect("query runs"),
            sql,
        )
    }
}

/// Drops the database and the role when the test ends, however it ends.
struct PgCleanup<'a> {
    server: &'a Postgres,
    database: String,
    role: String,
}

impl Drop for PgCleanup<'_> {
    fn drop(&mut self) {
        let _ = self.server.psql(
            None,
            &[
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database),
            ],
        );
        let _ = self
            .server
            .psql(None, &["-c", &format!("DROP ROLE IF EXISTS {}", self.role)]);
    }
}

fn apply_migrations(server: &Postgres, database: &str) {
    let root = shop_dir().join("migrations");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let up = dir.join("up.sql");
        if up.is_file() {
            server
                .psql(Some(database), &["-f", up.to_str().unwrap()])
                .unwrap_or_else(|e| panic!("{}: {e}", up.display()));
        }
    }
}

fn pg_state(server: &Postgres, database: &str, publication: &str, role: &str) -> String {
    let tables = server.query(
        database,
        &format!("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = '{publication}' ORDER BY 1"),
    );
    let identity = server.query(
        database,
        "SELECT relname || '=' || relreplident::text FROM pg_class WHERE relname IN ('audit_log', 'orders', 'order_items') ORDER BY 1",
    );
    let attributes = server.query(
        database,
        &format!("SELECT rolname || ' login=' || rolcanlogin || ' replication=' || rolreplication FROM pg_roles WHERE rolname = '{role}'"),
    );
    let grants = server.query(
        database,
        &format!("SELECT table_name || ':' || privilege_type FROM information_schema.role_table_grants WHERE grantee = '{role}' ORDER BY 1"),
    );
    [tables, identity, attributes, grants]
        .map(|part| part.trim().to_string())
        .join("\n--\n")
}

fn write_script(dir: &Path, contents: &str) -> String {
    let path = dir.join("prerequisites.sql");
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn postgres_prerequisites_apply_twice_with_the_same_result() {
    let Some(server) = Postgres::connect() else {
        return;
    };
    let database = unique("carve_scaffold_");
    let service_name = format!("orders-{}", unique("t"));
    let service_ident = service_name.replace('-', "_");
    let role = format!("carve_cdc_{service_ident}");
    let publication = format!("carve_{service_ident}");
    let _cleanup = PgCleanup {
        server: &server,
        database: database.clone(),
        role: role.clone(),
    };
    server
        .psql(None, &["-c", &format!("CREATE DATABASE {database}")])
        .expect("create database");
    apply_migrations(&server, &database);
    server.query(
        &database,
        "CREATE TABLE audit_log (happened_at timestamptz NOT NULL, note text)",
    );

    let mut schema = shop_schema();
    schema.tables.push(Table {
        name: "audit_log".into(),
        columns: vec![
            Column {
                name: "happened_at".into(),
                data_type: "timestamptz".into(),
                nullable: false,
            },
            Column {
                name: "note".into(),
                data_type: "text".into(),
                nullable: true,
            },
        ],
        primary_key: Vec::new(),
        foreign_keys: Vec::new(),
        unique_keys: Vec::new(),
        partition_of: None,
        source: None,
    });
    let tables: Vec<String> = ["orders", "order_items", "audit_log"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let service = ServiceSpec::new(&service_name, 1, &tables, &schema).expect("service");
    let mut spec = ScaffoldSpec::ad_hoc("shop", &schema, service).expect("spec");
    spec.monolith.database.name = database.clone();
    let script = prerequisites_script(&spec, &service_name);
    let dir = tempfile::tempdir().unwrap();
    let path = write_script(dir.path(), &script);
    let run = || {
        server.psql(
            Some(&database),
            &["-v", "cdc_password=not-a-real-secret", "-f", &path],
        )
    };

    // Without the password variable the script stops before creating the role.
    assert!(server.psql(Some(&database), &["-f", &path]).is_err());
    assert!(server
        .query(
            &database,
            &format!("SELECT 1 FROM pg_roles WHERE rolname = '{role}'")
        )
        .trim()
        .is_empty());

    run().expect("first run");
    let first = pg_state(&server, &database, &publication, &role);
    assert!(
        first.starts_with("public.audit_log\npublic.order_items\npublic.orders\n--"),
        "{first}"
    );
    assert!(first.contains("audit_log=f"), "{first}");
    assert!(first.contains("orders=d"), "{first}");
    assert!(
        first.contains(&format!("{role} login=true replication=true")),
        "{first}"
    );
    assert!(first.contains("orders:SELECT"), "{first}");

    let second = run().expect("second run");
    assert!(!String::from_utf8_lossy(&second.stderr).contains("ERROR"));
    assert_eq!(
        pg_state(&server, &database, &publication, &role),
        first,
        "the second run changed something"
    );

    // A publication that drifted is reset to exactly the service's tables.
    server.query(
        &database,
        &format!("ALTER PUBLICATION {publication} ADD TABLE customers"),
    );
    server.query(
        &database,
        &format!("ALTER PUBLICATION {publication} DROP TABLE orders"),
    );
    run().expect("third run");
    assert_eq!(pg_state(&server, &database, &publication, &role), first);

    // The role can log in with the password given.
    let mut login = server.url.clone();
    login.set_username(&role).unwrap();
    login.set_password(Some("not-a-real-secret")).unwrap();
    login.set_path(&format!("/{database}"));
    let read = Command::new("psql")
        .arg(login.as_str())
        .args(["-X", "-At", "-c", "SELECT count(*) FROM orders"])
        .output()
        .expect("psql runs");
    assert_eq!(ok(read, "reading as the capture role").trim(), "0");
    server.query(&database, &format!("DROP OWNED BY {role}"));
}

// ---------------------------------------------------------------------------
// MySQL / MariaDB
// ---------------------------------------------------------------------------

fn mysql_client() -> Option<&'static str> {
    ["mariadb", "mysql"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
}

fn mysql_args(url: &Url) -> Vec<String> {
    let mut args = vec![
        format!("--host={}", url.host_str().unwrap_or("127.0.0.1")),
        format!("--port={}", url.port().unwrap_or(3306)),
        format!(
            "--user={}",
            if url.username().is_empty() {
                "root"
            } else {
                url.username()
            }
        ),
        "--protocol=tcp".to_string(),
        "--batch".to_string(),
        "--skip-column-names".to_string(),
    ];
    if let Some(password) = url.password() {
        args.push(format!("--password={password}"));
    }
    args
}

fn mysql_run(
    client: &str,
    url: &Url,
    extra: &[String],
    stdin_file: Option<&Path>,
    sql: Option<&str>,
) -> Output {
    let mut cmd = Command::new(client);
    cmd.args(mysql_args(url)).args(extra);
    if let Some(sql) = sql {
        cmd.arg("-e").arg(sql);
    }
    if let Some(file) = stdin_file {
        cmd.stdin(std::fs::File::open(file).unwrap());
    }
    cmd.output().expect("the mysql client runs")
}

#[test]
fn mysql_prerequisites_create_the_user_and_grant_twice() {
    let Some(url) = server_url("CARVE_TEST_MYSQL_URL") else {
        return;
    };
    let Some(client) = mysql_client() else {
        skip::<()>("neither `mariadb` nor `mysql` is on PATH");
        return;
    };
    if !mysql_run(client, &url, &[], None, Some("SELECT 1"))
        .status
        .success()
    {
        skip::<()>(&format!(
            "MySQL/MariaDB at {} unreachable",
            url.host_str().unwrap_or("?")
        ));
        return;
    }
    let service_name = format!("orders-{}", unique("t"));
    let user = format!("carve_cdc_{}", service_name.replace('-', "_"));
    let mut schema = shop_schema();
    schema.dialect = Dialect::Mysql;
    let tables = vec!["orders".to_string(), "order_items".to_string()];
    let service = ServiceSpec::new(&service_name, 1, &tables, &schema).expect("service");
    let spec = ScaffoldSpec::ad_hoc("shop", &schema, service).expect("spec");
    let script = prerequisites_script(&spec, &service_name);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prerequisites.sql");
    std::fs::write(&path, &script).unwrap();
    let drop_user = format!("DROP USER IF EXISTS '{user}'@'%'");
    struct DropUser<'a>(&'a str, &'a Url, &'a str);
    impl Drop for DropUser<'_> {
        fn drop(&mut self) {
            let _ = mysql_run(self.0, self.1, &[], None, Some(self.2));
        }
    }
    let _cleanup = DropUser(client, &url, &drop_user);

    // Without @cdc_password nothing is created.
    let without = mysql_run(client, &url, &[], Some(&path), None);
    assert!(
        !without.status.success(),
        "the script ran without a password"
    );
    let exists = format!("SELECT count(*) FROM mysql.user WHERE user = '{user}'");
    assert_eq!(
        ok(mysql_run(client, &url, &[], None, Some(&exists)), "count").trim(),
        "0"
    );

    let init = vec!["--init-command=SET @cdc_password='not-a-real-secret'".to_string()];
    ok(
        mysql_run(client, &url, &init, Some(&path), None),
        "first run",
    );
    let grants_sql = format!("SHOW GRANTS FOR '{user}'@'%'");
    let first = ok(
        mysql_run(client, &url, &[], None, Some(&grants_sql)),
        "grants",
    );
    for privilege in ["SELECT", "RELOAD", "SHOW DATABASES", "REPLICATION SLAVE"] {
        assert!(first.contains(privilege), "{privilege} missing: {first}");
    }
    ok(
        mysql_run(client, &url, &init, Some(&path), None),
        "second run",
    );
    let second = ok(
        mysql_run(client, &url, &[], None, Some(&grants_sql)),
        "grants",
    );
    assert_eq!(first, second);
    assert_eq!(
        ok(mysql_run(client, &url, &[], None, Some(&exists)), "count").trim(),
        "1"
    );
}

/// The CDC prerequisites script scaffold renders for one service.
fn prerequisites_script(spec: &ScaffoldSpec, service_name: &str) -> String {
    let files = render_all(spec, &Templates::load(None).unwrap()).expect("renders");
    files
        .into_iter()
        .find(|f| f.path == format!("sql/{service_name}-cdc-prerequisites.sql"))
        .expect("the prerequisites script")
        .contents
}
