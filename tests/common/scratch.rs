//! The scratch databases `--dev-url` creates, read from the server's catalog,
//! so a test can check that a run left none behind.

use carve::ingest::dev_url::SCRATCH_PREFIX;
use std::collections::BTreeSet;

/// The scratch databases on the PostgreSQL or MySQL/MariaDB server at `url`.
pub(crate) fn scratch_databases(url: &str) -> BTreeSet<String> {
    use sqlx::{Connection, Row};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let pattern = format!("{SCRATCH_PREFIX}%");
        if url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            let rows = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE $1")
                .bind(&pattern)
                .fetch_all(&mut conn)
                .await
                .expect("list databases");
            rows.iter().map(|r| r.get::<String, _>(0)).collect()
        } else {
            let url = url.replacen("mariadb://", "mysql://", 1);
            let mut conn = sqlx::MySqlConnection::connect(&url)
                .await
                .expect("connect");
            let rows = sqlx::query(
                "SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata WHERE schema_name LIKE ?",
            )
            .bind(&pattern)
            .fetch_all(&mut conn)
            .await
            .expect("list databases");
            rows.iter().map(|r| r.get::<String, _>(0)).collect()
        }
    })
}
