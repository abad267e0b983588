//! Reading Rust code: the module tree, module dependencies and which module
//! reads and writes which table, on the small crates in `fixtures/rust/`.

use carve::ingest::rust::read_codebase;
use carve::ingest::sql::ingest_text;
use carve::model::{Access, AccessMode, AccessVia, Codebase, Diagnostic, Dialect, Module, Schema};
use std::path::PathBuf;

const SCHEMA: &str = r#"
CREATE SCHEMA sales;
CREATE TABLE users (id serial PRIMARY KEY, uuid text, name text, email text, revision bigint);
CREATE TABLE posts (id serial PRIMARY KEY, author_id int REFERENCES users (id), title text, published boolean);
CREATE TABLE comments (id serial PRIMARY KEY, post_id int REFERENCES posts (id), body text);
CREATE TABLE accounts (id bigserial PRIMARY KEY, name text);
CREATE TABLE entries (id bigserial PRIMARY KEY, account_id bigint REFERENCES accounts (id), amount bigint);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, message text);
CREATE TABLE sales.orders (id bigserial PRIMARY KEY, status text, total bigint, created_at timestamptz);
CREATE TABLE archived_orders (id bigserial PRIMARY KEY, status text, total bigint, created_at timestamptz);
CREATE TABLE customers (id serial PRIMARY KEY, name text, active boolean);
CREATE TABLE sessions (id text PRIMARY KEY, expires_at timestamptz);
CREATE TABLE cake (id serial PRIMARY KEY, name text);
CREATE TABLE fruit (id serial PRIMARY KEY, name text, cake_id int REFERENCES cake (id));
CREATE TABLE ciphers (uuid text PRIMARY KEY, user_uuid text, name text);
CREATE TABLE folders (uuid text PRIMARY KEY, user_uuid text, name text);
CREATE TABLE folders_ciphers (cipher_uuid text, folder_uuid text);
CREATE TABLE tags (id serial PRIMARY KEY, name text);
"#;

use AccessMode::{Read, Write};
use AccessVia::{Direct, Transitive};

fn schema() -> Schema {
    let ingested = ingest_text("schema.sql", SCHEMA, None);
    assert_eq!(ingested.schema.dialect, Dialect::Postgres);
    assert_eq!(
        ingested.schema.tables.len(),
        16,
        "{:?}",
        ingested.diagnostics
    );
    ingested.schema
}

fn fixture(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rust")
        .join(case)
}

fn read(case: &str) -> (Codebase, Vec<Diagnostic>) {
    read_codebase(&fixture(case), &schema())
}

fn module<'a>(codebase: &'a Codebase, name: &str) -> &'a Module {
    codebase
        .modules
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| {
            let names: Vec<&str> = codebase.modules.iter().map(|m| m.name.as_str()).collect();
            panic!("no module {name} among {names:?}")
        })
}

/// Each module's name and file, in the codebase's order.
fn module_files(codebase: &Codebase) -> Vec<(&str, &str)> {
    codebase
        .modules
        .iter()
        .map(|m| (m.name.as_str(), m.file.as_str()))
        .collect()
}

fn access<'a>(m: &'a Module, table: &str, mode: AccessMode) -> &'a Access {
    m.accesses
        .iter()
        .find(|a| a.table == table && a.mode == mode)
        .unwrap_or_else(|| panic!("{} has no {mode:?} of {table}: {:#?}", m.name, m.accesses))
}

/// `(table, mode, via)` of every access, in the module's order.
fn summary(m: &Module) -> Vec<(&str, AccessMode, AccessVia)> {
    m.accesses
        .iter()
        .map(|a| (a.table.as_str(), a.mode, a.via))
        .collect()
}

/// The 1-based line of the first line of `file` containing `needle`.
fn line(case: &str, file: &str, needle: &str) -> u32 {
    let text = std::fs::read_to_string(fixture(case).join(file)).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in {file}")) as u32
        + 1
}

fn lines(a: &Access) -> Vec<u32> {
    a.evidence.iter().map(|e| e.line).collect()
}

