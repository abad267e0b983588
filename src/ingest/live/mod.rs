//! Live introspection: reads tables, columns, keys and partitions from a
//! running PostgreSQL or MySQL/MariaDB database.
//!
//! The result follows the same naming contract as static SQL ingestion, so a
//! schema read from a database and the same schema read from its DDL compare
//! equal. Database URLs carry credentials: nothing here prints a URL that has
//! not gone through [`redact_url`], and driver errors are re-worded with the
//! password scrubbed because they may quote the connection string.

pub mod mysql;
pub mod postgres;

use crate::model::{Diagnostic, Schema};
use anyhow::{anyhow, bail, Context};
use std::time::Duration;
use url::Url;

/// What introspection found, plus anything worth telling the user.
#[derive(Debug)]
pub struct LiveSchema {
    pub schema: Schema,
    pub diagnostics: Vec<Diagnostic>,
}

/// Options for introspection.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Only these schemas (PostgreSQL) or databases (MySQL); empty means all
    /// user schemas (PostgreSQL) or the URL's database (MySQL).
    pub schemas: Vec<String>,
}

/// How long to wait for the server to accept a connection before giving up:
/// long enough for a slow VPN, short enough that a wrong host fails visibly.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The URL schemes `introspect` understands, for error messages.
const ACCEPTED_SCHEMES: &str = "postgres://, postgresql://, mysql:// or mariadb://";

/// Which catalog dialect a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Postgres,
    Mysql,
}

/// Reads the schema of the database at `url`.
///
/// `postgres://` and `postgresql://` URLs are read through `pg_catalog`,
/// `mysql://` and `mariadb://` through `information_schema`. Errors never
/// contain the password.
pub fn introspect(url: &str, options: &LiveOptions) -> anyhow::Result<LiveSchema> {
    let (engine, driver_url) = engine_for(url)?;
    let target = Target::new(url, driver_url);
    tracing::debug!(url = %target.redacted, "introspecting live database");

    // A current-thread runtime is enough: introspection is a handful of
    // sequential catalog queries on one connection.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime for live introspection")?;
    let result = runtime.block_on(async {
        match engine {
            Engine::Postgres => postgres::introspect(&target, options).await,
            Engine::Mysql => mysql::introspect(&target, options).await,
        }
    });
    let live = result.with_context(|| format!("introspecting {}", target.redacted))?;
    tracing::debug!(
        tables = live.schema.tables.len(),
        "live introspection finished"
    );
    Ok(live)
}

/// Picks the engine from the URL scheme and returns the URL sqlx should see
/// (sqlx only knows `mysql://`, so `mariadb://` is rewritten).
pub(crate) fn engine_for(url: &str) -> anyhow::Result<(Engine, String)> {
    let Some((scheme, rest)) = url.split_once("://") else {
        bail!(
            "`{}` is not a database URL: expected one starting with {ACCEPTED_SCHEMES}",
            redact_url(url)
        );
    };
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Ok((Engine::Postgres, url.to_string())),
        "mysql" => Ok((Engine::Mysql, url.to_string())),
        "mariadb" => Ok((Engine::Mysql, format!("mysql://{rest}"))),
        _ => bail!(
            "unsupported database URL scheme `{scheme}` in {}: expected {ACCEPTED_SCHEMES}",
            redact_url(url)
        ),
    }
}

/// A database to connect to, with what is needed to report on it safely.
pub(crate) struct Target {
    /// The URL handed to sqlx (scheme already mapped).
    pub(crate) url: String,
    /// The URL as the user gave it, password replaced: the only form printed.
    pub(crate) redacted: String,
    /// Password spellings (as written and percent-decoded) to scrub from
    /// driver messages.
    secrets: Vec<String>,
}

impl Target {
    pub(crate) fn new(user_url: &str, driver_url: String) -> Self {
        let mut secrets = Vec::new();
        for candidate in [user_url, driver_url.as_str()] {
            if let Ok(parsed) = Url::parse(candidate) {
                if let Some(password) = parsed.password() {
                    secrets.push(password.to_string());
                    if let Ok(decoded) = percent_decode(password) {
                        secrets.push(decoded);
                    }
                }
            }
        }
        // Scrub the longest spelling first so a decoded password that is a
        // prefix of the encoded one does not leave a tail behind.
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Target {
            url: driver_url,
            redacted: redact_url(user_url),
            secrets,
        }
    }

    /// Removes anything secret from a message that came from the driver.
    pub(crate) fn scrub(&self, message: &str) -> String {
        let mut clean = message.replace(&self.url, &redact_url(&self.url));
        for secret in &self.secrets {
            clean = clean.replace(secret.as_str(), "***");
        }
        clean
    }

    /// Turns a driver error into an error that says what was being done and
    /// cannot leak the password. The sqlx error is flattened to text rather
    /// than kept as a source, because its `Debug` form may hold the options.
    pub(crate) fn db_error(&self, doing: &str, err: sqlx::Error) -> anyhow::Error {
        anyhow!("{doing}: {}", self.scrub(&err.to_string()))
    }

