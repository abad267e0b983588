//! One handler per subcommand.

pub mod analyze;
pub mod check;
mod monolith;
pub mod plan;
pub mod scaffold;