fn assert_evidence(a: &Access, file: &str, line: u32) {
    assert!(
        a.evidence.iter().any(|e| e.file == file && e.line == line),
        "{} {:?}: no evidence at {file}:{line} in {:?}",
        a.table,
        a.mode,
        a.evidence
    );
}

#[test]
fn diesel_dsl_paths_read_and_writes_follow_insert_update_delete() {
    let (cb, _) = read("diesel");
    let posts = module(&cb, "blog::posts");
    assert_eq!(
        summary(posts),
        vec![
            ("posts", Read, Direct),
            ("posts", Write, Direct),
            ("users", Read, Direct)
        ]
    );
    let file = "src/posts.rs";
    let read_posts = access(posts, "posts", Read);
    assert_evidence(
        read_posts,
        file,
        line("diesel", file, "filter(posts::published"),
    );
    let write = access(posts, "posts", Write);
    for needle in [
        "diesel::insert_into(posts::table)",
        "diesel::update(posts::table.find(id))",
        "diesel::delete(posts::table.find(id))",
    ] {
        assert_evidence(write, file, line("diesel", file, needle));
    }
    assert_evidence(
        access(posts, "users", Read),
        file,
        line("diesel", file, ".inner_join(users::table)"),
    );
}

#[test]
fn diesel_dsl_glob_imports_make_bare_names_tables() {
    let (cb, _) = read("diesel");
    let comments = module(&cb, "blog::comments");
    assert_eq!(
        summary(comments),
        vec![("comments", Read, Direct), ("comments", Write, Direct)]
    );
    let file = "src/comments.rs";
    assert_eq!(
        lines(access(comments, "comments", Read)),
        vec![line(
            "diesel",
            file,
            "comments.filter(post_id.eq(post)).select(body)"
        )]
    );
    assert_eq!(
        lines(access(comments, "comments", Write)),
        vec![line("diesel", file, "delete(comments.filter")]
    );
}

#[test]
fn plain_module_paths_and_schema_declarations_are_not_accesses() {
    let (cb, _) = read("diesel");
    assert!(module(&cb, "blog::stats").accesses.is_empty());
    assert!(module(&cb, "blog::stats::users").accesses.is_empty());
    assert!(module(&cb, "blog::schema").accesses.is_empty());
    assert!(module(&cb, "blog").accesses.is_empty());
    assert!(module(&cb, "blog::stats")
        .depends_on
        .contains(&"blog::stats::users".to_string()));
}

#[test]
fn diesel_models_of_both_generations_map_their_structs() {
    let (cb, _) = read("diesel");
    let models = module(&cb, "blog::models");
    assert_eq!(
        summary(models),
        vec![
            ("comments", Read, Direct),
            ("comments", Write, Direct),
            ("posts", Read, Direct)
        ]
    );
    let file = "src/models.rs";
    assert_eq!(
        lines(access(models, "posts", Read)),
        vec![line("diesel", file, "pub struct Post {")]
    );
    assert_eq!(
        lines(access(models, "comments", Write)),
        vec![line("diesel", file, "pub struct NewComment")]
    );

    let legacy = module(&cb, "blog::legacy");
    assert_eq!(
        summary(legacy),
        vec![("users", Read, Direct), ("users", Write, Direct)]
    );
    let file = "src/legacy.rs";
    assert_evidence(
        access(legacy, "users", Read),
        file,
        line("diesel", file, "pub struct User {"),
    );
    // `update(self)` writes the table of the model it is called on.
    assert_eq!(
        lines(access(legacy, "users", Write)),
        vec![line("diesel", file, "diesel::update(self)")]
    );
}