    /// Runs a connection future under [`CONNECT_TIMEOUT`]. The messages do
    /// not repeat the URL: [`introspect`] already names the redacted URL.
    pub(crate) async fn connect<C, F>(&self, connecting: F) -> anyhow::Result<C>
    where
        F: std::future::Future<Output = Result<C, sqlx::Error>>,
    {
        match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(err)) => Err(self.db_error("could not connect", err)),
            Err(_) => bail!(
                "could not connect: no answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            ),
        }
    }
}

fn percent_decode(text: &str) -> Result<String, std::str::Utf8Error> {
    // The url crate has no public percent-decoder; decode by hand so the
    // scrubber also catches a password the driver echoes unescaped.
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(value) = u8::from_str_radix(hex, 16) {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|e| e.utf8_error())
}

/// Query parameters that carry a secret in some drivers' URL syntax.
const SECRET_PARAMS: &[&str] = &["password", "pass", "pwd", "sslpassword"];

/// Returns `url` with its password (and any password-like query parameter)
/// replaced by `***`, for messages and logs. Text that does not parse as a
/// URL is still redacted: everything between the first `:` of the user info
/// and the last `@` is hidden, erring on the side of hiding too much.
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
                return redact_by_hand(url);
            }
            let has_secret_param = parsed.query_pairs().any(|(key, _)| is_secret_param(&key));
            if has_secret_param {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(key, value)| {
                        let value = if is_secret_param(&key) {
                            "***".to_string()
                        } else {
                            value.into_owned()
                        };
                        (key.into_owned(), value)
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            if parsed.password().is_none() && !has_secret_param {
                // Nothing to hide: keep the user's spelling rather than the
                // parser's normalized one.
                return url.to_string();
            }
            parsed.to_string()
        }
        _ => redact_by_hand(url),
    }
}

fn is_secret_param(key: &str) -> bool {
    SECRET_PARAMS.iter().any(|p| key.eq_ignore_ascii_case(p))
}

/// Fallback redaction for strings the URL parser rejects.
fn redact_by_hand(url: &str) -> String {
    let start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[start..];
    let Some(at) = rest.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!("{}{}:***{}", &url[..start], &userinfo[..colon], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_url("postgres://carve:s3cret@db.internal:5432/shop"),
            "postgres://carve:***@db.internal:5432/shop"
        );
        assert_eq!(
            redact_url("mysql://root:p%40ss%2Fword@127.0.0.1/app"),
            "mysql://root:***@127.0.0.1/app"
        );
    }

    #[test]
    fn leaves_urls_without_password_alone() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "mariadb://root@localhost/test",
            "postgresql://localhost/db?sslmode=disable",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn redacts_password_query_parameter() {
        let redacted = redact_url("postgres://u@h/db?sslmode=disable&password=hunter2");
        assert!(!redacted.contains("hunter2"), "{redacted}");
        assert!(redacted.contains("sslmode=disable"), "{redacted}");
    }

    #[test]
    fn redacts_unparseable_urls_by_hand() {
        // An unescaped `@` and a space make this invalid for the parser.
        let redacted = redact_url("mysql://admin:pa ss@word@[bad-host/db");
        assert_eq!(redacted, "mysql://admin:***@[bad-host/db");
        assert_eq!(redact_url("user:topsecret@host"), "user:***@host");
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn unknown_scheme_names_accepted_ones_without_password() {
        let err =
            introspect("sqlserver://sa:Hunter2!@db/main", &LiveOptions::default()).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("postgres://"), "{text}");
        assert!(text.contains("mariadb://"), "{text}");
        assert!(!text.contains("Hunter2"), "{text}");
    }

    #[test]
    fn scheme_mapping() {
        assert_eq!(
            engine_for("mariadb://root@h/db").unwrap(),
            (Engine::Mysql, "mysql://root@h/db".to_string())
        );
        assert_eq!(engine_for("PostgreSQL://h/db").unwrap().0, Engine::Postgres);
        assert!(engine_for("localhost:5432").is_err());
    }

    #[test]
    fn scrubs_driver_messages() {
        let target = Target::new(
            "mariadb://root:p%40ss@h/db",
            "mysql://root:p%40ss@h/db".into(),
        );
        let scrubbed = target.scrub("error at mysql://root:p%40ss@h/db: access denied (p@ss)");
        assert!(!scrubbed.contains("p%40ss"), "{scrubbed}");
        assert!(!scrubbed.contains("p@ss"), "{scrubbed}");
    }

    #[test]
    fn unreachable_server_fails_without_leaking() {
        // Port 1 on loopback refuses immediately, so this does not wait for
        // the timeout.
        let err = introspect(
            "postgres://carve:TopSecret@127.0.0.1:1/db",
            &LiveOptions::default(),
        )
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("127.0.0.1:1"), "{text}");
        assert!(!text.contains("TopSecret"), "{text}");
    }
}
