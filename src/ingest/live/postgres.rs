//! PostgreSQL introspection through pg_catalog.