#[test]
fn sqlx_macros_and_functions_with_plain_and_raw_strings() {
    let (cb, _) = read("sqlx");
    let accounts = module(&cb, "ledger::accounts");
    assert_eq!(
        summary(accounts),
        vec![
            ("accounts", Read, Direct),
            ("accounts", Write, Direct),
            ("entries", Read, Direct),
            ("entries", Write, Direct)
        ]
    );
    let file = "src/accounts.rs";
    let at = |needle| line("sqlx", file, needle);
    assert_eq!(
        lines(access(accounts, "accounts", Read)),
        vec![at("sqlx::query_as!(Account")]
    );
    // `query!` and an unqualified `query(r#"…"#)` after `use sqlx::query`.
    assert_eq!(
        lines(access(accounts, "accounts", Write)),
        vec![at("sqlx::query!(\"UPDATE"), at("query(r#\"DELETE")]
    );
    assert_eq!(
        lines(access(accounts, "entries", Read)),
        vec![at("r#\"SELECT COALESCE")]
    );
    assert_eq!(
        lines(access(accounts, "entries", Write)),
        vec![at("sqlx::query(\"INSERT INTO entries")]
    );

    let reports = module(&cb, "ledger::reports");
    assert_eq!(
        summary(reports),
        vec![
            ("accounts", Read, Direct),
            ("audit_log", Write, Direct),
            ("entries", Read, Direct),
            // `orders` names the only table of that name: `sales.orders`.
            ("sales.orders", Read, Direct)
        ]
    );
    let file = "src/reports.rs";
    // A raw string spanning lines is reported where it starts.
    assert_eq!(
        lines(access(reports, "accounts", Read)),
        vec![line("sqlx", file, "sqlx::query_as::<_, (i64, i64)>(") + 1]
    );
    assert_evidence(
        access(reports, "audit_log", Write),
        file,
        line("sqlx", file, "INSERT INTO audit_log"),
    );
}

#[test]
fn seaorm_entities_map_their_modules_and_users_of_them() {
    let (cb, _) = read("seaorm");
    assert_eq!(
        summary(module(&cb, "bakery::entity::cake")),
        vec![("cake", Read, Direct)]
    );
    assert_eq!(
        summary(module(&cb, "bakery::entity::fruit")),
        vec![("fruit", Read, Direct)]
    );
    assert!(module(&cb, "bakery::entity::prelude").accesses.is_empty());
    let service = module(&cb, "bakery::service");
    assert_eq!(
        summary(service),
        vec![
            ("cake", Read, Direct),
            ("cake", Write, Direct),
            ("fruit", Write, Direct)
        ]
    );
    let file = "src/service.rs";
    let at = |needle| line("seaorm", file, needle);
    // Through the prelude's re-export `Cake`.
    assert_eq!(
        lines(access(service, "cake", Read)),
        vec![at("Cake::find()")]
    );
    assert_eq!(
        lines(access(service, "cake", Write)),
        vec![at("cake::Entity::delete_by_id")]
    );
    assert_eq!(
        lines(access(service, "fruit", Write)),
        vec![at("fruit::ActiveModel {"), at("fruit.insert(db)")]
    );
}

#[test]
fn sql_in_constants_lets_and_format_templates() {
    let (cb, _) = read("sql_strings");
    let queries = module(&cb, "reports::queries");
    assert_eq!(
        summary(queries),
        vec![("sales.orders", Read, Direct), ("sessions", Write, Direct)]
    );
    let file = "src/queries.rs";
    // The prose constant names `orders` but does not parse: not evidence.
    assert_eq!(
        lines(access(queries, "sales.orders", Read)),
        vec![line("sql_strings", file, "pub const OPEN_ORDERS")]
    );
    assert_eq!(
        lines(access(queries, "sessions", Write)),
        vec![line("sql_strings", file, "pub static PURGE_SESSIONS")]
    );

    let builder = module(&cb, "reports::builder");
    assert_eq!(
        summary(builder),
        vec![
            ("archived_orders", Write, Direct),
            ("customers", Read, Direct),
            ("sales.orders", Read, Direct),
            // Through the constant it returns.
            ("sessions", Write, Transitive)
        ]
    );
    let file = "src/builder.rs";
    let at = |needle| line("sql_strings", file, needle);
    assert_eq!(
        lines(access(builder, "customers", Read)),
        vec![at("let base = \"SELECT")]
    );
    assert_eq!(
        lines(access(builder, "archived_orders", Write)),
        vec![at("\"INSERT INTO archived_orders")]
    );
    assert_eq!(
        lines(access(builder, "sessions", Write)),
        vec![at("crate::queries::PURGE_SESSIONS")]
    );
    // `format!("… FROM {}", table)`: the placeholder is no table.
    assert!(cb
        .modules
        .iter()
        .flat_map(|m| &m.accesses)
        .all(|a| !a.table.contains("placeholder")));
}

