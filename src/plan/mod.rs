//! The plan: `carve.toml`, its validation, and writing it from a proposal.

pub mod answers;
pub mod check;
pub mod dependencies;
pub mod edit;
pub mod findings;
pub mod load;
pub mod metrics;
pub mod model;
pub mod proposal;
pub mod todo;
pub mod validate;
pub mod write;
