//! MySQL / MariaDB introspection through information_schema.