#[test]
fn module_tree_follows_every_layout_and_skips_tests() {
    let (cb, diagnostics) = read("module_tree");
    assert_eq!(
        module_files(&cb),
        vec![
            ("tool", "src/bin/tool.rs"),
            ("tree_demo", "src/lib.rs"),
            ("tree_demo::alpha", "src/alpha/mod.rs"),
            ("tree_demo::alpha::inner", "src/alpha/inner.rs"),
            ("tree_demo::beta", "src/beta.rs"),
            ("tree_demo::beta::gamma", "src/beta/gamma.rs"),
            ("tree_demo::cli", "src/cli.rs"),
            ("tree_demo::delta", "src/extra/delta_impl.rs"),
            ("tree_demo::delta::leaf", "src/extra/leaf.rs"),
            ("tree_demo::epsilon", "src/lib.rs"),
            ("tree_demo::epsilon::theta", "src/epsilon/eps_path.rs"),
            ("tree_demo::epsilon::zeta", "src/lib.rs"),
        ]
    );
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let crates: Vec<(&str, &str)> = cb
        .crates
        .iter()
        .map(|c| (c.name.as_str(), c.root.as_str()))
        .collect();
    assert_eq!(crates, vec![("tool", "."), ("tree_demo", ".")]);

    let gamma = module(&cb, "tree_demo::beta::gamma");
    for dep in [
        "tree_demo::alpha::inner",
        "tree_demo::delta::leaf",
        "tree_demo::epsilon::zeta",
    ] {
        assert!(
            gamma.depends_on.contains(&dep.to_string()),
            "{:?}",
            gamma.depends_on
        );
    }
    assert!(module(&cb, "tree_demo::cli")
        .depends_on
        .contains(&"tree_demo::beta::gamma".to_string()));
    assert_eq!(
        module(&cb, "tool").depends_on,
        vec!["tree_demo::epsilon::theta".to_string()]
    );
    for m in &cb.modules {
        assert!(
            !m.depends_on.contains(&m.name),
            "{} depends on itself",
            m.name
        );
        let mut sorted = m.depends_on.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, m.depends_on);
    }
}

#[test]
fn workspace_members_path_dependencies_and_renames() {
    let (cb, _) = read("workspace");
    let crates: Vec<(&str, &str)> = cb
        .crates
        .iter()
        .map(|c| (c.name.as_str(), c.root.as_str()))
        .collect();
    assert_eq!(
        crates,
        vec![("shop_store", "crates/store"), ("shop_web", "crates/web")],
        "the excluded crate is not read"
    );
    let store = module(&cb, "shop_store::orders");
    assert_eq!(summary(store), vec![("sales.orders", Read, Direct)]);
    assert_eq!(store.file, "crates/store/src/orders.rs");

    let handlers = module(&cb, "shop_web::handlers");
    assert!(handlers
        .depends_on
        .contains(&"shop_store::orders".to_string()));
    assert_eq!(summary(handlers), vec![("sales.orders", Read, Transitive)]);
    let file = "crates/web/src/handlers.rs";
    assert_eq!(
        access(handlers, "sales.orders", Read).evidence,
        vec![carve::model::SourceLocation {
            file: file.to_string(),
            line: line("workspace", file, "Order::open_ids(conn)"),
        }]
    );

    // `use store::{self, …}` brings in the crate under its own name, and
    // `use diesel::prelude::*` looks up `diesel` without its own glob: both
    // resolve, and so does every import beside them.
    let reports = module(&cb, "shop_web::reports");
    assert_eq!(
        reports.depends_on,
        vec!["shop_store".to_string(), "shop_store::orders".to_string()]
    );
    assert_eq!(summary(reports), vec![("sales.orders", Read, Transitive)]);
}

