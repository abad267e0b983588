//! Reading the monolith's Rust code: crates, the module tree, module
//! dependencies and which module reads and writes which table.
