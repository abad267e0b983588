//! One handler per subcommand.

pub mod analyze;
pub mod check;
mod monolith;
pub mod plan;

use crate::exit::ExitStatus;
use crate::printer::Printer;

/// The answer of a subcommand whose issue has not landed yet.
pub fn not_implemented(name: &str, printer: &Printer) -> ExitStatus {
    printer.error(
        &format!("`carve {name}` is not implemented yet"),
        Some("`carve analyze` works today"),
    );
    ExitStatus::Error
}