#[test]
fn api_modules_inherit_exactly_the_data_layer_functions_they_call() {
    let (cb, diagnostics) = read("data_layer");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let api = module(&cb, "vault::api::ciphers");
    let file = "src/api/ciphers.rs";
    let call = line("data_layer", file, "Cipher::find_by_user(user, conn)");
    // `find_by_user` reads two tables; the writes of `delete_all_by_user`
    // in the same module do not leak in.
    assert_eq!(
        summary(api),
        vec![
            ("ciphers", Read, Transitive),
            ("folders_ciphers", Read, Transitive)
        ]
    );
    for a in &api.accesses {
        assert_eq!(lines(a), vec![call]);
        assert_eq!(a.evidence[0].file, file);
    }
    assert!(api
        .depends_on
        .contains(&"vault::db::models::cipher".to_string()));

    // Methods reached through a value built by `Folder::new` and through a
    // typed parameter.
    let folders = module(&cb, "vault::api::folders");
    assert_eq!(
        summary(folders),
        vec![
            ("folders", Read, Transitive),
            ("folders", Write, Transitive)
        ]
    );
    let file = "src/api/folders.rs";
    assert_eq!(
        lines(access(folders, "folders", Write)),
        vec![
            line("data_layer", file, "folder.save(conn)"),
            line("data_layer", file, "folder.rename_to(name, conn).is_ok()"),
            line(
                "data_layer",
                file,
                ".filter(|folder| folder.rename_to(name, conn)"
            )
        ]
    );

    // The data layer itself: direct where it queries, transitive through
    // its neighbours (including a cycle between ciphers and folders).
    let cipher = module(&cb, "vault::db::models::cipher");
    assert_eq!(access(cipher, "ciphers", Write).via, Direct);
    let bump = access(cipher, "users", Write);
    assert_eq!(bump.via, Transitive);
    let file = "src/db/models/cipher.rs";
    assert_evidence(
        bump,
        file,
        line("data_layer", file, "User::bump_revision(user, conn)"),
    );
    assert_eq!(access(cipher, "folders", Write).via, Transitive);
    let folder = module(&cb, "vault::db::models::folder");
    assert_eq!(access(folder, "ciphers", Write).via, Transitive);

    assert!(cb
        .co_access
        .contains(&vec!["ciphers".to_string(), "folders_ciphers".to_string()]));
    assert!(cb.co_access.contains(&vec![
        "ciphers".to_string(),
        "folders".to_string(),
        "users".to_string()
    ]));
    let mut sorted = cb.co_access.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, cb.co_access);
    assert!(module(&cb, "vault::db::schema").accesses.is_empty());
}

#[test]
fn functions_written_by_the_workspace_macros_are_called_like_any_other() {
    let (cb, _) = read("macro_layer");
    let models = module(&cb, "tagger::models");
    assert_eq!(
        summary(models),
        vec![("tags", Read, Direct), ("tags", Write, Direct)]
    );
    let file = "src/models.rs";
    // What an expansion does is reported at the invocation.
    assert_evidence(
        access(models, "tags", Read),
        file,
        line("macro_layer", file, "find_by!(tags"),
    );
    assert_evidence(
        access(models, "tags", Write),
        file,
        line("macro_layer", file, "insert!(tags, NewTag)"),
    );
    let routes = module(&cb, "tagger::routes");
    assert_eq!(
        summary(routes),
        vec![("tags", Read, Transitive), ("tags", Write, Transitive)]
    );
    let file = "src/routes.rs";
    assert_eq!(
        lines(access(routes, "tags", Read)),
        vec![
            line("macro_layer", file, "Tag::find_by_name(conn, name)"),
            line("macro_layer", file, "models::count_tags(conn)")
        ]
    );
    assert_eq!(
        lines(access(routes, "tags", Write)),
        vec![line("macro_layer", file, "Tag::insert(conn")]
    );
    assert!(module(&cb, "tagger").accesses.is_empty());
}

#[test]
fn unparsable_files_are_reported_and_the_rest_is_read() {
    let (cb, diagnostics) = read("broken");
    let unparsed: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.code == "rust-unparsed")
        .collect();
    assert_eq!(unparsed.len(), 1, "{diagnostics:?}");
    assert_eq!(unparsed[0].file.as_deref(), Some("src/bad.rs"));
    assert_eq!(unparsed[0].line, Some(5));
    assert!(unparsed[0].column.is_some());
    assert!(diagnostics
        .iter()
        .any(|d| d.code == "rust-module-missing" && d.message.contains("missing")));
    assert_eq!(
        summary(module(&cb, "broken::good")),
        vec![("users", Read, Direct)]
    );
    assert!(module(&cb, "broken::bad").accesses.is_empty());
}

#[test]
fn doc_comments_and_test_modules_are_not_read() {
    // The test module does not parse and a doc comment dangles at the end:
    // neither keeps the file from being read, since carve reads neither.
    let (cb, diagnostics) = read("test_code");
    assert!(
        diagnostics.iter().all(|d| d.code != "rust-unparsed"),
        "{diagnostics:?}"
    );
    let store = module(&cb, "test_code::store");
    assert_eq!(
        summary(store),
        vec![
            ("customers", Read, Direct),
            ("sessions", Read, Direct),
            ("users", Read, Direct)
        ]
    );
    // Lines are those of the file as written.
    assert_evidence(
        access(store, "sessions", Read),
        "src/store.rs",
        line("test_code", "src/store.rs", "FROM sessions"),
    );
}

#[test]
fn without_a_schema_every_name_in_sql_counts() {
    let empty = Schema {
        dialect: Dialect::Postgres,
        tables: Vec::new(),
    };
    let (cb, _) = read_codebase(&fixture("sqlx"), &empty);
    let reports = module(&cb, "ledger::reports");
    assert_eq!(
        summary(reports),
        vec![
            ("accounts", Read, Direct),
            ("audit_log", Write, Direct),
            ("entries", Read, Direct),
            ("orders", Read, Direct)
        ]
    );
}

#[test]
fn the_same_input_gives_the_same_output() {
    let schema = schema();
    let (first, first_diagnostics) = read_codebase(&fixture("data_layer"), &schema);
    for _ in 0..3 {
        let (again, diagnostics) = read_codebase(&fixture("data_layer"), &schema);
        assert_eq!(again, first);
        assert_eq!(diagnostics, first_diagnostics);
        assert_eq!(
            serde_json::to_string(&again).unwrap(),
            serde_json::to_string(&first).unwrap()
        );
    }
    let names: Vec<&str> = first.modules.iter().map(|m| m.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn a_file_two_modules_include_belongs_to_the_first_declaration_read() {
    let schema = schema();
    let (first, diagnostics) = read_codebase(&fixture("shared_file"), &schema);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    // Files are read on all cores in any order; the module tree is still
    // numbered depth by depth, so `billing` (declared first) owns the file.
    assert_eq!(
        module_files(&first),
        vec![
            ("shared_file", "src/lib.rs"),
            ("shared_file::billing", "src/billing.rs"),
            (
                "shared_file::billing::tag_queries",
                "src/shared/tag_queries.rs"
            ),
            ("shared_file::reports", "src/reports.rs"),
        ]
    );
    let tags = access(
        module(&first, "shared_file::billing::tag_queries"),
        "tags",
        Read,
    );
    assert_evidence(
        tags,
        "src/shared/tag_queries.rs",
        line("shared_file", "src/shared/tag_queries.rs", "FROM tags"),
    );
    for _ in 0..20 {
        assert_eq!(read_codebase(&fixture("shared_file"), &schema).0, first);
    }
}
